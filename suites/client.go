package suites

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/mockvibes"
)

// ClientConfig is one certification of an MT client: the mock Vibes
// gateway runs the scenarios against it, and the checks judge what it
// sent, what it did with each answer, and how its delivery-report
// endpoint answered. Of the embedded Config, the flavour, profile,
// selection (Cases are scenario IDs), schemas, MaxDuration, Progress and
// Seed apply.
type ClientConfig struct {
	Config
	// Command is the client, run once per scenario with the MM7_*
	// environment (README, "Certifying your MT client").
	Command []string
	// Listen serves a long-running client instead: the gateway listens on
	// this address, Announce gets the scenarios to send, and the run
	// waits for the client to send them (the first Scenarios of them;
	// all when 0).
	Listen    string
	Scenarios int
	Announce  io.Writer
	// ScenarioTimeout bounds a scenario: the command's run, or a
	// long-running client's resends (default 2 minutes).
	ScenarioTimeout time.Duration
	// Hold is how long the no-answer scenario holds the request when the
	// client does not leave first (default 35 s).
	Hold time.Duration
	// ReportWindow bounds the wait for a scenario's delivery reports
	// (default: room for their retries); CallbackRetry is the interval of
	// their retries (Vibes: 5 minutes; default 5 s), two at most.
	ReportWindow, CallbackRetry time.Duration
	// The account the client is given; made up when empty.
	User, Password, ShortCode string
	// Env is added to the command's environment.
	Env []string
	// TLS configures delivery reports to https URLs (nil: the system's
	// roots).
	TLS *tls.Config

	givenAccount bool // User and Password came from the user
}

// Defaults of a client's certification.
const (
	DefaultScenarioTimeout = 2 * time.Minute
	DefaultHold            = 35 * time.Second
)

func (cc *ClientConfig) defaults() {
	cc.Config.defaults()
	if cc.ScenarioTimeout <= 0 {
		cc.ScenarioTimeout = DefaultScenarioTimeout
	}
	if cc.Hold <= 0 {
		cc.Hold = DefaultHold
	}
	if cc.CallbackRetry <= 0 {
		cc.CallbackRetry = 5 * time.Second
	}
	if cc.ReportWindow <= 0 {
		// Room for each report of a sequence to be sent and retried.
		cc.ReportWindow = max(30*time.Second, 2*(callbackRetries+1)*(cc.CallbackRetry+mockvibes.VibesTimeout)+5*time.Second)
	}
	cc.givenAccount = cc.User != ""
	if cc.User == "" {
		cc.User, cc.Password = "mt-client", mockvibes.NewControlToken()[:16]
	}
	if cc.ShortCode == "" {
		cc.ShortCode = "63901"
	}
}

// Subject says what a client run certifies, for reports.
func (cc *ClientConfig) Subject() string {
	if cc.Listen != "" {
		return "a long-running client sending to http://" + cc.Listen + "/mm7"
	}
	return strings.Join(cc.Command, " ")
}

// RunClient certifies an MT client. Like Run, it can run once per process.
// When ctx ends (the user interrupts), the client is stopped, what is left
// is not run, and the outcome says so.
func RunClient(ctx context.Context, cc ClientConfig) (*Outcome, error) {
	if ran {
		return nil, fmt.Errorf("suites: a process runs the certification once")
	}
	cc.defaults()
	if (len(cc.Command) == 0) == (cc.Listen == "") {
		return nil, errors.New("suites: a client is a command or a listening address, one of them")
	}
	if len(cc.Command) > 0 {
		if _, err := exec.LookPath(cc.Command[0]); err != nil {
			return nil, fmt.Errorf("suites: the client command: %w", err)
		}
	}
	if cc.Schemas == nil {
		s, err := xsd.Embedded()
		if err != nil {
			return nil, err
		}
		cc.Schemas = s
	}
	sel, err := newSelection(&cc.Config)
	if err != nil {
		return nil, fmt.Errorf("suites: --label-filter: %w", err)
	}
	scenarios, err := selectScenarios(&cc)
	if err != nil {
		return nil, err
	}
	addr := cc.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("suites: the gateway cannot listen: %w", err)
	}
	ran = true
	start := time.Now()
	r := &run{cfg: cc.Config, sel: sel, skipChecks: map[string]bool{}}
	for _, id := range cc.SkipChecks {
		r.skipChecks[id] = true
	}
	r.plan = newPlan(&r.cfg)
	cr := newClientRun(&cc, scenarios, r.plan)
	cr.serve(ctx, ln, start)
	r.probes = cr.probes()
	r.runSpecs(fmt.Sprintf("MM7 %s certification of the MT client %s", cc.Flavour.Name, cc.Subject()))
	out := newOutcome(&r.cfg, start, r.collect(), r.plan)
	out.Endpoint, out.Command = cc.Subject(), cc.Subject()
	out.Scenarios = cr.records()
	if ctx.Err() != nil {
		out.Stopped = "interrupted: what was left was not run"
	}
	return out, nil
}

// selectScenarios are the scenarios the configuration selects, in order.
func selectScenarios(cc *ClientConfig) ([]*scenario, error) {
	all := clientScenarios(cc.Hold)
	var out []*scenario
	for _, s := range all {
		if len(cc.Cases) == 0 || matchScenario(s.ID, cc.Cases) {
			out = append(out, s)
		}
	}
	for _, p := range cc.Cases {
		if !slices.ContainsFunc(all, func(s *scenario) bool { return matchScenario(s.ID, []string{p}) }) {
			return nil, fmt.Errorf("suites: no scenario %q", p)
		}
	}
	if cc.Listen != "" && cc.Scenarios > 0 && cc.Scenarios < len(out) {
		out = out[:cc.Scenarios]
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("suites: no scenario matches %v", cc.Cases)
	}
	return out, nil
}

func matchScenario(id string, patterns []string) bool {
	for _, p := range patterns {
		if p == id || strings.HasSuffix(p, "*") && strings.HasPrefix(id, strings.TrimSuffix(p, "*")) {
			return true
		}
	}
	return false
}

// clientRun is the gateway's side of a client's certification: what each
// scenario recorded.
type clientRun struct {
	cfg     *ClientConfig
	plan    *plan
	gateway *mockvibes.Gateway
	url     string

	mu        sync.Mutex
	runs      []*scenarioRun
	current   *scenarioRun // the scenario whose command runs
	byMessage map[string]*scenarioRun
	assigned  map[*mockvibes.SubmitAttempt]*scenarioRun // the scenario each reaction was for
	kept      int64                                     // request bytes kept so far (maxKeptRequests)
	closed    bool                                      // the records are being judged: nothing more comes in
}

// maxKeptAttempts bounds the attempts a scenario keeps; a client in a
// loop has the rest counted, not kept.
const maxKeptAttempts = 32

// maxKeptRequests bounds the submissions' bytes a run keeps: a client
// sending megabytes again and again gets the rest of its requests judged
// on their first bytes (the checks of the body then say n/a).
const maxKeptRequests = 64 << 20

// keptOfRequest is what is kept of a request once the run's budget is
// spent.
const keptOfRequest = 64 << 10

// scenarioRun is what one scenario recorded.
type scenarioRun struct {
	sc        *scenario
	recipient string
	attempts  []*mockvibes.SubmitAttempt
	exchanges []*Exchange          // the attempts' exchanges, for the report
	dropped   int                  // attempts past maxKeptAttempts
	reports   []*Exchange          // the delivery reports sent to the client
	inputs    []*check.SubmitInput // the attempts as the submit checks read them, once
	reacted   int                  // attempts the script has answered
	started   time.Time
	took      time.Duration
	exited    bool
	exitCode  int
	output    string
	notRun    *notSent
}

func newClientRun(cc *ClientConfig, scenarios []*scenario, pl *plan) *clientRun {
	cr := &clientRun{cfg: cc, plan: pl, byMessage: map[string]*scenarioRun{}, assigned: map[*mockvibes.SubmitAttempt]*scenarioRun{}}
	for _, s := range scenarios {
		cr.runs = append(cr.runs, &scenarioRun{sc: s, recipient: s.recipient()})
	}
	cr.gateway = &mockvibes.Gateway{
		Accounts:        []mockvibes.Account{{User: cc.User, Password: cc.Password, Flavour: cc.Flavour, ShortCodes: []string{cc.ShortCode}}},
		CallbackTimeout: mockvibes.VibesTimeout, RetryInterval: cc.CallbackRetry, MaxRetries: callbackRetries,
		React: cr.react, OnSubmit: cr.onSubmit, OnCallback: cr.onCallback, CallbackTLS: cc.TLS,
	}
	return cr
}

// serve runs the gateway for the scenarios, and stops it once they are
// done and their delivery reports sent (or their time is up).
func (cr *clientRun) serve(ctx context.Context, ln net.Listener, start time.Time) {
	srv := &http.Server{Handler: cr.gateway, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
	go func() { _ = srv.Serve(ln) }()
	cr.url = "http://" + announced(ln.Addr()) + "/mm7"
	if cr.cfg.Listen != "" {
		cr.awaitListening(ctx, start)
	} else {
		cr.runCommands(ctx, start)
	}
	cr.awaitReports()
	cr.mu.Lock()
	cr.closed = true
	cr.mu.Unlock()
	cr.gateway.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	srv.Close()
}

// announced is how a client reaches the gateway at addr: an address that
// listens everywhere is reached on this machine's loopback.
func announced(addr net.Addr) string {
	a, ok := addr.(*net.TCPAddr)
	if ok && a.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(a.Port))
	}
	return addr.String()
}

// runFor is the scenario a submission belongs to: the one of its
// recipient (each scenario has its own), else — a client that ignores
// MM7_RECIPIENT — the one whose command runs.
func (cr *clientRun) runFor(at *mockvibes.SubmitAttempt) *scenarioRun {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if sr, ok := cr.assigned[at]; ok {
		delete(cr.assigned, at)
		return sr
	}
	for _, sr := range cr.runs {
		if sameNumber(sr.recipient, at.Recipient) {
			return sr
		}
	}
	return cr.current
}

// react is the gateway's script: what the scenario does to this attempt.
func (cr *clientRun) react(at *mockvibes.SubmitAttempt) mockvibes.Reaction {
	sr := cr.runFor(at)
	if sr == nil {
		return mockvibes.Reaction{}
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	// The record goes to the scenario that reacted, whatever comes next.
	cr.assigned[at] = sr
	n := sr.reacted
	sr.reacted++
	return sr.sc.reaction(n)
}

// onSubmit keeps a submission with its scenario, and in the report; past
// the run's bounds it keeps less (maxKeptAttempts, maxKeptRequests).
func (cr *clientRun) onSubmit(at *mockvibes.SubmitAttempt) {
	sr := cr.runFor(at)
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if cr.closed {
		return
	}
	if sr != nil && len(sr.attempts) >= maxKeptAttempts {
		sr.dropped++
		return
	}
	if cr.kept += int64(len(at.Raw)); cr.kept > maxKeptRequests && len(at.Raw) > keptOfRequest {
		at.Raw, at.BodyCut = bytes.Clone(at.Raw[:keptOfRequest]), true
	}
	id := "unexpected"
	if sr != nil {
		id = sr.sc.ID
	}
	ex := &Exchange{Case: id, Purpose: "submit", TransactionID: at.TransactionID(), Started: at.Received, Latency: at.Took, Status: at.Status,
		RequestBytes: at.BodySize, Chunked: at.Chunked, ResponseBytes: len(at.Response), request: at.Raw, response: at.Response}
	if at.Status == 0 {
		ex.Err = at.Reaction
	}
	cr.plan.record(ex, false)
	if sr == nil {
		return
	}
	sr.attempts = append(sr.attempts, at)
	sr.exchanges = append(sr.exchanges, ex)
	if at.MessageID != "" {
		cr.byMessage[at.MessageID] = sr
	}
}

// onCallback keeps a delivery-report exchange with its scenario.
func (cr *clientRun) onCallback(mx *mockvibes.Exchange) {
	ex := &Exchange{Case: "unexpected", Purpose: "delivery-report"}
	cr.plan.fill(ex, mx)
	// The gateway sends the report as raw bytes: its TransactionID, which
	// the answer must echo, is in them.
	if req, _ := receive.ReadHTTP(mx.Request, receive.Options{Lenient: true, Diagnose: true}); req.TransactionID() != "" {
		ex.TransactionID = req.TransactionID()
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if cr.closed {
		return
	}
	sr := cr.byMessage[strings.TrimPrefix(mx.Message, "dlr-")]
	if sr != nil {
		ex.Case = sr.sc.ID
		sr.reports = append(sr.reports, ex)
	}
	cr.plan.record(ex, false)
}

// callbackRetries is how often a delivery report is sent again.
const callbackRetries = 2

// awaitReports waits, within the report window, for the delivery reports
// under way.
func (cr *clientRun) awaitReports() {
	deadline := time.Now().Add(cr.cfg.ReportWindow)
	for cr.gateway.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}
