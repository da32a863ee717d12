package mm7_test

import (
	"testing"

	"github.com/mm7harness/mm7harness/harness/internal/mm7gen"
	"github.com/mm7harness/mm7harness/harness/mm7"
)

func benchDocs(b *testing.B, k mm7.Kind) ([]*mm7.Envelope, [][]byte) {
	b.Helper()
	g := mm7gen.New(11, mm7.Flavour680)
	envs := make([]*mm7.Envelope, 64)
	docs := make([][]byte, len(envs))
	for i := range envs {
		envs[i] = g.Envelope(k)
		d, err := mm7.Encode(envs[i])
		if err != nil {
			b.Fatal(err)
		}
		docs[i] = d
	}
	return envs, docs
}

func BenchmarkDecode(b *testing.B) {
	benchKinds(b, func(_ []*mm7.Envelope, docs [][]byte, i int) error {
		_, err := mm7.Decode(docs[i%len(docs)], "utf-8")
		return err
	})
}

// benchKinds runs op over the generated messages of three kinds.
func benchKinds(b *testing.B, op func(envs []*mm7.Envelope, docs [][]byte, i int) error) {
	for _, k := range []mm7.Kind{mm7.KindDeliverReq, mm7.KindDeliveryReportReq, mm7.KindDeliverRsp} {
		b.Run(string(k), func(b *testing.B) {
			envs, docs := benchDocs(b, k)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := op(envs, docs, i); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The Vibes MO as it arrives: a utf-16 declaration over UTF-8 bytes, so the
// declaration is rewritten before parsing.
func BenchmarkDecodeVibesSeed(b *testing.B) {
	doc := readSeed(b, "vibes-680-deliverreq.xml")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := mm7.Decode(doc, "utf-8"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	benchKinds(b, func(envs []*mm7.Envelope, _ [][]byte, i int) error {
		_, err := mm7.Encode(envs[i%len(envs)])
		return err
	})
}
