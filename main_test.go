package d24_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run if, once every test is done, a goroutine started by
// the SDK (client, middleware, sandbox) or a connection of its transport is
// still running: everything must stop when its server closes or its context
// ends.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := lingering(10 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines still running after the tests:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// lingering waits up to d for the SDK's goroutines to end and returns the
// stacks of those that did not.
func lingering(d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		var left []string
		buf := make([]byte, 1<<20)
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if strings.Contains(g, "TestMain") {
				continue
			}
			if strings.Contains(g, "github.com/d24go/d24") || strings.Contains(g, "net/http.(*persistConn)") {
				left = append(left, g)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return strings.Join(left, "\n\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
