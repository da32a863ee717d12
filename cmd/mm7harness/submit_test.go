package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/mockvibes"
	"github.com/mm7harness/mm7harness/reference/mtclient/mtcli"
)

// submitGateway starts the mock Vibes with a 5.5.0 account limited to one
// short code, and clears the MM7_* variables a test may set.
func submitGateway(t *testing.T, faults ...mockvibes.GatewayFault) (*mockvibes.Gateway, string) {
	for _, e := range mtcli.Env {
		t.Setenv(e.Var, "")
	}
	g := &mockvibes.Gateway{Accounts: []mockvibes.Account{{User: "legacy", Password: "secret", Flavour: mm7.Flavour550, ShortCodes: []string{"63901"}}},
		Faults: faults, ReportDelay: time.Millisecond, RetryInterval: time.Millisecond, MaxRetries: -1, CallbackTimeout: time.Second}
	srv := httptest.NewServer(g)
	t.Cleanup(func() { g.Wait(); srv.Close() })
	return g, srv.URL + "/mm7"
}

// certifyClientEnv sets what certify-client gives the client it runs.
func certifyClientEnv(t *testing.T, url string) {
	for k, v := range map[string]string{"MM7_URL": url, "MM7_USER": "legacy", "MM7_PASSWORD": "secret", "MM7_VERSION": "5.5.0",
		"MM7_RECIPIENT": "+13125550071", "MM7_SHORTCODE": "63901", "MM7_DELIVERY_REPORT": "true", "MM7_SCENARIO": "accept"} {
		t.Setenv(k, v)
	}
}

// Under certify-client's environment `submit` needs no flag, and the
// gateway gets what the variables say.
func TestSubmitTakesCertifyClientsEnvironment(t *testing.T) {
	g, url := submitGateway(t)
	certifyClientEnv(t, url)
	// A shared MM7HARNESS_ variable set for another command does not
	// send the message elsewhere; one for submit alone still counts.
	t.Setenv("MM7HARNESS_ENDPOINT", "http://127.0.0.1:1/elsewhere")
	t.Setenv("MM7HARNESS_FLAVOUR", "6.8.0")
	t.Setenv("MM7HARNESS_SUBMIT_SUBJECT", "from the environment")
	code, out, errOut := runCLI("submit")
	subs := g.Messages()
	if code != 0 || len(subs) != 1 || out != "accepted: MessageID "+subs[0].MessageID+" (1 attempt, TransactionID "+subs[0].TransactionID+")\n" {
		t.Fatalf("exit %d, stdout %q, %d submissions\n%s", code, out, len(subs), errOut)
	}
	s := subs[0]
	if s.Flavour != mm7.Flavour550 || s.Recipient != "+13125550071" || s.Sender != "63901" || !s.DeliveryReport || s.Subject != "from the environment" {
		t.Errorf("the gateway got %+v", s)
	}
	if !strings.Contains(errOut, "attempt=1") {
		t.Errorf("no progress on stderr: %q", errOut)
	}
}

// The command line wins over the environment.
func TestSubmitCommandLineWins(t *testing.T) {
	g, url := submitGateway(t)
	certifyClientEnv(t, "http://127.0.0.1:1/nowhere")
	file := filepath.Join(t.TempDir(), "hello.gif")
	if err := os.WriteFile(file, []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("submit", "--endpoint", url, "--to", "3125550072", "--delivery-report=false",
		"--mm7-version", "5.5.0", "--file", file, "--dlr-url", "http://127.0.0.1:1/dlr")
	subs := g.Messages()
	if code != 0 || len(subs) != 1 {
		t.Fatalf("exit %d, stdout %q\n%s", code, out, errOut)
	}
	if s := subs[0]; s.Recipient != "3125550072" || s.DeliveryReport || s.CallbackURL != "http://127.0.0.1:1/dlr" {
		t.Errorf("the gateway got %+v", s)
	}
}

// Refused, failed, not sent: exit 1 and a line that says why; a usage
// error: exit 2.
func TestSubmitExitStatus(t *testing.T) {
	_, url := submitGateway(t)
	big := filepath.Join(t.TempDir(), "big.jpg")
	if err := os.WriteFile(big, bytes.Repeat([]byte{0xff}, 900<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MM7_VERSION", "5.5.0")
	base := []string{"submit", "--endpoint", url, "--user", "legacy", "--password", "secret",
		"--to", "+13125550071", "--from", "63901", "--retry-interval", "1ms"}
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		out  string
	}{
		{"wrong password", nil, []string{"--password", "nope"}, 1, "refused: MM7 status 4001"},
		{"short code not provisioned", nil, []string{"--from", "55555"}, 1, "refused: MM7 status 4007"},
		{"other flavour", nil, []string{"--flavour", "6.8.0"}, 1, "refused: MM7 status 4002"},
		{"too large", nil, []string{"--file", big}, 1, "not sent: over the size limit"},
		{"nothing listens", nil, []string{"--endpoint", "http://127.0.0.1:1/mm7", "--max-attempts", "2"}, 1, "failed: "},
		{"no such file", nil, []string{"--file", big + ".missing"}, 2, ""},
		{"no endpoint", nil, []string{"--endpoint", ""}, 2, ""},
		{"a bad MM7_DELIVERY_REPORT", map[string]string{"MM7_DELIVERY_REPORT": "maybe"}, nil, 2, ""},
		{"a bad MM7_VERSION", map[string]string{"MM7_VERSION": "7"}, nil, 2, ""},
		{"zero attempts", nil, []string{"--max-attempts", "0"}, 2, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, out, errOut := runCLI(append(append([]string{}, base...), c.args...)...)
			if code != c.code || !strings.HasPrefix(out, c.out) || strings.Count(out, "\n") > 1 {
				t.Errorf("exit %d, stdout %q; want %d and a line starting %q\n%s", code, out, c.code, c.out, errOut)
			}
		})
	}
}

// Temporary failures are retried, then given up.
func TestSubmitRetriesCapacity(t *testing.T) {
	_, url := submitGateway(t, mockvibes.GatewayCapacity)
	code, out, errOut := runCLI("submit", "--endpoint", url, "--user", "legacy", "--password", "secret", "--flavour", "5.5.0",
		"--to", "+13125550071", "--from", "63901", "--retry-interval", "1ms", "--max-attempts", "3")
	if code != 1 || !strings.HasPrefix(out, "failed: MM7 status 4005") || !strings.Contains(out, "3 attempts") || strings.Count(errOut, "msg=submit") != 3 {
		t.Errorf("exit %d, stdout %q\n%s", code, out, errOut)
	}
}
