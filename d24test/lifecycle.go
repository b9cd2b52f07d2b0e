package d24test

import (
	"cmp"
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// maxHeaderBytes bounds a request's headers; D24's are a few hundred bytes.
const maxHeaderBytes = 64 << 10

// WithReadHeaderTimeout bounds how long a client may take to send a request's
// headers (DefaultReadHeaderTimeout): a connection that has not sent them in
// time is closed, so slow or silent clients cannot hold connections open. 0
// sets no limit.
func WithReadHeaderTimeout(d time.Duration) Option {
	return func(c *config) { c.limits.readHeaderTimeout = d }
}

// WithBodyReadTimeout bounds how long a client may take to send a request's
// body once its headers are in (DefaultBodyReadTimeout). A body not received in
// time is answered 408 and the connection closed. It bounds reading only: a
// FaultDelay answer may take longer. 0 sets no limit.
func WithBodyReadTimeout(d time.Duration) Option {
	return func(c *config) { c.limits.bodyReadTimeout = d }
}

// WithIdleTimeout sets how long a keep-alive connection may wait for its next
// request (DefaultIdleTimeout) before the sandbox closes it. 0 sets no limit.
func WithIdleTimeout(d time.Duration) Option {
	return func(c *config) { c.limits.idleTimeout = d }
}

// WithWriteTimeout bounds how long the sandbox may take to write an answer
// (DefaultWriteTimeout), counted from the answer's start: neither a slow body
// nor an injected FaultDelay uses it up. A client that stops reading its
// answer (the request log, say, megabytes long) has its connection closed,
// instead of holding the handler and the answer. 0 sets no limit.
func WithWriteTimeout(d time.Duration) Option {
	return func(c *config) { c.limits.writeTimeout = d }
}

// timeWrites gives each answer the write timeout from when it starts:
// net/http counts WriteTimeout from the request's headers, and the time a body
// took to arrive, the answer to be worked out or an injected delay must not
// use it up.
func (s *Server) timeWrites(w http.ResponseWriter) http.ResponseWriter {
	if s.cfg.limits.writeTimeout <= 0 {
		return w
	}
	return &timedWriter{ResponseWriter: w, timeout: s.cfg.limits.writeTimeout}
}

// timedWriter sets the connection's write deadline when its answer starts.
type timedWriter struct {
	http.ResponseWriter
	timeout time.Duration
	started bool
}

func (w *timedWriter) start() {
	if !w.started {
		w.started = true
		_ = http.NewResponseController(w.ResponseWriter).SetWriteDeadline(time.Now().Add(w.timeout))
	}
}

func (w *timedWriter) WriteHeader(status int) {
	w.start()
	w.ResponseWriter.WriteHeader(status)
}

func (w *timedWriter) Write(b []byte) (int, error) {
	w.start()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (deadlines,
// Hijack).
func (w *timedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// WithShutdownTimeout sets how long Close lets requests in progress finish
// (DefaultShutdownTimeout) before it closes their connections. 0 closes them
// at once.
func WithShutdownTimeout(d time.Duration) Option {
	return func(c *config) { c.limits.shutdownTimeout = d }
}

// host is one of the sandbox's two HTTP servers.
type host struct {
	srv    *http.Server
	url    string
	served chan struct{} // closed when Serve has returned
}

func listen(addr string, h http.Handler, l limits) (*host, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	hs := &host{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: l.readHeaderTimeout,
			IdleTimeout:       l.idleTimeout,
			WriteTimeout:      l.writeTimeout, // from the headers; timeWrites restarts it with the answer
			MaxHeaderBytes:    maxHeaderBytes,
		},
		url:    "http://" + ln.Addr().String(),
		served: make(chan struct{}),
	}
	go func() {
		defer close(hs.served)
		_ = hs.srv.Serve(ln) // ErrServerClosed once shut down
	}()
	return hs, nil
}

func (h *host) wait() { <-h.served }

// Close stops the sandbox: it stops retrying notifications and injected delays,
// lets requests in progress finish for the shutdown timeout
// (WithShutdownTimeout), then closes the connections still open. When it
// returns no goroutine of the sandbox is left.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.limits.shutdownTimeout)
	defer cancel()
	_ = s.Shutdown(ctx)
}

// Shutdown is Close with the grace given by ctx instead of the shutdown
// timeout. It returns ctx's error when connections had to be closed with a
// request still in progress (a client stalled in the middle of a body, say),
// nil when every request finished. Calls after the first wait for it and
// return its result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() {
		s.cancel()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, h := range []*host{s.api, s.card} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if errs[i] = h.srv.Shutdown(ctx); errs[i] != nil {
					h.srv.Close()
				}
				h.wait()
			}()
		}
		wg.Wait()
		s.handlers.closeAndWait()
		s.notifier.wait()
		s.stopErr = cmp.Or(errs...)
	})
	return s.stopErr
}

// handlerGate counts the handlers running, so that Shutdown can wait for those
// whose connections it closed, and turns away any that start afterwards.
type handlerGate struct {
	mu      sync.Mutex
	closed  bool
	running sync.WaitGroup
}

// enter reports whether a handler may run; if so it must call leave.
func (g *handlerGate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.running.Add(1)
	return true
}

func (g *handlerGate) leave() { g.running.Done() }

func (g *handlerGate) closeAndWait() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.running.Wait()
}
