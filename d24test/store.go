package d24test

import (
	"crypto/sha256"
	"sort"
	"sync"
	"time"

	"github.com/d24go/d24/types"
)

// Deposit is a deposit the sandbox holds, as a test may inspect it. It holds no
// card data beyond the masked number.
type Deposit struct {
	ID              int64
	InvoiceID       string
	Card            bool   // created on the card API host
	CheckoutType    string // ONE_SHOT or HOSTED (deposits API)
	Result          string // SUCCESS, REJECTED, PENDING_AUTHENTICATION (card API)
	ReasonCode      string
	Status          string
	Country         string
	Currency        string
	Amount          types.Amount
	PaymentMethod   string
	PaymentType     string
	MaskedCard      string
	NotificationURL string
	CreatedAt       time.Time
	UserID          string
	payer           map[string]any
	cardDetail      map[string]any
	refunded        bool
	// refundedAmount is what the deposit's refunds take from it: all but
	// the CANCELLED and REJECTED, forgotten ones included.
	refundedAmount types.Amount
	// The payer's pages: the unguessable part of redirect_url or
	// authentication_url, and where the checkout sends the payer on.
	pageToken                     string
	successURL, backURL, errorURL string
	description                   string
}

// RecordedRequest is an authenticated request the sandbox received, without its
// signature and with card data masked.
type RecordedRequest struct {
	Host           string // "api" or "card"
	Method, Path   string
	IdempotencyKey string
	// Body is the request body with card_number masked and cvv replaced, cut
	// to WithLogBodyLimit bytes; "(not JSON)" for a body that is not JSON.
	Body   string
	Status int    // the answer's status, 0 if the connection was dropped first
	Fault  string // the injected fault, "" if none
	At     time.Time
}

type storedAnswer struct {
	bodySum [sha256.Size]byte
	answer  answer
}

// store is what the sandbox holds, each part bounded: deposits, refunds and
// idempotent answers (retention.go), requests and notification attempts (the
// newest WithLogLimit), and a lock per idempotency key in use.
type store struct {
	mu         sync.Mutex
	nextID     int64
	deposits   *boundedMap[int64, *Deposit]
	requests   ring[*RecordedRequest]
	answers    *boundedMap[string, storedAnswer]
	keyLocks   map[string]*keyLock // while requests with the key are in progress
	notified   ring[Notification]
	nextUser   int
	refunds    *boundedMap[int64, *Refund]
	nextRefund int64
}

type keyLock struct {
	mu   sync.Mutex
	refs int
}

func newStore(l limits) *store {
	return &store{nextID: 300000001, deposits: newBoundedMap[int64, *Deposit](l.deposits),
		answers: newBoundedMap[string, storedAnswer](l.idempotentAnswers), keyLocks: map[string]*keyLock{},
		refunds: newBoundedMap[int64, *Refund](l.refunds), requests: ring[*RecordedRequest]{limit: l.logEntries},
		notified: ring[Notification]{limit: l.logEntries}}
}

func (s *store) lockKey(scope, key string) func() {
	k := scope + "\x00" + key
	s.mu.Lock()
	l := s.keyLocks[k]
	if l == nil {
		l = &keyLock{}
		s.keyLocks[k] = l
	}
	l.refs++
	s.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		s.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(s.keyLocks, k)
		}
		s.mu.Unlock()
	}
}

func (s *store) stored(scope, key string) (storedAnswer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answers.get(scope + "\x00" + key)
}

func (s *store) remember(scope, key string, a storedAnswer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers.put(scope+"\x00"+key, a)
}

func (s *store) add(d *Deposit) *Deposit {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.ID = s.nextID
	s.nextID++
	if d.UserID == "" {
		s.nextUser++
		d.UserID = "d24test-user-" + itoa(int64(s.nextUser))
	}
	s.deposits.put(d.ID, d)
	return d
}

func (s *store) get(id int64) (Deposit, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.deposits.get(id)
	if !ok {
		return Deposit{}, false
	}
	return *d, true
}

// Deposits returns the deposits the sandbox keeps, oldest first: every one
// created so far, up to Limits.Deposits, then the newest.
func (s *Server) Deposits() []Deposit {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	kept := s.store.deposits.values()
	out := make([]Deposit, len(kept))
	for i, d := range kept {
		out[i] = *d
	}
	return out
}

// Deposit returns the deposit with D24's id, if the sandbox keeps it.
func (s *Server) Deposit(id int64) (Deposit, bool) { return s.store.get(id) }

// DepositsByInvoice returns the deposits kept under each invoice_id: a test
// proves exactly-once by finding no invoice with two (with a Limits.Deposits
// above the deposits it creates).
func (s *Server) DepositsByInvoice() map[string][]Deposit {
	out := map[string][]Deposit{}
	for _, d := range s.Deposits() {
		out[d.InvoiceID] = append(out[d.InvoiceID], d)
	}
	for _, list := range out {
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	}
	return out
}
