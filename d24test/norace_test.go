//go:build !race

package d24test

// raceEnabled tells a test built with -race, whose requests cost several
// times more.
const raceEnabled = false
