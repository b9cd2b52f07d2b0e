package d24test

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// longRunDeposits is the size of the long run: deposits, each with an
// idempotency key.
const longRunDeposits = 100_000

// longRunLimit is what the long run keeps of each kind, unless
// D24_LONG_RUN_CAPS says otherwise: small, so that the run is many times the
// caps.
const longRunLimit = 1000

// The sandbox run for long: 100,000 deposits with idempotency keys (20,000
// under the race detector, which makes each request several times slower),
// one in ten completed and refunded and one in fifty sent twice, signed and
// served by the API host's handler in-process from a goroutine per CPU. The
// store never holds more than its caps, a repeated key is still replayed, and
// once the store is full the live heap stays where it was.
//
// D24_LONG_RUN_CAPS=default runs it with the package's default caps, and
// D24_LONG_RUN_CAPS=off with caps beyond the run (measuring only); with -v the
// test logs the heap and the process's RSS after each tenth of the run.
func TestLongRunStaysWithinTheCaps(t *testing.T) {
	n := longRunDeposits
	if raceEnabled {
		n /= 5
	}
	limit, measureOnly := longRunLimit, false
	switch mode := os.Getenv("D24_LONG_RUN_CAPS"); mode {
	case "":
	case "default":
		limit = defaultLimit
	case "off":
		limit, measureOnly = 2*n, true
	default:
		t.Fatalf("D24_LONG_RUN_CAPS=%q: want default or off", mode)
	}
	s := NewServer(WithLimits(Limits{Deposits: limit, Refunds: limit, IdempotentAnswers: limit}))
	defer s.Close()
	if d, r, a := s.store.limits(); d != limit || r != limit || a != limit {
		t.Fatalf("the store keeps %d deposits, %d refunds, %d answers; want %d each", d, r, a, limit)
	}
	run := &longRun{t: t, s: s, h: s.handler(apiHost), limit: limit}

	const rounds = 10
	heap := make([]uint64, rounds+1)
	heap[0], _ = memory(t, "start", 0)
	workers := runtime.GOMAXPROCS(0)
	for round := range rounds {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := round * n / rounds; i < (round+1)*n/rounds; i++ {
					if i%workers == w && !run.deposit(i) {
						return
					}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		heap[round+1], _ = memory(t, "deposits", (round+1)*n/rounds)
	}
	if measureOnly {
		t.Logf("caps off: measured only")
		return
	}
	// The store is full after the first tenth (n/10 >= the caps), the
	// request log after the second: from there, nothing more may stay.
	const slack = 4 << 20
	for round := 3; round <= rounds; round++ {
		if grown := int64(heap[round]) - int64(heap[2]); grown > slack {
			t.Errorf("after %d deposits the live heap is %.1f MiB above what it was after %d (slack %d MiB): the store keeps what it should forget",
				round*n/rounds, float64(grown)/(1<<20), 2*n/rounds, slack>>20)
		}
	}
}

// longRun sends the long run's requests and checks the store after each.
type longRun struct {
	t     *testing.T
	s     *Server
	h     http.Handler
	limit int
}

// deposit creates deposit i under its own key, sends it again under the same
// key one time in fifty, and completes and refunds it one time in ten. It
// reports false, having failed the test, when an answer is not as it must be.
func (r *longRun) deposit(i int) bool {
	invoice := "long-run-" + strconv.Itoa(i)
	body := `{"invoice_id":"` + invoice + `","amount":100,"country":"BR","currency":"BRL","description":"Order ` + strconv.Itoa(i) + `"}`
	first, ok := r.send("/v3/deposits", invoice, body)
	if !ok {
		return false
	}
	if i%50 == 0 {
		again, ok := r.send("/v3/deposits", invoice, body)
		if !ok || again != first {
			r.t.Errorf("deposit %d sent again under its key: %s, want the stored answer %s", i, again, first)
			return false
		}
	}
	if i%10 != 0 {
		return true
	}
	var created struct {
		DepositID int64 `json:"deposit_id"`
	}
	if err := json.Unmarshal([]byte(first), &created); err != nil {
		r.t.Errorf("deposit %d: %v", i, err)
		return false
	}
	if err := r.s.SetDepositStatus(created.DepositID, "COMPLETED"); err != nil {
		r.t.Errorf("deposit %d: %v", i, err)
		return false
	}
	_, ok = r.send("/v3/refunds", "refund-"+invoice, fmt.Sprintf(`{"deposit_id":%d,"invoice_id":%q,`+
		`"bank_account":{"beneficiary":"Ana Souza","bank_code":"1","account_number":"1234","account_type":"SAVING"}}`, created.DepositID, invoice))
	return ok
}

// send POSTs body to path on the API host, signed for the sandbox and under an
// idempotency key, and returns the answer, which must be 200; then it checks
// that the store holds no more than its caps.
func (r *longRun) send(path, key, body string) (string, bool) {
	date := time.Now().UTC().Format("2006-01-02T15:04:05Z")
	mac := hmac.New(sha256.New, []byte(r.s.SecretKey))
	mac.Write([]byte(date + r.s.Login + body))
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Date", date)
	req.Header.Set("X-Login", r.s.Login)
	req.Header.Set("Authorization", "D24 "+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set("X-Idempotency-Key", key)
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		r.t.Errorf("POST %s: %d %s", path, rec.Code, rec.Body)
		return "", false
	}
	if d, rf, a := r.s.store.sizes(); d > r.limit || rf > r.limit || a > r.limit {
		r.t.Errorf("the store holds %d deposits, %d refunds and %d answers; the caps are %d each", d, rf, a, r.limit)
		return "", false
	}
	return rec.Body.String(), true
}

// sizes are how many deposits, refunds and answers the store holds, each
// counted in its map and in its ring of keys.
func (s *store) sizes() (deposits, refunds, answers int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(s.deposits.len(), len(s.deposits.order.items)), max(s.refunds.len(), len(s.refunds.order.items)),
		max(s.answers.len(), len(s.answers.order.items))
}

// limits are the store's caps.
func (s *store) limits() (deposits, refunds, answers int) {
	return s.deposits.order.limit, s.refunds.order.limit, s.answers.order.limit
}

// memory collects garbage, then logs and returns the live heap and the
// process's resident set (0 where /proc does not say).
func memory(t *testing.T, what string, count int) (heap, rss uint64) {
	t.Helper()
	runtime.GC()
	runtime.GC() // a second cycle empties the pools the first one kept
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss = residentSet()
	t.Logf("%-8s %7d  heap %6.1f MiB  RSS %6.1f MiB", what, count, float64(ms.HeapAlloc)/(1<<20), float64(rss)/(1<<20))
	return ms.HeapAlloc, rss
}

// residentSet reads VmRSS from /proc/self/status, in bytes; 0 where there is
// none.
func residentSet() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if kb, ok := strings.CutPrefix(lines.Text(), "VmRSS:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return n << 10
		}
	}
	return 0
}
