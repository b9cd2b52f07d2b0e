// Package telemetry holds what middleware.MetricsOption sets, so that package
// d24 can take the same options for its own instruments as the chain does.
package telemetry

import "go.opentelemetry.io/otel/metric"

// Metrics is what middleware.MetricsOption sets.
type Metrics struct {
	// Provider is where metrics go; nil means otel.GetMeterProvider().
	Provider metric.MeterProvider
	// Namespace prefixes the chain's own counters.
	Namespace string
}
