package d24test

import (
	"math/rand/v2"
	"sync"
	"time"
)

// FaultKind is a failure the sandbox can inject.
type FaultKind int

const (
	// NoFault answers normally.
	NoFault FaultKind = iota
	// FaultServerError answers 503 before processing: nothing was created.
	FaultServerError
	// FaultDropAfterProcessing processes the request (a deposit is created) and
	// closes the connection without answering: the answer is lost.
	FaultDropAfterProcessing
	// FaultDelay processes the request and answers after Fault.Delay.
	FaultDelay
	// FaultTooManyRequests answers 429 with Retry-After before processing.
	FaultTooManyRequests
)

func (k FaultKind) String() string {
	return [...]string{"none", "server_error", "drop_after_processing", "delay", "too_many_requests"}[k]
}

// Fault is one injected failure.
type Fault struct {
	Kind FaultKind
	// Delay is how long FaultDelay waits before answering.
	Delay time.Duration
	// RetryAfter is the Retry-After of FaultTooManyRequests (whole seconds, at
	// least 1).
	RetryAfter time.Duration
}

// FaultRates injects faults at random, from a fixed seed so that a run can be
// repeated. Each rate is a probability per request; they must add up to at
// most 1.
type FaultRates struct {
	ServerError         float64
	DropAfterProcessing float64
	Delay               float64
	TooManyRequests     float64
	// DelayBy is how long a delayed answer waits (1s if zero).
	DelayBy time.Duration
	// RetryAfter is the Retry-After of a 429 (1s if zero).
	RetryAfter time.Duration
}

// WithFaultRates injects faults at random with rates, from seed.
func WithFaultRates(rates FaultRates, seed uint64) Option {
	return func(c *config) { c.faultRates, c.seed = rates, seed }
}

type faults struct {
	mu     sync.Mutex
	rates  FaultRates
	rng    *rand.Rand
	queue  []Fault
	counts map[FaultKind]int
}

func newFaults(rates FaultRates, seed uint64) *faults {
	if rates.DelayBy <= 0 {
		rates.DelayBy = time.Second
	}
	if rates.RetryAfter <= 0 {
		rates.RetryAfter = time.Second
	}
	return &faults{rates: rates, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), counts: map[FaultKind]int{}}
}

// InjectFaults makes the next requests, one each, fail as given, before any
// random fault.
func (s *Server) InjectFaults(fs ...Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.queue = append(s.faults.queue, fs...)
}

// FaultCounts returns how many faults of each kind were injected.
func (s *Server) FaultCounts() map[FaultKind]int {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	out := make(map[FaultKind]int, len(s.faults.counts))
	for k, v := range s.faults.counts {
		out[k] = v
	}
	return out
}

func (f *faults) next() Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	var fault Fault
	if len(f.queue) > 0 {
		fault, f.queue = f.queue[0], f.queue[1:]
	} else {
		fault = f.roll()
	}
	if fault.Kind == FaultDelay && fault.Delay <= 0 {
		fault.Delay = f.rates.DelayBy
	}
	if fault.Kind == FaultTooManyRequests && fault.RetryAfter <= 0 {
		fault.RetryAfter = f.rates.RetryAfter
	}
	if fault.Kind != NoFault {
		f.counts[fault.Kind]++
	}
	return fault
}

func (f *faults) roll() Fault {
	r := f.rates
	if r.ServerError+r.DropAfterProcessing+r.Delay+r.TooManyRequests == 0 {
		return Fault{}
	}
	x := f.rng.Float64()
	for _, c := range []struct {
		p    float64
		kind FaultKind
	}{{r.ServerError, FaultServerError}, {r.DropAfterProcessing, FaultDropAfterProcessing}, {r.Delay, FaultDelay}, {r.TooManyRequests, FaultTooManyRequests}} {
		if x < c.p {
			return Fault{Kind: c.kind}
		}
		x -= c.p
	}
	return Fault{}
}
