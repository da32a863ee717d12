package xsd_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/internal/mm7gen"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/internal/benchtime"
)

// corpus6 returns n encoder-written 6.8.0 envelopes of every kind.
func corpus6(b *testing.B, n int) [][]byte {
	b.Helper()
	g := mm7gen.New(5, mm7.Flavour680)
	docs := make([][]byte, n)
	for i := range docs {
		d, err := mm7.Encode(g.Envelope(mm7gen.Kinds[i%len(mm7gen.Kinds)]))
		if err != nil {
			b.Fatal(err)
		}
		docs[i] = d
	}
	return docs
}

func BenchmarkValidate(b *testing.B) {
	s := embedded(b)
	for _, k := range []mm7.Kind{mm7.KindDeliverReq, mm7.KindDeliveryReportReq, mm7.KindDeliverRsp} {
		b.Run(string(k), func(b *testing.B) {
			d, err := mm7.Encode(mm7gen.New(9, mm7.Flavour680).Envelope(k))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(d)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if r := s.Validate(d); !r.Valid() {
					b.Fatal(r.Errors)
				}
			}
		})
	}
}

func BenchmarkValidateParallel(b *testing.B) {
	s := embedded(b)
	docs := corpus6(b, 256)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			s.Validate(docs[i%len(docs)])
			i++
		}
	})
}

// BenchmarkValidateVsXmllint compares in-process validation of N documents
// with one `xmllint --noout --schema S f1 … fN` run over the same documents
// (the same libxml2, the schema compiled once), measured in the same run.
// speed-vs-xmllint is xmllint's time per document divided by ours: 1.0 is
// as fast, the target is ≥ 0.8.
func BenchmarkValidateVsXmllint(b *testing.B) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		b.Skip("SKIPPED: xmllint not installed (Debian package libxml2-utils); no baseline to compare with")
	}
	const n = 2000
	docs := corpus6(b, n)
	dir := b.TempDir()
	for name, body := range xsd.EmbeddedFiles() {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	args := []string{"--noout", "--nonet", "--schema", filepath.Join(dir, "REL-6-MM7-1-4.xsd")}
	for i, d := range docs {
		p := filepath.Join(dir, fmt.Sprintf("doc%04d.xml", i))
		if err := os.WriteFile(p, d, 0o644); err != nil {
			b.Fatal(err)
		}
		args = append(args, p)
	}
	var runs []time.Duration
	for r := 0; r < 3; r++ {
		start := time.Now()
		out, err := exec.Command(xmllint, args...).CombinedOutput()
		if err != nil {
			b.Fatalf("xmllint: %v\n%s", err, out[:min(len(out), 2000)])
		}
		runs = append(runs, time.Since(start))
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i] < runs[j] })
	xmllintPerDoc := float64(runs[1].Nanoseconds()) / n

	s := embedded(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := s.Validate(docs[i%n]); !r.Valid() {
			b.Fatal(r.Errors)
		}
	}
	oursPerDoc := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(xmllintPerDoc, "xmllint-ns/doc")
	b.ReportMetric(xmllintPerDoc/oursPerDoc, "speed-vs-xmllint")
}

// BenchmarkParseOnce: validating and decoding an MM7 envelope from one
// libxml2 parse (ValidateParsed, then DecodeParsed: the receiver's path)
// against parsing it twice (Validate, then Decode on the bytes), in the
// same run. speedup is how many times faster the one parse is.
func BenchmarkParseOnce(b *testing.B) {
	s := embedded(b)
	g := mm7gen.New(9, mm7.Flavour680)
	for _, k := range []mm7.Kind{mm7.KindDeliverReq, mm7.KindDeliveryReportReq} {
		b.Run(string(k), func(b *testing.B) {
			d, err := mm7.Encode(g.Envelope(k))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(d)))
			twice := func() {
				if r := s.Validate(d); !r.Valid() {
					b.Fatal(r.Errors)
				}
				if _, err := mm7.Decode(d, ""); err != nil {
					b.Fatal(err)
				}
			}
			once := func() {
				r, p := s.ValidateParsed(d, "")
				if !r.Valid() || p == nil {
					b.Fatal(r.Errors)
				}
				if _, err := (mm7.DecodeOptions{}).DecodeParsed(d, p); err != nil {
					b.Fatal(err)
				}
			}
			per := func(f func()) float64 { return benchtime.PerOp(300*time.Millisecond, f) }
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				once()
			}
			b.StopTimer()
			tw, on := per(twice), per(once)
			b.ReportMetric(tw/1e3, "twice-µs/op")
			b.ReportMetric(on/1e3, "once-µs/op")
			b.ReportMetric(tw/on, "speedup")
		})
	}
}
