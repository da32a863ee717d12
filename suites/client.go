package suites

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"time"

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
	// (default 30 s); CallbackRetry is the interval of their retries
	// (Vibes: 5 minutes; default 5 s), two at most.
	ReportWindow, CallbackRetry time.Duration
	// The account the client is given; made up when empty.
	User, Password, ShortCode string
	// Env is added to the command's environment.
	Env []string
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
	if cc.ReportWindow <= 0 {
		cc.ReportWindow = 30 * time.Second
	}
	if cc.CallbackRetry <= 0 {
		cc.CallbackRetry = 5 * time.Second
	}
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
func RunClient(cc ClientConfig) (*Outcome, error) {
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
	cr.serve(ln, start)
	r.probes = cr.probes()
	r.runSpecs(fmt.Sprintf("MM7 %s certification of the MT client %s", cc.Flavour.Name, cc.Subject()))
	out := newOutcome(&r.cfg, start, r.collect(), r.plan)
	out.Endpoint, out.Command = cc.Subject(), cc.Subject()
	out.Scenarios = cr.records()
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
	kept      int64 // request bytes kept so far (maxKeptRequests)
}

// maxKeptRequests bounds the submissions' bytes a run keeps: a client
// sending megabytes again and again gets the rest of its requests judged
// on their first bytes (the checks of the body then say n/a).
const maxKeptRequests = 256 << 20

// keptOfRequest is what is kept of a request once the run's budget is
// spent.
const keptOfRequest = 64 << 10

// scenarioRun is what one scenario recorded.
type scenarioRun struct {
	sc        *scenario
	recipient string
	attempts  []*mockvibes.SubmitAttempt
	reports   []*Exchange // the delivery reports sent to the client
	reacted   int         // attempts the script has answered
	started   time.Time
	took      time.Duration
	exited    bool
	exitCode  int
	output    string
	notRun    *notSent
}

func newClientRun(cc *ClientConfig, scenarios []*scenario, pl *plan) *clientRun {
	cr := &clientRun{cfg: cc, plan: pl, byMessage: map[string]*scenarioRun{}}
	for i, s := range scenarios {
		cr.runs = append(cr.runs, &scenarioRun{sc: s, recipient: s.recipient(i)})
	}
	cr.gateway = &mockvibes.Gateway{
		Accounts:        []mockvibes.Account{{User: cc.User, Password: cc.Password, Flavour: cc.Flavour, ShortCodes: []string{cc.ShortCode}}},
		CallbackTimeout: mockvibes.VibesTimeout, RetryInterval: cc.CallbackRetry, MaxRetries: 2,
		React: cr.react, OnSubmit: cr.onSubmit, OnCallback: cr.onCallback,
	}
	return cr
}

// serve runs the gateway for the scenarios, and stops it once they are
// done and their delivery reports sent.
func (cr *clientRun) serve(ln net.Listener, start time.Time) {
	srv := &http.Server{Handler: cr.gateway, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
	go func() { _ = srv.Serve(ln) }()
	cr.url = "http://" + ln.Addr().String() + "/mm7"
	if cr.cfg.Listen != "" {
		cr.awaitListening(start)
	} else {
		cr.runCommands(start)
	}
	cr.awaitReports()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	srv.Close()
}

// runFor is the scenario a submission belongs to: the one whose command
// runs, or, for a long-running client, the one of its recipient.
func (cr *clientRun) runFor(at *mockvibes.SubmitAttempt) *scenarioRun {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if cr.cfg.Listen == "" {
		return cr.current
	}
	for _, sr := range cr.runs {
		if sameNumber(sr.recipient, at.Recipient) {
			return sr
		}
	}
	return nil
}

// react is the gateway's script: what the scenario does to this attempt.
func (cr *clientRun) react(at *mockvibes.SubmitAttempt) mockvibes.Reaction {
	sr := cr.runFor(at)
	if sr == nil {
		return mockvibes.Reaction{}
	}
	cr.mu.Lock()
	n := sr.reacted
	sr.reacted++
	cr.mu.Unlock()
	return sr.sc.reaction(n)
}

// onSubmit keeps a submission with its scenario, and in the report.
func (cr *clientRun) onSubmit(at *mockvibes.SubmitAttempt) {
	cr.mu.Lock()
	if cr.kept += int64(len(at.Raw)); cr.kept > maxKeptRequests && len(at.Raw) > keptOfRequest {
		at.Raw, at.BodyCut = bytes.Clone(at.Raw[:keptOfRequest]), true
	}
	cr.mu.Unlock()
	sr := cr.runFor(at)
	id := "unexpected"
	if sr != nil {
		id = sr.sc.ID
	}
	ex := &Exchange{Case: id, Purpose: "submit", TransactionID: at.TransactionID(), Started: at.Received, Latency: at.Took, Status: at.Status,
		RequestBytes: at.BodySize, ResponseBytes: len(at.Response), request: at.Raw, response: at.Response}
	if at.Status == 0 {
		ex.Err = at.Reaction
	}
	cr.plan.record(ex, false)
	if sr == nil {
		return
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	sr.attempts = append(sr.attempts, at)
	if at.MessageID != "" {
		cr.byMessage[at.MessageID] = sr
	}
}

// onCallback keeps a delivery-report exchange with its scenario.
func (cr *clientRun) onCallback(mx *mockvibes.Exchange) {
	cr.mu.Lock()
	sr := cr.byMessage[strings.TrimPrefix(mx.Message, "dlr-")]
	cr.mu.Unlock()
	id := "unexpected"
	if sr != nil {
		id = sr.sc.ID
	}
	ex := &Exchange{Case: id, Purpose: "delivery-report"}
	cr.plan.fill(ex, mx)
	// The gateway sends the report as raw bytes: its TransactionID, which
	// the answer must echo, is in them.
	if req, _ := receive.ReadHTTP(mx.Request, receive.Options{Lenient: true, Diagnose: true}); req.TransactionID() != "" {
		ex.TransactionID = req.TransactionID()
	}
	cr.plan.record(ex, false)
	if sr != nil {
		cr.mu.Lock()
		sr.reports = append(sr.reports, ex)
		cr.mu.Unlock()
	}
}

// awaitReports waits, within the report window, for the delivery reports
// under way.
func (cr *clientRun) awaitReports() {
	done := make(chan struct{})
	go func() {
		cr.gateway.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(cr.cfg.ReportWindow):
	}
}
