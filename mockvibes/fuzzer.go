package mockvibes

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/mockvibes/mutate"
)

// FuzzSeed is a request the fuzzer mutates: a corpus case or a captured
// file. TransactionID and Dates are the values stamped fresh on every
// send (same length, so no byte count changes).
type FuzzSeed struct {
	Name          string
	Raw           []byte
	TransactionID string
	Dates         []string
}

// CorpusSeeds are the stored cases of a flavour that an endpoint must
// accept (no submit: Vibes sends none), as fuzz seeds.
func CorpusSeeds(f mm7.Flavour) ([]FuzzSeed, error) {
	var out []FuzzSeed
	for _, c := range corpus.All() {
		if c.Flavour != f || c.Expect.Outcome != corpus.Accept || c.Generator != "" || c.Kind == corpus.KindSubmit || c.Size > 256<<10 {
			continue
		}
		raw, err := c.Raw()
		if err != nil {
			return nil, err
		}
		out = append(out, FuzzSeed{Name: c.ID, Raw: raw, TransactionID: c.TransactionID, Dates: c.Dates})
	}
	return out, nil
}

// FileSeed makes a seed of a captured request (a .http file): its
// TransactionID is found by reading it.
func FileSeed(name string, raw []byte) FuzzSeed {
	s := FuzzSeed{Name: name, Raw: raw}
	if req, err := receive.ReadHTTP(raw, receive.Options{Lenient: true}); req != nil && err == nil {
		s.TransactionID = req.TransactionID()
	}
	return s
}

// Finding kinds, and their severities.
const (
	FindCrash      = "crash"
	FindHang       = "hang"
	FindPoisoned   = "poisoned-state"
	FindBare5xx    = "500-without-fault"
	FindMalformed  = "malformed-answer"
	FindInvalid    = "invalid-answer"
	FindAckGarbage = "acknowledged-garbage"

	SeverityError = "error"
	SeverityInfo  = "info"
)

// FindingKinds lists the kinds: what each means, and its severity.
var FindingKinds = []struct{ Kind, Severity, Means string }{
	{FindCrash, SeverityError, "after the mutant the endpoint refused connections: the process died"},
	{FindHang, SeverityError, "no answer, and the connection not closed, within the time limit (the request was whole, or its end was signalled by closing the sending side)"},
	{FindPoisoned, SeverityError, "a valid message sent right after the mutant, on the same connection, was not accepted: the mutant left state behind that loses the next message"},
	{FindBare5xx, SeverityError, "an HTTP 500 without a SOAP Fault (SOAP 1.1 section 6.2: a processing error MUST be a 500 carrying a Fault): the endpoint failed instead of refusing, and says nothing Vibes can log"},
	{FindMalformed, SeverityError, "an answer that is not well-formed XML (or not readable in its declared charset)"},
	{FindInvalid, SeverityError, "an acknowledgement that is not valid against the flavour's schema"},
	{FindAckGarbage, SeverityInfo, "a request that cannot be read as an MM7 message was acknowledged: the endpoint will store it"},
}

// Severity is a kind's severity.
func Severity(kind string) string {
	for _, k := range FindingKinds {
		if k.Kind == kind {
			return k.Severity
		}
	}
	return SeverityError
}

// Fuzzer sends structure-aware mutants of seeds to an endpoint and
// reports what they do to it.
type Fuzzer struct {
	Endpoint string
	Flavour  mm7.Flavour
	Seeds    []FuzzSeed
	// RandSeed fixes the sequence of mutants.
	RandSeed uint64
	// Count and Duration bound the run (0: no bound; one of them is
	// needed); Rate bounds mutants per second across all connections.
	Count       int
	Duration    time.Duration
	Rate        float64
	Concurrency int
	// Timeout bounds each exchange: past it, an exchange is a hang.
	Timeout time.Duration
	// ProbeEvery: a valid message every that many mutants per connection.
	ProbeEvery int
	// RestartWait is how long to wait for a crashed endpoint to come back.
	RestartWait time.Duration
	// MinimiseTime bounds the confirmation and minimisation of each
	// finding.
	MinimiseTime time.Duration
	// MaxPerKind bounds the distinct findings of one kind kept for
	// confirmation (default DefaultMaxPerKind); later ones are counted.
	MaxPerKind int
	// NoGarbageOracle turns off the acknowledged-garbage oracle: reading
	// each acknowledged mutant as MM7 is most of the fuzzer's own work
	// against an endpoint that acknowledges everything.
	NoGarbageOracle bool
	// MaxSteps is the most operations a mutant gets (default 3).
	MaxSteps int
	// Only restricts the operations to some layers.
	Only    []mutate.Layer
	Limits  ResponseLimits
	TLS     *tls.Config
	Schemas *xsd.Schemas
	// Progress, when set, is called after each mutant.
	Progress func(sent int, findings int)

	u     *url.URL
	seeds []*seedState
	probe int // the seed sent as the probe
	gen   *mutate.Generator
	genMu sync.Mutex
	hash  hashWriter
	// digests wait for the mutants before them to be folded into hash;
	// folded counts those that were (at most Concurrency wait).
	digests map[int][sha256.Size]byte
	folded  int
	sent    int
	probes  int
	gate    sync.RWMutex // held for writing while a crashed endpoint restarts
	found   findings
	pace    pacer
	// verdicts caches garbage verdicts by the bytes judged (bounded).
	verdictMu sync.Mutex
	verdicts  map[[32]byte]string
	stopMu    sync.Mutex
	stopped   string
}

type seedState struct {
	FuzzSeed
	msg  *mutate.Message
	kind mm7.Kind
	rel  mm7.Release
	mm7v string
}

type hashWriter interface {
	Write([]byte) (int, error)
	Sum([]byte) []byte
}

// ErrUnreachable is Run's error when the endpoint takes no connection at
// the start.
var ErrUnreachable = errors.New("mockvibes: the endpoint is unreachable")

func (f *Fuzzer) defaults() error {
	u, err := url.Parse(f.Endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("mockvibes: endpoint %q is not an http(s) URL", f.Endpoint)
	}
	f.u = u
	if f.Count <= 0 && f.Duration <= 0 {
		return errors.New("mockvibes: a fuzz run needs a count or a duration")
	}
	if f.Concurrency <= 0 {
		f.Concurrency = 1
	}
	if f.Timeout <= 0 {
		f.Timeout = 10 * time.Second
	}
	if f.ProbeEvery <= 0 {
		f.ProbeEvery = 10
	}
	if f.MinimiseTime <= 0 {
		f.MinimiseTime = 30 * time.Second
	}
	f.Limits = f.Limits.withDefaults()
	f.found.max = f.MaxPerKind
	if f.found.max <= 0 {
		f.found.max = DefaultMaxPerKind
	}
	for _, s := range f.Seeds {
		s.Raw = corpus.Retarget(s.Raw, u)
		m, err := mutate.Parse(s.Raw)
		if err != nil {
			return fmt.Errorf("mockvibes: seed %s: %w", s.Name, err)
		}
		st := &seedState{FuzzSeed: s, msg: m}
		if req, err := receive.ReadHTTP(s.Raw, receive.Options{Lenient: true}); req != nil && err == nil && req.Message() != nil {
			st.kind, st.mm7v = req.Message().Kind(), req.MM7Version()
			st.rel = req.Envelope.Release
		}
		f.seeds = append(f.seeds, st)
	}
	if len(f.seeds) == 0 {
		return errors.New("mockvibes: no seeds to fuzz")
	}
	msgs := make([]*mutate.Message, len(f.seeds))
	for i, s := range f.seeds {
		msgs[i] = s.msg
	}
	f.gen = mutate.NewGenerator(msgs, f.RandSeed)
	if f.MaxSteps > 0 {
		f.gen.MaxSteps = f.MaxSteps
	}
	f.gen.Only = f.Only
	f.hash = sha256.New()
	f.pace = pacer{rate: f.Rate}
	return nil
}

// next makes the next mutant, or says false when the count is reached.
// Mutants are made in parallel; their digests are folded into the
// sequence's hash in sequence order.
func (f *Fuzzer) next() (mutate.Mutant, mutate.Rendered, bool) {
	f.genMu.Lock()
	if f.Count > 0 && f.sent >= f.Count {
		f.genMu.Unlock()
		return mutate.Mutant{}, mutate.Rendered{}, false
	}
	f.sent++
	seq := f.sent
	f.genMu.Unlock()
	mu, r, d := f.gen.Make(seq)
	f.genMu.Lock()
	defer f.genMu.Unlock()
	if f.digests == nil {
		f.digests = map[int][sha256.Size]byte{}
	}
	f.digests[seq] = d
	for {
		next, ok := f.digests[f.folded+1]
		if !ok {
			break
		}
		f.hash.Write(next[:])
		delete(f.digests, f.folded+1)
		f.folded++
	}
	return mu, r, true
}

// stamp gives a request a fresh TransactionID and fresh dates, each the
// same length as the seed's, so every length and chunk size stays right.
func (f *Fuzzer) stamp(s *seedState, wire []byte) []byte {
	if s.TransactionID != "" {
		wire = bytes.ReplaceAll(wire, []byte(s.TransactionID), []byte(freshID(len(s.TransactionID))))
	}
	now := time.Now()
	for _, d := range s.Dates {
		if nd := corpus.Restamp(d, now); len(nd) == len(d) {
			wire = bytes.ReplaceAll(wire, []byte(d), []byte(nd))
		}
	}
	return wire
}

func freshID(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// pacer spaces sends at rate per second across goroutines (0: no limit).
type pacer struct {
	mu   sync.Mutex
	rate float64
	next time.Time
}

func (p *pacer) wait(ctx context.Context) error {
	if p.rate <= 0 {
		return ctx.Err()
	}
	p.mu.Lock()
	now := time.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(time.Duration(float64(time.Second) / p.rate))
	p.mu.Unlock()
	return sleep(ctx, time.Until(at))
}

// refused reports whether the endpoint takes no connection now: it died.
func (f *Fuzzer) refused() bool {
	c, err := net.DialTimeout("tcp", Address(f.u), time.Second)
	if err != nil {
		return true
	}
	c.Close()
	return false
}

// waitUp waits up to RestartWait for the endpoint to take connections.
func (f *Fuzzer) waitUp(ctx context.Context) bool {
	end := time.Now().Add(f.RestartWait)
	for {
		if !f.refused() {
			return true
		}
		if time.Now().After(end) || ctx.Err() != nil {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}
