package d24test

// What the sandbox keeps of what clients create: deposits, refunds and the
// answers stored under idempotency keys. Each is kept up to a limit, the
// newest; creating one more forgets the oldest, so that a sandbox that runs
// for days, or serves a load test, holds a bounded amount of memory. A
// forgotten deposit or refund is answered as one that never existed.

// defaultLimit is how many of each the sandbox keeps unless Limits says
// otherwise.
const defaultLimit = 10000

// Limits are how many of what clients create the sandbox keeps, the newest
// of each; a field left zero (or negative) keeps the default, 10,000.
type Limits struct {
	// Deposits kept. A forgotten deposit is answered as an unknown one, in
	// D24's words: its status is 404 with code 208 RESOURCE_NOT_FOUND, and so
	// is a refund of it; its pages are 404, SetDepositStatus returns an error
	// and the control API answers 208. Deposits and DepositsByInvoice list the
	// deposits kept.
	Deposits int
	// Refunds kept. A forgotten refund's status is 404 with code 208, and
	// SetRefundStatus no longer finds it; what it took from its deposit
	// stays taken.
	Refunds int
	// IdempotentAnswers are the answers stored under idempotency keys kept;
	// the sandbox has one login, so it is the limit of that client. A request
	// repeating a forgotten key is served as a new one, as by a D24 whose
	// keys expired.
	IdempotentAnswers int
}

// WithLimits sets how many deposits, refunds and stored answers the sandbox
// keeps (Limits): creating one more forgets the oldest.
func WithLimits(l Limits) Option {
	return func(c *config) {
		c.limits.deposits = limitOr(l.Deposits)
		c.limits.refunds = limitOr(l.Refunds)
		c.limits.idempotentAnswers = limitOr(l.IdempotentAnswers)
	}
}

// limitOr is n, or the default when n is not positive.
func limitOr(n int) int {
	if n <= 0 {
		return defaultLimit
	}
	return n
}

// boundedMap is a map that holds at most limit entries: adding one more
// forgets the oldest added. Adding and forgetting take constant time (a ring
// of the keys, in the order they were added, finds the oldest). Its user
// holds the lock.
type boundedMap[K comparable, V any] struct {
	m     map[K]V
	order ring[K]
}

func newBoundedMap[K comparable, V any](limit int) *boundedMap[K, V] {
	return &boundedMap[K, V]{m: map[K]V{}, order: ring[K]{limit: limit}}
}

// put adds k with v, forgetting the oldest key when the map is full. A key
// already held takes v and keeps its place.
func (b *boundedMap[K, V]) put(k K, v V) {
	_, held := b.m[k]
	b.m[k] = v
	if held {
		return
	}
	if oldest, full := b.order.add(k); full {
		delete(b.m, oldest)
	}
}

func (b *boundedMap[K, V]) get(k K) (V, bool) {
	v, ok := b.m[k]
	return v, ok
}

func (b *boundedMap[K, V]) len() int { return len(b.m) }

// values returns the values held, oldest first.
func (b *boundedMap[K, V]) values() []V {
	keys := b.order.all()
	out := make([]V, 0, len(keys))
	for _, k := range keys {
		out = append(out, b.m[k])
	}
	return out
}
