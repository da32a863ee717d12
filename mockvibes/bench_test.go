package mockvibes_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/mockvibes"
)

var wrkRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// BenchmarkSenderVsWrk posts the same body to the same endpoint (a handler
// that reads the body and answers 200) with the same number of connections,
// once with wrk and once with the sender, in the same run. vs-wrk is the
// sender's throughput over wrk's (target ≥ 0.8). wrk is Debian's package
// (bench/install-tools installs it).
func BenchmarkSenderVsWrk(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("SKIPPED: wrk not installed (run bench/install-tools); no baseline to compare with")
	}
	for _, c := range []struct {
		name, id string
		conns    int
	}{{"dlr-1.5KB", "680-dlr-retrieved", 16}, {"mo-50KB", "680-mo-jpeg", 16}} {
		b.Run(c.name, func(b *testing.B) {
			endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
			}))
			defer endpoint.Close()
			cs, _ := corpus.Get(c.id)
			raw, _, _ := cs.StampFor(endpoint.URL+"/mm7", time.Now())
			h, _ := swa.ReadHTTP(raw)
			dir := b.TempDir()
			bodyFile := filepath.Join(dir, "body")
			os.WriteFile(bodyFile, h.Body, 0o644)
			script := filepath.Join(dir, "post.lua")
			os.WriteFile(script, []byte(fmt.Sprintf(`wrk.method = "POST"
local f = io.open(%q, "rb"); wrk.body = f:read("*all"); f:close()
wrk.headers["Content-Type"] = %q
wrk.headers["User-Agent"] = "Java/1.6.0_65"
`, bodyFile, h.ContentType())), 0o644)
			const secs = 3
			var wrkRPS, ours float64
			for i := 0; i < b.N; i++ {
				out, err := exec.Command(wrk, "-t2", "-c"+strconv.Itoa(c.conns), fmt.Sprintf("-d%ds", secs), "-s", script, endpoint.URL+"/mm7").CombinedOutput()
				m := wrkRate.FindSubmatch(out)
				if err != nil || m == nil {
					b.Fatalf("wrk: %v\n%s", err, out)
				}
				wrkRPS, _ = strconv.ParseFloat(string(m[1]), 64)
				s := &mockvibes.Sender{Endpoint: endpoint.URL + "/mm7", Concurrency: c.conns, MaxRetries: -1, Timeout: 10 * time.Second}
				sum, err := s.Run(context.Background(), []mockvibes.Message{{Name: c.id, Raw: raw}}, 0, secs*time.Second)
				if err != nil || sum.OK != sum.Sent {
					b.Fatalf("sender: %v %v", sum, err)
				}
				ours = sum.PerSecond
			}
			b.ReportMetric(ours, "msgs/s")
			b.ReportMetric(wrkRPS, "wrk-msgs/s")
			b.ReportMetric(ours/wrkRPS, "vs-wrk")
		})
	}
}
