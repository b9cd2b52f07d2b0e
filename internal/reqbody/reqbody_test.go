package reqbody_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/d24go/d24/internal/reqbody"
)

// A Reader says its bytes only while nothing has been read from it, and every
// GetBody reader reads them all again.
func TestOf(t *testing.T) {
	data := []byte(`{"amount":"10.00"}`)
	req, _ := http.NewRequest("POST", "https://d24.example/v3/deposits", reqbody.New(data))
	req.GetBody = reqbody.GetBody(data)
	if b, ok := reqbody.Of(req); !ok || !bytes.Equal(b, data) {
		t.Fatalf("Of = %q, %v", b, ok)
	}
	io.ReadFull(req.Body, make([]byte, 3))
	if _, ok := reqbody.Of(req); ok {
		t.Error("a Reader already read from still says its bytes")
	}
	again, _ := req.GetBody()
	if b, _ := io.ReadAll(again); !bytes.Equal(b, data) {
		t.Errorf("GetBody read %q", b)
	}
	other, _ := http.NewRequest("POST", "https://d24.example/", strings.NewReader("x"))
	if _, ok := reqbody.Of(other); ok {
		t.Error("another body said its bytes")
	}
}
