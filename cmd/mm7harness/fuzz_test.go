package main

import (
	"net"
	"strings"
	"testing"
)

// fuzz lists its operations and finding kinds, refuses a run with no
// bound, and says an endpoint that takes no connection is unreachable
// (exit 3) before writing anything.
func TestFuzzCommand(t *testing.T) {
	var out, errb strings.Builder
	if code := run([]string{"fuzz", "--list"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "mime/boundary-long") || !strings.Contains(out.String(), "poisoned-state") {
		t.Errorf("--list: exit %d\n%s", code, out.String())
	}
	if code := run([]string{"fuzz", "--endpoint", "http://127.0.0.1:1/mm7", "--flavour", "6.8.0"}, &out, &errb); code != exitUsage {
		t.Errorf("no --count or --duration: exit %d", code)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	errb.Reset()
	code := run([]string{"fuzz", "--endpoint", "http://" + addr + "/mm7", "--flavour", "6.8.0", "--count", "5", "--report-dir", t.TempDir()}, &out, &errb)
	if code != exitUnreachable || !strings.Contains(errb.String(), "unreachable") {
		t.Errorf("closed port: exit %d, %s", code, errb.String())
	}
}
