package d24test

import (
	"strings"
)

// DefaultThreeDSCard answers PENDING_AUTHENTICATION (3DS) unless configured
// otherwise; it passes the Luhn check.
const DefaultThreeDSCard = "4000000000003220"

// cardOutcome is what a test card simulates.
type cardOutcome struct {
	reasonCode, reason string
}

var (
	rejected     = cardOutcome{"CARD_DECLINED", "Card declined by issuer"}
	expired      = cardOutcome{"CARD_EXPIRED", "Credit card expired"}
	insufficient = cardOutcome{"INSUFFICIENT_FUNDS", "Insufficient funds"}
	stolen       = cardOutcome{"CARD_REPORTED_STOLEN", "Card reported as stolen"}
	highRisk     = cardOutcome{"EXTERNAL_HIGH_RISK", "The card issuer rejected the payment because of their anti-fraud rules"}
)

// testCards are D24's staging test cards (pci-deposit-endpoint.md), each
// REJECTED with its reason. Half of them fail the Luhn check; D24's staging,
// like this sandbox, accepts them anyway.
var testCards = map[string]cardOutcome{
	// Visa
	"4222222222222220": rejected, "4000000000000060": expired, "4444444444444440": insufficient,
	"4000000000000110": stolen, "4000000000000040": highRisk,
	// Mastercard
	"5454545454545450": rejected, "5555555555554440": expired, "5105105105105100": insufficient,
	"5451951574925480": stolen, "5406251139676600": highRisk,
	// American Express
	"340000000000009": rejected, "373737373737374": expired, "370000000000002": insufficient,
	"343434343434343": stolen, "341111111111111": highRisk,
	// JCB
	"3530185156387080": rejected, "3566002020360500": expired, "3555555555555552": insufficient,
	"3539189698635270": stolen, "3588430314874690": highRisk,
}

// TestCardOutcome tells how the sandbox (and D24's staging) answers one of
// D24's test cards: REJECTED with this reason code and reason.
func TestCardOutcome(number string) (reasonCode, reason string, ok bool) {
	o, ok := testCards[number]
	return o.reasonCode, o.reason, ok
}

// TestCardNumbers returns D24's staging test card numbers.
func TestCardNumbers() []string {
	out := make([]string, 0, len(testCards))
	for n := range testCards {
		out = append(out, n)
	}
	return out
}

// brand is a card network as D24 names its payment method.
type brand struct{ code, name string }

// cardBrand tells the network from the number's prefix.
func cardBrand(number string) brand {
	p := func(prefixes ...string) bool {
		for _, x := range prefixes {
			if strings.HasPrefix(number, x) {
				return true
			}
		}
		return false
	}
	switch {
	case p("34", "37"):
		return brand{"AE", "American Express"}
	case p("35"):
		return brand{"JC", "JCB"}
	case p("51", "52", "53", "54", "55", "22", "23", "24", "25", "26", "27"):
		return brand{"MC", "Mastercard"}
	case p("4"):
		return brand{"VI", "Visa"}
	case p("6011", "65", "64"):
		return brand{"DI", "Discover"}
	case p("36", "38", "30"):
		return brand{"DC", "Diners Club"}
	}
	return brand{"VI", "Visa"}
}
