package main

import (
	"crypto/tls"
	"fmt"
	"io"

	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/suites"
)

// judging holds the flags certify and certify-client share: how the
// checks judge, which run, and where the reports go.
type judging struct {
	profile, cases, skip  string
	reportDir, schemaDir  string
	insecure, quiet, list bool
}

// judged is what those flags come to, for either configuration.
type judged struct {
	profile           check.Profile
	cases, skipChecks []string
	schemas           *xsd.Schemas
	progress          io.Writer
	tls               *tls.Config
}

// resolve reads the shared flags for command, or says which is wrong.
func (j *judging) resolve(command string, stderr io.Writer) (judged, error) {
	out := judged{profile: check.Profile(j.profile), cases: splitList(j.cases), skipChecks: splitList(j.skip)}
	if out.profile != check.ProfileVibes && out.profile != check.ProfileStrict {
		return out, fmt.Errorf("--profile %q: want vibes or strict", j.profile)
	}
	for _, id := range out.skipChecks {
		if _, ok := check.Get(id); !ok {
			return out, fmt.Errorf("--skip-checks: no check %q (mm7harness %s --list)", id, command)
		}
	}
	if j.schemaDir != "" {
		s, err := xsd.LoadDir(j.schemaDir)
		if err != nil {
			return out, fmt.Errorf("--schema-dir: %w", err)
		}
		out.schemas = s
	}
	if !j.quiet {
		out.progress = stderr
	}
	if j.insecure {
		out.tls = &tls.Config{InsecureSkipVerify: true}
	}
	return out, nil
}

// finish writes a run's reports, prints its summary and gives the exit
// status of its verdict (INCOMPLETE exits as a harness error does).
func finish(out *suites.Outcome, reportDir string, stdout io.Writer, fail func(string, ...any) int) int {
	if err := out.Write(reportDir); err != nil {
		return fail("writing reports: %v", err)
	}
	printSummary(stdout, out, reportDir)
	switch out.Verdict {
	case suites.Conformant:
		return exitConformant
	case suites.NotConformant:
		return exitNotConform
	}
	return exitUsage
}
