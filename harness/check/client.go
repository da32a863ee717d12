package check

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// The other direction: the checks of a customer's MT client, judged on the
// SubmitReqs it sends the mock gateway (JudgeSubmit, once per attempt) and
// on what it does across a scenario (JudgeClient). Its delivery-report
// endpoint is judged by the answer checks, as any endpoint is.

// vibesSubmitLimit is the body Vibes' submit takes at most (413 above).
const vibesSubmitLimit = 1 << 20

// Account is the Vibes account a client was given.
type Account struct {
	User, Password, ShortCode string
	Flavour                   mm7.Flavour
}

// SubmitInput is one SubmitReq a client sent, as the gateway received it.
type SubmitInput struct {
	Account Account
	Profile Profile
	Schemas *xsd.Schemas
	// Raw is the HTTP request: the request line, the header and the body,
	// cut after a few MiB (BodyCut); BodySize is the body's whole length.
	Raw      []byte
	BodySize int64
	BodyCut  bool

	read    bool
	head    *swa.HTTPMessage
	req     *receive.Request
	readErr error
}

// request reads the submission once: its HTTP head and, through MIME and
// SOAP, its message (as far as it reads).
func (in *SubmitInput) request() (*swa.HTTPMessage, *receive.Request, error) {
	if !in.read {
		in.read = true
		in.head, in.readErr = swa.ReadHTTP(in.Raw)
		if in.readErr == nil && in.BodyCut {
			// What was not kept cannot be judged: the checks of the body
			// say n/a, and submit-size says why.
			in.req, in.readErr = &receive.Request{}, errBodyCut
		} else if in.readErr == nil {
			in.req, in.readErr = receive.Read(in.head.ContentType(), bytes.NewReader(in.head.Body), int64(len(in.head.Body)),
				receive.Options{Limits: swa.Limits{MaxBytes: 8 << 20}, Diagnose: true})
		}
	}
	if in.req == nil {
		in.req = &receive.Request{}
	}
	return in.head, in.req, in.readErr
}

// errBodyCut says a submission's body was longer than the harness keeps.
var errBodyCut = errors.New("the body is longer than the harness keeps (see submit-size)")

// submitReq is the SubmitReq the submission holds, or why the check
// cannot judge: the check that fails on an unreadable request is
// submit-schema-valid.
func (in *SubmitInput) submitReq() (*mm7.SubmitReq, *receive.Request, Result, bool) {
	_, req, err := in.request()
	if sr, ok := req.Message().(*mm7.SubmitReq); ok {
		return sr, req, Result{}, true
	}
	if err != nil {
		return nil, req, na("the request does not read as a SubmitReq (see submit-schema-valid): " + err.Error()), false
	}
	return nil, req, na(fmt.Sprintf("the request is a %s, not a SubmitReq (see submit-schema-valid)", req.Message().Kind())), false
}

// Scenario classes: what the gateway did and what the client should do.
const (
	ClassSuccess   = "success"   // accepted at once
	ClassPermanent = "permanent" // refused with a status Vibes says not to retry
	ClassTemporary = "temporary" // a temporary failure first, then accepted
	ClassSlow      = "slow"      // accepted after a slow answer
)

// Attempt is one submission of a scenario, as the behaviour checks see it.
type Attempt struct {
	At        time.Time
	Recipient string
	// Answered: the gateway answered (no drop, reset or hold); Accepted:
	// with 1000. Status is the MM7 status answered (0 for a bare HTTP
	// answer or none).
	Answered, Accepted bool
	HTTP               int
	Status             mm7.StatusCode
	Reaction           string
	// Waited is how long the client stayed for the answer.
	Waited time.Duration
}

// ClientRun is what a client did in one scenario.
type ClientRun struct {
	Class    string
	Reaction string // what the gateway did first ("MM7 status 4005", …)
	// Slow is how long the gateway took on purpose, for ClassSlow.
	Slow     time.Duration
	Attempts []Attempt
	// Exited: the command ended by itself, with ExitCode. Command false:
	// a long-running client (--listen), which has no exit status.
	Command  bool
	Exited   bool
	ExitCode int
	// Window is how long the scenario waited for the client.
	Window time.Duration
	// Dropped counts the attempts past those kept (Attempts): a client in
	// a loop sends more than the harness keeps.
	Dropped int
}

// stopped reports whether the client was still at it when the scenario's
// time ran out: what it would have done next is not known.
func (r *ClientRun) stopped() bool { return r.Command && !r.Exited }

// last is the last attempt of the scenario's message.
func (r *ClientRun) last() (Attempt, bool) {
	if len(r.Attempts) == 0 {
		return Attempt{}, false
	}
	return r.Attempts[len(r.Attempts)-1], true
}

// resends counts the attempts after the first: a scenario is one message
// (the client is asked to send one MMS), so each further attempt sends it
// again, whatever its bytes.
func (r *ClientRun) resends() int { return len(r.Attempts) - 1 + r.Dropped }

// submitChecks judge every SubmitReq a client sends (Vibes' "Send an MMS"
// page, its status codes, and TS 23.140).
var submitChecks = []*Check{
	{ID: "submit-content-type", Level: MUST, Group: GroupSubmit, Source: "SOAP 1.1 section 6.1.1 (text/xml); SOAP Messages with Attachments section 3 (multipart/related, type text/xml)",
		Requirement: "send the SubmitReq as multipart/related with the SOAP part in text/xml, or as text/xml", JudgeSubmit: submitContentType},
	{ID: "submit-schema-valid", Level: MUST, Group: GroupSubmit, Source: "TS 23.140 annex (MM7 XML schema of the message's release)",
		Requirement: "send a SubmitReq valid against the schema of its namespace", JudgeSubmit: submitSchemaValid},
	{ID: "submit-flavour", Level: VIBES, Group: GroupSubmit, Source: "Vibes: MM7 versions (one namespace and MM7Version per account; 4002 otherwise)",
		Requirement: "use the account's flavour: its namespace and MM7Version (5.3.0 for 5.5.0, 6.8.0 for 6.8.0)", JudgeSubmit: submitFlavour},
	{ID: "submit-transaction-id", Level: VIBES, Group: GroupSubmit, Source: "Vibes: status codes (2502 TransactionId not set); TS 23.140 clause 8.7 (TransactionID)",
		Requirement: "carry one non-empty TransactionID in the SOAP Header", JudgeSubmit: submitTID},
	{ID: "submit-transaction-id-mustunderstand", Level: SHOULD, Group: GroupSubmit, Source: "TS 23.140 examples and every message Vibes sends: TransactionID with mustUnderstand=\"1\"",
		Requirement: "mark the TransactionID header entry mustUnderstand=\"1\"", JudgeSubmit: submitMustUnderstand},
	{ID: "submit-basic-auth", Level: VIBES, Group: GroupSubmit, Source: "Vibes: Send an MMS (Authorization: Basic on every request; 4001 otherwise)",
		Requirement: "authenticate every request with HTTP Basic and the account's credentials", JudgeSubmit: submitAuth},
	{ID: "submit-one-recipient", Level: VIBES, Group: GroupSubmit, Source: "Vibes: Send an MMS (exactly one recipient; 3003 otherwise)",
		Requirement: "name exactly one recipient", JudgeSubmit: submitOneRecipient},
	{ID: "submit-short-code", Level: VIBES, Group: GroupSubmit, Source: "Vibes: status codes (4007 user not authorized to send from short code)",
		Requirement: "send from the account's short code (SenderIdentification/SenderAddress)", JudgeSubmit: submitShortCode},
	{ID: "submit-one-attachment", Level: VIBES, Group: GroupSubmit, Source: "Vibes: Send an MMS (exactly one attachment, several media as one multipart; 3500 otherwise)",
		Requirement: "carry at most one attachment besides the SOAP part", JudgeSubmit: submitOneAttachment},
	{ID: "submit-size", Level: VIBES, Group: GroupSubmit, Source: "Vibes: Send an MMS (the request body is at most 1 MB; 413 otherwise)",
		Requirement: "keep the request body within 1 MB", JudgeSubmit: submitSize},
	{ID: "submit-content-resolves", Level: MUST, Group: GroupSubmit, Source: "TS 23.140 clause 8.7.1 (Content refers to the attachment); SOAP Messages with Attachments section 4 (cid: references)",
		Requirement: "make the Content href name a MIME part of the request", JudgeSubmit: submitContentResolves},
	{ID: "submit-carrier-code", Level: SHOULD, Group: GroupSubmit, Source: "Vibes: Send an MMS (X-Vibes-CarrierCode; 2503 when not valid; the values for MMS are not published, the SMS examples are numbers)",
		Requirement: "send a well-formed X-Vibes-CarrierCode when sending one", JudgeSubmit: submitCarrierCode},
	{ID: "submit-dlr-url", Level: SHOULD, Group: GroupSubmit, Source: "Vibes: Send an MMS, DeliveryReport × X-Vibes-DlrCallbackUrl (\"reports are requested from the carrier, but no callbacks are sent\" without the URL)",
		Requirement: "name an http(s) X-Vibes-DlrCallbackUrl when asking for delivery reports", JudgeSubmit: submitDLRURL},
}

func submitContentType(in *SubmitInput) Result {
	head, _, err := in.request()
	if head == nil {
		return na("the request does not read as HTTP: " + err.Error())
	}
	ct := head.ContentType()
	media, params, perr := mime.ParseMediaType(ct)
	switch media = strings.ToLower(media); {
	case perr != nil:
		return fail("multipart/related or text/xml", fmt.Sprintf("%q (%v)", ct, perr))
	case media == "text/xml":
		return pass(ct)
	case media != "multipart/related":
		return fail("multipart/related or text/xml", ct)
	case params["type"] != "" && !strings.EqualFold(params["type"], "text/xml"):
		return fail(`multipart/related; type="text/xml"`, ct)
	}
	return pass(ct)
}

func submitSchemaValid(in *SubmitInput) Result {
	_, req, err := in.request()
	if errors.Is(err, errBodyCut) {
		return na(err.Error())
	}
	if req.MIME == nil {
		return fail("a SubmitReq that reads", err.Error())
	}
	if req.SOAP == nil {
		return fail("a SOAP part in a charset that reads", fmt.Sprint(err))
	}
	res := in.Schemas.Validate(req.SOAP)
	if !res.Valid() {
		return fail("valid against "+string(res.Release), res.Errors[0].Error())
	}
	if _, ok := req.Message().(*mm7.SubmitReq); !ok {
		return fail("a SubmitReq", fmt.Sprint(res.Message))
	}
	return pass(string(res.Release))
}

func submitFlavour(in *SubmitInput) Result {
	sr, req, r, ok := in.submitReq()
	if !ok {
		return r
	}
	f := in.Account.Flavour
	got := fmt.Sprintf("%s, MM7Version %q", req.Envelope.Release, strings.TrimSpace(sr.MM7Version))
	if req.Envelope.Release != f.Release || strings.TrimSpace(sr.MM7Version) != f.MM7Version {
		return fail(fmt.Sprintf("%s, MM7Version %q (the %s account)", f.Release, f.MM7Version, f), got)
	}
	return pass(got)
}

func submitTID(in *SubmitInput) Result {
	_, req, err := in.request()
	if tid := req.TransactionID(); tid != "" {
		return pass(tid)
	}
	if req.Envelope == nil && req.MIME == nil {
		return na(fmt.Sprintf("the request does not read (see submit-schema-valid): %v", err))
	}
	return fail("a TransactionID header entry", fmt.Sprint(err))
}

func submitMustUnderstand(in *SubmitInput) Result {
	_, req, _ := in.request()
	if req.TransactionID() == "" {
		return na("no TransactionID (see submit-transaction-id)")
	}
	for _, d := range req.Envelope.Deviations {
		if d.ID == mm7.DevTransactionIDMustUnderstand {
			return fail(`mustUnderstand="1"`, d.Detail)
		}
	}
	return pass(`mustUnderstand="1"`)
}

func submitAuth(in *SubmitInput) Result {
	head, _, err := in.request()
	if head == nil {
		return na("the request does not read as HTTP: " + err.Error())
	}
	h := head.Header.Get("Authorization")
	if h == "" {
		return fail("Authorization: Basic with the account's credentials", "no Authorization header")
	}
	user, password, ok := (&http.Request{Header: http.Header{"Authorization": {h}}}).BasicAuth()
	switch {
	case !ok:
		return fail("Authorization: Basic", clip(h, 40))
	case user != in.Account.User || password != in.Account.Password:
		return fail(fmt.Sprintf("the account's user %q and its password", in.Account.User), fmt.Sprintf("user %q and another password", user))
	}
	return pass("Basic, user " + user)
}

func submitOneRecipient(in *SubmitInput) Result {
	sr, _, r, ok := in.submitReq()
	if !ok {
		return r
	}
	all := sr.Recipients.All()
	if len(all) != 1 {
		return fail("one recipient", fmt.Sprintf("%d recipients", len(all)))
	}
	return pass(all[0].Value)
}

func submitShortCode(in *SubmitInput) Result {
	sr, _, r, ok := in.submitReq()
	if !ok {
		return r
	}
	sa := sr.SenderIdentification.SenderAddress
	switch {
	case sa == nil:
		return fail("SenderAddress "+in.Account.ShortCode, "no SenderAddress")
	case strings.TrimSpace(sa.Value) != in.Account.ShortCode:
		return fail("SenderAddress "+in.Account.ShortCode, fmt.Sprintf("%q", sa.Value))
	}
	return pass(sa.Value)
}

func submitOneAttachment(in *SubmitInput) Result {
	_, req, err := in.request()
	if req.MIME == nil {
		return na("the body does not read as MIME (see submit-schema-valid): " + fmt.Sprint(err))
	}
	if n := len(req.MIME.Attachments()); n > 1 {
		return fail("at most one attachment", fmt.Sprintf("%d attachments", n))
	}
	return pass(fmt.Sprintf("%d attachment(s)", len(req.MIME.Attachments())))
}

func submitSize(in *SubmitInput) Result {
	switch {
	case in.BodySize > vibesSubmitLimit:
		return fail("a body of at most 1 MB (1,048,576 bytes)", fmt.Sprintf("%d bytes", in.BodySize))
	case in.BodySize > 1_000_000:
		// Vibes writes "1 MB": the gateway takes 1 MiB, but if Vibes means
		// a million bytes, this body is refused there.
		return warn("a body within 1,000,000 bytes, whichever 1 MB Vibes means", fmt.Sprintf("%d bytes", in.BodySize))
	}
	return pass(fmt.Sprintf("%d bytes", in.BodySize))
}

func submitContentResolves(in *SubmitInput) Result {
	sr, req, r, ok := in.submitReq()
	if !ok {
		return r
	}
	if sr.Content == nil {
		return na("the SubmitReq has no Content element")
	}
	if _, err := req.MIME.Resolve(sr.Content.Href); err != nil {
		return fail("a part named by "+sr.Content.Href, err.Error())
	}
	return pass(sr.Content.Href)
}

func submitCarrierCode(in *SubmitInput) Result {
	head, _, err := in.request()
	if head == nil {
		return na("the request does not read as HTTP: " + err.Error())
	}
	cc := head.Header.Get("X-Vibes-CarrierCode")
	if cc == "" {
		return na("no X-Vibes-CarrierCode (it is optional: Vibes looks the carrier up)")
	}
	if n, err := strconv.Atoi(cc); err != nil || n <= 0 || n > 9999 {
		return fail("a carrier code (a number, as in Vibes' examples)", fmt.Sprintf("%q", cc))
	}
	return pass(cc)
}

func submitDLRURL(in *SubmitInput) Result {
	sr, _, r, ok := in.submitReq()
	if !ok {
		return r
	}
	if sr.DeliveryReport == nil || !*sr.DeliveryReport {
		return na("the SubmitReq does not ask for delivery reports")
	}
	cb := ""
	if head, _, _ := in.request(); head != nil {
		cb = head.Header.Get("X-Vibes-DlrCallbackUrl")
	}
	if cb == "" {
		return fail("an X-Vibes-DlrCallbackUrl", "none: Vibes requests the reports but sends them nowhere")
	}
	if p, err := url.Parse(cb); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fail("an http or https URL", fmt.Sprintf("%q", clip(cb, 80)))
	}
	return pass(clip(cb, 80))
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// clientChecks judge what an MT client does with Vibes' answers (Vibes'
// status-code appendix says which statuses are worth a retry).
var clientChecks = []*Check{
	{ID: "client-submits", Level: VIBES, Group: GroupClient, Source: "the certify-client contract: the command sends one MMS to MM7_RECIPIENT at MM7_URL",
		Requirement: "send the scenario's message to the gateway", JudgeClient: submits},
	{ID: "client-no-resend-permanent", Level: VIBES, Group: GroupClient, Source: "Vibes: status codes (2xxx, 3003, 3500, 4001, 4002, 4007: not retryable)",
		Requirement: "not send a message again after a status Vibes says is final", JudgeClient: noResendPermanent},
	{ID: "client-resends-temporary", Level: SHOULD, Group: GroupClient, Source: "Vibes: status codes (3000 and 4005 retryable; \"retry in a few minutes\"); RFC 9110 section 15.6 (5xx)",
		Requirement: "send the same message again, later, after a temporary failure (3000, 4005, HTTP 5xx, no answer, a reset)", JudgeClient: resendsTemporary},
	{ID: "client-no-resend-accepted", Level: VIBES, Group: GroupClient, Source: "Vibes: Send an MMS (1000: accepted for delivery): each SubmitReq Vibes accepts is a message the subscriber gets and the customer pays",
		Requirement: "not send a message again once Vibes accepted it", JudgeClient: noResendAccepted},
	{ID: "client-reports-outcome", Level: VIBES, Group: GroupClient, Source: "the certify-client contract (exit 0 only when Vibes accepted the message): a client that believes a refused message was sent loses it",
		Requirement: "report success exactly when Vibes accepted the message", JudgeClient: reportsOutcome},
	{ID: "client-slow-answer", Level: SHOULD, Group: GroupClient, Source: "Vibes: Send an MMS (the status is given synchronously): an answer that is slow to come is still the answer",
		Requirement: "wait for an answer that takes 1.5 s, and not send the message again meanwhile", JudgeClient: waitsForSlowAnswer},
}

func submits(r *ClientRun) Result {
	if len(r.Attempts) == 0 {
		end := "the client"
		switch {
		case r.Command && r.Exited:
			end = fmt.Sprintf("the client exited %d", r.ExitCode)
		case r.Command:
			end = "the client was still running when the scenario's time ran out"
		}
		return fail("a SubmitReq at MM7_URL", "nothing arrived: "+end)
	}
	return pass(fmt.Sprintf("%d attempt(s)", len(r.Attempts)))
}

func noResendPermanent(r *ClientRun) Result {
	switch {
	case len(r.Attempts) == 0:
		return na("the client sent nothing (see client-submits)")
	case r.resends() > 0:
		return fail("one attempt after "+r.Reaction, fmt.Sprintf("the same message sent %d more time(s)", r.resends()))
	case r.stopped():
		return na(fmt.Sprintf("the client was still running when the scenario's %v ran out", r.Window.Round(time.Second)))
	}
	return pass("sent once, refused with " + r.Reaction)
}

func resendsTemporary(r *ClientRun) Result {
	switch {
	case len(r.Attempts) == 0:
		return na("the client sent nothing (see client-submits)")
	case r.resends() > 0:
		again := r.Attempts[1]
		return pass(fmt.Sprintf("sent again %v after %s", again.At.Sub(r.Attempts[0].At).Round(time.Millisecond), r.Reaction))
	case !r.Command || r.stopped():
		// It may resend later than the harness waits: the harness's limit
		// is no failure of the client's.
		return na(fmt.Sprintf("not sent again within the scenario's %v (--scenario-timeout), while still able to", r.Window.Round(time.Second)))
	}
	return fail("the same message sent again after "+r.Reaction, fmt.Sprintf("not sent again; the client exited %d", r.ExitCode))
}

func noResendAccepted(r *ClientRun) Result {
	var accepted *Attempt
	for i := range r.Attempts {
		a := &r.Attempts[i]
		if accepted != nil && a.At.After(accepted.At.Add(accepted.Waited)) {
			return fail("no attempt after the 1000", fmt.Sprintf("sent again %v after Vibes accepted it", a.At.Sub(accepted.At.Add(accepted.Waited)).Round(time.Millisecond)))
		}
		if accepted == nil && a.Accepted {
			accepted = a
		}
	}
	if accepted == nil {
		return na("Vibes accepted no attempt")
	}
	if r.Dropped > 0 {
		return fail("no attempt after the 1000", fmt.Sprintf("%d attempts past those the harness keeps", r.Dropped))
	}
	return pass("nothing sent after the 1000")
}

func reportsOutcome(r *ClientRun) Result {
	last, ok := r.last()
	switch {
	case !r.Command:
		return na("a long-running client has no exit status")
	case !ok:
		return na("the client sent nothing (see client-submits)")
	case !r.Exited:
		return na(fmt.Sprintf("the client was still running when the scenario's %v ran out", r.Window.Round(time.Second)))
	}
	said := "success (exit 0)"
	if r.ExitCode != 0 {
		said = fmt.Sprintf("failure (exit %d)", r.ExitCode)
	}
	// Once Vibes accepted the message it goes out, whatever it answers a
	// later copy: success is the truth then, even if the last answer was not.
	accepted := slices.ContainsFunc(r.Attempts, func(a Attempt) bool { return a.Accepted })
	switch {
	case accepted && r.ExitCode != 0:
		return fail("success: Vibes accepted the message", said)
	case !accepted && r.ExitCode == 0:
		return fail("failure: Vibes' last answer was "+lastAnswer(last), said)
	case accepted:
		return pass(said + ": Vibes accepted the message")
	}
	return pass(said + " after " + lastAnswer(last))
}

func lastAnswer(a Attempt) string {
	switch {
	case a.Accepted:
		return "1000"
	case a.Status != 0:
		return strconv.Itoa(int(a.Status))
	case a.HTTP != 0:
		return fmt.Sprintf("HTTP %d", a.HTTP)
	case a.Reaction != "":
		return a.Reaction
	}
	return "no answer"
}

func waitsForSlowAnswer(r *ClientRun) Result {
	if len(r.Attempts) == 0 {
		return na("the client sent nothing (see client-submits)")
	}
	first := r.Attempts[0]
	switch {
	case !first.Answered:
		return fail(fmt.Sprintf("the answer after %v", r.Slow), fmt.Sprintf("the client left after %v", first.Waited.Round(time.Millisecond)))
	case r.resends() > 0:
		return fail("one attempt", fmt.Sprintf("the same message sent %d more time(s): Vibes sends each one", r.resends()))
	}
	return pass(fmt.Sprintf("waited %v for the answer", first.Waited.Round(time.Millisecond)))
}
