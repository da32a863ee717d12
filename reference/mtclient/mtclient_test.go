package mtclient_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/mockvibes"
	"github.com/mm7harness/mm7harness/reference/mtclient"
)

// The mock Vibes accepts what the client sends in either flavour, and
// what it sends is a schema-valid SubmitReq of the flavour, with one
// attachment, Basic credentials, a Content-Length and Vibes' headers.
func TestAcceptedByTheMockGateway(t *testing.T) {
	for _, v := range mm7.Flavours() {
		t.Run(v.Name, func(t *testing.T) {
			g, srv, rec := mockGateway(t)
			msg := message(t)
			msg.DLRCallbackURL, msg.CarrierCode = "http://127.0.0.1:1/dlr", "102"
			res, err := client(srv.URL, v).Submit(context.Background(), msg)
			if err != nil || !res.Accepted || res.Stop != mtclient.StopAccepted || res.Attempts != 1 {
				t.Fatalf("got %+v, %v; want accepted at the first attempt", res, err)
			}
			subs := g.Messages()
			if len(subs) != 1 || subs[0].MessageID != res.MessageID || res.Status != 1000 || res.HTTPStatus != 200 {
				t.Fatalf("result %+v; the gateway has %+v", res, subs)
			}
			s := rec.sent()[0]
			req, att, got := valid(t, s, v)
			wantSent(t, s, req, got.TransactionID(), res.TransactionID)
			if req.MM7Version != v.MM7Version || got.Envelope.Release != v.Release {
				t.Errorf("MM7Version %q in %s, want %q in %s", req.MM7Version, got.Envelope.Release, v.MM7Version, v.Release)
			}
			if !bytes.Equal(att.Body, msg.Media[0].Data) || att.MediaType != "image/png" {
				t.Errorf("attachment %s of %d bytes, want the picture", att.MediaType, len(att.Body))
			}
			if s.header.Get("X-Vibes-DlrCallbackUrl") != msg.DLRCallbackURL || s.header.Get("X-Vibes-CarrierCode") != "102" {
				t.Errorf("Vibes headers: %v", s.header)
			}
		})
	}
}

// wantSent checks what every request must be.
func wantSent(t *testing.T, s sent, req *mm7.SubmitReq, tid, resultTID string) {
	t.Helper()
	if u, p, ok := (&http.Request{Header: s.header}).BasicAuth(); !ok || u == "" || p == "" {
		t.Errorf("no Basic credentials: %q", s.header.Get("Authorization"))
	}
	if s.header.Get("Content-Length") == "" || s.header.Get("Transfer-Encoding") != "" {
		t.Errorf("Content-Length %q, Transfer-Encoding %q: want a Content-Length and no chunking", s.header.Get("Content-Length"), s.header.Get("Transfer-Encoding"))
	}
	if ct := s.header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/related") || !strings.Contains(ct, `type="text/xml"`) {
		t.Errorf("Content-Type %q", ct)
	}
	if !mm7.IsVibesTransactionID(tid) || tid != resultTID {
		t.Errorf("TransactionID %q, the result says %q", tid, resultTID)
	}
	if !bytes.Contains(s.body, []byte(`env:mustUnderstand="1">`+tid+"<")) {
		t.Errorf("the TransactionID is not marked mustUnderstand=\"1\"")
	}
	to := req.Recipients.All()
	sa := req.SenderIdentification.SenderAddress
	if len(to) != 1 || to[0] != mm7.Number(recipient) || sa == nil || *sa != mm7.ShortCode(shortCode) {
		t.Errorf("recipients %v, sender %v", to, sa)
	}
	if req.DeliveryReport == nil || !*req.DeliveryReport || req.Subject != "Hello" || req.Content == nil || !strings.HasPrefix(req.Content.Href, "cid:") {
		t.Errorf("SubmitReq %+v", req)
	}
}

// Several media travel as one multipart/mixed attachment, which the
// gateway takes.
func TestSeveralMediaAreOneAttachment(t *testing.T) {
	_, srv, rec := mockGateway(t)
	msg := message(t)
	msg.Media = append(msg.Media, mtclient.Media{ContentType: "text/plain; charset=utf-8", Filename: "hello.txt", Data: []byte("Hello, world")},
		mtclient.Media{ContentType: "application/smil", Data: []byte("<smil/>")})
	if res, err := client(srv.URL, mm7.Flavour680).Submit(context.Background(), msg); err != nil {
		t.Fatalf("got %+v, %v", res, err)
	}
	_, att, _ := valid(t, rec.sent()[0], mm7.Flavour680)
	if att.MediaType != "multipart/mixed" || len(att.Parts) != 3 || string(att.Parts[1].Body) != "Hello, world" {
		t.Fatalf("attachment %s with %d parts, want multipart/mixed with the 3 media", att.MediaType, len(att.Parts))
	}
}

// The mock gateway's temporary faults are retried up to MaxAttempts, the
// same message every time.
func TestRetriesTheGatewaysTemporaryFaults(t *testing.T) {
	for _, c := range []struct {
		fault  mockvibes.GatewayFault
		status mm7.StatusCode
		http   int
	}{
		{mockvibes.GatewayCapacity, 4005, 500},
		{mockvibes.GatewayFaultRS, 3000, 500},
		{mockvibes.GatewayHTTP500, 0, 500},
		{mockvibes.GatewayDrop, 0, 0},
	} {
		t.Run(string(c.fault), func(t *testing.T) {
			_, srv, rec := mockGateway(t, c.fault)
			cl := client(srv.URL, mm7.Flavour680)
			cl.MaxAttempts = 3
			res, err := cl.Submit(context.Background(), message(t))
			var e *mtclient.Error
			if !errors.As(err, &e) || res.Accepted || res.Stop != mtclient.StopAttempts || res.Attempts != 3 ||
				res.Status != c.status || res.HTTPStatus != c.http || len(rec.sent()) != 3 {
				t.Fatalf("got %+v, %v, %d requests; want 3 attempts ending in %d/HTTP %d", res, err, len(rec.sent()), c.status, c.http)
			}
			sameMessage(t, rec.sent())
		})
	}
}

// sameMessage checks that every attempt sent the same bytes: recipient,
// attachment, TransactionID.
func sameMessage(t *testing.T, reqs []sent) {
	t.Helper()
	for i, s := range reqs[1:] {
		if !bytes.Equal(s.body, reqs[0].body) || s.header.Get("Authorization") != reqs[0].header.Get("Authorization") {
			t.Errorf("attempt %d sent other bytes than the first", i+2)
		}
	}
}

// Against scripted answers, the client resends exactly after Vibes'
// temporary outcomes and stops at everything else.
func TestRetryPolicy(t *testing.T) {
	v := mm7.Flavour680
	cases := []struct {
		name     string
		steps    []step
		accepted bool
		attempts int
		status   mm7.StatusCode
		stop     mtclient.Stop
	}{
		{"4005 then success", []step{fault(v, 4005), success(v)}, true, 2, 1000, mtclient.StopAccepted},
		{"3000 then success", []step{fault(v, 3000), success(v)}, true, 2, 1000, mtclient.StopAccepted},
		{"3000 in a SubmitRsp then success", []step{mm7Answer(v, 200, submitRsp(v, 3000)), success(v)}, true, 2, 1000, mtclient.StopAccepted},
		{"bare 503, 502, 504, 500 then success", []step{bare(503), bare(502), bare(504), bare(500), success(v)}, true, 5, 1000, mtclient.StopAccepted},
		{"a reset then success", []step{reset, success(v)}, true, 2, 1000, mtclient.StopAccepted},
		{"held past the timeout then success", []step{hold, success(v)}, true, 2, 1000, mtclient.StopAccepted},
		{"4005 every time", []step{fault(v, 4005)}, false, 5, 4005, mtclient.StopAttempts},
		{"2504 once", []step{fault(v, 2504), success(v)}, false, 1, 2504, mtclient.StopRefused},
		{"2504 in a SubmitRsp", []step{mm7Answer(v, 200, submitRsp(v, 2504)), success(v)}, false, 1, 2504, mtclient.StopRefused},
		{"HTTP 413", []step{bare(413), success(v)}, false, 1, 0, mtclient.StopRefused},
		{"HTTP 429", []step{bare(429), success(v)}, false, 1, 0, mtclient.StopRefused},
		{"a blank 200", []step{bare(200), success(v)}, false, 1, 0, mtclient.StopRefused},
		{"a redirect", []step{redirect, success(v)}, false, 1, 0, mtclient.StopRefused},
		{"a Client fault without MM7 status", []step{mm7Answer(v, 500, &mm7.Fault{Code: "Client", String: "no"}), success(v)}, false, 1, 0, mtclient.StopRefused},
		{"a Server fault without MM7 status", []step{mm7Answer(v, 500, &mm7.Fault{Code: "Server", String: "busy"}), success(v)}, true, 2, 1000, mtclient.StopAccepted},
		{"an HTML 500 then success", []step{html500, success(v)}, true, 2, 1000, mtclient.StopAccepted},
		{"a multipart SubmitRsp", []step{multipartSuccess(v)}, true, 1, 1000, mtclient.StopAccepted},
	}
	// Every permanent status of Vibes' table stops at once.
	for _, code := range []mm7.StatusCode{2002, 2500, 2501, 2502, 2503, 2504, 2999, 3003, 3500, 4001, 4002, 4007, 2000, 4004} {
		cases = append(cases, struct {
			name     string
			steps    []step
			accepted bool
			attempts int
			status   mm7.StatusCode
			stop     mtclient.Stop
		}{code.String(), []step{fault(v, code), success(v)}, false, 1, code, mtclient.StopRefused})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, rec := serve(t, script(c.steps...))
			cl := client(srv.URL, v)
			cl.Timeout, cl.MaxAttempts = 300*time.Millisecond, 5
			res, err := cl.Submit(context.Background(), message(t))
			if res.Accepted != c.accepted || (err == nil) != c.accepted || res.Attempts != c.attempts || res.Status != c.status ||
				res.Stop != c.stop || len(rec.sent()) != c.attempts {
				t.Fatalf("got %+v, %v after %d requests; want accepted %t, %d attempts, status %d, stop %s",
					res, err, len(rec.sent()), c.accepted, c.attempts, c.status, c.stop)
			}
			if c.accepted && res.MessageID != "m-1" {
				t.Errorf("MessageID %q", res.MessageID)
			}
			for _, s := range rec.sent() {
				req, _, got := valid(t, s, v)
				wantSent(t, s, req, got.TransactionID(), res.TransactionID)
			}
			sameMessage(t, rec.sent())
		})
	}
}

func redirect(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/elsewhere", http.StatusFound)
}

func html500(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(500)
	w.Write([]byte("<html><body>Internal Server Error</body></html>"))
}

// multipartSuccess answers a SubmitRsp inside a multipart/related.
func multipartSuccess(v mm7.Flavour) step {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := mm7.EncodeMessage(v, "0123456789abcdef", submitRsp(v, 1000))
		ct, body, err := swa.Writer{}.Write(swa.New(swa.StyleStrict, b))
		if err != nil {
			http.Error(w, err.Error(), 599)
			return
		}
		w.Header().Set("Content-Type", ct)
		w.Write(body)
	}
}
