package d24test

import "fmt"

// The checkout page at a deposit's redirect_url: /validate/{id}/{token} for a
// HOSTED deposit, /v1/checkout/{id}/{token} for a ONE_SHOT one, on the API
// host. GET shows the deposit as D24's checkout would; a POST of its form pays,
// cancels or lets the deposit expire, notifies the merchant and sends the
// payer on to the deposit's success_url, back_url or error_url.

// checkout is the checkout page's flow: its buttons, the status each gives
// and the deposit's URL each sends the payer on to.
var checkout = &payerFlow{
	pending: checkoutPending,
	view:    checkoutPage,
	outcomes: map[string]pageOutcome{
		"pay":    {"COMPLETED", "Paid", func(d *Deposit) string { return d.successURL }},
		"cancel": {"CANCELLED", "Cancelled", func(d *Deposit) string { return d.backURL }},
		"expire": {"EXPIRED", "Expired", func(d *Deposit) string { return d.errorURL }},
	},
	buttons:    "pay, cancel or let it expire",
	notPending: "This deposit is no longer pending",
	doneLead:   "The deposit gave no URL to send the payer on to, so the payer sees this page.",
}

// checkoutPending tells a deposit the payer can still act on from its checkout.
func checkoutPending(d *Deposit) bool { return !d.Card && d.Status == "PENDING" }

// checkoutPage shows a deposit as D24's checkout would, with its buttons
// while it is pending.
func checkoutPage(d *Deposit, self string) page {
	p := page{
		Title:   fmt.Sprintf("Deposit %d", d.ID),
		Heading: "Pay " + shownAmount(d),
		Status:  statusOf(d.Status),
		Facts:   depositFacts(d),
	}
	pay := "Pay"
	if d.CheckoutType == "ONE_SHOT" {
		pm := methodOf(d)
		p.Lead = fmt.Sprintf("Pay with %s: the payer pays at their bank or store with the details below.", pm.name)
		p.Codes = metadataCodes(pm, pm.metadata(d))
		if d.Country == "BR" && d.PaymentMethod != "IX" {
			pix := paymentMethods["IX"]
			p.Codes = append(p.Codes, metadataCodes(pix, pix.metadata(d))...)
		}
		pay = "Mark " + pm.name + " paid"
	} else {
		p.Lead = "D24's hosted checkout: here the payer chooses a payment method and pays."
	}
	if !checkoutPending(d) {
		p.Heading = "Deposit of " + shownAmount(d)
		p.Note = "This deposit is no longer pending: nothing more can be done here."
		return p
	}
	p.FormAction, p.Legend = self, "Play the payer"
	p.Actions = []pageAction{
		{Value: "pay", Label: pay, Class: "primary"},
		{Value: "cancel", Label: "Cancel", Class: ""},
		{Value: "expire", Label: "Let it expire", Class: "danger"},
	}
	p.Note = "Each button sets the deposit's status as D24 would (COMPLETED, CANCELLED or EXPIRED), " +
		"notifies the merchant, then sends the payer to the deposit's success_url, back_url or error_url."
	p.formOrigins = originsOf(d.successURL, d.backURL, d.errorURL)
	return p
}

// depositFacts are what a payer sees of any deposit.
func depositFacts(d *Deposit) []fact {
	facts := []fact{
		{"Amount", shownAmount(d)},
		{"Merchant invoice", d.InvoiceID},
		{"Deposit ID", itoa(d.ID)},
	}
	if d.Country != "" {
		facts = append(facts, fact{"Country", d.Country})
	}
	switch {
	case d.Card:
		facts = append(facts, fact{"Card", cardSummary(d)})
	case d.PaymentMethod != "":
		facts = append(facts, fact{"Payment method", methodOf(d).name + " (" + d.PaymentMethod + ")"})
	default:
		facts = append(facts, fact{"Payment method", "chosen by the payer on this page"})
	}
	if d.description != "" {
		facts = append(facts, fact{"Description", d.description})
	}
	if name := payerName(d); name != "" {
		facts = append(facts, fact{"Payer", name})
	}
	return facts
}

// methodOf is the deposit's payment method as D24 names it.
func methodOf(d *Deposit) paymentMethod {
	if pm := paymentMethods[d.PaymentMethod]; pm.name != "" {
		return pm
	}
	return paymentMethod{kind: "BANK_TRANSFER", name: d.PaymentMethod}
}

// metadataCodes lists a ONE_SHOT deposit's metadata as copyable values, in a
// fixed order. The Pix QR code is an image to scan: the page shows its
// copy-and-paste code instead.
func metadataCodes(pm paymentMethod, meta map[string]any) []fact {
	labels := []fact{
		{"reference", "Reference"}, {"digitable_line", "Digitable line"}, {"bar_code", "Bar code"},
		{"beneficiary_name", "Beneficiary"}, {"agency", "Agency"}, {"account", "Account"}, {"CNPJ", "CNPJ"},
	}
	var out []fact
	for _, l := range labels {
		v, ok := meta[l.Term]
		if !ok {
			continue
		}
		label := l.Value
		if pm.name == "Pix" {
			label = "Pix " + map[string]string{"reference": "reference", "digitable_line": "copy-and-paste code"}[l.Term]
		}
		out = append(out, fact{label, fmt.Sprint(v)})
	}
	return out
}

// resultPage is where the payer lands when the deposit has no URL to go to.
func resultPage(d *Deposit, heading, lead string) page {
	note := "The merchant's notification_url is notified of the change, as D24 does."
	if d.NotificationURL == "" {
		note = "The deposit has no notification_url, and the sandbox none set: nobody is notified."
	}
	return page{Title: heading, Heading: heading, Lead: lead, Status: statusOf(d.Status), Facts: depositFacts(d), Note: note}
}

// shownAmount is the amount as a checkout shows it: at least two decimals
// ("150.50 BRL"), every decimal D24 holds.
func shownAmount(d *Deposit) string {
	return d.Amount.StringFixed(int32(max(2, d.Amount.Decimals()))) + " " + d.Currency
}
