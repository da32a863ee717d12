package mockvibes_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/internal/needs"
	"github.com/mm7harness/mm7harness/mockvibes"
	"github.com/mm7harness/mm7harness/reference"
	"github.com/mm7harness/mm7harness/reference/referencetest"
)

func official(t *testing.T) *xsd.Schemas {
	dir := filepath.Join("..", "..", "shared", "3gpp-xsd")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("official schemas missing: %v", err)
		}
		t.Skip("SKIPPED: official schemas not found")
	}
	s, err := xsd.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func receiver(t *testing.T) *reference.Server {
	return referencetest.Start(t, reference.ServerConfig{})
}

func gateway(t *testing.T, g *mockvibes.Gateway) *httptest.Server {
	if g.Accounts == nil {
		g.Accounts = []mockvibes.Account{
			{User: "VibesUser", Password: "Password123", Flavour: mm7.Flavour680},
			{User: "Legacy", Password: "pw", Flavour: mm7.Flavour550, ShortCodes: []string{"63901"}},
		}
	}
	if g.RetryInterval == 0 {
		g.RetryInterval = 50 * time.Millisecond
	}
	g.ReportDelay = 20 * time.Millisecond
	if g.ControlToken == "" {
		g.ControlToken = testToken
	}
	srv := httptest.NewServer(g)
	t.Cleanup(func() { g.Wait(); srv.Close() })
	return srv
}

const testToken = "test-control-token"

// controlRequest is a control API request as a well-behaved client sends
// it: with the token, and a POST's body as JSON.
func controlRequest(t *testing.T, srv *httptest.Server, method, path string, body any) *http.Request {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// do sends req and returns the status and the body.
func do(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	b, err := io.ReadAll(rsp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rsp.StatusCode, b
}

// exchangeList is the answer to GET /control/exchanges.
type exchangeList struct {
	Dropped   int                      `json:"dropped"`
	Exchanges []mockvibes.ExchangeView `json:"exchanges"`
	More      bool                     `json:"more"`
}

// listExchanges gets /control/exchanges (with query, when not "").
func listExchanges(t *testing.T, srv *httptest.Server, query string) exchangeList {
	t.Helper()
	path := "/control/exchanges"
	if query != "" {
		path += "?" + query
	}
	code, b := do(t, controlRequest(t, srv, "GET", path, nil))
	var l exchangeList
	if err := json.Unmarshal(b, &l); code != 200 || err != nil {
		t.Fatalf("GET %s: HTTP %d, %v; want 200 and a listing\n%.500s", path, code, err, b)
	}
	return l
}

// submit posts a corpus SubmitReq (edited by edit) to the gateway.
func submit(t *testing.T, url, id, user, pass string, header map[string]string, edit func(string) string) (int, *mm7.Envelope, []byte) {
	t.Helper()
	c, err := corpus.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := c.Stamp(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h, _ := swa.ReadHTTP(raw)
	body := h.Body
	if edit != nil {
		body = []byte(edit(string(body)))
	}
	req, _ := http.NewRequest("POST", url+"/mm7", bytes.NewReader(body))
	req.Header.Set("Content-Type", h.ContentType())
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	b, _ := io.ReadAll(rsp.Body)
	env, _ := mm7.Decode(b, "utf-8")
	return rsp.StatusCode, env, b
}

func statusOf(env *mm7.Envelope) mm7.StatusCode {
	if env == nil {
		return 0
	}
	if r := mm7.ResponseOf(env.Message); r != nil {
		return r.Status.Code
	}
	return 0
}

func TestGatewayAnswersAsVibesDocuments(t *testing.T) {
	off := official(t)
	g := &mockvibes.Gateway{}
	srv := gateway(t, g)
	code, env, body := submit(t, srv.URL, "680-submit-dlr-true", "VibesUser", "Password123", nil, nil)
	rsp, ok := env.Message.(*mm7.SubmitRsp)
	if code != 200 || !ok || rsp.Status.Code != 1000 || len(rsp.MessageID) != 36 {
		t.Fatalf("success: HTTP %d %s", code, body)
	}
	if r := off.Validate(body); !r.Valid() {
		t.Errorf("SubmitRsp is not valid against the official schemas: %v", r.Errors)
	}
	twoRecipients := func(s string) string {
		return strings.Replace(s, "</ns3:To>", "<ns3:Number>3125550124</ns3:Number></ns3:To>", 1)
	}
	twoAttachments := func(s string) string {
		i := strings.LastIndex(s, "------=_Part_")
		b := s[i : strings.Index(s[i:], "\r\n")+i]
		b = strings.TrimSuffix(b, "--")
		return s[:i] + b + "\r\nContent-Type: text/plain\r\n\r\nsecond\r\n" + s[i:]
	}
	cases := []struct {
		name       string
		id         string
		user, pass string
		header     map[string]string
		edit       func(string) string
		http       int
		status     mm7.StatusCode
	}{
		{"no credentials", "680-submit-dlr-true", "", "", nil, nil, 401, 4001},
		{"wrong password", "680-submit-dlr-true", "VibesUser", "x", nil, nil, 401, 4001},
		{"other flavour", "550-submit-dlr-true", "VibesUser", "Password123", nil, nil, 500, 4002},
		{"no TransactionID", "680-submit-dlr-true", "VibesUser", "Password123", nil, func(s string) string {
			i, j := strings.Index(s, "<soapenv:Header>"), strings.Index(s, "</soapenv:Header>")
			return s[:i] + "<soapenv:Header>" + s[j:]
		}, 500, 2502},
		{"bad carrier code", "680-submit-dlr-true", "VibesUser", "Password123", map[string]string{"X-Vibes-CarrierCode": "ATT"}, nil, 500, 2503},
		{"parse error", "680-submit-dlr-true", "VibesUser", "Password123", nil, func(s string) string { return strings.Replace(s, "</ns3:Subject>", "", 1) }, 500, 2500},
		{"validation error", "680-submit-dlr-true", "VibesUser", "Password123", nil, func(s string) string {
			return strings.Replace(s, "<ns3:Subject>", "<ns3:Priority>Urgent</ns3:Priority><ns3:Subject>", 1)
		}, 500, 2504},
		{"several recipients", "680-submit-dlr-true", "VibesUser", "Password123", nil, twoRecipients, 500, 3003},
		{"several attachments", "680-submit-dlr-true", "VibesUser", "Password123", nil, twoAttachments, 500, 3500},
		{"short code not provisioned", "550-submit-dlr-false", "Legacy", "pw", nil, func(s string) string {
			return strings.Replace(s, "<ns3:ShortCode>63901<", "<ns3:ShortCode>55555<", 1)
		}, 500, 4007},
	}
	for _, c := range cases {
		code, env, body := submit(t, srv.URL, c.id, c.user, c.pass, c.header, c.edit)
		if code != c.http || statusOf(env) != c.status {
			t.Errorf("%s: HTTP %d status %d, want %d/%d\n%s", c.name, code, statusOf(env), c.http, c.status, body)
			continue
		}
		if r := off.Validate(body); !r.Valid() {
			t.Errorf("%s: answer not valid against the official schemas: %v", c.name, r.Errors)
		}
	}
	// Over 1 MB: HTTP 413.
	big := func(s string) string { return s + strings.Repeat(" ", 1<<20) }
	if code, _, _ := submit(t, srv.URL, "680-submit-dlr-true", "VibesUser", "Password123", nil, big); code != 413 {
		t.Errorf("over 1 MB: HTTP %d", code)
	}
	// The 5.5.0 account takes its own flavour.
	if code, env, body := submit(t, srv.URL, "550-submit-dlr-false", "Legacy", "pw", nil, nil); code != 200 || statusOf(env) != 1000 {
		t.Errorf("5.5.0 account: HTTP %d\n%s", code, body)
	}
}

// Delivery reports arrive at the callback URL per the DeliveryReport ×
// callback matrix, in Vibes' style, and the reference receiver stores them.
func TestDeliveryReportsFollowTheMatrix(t *testing.T) {
	off := official(t)
	recv := receiver(t)
	g := &mockvibes.Gateway{}
	srv := gateway(t, g)
	withRecipient := func(n string) func(string) string {
		return func(s string) string { return strings.Replace(s, ">3125550123<", ">"+n+"<", 1) }
	}
	cb := map[string]string{"X-Vibes-DlrCallbackUrl": recv.URL}
	type want struct {
		id, recipient string
		header        map[string]string
		reports       []mm7.MMStatus
	}
	cases := []want{
		{"680-submit-dlr-true", "3125550121", cb, []mm7.MMStatus{"Forwarded", "Retrieved"}},
		{"680-submit-dlr-true", "3125550126", cb, []mm7.MMStatus{"Forwarded", "Rejected"}},
		{"680-submit-dlr-true", "3125550127", cb, []mm7.MMStatus{"Forwarded", "Expired"}},
		{"680-submit-dlr-true", "3125550129", cb, []mm7.MMStatus{"Forwarded"}},
		{"680-submit-dlr-true", "3125550121", map[string]string{"X-Vibes-DlrCallbackUrl": recv.URL, "X-Mock-Outcome": "Indeterminate"}, []mm7.MMStatus{"Forwarded", "Indeterminate"}},
		{"680-submit-dlr-false", "3125550121", cb, []mm7.MMStatus{"Forwarded"}},
		{"680-submit-dlr-false", "3125550126", cb, []mm7.MMStatus{"Rejected"}},
		{"680-submit-dlr-true", "3125550121", nil, nil},
		{"680-submit-dlr-false", "3125550121", nil, nil},
	}
	var ids []string
	for _, c := range cases {
		code, env, body := submit(t, srv.URL, c.id, "VibesUser", "Password123", c.header, withRecipient(c.recipient))
		if code != 200 {
			t.Fatalf("%+v: HTTP %d %s", c, code, body)
		}
		ids = append(ids, env.Message.(*mm7.SubmitRsp).MessageID)
	}
	g.Wait()
	for i, c := range cases {
		var list struct {
			Messages []struct {
				MMStatus   string `json:"mm_status"`
				StatusText string `json:"status_text"`
				ID         int64  `json:"id"`
			}
		}
		rsp, _ := http.Get(strings.TrimSuffix(recv.URL, "/mm7") + "/messages?message_id=" + ids[i])
		json.NewDecoder(rsp.Body).Decode(&list)
		rsp.Body.Close()
		var got []mm7.MMStatus
		for _, m := range list.Messages {
			got = append(got, mm7.MMStatus(m.MMStatus))
		}
		if fmt.Sprint(got) != fmt.Sprint(c.reports) {
			t.Errorf("case %d (%s, recipient %s, %v): reports %v, want %v", i, c.id, c.recipient, c.header, got, c.reports)
		}
	}
	// What the gateway sent is Vibes-shaped and valid.
	for _, e := range g.Exchanges() {
		h, err := swa.ReadHTTP(e.Request)
		if err != nil || h.Header.Get("User-Agent") != "Java/1.6.0_65" || !bytes.Contains(h.Body, []byte(`encoding="utf-16"`)) {
			t.Fatalf("callback not in Vibes' form: %v\n%s", err, e.Request)
		}
		doc, _, _ := mm7.NormalizeCharset(h.Body, "utf-8")
		if r := off.Validate(doc); !r.Valid() {
			t.Errorf("callback not valid against the official schemas: %v", r.Errors)
		}
	}
	// State per MessageID.
	for _, s := range g.Messages() {
		for _, r := range s.Reports {
			if s.CallbackURL != "" && (!r.Delivered || r.Attempts != 1) {
				t.Errorf("%s: report %+v", s.MessageID, r)
			}
		}
	}
}

// Callbacks follow the retry policy: a failing endpoint gets the report
// again after the (shrunken) interval.
func TestCallbackRetries(t *testing.T) {
	var calls atomic.Int32
	cbSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
	}))
	defer cbSrv.Close()
	g := &mockvibes.Gateway{}
	srv := gateway(t, g)
	submit(t, srv.URL, "680-submit-dlr-false", "VibesUser", "Password123", map[string]string{"X-Vibes-DlrCallbackUrl": cbSrv.URL + "/dlr"}, nil)
	g.Wait()
	m := g.Messages()[0]
	if calls.Load() != 3 || len(m.Reports) != 1 || m.Reports[0].Attempts != 3 || !m.Reports[0].Delivered {
		t.Fatalf("%d calls, report %+v", calls.Load(), m.Reports[0])
	}
}

func TestGatewayMisbehaviours(t *testing.T) {
	checked := map[string]bool{}
	for _, c := range []struct {
		fault string
		check func(code int, err error, env *mm7.Envelope, took time.Duration) bool
	}{
		{"gateway-http-500", func(code int, err error, env *mm7.Envelope, _ time.Duration) bool { return code == 500 && env == nil }},
		{"gateway-fault", func(code int, _ error, env *mm7.Envelope, _ time.Duration) bool {
			f, ok := env.Message.(*mm7.Fault)
			_, rs := f.Detail.(*mm7.RSErrorRsp)
			return code == 500 && ok && rs && statusOf(env) == 3000
		}},
		{"gateway-capacity", func(code int, _ error, env *mm7.Envelope, _ time.Duration) bool { return statusOf(env) == 4005 }},
		{"gateway-drop", func(code int, err error, _ *mm7.Envelope, _ time.Duration) bool { return err != nil }},
		{"gateway-slow", func(code int, _ error, env *mm7.Envelope, took time.Duration) bool {
			return code == 200 && took >= 300*time.Millisecond
		}},
	} {
		checked[c.fault] = true
		faults, err := mockvibes.ParseGatewayFaults(c.fault)
		if err != nil || len(faults) != 1 {
			t.Fatalf("ParseGatewayFaults(%q): got %v, %v; want one fault", c.fault, faults, err)
		}
		g := &mockvibes.Gateway{Faults: faults, SlowDelay: 300 * time.Millisecond}
		srv := gateway(t, g)
		cs, _ := corpus.Get("680-submit-dlr-true")
		raw, _, _ := cs.Stamp(time.Now())
		h, _ := swa.ReadHTTP(raw)
		req, _ := http.NewRequest("POST", srv.URL+"/mm7", bytes.NewReader(h.Body))
		req.Header.Set("Content-Type", h.ContentType())
		req.SetBasicAuth("VibesUser", "Password123")
		start := time.Now()
		rsp, err := http.DefaultClient.Do(req)
		took := time.Since(start)
		var env *mm7.Envelope
		code := 0
		if err == nil {
			b, _ := io.ReadAll(rsp.Body)
			rsp.Body.Close()
			code = rsp.StatusCode
			env, _ = mm7.Decode(b, "utf-8")
		}
		if !c.check(code, err, env, took) {
			t.Errorf("%s: HTTP %d, err %v, %v", c.fault, code, err, took)
		}
	}
	for _, name := range mockvibes.GatewayFaultNames() {
		if !checked[name] {
			t.Errorf("gateway fault %s: no check here says it does what it says", name)
		}
	}
}

// The control API injects an MO into an endpoint and shows the exchange.
func TestControlAPI(t *testing.T) {
	recv := receiver(t)
	g := &mockvibes.Gateway{}
	srv := gateway(t, g)
	post := func(v any) (int, []mockvibes.ExchangeView) {
		code, b := do(t, controlRequest(t, srv, "POST", "/control/mo", v))
		var out []mockvibes.ExchangeView
		json.Unmarshal(b, &out)
		return code, out
	}
	code, exs := post(map[string]string{"case": "680-mo-seed", "target": recv.URL})
	if code != 200 || len(exs) != 1 || exs[0].Status != 200 {
		t.Fatalf("inject by case: %d %+v", code, exs)
	}
	c, _ := corpus.Get("550-dlr-expired")
	raw, _, _ := c.StampFor(recv.URL, time.Now())
	code, exs = post(map[string]string{"raw": base64.StdEncoding.EncodeToString(raw), "target": recv.URL})
	if code != 200 || exs[0].Status != 200 {
		t.Fatalf("inject raw: %d %+v", code, exs)
	}
	if code, _ := post(map[string]string{"target": recv.URL}); code != 400 {
		t.Errorf("neither case nor raw: %d", code)
	}
	if all := listExchanges(t, srv, ""); len(all.Exchanges) != 2 || all.Dropped != 0 || all.More {
		t.Fatalf("listed %d exchanges, %d dropped, more %t; want 2, 0, false", len(all.Exchanges), all.Dropped, all.More)
	}
	if code, _ := do(t, controlRequest(t, srv, "POST", "/control/reset", struct{}{})); code != 200 || len(g.Exchanges()) != 0 {
		t.Errorf("reset: HTTP %d, %d exchanges kept; want 200, 0", code, len(g.Exchanges()))
	}
}

// End to end: every positive corpus case the sender plays is accepted by
// the reference receiver.
func TestEveryPositiveCaseAcceptedEndToEnd(t *testing.T) {
	recv := receiver(t)
	var msgs []mockvibes.Message
	for _, c := range corpus.Select(corpus.Filter{Outcome: corpus.Accept}) {
		if c.Kind != corpus.KindSubmit {
			msgs = append(msgs, mockvibes.Message{Name: c.ID, Case: c})
		}
	}
	s := &mockvibes.Sender{Endpoint: recv.URL, Concurrency: 4, MaxRetries: -1, Timeout: 10 * time.Second}
	sum, err := s.Run(context.Background(), msgs, len(msgs), 0)
	if err != nil || sum.OK != len(msgs) {
		for _, e := range s.Exchanges() {
			if !e.OK() {
				t.Errorf("%s: HTTP %d %s", e.Message, e.Status, e.Err)
			}
		}
		t.Fatalf("%v %v", sum, err)
	}
}

const pyParse = `
import email, email.policy, sys, json
data = sys.stdin.buffer.read()
head, body = data.split(b"\r\n\r\n", 1)
ct = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-type:")][0]
msg = email.message_from_bytes(ct + b"\r\n\r\n" + body, policy=email.policy.compat32)
print(json.dumps(sum(1 for p in msg.walk() if not p.is_multipart())))
`

// What the sender emits parses with an independent MIME parser.
func TestSenderOutputParsesWithPython(t *testing.T) {
	py := needs.Tool(t, "python3", "the cross-check of the sender's output against another MIME parser")
	srv := newRawServer(t, nil)
	ids := []string{"680-mo-seed", "550-mo-smil", "680-mo-enc-quoted-printable", "550-mo-size-100k"}
	s := &mockvibes.Sender{Endpoint: srv.URL()}
	s.Run(context.Background(), messages(t, ids...), len(ids), 0)
	for i, e := range s.Exchanges() {
		cmd := exec.Command(py, "-c", pyParse)
		cmd.Stdin = bytes.NewReader(e.Request)
		out, err := cmd.Output()
		c, _ := corpus.Get(e.Message)
		if err != nil || strings.TrimSpace(string(out)) != fmt.Sprint(c.MIME.Parts) {
			t.Errorf("%d %s: Python sees %s parts, the manifest %d (%v)", i, e.Message, out, c.MIME.Parts, err)
		}
	}
}
