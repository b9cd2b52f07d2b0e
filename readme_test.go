package d24_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmePreamble declares what the README's snippets take as given: the names
// a merchant's program would have (a context, a client, a request, ...).
const readmePreamble = `package readmecheck

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/d24go/d24"
	"github.com/d24go/d24/d24test"
	"github.com/d24go/d24/generated/pci"
	"github.com/d24go/d24/middleware"
	"github.com/d24go/d24/middleware/internal/acmeapi"
	"github.com/d24go/d24/openapi"
	"github.com/d24go/d24/types"
	"github.com/getkin/kin-openapi/openapi3"
)

var (
	ctx       context.Context
	client    *d24.Client
	req       d24.CardDepositRequest
	cfg       d24.Config
	ip        string
	payer     d24.Payer
	dep       *d24.CardDepositResponse
	key       string
	logger    *slog.Logger
	mux       *http.ServeMux
	onStatus  d24.NotificationFunc
	rt        http.RoundTripper
	tp        trace.TracerProvider
	mp        metric.MeterProvider
	login     string
	secretKey string
	orders    interface {
		RecordPayment(context.Context, string, d24.DepositStatusValue) error
	}
)

var _, _, _, _, _, _, _, _, _, _, _, _, _ = errors.New, fmt.Sprint, log.Print, os.Getenv, time.Now, d24test.NewServer, pci.NewClient, middleware.NewChain, openapi.Load, slog.Default, acmeapi.NewClient, openapi3.NewLoader, types.ParseAmount

// What the snippet of another API's client takes as given: its document, its
// signer and its error body reader (see middleware/foreign_test.go).
var (
	acmeDoc                *openapi3.T
	keyID, secret, baseURL string
	parseAcmeError         middleware.ErrorParser
)

type acmeSigner struct {
	next          http.RoundTripper
	keyID, secret string
}

func (s *acmeSigner) RoundTrip(r *http.Request) (*http.Response, error) { return s.next.RoundTrip(r) }
`

// Every Go snippet of the README compiles as pasted into a function, given
// only the names a merchant's program would have.
func TestReadmeSnippetsCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a package with the go tool")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllSubmatch(readme, -1)
	if len(blocks) < 10 {
		t.Fatalf("%d Go blocks in the README", len(blocks))
	}
	var src strings.Builder
	src.WriteString(readmePreamble)
	for i, b := range blocks {
		fmt.Fprintf(&src, "\nfunc snippet%d() {\n%s}\n", i+1, b[1])
	}
	// Inside middleware/, so that the snippet of another API's client can use
	// the client the middleware's tests generate (middleware/internal/acmeapi).
	dir, err := os.MkdirTemp("middleware", "readmecheck")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "snippets.go"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(goTool, "build", "-gcflags=-e", "-o", os.DevNull, "./"+filepath.ToSlash(dir)).CombinedOutput()

	for _, line := range strings.Split(string(out), "\n") {
		// A snippet shows how to call; what it declares and never uses is
		// left to the reader's program.
		if line == "" || strings.HasPrefix(line, "#") || strings.Contains(line, "declared and not used") {
			continue
		}
		t.Errorf("%s", line)
	}
	if t.Failed() {
		t.Logf("the snippets, numbered in order:\n%s", src.String())
	}
}
