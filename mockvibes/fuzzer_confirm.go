package mockvibes

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mm7harness/mm7harness/mockvibes/mutate"
)

// Finding is one defect the fuzzer found: its kind, the mutant that shows
// it (minimised), and what came back.
type Finding struct {
	Kind     string        `json:"kind"`
	Severity string        `json:"severity"`
	Seed     string        `json:"seed"`
	Steps    []mutate.Step `json:"steps"`
	// Ops are the operations of Steps, sorted: with Kind, the key the
	// findings are deduplicated on.
	Ops    []string `json:"ops"`
	Detail string   `json:"detail"`
	Status int      `json:"status,omitempty"`
	// FoundSteps are the mutant's steps as first sent, before
	// minimisation.
	FoundSteps []mutate.Step `json:"found_steps"`
	FoundSeq   int           `json:"found_seq"`
	// Reproduced: sending the mutant again showed the same kind;
	// Minimised: steps were dropped while it held (or there was one).
	Reproduced bool   `json:"reproduced"`
	Minimised  bool   `json:"minimised"`
	Note       string `json:"note,omitempty"`
	// Occurrences counts the mutants that showed the same kind with the
	// same operations.
	Occurrences int `json:"occurrences"`
	// File and AnswerFile are the request and the answer beside the
	// report; Replay and Curl resend the request.
	File       string `json:"file,omitempty"`
	AnswerFile string `json:"answer_file,omitempty"`
	Replay     string `json:"replay,omitempty"`
	Curl       string `json:"curl,omitempty"`

	request  []byte
	response []byte
	seed     *seedState
	suspects []*trial
}

// DefaultMaxPerKind bounds the findings kept for confirmation, per kind:
// an endpoint that acknowledges all garbage would otherwise keep every
// mutant, and confirming a hang costs a timeout per try.
const DefaultMaxPerKind = 16

// findings collects what the workers see, deduplicated as it comes.
type findings struct {
	max     int
	mu      sync.Mutex
	list    []*Finding
	byKey   map[string]*Finding
	perKind map[string]int
	dropped int
}

func (fs *findings) add(kind, detail string, t *trial, suspects []*trial) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.byKey == nil {
		fs.byKey, fs.perKind = map[string]*Finding{}, map[string]int{}
	}
	key := kind + "|" + t.seed.Name + "|" + strings.Join(mutate.Names(t.mu.Steps), ",")
	if f := fs.byKey[key]; f != nil {
		f.Occurrences++
		return
	}
	if fs.perKind[kind] >= fs.max {
		fs.dropped++
		return
	}
	fs.perKind[kind]++
	f := &Finding{Kind: kind, Severity: Severity(kind), Seed: t.seed.Name, Steps: t.mu.Steps, FoundSteps: t.mu.Steps, FoundSeq: t.mu.Seq,
		Detail: detail, Occurrences: 1, request: t.wire, seed: t.seed, suspects: suspects}
	if t.answer != nil {
		f.Status, f.response = t.answer.Status, t.answer.Response
	}
	fs.byKey[key] = f
	fs.list = append(fs.list, f)
}

func (fs *findings) count() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.list)
}

// confirm sends each finding's mutant again to see it hold, finds the
// culprit among a poisoned probe's suspects, drops steps while the
// finding holds (each finding within MinimiseTime), and merges the
// findings that come out the same. It returns them, and how many raw
// findings were past the cap.
func (f *Fuzzer) confirm(ctx context.Context) ([]*Finding, int) {
	f.found.mu.Lock()
	raw, dropped := f.found.list, f.found.dropped
	f.found.mu.Unlock()
	var out []*Finding
	merged := map[string]*Finding{}
	for _, fd := range raw {
		if ctx.Err() != nil || f.stop() != "" {
			fd.Note = "not confirmed: the run was stopped"
		} else {
			f.settle(ctx, fd, time.Now().Add(f.MinimiseTime))
		}
		fd.Ops = mutate.Names(fd.Steps)
		key := fd.Kind + "|" + strings.Join(fd.Ops, ",")
		if m := merged[key]; m != nil && fd.Reproduced == m.Reproduced {
			m.Occurrences += fd.Occurrences
			continue
		}
		merged[key] = fd
		out = append(out, fd)
	}
	slices.SortStableFunc(out, func(a, b *Finding) int {
		return strings.Compare(severityRank(a.Severity), severityRank(b.Severity))
	})
	return out, dropped
}

func severityRank(s string) string {
	if s == SeverityError {
		return "0"
	}
	return "1"
}

// settle confirms and minimises one finding by its deadline.
func (f *Fuzzer) settle(ctx context.Context, fd *Finding, deadline time.Time) {
	if fd.Kind == FindPoisoned {
		f.culprit(ctx, fd, deadline)
		if !fd.Reproduced {
			return
		}
	} else {
		fd.Reproduced = f.holds(ctx, fd, fd.seed, fd.Steps)
		if !fd.Reproduced {
			fd.Note = "sent again, the mutant did not show it: it may depend on timing or on what came before"
			return
		}
	}
	steps := slices.Clone(fd.Steps)
	for i := 0; i < len(steps) && len(steps) > 1; {
		if time.Now().After(deadline) || ctx.Err() != nil {
			fd.Note = "minimisation ran out of time"
			break
		}
		fewer := slices.Delete(slices.Clone(steps), i, i+1)
		if f.holds(ctx, fd, fd.seed, fewer) {
			steps = fewer
			continue
		}
		i++
	}
	fd.Minimised = fd.Note == ""
	fd.Steps = steps
}

// culprit finds, among the mutants sent since the last good probe, the
// one after which a probe on the same connection fails. The unchanged
// seed is tried first: when it too is followed by a failing probe, the
// endpoint refuses valid messages whatever came before, and no mutant can
// be blamed.
func (f *Fuzzer) culprit(ctx context.Context, fd *Finding, deadline time.Time) {
	if f.holds(ctx, fd, fd.seed, nil) {
		fd.Note = "the endpoint no longer accepts the valid probe, even after an unchanged message: its state stays poisoned, and the mutant that did it cannot be singled out"
		return
	}
	for _, t := range fd.suspects {
		if time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		if f.holds(ctx, fd, t.seed, t.mu.Steps) {
			fd.Reproduced, fd.seed, fd.Seed, fd.Steps, fd.FoundSteps, fd.FoundSeq = true, t.seed, t.seed.Name, t.mu.Steps, t.mu.Steps, t.mu.Seq
			fd.request, fd.response, fd.Status = t.wire, t.answer.Response, t.answer.Status
			return
		}
	}
	fd.Note = "no mutant sent since the last good probe spoiled a probe when sent again"
}

// holds sends seed with steps again and reports whether it shows the
// finding's kind; the request and answer of a holding trial become the
// finding's.
func (f *Fuzzer) holds(ctx context.Context, fd *Finding, seed *seedState, steps []mutate.Step) bool {
	if fd.Kind == FindCrash && !f.waitUp(ctx) {
		return false
	}
	m, _ := mutate.Apply(seed.msg, steps)
	t := &trial{mu: mutate.Mutant{Steps: steps}, seed: seed, r: m.Render()}
	t.wire = f.stamp(seed, t.r.Wire)
	ex, kept := f.exchange(nil, t.wire, t.r.Short)
	t.answer = ex
	ok := false
	switch fd.Kind {
	case FindCrash:
		ok = ex.Status == 0 && f.refused()
	case FindPoisoned:
		if f.probe < 0 {
			break
		}
		var accepted bool
		accepted, kept = f.probeOn(kept)
		ok = !accepted
	default:
		kind, _ := f.judge(t)
		ok = kind == fd.Kind
	}
	if kept != nil {
		kept.close()
	}
	if ok {
		fd.request, fd.response, fd.Status = t.wire, ex.Response, ex.Status
	}
	return ok
}
