package peers

import (
	_ "embed"
	"os"
	"path/filepath"
	"testing"
)

// The MT client written in Python with the standard library only: an
// interop peer for certify-client, on another stack than the harness's.
// Its docstring says how it is run and what it retries.
//
//go:embed mtclient/mtclient.py
var mtclientScript []byte

// MTClientScript writes the Python MT client to a temporary folder of t's
// and returns its path, to be run as "python3 PATH [--dlr-url URL]
// [--retry-interval S] [--max-attempts N] [--timeout S]" with the MM7_*
// variables of certify-client in its environment. It exits 0 when the
// gateway accepted its one submission, 1 otherwise.
//
// It does not look for python3: a test that runs the script finds it with
// needs.Tool(t, "python3", …), so that it skips without one locally and
// fails without one under CI.
func MTClientScript(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mtclient.py")
	if err := os.WriteFile(path, mtclientScript, 0o755); err != nil {
		t.Fatalf("peers: write the MT client: %v", err)
	}
	return path
}
