package mockvibes

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/receive"
)

// A certification of an MT client watches the gateway: every submission
// as it came and what it got (Gateway.OnSubmit), and every delivery-report
// exchange (Gateway.OnCallback). It also scripts the gateway: a submission
// may be answered otherwise than Vibes would answer it (Gateway.React) —
// a temporary error, no answer, a reset — to see what the client does.

// maxKeptSubmit bounds the body of a watched submission the gateway
// reads and keeps: above Vibes' 1 MB limit (which it still enforces), so
// that a client sending 2 MB is judged on what it sent.
const maxKeptSubmit = 4 << 20

// maxWatched bounds the watched submissions read at once: the memory
// they hold is at most maxWatched × maxKeptSubmit, whatever the client
// opens; more wait for their turn.
const maxWatched = 16

// maxKeptAnswer bounds the gateway's own answer kept in a record.
const maxKeptAnswer = 64 << 10

// SubmitAttempt is one POST /mm7 as the gateway saw it.
type SubmitAttempt struct {
	Received time.Time
	// Raw is the request as it came: the request line, the header, and
	// the body up to 4 MiB (BodyCut says there was more).
	Raw      []byte
	BodySize int64
	BodyCut  bool
	// Chunked: the body came in chunks (Raw holds it de-chunked).
	Chunked bool
	// Recipient is the first recipient the body names ("" when it does
	// not read), as the client wrote it.
	Recipient string
	// Reaction is what the script chose ("" for none: answered as Vibes
	// would).
	Reaction string
	// Status is the HTTP status answered (0: none: the connection was
	// dropped, reset or held until the client left). Response is the
	// answer as written, at most 64 KiB of it.
	Status   int
	Response []byte
	// MessageID is the MessageID of an accepted submission.
	MessageID string
	Took      time.Duration

	tid string
}

// TransactionID is the submission's TransactionID as far as it reads.
func (a *SubmitAttempt) TransactionID() string { return a.tid }

// Reaction is how the gateway answers a submission instead of the way
// Vibes would. The zero Reaction answers as Vibes would.
type Reaction struct {
	// Status answers a SOAP Fault with this MM7 status (HTTP 401 for
	// 4001, 500 otherwise), as the gateway answers its own refusals.
	Status mm7.StatusCode
	Text   string
	// HTTP answers this bare HTTP status, without a body.
	HTTP int
	// Hold gives no answer: the request is held this long, or until the
	// client leaves, and the connection closed.
	Hold time.Duration
	// Reset resets the connection without an answer.
	Reset bool
	// Delay answers as Vibes would, this much later.
	Delay time.Duration
}

// String names the reaction for records and reports.
func (r Reaction) String() string {
	switch {
	case r.Status != 0:
		return fmt.Sprintf("MM7 status %d", int(r.Status))
	case r.HTTP != 0:
		return fmt.Sprintf("HTTP %d", r.HTTP)
	case r.Hold > 0:
		return fmt.Sprintf("no answer for %v", r.Hold)
	case r.Reset:
		return "connection reset"
	case r.Delay > 0:
		return fmt.Sprintf("answered after %v", r.Delay)
	}
	return ""
}

// submitWatched serves a submission that is watched or scripted: it keeps
// the request, lets the script react, and records the answer.
func (g *Gateway) submitWatched(w http.ResponseWriter, r *http.Request) {
	select {
	case g.watchSlots <- struct{}{}:
		defer func() { <-g.watchSlots }()
	case <-r.Context().Done():
		return
	}
	at := &SubmitAttempt{Received: time.Now()}
	read, err := io.ReadAll(io.LimitReader(r.Body, maxKeptSubmit+1))
	body := read
	at.BodySize, at.BodyCut = int64(len(read)), len(read) > maxKeptSubmit
	if at.BodyCut {
		body = read[:maxKeptSubmit]
		at.BodySize = max(at.BodySize, r.ContentLength)
	}
	at.Chunked = len(r.TransferEncoding) > 0
	at.Raw = append(requestHead(r, len(body)), body...)
	at.Recipient, at.tid = peek(r.Header.Get("Content-Type"), body)
	// The gateway reads the request as it came: what was read, and what
	// was not.
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(read), r.Body))
	rec := &answerRecorder{ResponseWriter: w, at: at}
	// The script answers submissions: a POST that holds a SubmitReq (a
	// probe or a stray GET takes no scenario's turn).
	var react Reaction
	if g.React != nil && err == nil && r.Method == http.MethodPost && at.Recipient != "" {
		react = g.React(at)
	}
	at.Reaction = react.String()
	if !g.reactTo(rec, r, react) {
		g.serveSubmit(rec, r)
	}
	rec.finish()
	at.Took = time.Since(at.Received)
	if g.OnSubmit != nil {
		g.OnSubmit(at)
	}
}

// reactTo answers as the reaction says, and reports whether it did (a
// delay answers nothing itself: the gateway answers after it).
func (g *Gateway) reactTo(w http.ResponseWriter, r *http.Request, react Reaction) bool {
	switch {
	case react.Status != 0:
		v := mm7.NewestFlavour()
		if acct, ok := g.account(r); ok {
			v = acct.Flavour
		}
		// A Fault with HTTP 500 for every status, 4001 included: an HTTP
		// 401 challenge makes Java's and .NET's authenticators resend on
		// their own, and whether Vibes sends one is not documented.
		g.answerError(w, http.StatusInternalServerError, v, w.(*answerRecorder).at.tid, react.Status, react.Text)
	case react.HTTP != 0:
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(react.HTTP)
	case react.Hold > 0:
		select {
		case <-time.After(react.Hold):
		case <-r.Context().Done():
		}
		hangUp(w, false)
	case react.Reset:
		hangUp(w, true)
	case react.Delay > 0:
		if sleep(r.Context(), react.Delay) != nil {
			return true
		}
		return false
	default:
		return false
	}
	return true
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// hangUp ends the connection without an answer; reset makes it a TCP
// reset rather than a close.
func hangUp(w http.ResponseWriter, reset bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	c, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := c.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

// requestHead is the request line and header as they came (Go's server
// has parsed them: the header is written back in canonical order), for a
// body of n bytes as kept: a chunked body is kept de-chunked, so the head
// gives its length instead (SubmitAttempt.Chunked says how it came).
func requestHead(r *http.Request, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s %s\r\nHost: %s\r\n", r.Method, r.RequestURI, r.Proto, r.Host)
	h := r.Header.Clone()
	h.Del("Transfer-Encoding")
	switch {
	case len(r.TransferEncoding) > 0:
		h.Set("Content-Length", strconv.Itoa(n))
	case r.ContentLength >= 0:
		h.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	}
	_ = h.Write(&b)
	b.WriteString("\r\n")
	return b.Bytes()
}

// peek reads what the script needs to know of a submission before the
// gateway reads it as Vibes would: its recipient and TransactionID.
func peek(contentType string, body []byte) (recipient, tid string) {
	req, _ := receive.Read(contentType, bytes.NewReader(body), int64(len(body)), receive.Options{Lenient: true, Diagnose: true})
	if sr, ok := req.Message().(*mm7.SubmitReq); ok {
		if all := sr.Recipients.All(); len(all) > 0 {
			recipient = all[0].Value
		}
	}
	return recipient, req.TransactionID()
}

// answerRecorder keeps what the gateway answers a watched submission.
type answerRecorder struct {
	http.ResponseWriter
	at     *SubmitAttempt
	status int
	body   bytes.Buffer
}

func (a *answerRecorder) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
	a.ResponseWriter.WriteHeader(status)
}

func (a *answerRecorder) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	if room := maxKeptAnswer - a.body.Len(); room > 0 {
		a.body.Write(b[:min(len(b), room)])
	}
	return a.ResponseWriter.Write(b)
}

// Hijack lets the gateway drop or reset the connection: no answer.
func (a *answerRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := a.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("mockvibes: the connection cannot be taken over")
	}
	a.status = -1
	return hj.Hijack()
}

// finish writes the answer into the record.
func (a *answerRecorder) finish() {
	if a.status <= 0 {
		return
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", a.status, http.StatusText(a.status))
	_ = a.Header().Write(&b)
	b.WriteString("\r\n")
	b.Write(a.body.Bytes())
	a.at.Status, a.at.Response = a.status, b.Bytes()
}
