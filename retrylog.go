package d24

import (
	"context"
	"log/slog"

	"github.com/d24go/d24/middleware"
)

// retryLogger logs each retry the chain schedules, at debug level: the
// operation, the number of the attempt retried (1 for the first), its status
// or its error's kind, and the wait before the next attempt. An AttemptEvent
// holds no body, header, error text or card data, so neither does the record.
func retryLogger(l *slog.Logger) middleware.AttemptObserver {
	return func(ctx context.Context, e middleware.AttemptEvent) {
		if !e.Retry || !l.Enabled(ctx, slog.LevelDebug) {
			return
		}
		outcome := slog.Int("status", e.StatusCode)
		if e.StatusCode == 0 {
			outcome = slog.String("error_type", e.ErrorType)
		}
		l.LogAttrs(ctx, slog.LevelDebug, "d24 retry", slog.String("operation", e.Operation),
			slog.Int("attempt", e.Attempt+1), outcome, slog.Duration("wait", e.Wait))
	}
}
