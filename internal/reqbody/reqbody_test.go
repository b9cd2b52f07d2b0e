package reqbody_test

import (
	"bufio"
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

// The transport writes a Reader's bytes with the headers, in one write: it
// must see a body it knows is in memory.
func TestForTransport(t *testing.T) {
	data := []byte(`{"x":1}`)
	var written [][]byte
	conn := writeRecorder{&written}
	req, _ := http.NewRequest("POST", "http://d24.example/", nil)
	req.Body, req.ContentLength = reqbody.ForTransport(reqbody.New(data)), int64(len(data))
	w := bufio.NewWriterSize(conn, 4096)
	if err := req.Write(w); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if len(written) != 1 || !bytes.HasSuffix(written[0], data) {
		t.Errorf("%d writes: %q", len(written), written)
	}
	other := io.NopCloser(strings.NewReader("x"))
	if reqbody.ForTransport(other) != other {
		t.Error("another body was changed")
	}
}

type writeRecorder struct{ writes *[][]byte }

func (w writeRecorder) Write(b []byte) (int, error) {
	*w.writes = append(*w.writes, append([]byte(nil), b...))
	return len(b), nil
}
