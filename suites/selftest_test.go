package suites_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/internal/needs"
	"github.com/mm7harness/mm7harness/reference"
	"github.com/mm7harness/mm7harness/reference/referencetest"
	"github.com/mm7harness/mm7harness/suites/internal/broken"
	"github.com/mm7harness/mm7harness/suites/internal/peers"
)

// The certification runs in the built binary: Ginkgo runs specs once per
// process, and this is how users run it.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mm7harness-selftest")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "mm7harness")
	if out, err := exec.Command("go", "build", "-o", binary, "github.com/mm7harness/mm7harness/cmd/mm7harness").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct{ Case, Check, Verdict, Expected, Actual, Reason string }

type outcome struct {
	code   int
	report struct {
		Verdict   string
		Stopped   string
		Counts    map[string]int
		Checks    []result
		Scenarios []struct{ ID string }
		Exchanges []struct {
			Case, Purpose string
			Chunked       bool
		}
	}
	dir      string
	stdout   string
	stderr   string
	took     time.Duration
	maxRSSKB int64 // the certify process's peak resident memory
}

func (o *outcome) ids(verdict string) []string {
	var out []string
	for _, c := range o.report.Checks {
		if c.Verdict == verdict && !slices.Contains(out, c.Check) {
			out = append(out, c.Check)
		}
	}
	return out
}

func (o *outcome) failedIDs() []string { return o.ids("fail") }

// nonPassing lists the results that are fail, warn or not-run.
func (o *outcome) nonPassing() []string {
	var out []string
	for _, c := range o.report.Checks {
		if c.Verdict == "fail" || c.Verdict == "warn" || c.Verdict == "not-run" {
			out = append(out, fmt.Sprintf("%s %s %s: %s %s", c.Verdict, c.Case, c.Check, c.Actual, c.Reason))
		}
	}
	return out
}

// certify runs `mm7harness certify --quiet` with args (a later
// --quiet=false undoes it). Standard output holds the summary and nothing
// else: its first line is the table's header, or it is empty when no run
// was made.
func certify(t *testing.T, args ...string) *outcome {
	t.Helper()
	o := &outcome{dir: t.TempDir()}
	cmd := exec.Command(binary, append([]string{"certify", "--report-dir", o.dir, "--quiet"}, args...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	peak, err := runMeasured(cmd)
	o.took = time.Since(start)
	o.stdout, o.stderr, o.maxRSSKB = stdout.String(), stderr.String(), peak
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		o.code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(o.dir, "report.json")); err == nil {
		if err := json.Unmarshal(b, &o.report); err != nil {
			t.Fatalf("report.json: %v", err)
		}
	}
	first, _, _ := strings.Cut(o.stdout, "\n")
	switch {
	case o.report.Verdict != "" && !strings.HasPrefix(first, "CHECK "):
		t.Errorf("certify %v: got first line of standard output %q, want the summary's header CHECK …\n%s", args, first, o.stdout)
	case o.report.Verdict == "" && o.stdout != "":
		t.Errorf("certify %v made no run, yet wrote to standard output:\n%s", args, o.stdout)
	}
	return o
}

func startReference(t *testing.T, cfg reference.ServerConfig) *reference.Server {
	t.Helper()
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 2 * time.Second
	}
	return referencetest.Start(t, cfg)
}

// wrap serves a defect (or a correct variant) around a reference handler.
func wrap(t *testing.T, d broken.Defect) string {
	t.Helper()
	store, err := reference.OpenSQLite(filepath.Join(t.TempDir(), "b.db"), reference.SyncNormal)
	if err != nil {
		t.Fatal(err)
	}
	h, err := reference.NewHandler(reference.Config{}, store)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.Handler(h))
	t.Cleanup(func() { srv.Close(); store.Close() })
	return srv.URL + "/mm7"
}

// conformant fails the test unless o is CONFORMANT with nothing failed,
// nothing left unrun, and a real number of checks judged.
func conformant(t *testing.T, name string, o *outcome) {
	t.Helper()
	if o.code != 0 || o.report.Verdict != "CONFORMANT" || o.report.Counts["pass"] < 100 || o.report.Counts["fail"] > 0 || o.report.Counts["not-run"] > 0 {
		t.Errorf("%s: exit %d, %s, counts %v\n%s\n%s", name, o.code, o.report.Verdict, o.report.Counts, strings.Join(o.nonPassing(), "\n"), o.stdout)
	}
}

// The reference receiver is conformant in both flavours and both answer
// modes, under the vibes profile; and under strict when it answers SOAP. A
// full run stays small on disk: report.json names the raw exchanges.
func TestReferenceReceiverCertifies(t *testing.T) {
	t.Parallel()
	for _, mode := range []reference.ResponseMode{reference.ResponseSOAP, reference.ResponseBlank} {
		s := startReference(t, reference.ServerConfig{Config: reference.Config{Response: mode}})
		for _, v := range mm7.FlavourNames() {
			o := certify(t, "--endpoint", s.URL, "--flavour", v)
			conformant(t, string(mode)+" "+v, o)
			if !strings.Contains(o.stdout, "CONFORMANT") {
				t.Errorf("%s %s: no verdict in the summary:\n%s", mode, v, o.stdout)
			}
			if n := dirSize(t, o.dir); n > 4<<20 {
				t.Errorf("%s %s: the report takes %d bytes, want a few MB at most", mode, v, n)
			}
			if st, err := os.Stat(filepath.Join(o.dir, "report.json")); err != nil || st.Size() > 1<<20 {
				t.Errorf("%s %s: report.json: %v", mode, v, st)
			}
		}
	}
	s := startReference(t, reference.ServerConfig{})
	for _, v := range mm7.FlavourNames() {
		conformant(t, "strict "+v, certify(t, "--endpoint", s.URL, "--flavour", v, "--profile", "strict"))
	}
}

func dirSize(t *testing.T, dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// Correct endpoints that are not the reference receiver as it stands are
// CONFORMANT too: one that sends 100 Continue before every answer, and one
// lenient about every case where the choice is the receiver's (it accepts
// 100,000 parts, deep nesting, a 1 MB part header, a 10 MB header line, a
// 20 MB body, stray base64, any Content-Type, a GET).
func TestCorrectButDifferentEndpointsAreConformant(t *testing.T) {
	t.Parallel()
	for _, d := range broken.Correct {
		url := wrap(t, d)
		for _, v := range mm7.FlavourNames() {
			conformant(t, d.Name+" "+v, certify(t, "--endpoint", url, "--flavour", v))
		}
	}
	lenient := startReference(t, reference.ServerConfig{
		Config: reference.Config{Lenient: true, MaxBody: 64 << 20,
			Limits: swa.Limits{MaxParts: 200000, MaxDepth: 64, MaxHeaderBytes: 4 << 20}},
		MaxHeaderBytes: 16 << 20})
	for _, v := range mm7.FlavourNames() {
		o := certify(t, "--endpoint", lenient.URL, "--flavour", v)
		conformant(t, "lenient "+v, o)
		// It accepted every survive case, and was judged on each.
		accepted := map[string]bool{}
		for _, c := range o.report.Checks {
			if c.Check == "robust-answers" && c.Verdict == "pass" && strings.Contains(c.Actual, "(accepted)") {
				accepted[strings.SplitN(c.Case, "-neg-", 2)[1]] = true
			}
		}
		for _, name := range []string{"parts-100000", "deep-nesting", "part-header-1mb", "body-20mb", "header-line-10mb",
			"invalid-base64", "content-type-html", "no-content-type", "no-close-delimiter", "href-unresolved"} {
			if !accepted[name] {
				t.Errorf("lenient %s: %s was not judged accepted", v, name)
			}
		}
	}
}

// An endpoint built on Java's SAAJ reference implementation (the stack
// behind Vibes' own sender), validating against the schemas, is CONFORMANT
// in both flavours and both profiles; told to echo a wrong TransactionID,
// it fails rsp-transaction-id and nothing else. (It runs on its own, not
// beside the parallel tests: SAAJ takes seconds over 100,000 parts, and a
// loaded machine must not make that a verdict.)
func TestSAAJEndpoint(t *testing.T) {
	url := peers.StartSAAJ(t, peers.SAAJOptions{})
	for _, v := range mm7.FlavourNames() {
		for _, profile := range []string{"vibes", "strict"} {
			o := certify(t, "--endpoint", url, "--flavour", v, "--profile", profile)
			conformant(t, "SAAJ "+v+" "+profile, o)
			t.Logf("SAAJ %s %s: %v in %v; warnings %v", v, profile, o.report.Counts, o.took.Round(time.Millisecond), o.ids("warn"))
		}
	}
	wrong := peers.StartSAAJ(t, peers.SAAJOptions{WrongTransactionID: true})
	for _, v := range mm7.FlavourNames() {
		o := certify(t, "--endpoint", wrong, "--flavour", v)
		if o.code != 1 || !slices.Equal(o.failedIDs(), []string{"rsp-transaction-id"}) {
			t.Errorf("SAAJ echoing a wrong TransactionID, %s: exit %d, failed %v; want exactly rsp-transaction-id\n%s", v, o.code, o.failedIDs(), o.stdout)
		}
	}
}

// Every broken endpoint fails the check that names its defect, and no
// unrelated check; a hostile one does not make the harness's memory grow
// with what it sends.
func TestBrokenEndpointsFailTheirCheck(t *testing.T) {
	if len(broken.Defects) < 24 {
		t.Fatalf("%d defects, want at least 24", len(broken.Defects))
	}
	for _, d := range broken.Defects {
		if d.Slow {
			continue
		}
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"--endpoint", wrap(t, d), "--flavour", "6.8.0",
				"--cases", "680-mo-seed,680-dlr-retrieved,680-neg-malformed-xml,680-neg-xxe-file", "--concurrency", "4"}, d.Args...)
			o := certify(t, args...)
			failed := o.failedIDs()
			if o.code != 1 || o.report.Verdict != "NOT CONFORMANT" || !slices.Contains(failed, d.Fails) {
				t.Fatalf("exit %d, %s, failed %v: want exit 1 with %s failing\n%s", o.code, o.report.Verdict, failed, d.Fails, o.stdout)
			}
			for _, id := range failed {
				if id != d.Fails && !slices.Contains(d.Allowed, id) {
					t.Errorf("unrelated check %s failed:\n%s", id, strings.Join(o.nonPassing(), "\n"))
				}
			}
			// An answer that came but cannot be read is no proper reaction
			// to bad input either (a warning under the vibes profile).
			if d.Fails == "transport-answer" && d.Name != "closed-connection" {
				for _, c := range o.report.Checks {
					if c.Check == "robust-answers" && c.Verdict != "warn" {
						t.Errorf("%s: robust-answers %s (%s), want a warning", c.Case, c.Verdict, c.Actual)
					}
				}
			}
			if o.maxRSSKB > 200<<10 {
				t.Errorf("certify peaked at %d MB of memory", o.maxRSSKB>>10)
			}
			if o.took > time.Minute {
				t.Errorf("took %v", o.took)
			}
		})
	}
}

// An endpoint that answers every message correctly but after 5 s: a full
// run ends well within a minute, failing transport-latency and nothing
// else, and says why it stopped sending.
func TestSlowEndpointEndsQuickly(t *testing.T) {
	t.Parallel()
	n := 0
	for _, d := range broken.Defects {
		if !d.Slow {
			continue
		}
		n++
		o := certify(t, "--endpoint", wrap(t, d), "--flavour", "6.8.0")
		if o.code != 1 || !slices.Equal(o.failedIDs(), []string{d.Fails}) {
			t.Errorf("%s: exit %d, failed %v, want only %s\n%s", d.Name, o.code, o.failedIDs(), d.Fails, o.stdout)
		}
		// What was left unsent is not run, never passed.
		if o.took > 45*time.Second || o.report.Stopped == "" || o.report.Counts["not-run"] == 0 {
			t.Errorf("%s: took %v, stopped %q, counts %v", d.Name, o.took, o.report.Stopped, o.report.Counts)
		}
	}
	if n == 0 {
		t.Fatal("no slow defect to run")
	}
}

// A full run against an endpoint that answers every message with 1.5 MiB
// of junk keeps what it read small: the harness's memory is bounded by its
// own limits, not by what the endpoint sends (it once took 780 MB here,
// keeping every truncated answer's whole buffer).
func TestHostileAnswersStayWithinMemory(t *testing.T) {
	t.Parallel()
	n := 0
	for _, d := range broken.Defects {
		if d.Name != "junk-over-1mib" && d.Name != "endless-chunked" {
			continue
		}
		n++
		o := certify(t, "--endpoint", wrap(t, d), "--flavour", "6.8.0")
		if o.code != 1 || o.maxRSSKB > 300<<10 {
			t.Errorf("%s: exit %d, peak memory %d MB", d.Name, o.code, o.maxRSSKB>>10)
		}
		if n := dirSize(t, o.dir); n > 40<<20 {
			t.Errorf("%s: the report takes %d bytes", d.Name, n)
		}
	}
	if n != 2 {
		t.Fatalf("%d hostile defects found, want 2", n)
	}
}

// Regression: timeouts of messages sent at once stopped the run, and the
// robustness checks it never sent were n/a — CONFORMANT with nothing
// judged. Only messages sent alone count towards stopping.
func TestLoadTimeoutsDoNotStopTheRun(t *testing.T) {
	t.Parallel()
	o := certify(t, "--endpoint", wrap(t, broken.OneAtATime), "--flavour", "6.8.0", "--concurrency", "32",
		"--cases", "680-mo-seed,680-dlr-retrieved,680-neg-malformed-xml,680-neg-xxe-file,680-neg-deep-nesting")
	if o.code != 0 || o.report.Stopped != "" || !slices.Equal(o.ids("warn"), []string{"concurrency-all-answered"}) {
		t.Errorf("exit %d, stopped %q, warnings %v\n%s", o.code, o.report.Stopped, o.ids("warn"), o.stdout)
	}
	judged := 0
	for _, c := range o.report.Checks {
		if strings.HasPrefix(c.Check, "robust-") && c.Verdict == "pass" {
			judged++
		}
	}
	if judged < 10 {
		t.Errorf("%d robustness checks passed, want every one judged", judged)
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	if o := certify(t, "--endpoint", "http://127.0.0.1:1/mm7", "--flavour", "6.8.0"); o.code != 3 {
		t.Errorf("unreachable: exit %d, want 3", o.code)
	}
	for _, args := range [][]string{{"--flavour", "6.8.0"}, {"--endpoint", "http://x/", "--flavour", "7"},
		{"--endpoint", "http://x/", "--flavour", "6.8.0", "--profile", "lax"}, {"--endpoint", "http://x/", "--flavour", "6.8.0", "--skip-checks", "nope"},
		{"--endpoint", "http://x/", "--flavour", "6.8.0", "--label-filter", "level:MUST &&"}} {
		if o := certify(t, args...); o.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, o.code)
		}
	}
	out, err := exec.Command(binary, "certify", "--list").Output()
	if err != nil || !strings.Contains(string(out), "rsp-transaction-id") || strings.Count(string(out), "\n") != len(check.Catalogue())+1 {
		t.Errorf("--list: %v\n%s", err, out)
	}
	// --list shows the catalogue the suites run, in its order.
	var listed, catalogue []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n")[1:] {
		listed = append(listed, strings.Fields(line)[0])
	}
	for _, c := range check.Catalogue() {
		catalogue = append(catalogue, c.ID)
	}
	if !slices.Equal(listed, catalogue) {
		t.Errorf("--list: got IDs %v, want the catalogue's %v", listed, catalogue)
	}

	// A run the harness cut short is INCOMPLETE (exit 2), never CONFORMANT.
	s := startReference(t, reference.ServerConfig{})
	o := certify(t, "--endpoint", s.URL, "--flavour", "6.8.0", "--max-duration", "1ns")
	if o.code != 2 || o.report.Verdict != "INCOMPLETE" || o.report.Counts["not-run"] == 0 || o.report.Counts["pass"] != 0 {
		t.Errorf("--max-duration 1ns: exit %d, %s, %v", o.code, o.report.Verdict, o.report.Counts)
	}

	// A --report-dir that cannot be written is refused before anything is
	// sent.
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o644)
	cmd := exec.Command(binary, "certify", "--endpoint", srv.URL, "--flavour", "6.8.0", "--report-dir", file, "--quiet")
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || hits.Load() != 0 {
		t.Errorf("--report-dir naming a file: %v, %d requests sent", err, hits.Load())
	}
}

// --label-filter and --skip-checks select, and what is not run is
// reported as skipped.
func TestSelection(t *testing.T) {
	t.Parallel()
	s := startReference(t, reference.ServerConfig{})
	o := certify(t, "--endpoint", s.URL, "--flavour", "5.5.0", "--label-filter", "level:MUST && op:delivery-report",
		"--skip-checks", "rsp-status-text", "--negatives=false")
	if o.code != 0 {
		t.Fatalf("exit %d", o.code)
	}
	ran, skippedByFlag, notSelected := 0, 0, 0
	for _, c := range o.report.Checks {
		switch {
		case c.Verdict == "pass":
			ran++
			if ck, _ := check.Get(c.Check); ck.Level != check.MUST || !strings.Contains(c.Case, "dlr") {
				t.Errorf("%s on %s ran outside the filter", c.Check, c.Case)
			}
		case c.Reason == "skipped by --skip-checks":
			skippedByFlag++
		case strings.HasPrefix(c.Reason, "not selected"):
			notSelected++
		}
	}
	if ran == 0 || skippedByFlag == 0 || notSelected == 0 {
		t.Errorf("ran %d, skipped by flag %d, not selected %d", ran, skippedByFlag, notSelected)
	}
	if !strings.Contains(o.stdout, "for the selected checks only") {
		t.Errorf("the summary does not say the verdict is for a selection:\n%s", o.stdout)
	}
	// Without --quiet, progress goes to standard error, Ginkgo's with the
	// harness's, and standard output still holds the summary alone
	// (certify checks its first line). --mm7-version is --flavour's first
	// spelling, still taken.
	o = certify(t, "--endpoint", s.URL, "--mm7-version", "5.5.0", "--cases", "550-mo-seed", "--negatives=false", "--quiet=false")
	for _, want := range []string{"message        550-mo-seed", "MM7 5.5.0 certification of " + s.URL, "SUCCESS!"} {
		if o.code != 0 || !strings.Contains(o.stderr, want) {
			t.Errorf("without --quiet: exit %d, standard error lacks %q:\n%s", o.code, want, o.stderr)
		}
	}
	if strings.Contains(o.stdout, "SUCCESS!") || strings.Contains(o.stdout, "550-mo-seed") {
		t.Errorf("progress on standard output:\n%s", o.stdout)
	}
	// Nothing binding judged: no claim can be made.
	o = certify(t, "--endpoint", s.URL, "--flavour", "5.5.0", "--label-filter", "level:SHOULD", "--negatives=false")
	if o.code != 2 || o.report.Verdict != "INCOMPLETE" {
		t.Errorf("only SHOULD checks selected: exit %d, %s", o.code, o.report.Verdict)
	}
}

// junit.xml is valid JUnit (against a schema written here), with a
// failure, a warning as a passing testcase with a note, and n/a as
// skipped; report.html shows the verdict and the matrix in a browser.
func TestReports(t *testing.T) {
	t.Parallel()
	var d broken.Defect
	for _, x := range broken.Defects {
		if x.Name == "transaction-id-not-echoed" {
			d = x
		}
	}
	o := certify(t, "--endpoint", wrap(t, d), "--flavour", "5.5.0",
		"--cases", "550-mo-seed,550-neg-malformed-xml,550-neg-submitreq-to-vasp,550-quirk-vibes-element-table", "--profile", "strict")
	if o.code != 1 {
		t.Fatalf("exit %d", o.code)
	}
	schema, _ := os.ReadFile(filepath.Join("testdata", "junit.xsd"))
	junit, err := xsd.CompileSchema("junit.xsd", map[string][]byte{"junit.xsd": schema})
	if err != nil {
		t.Fatal(err)
	}
	j, _ := os.ReadFile(filepath.Join(o.dir, "junit.xml"))
	if errs := junit.Validate(j); len(errs) > 0 {
		t.Errorf("junit.xml is not valid JUnit: %v", errs)
	}
	for _, want := range []string{"<failure", "rsp-transaction-id", "<testsuite name=\"robustness\""} {
		if !strings.Contains(string(j), want) {
			t.Errorf("junit.xml lacks %q", want)
		}
	}
	html, _ := os.ReadFile(filepath.Join(o.dir, "report.html"))
	for _, want := range []string{"NOT CONFORMANT", "rsp-transaction-id", "mm7harness replay", "0000000000000000", `id="matrix"`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	// The failing case's request is kept beside the report, and report.json
	// names it instead of holding it.
	var rep struct {
		Exchanges []struct {
			Case         string
			RequestFile  string `json:"request_file"`
			ResponseFile string `json:"response_file"`
		}
	}
	b, _ := os.ReadFile(filepath.Join(o.dir, "report.json"))
	json.Unmarshal(b, &rep)
	found := false
	for _, ex := range rep.Exchanges {
		if ex.Case == "550-mo-seed" && ex.RequestFile != "" {
			if _, err := os.Stat(filepath.Join(o.dir, ex.RequestFile)); err == nil {
				found = true
			}
		}
	}
	if !found || strings.Contains(string(b), "Hello") {
		t.Errorf("report.json does not refer to the failing request's file, or inlines bodies")
	}
	chromium := needs.Tool(t, "chromium", "opening report.html in a browser (Debian package chromium)")
	dom, err := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir="+t.TempDir(),
		"--dump-dom", "file://"+filepath.Join(o.dir, "report.html")).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	for _, want := range []string{`id="verdict">NOT CONFORMANT<`, "rsp-transaction-id", `class="v-fail"`, `id="matrix"`} {
		if !strings.Contains(string(dom), want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
}
