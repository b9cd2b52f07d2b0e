package d24test

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Default credentials the sandbox accepts.
const (
	DefaultLogin     = "d24test-login"
	DefaultSecretKey = "d24test-secret-key"
)

// IdempotencyMode is how the sandbox answers a request that repeats an
// idempotency key. D24 does not publish which it does, so a client must
// survive both.
type IdempotencyMode int

const (
	// ReplayIdenticalRequests answers a repeat of the same key and the same body
	// with the stored answer, and a different body under the key with 104.
	ReplayIdenticalRequests IdempotencyMode = iota
	// RejectRepeatedKeys answers any repeat of a key with 104.
	RejectRepeatedKeys
)

// Server is a running fake D24. Its fields are set by NewServer and must not
// be changed.
type Server struct {
	// APIURL is the base URL of the API host (deposits, status).
	APIURL string
	// CardAPIURL is the base URL of the card API host (PCI card deposits).
	CardAPIURL string
	// Login and SecretKey are the credentials the sandbox accepts;
	// ReadOnlyKey is the Bearer key of the read-only lookups.
	Login       string
	SecretKey   string
	ReadOnlyKey string

	cfg      config
	api      *host
	card     *host
	store    *store
	faults   *faults
	notifier *notifier
	ctx      context.Context
	cancel   context.CancelFunc
	check    *validator
	handlers handlerGate
	stopOnce sync.Once
	stopErr  error
}

type config struct {
	login, secret     string
	readOnlyKey       string
	now               func() time.Time
	skew              time.Duration
	idempotency       IdempotencyMode
	threeDSCards      map[string]bool
	notificationURL   string
	loopbackHTTP      bool // http:// notification URLs on loopback
	notifyUnit        time.Duration
	notifyClient      *http.Client
	apiAddr, cardAddr string
	faultRates        FaultRates
	seed              uint64
	limits            limits
}

// limits bound what clients can make the sandbox hold: connection time, log
// entries, notification work, deposits, refunds and idempotent answers. Each
// has an option in the file of its concern.
type limits struct {
	readHeaderTimeout time.Duration // http.Server.ReadHeaderTimeout
	bodyReadTimeout   time.Duration // for a body, once its headers are in
	idleTimeout       time.Duration // http.Server.IdleTimeout
	writeTimeout      time.Duration // for an answer, once its request is read
	shutdownTimeout   time.Duration // Close's grace before closing connections
	logEntries        int           // requests and notifications kept, newest
	logBodyBytes      int           // bytes of a recorded body kept
	notifyWorkers     int           // notifications delivered at once
	notifyQueue       int           // notifications outstanding at once
	deposits          int           // deposits kept, newest
	refunds           int           // refunds kept, newest
	idempotentAnswers int           // answers kept under idempotency keys, newest
}

// Defaults of the limits, each changed by the option of the same name.
const (
	// DefaultReadHeaderTimeout bounds how long a request's headers may take.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultBodyReadTimeout bounds how long a request's body may take.
	DefaultBodyReadTimeout = 30 * time.Second
	// DefaultIdleTimeout is how long an idle keep-alive connection stays open.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultWriteTimeout bounds how long an answer may take to write.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultShutdownTimeout is how long Close lets requests in progress finish.
	DefaultShutdownTimeout = 5 * time.Second
	// DefaultLogLimit is how many requests, and how many notification
	// deliveries, the sandbox keeps: the newest.
	DefaultLogLimit = 1000
	// DefaultLogBodyLimit is how many bytes of a recorded body are kept.
	DefaultLogBodyLimit = 8 << 10
	// DefaultNotificationWorkers is how many notifications are sent at once.
	DefaultNotificationWorkers = 8
	// DefaultNotificationQueueLimit is how many notifications may be waiting
	// for delivery or a retry at once.
	DefaultNotificationQueueLimit = 10000
)

func defaultLimits() limits {
	return limits{
		readHeaderTimeout: DefaultReadHeaderTimeout, bodyReadTimeout: DefaultBodyReadTimeout,
		idleTimeout: DefaultIdleTimeout, writeTimeout: DefaultWriteTimeout, shutdownTimeout: DefaultShutdownTimeout,
		logEntries: DefaultLogLimit, logBodyBytes: DefaultLogBodyLimit,
		notifyWorkers: DefaultNotificationWorkers, notifyQueue: DefaultNotificationQueueLimit,
		deposits: defaultLimit, refunds: defaultLimit, idempotentAnswers: defaultLimit,
	}
}

// Option configures NewServer.
type Option func(*config)

// WithCredentials sets the login and secret key the sandbox accepts.
func WithCredentials(login, secretKey string) Option {
	return func(c *config) { c.login, c.secret = login, secretKey }
}

// WithClock sets the sandbox's clock (X-Date checks, timestamps, card expiry).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithSkewWindow sets how far X-Date may be from the sandbox's clock (5 minutes
// by default; D24 does not publish its own).
func WithSkewWindow(d time.Duration) Option { return func(c *config) { c.skew = d } }

// WithIdempotencyMode chooses how repeated keys are answered.
func WithIdempotencyMode(m IdempotencyMode) Option { return func(c *config) { c.idempotency = m } }

// WithThreeDSCard makes a card number answer PENDING_AUTHENTICATION with an
// authentication_url (DefaultThreeDSCard does by default).
func WithThreeDSCard(number string) Option {
	return func(c *config) { c.threeDSCards[number] = true }
}

// WithNotificationURL sets the URL notified for deposits that give none, like
// the one in D24's merchant panel. It must be https:// (or http:// on loopback
// with WithLoopbackHTTPNotifications): Start refuses any other.
func WithNotificationURL(url string) Option { return func(c *config) { c.notificationURL = url } }

// WithNotificationSchedule sets the unit of D24's notification retry schedule:
// a failed notification is sent again after 5, 25, 125 and 625 units (D24's
// unit is a minute; the default here is a millisecond).
func WithNotificationSchedule(unit time.Duration) Option {
	return func(c *config) { c.notifyUnit = unit }
}

// WithNotificationClient sets the client notifications are sent with; its
// redirect policy is its own (the default client follows no redirect: one
// counts as a failed delivery).
func WithNotificationClient(c *http.Client) Option {
	return func(cfg *config) { cfg.notifyClient = c }
}

// WithAddresses listens on the given addresses ("127.0.0.1:8024") instead of
// random loopback ports.
func WithAddresses(apiAddr, cardAddr string) Option {
	return func(c *config) { c.apiAddr, c.cardAddr = apiAddr, cardAddr }
}

// NewServer starts the sandbox; Close stops it.
func NewServer(opts ...Option) *Server {
	s, err := Start(opts...)
	if err != nil {
		panic("d24test: " + err.Error())
	}
	return s
}

// Start is NewServer returning an error instead of panicking (for a listen
// address already in use, say).
func Start(opts ...Option) (*Server, error) {
	cfg := config{
		login: DefaultLogin, secret: DefaultSecretKey, readOnlyKey: DefaultReadOnlyKey, now: time.Now, skew: 5 * time.Minute,
		threeDSCards: map[string]bool{DefaultThreeDSCard: true}, notifyUnit: time.Millisecond,
		// A redirect is a failed delivery, as an answer other than 2xx is: followed,
		// it would carry a notification past the loopback check elsewhere.
		notifyClient: &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		seed:         1, limits: defaultLimits(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	check, err := newValidator()
	if err != nil {
		return nil, err
	}
	if err := check.checkNotificationURL(cfg.notificationURL, cfg.loopbackHTTP); err != nil {
		return nil, err
	}
	check.card.loopbackHTTP, check.deposit.loopbackHTTP, check.refund.loopbackHTTP = cfg.loopbackHTTP, cfg.loopbackHTTP, cfg.loopbackHTTP
	s := &Server{Login: cfg.login, SecretKey: cfg.secret, ReadOnlyKey: cfg.readOnlyKey, cfg: cfg,
		store: newStore(cfg.limits), check: check}
	s.faults = newFaults(cfg.faultRates, cfg.seed)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.notifier = newNotifier(s.ctx, cfg.limits.notifyWorkers, cfg.limits.notifyQueue, cfg.notifyUnit, s.deliver)
	if s.api, err = listen(cfg.apiAddr, s.handler(apiHost), cfg.limits); err != nil {
		s.cancel()
		s.notifier.wait()
		return nil, err
	}
	if s.card, err = listen(cfg.cardAddr, s.handler(cardHost), cfg.limits); err != nil {
		s.cancel()
		s.api.srv.Close()
		s.api.wait()
		s.notifier.wait()
		return nil, err
	}
	s.APIURL, s.CardAPIURL = s.api.url, s.card.url
	return s, nil
}

func (s *Server) now() time.Time { return s.cfg.now() }
