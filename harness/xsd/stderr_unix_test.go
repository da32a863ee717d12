//go:build unix

package xsd_test

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mm7harness/mm7harness/harness/internal/mm7gen"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// captureStderr runs f with file descriptor 2 pointed at a temporary file
// and returns what was written there, by any code, C included.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	tmp, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	saved, err := unix.Dup(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Dup2(int(tmp.Fd()), 2); err != nil {
		t.Fatal(err)
	}
	f()
	if err := unix.Dup2(saved, 2); err != nil {
		t.Fatal(err)
	}
	unix.Close(saved)
	b, _ := os.ReadFile(tmp.Name())
	return string(b)
}

func TestLibxml2PrintsNothing(t *testing.T) {
	// The capture itself must see writes to descriptor 2.
	if got := captureStderr(t, func() { unix.Write(2, []byte("probe")) }); got != "probe" {
		t.Fatalf("stderr capture does not work: got %q", got)
	}
	s := embedded(t)
	out := captureStderr(t, func() {
		s.Validate([]byte("<a><b></a>"))
		s.Validate([]byte(env(`<m:Nope xmlns:m="` + ns6 + `"/>`)))
		s.Validate([]byte(mm7gen.BillionLaughs))
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "broken.xsd"), []byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://schemas.xmlsoap.org/soap/envelope/"><xs:element name="E" type="nope"/></xs:schema>`), 0o644)
		if _, err := xsd.LoadDir(dir); err == nil {
			t.Error("broken schema folder loaded")
		}
	})
	if out != "" {
		t.Fatalf("libxml2 wrote to stderr: %q", out)
	}
}
