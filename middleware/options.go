package middleware

import "time"

// The options of this package's constructors are interfaces, so that one
// option (WithClock, WithAPI) serves every constructor it concerns under one
// name.

// Option configures NewChain.
type Option interface{ applyChain(*chainConfig) }

// SignerOption configures NewSigner.
type SignerOption interface{ applySigner(*Signer) }

// ValidatorOption configures NewValidator.
type ValidatorOption interface{ applyValidator(*Validator) }

// RetryOption configures NewRetry.
type RetryOption interface{ applyRetry(*Retry) }

// IdempotencyOption configures NewIdempotency.
type IdempotencyOption interface{ applyIdempotency(*Idempotency) }

// TracingOption configures the tracing layers (NewCallTracing,
// NewAttemptTracing, WithTracing), and a d24.Client's (d24.WithTracing).
type TracingOption interface{ applyTracing(*tracing) }

type chainOption func(*chainConfig)

func (f chainOption) applyChain(c *chainConfig) { f(c) }

type tracingOption func(*tracing)

func (f tracingOption) applyTracing(t *tracing) { f(t) }

// ClockOption sets a clock: it is an Option, a SignerOption and a
// ValidatorOption.
type ClockOption struct{ now func() time.Time }

// WithClock sets the clock that dates signatures (X-Date) and that card
// expiry is checked against (time.Now by default). Given to NewChain it
// serves both.
func WithClock(now func() time.Time) ClockOption { return ClockOption{now} }

func (o ClockOption) applyChain(c *chainConfig) { c.clock = o.now }

func (o ClockOption) applySigner(s *Signer) {
	if o.now != nil {
		s.now = o.now
	}
}

func (o ClockOption) applyValidator(v *Validator) {
	if o.now != nil {
		v.now = o.now
	}
}

// APIOption names the API a chain or a layer serves: it is an Option, a
// RetryOption, an IdempotencyOption, a TracingOption and a ValidatorOption.
type APIOption struct{ api API }

// WithAPI describes the API the chain calls (see API): its name in errors and
// span attributes, its idempotency header and keyed methods, its error body.
// NewChain without WithAuthenticator calls D24 and defaults to D24(); with
// it, and for each layer built alone, the default is API{}.
func WithAPI(api API) APIOption { return APIOption{api} }

func (o APIOption) applyChain(c *chainConfig)       { c.api = &o.api }
func (o APIOption) applyRetry(r *Retry)             { r.api = o.api }
func (o APIOption) applyIdempotency(m *Idempotency) { m.api = o.api }
func (o APIOption) applyTracing(t *tracing)         { t.api = o.api }
func (o APIOption) applyValidator(v *Validator)     { v.api = o.api }
