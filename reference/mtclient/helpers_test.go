package mtclient_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/mockvibes"
	"github.com/mm7harness/mm7harness/reference/mtclient"
)

// sent is one request as a test server saw it.
type sent struct {
	header http.Header
	body   []byte
}

// recorder keeps every request that reaches h, then lets h answer it.
type recorder struct {
	h    http.Handler
	mu   sync.Mutex
	reqs []sent
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h := r.Header.Clone()
	if r.ContentLength >= 0 && len(r.TransferEncoding) == 0 {
		h.Set("Content-Length", fmt.Sprint(r.ContentLength))
	}
	if len(r.TransferEncoding) > 0 {
		h.Set("Transfer-Encoding", strings.Join(r.TransferEncoding, ","))
	}
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, sent{header: h, body: body})
	rec.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec.h.ServeHTTP(w, r)
}

func (rec *recorder) sent() []sent {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]sent(nil), rec.reqs...)
}

// serve starts h behind a recorder.
func serve(t *testing.T, h http.Handler) (*httptest.Server, *recorder) {
	rec := &recorder{h: h}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return srv, rec
}

// The accounts of the mock gateway in these tests.
const (
	user680, pass680 = "VibesUser", "Password123"
	user550, pass550 = "Legacy", "pw"
	shortCode        = "63901"
	recipient        = "+13125550071"
)

// mockGateway starts the mock Vibes with one account per flavour.
func mockGateway(t *testing.T, faults ...mockvibes.GatewayFault) (*mockvibes.Gateway, *httptest.Server, *recorder) {
	g := &mockvibes.Gateway{
		Accounts: []mockvibes.Account{
			{User: user680, Password: pass680, Flavour: mm7.Flavour680},
			{User: user550, Password: pass550, Flavour: mm7.Flavour550, ShortCodes: []string{shortCode}},
		},
		Faults: faults, RetryInterval: time.Millisecond, MaxRetries: -1, CallbackTimeout: time.Second, ReportDelay: time.Millisecond,
	}
	srv, rec := serve(t, g)
	t.Cleanup(g.Wait)
	return g, srv, rec
}

// client is a client of the flavour's test account at url, quick to
// retry.
func client(url string, v mm7.Flavour) *mtclient.Client {
	c := &mtclient.Client{Endpoint: url + "/mm7", User: user680, Password: pass680, Flavour: v,
		Timeout: 2 * time.Second, RetryInterval: 5 * time.Millisecond}
	if v == mm7.Flavour550 {
		c.User, c.Password = user550, pass550
	}
	return c
}

// picture is a small valid PNG.
func picture(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func message(t *testing.T) mtclient.Message {
	return mtclient.Message{To: recipient, From: shortCode, Subject: "Hello", DeliveryReport: true,
		Media: []mtclient.Media{{ContentType: "image/png", Filename: "hello.png", Data: picture(t)}}}
}

var schemas = sync.OnceValues(xsd.Embedded)

// valid reads a request as a strict receiver of flavour v does — MIME,
// SOAP, the flavour's schema — and returns the SubmitReq and the one
// attachment it refers to.
func valid(t *testing.T, s sent, v mm7.Flavour) (*mm7.SubmitReq, *swa.Part, *receive.Request) {
	t.Helper()
	sch, err := schemas()
	if err != nil {
		t.Fatal(err)
	}
	got, err := receive.Read(s.header.Get("Content-Type"), bytes.NewReader(s.body), int64(len(s.body)),
		receive.Options{Schemas: sch, Release: v.Release, Expect: v, Serves: []mm7.Kind{mm7.KindSubmitReq}})
	if err != nil {
		t.Fatalf("what was sent does not read as a valid %s SubmitReq: %v", v, err)
	}
	if len(got.Deviations()) > 0 {
		t.Errorf("what was sent needed leniency: %v", got.Deviations())
	}
	req := got.Message().(*mm7.SubmitReq)
	att := got.MIME.Attachments()
	if len(att) != 1 || got.Unresolved {
		t.Fatalf("%d attachments (unresolved: %t), want exactly one, referenced", len(att), got.Unresolved)
	}
	return req, att[0], got
}

// step answers one request of a script.
type step func(w http.ResponseWriter, r *http.Request)

// script answers the requests with its steps in order; the last step
// answers every request after.
func script(steps ...step) http.Handler {
	var mu sync.Mutex
	n := 0
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		s := steps[min(n, len(steps)-1)]
		n++
		mu.Unlock()
		s(w, r)
	})
}

// mm7Answer answers with m in flavour v under HTTP status code.
func mm7Answer(v mm7.Flavour, code int, m mm7.Message) step {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := mm7.EncodeMessage(v, mm7.NewTransactionID(), m)
		if err != nil {
			http.Error(w, err.Error(), 599)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(code)
		w.Write(b)
	}
}

func submitRsp(v mm7.Flavour, code mm7.StatusCode) mm7.Message {
	return &mm7.SubmitRsp{Response: mm7.Response{MM7Version: v.MM7Version, Status: mm7.Status{Code: code, Text: code.Text()}}, MessageID: "m-1"}
}

func success(v mm7.Flavour) step { return mm7Answer(v, 200, submitRsp(v, 1000)) }

// fault answers a SOAP Fault carrying an RSErrorRsp with code, as the
// mock gateway does.
func fault(v mm7.Flavour, code mm7.StatusCode) step {
	fc := "Client"
	if code.VibesRetryable() {
		fc = "Server"
	}
	httpStatus := 500
	if code == mm7.StatusImproperIdentification {
		httpStatus = 401
	}
	return mm7Answer(v, httpStatus, &mm7.Fault{Code: fc, String: code.Text(),
		Detail: &mm7.RSErrorRsp{Response: mm7.Response{MM7Version: v.MM7Version, Status: mm7.Status{Code: code, Text: code.Text()}}}})
}

func bare(code int) step {
	return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
}

// reset resets the connection without an answer.
func reset(w http.ResponseWriter, r *http.Request) {
	c, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

// hold gives no answer until the client leaves (or a while passes).
func hold(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}
