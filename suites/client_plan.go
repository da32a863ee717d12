package suites

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/mockvibes"
)

// keptOutput is how much of a command's output a scenario keeps: its end.
const keptOutput = 16 << 10

// runCommands runs the client once per scenario, one after the other,
// each with its scenario's environment, until the run's time is up or ctx
// ends.
func (cr *clientRun) runCommands(ctx context.Context, start time.Time) {
	for _, sr := range cr.runs {
		switch {
		case ctx.Err() != nil:
			sr.notRun = &notSent{why: "not run: the run was interrupted", harness: true}
			continue
		case time.Since(start) > cr.cfg.MaxDuration:
			sr.notRun = &notSent{why: fmt.Sprintf("not run: --max-duration (%v) reached", cr.cfg.MaxDuration), harness: true}
			continue
		}
		cr.mu.Lock()
		cr.current = sr
		cr.mu.Unlock()
		cr.runCommand(ctx, sr)
		// The delivery reports come before the next scenario starts.
		cr.awaitReports()
		cr.mu.Lock()
		cr.current = nil
		cr.mu.Unlock()
		cr.progress(sr)
	}
}

// env is the scenario's environment for the client.
func (cr *clientRun) env(sr *scenarioRun) []string {
	return []string{"MM7_URL=" + cr.url, "MM7_USER=" + cr.cfg.User, "MM7_PASSWORD=" + cr.cfg.Password,
		"MM7_VERSION=" + cr.cfg.Flavour.Name, "MM7_RECIPIENT=" + sr.recipient, "MM7_SHORTCODE=" + cr.cfg.ShortCode,
		"MM7_SCENARIO=" + sr.sc.ID, "MM7_DELIVERY_REPORT=" + strconv.FormatBool(sr.sc.DeliveryReport)}
}

// runCommand runs the client for one scenario, within the scenario's
// time: a client still running then is stopped, and so is whatever it
// left running when it ended (its process group, where the system has
// them), so that nothing of it sends during the next scenario.
func (cr *clientRun) runCommand(ctx context.Context, sr *scenarioRun) {
	ctx, cancel := context.WithTimeout(ctx, cr.cfg.ScenarioTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cr.cfg.Command[0], cr.cfg.Command[1:]...)
	cmd.Env = slices.Concat(os.Environ(), cr.cfg.Env, cr.env(sr))
	out := &tail{max: keptOutput}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	stopGroup(cmd)
	sr.started = time.Now()
	err := cmd.Run()
	sr.took = time.Since(sr.started)
	if cmd.Process != nil {
		endGroup(cmd)
	}
	sr.output = out.String()
	switch {
	case cmd.ProcessState != nil && cmd.ProcessState.Exited():
		sr.exited, sr.exitCode = true, cmd.ProcessState.ExitCode()
	case ctx.Err() != nil:
		sr.output += fmt.Sprintf("\n[stopped by the harness after %v]", sr.took.Round(time.Millisecond))
	default:
		sr.output += fmt.Sprintf("\n[ended without an exit status: %v]", err)
	}
}

// progress says how a scenario went.
func (cr *clientRun) progress(sr *scenarioRun) {
	if cr.cfg.Progress == nil {
		return
	}
	end := "still running, stopped"
	if sr.exited {
		end = fmt.Sprintf("exit %d", sr.exitCode)
	}
	if cr.cfg.Listen != "" {
		end = "done"
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	fmt.Fprintf(cr.cfg.Progress, "%-22s %d attempt(s), %d delivery report exchange(s), %s, %v\n",
		sr.sc.ID, len(sr.attempts), len(sr.reports), end, sr.took.Round(time.Millisecond))
}

// awaitListening serves a long-running client: it announces the
// scenarios, then waits until each is done or the run's time is up.
func (cr *clientRun) awaitListening(ctx context.Context, start time.Time) {
	if w := cr.cfg.Announce; w != nil {
		fmt.Fprintf(w, "mm7harness certify-client: the gateway takes SubmitReq at %s (user %s, password %s, flavour %s, short code %s)\n",
			cr.url, cr.cfg.User, cr.shownPassword(), cr.cfg.Flavour.Name, cr.cfg.ShortCode)
		fmt.Fprintf(w, "send one MMS to each recipient (DeliveryReport as given):\n")
		for _, sr := range cr.runs {
			fmt.Fprintf(w, "  %-14s DeliveryReport %-5t %-22s %s\n", sr.recipient, sr.sc.DeliveryReport, sr.sc.ID, sr.sc.Desc)
		}
	}
	pending := slices.Clone(cr.runs)
	for len(pending) > 0 {
		why := ""
		switch {
		case ctx.Err() != nil:
			why = "not run: the run was interrupted"
		case time.Since(start) > cr.cfg.MaxDuration:
			why = fmt.Sprintf("not run: --max-duration (%v) reached before the client was done", cr.cfg.MaxDuration)
		}
		if why != "" {
			for _, sr := range pending {
				sr.notRun = &notSent{why: why, harness: true}
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
		pending = slices.DeleteFunc(pending, func(sr *scenarioRun) bool {
			if !cr.settled(sr) {
				return false
			}
			cr.progress(sr)
			return true
		})
	}
}

// settled reports whether a long-running client is done with a scenario:
// accepted (or refused for good) and quiet since for a while, or out of
// the scenario's time after its first attempt.
func (cr *clientRun) settled(sr *scenarioRun) bool {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	attempts := sortedAttempts(sr.attempts)
	if len(attempts) == 0 {
		return false
	}
	first, last := attempts[0], attempts[len(attempts)-1]
	sr.started, sr.took = first.Received, time.Since(first.Received)
	quiet := time.Since(last.Received.Add(last.Took))
	switch {
	case sr.took > cr.cfg.ScenarioTimeout:
		return true
	case last.MessageID != "":
		return quiet > 2*time.Second
	case sr.sc.Class == check.ClassPermanent:
		// A resend would come within the quiet time a client waits.
		return quiet > min(cr.cfg.ScenarioTimeout/2, 30*time.Second)
	}
	return false
}

// probes are the specs' containers: a scenario with the submit and
// behaviour checks, and each delivery report with the answer checks.
func (cr *clientRun) probes() []*probe {
	var submit, answer []*check.Check
	for _, ck := range check.Catalogue() {
		switch {
		case ck.JudgeSubmit != nil:
			submit = append(submit, ck)
		case ck.Judge != nil && (!ck.StrictOnly || cr.cfg.Profile == check.ProfileStrict):
			answer = append(answer, ck)
		}
	}
	var out []*probe
	for _, sr := range cr.runs {
		p := &probe{kind: probeScenario, id: sr.sc.ID, group: sr.sc.group(), opName: "submit",
			checks: slices.Concat(submit, behaviourChecks(sr.sc.Class))}
		p.eval = func(ck *check.Check) check.Result { return cr.evaluate(sr, ck) }
		cr.mu.Lock()
		cr.plan.sent[p] = slices.Clone(sr.exchanges)
		reports := slices.Clone(sr.reports)
		cr.mu.Unlock()
		if sr.notRun != nil {
			cr.plan.skip[p] = sr.notRun
		}
		out = append(out, p)
		for i, ex := range reports {
			dp := &probe{kind: probeMessage, id: fmt.Sprintf("%s-report-%d", sr.sc.ID, i+1), group: groupClientDLR,
				opName: "delivery-report", checks: answer}
			ex.Case = dp.id
			cr.plan.sent[dp] = []*Exchange{ex}
			out = append(out, dp)
		}
	}
	return out
}

// behaviourChecks are the checks of what a client does, for a scenario
// of class.
func behaviourChecks(class string) []*check.Check {
	ids := []string{"client-submits", "client-reports-outcome"}
	switch class {
	case check.ClassPermanent:
		ids = append(ids, "client-no-resend-permanent")
	case check.ClassTemporary:
		ids = append(ids, "client-resends-temporary", "client-no-resend-accepted")
	case check.ClassSlow:
		ids = append(ids, "client-slow-answer", "client-no-resend-accepted")
	default:
		ids = append(ids, "client-no-resend-accepted")
	}
	out := make([]*check.Check, len(ids))
	for i, id := range ids {
		out[i] = check.MustGet(id)
	}
	return out
}

// evaluate judges one check on a scenario's record.
func (cr *clientRun) evaluate(sr *scenarioRun, ck *check.Check) check.Result {
	cr.mu.Lock()
	attempts := sortedAttempts(sr.attempts)
	if sr.inputs == nil {
		acct := check.Account{User: cr.cfg.User, Password: cr.cfg.Password, ShortCode: cr.cfg.ShortCode, Flavour: cr.cfg.Flavour}
		for _, at := range attempts {
			sr.inputs = append(sr.inputs, &check.SubmitInput{Account: acct, Profile: cr.cfg.Profile, Schemas: cr.cfg.Schemas,
				Raw: at.Raw, BodySize: at.BodySize, BodyCut: at.BodyCut})
		}
	}
	inputs := sr.inputs
	cr.mu.Unlock()
	if ck.JudgeClient != nil {
		return ck.JudgeClient(cr.clientRunOf(sr, attempts))
	}
	if len(inputs) == 0 {
		return check.Result{Verdict: check.NA, Actual: "the client sent nothing (see client-submits)"}
	}
	var first *check.Result
	for i, in := range inputs {
		r := ck.JudgeSubmit(in)
		if len(inputs) > 1 {
			r.Actual = fmt.Sprintf("attempt %d: %s", i+1, r.Actual)
		}
		switch {
		case r.Verdict == check.Fail:
			return r
		case first == nil || first.Verdict != check.Pass && r.Verdict == check.Pass:
			first = &r
		}
	}
	return *first
}

// sortedAttempts are a scenario's attempts in the order they came (they
// are recorded as they end: a held one ends after the resend it caused).
func sortedAttempts(attempts []*mockvibes.SubmitAttempt) []*mockvibes.SubmitAttempt {
	out := slices.Clone(attempts)
	slices.SortStableFunc(out, func(a, b *mockvibes.SubmitAttempt) int { return a.Received.Compare(b.Received) })
	return out
}

// clientRunOf is a scenario's record as the behaviour checks read it.
func (cr *clientRun) clientRunOf(sr *scenarioRun, attempts []*mockvibes.SubmitAttempt) *check.ClientRun {
	cr.mu.Lock()
	dropped := sr.dropped
	cr.mu.Unlock()
	run := &check.ClientRun{Class: sr.sc.Class, Reaction: sr.sc.Reaction.String(), Slow: slowAnswer, Dropped: dropped,
		Command: cr.cfg.Listen == "", Exited: sr.exited, ExitCode: sr.exitCode, Window: cr.cfg.ScenarioTimeout}
	for _, at := range attempts {
		run.Attempts = append(run.Attempts, check.Attempt{At: at.Received, Recipient: at.Recipient,
			Answered: at.Status != 0, Accepted: at.MessageID != "", HTTP: at.Status, Status: answerStatus(at.Response), Reaction: at.Reaction, Waited: at.Took})
	}
	return run
}

// answerStatus is the MM7 status of a gateway's answer (0 for none).
func answerStatus(raw []byte) mm7.StatusCode {
	head, err := swa.ReadHTTP(raw)
	if err != nil || len(bytes.TrimSpace(head.Body)) == 0 {
		return 0
	}
	env, err := mm7.Decode(head.Body, "utf-8")
	if err != nil {
		return 0
	}
	if rsp := mm7.ResponseOf(env.Message); rsp != nil {
		return rsp.Status.Code
	}
	return 0
}

// ScenarioRecord is a scenario as report.json shows it.
type ScenarioRecord struct {
	ID             string        `json:"id"`
	Description    string        `json:"description"`
	Recipient      string        `json:"recipient"`
	DeliveryReport bool          `json:"delivery_report"`
	Attempts       int           `json:"attempts"`
	Reports        int           `json:"delivery_report_exchanges"`
	Exited         bool          `json:"exited"`
	ExitCode       int           `json:"exit_code"`
	Duration       time.Duration `json:"duration_ns"`
	// Output is the end of what the command printed.
	Output string `json:"output,omitempty"`
	NotRun string `json:"not_run,omitempty"`
	// Environment is what the client was given (MM7_*); Rerun runs this
	// scenario alone again, with a gateway of its own.
	Environment []string `json:"environment,omitempty"`
	Rerun       string   `json:"rerun,omitempty"`
}

// records are the scenarios for the report.
func (cr *clientRun) records() []*ScenarioRecord {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	var out []*ScenarioRecord
	for _, sr := range cr.runs {
		rec := &ScenarioRecord{ID: sr.sc.ID, Description: sr.sc.Desc, Recipient: sr.recipient, DeliveryReport: sr.sc.DeliveryReport,
			Attempts: len(sr.attempts), Reports: len(sr.reports), Exited: sr.exited, ExitCode: sr.exitCode, Duration: sr.took, Output: sr.output,
			Environment: cr.shownEnv(sr), Rerun: cr.rerun(sr)}
		if sr.notRun != nil {
			rec.NotRun = sr.notRun.why
		}
		out = append(out, rec)
	}
	return out
}

// shownPassword is the account's password as reports show it: one the
// run made up, but not one the user gave.
func (cr *clientRun) shownPassword() string {
	if cr.cfg.givenAccount {
		return "(as given)"
	}
	return cr.cfg.Password
}

// shownEnv is a scenario's environment as reports show it.
func (cr *clientRun) shownEnv(sr *scenarioRun) []string {
	env := cr.env(sr)
	for i, e := range env {
		if strings.HasPrefix(e, "MM7_PASSWORD=") {
			env[i] = "MM7_PASSWORD=" + cr.shownPassword()
		}
	}
	return env
}

// rerun is the command line that runs one scenario alone again, with the
// settings of this run.
func (cr *clientRun) rerun(sr *scenarioRun) string {
	c := cr.cfg
	args := []string{"mm7harness", "certify-client", "--flavour", c.Flavour.Name, "--profile", string(c.Profile), "--cases", sr.sc.ID,
		"--scenario-timeout", c.ScenarioTimeout.String(), "--hold", c.Hold.String(), "--report-retry-interval", c.CallbackRetry.String()}
	if c.givenAccount {
		args = append(args, "--user", shellQuote(c.User), "--password", "…", "--short-code", shellQuote(c.ShortCode))
	}
	if c.Listen != "" {
		return strings.Join(append(args, "--listen", c.Listen), " ")
	}
	args = append(args, "--")
	for _, a := range c.Command {
		args = append(args, shellQuote(a))
	}
	return strings.Join(args, " ")
}

// tail keeps the last max bytes written to it.
type tail struct {
	max int
	buf []byte
	cut bool
}

func (t *tail) Write(b []byte) (int, error) {
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.max {
		t.buf, t.cut = t.buf[len(t.buf)-t.max:], true
	}
	return len(b), nil
}

func (t *tail) String() string {
	if t.cut {
		return "…" + string(t.buf)
	}
	return string(t.buf)
}
