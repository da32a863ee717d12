package check_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

var account = check.Account{User: "client", Password: "s3cret", ShortCode: "63901", Flavour: mm7.Flavour680}

// submission is a SubmitReq as a correct client sends it, with edit applied
// to the SOAP part, extra attachments, and extra or changed header lines.
func submission(t *testing.T, edit func(string) string, attachments int, header map[string]string) []byte {
	t.Helper()
	dlr := true
	req := &mm7.SubmitReq{MM7Version: account.Flavour.MM7Version,
		SenderIdentification: mm7.SenderIdentification{SenderAddress: &mm7.Address{Kind: mm7.AddrShortCode, Value: account.ShortCode}},
		Recipients:           mm7.Recipients{To: []mm7.Address{{Kind: mm7.AddrNumber, Value: "+13125550071"}}},
		DeliveryReport:       &dlr, Subject: "hello", Content: &mm7.ContentRef{Href: "cid:img"}}
	soap, err := mm7.EncodeMessage(account.Flavour, "0123456789abcdef", req)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		soap = []byte(edit(string(soap)))
	}
	var parts []*swa.Part
	for i := 0; i < attachments; i++ {
		p := swa.NewPart("image/gif", "base64", []byte("GIF89a-not-really"))
		if i == 0 {
			p.SetContentID("img")
		}
		parts = append(parts, p)
	}
	ct, body, err := swa.Writer{Style: swa.StyleVibes}.Write(swa.New(swa.StyleVibes, soap, parts...))
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]string{"Host": "127.0.0.1", "Content-Type": ct, "Content-Length": fmt.Sprint(len(body)),
		"Authorization":          "Basic " + base64.StdEncoding.EncodeToString([]byte(account.User+":"+account.Password)),
		"X-Vibes-DlrCallbackUrl": "http://127.0.0.1:9/dlr"}
	for k, v := range header {
		h[k] = v
	}
	var b strings.Builder
	b.WriteString("POST /mm7 HTTP/1.1\r\n")
	for k, v := range h {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	return append([]byte(b.String()), body...)
}

func judgeSubmit(t *testing.T, id string, raw []byte, size int64) check.Result {
	t.Helper()
	c, ok := check.Get(id)
	if !ok || c.JudgeSubmit == nil {
		t.Fatalf("no submit check %s", id)
	}
	s, err := xsd.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if size == 0 {
		size = int64(len(raw))
	}
	return c.JudgeSubmit(&check.SubmitInput{Account: account, Profile: check.ProfileVibes, Schemas: s, Raw: raw, BodySize: size})
}

// A correct SubmitReq passes every submit check; each defect fails the
// check that names it.
func TestSubmitChecks(t *testing.T) {
	good := submission(t, nil, 1, nil)
	for _, c := range check.Catalogue() {
		if c.JudgeSubmit == nil {
			continue
		}
		r := judgeSubmit(t, c.ID, good, 0)
		if r.Verdict != check.Pass && !(c.ID == "submit-carrier-code" && r.Verdict == check.NA) {
			t.Errorf("%s on a correct SubmitReq: %s %s", c.ID, r.Verdict, r.Message())
		}
	}
	rel5 := func(s string) string {
		s = strings.ReplaceAll(s, string(mm7.Flavour680.Release), string(mm7.Flavour550.Release))
		return strings.Replace(s, ">6.8.0<", ">5.3.0<", 1)
	}
	for _, c := range []struct {
		id   string
		raw  []byte
		size int64
		want string
	}{
		{"submit-content-type", submission(t, nil, 1, map[string]string{"Content-Type": "application/soap+xml"}), 0, "application/soap+xml"},
		{"submit-schema-valid", submission(t, func(s string) string {
			return strings.Replace(strings.Replace(s, "<Subject>", "<Subjekt>", 1), "</Subject>", "</Subjekt>", 1)
		}, 1, nil), 0, "Subjekt"},
		{"submit-flavour", submission(t, rel5, 1, nil), 0, "REL-5-MM7-1-2"},
		{"submit-transaction-id", submission(t, func(s string) string {
			i, j := strings.Index(s, "<env:Header>"), strings.Index(s, "</env:Header>")+len("</env:Header>")
			return s[:i] + s[j:]
		}, 1, nil), 0, "TransactionID"},
		{"submit-transaction-id-mustunderstand", submission(t, func(s string) string { return strings.Replace(s, `mustUnderstand="1"`, `mustUnderstand="0"`, 1) }, 1, nil), 0, "mustUnderstand"},
		{"submit-basic-auth", submission(t, nil, 1, map[string]string{"Authorization": ""}), 0, "no Authorization"},
		{"submit-basic-auth", submission(t, nil, 1, map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("client:wrong"))}), 0, "another password"},
		{"submit-one-recipient", submission(t, func(s string) string {
			return strings.Replace(s, "</To>", "</To><Cc><Number>+13125550072</Number></Cc>", 1)
		}, 1, nil), 0, "2 recipients"},
		{"submit-short-code", submission(t, func(s string) string { return strings.Replace(s, ">63901<", ">11111<", 1) }, 1, nil), 0, "11111"},
		{"submit-one-attachment", submission(t, nil, 3, nil), 0, "3 attachments"},
		{"submit-size", submission(t, nil, 1, nil), 2 << 20, "2097152 bytes"},
		{"submit-content-resolves", submission(t, func(s string) string { return strings.Replace(s, "cid:img", "cid:nothing", 1) }, 1, nil), 0, "nothing"},
		{"submit-carrier-code", submission(t, nil, 1, map[string]string{"X-Vibes-CarrierCode": "AT&T"}), 0, "AT&T"},
		{"submit-dlr-url", submission(t, nil, 1, map[string]string{"X-Vibes-DlrCallbackUrl": ""}), 0, "none"},
		{"submit-dlr-url", submission(t, nil, 1, map[string]string{"X-Vibes-DlrCallbackUrl": "ftp://example.com/"}), 0, "ftp://"},
	} {
		r := judgeSubmit(t, c.id, c.raw, c.size)
		if r.Verdict != check.Fail || !strings.Contains(r.Actual, c.want) || r.Expected == "" {
			t.Errorf("%s: %s %s; want a failure naming %q", c.id, r.Verdict, r.Message(), c.want)
		}
	}
}

// A request that is no SubmitReq at all fails submit-schema-valid; the
// checks that need a SubmitReq step aside.
func TestSubmitChecksStepAside(t *testing.T) {
	raw := []byte("POST /mm7 HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello")
	if r := judgeSubmit(t, "submit-schema-valid", raw, 0); r.Verdict != check.Fail {
		t.Errorf("submit-schema-valid on text/plain: %s %s", r.Verdict, r.Message())
	}
	for _, id := range []string{"submit-flavour", "submit-one-recipient", "submit-short-code", "submit-content-resolves", "submit-dlr-url", "submit-transaction-id-mustunderstand"} {
		if r := judgeSubmit(t, id, raw, 0); r.Verdict != check.NA {
			t.Errorf("%s on text/plain: %s %s; want n/a", id, r.Verdict, r.Message())
		}
	}
}

func judgeClient(t *testing.T, id string, run *check.ClientRun) check.Result {
	t.Helper()
	c, ok := check.Get(id)
	if !ok || c.JudgeClient == nil {
		t.Fatalf("no client check %s", id)
	}
	return c.JudgeClient(run)
}

func TestClientChecks(t *testing.T) {
	t0 := time.Now()
	refused := check.Attempt{At: t0, Answered: true, HTTP: 500, Status: 4007}
	accepted := check.Attempt{At: t0.Add(time.Second), Answered: true, Accepted: true, HTTP: 200, Status: 1000, Waited: 10 * time.Millisecond}
	again := check.Attempt{At: t0.Add(2 * time.Second), Answered: true, Accepted: true, HTTP: 200, Status: 1000}
	dropped := check.Attempt{At: t0, Reaction: "connection reset", Waited: 10 * time.Millisecond}
	for _, c := range []struct {
		id   string
		run  check.ClientRun
		want check.Verdict
	}{
		{"client-no-resend-permanent", check.ClientRun{Reaction: "MM7 status 4007", Command: true, Exited: true, Attempts: []check.Attempt{refused}}, check.Pass},
		{"client-no-resend-permanent", check.ClientRun{Reaction: "MM7 status 4007", Command: true, Exited: true, Attempts: []check.Attempt{refused, refused}}, check.Fail},
		{"client-no-resend-permanent", check.ClientRun{Reaction: "MM7 status 4007", Command: true, Exited: true, Attempts: []check.Attempt{refused}, Dropped: 40}, check.Fail},
		{"client-no-resend-permanent", check.ClientRun{Reaction: "MM7 status 4007", Command: true, Exited: false, Attempts: []check.Attempt{refused}}, check.NA},
		{"client-resends-temporary", check.ClientRun{Reaction: "connection reset", Command: true, Exited: true, Attempts: []check.Attempt{dropped, accepted}}, check.Pass},
		{"client-resends-temporary", check.ClientRun{Reaction: "connection reset", Command: true, Exited: true, Attempts: []check.Attempt{dropped}, Window: time.Minute}, check.Fail},
		// Stopped while it may still have resent: the harness's limit.
		{"client-resends-temporary", check.ClientRun{Reaction: "connection reset", Command: true, Exited: false, Attempts: []check.Attempt{dropped}, Window: time.Minute}, check.NA},
		{"client-resends-temporary", check.ClientRun{Reaction: "connection reset", Command: false, Attempts: []check.Attempt{dropped}, Window: time.Minute}, check.NA},
		{"client-no-resend-accepted", check.ClientRun{Attempts: []check.Attempt{dropped, accepted}}, check.Pass},
		{"client-no-resend-accepted", check.ClientRun{Attempts: []check.Attempt{accepted, again}}, check.Fail},
		{"client-no-resend-accepted", check.ClientRun{Attempts: []check.Attempt{refused}}, check.NA},
		{"client-reports-outcome", check.ClientRun{Command: true, Exited: true, ExitCode: 0, Attempts: []check.Attempt{dropped, accepted}}, check.Pass},
		{"client-reports-outcome", check.ClientRun{Command: true, Exited: true, ExitCode: 1, Attempts: []check.Attempt{refused}}, check.Pass},
		{"client-reports-outcome", check.ClientRun{Command: true, Exited: true, ExitCode: 0, Attempts: []check.Attempt{refused}}, check.Fail},
		{"client-reports-outcome", check.ClientRun{Command: true, Exited: true, ExitCode: 3, Attempts: []check.Attempt{accepted}}, check.Fail},
		{"client-reports-outcome", check.ClientRun{Command: true, Exited: true, ExitCode: 0, Attempts: []check.Attempt{accepted, dropped}}, check.Pass},
		{"client-reports-outcome", check.ClientRun{Command: true, Exited: true, ExitCode: 1, Attempts: []check.Attempt{accepted, refused}}, check.Fail},
		{"client-reports-outcome", check.ClientRun{Command: true, Exited: false, Attempts: []check.Attempt{refused}}, check.NA},
		{"client-reports-outcome", check.ClientRun{Command: false, Attempts: []check.Attempt{accepted}}, check.NA},
		{"client-slow-answer", check.ClientRun{Slow: 1500 * time.Millisecond, Attempts: []check.Attempt{accepted}}, check.Pass},
		{"client-slow-answer", check.ClientRun{Slow: 1500 * time.Millisecond, Attempts: []check.Attempt{dropped, accepted}}, check.Fail},
	} {
		if r := judgeClient(t, c.id, &c.run); r.Verdict != c.want {
			t.Errorf("%s on %+v: %s %s; want %s", c.id, c.run, r.Verdict, r.Message(), c.want)
		}
	}
}

// What the harness did not keep of a body is not judged: the checks of
// the body step aside, and submit-size says why.
func TestSubmitChecksOnACutBody(t *testing.T) {
	raw := submission(t, nil, 1, nil)
	s, _ := xsd.Embedded()
	cut := raw[:len(raw)-100]
	for _, c := range check.Catalogue() {
		if c.JudgeSubmit == nil {
			continue
		}
		r := c.JudgeSubmit(&check.SubmitInput{Account: account, Profile: check.ProfileVibes, Schemas: s, Raw: cut, BodySize: 5 << 20, BodyCut: true})
		switch c.ID {
		case "submit-size":
			if r.Verdict != check.Fail {
				t.Errorf("%s: %s %s", c.ID, r.Verdict, r.Message())
			}
		case "submit-content-type", "submit-basic-auth", "submit-carrier-code":
		default:
			if r.Verdict != check.NA {
				t.Errorf("%s on a cut body: %s %s; want n/a", c.ID, r.Verdict, r.Message())
			}
		}
	}
	for _, c := range check.Catalogue() {
		if c.JudgeSubmit != nil {
			c.JudgeSubmit(&check.SubmitInput{Account: account, Schemas: s, Raw: []byte("not http")}) // must not panic
		}
	}
}
