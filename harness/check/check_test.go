package check_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

func answer(t *testing.T, status int, ct string, body string) *check.Input {
	t.Helper()
	s, err := xsd.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	if ct != "" {
		h.Set("Content-Type", ct)
	}
	return &check.Input{Flavour: mm7.Flavour680, Request: mm7.KindDeliverReq, RequestRel: mm7.Flavour680.Release, RequestMM7: "6.8.0",
		TransactionID: "becc3e4a6e065bd6", Profile: check.ProfileVibes, Budget: 2 * time.Second, Schemas: s,
		Answer: check.Answer{Status: status, Header: h, Body: []byte(body), Latency: time.Millisecond}}
}

func good(t *testing.T) string {
	b, err := mm7.EncodeMessage(mm7.Flavour680, "becc3e4a6e065bd6", &mm7.DeliverRsp{Response: mm7.Response{Status: mm7.Status{Code: 1000, Text: "Success"}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func judge(t *testing.T, id string, in *check.Input) check.Result {
	t.Helper()
	c, ok := check.Get(id)
	if !ok {
		t.Fatalf("no check %s", id)
	}
	return c.Judge(in)
}

func TestCatalogue(t *testing.T) {
	cs := check.Catalogue()
	if len(cs) < 15 {
		t.Fatalf("%d checks", len(cs))
	}
	for _, c := range cs {
		if c.ID == "" || c.Level == "" || c.Source == "" || c.Requirement == "" || (c.Group == check.GroupAnswer) != (c.Judge != nil) {
			t.Errorf("incomplete check %+v", c)
		}
		if strings.ContainsAny(c.ID, " /.") || strings.ToLower(c.ID) != c.ID {
			t.Errorf("%q is not a slug", c.ID)
		}
		if got, ok := check.Get(c.ID); !ok || got != c {
			t.Errorf("Get(%q) = %v, %v; want the catalogue's check", c.ID, got, ok)
		}
	}
	if !slices.IsSortedFunc(cs, func(a, b *check.Check) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("the catalogue is not sorted by ID")
	}
	for i := 1; i < len(cs); i++ {
		if cs[i].ID == cs[i-1].ID {
			t.Errorf("two checks with ID %s", cs[i].ID)
		}
	}
	if _, ok := check.Get("no-such-check"); ok {
		t.Error("Get finds a check that does not exist")
	}
}

// Every check carries the judge of the group it belongs to, and no other
// but the one documented exception: transport-keep-alive is judged on
// every answer and on the resend, the one exchange that shows a reused
// connection.
func TestEveryCheckCarriesItsJudge(t *testing.T) {
	want := map[check.Group]string{check.GroupAnswer: "Judge", check.GroupQuirk: "JudgeQuirk",
		check.GroupRetries: "JudgeResend", check.GroupConcurrency: "JudgeLoad", check.GroupSubmit: "JudgeSubmit", check.GroupClient: "JudgeClient"}
	for _, c := range check.Catalogue() {
		var has []string
		for name, set := range map[string]bool{"Judge": c.Judge != nil, "JudgeQuirk": c.JudgeQuirk != nil, "JudgeBad": c.JudgeBad != nil,
			"JudgeAfter": c.JudgeAfter != nil, "JudgeResend": c.JudgeResend != nil, "JudgeLoad": c.JudgeLoad != nil,
			"JudgeSubmit": c.JudgeSubmit != nil, "JudgeClient": c.JudgeClient != nil} {
			if set {
				has = append(has, name)
			}
		}
		slices.Sort(has)
		switch {
		case c.ID == "transport-keep-alive":
			if !slices.Equal(has, []string{"Judge", "JudgeResend"}) {
				t.Errorf("%s: got judges %v, want [Judge JudgeResend]", c.ID, has)
			}
		case c.Group == check.GroupRobustness:
			if !slices.Equal(has, []string{"JudgeBad"}) && !slices.Equal(has, []string{"JudgeAfter"}) {
				t.Errorf("%s: got judges %v, want JudgeBad or JudgeAfter", c.ID, has)
			}
		case !slices.Equal(has, []string{want[c.Group]}):
			t.Errorf("%s (group %s): got judges %v, want [%s]", c.ID, c.Group, has, want[c.Group])
		}
	}
}

// A correct answer passes every answer check.
func TestCorrectAnswerPasses(t *testing.T) {
	for _, c := range check.Catalogue() {
		if c.Judge == nil {
			continue
		}
		in := answer(t, 200, "text/xml; charset=utf-8", good(t))
		in.Profile = check.ProfileStrict
		if r := c.Judge(in); r.Verdict != check.Pass {
			t.Errorf("%s: %s %s", c.ID, r.Verdict, r.Message())
		}
	}
}

func TestEachCheckCatchesItsDefect(t *testing.T) {
	g := good(t)
	cases := []struct {
		id   string
		in   *check.Input
		want string // in the actual
	}{
		{"transport-status-2xx", answer(t, 503, "text/plain", "busy"), "HTTP 503"},
		{"transport-content-type", answer(t, 200, "text/html", g), `"text/html"`},
		{"envelope-well-formed", answer(t, 200, "text/xml", g[:len(g)/2]), "xml-malformed"},
		{"envelope-soap11", answer(t, 200, "text/xml", "<html/>"), "document element is html"},
		{"rsp-transaction-id", answer(t, 200, "text/xml", strings.Replace(g, "becc3e4a6e065bd6", "x", 1)), `"x"`},
		{"rsp-kind", answer(t, 200, "text/xml", strings.ReplaceAll(g, "DeliverRsp", "DeliveryReportRsp")), "DeliveryReportRsp"},
		{"rsp-namespace", answer(t, 200, "text/xml", strings.ReplaceAll(g, "REL-6-MM7-1-4", "REL-6-MM7-1-2")), "REL-6-MM7-1-2"},
		{"rsp-mm7version", answer(t, 200, "text/xml", strings.Replace(g, ">6.8.0<", ">6.5.0<", 1)), `"6.5.0"`},
		{"rsp-status-success", answer(t, 200, "text/xml", strings.Replace(g, ">1000<", ">4000<", 1)), "4000"},
		{"schema-valid", answer(t, 200, "text/xml", strings.Replace(g, "<StatusText>Success</StatusText>", "", 1)), "StatusText"},
		{"transport-keep-alive", func() *check.Input {
			in := answer(t, 200, "text/xml", g)
			in.Answer.Header.Set("Connection", "close")
			return in
		}(), "Connection: close"},
		{"transport-latency", func() *check.Input {
			in := answer(t, 200, "text/xml", g)
			in.Answer.Latency = 3 * time.Second
			return in
		}(), "3s"},
	}
	for _, c := range cases {
		r := judge(t, c.id, c.in)
		if r.Verdict != check.Fail || !strings.Contains(r.Actual, c.want) || r.Expected == "" {
			t.Errorf("%s: %+v, want a failure whose actual mentions %q", c.id, r, c.want)
		}
	}
}

// One defect fails one check: every other answer check says pass or n/a,
// never fail, and never pass on what it could not see.
func TestOneDefectOneFailure(t *testing.T) {
	g := good(t)
	big := answer(t, 200, "text/xml", strings.Repeat("junk ", 1000))
	big.Answer.Truncated, big.Answer.Limit = true, 4096
	timeout := answer(t, 0, "", "")
	timeout.Answer.Timeout, timeout.Answer.Err, timeout.Answer.Latency = true, "no answer within the time limit", 2500*time.Millisecond
	closed := answer(t, 0, "", "")
	closed.Answer.Err = "the body stopped after 0 of its 512 bytes"
	strictBlank := answer(t, 200, "", "")
	strictBlank.Profile = check.ProfileStrict
	cases := []struct {
		name, fails string
		in          *check.Input
		passes      []string // checks that must pass; the rest must be n/a
	}{
		{"over the size limit", "envelope-well-formed", big, []string{"transport-answer", "transport-status-2xx", "transport-latency", "transport-content-type"}},
		{"timeout", "transport-latency", timeout, []string{}},
		{"headers then close", "transport-answer", closed, []string{}},
		{"blank under strict", "answer-is-soap", strictBlank, []string{"transport-answer", "transport-status-2xx", "transport-latency", "transport-keep-alive"}},
		{"HTTP 503", "transport-status-2xx", answer(t, 503, "text/plain", "busy"), []string{"transport-answer", "transport-latency", "transport-keep-alive"}},
		{"not XML", "envelope-well-formed", answer(t, 200, "text/xml", "\x00\x01 not xml"), []string{"transport-answer", "transport-status-2xx", "transport-latency", "transport-content-type", "transport-keep-alive", "answer-is-soap"}},
		{"wrong TransactionID", "rsp-transaction-id", answer(t, 200, "text/xml", strings.Replace(g, "becc3e4a6e065bd6", "x", 1)),
			[]string{"transport-answer", "transport-status-2xx", "transport-latency", "transport-content-type", "transport-keep-alive",
				"envelope-well-formed", "envelope-soap11", "envelope-one-body-element", "schema-valid", "rsp-kind", "rsp-namespace",
				"rsp-mm7version", "rsp-status-success", "rsp-status-text"}},
	}
	for _, c := range cases {
		for _, ck := range check.Catalogue() {
			if ck.Judge == nil || ck.StrictOnly && c.in.Profile != check.ProfileStrict {
				continue
			}
			in := *c.in
			r := ck.Judge(&in)
			switch {
			case ck.ID == c.fails && r.Verdict != check.Fail:
				t.Errorf("%s: %s says %s (%s), want fail", c.name, ck.ID, r.Verdict, r.Actual)
			case ck.ID != c.fails && r.Verdict == check.Fail:
				t.Errorf("%s: %s fails too: %s", c.name, ck.ID, r.Message())
			case ck.ID != c.fails && slices.Contains(c.passes, ck.ID) && r.Verdict != check.Pass:
				t.Errorf("%s: %s says %s (%s), want pass", c.name, ck.ID, r.Verdict, r.Actual)
			case ck.ID != c.fails && !slices.Contains(c.passes, ck.ID) && r.Verdict != check.NA:
				t.Errorf("%s: %s says %s (%s), want n/a: it did not see what it judges", c.name, ck.ID, r.Verdict, r.Actual)
			}
		}
	}
}

// The profiles: a blank 200 passes under vibes and fails under strict; a
// missing MM7Version passes under vibes (Vibes' own sample lacks it).
func TestProfiles(t *testing.T) {
	blank := answer(t, 200, "", "")
	if r := judge(t, "rsp-status-success", blank); r.Verdict != check.NA {
		t.Errorf("blank 200 under vibes: %+v, want n/a (nothing to judge)", r)
	}
	blank.Profile = check.ProfileStrict
	if r := judge(t, "answer-is-soap", blank); r.Verdict != check.Fail {
		t.Error("blank 200 passes answer-is-soap under strict")
	}
	noVersion := strings.Replace(good(t), "<MM7Version>6.8.0</MM7Version>", "", 1)
	in := answer(t, 200, "text/xml", noVersion)
	if r := judge(t, "rsp-mm7version", in); r.Verdict != check.Pass {
		t.Errorf("missing MM7Version under vibes: %+v", r)
	}
	if r := judge(t, "schema-valid", in); r.Verdict != check.Pass {
		t.Errorf("missing MM7Version makes schema-valid fail under vibes: %+v", r)
	}
	in = answer(t, 200, "text/xml", noVersion)
	in.Profile = check.ProfileStrict
	if judge(t, "rsp-mm7version", in).Verdict != check.Fail || judge(t, "schema-valid", in).Verdict != check.Fail {
		t.Error("missing MM7Version passes under strict")
	}
	// Only a missing MM7Version is forgiven: the rest of the answer is still
	// judged by the schema.
	for name, body := range map[string]string{
		"an empty DeliverRsp":      strings.Replace(good(t), good(t)[strings.Index(good(t), "<MM7Version>"):strings.Index(good(t), "</Status>")+len("</Status>")], "", 1),
		"Status before MM7Version": strings.Replace(strings.Replace(good(t), "<MM7Version>6.8.0</MM7Version>", "", 1), "</Status>", "</Status><MM7Version>6.8.0</MM7Version>", 1),
	} {
		if r := judge(t, "schema-valid", answer(t, 200, "text/xml", body)); r.Verdict != check.Fail {
			t.Errorf("%s under vibes: %+v, want schema-valid to fail", name, r)
		}
	}
	// A failed SHOULD check is a warning under vibes, a failure under strict.
	ka := check.MustGet("transport-keep-alive")
	r := check.Result{Verdict: check.Fail}
	if ka.Grade(r, check.ProfileVibes) != check.Warn || ka.Grade(r, check.ProfileStrict) != check.Fail {
		t.Error("SHOULD grading")
	}
	if check.MustGet("rsp-kind").Grade(r, check.ProfileVibes) != check.Fail {
		t.Error("a failed MUST is not a failure under vibes")
	}
	if q := check.MustGet("vibes-quirk-accepted"); q.Grade(check.Result{Verdict: check.Warn}, check.ProfileStrict) != check.Warn {
		t.Error("a quirk warning becomes a failure under strict")
	}
}

// Regression: an empty 500 body was judged as malformed XML, failing
// envelope-well-formed beside transport-status-2xx.
func TestEmptyNon2xxBodyIsNotJudgedAsXML(t *testing.T) {
	in := answer(t, 500, "", "")
	for _, id := range []string{"envelope-well-formed", "envelope-soap11", "schema-valid", "rsp-kind"} {
		if r := judge(t, id, in); r.Verdict != check.NA {
			t.Errorf("%s on an empty 500: %+v, want not applicable", id, r)
		}
	}
}

// Checks that need a SOAP answer do not pile up on one that is not SOAP.
func TestDependentChecksStepAside(t *testing.T) {
	in := answer(t, 200, "text/html", "<html><body>Error</body></html>")
	for _, id := range []string{"schema-valid", "rsp-kind", "rsp-transaction-id", "rsp-status-success"} {
		if r := judge(t, id, in); r.Verdict != check.NA {
			t.Errorf("%s on an HTML page: %+v", id, r)
		}
	}
}

func TestRobustness(t *testing.T) {
	fault, _ := mm7.EncodeMessage(mm7.Flavour680, "t", &mm7.Fault{Code: "Client", String: "bad",
		Detail: &mm7.VASPErrorRsp{Response: mm7.Response{Status: mm7.Status{Code: 2007, Text: "Message format corrupt"}}}})
	reject := check.Expectation{Reject: true, Clause: "XML 1.0", Statuses: []int{2007}}
	cases := []struct {
		a        check.Answer
		accepted bool
	}{
		{check.Answer{Status: 200}, true},
		{check.Answer{Status: 200, Body: []byte(good(t))}, true},
		{check.Answer{Status: 200, Body: []byte("junk"), Truncated: true}, true},
		{check.Answer{Status: 200, Body: fault}, false},
		{check.Answer{Status: 500, Body: fault}, false},
		{check.Answer{Status: 400}, false},
		{check.Answer{Status: 200, Body: []byte(strings.Replace(good(t), ">1000<", ">2007<", 1))}, false},
	}
	for i, c := range cases {
		if got := check.Accepted(c.a); got != c.accepted {
			t.Errorf("case %d: Accepted = %v", i, got)
		}
		if r := check.NotAccepted(c.a, reject); (r.Verdict == check.Pass) == c.accepted {
			t.Errorf("case %d: NotAccepted %+v", i, r)
		}
	}
	// No answer: a close is a refusal; silence is n/a for the refusal and a
	// failure of robust-answers, unless the case expects silence.
	silent := check.Answer{Timeout: true, Err: "no answer within the time limit"}
	if r := check.NotAccepted(silent, reject); r.Verdict != check.NA {
		t.Errorf("silence: %+v", r)
	}
	if r := check.ReactsInTime(silent, reject); r.Verdict != check.Fail {
		t.Errorf("silence reacts in time: %+v", r)
	}
	waits := check.Expectation{Reject: true, Silence: true}
	if check.NotAccepted(silent, waits).Verdict != check.Pass || check.ReactsInTime(silent, waits).Verdict != check.Pass {
		t.Error("silence while the body is incomplete is not right")
	}
	if r := check.NotAccepted(check.Answer{Err: "reset"}, reject); r.Verdict != check.Pass {
		t.Errorf("a closed connection: %+v", r)
	}
	if r := check.ReactsInTime(check.Answer{Err: "reset"}, reject); r.Verdict != check.Pass {
		t.Errorf("a closed connection does not react: %+v", r)
	}
	// Bytes that are no readable answer are no acknowledgement, but no
	// proper reaction either.
	garbled := check.Answer{Got: 70000, Err: "the answer's header block is larger than 65536 bytes"}
	if r := check.ReactsInTime(garbled, reject); r.Verdict != check.Fail {
		t.Errorf("an unreadable answer reacts in time: %+v", r)
	}
	if r := check.NotAccepted(garbled, reject); r.Verdict != check.Pass || strings.Contains(r.Actual, "closed") {
		t.Errorf("an unreadable answer: %+v", r)
	}
	// A refusal in a multipart answer is read as one.
	m := swa.New(swa.StyleStrict, fault)
	ct, mb, err := swa.Writer{Style: swa.StyleStrict}.Write(m)
	if err != nil {
		t.Fatal(err)
	}
	multi := check.Answer{Status: 200, Header: http.Header{"Content-Type": {ct}}, Body: mb}
	if check.Accepted(multi) || check.StatusCode(multi, reject).Verdict != check.Pass {
		t.Errorf("a Fault in a multipart answer: accepted %v, %+v", check.Accepted(multi), check.StatusCode(multi, reject))
	}
	if r := check.StatusCode(check.Answer{Status: 500, Body: fault}, reject); r.Verdict != check.Pass {
		t.Errorf("status code: %+v", r)
	}
	if r := check.StatusCode(check.Answer{Status: 500, Body: fault}, check.Expectation{Reject: true, Statuses: []int{4004}}); r.Verdict != check.Info {
		t.Errorf("another status code: %+v, want info", r)
	}
	ok := check.Answer{Status: 200}
	if check.StillServes(check.Answer{Status: 204}, ok).Verdict != check.Pass || check.StillServes(check.Answer{Err: "reset"}, ok).Verdict != check.Fail {
		t.Error("StillServes")
	}
	if r := check.StillServes(silent, silent); r.Verdict != check.NA {
		t.Errorf("a slow endpoint is not failed for being slow after bad input: %+v", r)
	}
	if r := check.AllAnswered([]check.Answer{ok, silent}, ok); r.Verdict != check.Fail {
		t.Errorf("one of two unanswered: %+v", r)
	}
	if r := check.RetryAccepted(check.Answer{Status: 200}, check.Answer{Status: 500}); r.Verdict != check.Fail {
		t.Error("a refused retry passes")
	}
	if r := check.QuirkAccepted(check.Answer{Status: 500, Body: fault}, "a page", "the risk"); r.Verdict != check.Warn || !strings.Contains(r.Actual, "the risk") {
		t.Errorf("a refused quirk: %+v", r)
	}
}

// transport-keep-alive on the resend: only a resend that went on the same
// connection passes, and only one that met a connection closed without a
// word fails.
func TestKeptAlive(t *testing.T) {
	ok := check.Answer{Status: 200}
	cases := []struct {
		name         string
		first, again check.Answer
		want         check.Verdict
	}{
		{"reused", ok, check.Answer{Status: 200, Reused: true}, check.Pass},
		{"closed without a word", ok, check.Answer{Status: 200, Stale: true}, check.Fail},
		{"stale, then no answer", ok, check.Answer{Stale: true, Err: "reset"}, check.Fail},
		{"a new connection", ok, ok, check.NA},
		{"no first answer", check.Answer{Err: "reset"}, check.Answer{Status: 200, Reused: true}, check.NA},
		{"no second answer", ok, check.Answer{Err: "reset"}, check.NA},
		{"first over the size limit", check.Answer{Status: 200, Truncated: true}, check.Answer{Status: 200, Stale: true}, check.NA},
		{"first said it closes", check.Answer{Status: 200, Closed: true}, check.Answer{Status: 200, Stale: true}, check.NA},
	}
	for _, c := range cases {
		if r := check.KeptAlive(c.first, c.again); r.Verdict != c.want || r.Verdict == check.Fail && r.Expected == "" {
			t.Errorf("%s: got %+v, want %s", c.name, r, c.want)
		}
	}
}
