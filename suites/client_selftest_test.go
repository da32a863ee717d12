package suites_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/internal/needs"
	"github.com/mm7harness/mm7harness/reference"
	"github.com/mm7harness/mm7harness/suites/internal/peers"
)

// certifyClient runs `mm7harness certify-client --quiet` with args; the
// client command follows "--" in args.
func certifyClient(t *testing.T, args ...string) *outcome {
	t.Helper()
	o := &outcome{dir: t.TempDir()}
	cmd := exec.Command(binary, append([]string{"certify-client", "--report-dir", o.dir, "--quiet", "--scenario-timeout", "30s", "--hold", "10s"}, args...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	o.took = time.Since(start)
	o.stdout, o.stderr = stdout.String(), stderr.String()
	o.readReport(t, err)
	return o
}

// readReport takes the run's exit status and its report.json.
func (o *outcome) readReport(t *testing.T, err error) {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		o.code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(o.dir, "report.json")); err == nil {
		if err := json.Unmarshal(b, &o.report); err != nil {
			t.Fatalf("report.json: %v", err)
		}
	}
}

// clientConformant fails the test unless o is CONFORMANT with every
// scenario judged and nothing warned, failed or left unrun.
func clientConformant(t *testing.T, name string, o *outcome) {
	t.Helper()
	if o.code != 0 || o.report.Verdict != "CONFORMANT" || o.report.Counts["pass"] < 280 || len(o.nonPassing()) > 0 {
		t.Errorf("%s: exit %d, %s, counts %v\n%s\n%s\n%s", name, o.code, o.report.Verdict, o.report.Counts,
			strings.Join(o.nonPassing(), "\n"), o.stdout, o.stderr)
	}
}

// dlrEndpoint is a reference receiver, as the client's delivery-report
// endpoint.
func dlrEndpoint(t *testing.T) string {
	return startReference(t, reference.ServerConfig{}).URL
}

// A client on another stack than the project's — Python's standard
// library — is CONFORMANT: the contract works for customers who are not
// Go shops.
func TestPythonClientCertifies(t *testing.T) {
	t.Parallel()
	py := needs.Tool(t, "python3", "certifying the Python MT client")
	script := peers.MTClientScript(t)
	o := certifyClient(t, "--flavour", "5.5.0", "--", py, script, "--retry-interval", "0.3", "--timeout", "2", "--dlr-url", dlrEndpoint(t))
	clientConformant(t, "python client", o)
	if o.took > 2*time.Minute {
		t.Errorf("a full run took %v", o.took)
	}
}

// A client that sends its body chunked, with no Content-Length, is judged
// on the message it sent, as Vibes' HTTP server reads it.
func TestChunkedClientCertifies(t *testing.T) {
	t.Parallel()
	py := needs.Tool(t, "python3", "a chunked MT client")
	script := peers.MTClientScript(t)
	o := certifyClient(t, "--flavour", "6.8.0", "--cases", "success-dlr,temporary-3000,permanent-3003", "--report-retry-interval", "200ms",
		"--", py, script, "--chunked", "--retry-interval", "0.3", "--timeout", "2", "--dlr-url", dlrEndpoint(t))
	if o.code != 0 {
		t.Errorf("exit %d, not passing:\n%s\n%s", o.code, strings.Join(o.nonPassing(), "\n"), o.stderr)
	}
	submits := 0
	for _, ex := range o.report.Exchanges {
		if ex.Purpose == "submit" {
			submits++
			if !ex.Chunked {
				t.Errorf("%s: a submit not sent chunked", ex.Case)
			}
		}
	}
	if submits < 4 {
		t.Errorf("%d submits in the report; want the 4 of the three scenarios", submits)
	}
}

// A client that sends nothing, or the wrong message, is never passed:
// what was not evaluated is not a pass.
func TestClientThatSendsNothingFails(t *testing.T) {
	t.Parallel()
	o := certifyClient(t, "--flavour", "6.8.0", "--cases", "success-dlr,permanent-4001", "--", "true")
	if o.code != 1 || !slices.Equal(o.failedIDs(), []string{"client-submits"}) {
		t.Errorf("exit %d, failed %v\n%s", o.code, o.failedIDs(), o.stdout)
	}
	o = certifyClient(t, "--flavour", "6.8.0", "--", "no-such-client-program")
	if o.code != 2 || o.report.Verdict != "" || !strings.Contains(o.stderr, "no-such-client-program") {
		t.Errorf("a missing command: exit %d, %s, %s", o.code, o.report.Verdict, o.stderr)
	}
}

// A long-running client: the gateway listens where the client sends, says
// whom to send to, and judges what comes.
func TestCertifyClientListens(t *testing.T) {
	t.Parallel()
	py := needs.Tool(t, "python3", "a long-running client")
	script := peers.MTClientScript(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	o := &outcome{dir: t.TempDir()}
	cmd := exec.Command(binary, "certify-client", "--flavour", "6.8.0", "--report-dir", o.dir, "--quiet", "--listen", addr,
		"--scenarios", "3", "--scenario-timeout", "6s", "--user", "u", "--password", "p")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The client sends what the announcement lists, each message once.
	var rest strings.Builder
	sc := bufio.NewScanner(stdout)
	line := regexp.MustCompile(`^\s+(\+\d+)\s+DeliveryReport (true|false)\s+(\S+)`)
	sent := 0
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		c := exec.Command(py, script, "--retry-interval", "0.3", "--timeout", "2", "--dlr-url", dlrEndpoint(t))
		c.Env = append(os.Environ(), "MM7_URL=http://"+addr+"/mm7", "MM7_USER=u", "MM7_PASSWORD=p", "MM7_VERSION=6.8.0",
			"MM7_RECIPIENT="+m[1], "MM7_SHORTCODE=63901", "MM7_DELIVERY_REPORT="+m[2], "MM7_SCENARIO="+m[3])
		out, _ := c.CombinedOutput()
		t.Logf("%s: %s", m[3], strings.TrimSpace(string(out)))
		sent++
	}
	io.Copy(&rest, stdout)
	o.readReport(t, cmd.Wait())
	o.stdout = rest.String()
	if sent != 3 || o.code != 0 || o.report.Verdict != "CONFORMANT" || len(o.nonPassing()) > 0 {
		t.Errorf("sent %d; exit %d, %s, %v\n%s\n%s\n%s", sent, o.code, o.report.Verdict, o.report.Counts, strings.Join(o.nonPassing(), "\n"), o.stdout, stderr.String())
	}
	for _, c := range o.report.Checks {
		if c.Check == "client-reports-outcome" && c.Verdict != "n/a" {
			t.Errorf("a long-running client has no exit status, yet %s says %s", c.Check, c.Verdict)
		}
	}
}

// brokenClient builds the broken MT clients once per test binary.
var brokenClient = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "mm7harness-brokenclient")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "brokenclient")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/mm7harness/mm7harness/suites/internal/brokenclient/cmd/brokenclient").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// fastClient are the flags that make a client's retries fit a test.
var fastClient = []string{"--retry-interval", "300ms", "--timeout", "2s"}

// The reference MT client is CONFORMANT in every flavour, its delivery
// reports going to the reference receiver.
func TestReferenceClientCertifies(t *testing.T) {
	t.Parallel()
	for _, v := range mm7.FlavourNames() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"--flavour", v, "--report-retry-interval", "200ms", "--", binary, "submit", "--dlr-url", dlrEndpoint(t)}, fastClient...)
			o := certifyClient(t, args...)
			clientConformant(t, "reference client "+v, o)
			if len(o.report.Scenarios) != 21 {
				t.Errorf("%d scenarios in the report", len(o.report.Scenarios))
			}
		})
	}
}

// Broken clients each fail the check that names their defect, and no
// other: the reference client with one defect, and the reference client
// whose delivery-report endpoint answers 500.
func TestBrokenClientsFailTheirOwnCheck(t *testing.T) {
	t.Parallel()
	bin, err := brokenClient()
	if err != nil {
		t.Fatal(err)
	}
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)
	for _, c := range []struct {
		defect, fails, profile, dlr string
	}{
		{"two-recipients", "submit-one-recipient", "vibes", ""},
		{"no-transaction-id", "submit-transaction-id", "vibes", ""},
		{"no-auth", "submit-basic-auth", "vibes", ""},
		{"retries-permanent", "client-no-resend-permanent", "vibes", ""},
		{"never-retries", "client-resends-temporary", "strict", ""},
		{"resends-accepted", "client-no-resend-accepted", "vibes", ""},
		{"three-attachments", "submit-one-attachment", "vibes", ""},
		{"oversized", "submit-size", "vibes", ""},
		{"wrong-namespace", "submit-flavour", "vibes", ""},
		{"", "transport-status-2xx", "vibes", failing.URL + "/mm7"},
	} {
		name := c.defect
		if name == "" {
			name = "dlr-endpoint-500"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dlr := c.dlr
			if dlr == "" {
				dlr = dlrEndpoint(t)
			}
			args := []string{"--flavour", "6.8.0", "--profile", c.profile, "--report-retry-interval", "200ms", "--", bin, "--dlr-url", dlr}
			if c.defect != "" {
				args = append(args, "--defect", c.defect)
			}
			o := certifyClient(t, append(args, fastClient...)...)
			if o.code != 1 || !slices.Equal(o.failedIDs(), []string{c.fails}) {
				t.Errorf("%s: exit %d, failed %v, want only %s\n%s", name, o.code, o.failedIDs(), c.fails, strings.Join(o.nonPassing(), "\n"))
			}
		})
	}
}
