package mockvibes

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"time"
)

// Run sends count messages, cycling through msgs, or keeps sending until
// duration passes when count is 0, then waits for pending retries (within
// ctx). It returns the summary.
func (s *Sender) Run(ctx context.Context, msgs []Message, count int, duration time.Duration) (*Summary, error) {
	if len(msgs) == 0 {
		return nil, fmt.Errorf("mockvibes: nothing to send")
	}
	u, err := url.Parse(s.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("mockvibes: endpoint %q is not an absolute URL", s.Endpoint)
	}
	s.runDefaults()
	if s.Transcript != "" {
		if err := os.MkdirAll(s.Transcript, 0o755); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	f := feed{msgs: msgs, count: count}
	if count <= 0 && duration > 0 {
		f.deadline = start.Add(duration)
	}
	if count <= 0 && duration <= 0 {
		f.count = len(msgs)
	}
	if f.prepared, err = s.prepareFiles(msgs, u); err != nil {
		return nil, err
	}
	if s.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / s.Rate))
		defer t.Stop()
		f.tick = t.C
	}

	jobs := make(chan *job)
	retries := make(chan *job, 1024)
	var pending sync.WaitGroup
	go s.produce(ctx, u, f, jobs, &pending)
	var workers sync.WaitGroup
	for w := 0; w < s.Concurrency; w++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			s.work(ctx, u, jobs, retries, &pending, f.count)
		}()
	}
	go s.scheduleRetries(ctx, u, retries, &pending, f.count)
	workers.Wait()
	pending.Wait()
	close(retries)
	return summarize(s.Exchanges(), time.Since(start)), ctx.Err()
}

// runDefaults fills in what Run needs and was left unset: one connection,
// Vibes' timeout and retry policy.
func (s *Sender) runDefaults() {
	if s.Concurrency <= 0 {
		s.Concurrency = 1
	}
	if s.Timeout <= 0 {
		s.Timeout = VibesTimeout
	}
	if s.RetryInterval <= 0 {
		s.RetryInterval = VibesRetryInterval
	}
	if s.MaxRetries == 0 {
		s.MaxRetries = VibesMaxRetries
	}
}

// prepareFiles prepares the request files among msgs once: a file is sent
// as it is, so every exchange shares those bytes. Corpus cases are left
// nil, to be stamped afresh for each send.
func (s *Sender) prepareFiles(msgs []Message, u *url.URL) ([][]byte, error) {
	prepared := make([][]byte, len(msgs))
	for i, m := range msgs {
		if m.Case == nil {
			raw, _, err := s.prepare(m, u)
			if err != nil {
				return nil, fmt.Errorf("mockvibes: %s: %w", m.Name, err)
			}
			prepared[i] = raw
		}
	}
	return prepared, nil
}

// feed is what the producer makes first attempts from: msgs in turn (the
// files among them already prepared), count of them or, when count is 0,
// until the deadline; one per tick when the rate is bounded.
type feed struct {
	msgs     []Message
	prepared [][]byte
	count    int
	deadline time.Time
	tick     <-chan time.Time
}

// produce makes the first attempts and hands them to the workers, closing
// jobs when it is done; failed attempts come back as retries, not here. A
// message that cannot be prepared is recorded as a failed exchange.
func (s *Sender) produce(ctx context.Context, u *url.URL, f feed, jobs chan<- *job, pending *sync.WaitGroup) {
	defer close(jobs)
	for i := 0; f.count <= 0 || i < f.count; i++ {
		if !f.deadline.IsZero() && time.Now().After(f.deadline) || ctx.Err() != nil {
			break
		}
		if f.tick != nil {
			select {
			case <-f.tick:
			case <-ctx.Done():
				return
			}
		}
		m := f.msgs[i%len(f.msgs)]
		raw, tid := f.prepared[i%len(f.msgs)], ""
		var err error
		if raw == nil {
			raw, tid, err = s.prepare(m, u)
		}
		if err != nil {
			s.record(&Exchange{Message: m.Name, Attempt: 1, Err: err.Error(), Start: time.Now()}, f.count)
			continue
		}
		for _, p := range s.Profiles {
			if p.Duplicate {
				pending.Add(1)
				jobs <- &job{msg: m, raw: raw, tid: tid, attempt: 1}
			}
		}
		pending.Add(1)
		select {
		case jobs <- &job{msg: m, raw: raw, tid: tid, attempt: 1}:
		case <-ctx.Done():
			pending.Done()
			return
		}
	}
}

// scheduleRetries holds each failed attempt until it is due, then resends
// it on a connection of its own; a retry still waiting when ctx ends is
// dropped. It returns when retries is closed.
func (s *Sender) scheduleRetries(ctx context.Context, u *url.URL, retries chan *job, pending *sync.WaitGroup, count int) {
	for j := range retries {
		go func(j *job) {
			select {
			case <-time.After(time.Until(j.due)):
				s.resend(ctx, u, j, retries, pending, count)
			case <-ctx.Done():
				pending.Done()
			}
		}(j)
	}
}

// work is one connection's worker: it sends the jobs in turn, keeping
// its connection alive between them as Vibes does.
func (s *Sender) work(ctx context.Context, u *url.URL, jobs <-chan *job, retries chan<- *job, pending *sync.WaitGroup, count int) {
	var cn *conn
	defer func() {
		if cn != nil {
			cn.close()
		}
	}()
	for j := range jobs {
		cn = s.send(ctx, u, cn, j, retries, pending, count)
	}
}

// resend sends a retry on a connection of its own.
func (s *Sender) resend(ctx context.Context, u *url.URL, j *job, retries chan<- *job, pending *sync.WaitGroup, count int) {
	if cn := s.send(ctx, u, nil, j, retries, pending, count); cn != nil {
		cn.close()
	}
}

// send performs one attempt and schedules the next when it fails.
func (s *Sender) send(ctx context.Context, u *url.URL, cn *conn, j *job, retries chan<- *job, pending *sync.WaitGroup, count int) *conn {
	defer pending.Done()
	ex, cn := s.attempt(u, cn, j)
	s.record(ex, count)
	if !ex.OK() && j.attempt <= s.MaxRetries && s.MaxRetries > 0 && ctx.Err() == nil {
		pending.Add(1)
		retries <- &job{msg: j.msg, raw: j.raw, tid: j.tid, attempt: j.attempt + 1, due: time.Now().Add(s.RetryInterval)}
	}
	return cn
}
