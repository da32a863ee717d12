package mockvibes

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/harness/vibesxml"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// Account is a customer's Vibes account: Basic credentials, the one
// flavour it uses, and the short codes it may send from (empty: any).
type Account struct {
	User, Password string
	Flavour        mm7.Flavour
	ShortCodes     []string
}

// ParseAccount reads "user:password:flavour[:code,code]".
func ParseAccount(s string) (Account, error) {
	f := strings.SplitN(s, ":", 4)
	if len(f) < 3 || f[0] == "" {
		return Account{}, fmt.Errorf("mockvibes: account %q: want user:password:flavour[:shortcode,…]", s)
	}
	v, err := mm7.ParseFlavour(f[2])
	if err != nil {
		return Account{}, err
	}
	a := Account{User: f[0], Password: f[1], Flavour: v}
	if len(f) == 4 && f[3] != "" {
		a.ShortCodes = strings.Split(f[3], ",")
	}
	return a, nil
}

// Report is one delivery report the gateway sends (or will).
type Report struct {
	Status     mm7.MMStatus `json:"mm_status"`
	StatusText string       `json:"status_text,omitempty"`
	Delivered  bool         `json:"delivered"` // a 2xx came back
	Attempts   int          `json:"attempts"`
}

// Submission is the state kept per MessageID.
type Submission struct {
	MessageID      string      `json:"message_id"`
	Account        string      `json:"account"`
	Flavour        mm7.Flavour `json:"flavour"`
	TransactionID  string      `json:"transaction_id"`
	Recipient      string      `json:"recipient"`
	Sender         string      `json:"sender"`
	Subject        string      `json:"subject,omitempty"`
	DeliveryReport bool        `json:"delivery_report"`
	CallbackURL    string      `json:"callback_url,omitempty"`
	Received       time.Time   `json:"received"`
	Reports        []*Report   `json:"reports"`
}

// Gateway is the mock Vibes submit endpoint (POST /mm7) with its control
// API (/control/…). What it keeps is bounded: the last MaxMessages
// submissions, the last MaxExchanges exchanges, each cut at
// MaxExchangeBytes.
type Gateway struct {
	Accounts []Account
	// Faults are the misbehaviours to apply (see ParseGatewayFaults).
	Faults    []GatewayFault
	SlowDelay time.Duration // for GatewaySlow; default 5s
	// Callbacks follow Vibes' retry policy; tests shrink the interval.
	RetryInterval, CallbackTimeout time.Duration
	MaxRetries                     int
	// ReportDelay separates the Forwarded report from the final one.
	ReportDelay time.Duration
	Logger      *slog.Logger

	// ControlToken guards the control API: each request carries
	// "Authorization: Bearer <ControlToken>". Empty turns the control API
	// off (its routes answer 404): it sends anything to any host on
	// request, so it is never open. NewControlToken makes one.
	ControlToken string
	// LoopbackOnly refuses (421) a request whose Host header does not
	// name this machine: when the mock listens on loopback, that is a web
	// page that made its own name resolve to 127.0.0.1 (DNS rebinding),
	// reaching /mm7 with the well-known default account.
	LoopbackOnly bool
	// MaxExchanges bounds the exchanges kept (default 1000); the oldest
	// are dropped, and the listing counts them.
	MaxExchanges int
	// MaxExchangeBytes bounds what is kept of each exchange's raw request
	// and, separately, of its raw response (default 64 KiB).
	MaxExchangeBytes int
	// MaxCallbackAnswer bounds the body read of an answer to a delivery
	// report or to an injected MO (default 1 MiB); the rest is not read.
	MaxCallbackAnswer int
	// MaxMessages bounds the submissions whose state is kept (default
	// 1000); the oldest are forgotten.
	MaxMessages int

	// React, when set, chooses how each submission is answered: as Vibes
	// would (the zero Reaction), or otherwise (gateway_observe.go).
	React func(*SubmitAttempt) Reaction
	// OnSubmit, when set, is given every submission once answered, and
	// OnCallback every delivery-report exchange as it ends: a client's
	// certification judges them.
	OnSubmit   func(*SubmitAttempt)
	OnCallback func(*Exchange)
	// CallbackTLS configures delivery reports to https URLs (nil: the
	// system's roots).
	CallbackTLS *tls.Config

	mu         sync.Mutex
	watchSlots chan struct{}
	pending    atomic.Int64 // callbacks under way
	ctx        context.Context
	stop       context.CancelFunc
	messages   *ring[*Submission]
	exchanges  *ring[ExchangeView]
	inflight   sync.WaitGroup
	once       sync.Once
	schemas    *xsd.Schemas
	mux        *http.ServeMux
}

func (g *Gateway) init() {
	g.once.Do(func() {
		if g.SlowDelay <= 0 {
			g.SlowDelay = 5 * time.Second
		}
		if g.ReportDelay <= 0 {
			g.ReportDelay = 200 * time.Millisecond
		}
		if g.Logger == nil {
			g.Logger = slog.New(slog.DiscardHandler)
		}
		if g.MaxExchanges <= 0 {
			g.MaxExchanges = defaultMaxExchanges
		}
		if g.MaxExchangeBytes <= 0 {
			g.MaxExchangeBytes = defaultMaxExchangeBytes
		}
		if g.MaxCallbackAnswer <= 0 {
			g.MaxCallbackAnswer = defaultMaxCallbackAnswer
		}
		if g.MaxMessages <= 0 {
			g.MaxMessages = defaultMaxMessages
		}
		g.watchSlots = make(chan struct{}, maxWatched)
		g.ctx, g.stop = context.WithCancel(context.Background())
		g.messages = newRing[*Submission](g.MaxMessages)
		g.exchanges = newRing[ExchangeView](g.MaxExchanges)
		g.schemas, _ = xsd.Embedded()
		g.mux = http.NewServeMux()
		g.mux.HandleFunc("/mm7", g.submit)
		g.routeControl()
	})
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.init()
	if g.LoopbackOnly && !loopbackHost(r.Host) {
		// A page whose name was made to resolve to 127.0.0.1 (DNS
		// rebinding) still says its own name in Host.
		writeJSON(w, http.StatusMisdirectedRequest, errorBody("this mock answers requests addressed to a loopback name only"))
		return
	}
	g.mux.ServeHTTP(w, r)
}

// loopbackHost reports whether a Host header names this machine:
// localhost or a loopback address, with or without a port.
func loopbackHost(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// vibesStatus is the status Vibes' submit answers a request that cannot
// be read with (its "status-codes" appendix), and the text.
func vibesStatus(f *receive.Failure) (mm7.StatusCode, string) {
	switch {
	case f.Layer == receive.LayerSOAP && f.Reason == string(mm7.ReasonTransactionID):
		return mm7.VibesTransactionIDNotSet, "TransactionId not set"
	case f.Layer == receive.LayerSOAP && f.Reason == string(mm7.ReasonRelease),
		f.Layer == receive.LayerSchema && f.Status == mm7.StatusUnsupportedVersion:
		return mm7.StatusUnsupportedVersion, "Unsupported version"
	case f.Layer == receive.LayerMM7 && f.Reason == "unsupported-operation":
		return mm7.VibesUnexpectedRequest, "Unexpected request: " + f.Msg
	case f.Layer == receive.LayerSchema:
		return mm7.VibesValidationError, "Validation error: " + f.Msg
	}
	return mm7.VibesParsingError, "Parsing error: " + strings.TrimPrefix(f.Error(), "receive: ")
}

// Wait blocks until every callback under way has finished.
func (g *Gateway) Wait() { g.inflight.Wait() }

// Pending counts the delivery-report sequences under way.
func (g *Gateway) Pending() int { return int(g.pending.Load()) }

// Close stops the delivery reports under way and waits for them: no
// retry outlives the gateway.
func (g *Gateway) Close() {
	g.init()
	g.stop()
	g.Wait()
}

func (g *Gateway) account(r *http.Request) (Account, bool) {
	u, p, ok := r.BasicAuth()
	if !ok {
		return Account{}, false
	}
	for _, a := range g.Accounts {
		if subtle.ConstantTimeCompare([]byte(u), []byte(a.User)) == 1 && subtle.ConstantTimeCompare([]byte(p), []byte(a.Password)) == 1 {
			return a, true
		}
	}
	return Account{}, false
}

// callable reports whether a delivery report can go to u: none asked
// for, or an http or https URL. The gateway posts to no other scheme.
func callable(u string) bool {
	if u == "" {
		return true
	}
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

// maxCallbackURL bounds the delivery-report URL a submission may name.
const maxCallbackURL = 2 << 10

// maxText bounds a text field of a submission kept in the gateway's
// state: a SubmitReq may carry a megabyte of Subject.
const maxText = 1 << 10

// clipText cuts s to maxText bytes, into a string of its own: a slice of
// s would keep all of it alive.
func clipText(s string) string {
	if len(s) <= maxText {
		return s
	}
	return strings.Clone(strings.ToValidUTF8(s[:maxText], "")) + "…"
}

func validMDN(s string) bool {
	d := strings.TrimPrefix(s, "+")
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(d) == 10 || len(d) == 11 && d[0] == '1' || strings.HasPrefix(s, "+") && len(d) >= 8 && len(d) <= 15
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Outcomes by the recipient number's last digit (documented in the
// README): what the carrier finally reports.
var outcomeByDigit = map[byte]struct {
	status mm7.MMStatus
	text   string
}{
	'0': {mm7.MMStatusRetrieved, ""}, '1': {mm7.MMStatusRetrieved, ""}, '2': {mm7.MMStatusRetrieved, ""},
	'3': {mm7.MMStatusRetrieved, ""}, '4': {mm7.MMStatusRetrieved, ""}, '5': {mm7.MMStatusRetrieved, ""},
	'6': {mm7.MMStatusRejected, "Error 9 - MDN blocked [ref: 12]"},
	'7': {mm7.MMStatusExpired, "Error 13 - Multipart expired waiting for parts [ref: 07]"},
	'8': {mm7.MMStatusIndeterminate, "Error 8 - No carrier route for the code [ref: 31]"},
	'9': {mm7.MMStatusForwarded, ""},
}

// plan decides the reports per the DeliveryReport × callback matrix
// (README, "The mock Vibes"): no URL, no callbacks; DeliveryReport
// false, only the delivered-to-carrier status (Forwarded, or Rejected when
// the carrier refuses); DeliveryReport true, Forwarded then the final
// status.
func plan(s *Submission, override string) []*Report {
	if s.CallbackURL == "" {
		return nil
	}
	final := outcomeByDigit[s.Recipient[len(s.Recipient)-1]]
	if override != "" {
		final.status, final.text = mm7.MMStatus(override), ""
	}
	if !s.DeliveryReport {
		if final.status == mm7.MMStatusRejected {
			return []*Report{{Status: final.status, StatusText: final.text}}
		}
		return []*Report{{Status: mm7.MMStatusForwarded}}
	}
	reports := []*Report{{Status: mm7.MMStatusForwarded}}
	if final.status != mm7.MMStatusForwarded {
		reports = append(reports, &Report{Status: final.status, StatusText: final.text})
	}
	return reports
}

// callBack sends the planned reports in order, each with Vibes' retry
// policy, stopping if one is never acknowledged.
func (g *Gateway) callBack(s *Submission) {
	v := s.Flavour
	for i, rep := range s.Reports {
		if i > 0 && sleep(g.ctx, g.ReportDelay) != nil {
			return
		}
		dlr := &mm7.DeliveryReportReq{
			MM7Version: v.MM7Version, MessageID: s.MessageID, Recipient: mm7.Number(s.Recipient), Sender: mm7.ShortCode(s.Sender),
			Date: mm7.NewDateTime(time.Now().Truncate(time.Second)), MMStatus: rep.Status, StatusText: rep.StatusText,
		}
		if s.Sender == "" {
			dlr.Sender = mm7.ShortCode("00000")
		}
		b, err := mm7.EncodeMessage(v, mm7.NewTransactionID(), dlr)
		if err != nil {
			g.Logger.Error("delivery report", "message_id", s.MessageID, "error", err)
			return
		}
		ok := g.post(s.CallbackURL, vibesxml.SAAJ.Restyle(b), s.MessageID, rep)
		if !ok {
			return
		}
	}
}

// post sends one report as Vibes' Java client does, with its retries,
// and records each attempt as it ends: the sender keeps none of them.
func (g *Gateway) post(callback string, soap []byte, messageID string, rep *Report) bool {
	u, err := url.Parse(callback)
	if err != nil || u.Host == "" {
		return false
	}
	raw := []byte(fmt.Sprintf("POST %s HTTP/1.1\r\nContent-Type: text/xml; charset=utf-8\r\nUser-Agent: Java/1.6.0_65\r\nHost: %s\r\nConnection: keep-alive\r\nContent-Length: %d\r\n\r\n",
		u.RequestURI(), u.Host, len(soap)))
	raw = append(raw, soap...)
	s := &Sender{Endpoint: callback, Timeout: g.CallbackTimeout, RetryInterval: g.RetryInterval, MaxRetries: g.MaxRetries,
		Limits: g.answerLimits(), Discard: true, TLS: g.CallbackTLS,
		Progress: func(_, _ int, ex *Exchange) {
			if g.OnCallback != nil {
				g.OnCallback(ex)
			}
			g.record(ex)
			g.mu.Lock()
			rep.Attempts, rep.Delivered = ex.Attempt, ex.OK()
			g.mu.Unlock()
		}}
	_, _ = s.Run(g.ctx, []Message{{Name: "dlr-" + messageID, Raw: raw}}, 1, 0)
	g.mu.Lock()
	defer g.mu.Unlock()
	return rep.Delivered
}

func writeXML(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// answerError answers as Vibes does on failure: a SOAP Fault carrying an
// RSErrorRsp with the status (Vibes does not document which form it uses;
// a Fault is what 3GPP prescribes).
func (g *Gateway) answerError(w http.ResponseWriter, httpStatus int, v mm7.Flavour, tid string, code mm7.StatusCode, text string) {
	fc := "Client"
	if code.VibesRetryable() {
		fc = "Server"
	}
	f := &mm7.Fault{Code: fc, String: fmt.Sprintf("%d %s", int(code), text),
		Detail: &mm7.RSErrorRsp{Response: mm7.Response{MM7Version: v.MM7Version, Status: mm7.Status{Code: code, Text: text}}}}
	b, err := mm7.EncodeMessage(v, tid, f)
	if err != nil {
		http.Error(w, text, httpStatus)
		return
	}
	if httpStatus == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="vibes"`)
	}
	writeXML(w, httpStatus, b)
}
