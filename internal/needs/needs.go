// Package needs finds the programs a test cross-checks against (another
// MIME parser, a browser): a test that cannot find one is skipped and says
// so, except under CI (CI=true), where the cross-check must run and its
// absence fails the test.
package needs

import (
	"os"
	"os/exec"
	"testing"
)

// Tool returns the path of the program name; what is the check it serves,
// for the message when it is missing.
func Tool(t testing.TB, name, what string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; under CI %s must run", name, what)
	}
	t.Skipf("SKIPPED: %s is not installed: %s did not run", name, what)
	return ""
}
