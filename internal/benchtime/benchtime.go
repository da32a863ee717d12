// Package benchtime times a baseline inside a benchmark, so that a ratio
// against it is measured in the same run (testing.Benchmark cannot be
// called from a running benchmark).
package benchtime

import "time"

// PerOp runs f for about d and returns its nanoseconds per call.
func PerOp(d time.Duration, f func()) float64 {
	n, start := 0, time.Now()
	for time.Since(start) < d {
		f()
		n++
	}
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}
