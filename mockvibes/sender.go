package mockvibes

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
)

// Vibes' documented delivery behaviour (README, "The mock Vibes").
const (
	// VibesTimeout is how long Vibes waits for an answer (old callback wiki).
	VibesTimeout = 2 * time.Second
	// VibesRetryInterval and VibesMaxRetries: a non-2xx answer or a timeout
	// is retried every 5 minutes, up to 5 times.
	VibesRetryInterval = 5 * time.Minute
	VibesMaxRetries    = 5
)

// Message is one request to play: a corpus case, or raw bytes from a file.
type Message struct {
	Name string       // the case ID or file name
	Case *corpus.Case // nil for a file
	Raw  []byte       // the request as stored (for a file)
}

// Exchange is one request sent and what came back.
type Exchange struct {
	Seq           int           `json:"seq"`
	Message       string        `json:"message"`
	Attempt       int           `json:"attempt"` // 1 for the first send, 2.. for retries
	TransactionID string        `json:"transaction_id,omitempty"`
	Start         time.Time     `json:"start"`
	Duration      time.Duration `json:"duration_ns"`
	Reused        bool          `json:"connection_reused"`
	Status        int           `json:"status,omitempty"`  // 0 when no complete answer came
	Interim       []int         `json:"interim,omitempty"` // 1xx responses skipped before the answer
	// Truncated: the answer's body passed the response limit and was not
	// read further.
	Truncated bool `json:"truncated,omitempty"`
	// Closed: the endpoint said the connection ends with this answer
	// (Connection: close, HTTP/1.0, a body delimited by the close). The
	// harness closing a connection itself (an answer over the limit, one
	// that came before the request was written) does not count.
	Closed  bool `json:"closed,omitempty"`
	Timeout bool `json:"timeout,omitempty"`
	// Stale: the kept-alive connection this was meant to go on had been
	// closed without a word, so it went on a new one (as Vibes' Java
	// client resends a request that met a stale connection).
	Stale   bool   `json:"stale,omitempty"`
	Err     string `json:"error,omitempty"`
	Request []byte `json:"-"`
	// Response is every byte read (interim responses, the answer's
	// header and body as framed), at most the response limits.
	Response []byte      `json:"-"`
	Header   http.Header `json:"-"` // the answer's header
	Body     []byte      `json:"-"` // the answer's body, de-chunked
}

// OK reports whether Vibes would count the exchange as delivered: any 2xx.
func (e *Exchange) OK() bool { return e.Status >= 200 && e.Status < 300 }

// Sender posts messages to an endpoint as Vibes does.
type Sender struct {
	Endpoint    string
	Concurrency int     // connections; default 1
	Rate        float64 // messages per second across all connections; 0 is unlimited
	// Timeout bounds each attempt, from dialling to the last byte of the
	// answer; default VibesTimeout.
	Timeout time.Duration
	// Limits bound each answer read (default DefaultResponseLimits).
	Limits ResponseLimits
	// TLS configures https endpoints; nil verifies against the system roots.
	TLS *tls.Config
	// RetryInterval and MaxRetries are Vibes' retry policy; tests shrink the
	// interval. A negative MaxRetries disables retries.
	RetryInterval time.Duration
	MaxRetries    int
	// Profiles are the misbehaviours to apply (see ParseProfiles).
	Profiles []Profile
	// Transcript, when set, is a folder where every exchange is written as
	// replayable files.
	Transcript string
	// Progress, when set, is called after every exchange.
	Progress func(done, total int, ex *Exchange)
	// Discard keeps no exchanges in memory (Progress still sees each one):
	// for long runs, where keeping every request would exhaust memory.
	Discard bool

	mu        sync.Mutex
	exchanges []*Exchange
	done      int
}

// Exchanges returns every exchange so far, in the order they finished.
func (s *Sender) Exchanges() []*Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Exchange(nil), s.exchanges...)
}

type job struct {
	msg     Message
	raw     []byte // stamped once; retries resend the same bytes, as Vibes does
	tid     string
	attempt int
	due     time.Time
}

// prepare stamps a message for u: a fresh TransactionID and dates, the
// endpoint's path and host, then the profiles.
func (s *Sender) prepare(m Message, u *url.URL) ([]byte, string, error) {
	var raw []byte
	var tid string
	var err error
	switch {
	case m.Case != nil && m.Case.Generator != "":
		// Too large to store: streamed by the corpus, sent as it comes.
		r, _, gerr := m.Case.Open()
		if gerr != nil {
			return nil, "", gerr
		}
		if raw, err = io.ReadAll(r); err == nil {
			raw = corpus.Retarget(raw, u)
		}
	case m.Case != nil:
		raw, tid, err = m.Case.StampFor(u.String(), time.Now())
	default:
		raw = corpus.Retarget(m.Raw, u)
	}
	if err != nil {
		return nil, "", err
	}
	for _, p := range s.Profiles {
		if p.Rewrite != nil {
			if raw, err = p.Rewrite(raw); err != nil {
				return nil, "", fmt.Errorf("profile %s: %w", p.Name, err)
			}
		}
	}
	return raw, tid, nil
}

// attempt sends one request on cn (or a new connection) within the
// timeout; it returns the connection when it can carry the next request.
func (s *Sender) attempt(u *url.URL, cn *conn, j *job) (*Exchange, *conn) {
	ex := &Exchange{Message: j.msg.Name, Attempt: j.attempt, TransactionID: j.tid, Start: time.Now(), Request: j.raw}
	deadline := ex.Start.Add(s.Timeout)
	defer func() { ex.Duration = time.Since(ex.Start) }()
	ex.Reused = cn != nil
	if cn == nil {
		var err error
		if cn, err = dial(u, s.Timeout, s.TLS); err != nil {
			ex.Err, ex.Timeout = err.Error(), isTimeout(err)
			return ex, nil
		}
	}
	send := writer(writeAll)
	for _, p := range s.Profiles {
		if p.Send != nil {
			send = p.Send
		}
	}
	res := cn.roundTrip(j.raw, deadline, send, s.Limits)
	if rsp := res.rsp; rsp != nil {
		ex.Response, ex.Interim = rsp.raw, rsp.interim
		if res.err == nil {
			ex.Status, ex.Header, ex.Body, ex.Truncated, ex.Closed = rsp.status, rsp.header, rsp.body, rsp.truncated, rsp.closes
		}
	}
	if res.err != nil {
		ex.Err, ex.Timeout = describe(res.err, ex.Response), isTimeout(res.err)
	}
	if !res.reusable {
		cn.close()
		return ex, nil
	}
	return ex, cn
}

// describe says why an attempt has no complete answer.
func describe(err error, got []byte) string {
	switch {
	case isTimeout(err) && len(got) == 0:
		return "no answer within the time limit"
	case isTimeout(err):
		return fmt.Sprintf("the answer was not complete within the time limit (%d bytes came)", len(got))
	case errors.Is(err, io.EOF) && len(got) == 0:
		return "the endpoint closed the connection without answering"
	case errors.Is(err, errHeaderTooLarge):
		return fmt.Sprintf("the answer's header block is larger than %d bytes; the harness reads no further", DefaultResponseLimits.MaxHeaderBytes)
	}
	return err.Error()
}

// Do sends one message once, on a connection of its own, and returns the
// exchange: no retries, whatever the answer. The attempt ends within
// Timeout whatever the endpoint does.
func (s *Sender) Do(m Message) (*Exchange, error) {
	exs, err := s.DoAll([]Message{m})
	if err != nil {
		return nil, err
	}
	return exs[0], nil
}

// DoAll sends messages one after the other on one keep-alive connection,
// as Vibes does, each once: a new connection only when the endpoint ended
// the last one. A request that meets a connection the endpoint closed
// without a word (no byte of answer) is sent again on a new one, and its
// exchange says Stale. Each attempt ends within Timeout.
func (s *Sender) DoAll(msgs []Message) ([]*Exchange, error) {
	u, err := url.Parse(s.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("mockvibes: endpoint %q is not an absolute URL", s.Endpoint)
	}
	if s.Timeout <= 0 {
		s.Timeout = VibesTimeout
	}
	var out []*Exchange
	var cn *conn
	defer func() {
		if cn != nil {
			cn.close()
		}
	}()
	for _, m := range msgs {
		raw, tid := m.Raw, ""
		if m.Case != nil || raw != nil {
			if raw, tid, err = s.prepare(m, u); err != nil {
				return nil, fmt.Errorf("mockvibes: %s: %w", m.Name, err)
			}
		}
		j := &job{msg: m, raw: raw, tid: tid, attempt: 1}
		reused := cn != nil
		var ex *Exchange
		ex, cn = s.attempt(u, cn, j)
		if reused && ex.Status == 0 && len(ex.Response) == 0 && !ex.Timeout {
			ex, cn = s.attempt(u, nil, j)
			ex.Stale = true
		}
		out = append(out, ex)
	}
	return out, nil
}

func (s *Sender) record(ex *Exchange, count int) {
	s.mu.Lock()
	s.done++
	ex.Seq = s.done
	if !s.Discard {
		s.exchanges = append(s.exchanges, ex)
	}
	done := s.done
	s.mu.Unlock()
	if s.Transcript != "" {
		s.writeTranscript(ex)
	}
	if s.Progress != nil {
		s.Progress(done, count, ex)
	}
}

// writeTranscript writes the exchange as two files a replay can use.
func (s *Sender) writeTranscript(ex *Exchange) {
	base := filepath.Join(s.Transcript, fmt.Sprintf("%06d-%s-%d", ex.Seq, safeName(ex.Message), ex.Attempt))
	_ = os.WriteFile(base+".request.http", ex.Request, 0o644)
	if len(ex.Response) > 0 {
		_ = os.WriteFile(base+".response.http", ex.Response, 0o644)
	}
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' {
			return '_'
		}
		return r
	}, filepath.Base(s))
}

// Summary closes a run.
type Summary struct {
	Sent, OK, NotOK, Timeouts, Errors, Retries int
	P50, P95, P99                              time.Duration
	Elapsed                                    time.Duration
	PerSecond                                  float64
}

func summarize(list []*Exchange, elapsed time.Duration) *Summary {
	s := &Summary{Elapsed: elapsed}
	var lat []time.Duration
	for _, e := range list {
		s.Sent++
		if e.Attempt > 1 {
			s.Retries++
		}
		switch {
		case e.OK():
			s.OK++
		case e.Timeout:
			s.Timeouts++
		case e.Status == 0:
			s.Errors++
		default:
			s.NotOK++
		}
		if e.Status != 0 {
			lat = append(lat, e.Duration)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p int) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, len(lat)*p/100)]
	}
	s.P50, s.P95, s.P99 = pct(50), pct(95), pct(99)
	if elapsed > 0 {
		s.PerSecond = float64(s.Sent) / elapsed.Seconds()
	}
	return s
}

func (s *Summary) String() string {
	return fmt.Sprintf("sent %d: %d 2xx, %d non-2xx, %d timeouts, %d errors, %d retries; latency p50 %v p95 %v p99 %v; %.1f msgs/s over %v",
		s.Sent, s.OK, s.NotOK, s.Timeouts, s.Errors, s.Retries, s.P50.Round(10*time.Microsecond), s.P95.Round(10*time.Microsecond),
		s.P99.Round(10*time.Microsecond), s.PerSecond, s.Elapsed.Round(time.Millisecond))
}
