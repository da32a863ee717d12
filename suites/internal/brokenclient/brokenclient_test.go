package brokenclient_test

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/internal/needs"
	"github.com/mm7harness/mm7harness/mockvibes"
	"github.com/mm7harness/mm7harness/suites/internal/brokenclient"
)

// answer is what the gateway answered one request.
type answer struct {
	http   int
	status mm7.StatusCode
}

// watched is the mock gateway with what it answered, request by request.
type watched struct {
	g       *mockvibes.Gateway
	mu      sync.Mutex
	answers []answer
}

func (w *watched) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	w.g.ServeHTTP(rec, r)
	a := answer{http: rec.Code}
	if media, params, _ := mime.ParseMediaType(rec.Header().Get("Content-Type")); media == "text/xml" {
		if env, err := mm7.Decode(rec.Body.Bytes(), params["charset"]); err == nil {
			if rsp := mm7.ResponseOf(env.Message); rsp != nil {
				a.status = rsp.Status.Code
			}
		}
	}
	w.mu.Lock()
	w.answers = append(w.answers, a)
	w.mu.Unlock()
	for k, v := range rec.Header() {
		rw.Header()[k] = v
	}
	rw.WriteHeader(rec.Code)
	rw.Write(rec.Body.Bytes())
}

func (w *watched) seen() []answer {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]answer(nil), w.answers...)
}

// build builds the broken client's command.
func build(t *testing.T) string {
	t.Helper()
	goTool := needs.Tool(t, "go", "building the broken client")
	bin := filepath.Join(t.TempDir(), "brokenclient")
	out, err := exec.Command(goTool, "build", "-o", bin, "github.com/mm7harness/mm7harness/suites/internal/brokenclient/cmd/brokenclient").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Every defect, run as certify-client runs a client (MM7_* variables),
// shows at the mock gateway as what it breaks — and without --defect the
// command is the reference client, which the gateway accepts, and which
// resends a temporary failure and nothing else.
func TestEveryDefectShowsAtTheGateway(t *testing.T) {
	bin := build(t)
	type want struct {
		defect  string
		fault   mockvibes.GatewayFault
		from    string
		answers []answer
		exit    int
	}
	refused := func(httpStatus int, code mm7.StatusCode) []answer { return []answer{{httpStatus, code}} }
	capacity := answer{500, mm7.VibesPlatformCapacity}
	notAuthorized := answer{500, mm7.VibesShortCodeNotAuthorized}
	cases := []want{
		{defect: "", answers: []answer{{200, 1000}}},
		{defect: "", fault: mockvibes.GatewayCapacity, answers: []answer{capacity, capacity, capacity}, exit: 1},
		{defect: "", from: "55555", answers: []answer{notAuthorized}, exit: 1},
		{defect: "two-recipients", answers: refused(500, mm7.StatusMultipleAddressesNotSupported), exit: 1},
		{defect: "no-transaction-id", answers: refused(500, mm7.VibesTransactionIDNotSet), exit: 1},
		{defect: "no-auth", answers: refused(401, mm7.StatusImproperIdentification), exit: 1},
		{defect: "retries-permanent", from: "55555", answers: []answer{notAuthorized, notAuthorized, notAuthorized}, exit: 1},
		{defect: "never-retries", fault: mockvibes.GatewayCapacity, answers: []answer{capacity}, exit: 1},
		{defect: "resends-accepted", answers: []answer{{200, 1000}, {200, 1000}}},
		{defect: "three-attachments", answers: refused(500, mm7.VibesMultipleAttachments), exit: 1},
		{defect: "oversized", answers: refused(413, 0), exit: 1},
		{defect: "wrong-namespace", answers: refused(500, mm7.StatusUnsupportedVersion), exit: 1},
	}
	tried := map[string]bool{}
	for _, v := range mm7.Flavours() {
		for _, c := range cases {
			tried[c.defect] = true
			name := fmt.Sprintf("%s/%s%s", v, c.defect, c.fault)
			w := &watched{g: &mockvibes.Gateway{Faults: []mockvibes.GatewayFault{c.fault},
				Accounts: []mockvibes.Account{{User: "u", Password: "p", Flavour: v, ShortCodes: []string{"63901"}}}}}
			if c.fault == "" {
				w.g.Faults = nil
			}
			srv := httptest.NewServer(w)
			from := c.from
			if from == "" {
				from = "63901"
			}
			cmd := exec.Command(bin, "--defect", c.defect, "--max-attempts", "3", "--retry-interval", "1ms", "--timeout", "5s")
			cmd.Env = append(os.Environ(), "MM7_URL="+srv.URL+"/mm7", "MM7_USER=u", "MM7_PASSWORD=p", "MM7_VERSION="+v.Name,
				"MM7_RECIPIENT=+13125550071", "MM7_SHORTCODE="+from, "MM7_SCENARIO=self-test", "MM7_DELIVERY_REPORT=false")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			w.g.Wait()
			srv.Close()
			code := cmd.ProcessState.ExitCode()
			got := w.seen()
			if code != c.exit || fmt.Sprint(got) != fmt.Sprint(c.answers) || strings.Count(stdout.String(), "\n") != 1 {
				t.Errorf("%s: exit %d (%v), the gateway answered %v; want exit %d and %v\nstdout: %s\nstderr: %s",
					name, code, err, got, c.exit, c.answers, stdout.String(), stderr.String())
			}
		}
	}
	for _, n := range brokenclient.Names() {
		if !tried[n] {
			t.Errorf("defect %s: no case here shows it", n)
		}
	}
}

// An unknown defect is a usage error that lists the defects.
func TestUnknownDefect(t *testing.T) {
	var stderr bytes.Buffer
	code := brokenclient.Main([]string{"--defect", "nope", "--endpoint", "http://127.0.0.1:1/mm7", "--to", "1"}, io.Discard, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "two-recipients") {
		t.Errorf("exit %d, %q", code, stderr.String())
	}
}
