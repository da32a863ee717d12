package mockvibes

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/harness/swa"
)

// Vibes' submit limit.
const maxSubmit = 1 << 20

// submit is POST /mm7, Vibes' submit endpoint, watched or scripted when
// the gateway is (gateway_observe.go).
func (g *Gateway) submit(w http.ResponseWriter, r *http.Request) {
	if g.React != nil || g.OnSubmit != nil {
		g.submitWatched(w, r)
		return
	}
	g.serveSubmit(w, r)
}

// serveSubmit answers a submission as Vibes does: each step answers the
// request itself when it refuses it, so the next runs only on what the
// last let through.
func (g *Gateway) serveSubmit(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if g.misbehave(w, r) {
		return
	}
	acct, ok := g.admit(w, r)
	if !ok {
		return
	}
	got, ok := g.readSubmit(w, r, acct.Flavour)
	if !ok {
		return
	}
	tid, req := got.TransactionID(), got.Message().(*mm7.SubmitReq)
	to, from, ok := g.submitRules(w, acct, tid, req, got.MIME)
	if !ok {
		return
	}
	g.acceptSubmit(w, r, acct, tid, req, to, from)
}

// admit checks what comes before the body: its declared size, the
// account's credentials, the faults answered in the account's flavour
// (capacity, an RS fault), and the carrier code header. It answers a
// request it refuses, and returns the account of one it admits.
func (g *Gateway) admit(w http.ResponseWriter, r *http.Request) (Account, bool) {
	if r.ContentLength > maxSubmit {
		http.Error(w, "413 Entity Too Large: the limit is 1 MB", http.StatusRequestEntityTooLarge)
		return Account{}, false
	}
	acct, ok := g.account(r)
	if !ok {
		g.answerError(w, http.StatusUnauthorized, mm7.NewestFlavour(), "", mm7.StatusImproperIdentification, "Authentication error - check username and password")
		return Account{}, false
	}
	v := acct.Flavour
	if g.misbehaveInFlavour(w, v) {
		return Account{}, false
	}
	if cc := r.Header.Get("X-Vibes-CarrierCode"); cc != "" {
		if n, err := strconv.Atoi(cc); err != nil || n <= 0 || n > 9999 {
			g.answerError(w, http.StatusInternalServerError, v, "", mm7.VibesCarrierCodeNotValid, "Carrier Code set in the request header is not valid")
			return Account{}, false
		}
	}
	return acct, true
}

// readSubmit reads the body through harness/receive as a SubmitReq of
// flavour v, answering what cannot be read with Vibes' status for it
// (vibesStatus). It returns the request only when it holds a SubmitReq
// that read whole.
func (g *Gateway) readSubmit(w http.ResponseWriter, r *http.Request, v mm7.Flavour) (*receive.Request, bool) {
	got, err := receive.Read(r.Header.Get("Content-Type"), http.MaxBytesReader(w, r.Body, maxSubmit), r.ContentLength,
		receive.Options{Limits: swa.Limits{MaxBytes: maxSubmit}, Expect: v, Schemas: g.schemas, Release: v.Release,
			Serves: []mm7.Kind{mm7.KindSubmitReq}})
	tid := got.TransactionID()
	f := receive.FailureOf(err)
	if f != nil && f.Layer == receive.LayerHTTP && f.Reason == "too-large" {
		http.Error(w, "413 Entity Too Large: the limit is 1 MB", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	// The account's version is checked before the schema: a SubmitReq of
	// the other flavour is an unsupported version, not an invalid message.
	if req, ok := got.Message().(*mm7.SubmitReq); ok && (f == nil || f.Layer == receive.LayerSchema) && req.MM7Version != v.MM7Version {
		g.answerError(w, http.StatusInternalServerError, v, tid, mm7.StatusUnsupportedVersion, fmt.Sprintf("Unsupported version %q: this account uses MM7 %s (%s)", req.MM7Version, v.Name, v.MM7Version))
		return nil, false
	}
	if f != nil {
		code, text := vibesStatus(f)
		g.answerError(w, http.StatusInternalServerError, v, tid, code, text)
		return nil, false
	}
	return got, true
}

// submitRules applies Vibes' own rules to a SubmitReq that read whole: one
// recipient, an MDN; a short code the account may send from; at most one
// attachment. It answers a request that breaks one, and returns the
// recipient and the sender of one that keeps them.
func (g *Gateway) submitRules(w http.ResponseWriter, acct Account, tid string, req *mm7.SubmitReq, msg *swa.Message) (to, from string, ok bool) {
	v := acct.Flavour
	all := req.Recipients.All()
	if len(all) > 1 {
		g.answerError(w, http.StatusInternalServerError, v, tid, mm7.StatusMultipleAddressesNotSupported, "Multiple recipients error: only one recipient is allowed")
		return "", "", false
	}
	if all[0].Kind != mm7.AddrNumber || !validMDN(all[0].Value) {
		g.answerError(w, http.StatusInternalServerError, v, tid, mm7.StatusAddressError, fmt.Sprintf("Address error: recipient %s is not a 10-digit, 11-digit or E.164 number", all[0]))
		return "", "", false
	}
	if sa := req.SenderIdentification.SenderAddress; sa != nil {
		from = sa.Value
	}
	if len(acct.ShortCodes) > 0 && !contains(acct.ShortCodes, from) {
		g.answerError(w, http.StatusInternalServerError, v, tid, mm7.VibesShortCodeNotAuthorized, fmt.Sprintf("User not authorized to send from short code %q", from))
		return "", "", false
	}
	if n := len(msg.Attachments()); n > 1 {
		g.answerError(w, http.StatusInternalServerError, v, tid, mm7.VibesMultipleAttachments, fmt.Sprintf("Multiple attachments error: %d attachments; put several media in one multipart", n))
		return "", "", false
	}
	return all[0].Value, from, true
}

// acceptSubmit records the submission, answers SubmitRsp with its new
// MessageID, then sends the delivery reports it plans in the background.
func (g *Gateway) acceptSubmit(w http.ResponseWriter, r *http.Request, acct Account, tid string, req *mm7.SubmitReq, to, from string) {
	v := acct.Flavour
	callback := r.Header.Get("X-Vibes-DlrCallbackUrl")
	if len(callback) > maxCallbackURL {
		g.Logger.Warn("submit: no delivery reports: the callback URL is longer than the mock keeps", "bytes", len(callback))
		callback = ""
	}
	sub := &Submission{
		MessageID: newUUID(), Account: acct.User, Flavour: v, TransactionID: clipText(tid), Recipient: clipText(to), Sender: clipText(from),
		Subject: clipText(req.Subject), DeliveryReport: req.DeliveryReport != nil && *req.DeliveryReport,
		CallbackURL: callback, Received: time.Now(),
	}
	if callable(sub.CallbackURL) {
		sub.Reports = plan(sub, r.Header.Get("X-Mock-Outcome"))
	} else {
		g.Logger.Warn("submit: no delivery reports: the callback URL is not http or https", "message_id", sub.MessageID, "callback_url", clipText(sub.CallbackURL))
	}
	g.mu.Lock()
	g.messages.add(sub)
	g.mu.Unlock()
	if rec, ok := w.(*answerRecorder); ok {
		rec.at.MessageID = sub.MessageID
	}
	rsp := &mm7.SubmitRsp{Response: mm7.Response{MM7Version: v.MM7Version, Status: mm7.Status{Code: mm7.StatusSuccess, Text: "Success"}}, MessageID: sub.MessageID}
	b, err := mm7.EncodeMessage(v, tid, rsp)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeXML(w, http.StatusOK, b)
	g.Logger.Info("submit", "account", acct.User, "message_id", sub.MessageID, "transaction_id", tid, "recipient", sub.Recipient, "reports", len(sub.Reports))
	if len(sub.Reports) > 0 {
		g.inflight.Add(1)
		g.pending.Add(1)
		go func() {
			defer g.inflight.Done()
			defer g.pending.Add(-1)
			g.callBack(sub)
		}()
	}
}
