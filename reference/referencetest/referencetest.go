// Package referencetest runs the reference receiver inside a test, as
// httptest runs a handler: on a free loopback port, with a database of its
// own, closed when the test ends.
package referencetest

import (
	"path/filepath"
	"testing"

	"github.com/mm7harness/mm7harness/reference"
)

// Start runs a receiver configured by cfg; its database is a fresh file in
// the test's temporary folder unless cfg names one.
func Start(t testing.TB, cfg reference.ServerConfig) *reference.Server {
	t.Helper()
	if cfg.DB == "" && cfg.Store == nil {
		cfg.DB = filepath.Join(t.TempDir(), "mm7.db")
	}
	s, err := reference.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() { s.Close() })
	return s
}
