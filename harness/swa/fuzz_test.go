package swa_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/mm7harness/mm7harness/harness/swa"
)

var fuzzLimits = swa.Limits{MaxBytes: 1 << 16, MaxParts: 16, MaxDepth: 4, MaxHeaderBytes: 512}

// fuzzSeeds: the seed page's captures, every corpus file once the corpus
// exists, and writer output in both styles.
func fuzzSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "seed", "*.http"))
	corpus, _ := filepath.Glob(filepath.Join("..", "..", "corpus", "*", "*", "*.http"))
	for _, p := range append(files, corpus...) {
		raw, err := os.ReadFile(p)
		if err != nil || len(raw) > 16<<10 {
			continue // large seeds slow the fuzzer down more than they add
		}
		if h, err := swa.ReadHTTP(raw); err == nil {
			f.Add(h.ContentType(), h.Body)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 8; i++ {
		s := swa.Style(i % 2)
		if ct, body, err := (swa.Writer{Style: s}).Write(randomMessage(r, s)); err == nil && len(body) < 1<<15 {
			f.Add(ct, body)
		}
	}
	f.Add("multipart/related; boundary=b", []byte("--b\n\n<a/>\n--b--"))
	f.Add("text/xml; charset=utf-8", []byte(soap))
}

// FuzzRead: the reader never panics, its limits always hold, and whatever
// it accepts is written and read back to the same tree.
func FuzzRead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		m, err := swa.ReadBytes(ct, body, swa.ReadOptions{Limits: fuzzLimits})
		if err != nil {
			return
		}
		parts, depth := 0, 0
		var walk func(p *swa.Part, d int)
		walk = func(p *swa.Part, d int) {
			if p.IsMultipart() && d > depth {
				depth = d
			}
			for _, c := range p.Parts {
				parts++
				walk(c, d+1)
			}
		}
		walk(m.Top, 1)
		if parts > fuzzLimits.MaxParts || depth > fuzzLimits.MaxDepth || int64(len(body)) > fuzzLimits.MaxBytes {
			t.Fatalf("limits broken: %d parts, depth %d, %d bytes", parts, depth, len(body))
		}
		if !bytes.Equal(m.Raw(), body) {
			t.Fatal("Raw differs from the input")
		}
		ct2, body2, err := swa.Writer{}.Write(m)
		if err != nil {
			return // e.g. no boundary avoids content that is all boundaries
		}
		again, err := swa.ReadBytes(ct2, body2, swa.ReadOptions{})
		if err != nil {
			t.Fatalf("writer output does not read: %v\n%q\n%q", err, ct2, body2)
		}
		sameTree(t, m.Top, again.Top)
	})
}
