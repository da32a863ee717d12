// Package suites certifies an MM7 endpoint for Vibes with Ginkgo v2 and
// Gomega: it plays the corpus against the endpoint as Vibes would and
// judges every answer with the checks of harness/check. Run is what
// `mm7harness certify` calls; Ginkgo runs the specs in-process, once per
// process.
package suites

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/mockvibes"
)

// Config is one certification run.
type Config struct {
	Endpoint string
	Version  mm7.Version
	Profile  check.Profile
	// Ops are the operations the endpoint serves; default deliver and
	// delivery-report, what Vibes sends.
	Ops []corpus.Kind
	// Cases restricts the corpus cases (IDs, or prefixes ending in "*").
	Cases       []string
	LabelFilter string
	SkipChecks  []string
	Schemas     *xsd.Schemas
	// Budget is the latency budget (Vibes: 2 s); Timeout how long to wait
	// for any answer.
	Budget, Timeout time.Duration
	// Concurrency is how many messages the concurrency check sends at once.
	Concurrency int
	// Negatives includes the negative cases (robustness checks).
	Negatives bool
	Seed      int64
}

func (c *Config) defaults() {
	if len(c.Ops) == 0 {
		c.Ops = []corpus.Kind{corpus.KindDeliver, corpus.KindDeliveryReport}
	}
	if c.Profile == "" {
		c.Profile = check.ProfileVibes
	}
	if c.Budget <= 0 {
		c.Budget = mockvibes.VibesTimeout
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 16
	}
}

// ErrUnreachable is returned when the endpoint cannot be connected to.
var ErrUnreachable = errors.New("suites: endpoint unreachable")

// Exchange is one request and its answer, as the report shows them.
type Exchange struct {
	Case     string        `json:"case"`
	Purpose  string        `json:"purpose"` // "message", "negative", "after-negative", "retry", "concurrency"
	Request  []byte        `json:"request"`
	Response []byte        `json:"response"`
	Status   int           `json:"status"`
	Latency  time.Duration `json:"latency_ns"`
	Err      string        `json:"error,omitempty"`
}

// run is the state of the one run a process makes.
type run struct {
	cfg       Config
	positives []*corpus.Case
	negatives []*corpus.Case

	mu        sync.Mutex
	exchanges []*Exchange
	results   map[string]*CheckResult // by spec key "case|check"
}

// CheckResult is one check on one case.
type CheckResult struct {
	Case     string `json:"case"`
	Check    string `json:"check"`
	Level    string `json:"level"`
	Op       string `json:"op"`
	State    string `json:"state"` // passed, failed, skipped
	Expected string `json:"expected,omitempty"`
	Actual   string `json:"actual,omitempty"`
	Reason   string `json:"reason,omitempty"` // why skipped
}

var active *run

func (r *run) select_() error {
	f := corpus.Filter{Flavour: r.cfg.Version.Name, IDs: r.cfg.Cases}
	for _, c := range corpus.Select(f) {
		if !slices.Contains(r.cfg.Ops, c.Kind) {
			continue
		}
		switch c.Expect.Outcome {
		case corpus.Accept:
			r.positives = append(r.positives, c)
		default:
			if r.cfg.Negatives {
				r.negatives = append(r.negatives, c)
			}
		}
	}
	if len(r.positives) == 0 {
		return fmt.Errorf("suites: no positive corpus case for MM7 %s and operations %v", r.cfg.Version.Name, r.cfg.Ops)
	}
	return nil
}

// reachable dials the endpoint once.
func reachable(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return fmt.Errorf("suites: endpoint %q is not an absolute URL", endpoint)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), map[string]string{"https": "443"}[u.Scheme]+map[string]string{"http": "80"}[u.Scheme])
	}
	c, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	c.Close()
	return nil
}

// send plays one message as Vibes does (fresh TransactionID) and returns
// the check input.
func (r *run) send(c *corpus.Case, purpose string) (*check.Input, []byte) {
	s := &mockvibes.Sender{Endpoint: r.cfg.Endpoint, Timeout: r.cfg.Timeout, MaxRetries: -1}
	_, _ = s.Run(context.Background(), []mockvibes.Message{{Name: c.ID, Case: c}}, 1, 0)
	ex := s.Exchanges()[0]
	return r.input(c, ex, purpose), ex.Request
}

// sendRaw resends exact bytes (a retry).
func (r *run) sendRaw(c *corpus.Case, raw []byte, purpose string) *check.Input {
	s := &mockvibes.Sender{Endpoint: r.cfg.Endpoint, Timeout: r.cfg.Timeout, MaxRetries: -1}
	_, _ = s.Run(context.Background(), []mockvibes.Message{{Name: c.ID, Raw: raw}}, 1, 0)
	return r.input(c, s.Exchanges()[0], purpose)
}

func (r *run) input(c *corpus.Case, ex *mockvibes.Exchange, purpose string) *check.Input {
	r.mu.Lock()
	r.exchanges = append(r.exchanges, &Exchange{Case: c.ID, Purpose: purpose, Request: ex.Request, Response: ex.Response,
		Status: ex.Status, Latency: ex.Duration, Err: ex.Err})
	r.mu.Unlock()
	in := &check.Input{Version: r.cfg.Version, Profile: r.cfg.Profile, Budget: r.cfg.Budget, Schemas: r.cfg.Schemas,
		Answer: check.Answer{Status: ex.Status, Header: http.Header{}, Latency: ex.Duration, Err: ex.Err}}
	if h, err := swa.ReadHTTP(ex.Response); err == nil {
		for _, f := range h.Header {
			in.Answer.Header.Add(f.Name, f.Value)
		}
		in.Answer.Body = h.Body
	}
	// What the request was: its kind, namespace, MM7Version, TransactionID.
	in.Request, in.RequestRel, in.RequestMM7, in.TransactionID = requestFacts(ex.Request)
	return in
}

func requestFacts(raw []byte) (mm7.Kind, mm7.Release, string, string) {
	h, err := swa.ReadHTTP(raw)
	if err != nil {
		return "", "", "", ""
	}
	m, err := swa.ReadBytes(h.ContentType(), h.Body, swa.ReadOptions{Diagnose: true})
	if err != nil {
		return "", "", "", ""
	}
	env, _ := mm7.Decode(m.SOAP(), m.Charset())
	if env == nil || env.Message == nil {
		return "", "", "", ""
	}
	mv := ""
	switch msg := env.Message.(type) {
	case *mm7.DeliverReq:
		mv = msg.MM7Version
	case *mm7.DeliveryReportReq:
		mv = msg.MM7Version
	case *mm7.ReadReplyReq:
		mv = msg.MM7Version
	}
	return env.Message.Kind(), env.Release, strings.TrimSpace(mv), env.TransactionID
}

func (r *run) record(res *CheckResult) {
	r.mu.Lock()
	r.results[res.Case+"|"+res.Check] = res
	r.mu.Unlock()
}

func (r *run) skipped(id string) bool { return slices.Contains(r.cfg.SkipChecks, id) }

// goodCase is the valid message sent after bad input and for retries.
func (r *run) goodCase() *corpus.Case { return r.positives[0] }
