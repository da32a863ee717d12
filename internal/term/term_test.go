package term

import (
	"bytes"
	"os"
	"testing"
)

func TestFilesAndBuffersAreNoTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if Is(f) || Is(&bytes.Buffer{}) {
		t.Error("a file or a buffer taken for a terminal")
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if !Is(tty) {
			t.Error("/dev/tty not taken for a terminal")
		}
	}
}
