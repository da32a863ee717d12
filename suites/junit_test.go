package suites

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/xsd"
)

// Every verdict has its JUnit form: fail a <failure>, warn and info a
// passing testcase with a note, n/a, skipped and not-run a <skipped> with
// the reason; and the file is valid JUnit.
func TestJUnitShowsEveryVerdict(t *testing.T) {
	o := &Outcome{Endpoint: "http://127.0.0.1/mm7", Flavour: "6.8.0", Profile: "vibes", Verdict: NotConformant, Started: time.Now(), Duration: time.Second}
	for _, v := range Verdicts {
		o.Checks = append(o.Checks, &CheckResult{Case: "680-mo-" + v, Group: groupMO, Check: "rsp-kind", Level: "MUST", Verdict: v,
			Expected: "DeliverRsp", Actual: "said " + v, Reason: "because " + v})
	}
	var b bytes.Buffer
	if err := o.writeJUnit(&b); err != nil {
		t.Fatal(err)
	}
	schema, _ := os.ReadFile(filepath.Join("testdata", "junit.xsd"))
	junit, err := xsd.CompileSchema("junit.xsd", map[string][]byte{"junit.xsd": schema})
	if err != nil {
		t.Fatal(err)
	}
	if errs := junit.Validate(b.Bytes()); len(errs) > 0 {
		t.Fatalf("not valid JUnit: %v\n%s", errs, b.String())
	}
	s := b.String()
	for _, want := range []string{`tests="7" failures="1" errors="0" skipped="3"`, "<failure message=\"rsp-kind: expected DeliverRsp\"",
		"WARNING (rsp-kind): expected DeliverRsp", "INFO (rsp-kind): said info", `<skipped message="n/a: said n/a">`,
		`<skipped message="skipped: because skipped">`, `<skipped message="not-run: because not-run">`} {
		if !strings.Contains(s, want) {
			t.Errorf("junit.xml lacks %q:\n%s", want, s)
		}
	}
}
