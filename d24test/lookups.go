package d24test

import (
	"net/http"
	"regexp"

	"github.com/shopspring/decimal"
)

// DefaultReadOnlyKey is the read-only key the sandbox accepts by default.
const DefaultReadOnlyKey = "d24test-read-only-key"

// WithReadOnlyKey sets the read-only key the lookups accept.
func WithReadOnlyKey(key string) Option { return func(c *config) { c.readOnlyKey = key } }

type method struct{ code, name, kind string }

// paymentMethodsByCountry are realistic method lists for the reference pages'
// countries.
var paymentMethodsByCountry = map[string][]method{
	"BR": {{"BB", "Banco do Brasil", "BANK_DEPOSIT"}, {"UL", "Banrisul AM", "BANK_TRANSFER"}, {"BL", "Boleto", "VOUCHER"},
		{"IX", "Pix", "BANK_TRANSFER"}, {"CA", "Caixa", "BANK_DEPOSIT"}, {"VI", "Visa", "CREDIT_CARD"}, {"MC", "Mastercard", "CREDIT_CARD"}},
	"MX": {{"OX", "OXXO", "VOUCHER"}, {"SE", "SPEI", "BANK_TRANSFER"}, {"VI", "Visa", "CREDIT_CARD"}, {"MC", "Mastercard", "CREDIT_CARD"}, {"AE", "American Express", "CREDIT_CARD"}},
	"PE": {{"BC", "BCP", "VOUCHER"}, {"PF", "PagoEfectivo", "VOUCHER"}, {"VI", "Visa", "CREDIT_CARD"}},
	"CO": {{"PC", "PSE", "BANK_TRANSFER"}, {"EF", "Efecty", "VOUCHER"}, {"VI", "Visa", "CREDIT_CARD"}},
	"CL": {{"WP", "Webpay", "BANK_TRANSFER"}, {"VI", "Visa", "CREDIT_CARD"}},
	"AR": {{"RP", "Rapipago", "VOUCHER"}, {"VI", "Visa", "CREDIT_CARD"}},
}

var statesByCountry = map[string][][2]string{
	"BR": {{"AC", "Acre"}, {"AL", "Alagoas"}, {"AP", "Amapá"}, {"AM", "Amazonas"}, {"BA", "Bahia"}, {"CE", "Ceará"},
		{"DF", "Distrito Federal"}, {"ES", "Espírito Santo"}, {"GO", "Goiás"}, {"MA", "Maranhão"}, {"MT", "Mato Grosso"},
		{"MS", "Mato Grosso do Sul"}, {"MG", "Minas Gerais"}, {"PA", "Pará"}, {"PB", "Paraíba"}, {"PR", "Paraná"},
		{"PE", "Pernambuco"}, {"PI", "Piauí"}, {"RJ", "Rio de Janeiro"}, {"RN", "Rio Grande do Norte"},
		{"RS", "Rio Grande do Sul"}, {"RO", "Rondônia"}, {"RR", "Roraima"}, {"SC", "Santa Catarina"}, {"SP", "São Paulo"},
		{"SE", "Sergipe"}, {"TO", "Tocantins"}},
	"MX": {{"AGU", "Aguascalientes"}, {"BCN", "Baja California"}, {"CMX", "Ciudad de México"}, {"JAL", "Jalisco"},
		{"NLE", "Nuevo León"}, {"PUE", "Puebla"}, {"YUC", "Yucatán"}},
	"PE": {{"LIM", "Lima"}, {"ARE", "Arequipa"}, {"CUS", "Cusco"}},
}

type bank struct {
	code int
	name string
}

var banksByCountry = map[string][]bank{
	"BR": {{1, "BANCO DO BRASIL S.A."}, {3, "BANCO DA AMAZONIA S.A."}, {4, "BANCO DO NORDESTE DO BRASIL S.A."},
		{33, "BANCO SANTANDER (BRASIL) S.A."}, {104, "CAIXA ECONOMICA FEDERAL"}, {237, "BANCO BRADESCO S.A."}, {341, "ITAÚ UNIBANCO S.A."}},
	"MX": {{2, "BANAMEX"}, {12, "BBVA MEXICO"}, {72, "BANORTE"}},
	"AR": {},
}

var countryCurrency = map[string]string{"BR": "BRL", "MX": "MXN", "PE": "PEN", "CO": "COP", "CL": "CLP", "AR": "ARS"}

var (
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
	amountPattern  = regexp.MustCompile(`^[0-9]{1,18}(\.[0-9]{1,2})?$`)
)

// readOnly answers a lookup whose read-only key the handler checked.
func (s *Server) readOnly(r *http.Request, path string) answer {
	q := r.URL.Query()
	badRequest := func(msg string) answer {
		return (&apiError{status: 400, Code: 201, Description: msg, Type: "BEAN_VALIDATION_ERROR"}).answer()
	}
	amount := decimal.NewFromInt(1)
	if v := q.Get("amount"); v != "" {
		if !amountPattern.MatchString(v) {
			return badRequest("The amount specified was incorrect")
		}
		amount = decimal.RequireFromString(v)
	}
	if path == "/v3/exchange_rates/crypto" {
		currency, crypto := q.Get("currency"), q.Get("crypto")
		rate, ok := usdRates[currency]
		if !ok || crypto != "USDT" && crypto != "USDC" {
			return badRequest("The currency or crypto specified was incorrect")
		}
		perCrypto := decimal.RequireFromString(rate) // local units per 1 USDT, a USD stablecoin
		converted := amount.DivRound(perCrypto, 6)
		fee := converted.Mul(decimal.RequireFromString("0.01")).Round(6)
		return jsonAnswer(http.StatusOK, map[string]any{"fx_rate": num(perCrypto), "converted_amount": num(converted.Sub(fee)), "fee": num(fee)})
	}
	country := q.Get("country")
	if !countryPattern.MatchString(country) {
		return badRequest("The country specified was incorrect")
	}
	switch path {
	case "/v3/payment_methods":
		out := []map[string]any{}
		for _, m := range paymentMethodsByCountry[country] {
			out = append(out, map[string]any{"country": country, "code": m.code, "name": m.name, "type": m.kind, "status": "OK",
				"logo": "https://resources.directa24.com/cashin/payment_method/square/" + m.code + ".svg", "daily_average": 5, "monthly_average": 5})
		}
		return jsonAnswer(http.StatusOK, out)
	case "/v3/exchange_rates":
		currency, ok := countryCurrency[country]
		if !ok {
			return badRequest("The country specified was incorrect")
		}
		rate := decimal.RequireFromString(usdRates[currency])
		return jsonAnswer(http.StatusOK, map[string]any{"fx_rate": num(rate), "currency": currency, "converted_amount": num(amount.Mul(rate))})
	case "/v3/states":
		out := []map[string]string{}
		for _, st := range statesByCountry[country] {
			out = append(out, map[string]string{"iso": st[0], "name": st[1]})
		}
		return jsonAnswer(http.StatusOK, out)
	case "/v3/banks":
		out := []map[string]any{}
		for _, b := range banksByCountry[country] {
			out = append(out, map[string]any{"code": b.code, "name": b.name})
		}
		return jsonAnswer(http.StatusOK, out)
	}
	return notFound()
}

func isReadOnlyPath(path string) bool {
	switch path {
	case "/v3/payment_methods", "/v3/exchange_rates", "/v3/exchange_rates/crypto", "/v3/states", "/v3/banks":
		return true
	}
	return false
}

func num(d decimal.Decimal) any { return jsonNumber(d.String()) }
