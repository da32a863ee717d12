package mockvibes_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/mockvibes"
)

// BenchmarkFuzzVsPlay: mutants per second against a null endpoint (it
// reads the body and answers 200), as a ratio to play's messages per
// second with the same seeds and the same concurrency, measured side by
// side (target: at least 0.8, mutation must not be the bottleneck). The
// null endpoint acknowledges every mutant, so each is also judged for
// acknowledged garbage: the fuzzer's most expensive oracle, always run.
func BenchmarkFuzzVsPlay(b *testing.B) {
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer endpoint.Close()
	v, _ := mm7.ParseFlavour("6.8.0")
	seeds, err := mockvibes.CorpusSeeds(v)
	if err != nil {
		b.Fatal(err)
	}
	var msgs []mockvibes.Message
	for _, s := range seeds {
		c, err := corpus.Get(s.Name)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, mockvibes.Message{Name: s.Name, Case: c})
	}
	schemas, err := xsd.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	const conns, count = 4, 4000
	var fuzzRate, bareRate, playRate float64
	rate := func(i int, noGarbage bool) float64 {
		f := &mockvibes.Fuzzer{Endpoint: endpoint.URL + "/mm7", Flavour: v, Seeds: seeds, RandSeed: uint64(i + 1), Count: count,
			Concurrency: conns, Timeout: 10 * time.Second, Schemas: schemas, MinimiseTime: time.Millisecond, MaxPerKind: 1, NoGarbageOracle: noGarbage}
		rep, err := f.Run(context.Background())
		if err != nil || rep.Mutants != count {
			b.Fatalf("fuzz: %v, %d mutants", err, rep.Mutants)
		}
		return float64(rep.Mutants) / rep.Elapsed.Seconds()
	}
	for i := 0; i < b.N; i++ {
		s := &mockvibes.Sender{Endpoint: endpoint.URL + "/mm7", Concurrency: conns, MaxRetries: -1, Timeout: 10 * time.Second}
		start := time.Now()
		sum, err := s.Run(context.Background(), msgs, count, 0)
		if err != nil || sum.Sent != count {
			b.Fatalf("play: %v %v", sum, err)
		}
		playRate = float64(sum.Sent) / time.Since(start).Seconds()
		fuzzRate, bareRate = rate(i, false), rate(i, true)
	}
	b.ReportMetric(fuzzRate, "mutants/s")
	b.ReportMetric(playRate, "play-msgs/s")
	b.ReportMetric(fuzzRate/playRate, "vs-play")
	b.ReportMetric(bareRate/playRate, "vs-play-no-garbage-oracle")
}
