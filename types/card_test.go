package types_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/d24go/d24/types"
)

func TestCardDataMasksItselfButNotOnTheWire(t *testing.T) {
	card := struct {
		Number types.CardNumber   `json:"card_number"`
		CVV    types.SecurityCode `json:"cvv"`
	}{"4111111111111111", "987"}

	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("card", "number", card.Number, "cvv", card.CVV, "card", card)
	printed := fmt.Sprintf("%v %+v %#v %s %q %x %d", card, card, card, card.Number, card.Number, card.Number, card.CVV) + logs.String()
	if strings.Contains(printed, "4111111111111111") || strings.Contains(printed, "987") {
		t.Errorf("card data printed in clear: %s", printed)
	}
	if !strings.Contains(printed, "411111******1111") {
		t.Errorf("masked number missing: %s", printed)
	}
	wire, _ := json.Marshal(card)
	if string(wire) != `{"card_number":"4111111111111111","cvv":"987"}` {
		t.Errorf("wire form changed: %s", wire)
	}
}

func TestMaskPAN(t *testing.T) {
	for in, want := range map[string]string{
		"4111111111111111": "411111******1111",
		"378282246310005":  "378282*****0005",
		"123456789":        "*****6789",
		"1234567":          "*******",
		"":                 "",
	} {
		if got := types.MaskPAN(in); got != want {
			t.Errorf("MaskPAN(%q) = %q, want %q", in, got, want)
		}
	}
	if types.CardNumber("4111111111111111").Last4() != "1111" {
		t.Error("Last4")
	}
}
