package mockvibes

import (
	"bytes"
	"context"
	"crypto/sha256"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/mockvibes/mutate"
)

// trial is one mutant as sent: the mutant, its seed, its bytes.
type trial struct {
	mu     mutate.Mutant
	seed   *seedState
	r      mutate.Rendered
	wire   []byte // stamped
	answer *Exchange
}

// Run fuzzes the endpoint until the count or the duration is reached, or
// ctx ends (the report then says so), then confirms and minimises what
// it found. It returns ErrUnreachable when the endpoint takes no
// connection at the start; every other end is a report.
func (f *Fuzzer) Run(ctx context.Context) (*FuzzReport, error) {
	if err := f.defaults(); err != nil {
		return nil, err
	}
	if f.refused() {
		return nil, ErrUnreachable
	}
	rep := &FuzzReport{Endpoint: f.Endpoint, Flavour: f.Flavour.Name, RandSeed: f.RandSeed, Seeds: len(f.seeds), Concurrency: f.Concurrency,
		ProbeEvery: f.ProbeEvery, Started: time.Now()}
	rep.ProbeNote = f.chooseProbe()
	runCtx := ctx
	if f.Duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, f.Duration)
		defer cancel()
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range f.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.worker(runCtx)
		}()
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	rep.Mutants, rep.Probes = f.sent, f.probes
	if f.Count > 0 && f.sent > f.Count {
		rep.Mutants = f.Count
	}
	if secs := rep.Elapsed.Seconds(); secs > 0 {
		rep.PerSecond = float64(rep.Mutants) / secs
	}
	rep.SequenceSHA256 = hexSum(f.hash)
	switch {
	case f.stop() != "":
		rep.Stopped = f.stop()
	case ctx.Err() != nil:
		rep.Stopped = "interrupted: the mutants left were not sent"
	}
	rep.Findings, rep.Unexamined = f.confirm(ctx)
	rep.tally()
	return rep, nil
}

// chooseProbe picks the probe: the first seed the endpoint accepts, sent
// before any mutant. Without one, poisoned state cannot be told.
func (f *Fuzzer) chooseProbe() string {
	f.probe = -1
	for i, s := range f.seeds {
		if i >= 8 {
			break
		}
		ex, _ := f.exchange(nil, f.stamp(s, s.Raw), false)
		if check.Accepted(answerOf(ex)) {
			f.probe = i
			return "probe: " + s.Name
		}
	}
	return "no seed was accepted before any mutant: poisoned state is not looked for"
}

func hexSum(h hashWriter) string {
	const digits = "0123456789abcdef"
	sum := h.Sum(nil)
	out := make([]byte, 0, 2*len(sum))
	for _, b := range sum {
		out = append(out, digits[b>>4], digits[b&15])
	}
	return string(out)
}

// worker sends mutants on one keep-alive connection (a framing mutant
// on one of its own), with a probe every ProbeEvery mutants.
func (f *Fuzzer) worker(ctx context.Context) {
	var cn *conn
	defer func() {
		if cn != nil {
			cn.close()
		}
	}()
	var since []*trial
	for ctx.Err() == nil && f.stop() == "" {
		mu, r, ok := f.next()
		if !ok {
			return
		}
		if f.pace.wait(ctx) != nil {
			return
		}
		t := &trial{mu: mu, seed: f.seeds[mu.Seed], r: r}
		t.wire = f.stamp(t.seed, t.r.Wire)
		f.gate.RLock()
		own := mutate.Framing(mu.Steps) || t.r.Short
		use := cn
		if own {
			use = nil
		}
		ex, kept := f.exchange(use, t.wire, t.r.Short)
		t.answer = ex
		if own {
			if kept != nil {
				kept.close()
			}
		} else {
			cn = kept
		}
		kind, detail := f.judge(t)
		f.gate.RUnlock()
		if kind == FindHang || (kind == "" && ex.Status == 0) {
			if f.refused() {
				kind, detail = FindCrash, "the endpoint refused connections after this mutant"
			}
		}
		if kind != "" {
			f.found.add(kind, detail, t, nil)
		}
		if kind == FindCrash {
			cn = nil
			f.restart(ctx)
			since = nil
			continue
		}
		if f.Progress != nil {
			f.Progress(mu.Seq, f.found.count())
		}
		if !own {
			since = append(since, t)
		}
		if f.probe >= 0 && len(since) >= f.ProbeEvery {
			var ok bool
			f.gate.RLock()
			ok, cn = f.probeOn(cn)
			f.gate.RUnlock()
			if !ok {
				f.found.add(FindPoisoned, "the valid probe sent after these mutants was not accepted", since[len(since)-1], since)
			}
			since = nil
		}
	}
}

// restart waits for a crashed endpoint, holding every other worker; the
// run stops when it does not come back.
func (f *Fuzzer) restart(ctx context.Context) {
	f.gate.Lock()
	defer f.gate.Unlock()
	if !f.refused() {
		return
	}
	if !f.waitUp(ctx) {
		f.setStop("the endpoint crashed and did not come back within the restart wait")
	}
}

// probeOn sends the probe on cn (or a new connection) and reports
// whether it was accepted.
func (f *Fuzzer) probeOn(cn *conn) (bool, *conn) {
	s := f.seeds[f.probe]
	f.genMu.Lock()
	f.probes++
	f.genMu.Unlock()
	ex, kept := f.exchange(cn, f.stamp(s, s.Raw), false)
	return check.Accepted(answerOf(ex)), kept
}

// exchange sends wire on cn (nil: a new connection) and reads the answer
// within Timeout; a short request is followed by closing the sending
// side. It returns the connection when it can carry another request.
func (f *Fuzzer) exchange(cn *conn, wire []byte, short bool) (*Exchange, *conn) {
	ex := &Exchange{Start: time.Now(), Request: wire, Reused: cn != nil}
	defer func() { ex.Duration = time.Since(ex.Start) }()
	if cn == nil {
		var err error
		if cn, err = dial(f.u, f.Timeout, f.TLS); err != nil {
			ex.Err, ex.Timeout = err.Error(), isTimeout(err)
			return ex, nil
		}
	}
	send := writer(writeAll)
	if short {
		send = writeThenHalfClose
	}
	res := cn.roundTrip(wire, ex.Start.Add(f.Timeout), send, f.Limits)
	if rsp := res.rsp; rsp != nil {
		ex.Response = rsp.raw
		if res.err == nil {
			ex.Status, ex.Header, ex.Body, ex.Truncated, ex.Closed = rsp.status, rsp.header, rsp.body, rsp.truncated, rsp.closes
		}
	}
	if res.err != nil {
		ex.Err, ex.Timeout = describe(res.err, ex.Response), isTimeout(res.err)
	}
	if !res.reusable || short {
		cn.close()
		return ex, nil
	}
	return ex, cn
}

// writeThenHalfClose sends a request that ends before its framing does,
// then closes the sending side: the server reads the end of the stream
// instead of waiting for bytes that never come.
func writeThenHalfClose(c net.Conn, req []byte) error {
	if _, err := c.Write(req); err != nil {
		return err
	}
	if hc, ok := c.(interface{ CloseWrite() error }); ok {
		return hc.CloseWrite()
	}
	return nil
}

func answerOf(ex *Exchange) check.Answer {
	if ex == nil {
		return check.Answer{}
	}
	return ex.Answer(DefaultResponseLimits.MaxBody)
}

// Answer is the exchange as the checks read it; limit is the most of a
// body that was read.
func (e *Exchange) Answer(limit int) check.Answer {
	return check.Answer{Status: e.Status, Header: e.Header, Body: e.Body, Latency: e.Duration, Err: e.Err, Got: len(e.Response),
		Timeout: e.Timeout, Truncated: e.Truncated, Limit: limit, Closed: e.Closed, Reused: e.Reused, Stale: e.Stale, Interim: e.Interim}
}

// judge is the oracles on one mutant's answer: the kind of finding, or "".
func (f *Fuzzer) judge(t *trial) (kind, detail string) {
	ex := t.answer
	a := answerOf(ex)
	switch {
	case ex.Status == 0 && ex.Timeout && len(ex.Response) == 0:
		return FindHang, "no answer within " + f.Timeout.String()
	case ex.Status == 0 && ex.Timeout:
		return FindHang, "the answer stalled: " + ex.Err
	case ex.Status == 0:
		return "", ""
	case ex.Status == 500:
		// SOAP 1.1 section 6.2: a SOAP error processing the request MUST be
		// a 500 carrying a Fault. Other 5xx (503 busy, a proxy's 502) say
		// nothing of the message and are not judged.
		env, err := check.ReadAnswer(a)
		if err != nil {
			return FindBare5xx, clip("HTTP "+strconv.Itoa(ex.Status)+": "+bodyStart(ex.Body), 300)
		}
		if _, fault := env.Message.(*mm7.Fault); !fault {
			return FindBare5xx, "HTTP " + strconv.Itoa(ex.Status) + " with a " + string(env.Message.Kind()) + ", not a SOAP Fault"
		}
	}
	if looksXML(ex) {
		if _, err := check.ReadAnswer(a); err != nil && check.NotXML(err) {
			return FindMalformed, clip(err.Error(), 300)
		}
	}
	if rel, ok := f.judgeable(ex, a); ok && t.seed.kind != "" {
		// Judged in the answer's own namespace: a mutant may have changed
		// the request's, and answering in it is right. A namespace the
		// schemas do not cover is not judged: not evaluated is not failed.
		in := &check.Input{Flavour: f.Flavour, Request: t.seed.kind, RequestRel: rel, RequestMM7: t.seed.mm7v, Answer: a,
			Profile: check.ProfileVibes, Schemas: f.Schemas, Budget: f.Timeout}
		if r := check.MustGet("schema-valid").Judge(in); r.Verdict == check.Fail {
			return FindInvalid, clip(r.Actual, 300)
		}
	}
	if !f.NoGarbageOracle && check.Accepted(a) {
		if why := f.garbage(t); why != "" {
			return FindAckGarbage, "acknowledged with HTTP " + strconv.Itoa(ex.Status) + "; " + why
		}
	}
	return "", ""
}

// judgeable gives the release of a 2xx SOAP answer the schemas cover.
func (f *Fuzzer) judgeable(ex *Exchange, a check.Answer) (mm7.Release, bool) {
	if ex.Status/100 != 2 || len(bytes.TrimSpace(ex.Body)) == 0 || f.Schemas == nil {
		return "", false
	}
	env, err := check.ReadAnswer(a)
	if err != nil || env == nil || !f.Schemas.Has(env.Release) {
		return "", false
	}
	return env.Release, true
}

// garbage says why what the server got of a mutant cannot be read as an
// MM7 message, however leniently ("": it can). Verdicts are cached by
// the bytes judged: mutants that change only the head share them.
func (f *Fuzzer) garbage(t *trial) string {
	if t.r.Delivered == nil {
		return "the request never arrived whole"
	}
	key := sha256.Sum256(append([]byte(t.r.ContentType+"\x00"), t.r.Delivered...))
	f.verdictMu.Lock()
	why, ok := f.verdicts[key]
	f.verdictMu.Unlock()
	if ok {
		return why
	}
	why = f.whyGarbage(t)
	f.verdictMu.Lock()
	if f.verdicts == nil || len(f.verdicts) >= 4096 {
		f.verdicts = map[[32]byte]string{}
	}
	f.verdicts[key] = why
	f.verdictMu.Unlock()
	return why
}

func (f *Fuzzer) whyGarbage(t *trial) string {
	if t.r.Delivered == nil {
		return "the request never arrived whole"
	}
	if len(t.r.Delivered) == 0 {
		return "the request had no body"
	}
	_, err := receive.Read(t.r.ContentType, bytes.NewReader(t.r.Delivered), int64(len(t.r.Delivered)),
		receive.Options{Schemas: f.Schemas, Lenient: true, Forgive: true})
	if err == nil {
		return ""
	}
	return clip("it does not read as MM7: "+err.Error(), 300)
}

func looksXML(ex *Exchange) bool {
	ct := strings.ToLower(ex.Header.Get("Content-Type"))
	if strings.Contains(ct, "xml") || strings.HasPrefix(ct, "multipart/related") {
		return len(bytes.TrimSpace(ex.Body)) > 0
	}
	return ct == "" && bytes.HasPrefix(bytes.TrimSpace(ex.Body), []byte("<"))
}

func bodyStart(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "an empty body"
	}
	return strings.ToValidUTF8(string(b[:min(len(b), 120)]), "?")
}

// stop says why the run stopped early ("": it did not).
func (f *Fuzzer) stop() string {
	f.stopMu.Lock()
	defer f.stopMu.Unlock()
	return f.stopped
}

func (f *Fuzzer) setStop(why string) {
	f.stopMu.Lock()
	defer f.stopMu.Unlock()
	f.stopped = why
}
