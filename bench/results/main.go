// Command results runs every comparison against the performance targets side by side
// several times and writes bench/RESULTS.md: the machine, the commands,
// each figure as the median of the runs with min and max, each ratio
// against its baseline and target, and how the receiver's cost grows with
// message size and senders. `make bench` runs it.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// job is one `go test -bench` invocation.
type job struct {
	pkg, bench string
	count      int
	benchtime  string
}

var jobs = []job{
	{"./harness/xsd", "^BenchmarkValidateVsXmllint$", 5, ""},
	{"./harness/xsd", "^BenchmarkValidate$", 5, ""},
	{"./harness/mm7", "^Benchmark(Decode|Encode)$", 5, ""},
	{"./harness/xsd", "^BenchmarkParseOnce$", 5, ""},
	{"./harness/receive", "^BenchmarkReadHTTP$", 5, ""},
	{"./harness/swa", "^BenchmarkReadVsMimeMultipart$", 5, ""},
	{"./harness/swa", "^BenchmarkDecodeBase64$", 5, ""},
	{"./mockvibes", "^BenchmarkSenderVsWrk$", 3, "1x"},
	{"./mockvibes", "^BenchmarkFuzzVsPlay$", 3, "1x"},
	{"./reference", "^BenchmarkReceiverVsNullHandler$", 5, "1x"},
	{"./reference", "^BenchmarkReceiverScaling$", 3, "1x"},
	{"./reference", "^BenchmarkReceiverPostgres$", 3, "1x"},
	{"./reference", "^BenchmarkReceiverFair$", 3, "1x"},
}

// target is one comparison against a performance target.
type target struct {
	what, bench, metric string
	want                float64
	atMost              bool
	baseline            string
}

var targets = []target{
	{"in-process validation vs one `xmllint --schema` run over the same 2,000 documents", "BenchmarkValidateVsXmllint", "speed-vs-xmllint", 0.8, false, "xmllint (libxml2-utils)"},
	{"MIME reader vs `mime/multipart`, 300 KB (base64)", "BenchmarkReadVsMimeMultipart/300KB-base64", "speed-vs-stdlib", 1.0, false, "mime/multipart + base64 decoding"},
	{"MIME reader vs `mime/multipart`, 2 MB (base64)", "BenchmarkReadVsMimeMultipart/2MB-base64", "speed-vs-stdlib", 1.0, false, "mime/multipart + base64 decoding"},
	{"MIME reader vs `mime/multipart`, 2 MB (binary)", "BenchmarkReadVsMimeMultipart/2MB-binary", "speed-vs-stdlib", 1.0, false, "mime/multipart"},
	{"heap to read a 2 MB message, per byte of it (base64)", "BenchmarkReadVsMimeMultipart/2MB-base64", "heap-x-size", 3, true, "the message's size"},
	{"heap to read a 2 MB message, per byte of it (binary)", "BenchmarkReadVsMimeMultipart/2MB-binary", "heap-x-size", 3, true, "the message's size"},
	{"sender vs wrk, same body and connections, 1.5 KB", "BenchmarkSenderVsWrk/dlr-1.5KB", "vs-wrk", 0.8, false, "wrk"},
	{"sender vs wrk, same body and connections, 50 KB", "BenchmarkSenderVsWrk/mo-50KB", "vs-wrk", 0.8, false, "wrk"},
	{"fuzz vs play, same seeds and connections, a null endpoint", "BenchmarkFuzzVsPlay", "vs-play", 0.8, false, "play"},
	{"receiver vs its floor 1/(1/null + 1/validate), server and load in processes pinned apart, 1 KB", "BenchmarkReceiverFair/1KB", "vs-floor", 0.6, false, "null server + in-process validation"},
	{"receiver vs its floor, pinned apart, 50 KB", "BenchmarkReceiverFair/50KB", "vs-floor", 0.6, false, "null server + in-process validation"},
	{"receiver's stored MB/s vs the disk's durable write bandwidth (dd conv=fdatasync), 1 MB", "BenchmarkReceiverFair/1MB", "vs-disk", 0.6, false, "dd conv=fdatasync"},
	{"receiver's stored MB/s vs the disk, 2 MB", "BenchmarkReceiverFair/2MB", "vs-disk", 0.6, false, "dd conv=fdatasync"},
	{"receiver p99 over p50, 100 KB, 8 senders, pinned apart", "BenchmarkReceiverFair/100KB", "p99-over-p50", 4, true, "its own p50"},
	{"receiver (parse, validate, durable store, answer) vs a body-reading null handler, 1.5 KB", "BenchmarkReceiverVsNullHandler/dlr-1.5KB", "vs-null", 0.5, false, "null handler"},
	{"receiver vs null handler, 50 KB", "BenchmarkReceiverVsNullHandler/mo-50KB", "vs-null", 0.5, false, "null handler"},
	{"receiver vs null handler, 1 MB", "BenchmarkReceiverVsNullHandler/mo-1MB", "vs-null", 0.5, false, "null handler"},
}

// samples holds every value seen: benchmark → metric → values.
type samples map[string]map[string][]float64

func (s samples) add(bench, metric string, v float64) {
	if s[bench] == nil {
		s[bench] = map[string][]float64{}
	}
	s[bench][metric] = append(s[bench][metric], v)
}

type stat struct{ median, min, max float64 }

func (s samples) stat(bench, metric string) (stat, bool) {
	vs := append([]float64(nil), s[bench][metric]...)
	if len(vs) == 0 {
		return stat{}, false
	}
	sort.Float64s(vs)
	m := vs[len(vs)/2]
	if len(vs)%2 == 0 {
		m = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
	}
	return stat{m, vs[0], vs[len(vs)-1]}, true
}

// parse reads `go test -bench` output lines into s.
func parse(out []byte, s samples) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i] // drop the -GOMAXPROCS suffix
			}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err == nil {
				s.add(name, f[i+1], v)
			}
		}
	}
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			return strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
		}
	}
	return "unknown"
}

func fmtv(v float64) string {
	switch {
	case v >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func main() {
	out := flag.String("o", "bench/RESULTS.md", "where to write the results")
	flag.Parse()
	started := time.Now()
	s, cmds, err := runJobs()
	if err != nil {
		fmt.Fprintf(os.Stderr, "results: %v\n", err)
		os.Exit(1)
	}
	var w strings.Builder
	writeMachine(&w, started)
	writeTargets(&w, s)
	writeScaling(&w, s)
	writeEveryFigure(&w, s)
	writeCommands(&w, cmds)
	if err := os.WriteFile(*out, []byte(w.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s\n", *out)
}

// runJobs runs every job in turn and gathers its figures, with the
// commands as run for the report; it stops at the first job that fails,
// its error holding that job's output.
func runJobs() (samples, []string, error) {
	s := samples{}
	var cmds []string
	for _, j := range jobs {
		args := []string{"test", "-run", "^$", "-bench", j.bench, "-benchmem", "-count", strconv.Itoa(j.count)}
		if j.benchtime != "" {
			args = append(args, "-benchtime", j.benchtime)
		}
		args = append(args, j.pkg)
		cmds = append(cmds, "go "+strings.Join(args, " "))
		fmt.Fprintf(os.Stderr, "running %s\n", cmds[len(cmds)-1])
		b, err := exec.Command("go", args...).CombinedOutput()
		if err != nil {
			return nil, nil, fmt.Errorf("%v\n%s", err, b)
		}
		parse(b, s)
	}
	return s, cmds, nil
}

// writeMachine writes the title and the machine the figures come from, so
// a reader can tell whether two reports compare.
func writeMachine(w *strings.Builder, started time.Time) {
	goVersion, _ := exec.Command("go", "env", "GOVERSION").Output()
	fmt.Fprintf(w, "# Benchmark results\n\nWritten by `make bench` (bench/results) on %s in %v.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), time.Since(started).Round(time.Second))
	fmt.Fprintf(w, "Machine: %d cores, %s; %s, GOMAXPROCS %d. Each figure is the median of the runs, with min–max; every ratio compares with its baseline measured in the same run.\n\n",
		runtime.NumCPU(), cpuModel(), strings.TrimSpace(string(goVersion)), runtime.GOMAXPROCS(0))
}

// writeTargets writes one row per performance target: its median against
// what it should reach, and whether it does.
func writeTargets(w *strings.Builder, s samples) {
	fmt.Fprintln(w, "## Targets")
	fmt.Fprintln(w, "\n| comparison | baseline | median | min–max | target | met |\n|---|---|---|---|---|---|")
	for _, t := range targets {
		st, ok := s.stat(t.bench, t.metric)
		if !ok {
			fmt.Fprintf(w, "| %s | %s | not measured | | | |\n", t.what, t.baseline)
			continue
		}
		met := st.median >= t.want
		op := "≥"
		if t.atMost {
			met, op = st.median <= t.want, "≤"
		}
		mark := "yes"
		if !met {
			mark = "**no — shortfall**"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s–%s | %s %s | %s |\n", t.what, t.baseline, fmtv(st.median), fmtv(st.min), fmtv(st.max), op, fmtv(t.want), mark)
	}
}

// writeScaling writes one row per scaling point of the receiver, sizes
// small to large, then senders, so the growth reads down the table.
func writeScaling(w *strings.Builder, s samples) {
	fmt.Fprintln(w, "\n## How the receiver's cost grows\n\nWith message size (8 senders) and with senders (50 KB messages): `BenchmarkReceiverScaling`.\n\n| point | msgs/s | MB/s | p50 ms | p99 ms |\n|---|---|---|---|---|")
	var names []string
	for n := range s {
		if strings.HasPrefix(n, "BenchmarkReceiverScaling/") {
			names = append(names, n)
		}
	}
	sort.SliceStable(names, func(i, j int) bool { return order(names[i]) < order(names[j]) })
	for _, n := range names {
		row := "| " + strings.TrimPrefix(n, "BenchmarkReceiverScaling/")
		for _, m := range []string{"msgs/s", "MB/s", "p50-ms", "p99-ms"} {
			st, _ := s.stat(n, m)
			row += " | " + fmtv(st.median)
		}
		fmt.Fprintln(w, row+" |")
	}
}

// writeEveryFigure writes every benchmark and metric seen, sorted by name,
// so nothing measured goes unreported.
func writeEveryFigure(w *strings.Builder, s samples) {
	fmt.Fprintln(w, "\n## Every figure\n\n| benchmark | metric | median | min | max |\n|---|---|---|---|---|")
	var all []string
	for n := range s {
		all = append(all, n)
	}
	sort.Strings(all)
	for _, n := range all {
		var ms []string
		for m := range s[n] {
			ms = append(ms, m)
		}
		sort.Strings(ms)
		for _, m := range ms {
			st, _ := s.stat(n, m)
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", n, m, fmtv(st.median), fmtv(st.min), fmtv(st.max))
		}
	}
}

// writeCommands writes the commands as run, so a reader can run them again.
func writeCommands(w *strings.Builder, cmds []string) {
	fmt.Fprint(w, "\n## Commands\n\n")
	for _, c := range cmds {
		fmt.Fprintf(w, "    %s\n", c)
	}
}

// order sorts the scaling points: sizes small to large, then senders.
func order(name string) int {
	keys := []string{"size-1k", "size-10k", "size-100k", "size-300k", "size-1m", "size-2m", "senders-1", "senders-4", "senders-16", "senders-64"}
	for i, k := range keys {
		if strings.HasSuffix(name, "/"+k) {
			return i
		}
	}
	return len(keys)
}
