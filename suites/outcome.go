package suites

import (
	"time"

	"github.com/mm7harness/mm7harness/harness/check"
)

// The verdicts of a run.
const (
	Conformant    = "CONFORMANT"
	NotConformant = "NOT CONFORMANT"
	// Incomplete: nothing failed, but a MUST or VIBES check the run was
	// meant to make was not made by the harness (its time ran out, or it
	// failed itself), or nothing was judged at all: no claim can be made.
	Incomplete = "INCOMPLETE"
)

// Outcome is the result of a run: what report.json holds.
type Outcome struct {
	Endpoint string    `json:"endpoint"`
	Flavour  string    `json:"flavour"`
	Profile  string    `json:"profile"`
	Verdict  string    `json:"verdict"`
	Started  time.Time `json:"started"`
	// Duration is the whole run, sending and judging.
	Duration time.Duration `json:"duration_ns"`
	// Budget is Vibes' latency budget; valid messages were cut off at
	// Budget+Grace, bad input at BadInputTimeout.
	Budget          time.Duration `json:"latency_budget_ns"`
	Grace           time.Duration `json:"grace_ns"`
	BadInputTimeout time.Duration `json:"bad_input_timeout_ns"`
	MaxAnswer       int           `json:"max_answer_bytes"`
	// Stopped says why the run stopped sending early, if it did.
	Stopped string `json:"stopped,omitempty"`
	// Unselected counts the MUST and VIBES checks the user's selection left
	// out (--label-filter, --skip-checks): a CONFORMANT verdict speaks for
	// the selection only.
	Unselected int `json:"unselected_binding_checks,omitempty"`
	// Counts are the check results by verdict.
	Counts    map[string]int `json:"counts"`
	Checks    []*CheckResult `json:"checks"`
	Exchanges []*Exchange    `json:"exchanges"`
	// Command is the MT client certified (certify-client), and Scenarios
	// what each of its scenarios recorded.
	Command   string            `json:"command,omitempty"`
	Scenarios []*ScenarioRecord `json:"scenarios,omitempty"`
}

func newOutcome(cfg *Config, start time.Time, results []*CheckResult, pl *plan) *Outcome {
	out := &Outcome{Endpoint: cfg.Endpoint, Flavour: cfg.Flavour.Name, Profile: string(cfg.Profile), Started: start,
		Duration: time.Since(start), Budget: cfg.Budget, Grace: cfg.Grace, BadInputTimeout: cfg.BadInputTimeout, MaxAnswer: cfg.MaxAnswer,
		Counts: map[string]int{}, Checks: results, Exchanges: pl.exchanges}
	if pl.stopped != nil {
		out.Stopped = pl.stopped.why
	}
	notRunBinding, bindingPassed := false, false
	for _, c := range results {
		out.Counts[c.Verdict]++
		binding := c.Level != string(check.SHOULD)
		switch {
		case c.Verdict == verdictNotRun && binding:
			notRunBinding = true
		case c.Verdict == verdictSkipped && binding:
			out.Unselected++
		case c.Verdict == string(check.Pass) && binding:
			bindingPassed = true
		}
	}
	switch {
	case out.Counts[string(check.Fail)] > 0:
		out.Verdict = NotConformant
	case notRunBinding || !bindingPassed:
		// A claim needs evidence: a MUST or VIBES check the run meant to
		// make was not made, or none was met at all.
		out.Verdict = Incomplete
	default:
		out.Verdict = Conformant
	}
	return out
}

// FailedIDs lists the IDs of the checks that failed, once each.
func (o *Outcome) FailedIDs() []string { return o.idsWith(string(check.Fail)) }

// WarnedIDs lists the IDs of the checks that warned, once each.
func (o *Outcome) WarnedIDs() []string { return o.idsWith(string(check.Warn)) }

func (o *Outcome) idsWith(verdict string) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range o.Checks {
		if c.Verdict == verdict && !seen[c.Check] {
			seen[c.Check] = true
			out = append(out, c.Check)
		}
	}
	return out
}
