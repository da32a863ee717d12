package mutate_test

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/mockvibes/mutate"
)

// seeds are the corpus's accepted cases, stored ones, as parsed messages.
func seeds(t *testing.T) ([]*mutate.Message, [][]byte) {
	t.Helper()
	var ms []*mutate.Message
	var raws [][]byte
	for _, c := range corpus.All() {
		if c.Expect.Outcome != corpus.Accept || c.Generator != "" || c.Kind == corpus.KindSubmit {
			continue
		}
		raw, err := c.Raw()
		if err != nil {
			t.Fatal(err)
		}
		m, err := mutate.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		ms, raws = append(ms, m), append(raws, raw)
	}
	if len(ms) < 20 {
		t.Fatalf("%d seeds", len(ms))
	}
	return ms, raws
}

// A request taken apart and put back together is the same bytes: the
// model loses nothing an operation did not change.
func TestParseRenderIsExact(t *testing.T) {
	ms, raws := seeds(t)
	for i, m := range ms {
		if got := m.Render().Wire; !bytes.Equal(got, raws[i]) {
			n := 0
			for n < len(got) && n < len(raws[i]) && got[n] == raws[i][n] {
				n++
			}
			t.Errorf("seed %d: rendered differently from byte %d: %q", i, n, got[n:min(len(got), n+80)])
		}
	}
}

// Every operation changes some seed, and changes the bytes: an
// operation that never applies tries nothing.
func TestEveryOpApplies(t *testing.T) {
	ms, _ := seeds(t)
	for _, op := range mutate.Ops() {
		applied := false
		for i, m := range ms {
			for arg := range uint64(4) {
				out, ok := mutate.Apply(m, []mutate.Step{{Op: op.Name, Arg: arg}})
				if ok && !bytes.Equal(out.Render().Wire, m.Render().Wire) {
					applied = true
					break
				}
			}
			if applied || i > 40 {
				break
			}
		}
		if !applied {
			t.Errorf("%s changed no seed", op.Name)
		}
	}
}

// The same seeds and random seed give the same mutants; another random
// seed another sequence.
func TestSequenceIsDeterministic(t *testing.T) {
	ms, _ := seeds(t)
	sum := func(s uint64) []byte {
		h := sha256.New()
		g := mutate.NewGenerator(ms, s)
		for range 300 {
			mu, r := g.Next(h)
			again, _ := mutate.Apply(ms[mu.Seed], mu.Steps)
			if !bytes.Equal(again.Render().Wire, r.Wire) {
				t.Fatalf("mutant %d (%s) does not rebuild from its steps", mu.Seq, mutate.Describe(mu.Steps))
			}
		}
		return h.Sum(nil)
	}
	a, b, c := sum(7), sum(7), sum(8)
	if !bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Errorf("seed 7 twice: %x %x; seed 8: %x", a, b, c)
	}
}
