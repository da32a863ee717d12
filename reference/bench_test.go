package reference_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/internal/pgtest"
	"github.com/mm7harness/mm7harness/reference"
)

// prepared is a request body with its headers, stamped with a fresh
// TransactionID so the receiver stores every one.
type prepared struct {
	ct   string
	body []byte
}

func prepare(b *testing.B, c *corpus.Case, n int) []prepared {
	out := make([]prepared, n)
	for i := range out {
		raw, _, err := c.Stamp(time.Now())
		if err != nil {
			b.Fatal(err)
		}
		h, _ := swa.ReadHTTP(raw)
		out[i] = prepared{h.ContentType(), h.Body}
	}
	return out
}

// result of one load run.
type result struct {
	perSec   float64
	p50, p99 time.Duration
}

// load posts every prepared body once with `conc` keep-alive senders and
// measures throughput and latency: the one load generator for both servers.
func load(b *testing.B, url string, bodies []prepared, conc int) result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	var next atomic.Int64
	lat := make([]time.Duration, len(bodies))
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(bodies) {
					return
				}
				t0 := time.Now()
				req, _ := http.NewRequest("POST", url, bytes.NewReader(bodies[i].body))
				req.Header.Set("Content-Type", bodies[i].ct)
				req.Header.Set("User-Agent", "Java/1.6.0_65")
				rsp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, rsp.Body)
				rsp.Body.Close()
				if rsp.StatusCode != 200 {
					b.Errorf("HTTP %d", rsp.StatusCode)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return result{perSec: float64(len(bodies)) / elapsed.Seconds(), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100]}
}

// BenchmarkReceiverVsNullHandler measures the reference receiver (MIME,
// SOAP decode, schema validation, durable SQLite store, answer) against a
// handler that only reads the body and answers 200, with the same load
// generator in the same run. vs-null is the receiver's throughput over the
// null handler's (target ≥ 0.5).
func BenchmarkReceiverVsNullHandler(b *testing.B) {
	for _, c := range []struct {
		name, id string
		n, conc  int
	}{
		{"dlr-1.5KB", "680-dlr-rejected-multipart", 4000, 16},
		{"mo-50KB", "680-mo-jpeg", 2000, 16},
		{"mo-1MB", "680-mo-size-800k", 200, 8},
	} {
		b.Run(c.name, func(b *testing.B) {
			cs, err := corpus.Get(c.id)
			if err != nil {
				b.Fatal(err)
			}
			null := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.WriteHeader(http.StatusOK)
			}))
			defer null.Close()
			var recv, pipe, base result
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s := start(b, nil)
				// The same receiver with a store that keeps nothing: what
				// parsing, validating and answering cost without storage.
				p := start(b, func(cfg *reference.ServerConfig) { cfg.Store = &nullStore{} })
				bodies := prepare(b, cs, c.n)
				b.StartTimer()
				base = load(b, null.URL, bodies, c.conc)
				recv = load(b, s.URL, bodies, c.conc)
				pipe = load(b, p.URL, bodies, c.conc)
				b.StopTimer()
				s.Close()
				p.Close()
				b.StartTimer()
			}
			b.ReportMetric(recv.perSec, "msgs/s")
			b.ReportMetric(base.perSec, "null-msgs/s")
			b.ReportMetric(recv.perSec/base.perSec, "vs-null")
			b.ReportMetric(pipe.perSec/base.perSec, "nostore-vs-null")
			b.ReportMetric(float64(recv.p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(recv.p99.Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkReceiverScaling shows how the receiver's cost grows with the
// message size (1 KB … 2 MB, 8 senders) and with the number of senders
// (1 … 64, 50 KB messages).
func BenchmarkReceiverScaling(b *testing.B) {
	type point struct {
		name, id string
		n, conc  int
	}
	var points []point
	for _, sz := range []string{"1k", "10k", "100k", "300k", "1m", "2m"} {
		n := map[string]int{"1k": 2000, "10k": 2000, "100k": 600, "300k": 300, "1m": 120, "2m": 60}[sz]
		points = append(points, point{"size-" + sz, "680-mo-size-" + sz, n, 8})
	}
	for _, c := range []int{1, 4, 16, 64} {
		points = append(points, point{fmt.Sprintf("senders-%d", c), "680-mo-jpeg", 1000, c})
	}
	for _, p := range points {
		b.Run(p.name, func(b *testing.B) {
			cs, err := corpus.Get(p.id)
			if err != nil {
				b.Fatal(err)
			}
			var res result
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s := start(b, nil)
				bodies := prepare(b, cs, p.n)
				b.StartTimer()
				res = load(b, s.URL, bodies, p.conc)
				b.StopTimer()
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(res.perSec, "msgs/s")
			b.ReportMetric(res.perSec*float64(cs.Size)/(1<<20), "MB/s")
			b.ReportMetric(float64(res.p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(res.p99.Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkReceiverPostgres measures the receiver storing in PostgreSQL
// (a throwaway local server) at 1 KB, 100 KB and 1 MB, with one receiver
// and with two on the same database sharing the load, against the SQLite
// store in the same run (vs-sqlite).
func BenchmarkReceiverPostgres(b *testing.B) {
	db := pgtest.Start(b)
	for _, c := range []struct {
		name, id string
		n        int
	}{{"1KB", "680-mo-size-1k", 2000}, {"100KB", "680-mo-size-100k", 600}, {"1MB", "680-mo-size-1m", 120}} {
		for _, instances := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s-%d-instance", c.name, instances), func(b *testing.B) {
				cs, err := corpus.Get(c.id)
				if err != nil {
					b.Fatal(err)
				}
				var pg, lite result
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					var urls []string
					var servers []*reference.Server
					for range instances {
						s := start(b, func(cfg *reference.ServerConfig) { cfg.DB = db })
						servers, urls = append(servers, s), append(urls, s.URL)
					}
					sq := start(b, nil)
					bodies := prepare(b, cs, c.n)
					again := prepare(b, cs, c.n)
					b.StartTimer()
					pg = loadSpread(b, urls, bodies, 8)
					lite = load(b, sq.URL, again, 8)
					b.StopTimer()
					for _, s := range append(servers, sq) {
						s.Close()
					}
					b.StartTimer()
				}
				b.ReportMetric(pg.perSec, "msgs/s")
				b.ReportMetric(pg.perSec*float64(cs.Size)/(1<<20), "MB/s")
				b.ReportMetric(lite.perSec, "sqlite-msgs/s")
				b.ReportMetric(pg.perSec/lite.perSec, "vs-sqlite")
				b.ReportMetric(float64(pg.p50.Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(pg.p99.Microseconds())/1000, "p99-ms")
			})
		}
	}
}

// loadSpread is load with the senders split evenly over several
// receivers, as a load balancer spreads them.
func loadSpread(b *testing.B, urls []string, bodies []prepared, conc int) result {
	if len(urls) == 1 {
		return load(b, urls[0], bodies, conc)
	}
	results := make([]result, len(urls))
	per := len(bodies) / len(urls)
	var wg sync.WaitGroup
	start := time.Now()
	for i, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = load(b, u, bodies[i*per:(i+1)*per], conc/len(urls))
		}()
	}
	wg.Wait()
	out := result{perSec: float64(per*len(urls)) / time.Since(start).Seconds()}
	for _, r := range results {
		out.p50, out.p99 = max(out.p50, r.p50), max(out.p99, r.p99)
	}
	return out
}
