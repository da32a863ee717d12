package peers

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"image/png"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/internal/needs"
	"github.com/mm7harness/mm7harness/mockvibes"
)

// The customer's account on the mock gateway, and what the client sends.
const (
	mtUser      = "customer"
	mtPassword  = "s3cret:pw"
	mtShortCode = "63901"
	mtRecipient = "+13125550071"
)

func mtAccount(v mm7.Flavour) mockvibes.Account {
	return mockvibes.Account{User: mtUser, Password: mtPassword, Flavour: v, ShortCodes: []string{mtShortCode}}
}

// frontDoor stands before the gateway: it keeps every request as it came,
// and answers the first ones with its faults, one each, before letting the
// rest through to the gateway.
type frontDoor struct {
	gateway http.Handler

	mu     sync.Mutex
	faults []http.HandlerFunc
	seen   []seenRequest
}

// seenRequest is a request as it reached the front door.
type seenRequest struct {
	header           http.Header
	contentLength    int64
	transferEncoding []string
	body             []byte
}

func (d *frontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d.mu.Lock()
	d.seen = append(d.seen, seenRequest{r.Header.Clone(), r.ContentLength, r.TransferEncoding, body})
	var fault http.HandlerFunc
	if len(d.faults) > 0 {
		fault, d.faults = d.faults[0], d.faults[1:]
	}
	d.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if fault != nil {
		fault(w, r)
		return
	}
	d.gateway.ServeHTTP(w, r)
}

func (d *frontDoor) requests() []seenRequest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]seenRequest(nil), d.seen...)
}

// mtRig is a mock gateway with the customer's account, behind a front
// door, on a loopback port.
type mtRig struct {
	flavour mm7.Flavour
	g       *mockvibes.Gateway
	door    *frontDoor
	url     string
}

// startMTRig starts a gateway of flavour v, misbehaving as faults say,
// whose front door first answers with doorFaults.
func startMTRig(t *testing.T, v mm7.Flavour, faults []mockvibes.GatewayFault, doorFaults ...http.HandlerFunc) *mtRig {
	t.Helper()
	rig, srv := newMTRig(v, faults, doorFaults...)
	srv.Start()
	t.Cleanup(func() { rig.g.Wait(); srv.Close() })
	rig.url = srv.URL + "/mm7"
	return rig
}

// newMTRig makes a rig and the server for it, not started.
func newMTRig(v mm7.Flavour, faults []mockvibes.GatewayFault, doorFaults ...http.HandlerFunc) (*mtRig, *httptest.Server) {
	g := &mockvibes.Gateway{Accounts: []mockvibes.Account{mtAccount(v)}, Faults: faults,
		RetryInterval: 50 * time.Millisecond, CallbackTimeout: time.Second, ReportDelay: 10 * time.Millisecond}
	door := &frontDoor{gateway: g, faults: doorFaults}
	return &mtRig{flavour: v, g: g, door: door}, httptest.NewUnstartedServer(door)
}

// asGatewayWith answers as a gateway with the customer's account does
// under fault f: the mock's own 4005, 3000, dropped connection.
func asGatewayWith(v mm7.Flavour, f mockvibes.GatewayFault) http.HandlerFunc {
	return (&mockvibes.Gateway{Accounts: []mockvibes.Account{mtAccount(v)}, Faults: []mockvibes.GatewayFault{f}}).ServeHTTP
}

// bareStatus answers the HTTP status alone.
func bareStatus(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

// hold answers nothing until the client leaves (or 5 s pass).
func hold(_ http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

// mtRun is how a run of the client ended.
type mtRun struct {
	code           int
	stdout, stderr string
}

// runMTClient runs the client against rig with certify-client's
// environment (env adds to it or overrides it).
func runMTClient(t *testing.T, rig *mtRig, env map[string]string, args ...string) mtRun {
	t.Helper()
	python := needs.Tool(t, "python3", "the Python MT client's interop test")
	script := MTClientScript(t)
	vars := map[string]string{
		"MM7_URL": rig.url, "MM7_USER": mtUser, "MM7_PASSWORD": mtPassword, "MM7_VERSION": rig.flavour.Name,
		"MM7_RECIPIENT": mtRecipient, "MM7_SHORTCODE": mtShortCode, "MM7_SCENARIO": t.Name(), "MM7_DELIVERY_REPORT": "false",
	}
	for k, v := range env {
		vars[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{script}, args...)...)
	cmd.Env = os.Environ()
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	run := mtRun{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("the client did not finish within 15 s\nstdout: %s\nstderr: %s", run.stdout, run.stderr)
	case errors.As(err, &exit):
		run.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run the client: %v", err)
	}
	t.Logf("exit %d\nstdout: %s\nstderr: %s", run.code, run.stdout, run.stderr)
	return run
}

var tidPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// readSubmitReq reads a request the way the gateway does, as a SubmitReq
// of flavour v valid against its schema, and wants it clean: nothing
// tolerated on the way, the content reference resolved.
func readSubmitReq(t *testing.T, v mm7.Flavour, s seenRequest) (*receive.Request, *mm7.SubmitReq) {
	t.Helper()
	schemas, err := xsd.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	got, err := receive.Read(s.header.Get("Content-Type"), bytes.NewReader(s.body), int64(len(s.body)), receive.Options{
		Limits: swa.Limits{MaxBytes: 1 << 20}, Expect: v, Schemas: schemas, Release: v.Release,
		Serves: []mm7.Kind{mm7.KindSubmitReq}})
	if err != nil {
		t.Fatalf("the request does not read as a %s SubmitReq: %v\n%s", v.Name, err, s.body)
	}
	if devs := got.Deviations(); len(devs) > 0 {
		t.Errorf("reading the request tolerated %d deviations, want none: %v", len(devs), devs)
	}
	if got.Unresolved {
		t.Error("the Content href names no part")
	}
	return got, got.Message().(*mm7.SubmitReq)
}

func TestMTClientSubmitsAValidSubmitReq(t *testing.T) {
	t.Parallel()
	for _, v := range mm7.Flavours() {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			rig := startMTRig(t, v, nil)
			dlr := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
			t.Cleanup(dlr.Close) // after the gateway's cleanup, which waits for its reports
			run := runMTClient(t, rig, map[string]string{"MM7_DELIVERY_REPORT": "true"}, "--dlr-url", dlr.URL+"/dlr")
			if run.code != 0 {
				t.Fatalf("exit status %d, want 0", run.code)
			}

			subs := rig.g.Messages()
			if len(subs) != 1 {
				t.Fatalf("the gateway recorded %d submissions, want 1", len(subs))
			}
			sub := subs[0]
			if !strings.HasPrefix(run.stdout, "accepted: MessageID "+sub.MessageID+",") || strings.Count(run.stdout, "\n") != 1 {
				t.Errorf("stdout: got %q, want one line starting \"accepted: MessageID %s,\"", run.stdout, sub.MessageID)
			}
			if sub.Account != mtUser || sub.Flavour != v || sub.Recipient != mtRecipient || sub.Sender != mtShortCode ||
				!sub.DeliveryReport || sub.CallbackURL != dlr.URL+"/dlr" {
				t.Errorf("recorded submission: got account %q, flavour %s, %s → %s, DeliveryReport %v, callback %q; want %q, %s, %s → %s, true, %q",
					sub.Account, sub.Flavour.Name, sub.Sender, sub.Recipient, sub.DeliveryReport, sub.CallbackURL,
					mtUser, v.Name, mtShortCode, mtRecipient, dlr.URL+"/dlr")
			}
			if !tidPattern.MatchString(sub.TransactionID) {
				t.Errorf("TransactionID %q: want 16 lowercase hex characters", sub.TransactionID)
			}

			seen := rig.door.requests()
			if len(seen) != 1 {
				t.Fatalf("%d requests reached the gateway, want 1", len(seen))
			}
			s := seen[0]
			if s.contentLength != int64(len(s.body)) || len(s.transferEncoding) != 0 {
				t.Errorf("framing: Content-Length %d, Transfer-Encoding %v, body %d bytes; want the body's length, no chunking",
					s.contentLength, s.transferEncoding, len(s.body))
			}
			if len(s.body) > 1<<20 {
				t.Errorf("body of %d bytes, over Vibes' 1 MB", len(s.body))
			}
			if u, p, ok := (&http.Request{Header: s.header}).BasicAuth(); !ok || u != mtUser || p != mtPassword {
				t.Errorf("Authorization: got %q, want Basic for %s", s.header.Get("Authorization"), mtUser)
			}
			if got := s.header.Get("X-Vibes-DlrCallbackUrl"); got != dlr.URL+"/dlr" {
				t.Errorf("X-Vibes-DlrCallbackUrl: got %q, want %q", got, dlr.URL+"/dlr")
			}

			got, req := readSubmitReq(t, v, s)
			if got.TransactionID() != sub.TransactionID {
				t.Errorf("TransactionID: the request carries %q, the gateway recorded %q", got.TransactionID(), sub.TransactionID)
			}
			if req.MM7Version != v.MM7Version {
				t.Errorf("MM7Version: got %q, want %q", req.MM7Version, v.MM7Version)
			}
			if req.DeliveryReport == nil || !*req.DeliveryReport {
				t.Error("DeliveryReport: want true")
			}
			if got.MIME.Top.MediaType != "multipart/related" || got.MIME.Top.Params["type"] != "text/xml" || got.MIME.Top.Parts[0] != got.MIME.Root {
				t.Errorf("body: got %s type=%q, root first %v; want multipart/related, type=\"text/xml\", the SOAP part first",
					got.MIME.Top.MediaType, got.MIME.Top.Params["type"], got.MIME.Top.Parts[0] == got.MIME.Root)
			}
			if ct := got.MIME.Root.Header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
				t.Errorf("SOAP part Content-Type: got %q, want %q", ct, "text/xml; charset=utf-8")
			}
			att := got.MIME.Attachments()
			if len(att) != 1 {
				t.Fatalf("%d attachments, want 1", len(att))
			}
			if req.Content == nil || req.Content.Href != "cid:"+att[0].ContentID {
				t.Errorf("Content href: got %+v, want cid:%s", req.Content, att[0].ContentID)
			}
			if att[0].MediaType != "image/png" {
				t.Errorf("attachment: got %s, want image/png", att[0].MediaType)
			} else if _, err := png.Decode(bytes.NewReader(att[0].Body)); err != nil {
				t.Errorf("the attachment is not a PNG: %v", err)
			}
		})
	}
}

func TestMTClientRetriesTemporaryFailures(t *testing.T) {
	t.Parallel()
	v := mm7.Flavour680
	for _, tc := range []struct {
		name  string
		first http.HandlerFunc
		args  []string
	}{
		{"4005", asGatewayWith(v, mockvibes.GatewayCapacity), nil},
		{"3000", asGatewayWith(v, mockvibes.GatewayFaultRS), nil},
		{"bare 503", bareStatus(http.StatusServiceUnavailable), nil},
		{"bare 500", asGatewayWith(v, mockvibes.GatewayHTTP500), nil},
		{"dropped", asGatewayWith(v, mockvibes.GatewayDrop), nil},
		{"timeout", hold, []string{"--timeout", "0.5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rig := startMTRig(t, v, nil, tc.first)
			run := runMTClient(t, rig, nil, append([]string{"--retry-interval", "0.2"}, tc.args...)...)
			if run.code != 0 || !strings.HasPrefix(run.stdout, "accepted: ") {
				t.Errorf("exit status %d, stdout %q; want 0 and accepted", run.code, run.stdout)
			}
			seen := rig.door.requests()
			if len(seen) != 2 {
				t.Fatalf("%d attempts, want 2 (one refused, one accepted)", len(seen))
			}
			if !bytes.Equal(seen[0].body, seen[1].body) {
				t.Error("the retry is not the same message as the first attempt")
			}
			if n := len(rig.g.Messages()); n != 1 {
				t.Errorf("the gateway recorded %d submissions, want 1", n)
			}
		})
	}

	t.Run("4005 every time", func(t *testing.T) {
		t.Parallel()
		rig := startMTRig(t, v, []mockvibes.GatewayFault{mockvibes.GatewayCapacity})
		run := runMTClient(t, rig, nil, "--retry-interval", "0.2", "--max-attempts", "3")
		if run.code != 1 || !strings.HasPrefix(run.stdout, "not accepted after 3 attempts") {
			t.Errorf("exit status %d, stdout %q; want 1, not accepted after 3 attempts", run.code, run.stdout)
		}
		if n := len(rig.door.requests()); n != 3 {
			t.Errorf("%d attempts, want 3 (--max-attempts)", n)
		}
	})
}

func TestMTClientDoesNotRetryPermanentFailures(t *testing.T) {
	t.Parallel()
	v := mm7.Flavour550
	for _, tc := range []struct {
		name   string
		env    map[string]string
		first  http.HandlerFunc
		status string // in the line on stdout
	}{
		{"wrong password", map[string]string{"MM7_PASSWORD": "wrong"}, nil, "StatusCode 4001"},
		{"short code not provisioned", map[string]string{"MM7_SHORTCODE": "12345"}, nil, "StatusCode 4007"},
		{"other flavour", map[string]string{"MM7_VERSION": mm7.Flavour680.Name}, nil, "StatusCode 4002"},
		{"bare 400", nil, bareStatus(http.StatusBadRequest), "HTTP 400"},
		{"bare 429", nil, bareStatus(http.StatusTooManyRequests), "HTTP 429"},
		{"2xx not a SubmitRsp", nil, func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "OK") }, "HTTP 200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var first []http.HandlerFunc
			if tc.first != nil {
				first = append(first, tc.first)
			}
			rig := startMTRig(t, v, nil, first...)
			run := runMTClient(t, rig, tc.env, "--retry-interval", "0.2")
			if run.code != 1 || !strings.HasPrefix(run.stdout, "not accepted: ") || !strings.Contains(run.stdout, tc.status) {
				t.Errorf("exit status %d, stdout %q; want 1, not accepted: … %s", run.code, run.stdout, tc.status)
			}
			if n := len(rig.door.requests()); n != 1 {
				t.Errorf("%d attempts, want 1: a permanent failure is not retried", n)
			}
			if n := len(rig.g.Messages()); n != 0 {
				t.Errorf("the gateway recorded %d submissions, want none", n)
			}
		})
	}
}

// Vibes' submit URL is https: the client verifies the gateway's
// certificate against the trusted ones (SSL_CERT_FILE here), and does not
// send to a gateway it cannot verify.
func TestMTClientOverHTTPS(t *testing.T) {
	t.Parallel()
	rig, srv := newMTRig(mm7.Flavour680, nil)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(func() { rig.g.Wait(); srv.Close() })
	rig.url = srv.URL + "/mm7"

	dir, empty := t.TempDir(), t.TempDir() // empty: SSL_CERT_DIR, so that only SSL_CERT_FILE is trusted
	trusted, none := filepath.Join(dir, "gateway.pem"), filepath.Join(dir, "none.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(trusted, cert, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(none, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	run := runMTClient(t, rig, map[string]string{"SSL_CERT_FILE": none, "SSL_CERT_DIR": empty}, "--retry-interval", "0.2")
	if run.code != 1 || !strings.HasPrefix(run.stdout, "not accepted: TLS") {
		t.Errorf("untrusted gateway: exit status %d, stdout %q; want 1, not accepted: TLS…", run.code, run.stdout)
	}
	if n := len(rig.door.requests()); n != 0 {
		t.Errorf("untrusted gateway: %d requests reached it, want none", n)
	}

	run = runMTClient(t, rig, map[string]string{"SSL_CERT_FILE": trusted, "SSL_CERT_DIR": empty})
	if run.code != 0 || !strings.HasPrefix(run.stdout, "accepted: ") {
		t.Errorf("trusted gateway: exit status %d, stdout %q; want 0, accepted", run.code, run.stdout)
	}
	if n := len(rig.g.Messages()); n != 1 {
		t.Errorf("the gateway recorded %d submissions, want 1", n)
	}
}
