package main

import (
	"bytes"
	"strings"
	"testing"
)

// play took a gateway fault and mock a sender profile, and neither did
// anything; each is now a usage error that names the command taking it.
func TestProfileForTheOtherCommandIsAUsageError(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"play", "--endpoint", "http://127.0.0.1:1/mm7", "--profile", "gateway-slow"}, "gateway-slow is a gateway fault: mm7harness mock takes it"},
		{[]string{"mock", "--addr", "127.0.0.1:0", "--profile", "slow-body"}, "slow-body is a sender profile: mm7harness play takes it"},
		{[]string{"mock", "--addr", "127.0.0.1:0", "--profile", "gateway-slow,duplicate-tid"}, "duplicate-tid is a sender profile"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(c.args, &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%s: got exit %d, %q; want exit %d and %q", strings.Join(c.args, " "), code, stderr.String(), exitUsage, c.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("%s: got %q on stdout, want nothing (nothing sent, nothing started)", strings.Join(c.args, " "), stdout.String())
		}
	}
}
