package attrcache

import (
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// Each key's options are made once and kept, up to Max keys; beyond, they
// are made anew, and still right.
func TestCache(t *testing.T) {
	c := Cache[int]{Max: 2}
	builds := 0
	build := func(k int) attribute.Set {
		builds++
		return attribute.NewSet(attribute.Int("k", k))
	}
	a := c.Get(1, build)
	if c.Get(1, build) != a || builds != 1 {
		t.Errorf("key 1 made %d times", builds)
	}
	c.Get(2, build)
	third := c.Get(3, build)
	if c.Get(3, build) == third {
		t.Error("a key beyond Max was kept")
	}
	if len(third.Record) != 1 || len(third.Add) != 1 {
		t.Errorf("options: %+v", third)
	}
}

// Concurrent misses of one key agree on one kept value.
func TestCacheConcurrent(t *testing.T) {
	var c Cache[string]
	build := func(k string) attribute.Set { return attribute.NewSet(attribute.String("k", k)) }
	var wg sync.WaitGroup
	got := make([]*Options, 8)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = c.Get("x", build) }()
	}
	wg.Wait()
	kept := c.Get("x", build)
	for i, o := range got {
		if o == nil || len(o.Record) != 1 {
			t.Errorf("goroutine %d: %+v", i, o)
		}
	}
	if c.Get("x", build) != kept {
		t.Error("the kept options changed")
	}
}
