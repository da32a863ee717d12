package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A --cpu-profile that cannot be written stops serve before it listens,
// saying why: a run meant to be profiled is not run unprofiled.
func TestServeCPUProfileUnwritable(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := runServe([]string{"--db", filepath.Join(dir, "s.db"), "--addr", "127.0.0.1:0",
		"--cpu-profile", filepath.Join(dir, "no", "such", "dir", "cpu.out")}, &out, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "--cpu-profile") {
		t.Fatalf("exit %d, stderr %q; want %d naming --cpu-profile", code, errb.String(), exitUsage)
	}
	if strings.Contains(out.String(), "listening") {
		t.Errorf("serve listened: %q", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "s.db")); err == nil {
		t.Errorf("serve opened its store before refusing the profile")
	}
}
