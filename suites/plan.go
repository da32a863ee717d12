package suites

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/mockvibes"
)

// Every exchange happens before any spec judges: the specs assert on the
// records (data flows one way: send, record, judge), and the run stays bounded
// whatever the endpoint does. Each exchange is cut off at its own time
// limit; the run stops sending when --max-duration is reached, or when the
// endpoint has answered none of the last few messages in time (it is too
// slow to certify, and waiting for each message would take minutes to
// say so).

// breakerAfter is how many exchanges in a row without an answer in time
// stop the sending.
const breakerAfter = 8

// keptResponse is how much of an answer over the size limit the report
// keeps: the answer is junk by then, and only its start is worth showing.
const keptResponse = 64 << 10

// Exchange is one request and its answer, as the report shows them. The
// bytes are written to files beside the report, not into it.
type Exchange struct {
	Seq           int           `json:"seq"`
	Case          string        `json:"case"`
	Purpose       string        `json:"purpose"` // message, negative, after-negative, retry, concurrency
	TransactionID string        `json:"transaction_id,omitempty"`
	Started       time.Time     `json:"started"`
	Latency       time.Duration `json:"latency_ns"`
	Status        int           `json:"status,omitempty"` // 0: no complete answer
	Interim       []int         `json:"interim,omitempty"`
	Timeout       bool          `json:"timeout,omitempty"`
	Truncated     bool          `json:"truncated,omitempty"`
	Closed        bool          `json:"closed,omitempty"`
	Reused        bool          `json:"connection_reused,omitempty"`
	Stale         bool          `json:"stale,omitempty"`
	Err           string        `json:"error,omitempty"`
	RequestBytes  int64         `json:"request_bytes"`
	// Chunked: the peer sent the request body chunked (a client's submit;
	// the request file holds it de-chunked, with its length).
	Chunked       bool `json:"chunked,omitempty"`
	ResponseBytes int  `json:"response_bytes"`
	// RequestFile and ResponseFile name the raw bytes beside report.json
	// (a request is written for the cases that did not pass; a streamed
	// case is replayed with `mm7harness play --cases`).
	RequestFile  string `json:"request_file,omitempty"`
	ResponseFile string `json:"response_file,omitempty"`

	request  []byte
	response []byte
	answer   check.Answer
	streamed bool
	notSent  *notSent // set when the exchange was not made
}

// notSent is why a probe's exchanges were not made.
type notSent struct {
	why string
	// harness: the harness's own limit (--max-duration) stopped it, which
	// leaves the run incomplete; otherwise the endpoint's conduct did.
	harness bool
}

// plan makes the exchanges of a run.
type plan struct {
	cfg      *Config
	start    time.Time
	progress io.Writer

	mu        sync.Mutex
	seq       int
	exchanges []*Exchange
	silent    int // exchanges in a row without an answer in time
	stopped   *notSent

	// What each probe got, by probe.
	sent map[*probe][]*Exchange
	skip map[*probe]*notSent
	// baseline is the good case answered on its own (sendBaseline).
	baseline *Exchange
}

func newPlan(cfg *Config) *plan {
	return &plan{cfg: cfg, start: time.Now(), progress: cfg.Progress, sent: map[*probe][]*Exchange{}, skip: map[*probe]*notSent{}}
}

// run makes the exchanges of every probe sel selects: valid messages
// first, then retries and concurrency, then the negative cases.
func (pl *plan) run(probes []*probe, sel *selection) {
	for _, kind := range []probeKind{probeMessage, probeRetry, probeConcurrency, probeNegative} {
		if kind != probeMessage && pl.baseline == nil && slices.ContainsFunc(probes, func(p *probe) bool { return p.kind == kind && sel.any(p) }) {
			pl.sendBaseline(probes)
		}
		for _, p := range probes {
			if p.kind != kind || !sel.any(p) {
				continue
			}
			if why := pl.halted(); why != nil {
				pl.skip[p] = why
				continue
			}
			pl.sent[p] = pl.probe(p)
		}
	}
}

// sendBaseline makes sure the good case (the valid message sent after
// bad input, for retries and for load) has been answered on its own, before
// any bad input: what the endpoint does with it regardless is the measure
// of what bad input changes. Its own probe's exchange serves when it was
// sent; otherwise it is sent once for this.
func (pl *plan) sendBaseline(probes []*probe) {
	for _, p := range probes {
		if p.kind == probeMessage && p.c == pl.cfg.goodCase && pl.sent[p] != nil {
			pl.baseline = pl.sent[p][0]
			return
		}
	}
	if why := pl.halted(); why != nil {
		pl.baseline = &Exchange{Case: pl.cfg.goodCase.ID, Purpose: "baseline", notSent: why}
		return
	}
	pl.baseline = pl.send(pl.cfg.goodCase, "baseline", pl.cfg.Budget+pl.cfg.Grace, nil)
}

// halted says why sending has stopped, if it has.
func (pl *plan) halted() *notSent {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.stopped == nil && pl.cfg.MaxDuration > 0 && time.Since(pl.start) > pl.cfg.MaxDuration {
		pl.stopped = &notSent{why: fmt.Sprintf("not sent: the run reached --max-duration (%v)", pl.cfg.MaxDuration), harness: true}
	}
	return pl.stopped
}

func (pl *plan) probe(p *probe) []*Exchange {
	valid := pl.cfg.Budget + pl.cfg.Grace
	switch p.kind {
	case probeMessage:
		return []*Exchange{pl.send(p.c, "message", valid, nil)}
	case probeRetry:
		// The resend goes on the same connection, as Vibes' keep-alive
		// client sends: it also shows whether the endpoint kept it open.
		return pl.sendPair(p.c, valid)
	case probeConcurrency:
		out := make([]*Exchange, pl.cfg.Concurrency)
		var wg sync.WaitGroup
		for i := range out {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				out[i] = pl.send(p.c, "concurrency", valid, nil)
			}(i)
		}
		wg.Wait()
		return out
	}
	bad := pl.cfg.BadInputTimeout
	if p.c.Expect.Allows(corpus.ReactTimeout) {
		// Silence is a right answer to this one: waiting longer for it
		// proves nothing.
		bad = valid
	}
	first := pl.send(p.c, "negative", bad, nil)
	if why := pl.halted(); why != nil {
		return []*Exchange{first, {Case: pl.cfg.goodCase.ID, Purpose: "after-negative", notSent: why}}
	}
	return []*Exchange{first, pl.send(pl.cfg.goodCase, "after-negative", valid, nil)}
}

// send makes one exchange: c stamped afresh, or raw resent as it is.
func (pl *plan) send(c *corpus.Case, purpose string, timeout time.Duration, raw []byte) *Exchange {
	m := mockvibes.Message{Name: c.ID, Case: c}
	if raw != nil {
		m = mockvibes.Message{Name: c.ID, Raw: raw}
	}
	return pl.sendAll(c, purpose, timeout, []mockvibes.Message{m})[0]
}

// sendPair sends c, then the very same bytes again on the same
// connection: a resend, as Vibes makes one.
func (pl *plan) sendPair(c *corpus.Case, timeout time.Duration) []*Exchange {
	raw, tid, err := c.StampFor(pl.cfg.Endpoint, time.Now())
	if err != nil {
		ns := &notSent{why: "not sent: " + err.Error(), harness: true}
		return []*Exchange{{Case: c.ID, Purpose: "retry", notSent: ns}, {Case: c.ID, Purpose: "retry", notSent: ns}}
	}
	m := mockvibes.Message{Name: c.ID, Raw: raw}
	out := pl.sendAll(c, "retry", timeout, []mockvibes.Message{m, m})
	for _, ex := range out {
		ex.TransactionID = tid
	}
	return out
}

// sendAll makes the exchanges of msgs on one keep-alive connection.
func (pl *plan) sendAll(c *corpus.Case, purpose string, timeout time.Duration, msgs []mockvibes.Message) []*Exchange {
	s := &mockvibes.Sender{Endpoint: pl.cfg.Endpoint, Timeout: timeout, TLS: pl.cfg.TLS,
		Limits: mockvibes.ResponseLimits{MaxBody: pl.cfg.MaxAnswer}}
	out := make([]*Exchange, len(msgs))
	mxs, err := s.DoAll(msgs)
	for i := range msgs {
		out[i] = &Exchange{Case: c.ID, Purpose: purpose, Started: time.Now(), streamed: c.Generator != ""}
		if err != nil {
			// The corpus could not make the request: the harness's failure.
			out[i].notSent = &notSent{why: "not sent: " + err.Error(), harness: true}
			continue
		}
		pl.fill(out[i], mxs[i])
		pl.record(out[i], purpose != "concurrency")
	}
	return out
}

// fill copies what an exchange got into the report's record.
func (pl *plan) fill(ex *Exchange, mx *mockvibes.Exchange) {
	ex.Started, ex.TransactionID, ex.Latency, ex.Status, ex.Interim = mx.Start, mx.TransactionID, mx.Duration, mx.Status, mx.Interim
	ex.Timeout, ex.Truncated, ex.Closed, ex.Reused, ex.Stale, ex.Err = mx.Timeout, mx.Truncated, mx.Closed, mx.Reused, mx.Stale, mx.Err
	ex.RequestBytes, ex.ResponseBytes = int64(len(mx.Request)), len(mx.Response)
	if !ex.streamed {
		ex.request = mx.Request // kept for the report and a resend; a streamed case is made again instead
	}
	// Copies, so that what is kept holds no more memory than it shows:
	// the reader's buffers grow past what they hold.
	response, body := mx.Response, mx.Body
	if mx.Truncated {
		response, body = response[:min(len(response), keptResponse)], body[:min(len(body), keptResponse)]
	}
	ex.response, body = bytes.Clone(response), bytes.Clone(body)
	ex.answer = mx.Answer(pl.cfg.MaxAnswer)
	ex.answer.Body = body
}

// record numbers an exchange and counts it towards stopping when it was
// sent on its own (counts).
func (pl *plan) record(ex *Exchange, counts bool) {
	pl.mu.Lock()
	pl.seq++
	ex.Seq = pl.seq
	pl.exchanges = append(pl.exchanges, ex)
	switch {
	case !counts:
	case ex.Timeout:
		pl.silent++
	default:
		pl.silent = 0
	}
	if pl.silent >= breakerAfter && pl.stopped == nil {
		// Stopping is the harness's choice: what it leaves unjudged is not
		// run, so a run that failed nothing else is INCOMPLETE, never
		// CONFORMANT.
		pl.stopped = &notSent{why: fmt.Sprintf("not sent: the endpoint answered none of the last %d messages within the time limit", breakerAfter), harness: true}
	}
	pl.mu.Unlock()
	if pl.progress != nil {
		fmt.Fprintf(pl.progress, "%4d %-14s %-40s %s\n", ex.Seq, ex.Purpose, ex.Case, ex.summary())
	}
}

// summary is the exchange in a few words.
func (ex *Exchange) summary() string {
	switch {
	case ex.Status == 0:
		return fmt.Sprintf("no answer (%s) after %v", ex.Err, ex.Latency.Round(time.Millisecond))
	case ex.Truncated:
		return fmt.Sprintf("HTTP %d, over the size limit, in %v", ex.Status, ex.Latency.Round(time.Millisecond))
	}
	return fmt.Sprintf("HTTP %d in %v", ex.Status, ex.Latency.Round(time.Millisecond))
}
