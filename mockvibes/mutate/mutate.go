package mutate

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Layer is the layer an operation changes.
type Layer string

// The layers.
const (
	LayerHTTP  Layer = "http"
	LayerMIME  Layer = "mime"
	LayerXML   Layer = "xml"
	LayerBytes Layer = "bytes"
)

// Op is one named way to change a request.
type Op struct {
	Name  string
	Layer Layer
	Desc  string
	// Framing ops change where the request ends for the server: a mutant
	// with one goes on a connection of its own, so that what it leaves
	// behind cannot be read as the next request.
	Framing bool
	// apply changes m, drawing what it needs from r; false when the op
	// has nothing to change in this message.
	apply func(m *Message, r *rand.Rand) bool
}

// Step is an operation applied with its argument: the seed of the random
// numbers it drew. The same step on the same message changes it the same
// way.
type Step struct {
	Op  string `json:"op"`
	Arg uint64 `json:"arg"`
}

func (s Step) String() string { return fmt.Sprintf("%s#%x", s.Op, s.Arg) }

// Ops lists every operation, by layer.
func Ops() []*Op { return slices.Clone(ops) }

// Lookup finds an operation by name.
func Lookup(name string) (*Op, bool) {
	i := slices.IndexFunc(ops, func(o *Op) bool { return o.Name == name })
	if i < 0 {
		return nil, false
	}
	return ops[i], true
}

var ops = slices.Concat(httpOps, mimeOps, xmlOps, byteOps)

// Apply applies steps to a copy of m, in order; a step whose op has
// nothing to change is passed over. It reports whether any step applied.
func Apply(m *Message, steps []Step) (*Message, bool) {
	c := m.Clone()
	any := false
	for _, s := range steps {
		op, ok := Lookup(s.Op)
		if ok && op.apply(c, stepRand(s.Arg)) {
			any = true
		}
	}
	return c, any
}

// Framing reports whether any step changes the request's framing.
func Framing(steps []Step) bool {
	return slices.ContainsFunc(steps, func(s Step) bool {
		op, ok := Lookup(s.Op)
		return ok && op.Framing
	})
}

// Names lists the steps' operation names, sorted and once each: what a
// finding is deduplicated on.
func Names(steps []Step) []string {
	out := make([]string, 0, len(steps))
	for _, s := range steps {
		out = append(out, s.Op)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func stepRand(arg uint64) *rand.Rand { return rand.New(rand.NewPCG(arg, arg^0x9e3779b97f4a7c15)) }

// Mutant is a seed and the steps applied to it.
type Mutant struct {
	Seed  int    `json:"-"`
	Steps []Step `json:"steps"`
	// Seq is the mutant's place in the sequence, from 1.
	Seq int `json:"seq"`
}

// Generator draws mutants from seeds, deterministically: mutant number
// seq depends only on the seeds, the random seed and seq, so mutants can
// be made in parallel and still form the same sequence.
type Generator struct {
	seeds []*Message
	seed  uint64
	// MaxSteps is the most steps a mutant gets (default 3).
	MaxSteps int
	// Only, when set, restricts the operations drawn to these layers.
	Only []Layer
	seq  int
}

// NewGenerator draws from seeds (parsed requests) with the random seed s.
func NewGenerator(seeds []*Message, s uint64) *Generator {
	return &Generator{seeds: seeds, seed: s, MaxSteps: 3}
}

// Make makes mutant number seq (from 1) and renders it; digest identifies
// it as built (seed index, steps, bytes), for a hash of the sequence.
// Make may be called from several goroutines at once.
func (g *Generator) Make(seq int) (mu Mutant, r Rendered, digest [sha256.Size]byte) {
	pool := ops
	if len(g.Only) > 0 {
		pool = slices.DeleteFunc(slices.Clone(ops), func(o *Op) bool { return !slices.Contains(g.Only, o.Layer) })
	}
	rng := rand.New(rand.NewPCG(g.seed, uint64(seq)))
	for {
		mu = Mutant{Seed: rng.IntN(len(g.seeds)), Seq: seq}
		m := g.seeds[mu.Seed].Clone()
		n := 1 + rng.IntN(max(1, g.MaxSteps))
		for tries := 0; len(mu.Steps) < n && tries < 4*n; tries++ {
			st := Step{Op: pool[rng.IntN(len(pool))].Name, Arg: rng.Uint64()}
			op, _ := Lookup(st.Op)
			if op.apply(m, stepRand(st.Arg)) {
				mu.Steps = append(mu.Steps, st)
			}
		}
		if len(mu.Steps) == 0 {
			continue
		}
		r = m.Render()
		h := sha256.New()
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(mu.Seed))
		h.Write(b[:])
		for _, s := range mu.Steps {
			h.Write([]byte(s.String() + "\n"))
		}
		h.Write(r.Wire)
		h.Sum(digest[:0])
		return mu, r, digest
	}
}

// Next makes the mutant after the last one Next made, and writes its
// digest into h (nil: none).
func (g *Generator) Next(h interface{ Write([]byte) (int, error) }) (Mutant, Rendered) {
	g.seq++
	mu, r, d := g.Make(g.seq)
	if h != nil {
		h.Write(d[:])
	}
	return mu, r
}

// Describe lists the steps for a person: "http/length-short, xml/drop-element".
func Describe(steps []Step) string {
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.Op
	}
	return strings.Join(names, ", ")
}
