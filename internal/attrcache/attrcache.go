// Package attrcache keeps the measurement options of metric attribute sets,
// each made once, so that recording a measurement allocates nothing for its
// attributes.
package attrcache

import (
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Options are the measurement options of one attribute set, ready to pass to
// Record and Add.
type Options struct {
	Record []metric.RecordOption
	Add    []metric.AddOption
}

// NewOptions makes the measurement options of set.
func NewOptions(set attribute.Set) *Options {
	opt := metric.WithAttributeSet(set)
	return &Options{Record: []metric.RecordOption{opt}, Add: []metric.AddOption{opt}}
}

// Cache holds the options of up to Max keys (256 when zero), read without a
// lock: a miss copies the map. Beyond Max, the options are made per call
// rather than kept. The zero value is ready to use.
type Cache[K comparable] struct {
	Max  int
	sets atomic.Pointer[map[K]*Options]
	mu   sync.Mutex
}

// Get returns the options of k, made by build(k) the first time.
func (c *Cache[K]) Get(k K, build func(K) attribute.Set) *Options {
	if m := c.sets.Load(); m != nil {
		if o, ok := (*m)[k]; ok {
			return o
		}
	}
	o := NewOptions(build(k))
	c.mu.Lock()
	defer c.mu.Unlock()
	var old map[K]*Options
	if p := c.sets.Load(); p != nil {
		old = *p
	}
	if kept, ok := old[k]; ok {
		return kept
	}
	limit := c.Max
	if limit <= 0 {
		limit = 256
	}
	if len(old) >= limit {
		return o
	}
	m := make(map[K]*Options, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[k] = o
	c.sets.Store(&m)
	return o
}
