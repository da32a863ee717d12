package needs

import (
	"testing"
)

// A program that exists is found; one that does not skips the test, or
// fails it under CI.
func TestTool(t *testing.T) {
	if Tool(t, "go", "this test") == "" {
		t.Fatal("go not found")
	}
	t.Setenv("CI", "true")
	ok := t.Run("missing under CI", func(t *testing.T) {
		r := &recorder{TB: t}
		func() {
			defer func() { recover() }()
			Tool(r, "no-such-program-here", "the check")
		}()
		if !r.failed {
			t.Error("a missing program did not fail the test under CI")
		}
	})
	if !ok {
		t.Fail()
	}
}

// recorder notes a fatal failure instead of ending the test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(string, ...any) {
	r.failed = true
	panic("fatal")
}
