// Package version holds the SDK's version, for the packages that name it
// (d24.Version, the User-Agent, the tracer's instrumentation scope) without
// importing each other.
package version

// Version is the SDK's semantic version; CHANGELOG.md's newest entry names it.
const Version = "0.3.0"
