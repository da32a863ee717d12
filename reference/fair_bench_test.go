package reference_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// BenchmarkReceiverFair measures the receiver as a deployment sees it:
// the server in its own process pinned to one core, the load (wrk with
// fresh TransactionIDs, or the project's sender where wrk is missing) in
// another pinned to the other, the body-reading null server measured the
// same way in the same run. It
// reports each figure against its physical floor:
//   - small messages (1 KB, 50 KB): parsing and validating is the job, so
//     the floor is 1 / (1/null + 1/validate), the null server's rate and
//     the in-process decode-and-validate rate of the same message in a
//     process pinned to one core (vs-floor, target ≥ 0.6);
//   - large messages (1 MB, 2 MB): the disk, the filesystem's sequential
//     durable write bandwidth (dd conv=fdatasync, in the same folder as the
//     database) against the receiver's stored MB/s (vs-disk, target ≥ 0.6);
//   - 100 KB with 8 senders: p99 over p50 (target ≤ 4).
//
// It needs taskset and two cores; with fewer it is skipped, and says so.
func BenchmarkReceiverFair(b *testing.B) {
	taskset, err := exec.LookPath("taskset")
	if err != nil || runtime.NumCPU() < 2 {
		b.Skip("SKIPPED: needs taskset and two cores to pin the server and the load apart")
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "mm7harness")
	null := filepath.Join(dir, "nullserver")
	for out, pkg := range map[string]string{bin: "./cmd/mm7harness", null: "./bench/nullserver"} {
		if o, err := exec.Command("go", "build", "-o", out, "github.com/mm7harness/mm7harness/"+pkg[2:]).CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, o)
		}
	}
	disk := diskBandwidth(b, dir)
	// The load is wrk where it is installed (make bench installs it), the
	// project's sender otherwise.
	wrk, _ := exec.LookPath("wrk")
	if wrk == "" {
		b.Log("wrk not installed: the load is mm7harness play, which caps the null server's rate for large messages")
	}
	for _, c := range []struct {
		name, id string
		n, conc  int
		large    bool
	}{
		{"1KB", "680-mo-size-1k", 6000, 8, false},
		{"50KB", "680-mo-jpeg", 3000, 8, false},
		{"100KB", "680-mo-size-100k", 1500, 8, false},
		{"1MB", "680-mo-size-1m", 200, 8, true},
		{"2MB", "680-mo-size-2m", 100, 8, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			cs, err := corpus.Get(c.id)
			if err != nil {
				b.Fatal(err)
			}
			send := playLoad(taskset, bin, cs, c.n, c.conc)
			if wrk != "" {
				send = wrkLoad(taskset, wrk, cs, c.conc, 4*time.Second, dir)
			}
			var recv, base play
			var validate float64
			for i := 0; i < b.N; i++ {
				db := filepath.Join(dir, fmt.Sprintf("fair-%s-%d.db", c.name, i))
				recv = pinnedRun(b, taskset, []string{bin, "serve", "--db", db, "--log", "text"}, send)
				base = pinnedRun(b, taskset, []string{null}, send)
				validate = validateRate(b, taskset, cs)
				os.Remove(db)
				os.RemoveAll(db + ".blobs")
			}
			b.ReportMetric(recv.perSec, "msgs/s")
			b.ReportMetric(base.perSec, "null-msgs/s")
			b.ReportMetric(validate, "validate-msgs/s")
			b.ReportMetric(recv.perSec/base.perSec, "vs-null")
			floor := 1 / (1/base.perSec + 1/validate)
			b.ReportMetric(floor, "floor-msgs/s")
			b.ReportMetric(recv.perSec/floor, "vs-floor")
			mb := recv.perSec * float64(cs.Size) / 1e6
			b.ReportMetric(mb, "MB/s")
			if c.large {
				b.ReportMetric(disk, "disk-MB/s")
				b.ReportMetric(mb/disk, "vs-disk")
				// What the transport itself allows: the null server, which
				// stores nothing, against the same disk. A ratio above it
				// is out of any server's reach in this set-up.
				b.ReportMetric(base.perSec*float64(cs.Size)/1e6/disk, "null-vs-disk")
			}
			b.ReportMetric(recv.p50, "p50-ms")
			b.ReportMetric(recv.p99, "p99-ms")
			b.ReportMetric(recv.p99/recv.p50, "p99-over-p50")
			// The same for the null server: what one pinned core serving 8
			// connections gives whatever the handler does.
			b.ReportMetric(base.p99/base.p50, "null-p99-over-p50")
		})
	}
}

// play is what one load run measured.
type play struct{ perSec, p50, p99 float64 }

// sender sends the case at the server on addr from core 0 and says what
// it measured.
type sender func(b *testing.B, addr string) play

var playSummary = regexp.MustCompile(`sent (\d+): (\d+) 2xx.*latency p50 ([0-9.]+)(µs|ms|s) p95 [0-9.]+(?:µs|ms|s) p99 ([0-9.]+)(µs|ms|s); ([0-9.]+) msgs/s`)

// pinnedRun starts server (its argv, an --addr added) on core 1, waits
// for it, sends it the load, and stops it.
func pinnedRun(b *testing.B, taskset string, server []string, send sender) play {
	b.Helper()
	addr := freeAddr(b)
	args := append([]string{"-c", "1"}, server...)
	args = append(args, "--addr", addr)
	srv := exec.Command(taskset, args...)
	srv.Stdout, srv.Stderr = nil, nil
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := http.Get("http://" + addr + "/healthz"); err == nil {
			c.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s did not come up", server[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
	return send(b, addr)
}

func latencyMS(v, unit []byte) float64 {
	f, _ := strconv.ParseFloat(string(v), 64)
	return f * map[string]float64{"µs": 0.001, "us": 0.001, "ms": 1, "s": 1000}[string(unit)]
}

// playLoad is n copies of the case from the project's sender, conc at a
// time, each with a fresh TransactionID.
func playLoad(taskset, bin string, cs *corpus.Case, n, conc int) sender {
	return func(b *testing.B, addr string) play {
		out, err := exec.Command(taskset, "-c", "0", bin, "play", "--endpoint", "http://"+addr+"/mm7", "--flavour", cs.Flavour.Name,
			"--cases", cs.ID, "--count", strconv.Itoa(n), "--concurrency", strconv.Itoa(conc)).CombinedOutput()
		m := playSummary.FindSubmatch(out)
		if err != nil || m == nil || string(m[1]) != string(m[2]) {
			b.Fatalf("play: %v\n%s", err, lastLines(out, 5))
		}
		rate, _ := strconv.ParseFloat(string(m[7]), 64)
		return play{perSec: rate, p50: latencyMS(m[3], m[4]), p99: latencyMS(m[5], m[6])}
	}
}

var (
	wrkRequests = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkP50      = regexp.MustCompile(`\s50(?:\.000)?%\s+([0-9.]+)(us|ms|s)`)
	wrkP99      = regexp.MustCompile(`\s99(?:\.000)?%\s+([0-9.]+)(us|ms|s)`)
	wrkFailed   = regexp.MustCompile(`Non-2xx or 3xx responses|Socket errors`)
)

// wrkLoad is wrk on one thread with conc connections for d, as the issue
// that asked for fair measurement measured: the case's body, with a Lua
// script giving each request a fresh TransactionID of the same length.
// wrk sends large bodies faster than the project's sender, so the null
// server's ceiling is the transport's, not the sender's.
func wrkLoad(taskset, wrk string, cs *corpus.Case, conc int, d time.Duration, dir string) sender {
	return func(b *testing.B, addr string) play {
		raw, tid, err := cs.Stamp(time.Now())
		if err != nil {
			b.Fatal(err)
		}
		h, err := swa.ReadHTTP(raw)
		if err != nil || tid == "" || !bytes.Contains(h.Body, []byte(tid)) {
			b.Fatalf("%s: no TransactionID to replace (%v)", cs.ID, err)
		}
		body := filepath.Join(dir, cs.ID+".body")
		script := filepath.Join(dir, cs.ID+".lua")
		if err := os.WriteFile(body, h.Body, 0o644); err != nil {
			b.Fatal(err)
		}
		lua := fmt.Sprintf(`wrk.method = "POST"
wrk.headers["Content-Type"] = %q
wrk.headers["User-Agent"] = "Java/1.6.0_65"
local f = io.open(%q, "rb"); local body = f:read("*all"); f:close()
local tid = %q
local i = body:find(tid, 1, true)
local head, tail = body:sub(1, i - 1), body:sub(i + #tid)
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, head .. string.format("%%0%dd", n) .. tail)
end
`, h.ContentType(), body, tid, len(tid))
		if err := os.WriteFile(script, []byte(lua), 0o644); err != nil {
			b.Fatal(err)
		}
		out, err := exec.Command(taskset, "-c", "0", wrk, "-t1", "-c"+strconv.Itoa(conc), "-d"+strconv.Itoa(int(d.Seconds()))+"s",
			"--timeout", "10s", "--latency", "-s", script, "http://"+addr+"/mm7").CombinedOutput()
		rate, p50, p99 := wrkRequests.FindSubmatch(out), wrkP50.FindSubmatch(out), wrkP99.FindSubmatch(out)
		if err != nil || rate == nil || p50 == nil || p99 == nil || wrkFailed.Match(out) {
			b.Fatalf("wrk: %v\n%s", err, out)
		}
		perSec, _ := strconv.ParseFloat(string(rate[1]), 64)
		return play{perSec: perSec, p50: latencyMS(p50[1], p50[2]), p99: latencyMS(p99[1], p99[2])}
	}
}

func lastLines(b []byte, n int) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return bytes.Join(lines[max(0, len(lines)-n):], []byte("\n"))
}

// validateRate is how many times a second the receiver's unavoidable
// work on the case — MIME, SOAP, schema — is done in-process on one core:
// in a process of its own pinned to core 1, as the servers are, so that
// its garbage collection is paid on that core too and not on the idle
// other one. The process is this test binary, running
// TestFairValidateHelper.
func validateRate(b *testing.B, taskset string, cs *corpus.Case) float64 {
	b.Helper()
	cmd := exec.Command(taskset, "-c", "1", os.Args[0], "-test.run", "^TestFairValidateHelper$", "-test.v")
	cmd.Env = append(os.Environ(), fairValidateEnv+"="+cs.ID)
	out, err := cmd.CombinedOutput()
	m := regexp.MustCompile(`validate-rate ([0-9.]+)`).FindSubmatch(out)
	if err != nil || m == nil {
		b.Fatalf("validate helper: %v\n%s", err, lastLines(out, 5))
	}
	rate, _ := strconv.ParseFloat(string(m[1]), 64)
	return rate
}

const fairValidateEnv = "MM7HARNESS_FAIR_VALIDATE_CASE"

// TestFairValidateHelper is BenchmarkReceiverFair's helper process; run
// by itself it has nothing to do.
func TestFairValidateHelper(t *testing.T) {
	id := os.Getenv(fairValidateEnv)
	if id == "" {
		t.Skip("the helper process of BenchmarkReceiverFair, run only by it")
	}
	cs, err := corpus.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := xsd.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := cs.Stamp(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	n, start := 0, time.Now()
	for time.Since(start) < 2*time.Second {
		if _, err := receive.ReadHTTP(raw, receive.Options{Schemas: schemas, Forgive: true}); err != nil {
			t.Fatal(err)
		}
		n++
	}
	fmt.Printf("validate-rate %.1f (GOMAXPROCS %d)\n", float64(n)/time.Since(start).Seconds(), runtime.GOMAXPROCS(0))
}

// diskBandwidth is the sequential durable write bandwidth of dir's
// filesystem in MB/s: dd of 256 MB with conv=fdatasync.
func diskBandwidth(b *testing.B, dir string) float64 {
	f := filepath.Join(dir, "dd.out")
	defer os.Remove(f)
	start := time.Now()
	out, err := exec.Command("dd", "if=/dev/zero", "of="+f, "bs=1M", "count=256", "conv=fdatasync").CombinedOutput()
	if err != nil {
		b.Fatalf("dd: %v\n%s", err, out)
	}
	return 256 * (1 << 20) / 1e6 / time.Since(start).Seconds()
}
