package suites

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/swa"
)

// CheckReportDir makes sure reports can be written into dir before
// anything is sent: it creates dir and writes and removes a file in it.
func CheckReportDir(dir string) error {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return fmt.Errorf("--report-dir %s is a file, not a folder", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, "exchanges"), 0o755); err != nil {
		return fmt.Errorf("--report-dir: %w", err)
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("--report-dir %s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// Write writes junit.xml, report.json and report.html into dir, and the
// raw exchanges under dir/exchanges: every answer, and the request of
// every case that did not pass (report.json names the files; it holds no
// bodies).
func (o *Outcome) Write(dir string) error {
	if err := CheckReportDir(dir); err != nil {
		return err
	}
	if err := o.writeExchanges(dir); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "junit.xml"), func(w *bufio.Writer) error { return o.writeJUnit(w) }); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "report.json"), func(w *bufio.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(o)
	}); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "report.html"), func(w *bufio.Writer) error { return page.Execute(w, o.view(dir)) })
}

func writeFile(path string, write func(w *bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = write(w)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// writeExchanges writes the raw bytes of the exchanges.
func (o *Outcome) writeExchanges(dir string) error {
	notPassed := map[string]bool{}
	for _, c := range o.Checks {
		switch c.Verdict {
		case string(check.Fail), string(check.Warn), verdictNotRun:
			notPassed[c.Case] = true
		}
	}
	var errs []error
	for _, ex := range o.Exchanges {
		base := filepath.Join("exchanges", fmt.Sprintf("%04d-%s-%s", ex.Seq, unsafeName.ReplaceAllString(ex.Case, "_"), ex.Purpose))
		if len(ex.response) > 0 {
			ex.ResponseFile = base + ".response.http"
			errs = append(errs, os.WriteFile(filepath.Join(dir, ex.ResponseFile), ex.response, 0o644))
		}
		if ex.request != nil && (notPassed[ex.Case] || notPassed[probeIDOf(ex)]) {
			ex.RequestFile = base + ".request.http"
			errs = append(errs, os.WriteFile(filepath.Join(dir, ex.RequestFile), ex.request, 0o644))
		}
	}
	return errors.Join(errs...)
}

// probeIDOf is the report case an exchange belongs to besides its own:
// a valid message sent after bad input, for retries or for load.
func probeIDOf(ex *Exchange) string {
	switch ex.Purpose {
	case "retry":
		return "retries"
	case "concurrency":
		return "concurrency"
	}
	return ex.Case
}

// reproduce is how to send a case's request again; for an MT client,
// how to run its scenario again.
func (o *Outcome) reproduce(dir string, ex *Exchange) (replay, curl string) {
	if o.Command != "" {
		for _, s := range o.Scenarios {
			if ex.Case == s.ID || strings.HasPrefix(ex.Case, s.ID+"-report-") {
				return s.Rerun, ""
			}
		}
		return "", ""
	}
	if ex.streamed {
		return fmt.Sprintf("mm7harness play --endpoint %s --cases %s --max-retries 0", o.Endpoint, ex.Case), ""
	}
	if ex.RequestFile == "" {
		return "", ""
	}
	file := filepath.Join(dir, ex.RequestFile)
	replay = fmt.Sprintf("mm7harness replay %s --endpoint %s", file, o.Endpoint)
	if h, err := swa.ReadHTTP(ex.request); err == nil {
		curl = fmt.Sprintf("tail -c %d %s | curl -sS -A 'Java/1.6.0_65' -X %s -H %s --data-binary @- %s",
			len(h.Body), shellQuote(file), h.Method, shellQuote("Content-Type: "+h.ContentType()), o.Endpoint)
	}
	return replay, curl
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
