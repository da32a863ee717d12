// Package reference is a production-quality MM7 endpoint for Vibes: it
// accepts every DeliverReq, DeliveryReportReq and ReadReplyReq Vibes sends
// in either flavour, stores each durably (attachments byte-exact) before
// acknowledging, answers exactly right, and serves what it stored to the
// customer's application. It is also the harness's own proof: the
// certification suites must pass against it.
package reference

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// ResponseMode is how accepted requests are answered.
type ResponseMode string

// The response modes; Vibes accepts both.
const (
	ResponseSOAP  ResponseMode = "soap"  // a DeliverRsp, DeliveryReportRsp or ReadReplyRsp
	ResponseBlank ResponseMode = "blank" // HTTP 200 with an empty body
)

// Config configures a Handler. The zero value is usable.
type Config struct {
	// Path is where MM7 requests are POSTed; default "/mm7".
	Path string
	// Response is ResponseSOAP (default) or ResponseBlank.
	Response ResponseMode
	// Expect is the flavour the account uses. A message in the other
	// flavour's namespace is still accepted (Vibes' own 5.5.0 example uses
	// REL-6) and noted; zero accepts either without comment.
	Expect mm7.Flavour
	// User and Password, when set, require HTTP Basic credentials (4001
	// otherwise). Vibes' callbacks do not document them: prefer AllowIPs
	// and client certificates.
	User, Password string
	// AllowIPs, when set, admits MM7 requests from these networks only
	// (403 otherwise), e.g. Vibes' published callback addresses.
	AllowIPs []netip.Prefix
	// MaxBody bounds a request body; default 16 MiB. Larger gets 413.
	MaxBody int64
	// ProcessTimeout bounds a request's processing once its body has
	// arrived, storing included (Vibes stops waiting after 2 s and
	// retries); default 30 s.
	ProcessTimeout time.Duration
	// MaxInflight bounds the memory the bodies of all requests take at
	// once (their buffers and what is decoded from them), reserved as the
	// buffers grow with the bytes that arrive; a request that would pass it
	// gets 503 with Retry-After (Vibes retries). Default
	// DefaultMaxInflight.
	MaxInflight int64
	// Limits bound the MIME structure (parts, nesting, part header size);
	// zero fields take swa.DefaultLimits. Past them a request gets 2000.
	Limits swa.Limits
	// Lenient accepts what the RFCs let a reader accept but the receiver
	// refuses by default: any Content-Type (the body is sniffed: RFC 9110
	// section 8.3), a multipart without its close delimiter, base64 with
	// characters outside the alphabet (ignored, as RFC 2045 section 6.8
	// says), and a GET (answered with a line of text). Vibes retries what
	// it gets no 2xx for, so a receiver may prefer storing the odd message
	// to refusing it; each such message is stored with its deviations.
	Lenient bool
	// StoreRaw keeps every request body as received, besides its parts.
	StoreRaw bool
	// Schemas validates requests; nil means the embedded ones.
	Schemas *xsd.Schemas
	// APIToken, when set, protects the read API and /metrics with a
	// bearer token. Without it (and without User), they are served only
	// when LoopbackAPI says the listener is on loopback.
	APIToken string
	// LoopbackAPI serves the read API and /metrics without credentials:
	// NewServer sets it when it listens on a loopback address, where only
	// this machine can reach them.
	LoopbackAPI bool
	// Logger gets one line per MM7 request; nil discards.
	Logger *slog.Logger
}

// DefaultMaxBody is the default body limit.
const DefaultMaxBody = 16 << 20

// DefaultMaxInflight is the default bound on body bytes held at once.
const DefaultMaxInflight = 256 << 20

// Handler serves the MM7 endpoint and the read API.
type Handler struct {
	cfg     Config
	store   Store
	schemas *xsd.Schemas
	metrics *metrics
	mux     *http.ServeMux
	// inflight counts the body bytes all requests hold.
	inflight *budget
	answers  successAnswers
}

// NewHandler returns a handler storing into store.
func NewHandler(cfg Config, store Store) (*Handler, error) {
	if cfg.Path == "" {
		cfg.Path = "/mm7"
	}
	if cfg.Response == "" {
		cfg.Response = ResponseSOAP
	}
	if cfg.Response != ResponseSOAP && cfg.Response != ResponseBlank {
		return nil, fmt.Errorf("reference: response mode %q: want soap or blank", cfg.Response)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxInflight <= 0 {
		cfg.MaxInflight = DefaultMaxInflight
	}
	if cfg.ProcessTimeout <= 0 {
		cfg.ProcessTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	schemas := cfg.Schemas
	if schemas == nil {
		var err error
		if schemas, err = xsd.Embedded(); err != nil {
			return nil, err
		}
	}
	inflight := &budget{max: cfg.MaxInflight}
	h := &Handler{cfg: cfg, store: store, schemas: schemas, metrics: newMetrics(func() float64 { return float64(inflight.used.Load()) }),
		mux: http.NewServeMux(), inflight: inflight}
	h.mux.HandleFunc(cfg.Path, h.serveMM7)
	h.routeAPI()
	return h, nil
}

// ServeHTTP admits a request from an allowed address only (--allow-ip
// covers every route), then routes it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(r.TransferEncoding) > 0 {
		// A chunked request may have come with a Content-Length too, which
		// net/http drops before the handler sees it: RFC 9112 section 6.3
		// calls that a possible smuggling attempt and says to close the
		// connection after answering. Vibes never chunks, so closing after
		// every chunked request costs nothing, and whatever followed the
		// chunked body is never read as a request of its own.
		w.Header().Set("Connection", "close")
	}
	if !h.allowed(r) && r.URL.Path != h.cfg.Path {
		// MM7 requests are refused by serveMM7 itself, which logs them.
		plainError(w, "403 forbidden: this address may not reach this receiver", http.StatusForbidden)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// exchange collects what one MM7 request was and how it ended, for the
// log line and the metrics.
type exchange struct {
	kind, tid, outcome string
	status             mm7.StatusCode
	httpStatus         int
	deviations         []string
	bytes              int64
	id                 int64
	err                string
	undelivered        string // why the answer could not be written
}

func (h *Handler) serveMM7(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ex := &exchange{kind: "unknown"}
	dw := &deliveryWriter{ResponseWriter: w}
	w = dw
	defer func() {
		dw.flush()
		if dw.err != nil {
			// The answer never reached the client (it left, or its
			// connection broke): the log must not say it was given.
			ex.undelivered = dw.err.Error()
		}
		h.finish(r, ex, time.Since(start))
	}()
	if !h.admit(w, r, ex) {
		return
	}
	held := &reservation{b: h.inflight}
	defer held.release()
	limits := h.cfg.Limits
	limits.MaxBytes = h.cfg.MaxBody
	req, err := receive.Read(r.Header.Get("Content-Type"), http.MaxBytesReader(w, r.Body, h.cfg.MaxBody), r.ContentLength,
		receive.Options{Limits: limits, Reserve: held.reserve, Expect: h.cfg.Expect, Schemas: h.schemas, Serves: vaspServes,
			Lenient: h.cfg.Lenient, Forgive: true})
	msg, env := req.MIME, req.Envelope
	if msg != nil {
		ex.bytes = int64(len(msg.Raw()))
	}
	for _, d := range req.Deviations() {
		ex.deviations = append(ex.deviations, string(d.ID))
	}
	args := faultArgs{}
	if env != nil {
		ex.tid, args.tid, args.flavour, args.release = env.TransactionID, env.TransactionID, env.Flavour, env.Release
		if env.Message != nil {
			ex.kind = string(env.Message.Kind())
		}
	}
	if f := receive.FailureOf(err); f != nil {
		h.refuse(w, ex, f, args)
		return
	}
	// Every request has a deadline for its processing once its body has
	// arrived, storing included.
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.ProcessTimeout)
	defer cancel()
	rec := h.record(r, msg, env)
	if req.Sniffed {
		rec.Deviations = append(rec.Deviations, devContentTypeSniffed)
	}
	if req.Unresolved {
		// The content is stored all the same; the reference is noted.
		rec.Deviations = append(rec.Deviations, "content-unresolved")
	}
	ex.deviations = rec.Deviations
	id, dup, err := h.store.Save(ctx, rec)
	if err != nil {
		// Not acknowledged: Vibes will send it again.
		args.code, args.details = mm7.StatusServerError, "could not store the message"
		ex.err = err.Error()
		h.fault(w, ex, args)
		return
	}
	ex.id, ex.outcome = id, "accepted"
	if dup {
		ex.outcome = "duplicate"
	}
	h.answer(w, ex, env)
}

// admit answers a request the receiver does not read — from an address
// not allowed, not a POST, without the credentials — and says whether
// it may be read.
func (h *Handler) admit(w http.ResponseWriter, r *http.Request, ex *exchange) bool {
	if !h.allowed(r) {
		ex.outcome, ex.httpStatus = "forbidden", http.StatusForbidden
		plainError(w, "403 forbidden: this address may not send MM7 requests", http.StatusForbidden)
		return false
	}
	if r.Method == http.MethodGet && h.cfg.Lenient {
		ex.outcome, ex.httpStatus = "get", http.StatusOK
		plainError(w, "MM7 endpoint: POST MM7 requests here", http.StatusOK)
		return false
	}
	if r.Method != http.MethodPost {
		ex.outcome, ex.httpStatus = "method", http.StatusMethodNotAllowed
		w.Header().Set("Allow", http.MethodPost)
		plainError(w, "405 method not allowed: MM7 requests are POSTed", http.StatusMethodNotAllowed)
		return false
	}
	if h.cfg.User != "" && !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="mm7"`)
		h.fault(w, ex, faultArgs{code: mm7.StatusImproperIdentification, httpStatus: http.StatusUnauthorized, details: "bad or missing Basic credentials"})
		return false
	}
	return true
}

// deliveryWriter flushes what the handler writes and keeps the first
// error: an answer buffered but never delivered is not an answer given.
type deliveryWriter struct {
	http.ResponseWriter
	err error
}

func (d *deliveryWriter) Write(b []byte) (int, error) {
	n, err := d.ResponseWriter.Write(b)
	if err != nil && d.err == nil {
		d.err = err
	}
	return n, err
}

// flush sends what was written, once the answer is whole (every answer
// carries its Content-Length, so flushing does not turn it chunked), and
// keeps the error when it could not be sent.
func (d *deliveryWriter) flush() {
	if err := http.NewResponseController(d.ResponseWriter).Flush(); err != nil && d.err == nil {
		d.err = err
	}
}

// plainError answers with a line of text and its Content-Length.
func plainError(w http.ResponseWriter, msg string, status int) {
	msg += "\n"
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(msg)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
}

// Unwrap gives http.ResponseController the writer underneath.
func (d *deliveryWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// devContentTypeSniffed notes a message whose Content-Type was not MM7's,
// read by looking at its body (Config.Lenient).
const devContentTypeSniffed = "http-content-type-sniffed"

// vaspServes are the operations a VASP's endpoint takes from Vibes.
var vaspServes = []mm7.Kind{mm7.KindDeliverReq, mm7.KindDeliveryReportReq, mm7.KindReadReplyReq}

// refuse answers a request that cannot be taken, as its failure says:
// with an HTTP status alone when it never made it past HTTP, with a SOAP
// Fault carrying the MM7 status otherwise.
func (h *Handler) refuse(w http.ResponseWriter, ex *exchange, f *receive.Failure, args faultArgs) {
	switch {
	case errors.Is(f, errBusy):
		ex.outcome, ex.httpStatus = "busy", http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
		w.Header().Set("Connection", "close")
		plainError(w, fmt.Sprintf("503 busy: the bodies of the requests in progress pass %d bytes; try again shortly", h.cfg.MaxInflight), http.StatusServiceUnavailable)
	case f.Layer == receive.LayerHTTP && f.Reason == "too-large":
		h.tooLarge(w, ex)
	case f.Layer == receive.LayerHTTP && f.Reason == "incomplete":
		// The body never arrived whole (a slow or lying client): there is
		// no message to answer, only a request to end.
		ex.outcome, ex.httpStatus, ex.err = "incomplete", http.StatusRequestTimeout, f.Error()
		w.Header().Set("Connection", "close")
		plainError(w, "408 request timeout: the body did not arrive", http.StatusRequestTimeout)
	case f.Layer == receive.LayerHTTP && f.Reason == "framing":
		ex.outcome, ex.httpStatus, ex.err = "framing", http.StatusBadRequest, f.Error()
		w.Header().Set("Connection", "close")
		plainError(w, "400 bad request: the body's chunked framing does not read", http.StatusBadRequest)
	case f.Layer == receive.LayerHTTP && f.Reason == "content-type":
		ex.outcome, ex.httpStatus = "content-type", http.StatusUnsupportedMediaType
		plainError(w, "415 unsupported media type: "+f.Msg, http.StatusUnsupportedMediaType)
	case f.Fault():
		args.code, args.faultCode, args.details = f.Status, f.FaultCode, strings.TrimPrefix(f.Error(), "receive: ")
		h.fault(w, ex, args)
	default:
		ex.outcome, ex.httpStatus, ex.err = "error", http.StatusInternalServerError, f.Error()
		plainError(w, "500 the request could not be read", http.StatusInternalServerError)
	}
}

func (h *Handler) tooLarge(w http.ResponseWriter, ex *exchange) {
	ex.outcome, ex.httpStatus = "too-large", http.StatusRequestEntityTooLarge
	w.Header().Set("Connection", "close")
	plainError(w, fmt.Sprintf("413 request entity too large: the limit is %d bytes", h.cfg.MaxBody), http.StatusRequestEntityTooLarge)
}

// answer writes the success response in the request's namespace and
// version, or a blank 200.
func (h *Handler) answer(w http.ResponseWriter, ex *exchange, env *mm7.Envelope) {
	ex.status, ex.httpStatus = mm7.StatusSuccess, http.StatusOK
	if h.cfg.Response == ResponseBlank {
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	req := env.Message.(mm7.Request)
	rsp := mm7.NewResponse(req, env.Flavour, mm7.StatusSuccess, "Success")
	mm7.ResponseOf(rsp).MM7Version = env.Flavour.AnswerMM7Version(mm7.MM7VersionOf(env.Message), env.Release)
	b, err := h.answers.encode(&mm7.Envelope{Flavour: env.Flavour, Release: env.Release, TransactionID: env.TransactionID, Message: rsp})
	if err != nil {
		// Cannot happen for a message that decoded; answer plainly if it does.
		ex.err = err.Error()
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	writeXML(w, http.StatusOK, b)
}

type faultArgs struct {
	code       mm7.StatusCode
	details    string
	faultCode  string
	httpStatus int
	tid        string
	flavour    mm7.Flavour
	release    mm7.Release
}

// fault answers with a SOAP 1.1 Fault carrying a VASPErrorRsp, with HTTP
// 500 as SOAP 1.1 section 6.2 prescribes (401 for a credentials failure).
func (h *Handler) fault(w http.ResponseWriter, ex *exchange, a faultArgs) {
	if a.httpStatus == 0 {
		a.httpStatus = http.StatusInternalServerError
	}
	if a.faultCode == "" {
		a.faultCode = faultCode(a.code)
	}
	if a.flavour.IsZero() {
		a.flavour = h.cfg.Expect
		if a.flavour.IsZero() {
			a.flavour = mm7.NewestFlavour()
		}
	}
	if a.release == "" || !a.release.Known() {
		a.release = a.flavour.Release
	}
	ex.outcome, ex.status, ex.httpStatus = "rejected", a.code, a.httpStatus
	if ex.err == "" {
		ex.err = a.details
	}
	f := &mm7.Fault{Code: a.faultCode, String: fmt.Sprintf("%d %s", int(a.code), a.code.Text())}
	if a.faultCode != "MustUnderstand" {
		f.Detail = &mm7.VASPErrorRsp{Response: mm7.Response{
			MM7Version: a.release.DefaultMM7Version(),
			Status:     mm7.Status{Code: a.code, Text: a.code.Text(), Details: detailsOf(a.details)},
		}}
	}
	b, err := mm7.Encode(&mm7.Envelope{Flavour: a.flavour, Release: a.release, TransactionID: a.tid, Message: f})
	if err != nil {
		plainError(w, f.String, a.httpStatus)
		return
	}
	writeXML(w, a.httpStatus, b)
}

// detailsOf wraps a reason in an element: the schema's Details takes
// elements only.
func detailsOf(reason string) *mm7.Details {
	if reason == "" {
		return nil
	}
	var b strings.Builder
	b.WriteString("<Reason>")
	xmlEscape(&b, reason)
	b.WriteString("</Reason>")
	return &mm7.Details{InnerXML: b.String()}
}

func xmlEscape(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFD || r == 0xFFFE || r == 0xFFFF {
				b.WriteRune('?')
				continue
			}
			b.WriteRune(r)
		}
	}
}

func writeXML(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (h *Handler) allowed(r *http.Request) bool {
	if len(h.cfg.AllowIPs) == 0 {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	return slices.ContainsFunc(h.cfg.AllowIPs, func(p netip.Prefix) bool { return p.Contains(ip) })
}

func (h *Handler) authorized(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(u), []byte(h.cfg.User)) == 1 &&
		subtle.ConstantTimeCompare([]byte(p), []byte(h.cfg.Password)) == 1
}

// record turns a decoded request into what is stored.
func (h *Handler) record(r *http.Request, msg *swa.Message, env *mm7.Envelope) *Record {
	rec := &Record{
		ReceivedAt: time.Now(), Kind: string(env.Message.Kind()), Flavour: env.Flavour.Name, Release: string(env.Release),
		TransactionID: env.TransactionID, ContentType: r.Header.Get("Content-Type"), SOAP: msg.SOAP(),
	}
	if h.cfg.StoreRaw {
		rec.Raw = msg.Raw()
	}
	seen := map[string]bool{}
	for _, list := range [][]mm7.Deviation{msg.Deviations, env.Deviations} {
		for _, d := range list {
			if !seen[string(d.ID)] {
				seen[string(d.ID)] = true
				rec.Deviations = append(rec.Deviations, string(d.ID))
			}
		}
	}
	addRecipients := func(field string, list []mm7.Address) {
		for _, a := range list {
			rec.Recipients = append(rec.Recipients, Recipient{Field: field, Kind: string(a.Kind), Value: a.Value})
		}
	}
	switch m := env.Message.(type) {
	case *mm7.DeliverReq:
		rec.LinkedID, rec.Subject, rec.Date = m.LinkedID, m.Subject, string(m.TimeStamp)
		rec.Sender, rec.SenderKind = m.Sender.Value, string(m.Sender.Kind)
		if m.Recipients != nil {
			addRecipients("To", m.Recipients.To)
			addRecipients("Cc", m.Recipients.Cc)
			addRecipients("Bcc", m.Recipients.Bcc)
		}
	case *mm7.DeliveryReportReq:
		rec.MessageID, rec.Date, rec.MMStatus, rec.StatusText = m.MessageID, string(m.Date), string(m.MMStatus), m.StatusText
		rec.Sender, rec.SenderKind = m.Sender.Value, string(m.Sender.Kind)
		addRecipients("Recipient", []mm7.Address{m.Recipient})
	case *mm7.ReadReplyReq:
		rec.MessageID, rec.Date, rec.MMStatus, rec.StatusText = m.MessageID, string(m.TimeStamp), string(m.MMStatus), m.StatusText
		rec.Sender, rec.SenderKind = m.Sender.Value, string(m.Sender.Kind)
		addRecipients("Recipient", []mm7.Address{m.Recipient})
	}
	msg.Walk(func(p *swa.Part) {
		if p.IsMultipart() || p == msg.Root {
			return
		}
		sum := sha256.Sum256(p.Body)
		ctype := p.Header.Get("Content-Type")
		if ctype == "" {
			ctype = p.MediaType
		}
		rec.Parts = append(rec.Parts, StoredPart{
			N: len(rec.Parts) + 1, Path: p.Path, ContentType: ctype, ContentID: p.ContentID, ContentLocation: p.ContentLocation,
			Encoding: p.Encoding, Header: string(p.RawHeader), Size: int64(len(p.Body)), SHA256: hex.EncodeToString(sum[:]), Body: p.Body,
		})
	})
	return rec
}

func (h *Handler) finish(r *http.Request, ex *exchange, d time.Duration) {
	h.metrics.observe(ex, d)
	attrs := []any{
		"remote", r.RemoteAddr, "status", ex.httpStatus, "kind", ex.kind, "transaction_id", ex.tid,
		"outcome", ex.outcome, "bytes", ex.bytes, "duration_ms", float64(d.Microseconds()) / 1000,
	}
	if ex.status != 0 {
		attrs = append(attrs, "mm7_status", int(ex.status))
	}
	if len(ex.deviations) > 0 {
		attrs = append(attrs, "deviations", ex.deviations)
	}
	if ex.id != 0 {
		attrs = append(attrs, "id", ex.id)
	}
	if ex.err != "" {
		attrs = append(attrs, "error", ex.err)
	}
	if ex.undelivered != "" {
		attrs = append(attrs, "delivered", false, "write_error", ex.undelivered)
	}
	h.cfg.Logger.Info("mm7 request", attrs...)
}
