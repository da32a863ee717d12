package check

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// The checks judged on the answer to a valid message, in the order they
// apply: transport, envelope, schema, meaning.

func init() {
	register(
		// Vibes, "Receiving messages": "Any HTTP 2xx counts as delivered";
		// anything else is retried every 5 minutes, up to 5 times.
		&Check{ID: "transport-status-2xx", Level: VIBES, Group: GroupAnswer, Source: "Vibes: Receiving messages (must-acknowledge rule)",
			Requirement: "answer a valid message with HTTP 2xx", Judge: status2xx},
		// SOAP 1.1 section 6.1.1: SOAP HTTP messages are text/xml.
		&Check{ID: "transport-content-type", Level: MUST, Group: GroupAnswer, Source: "SOAP 1.1 section 6.1.1",
			Requirement: "send a SOAP answer as text/xml", Judge: contentType},
		// Vibes' callback wiki: callbacks time out after 2 seconds.
		&Check{ID: "transport-latency", Level: VIBES, Group: GroupAnswer, Source: "Vibes: callback services (2 s timeout)",
			Requirement: "answer within the latency budget (Vibes: 2 s)", Judge: latency},
		// RFC 9112 section 9.3: HTTP/1.1 connections persist by default; Vibes'
		// Java client sends keep-alive.
		&Check{ID: "transport-keep-alive", Level: SHOULD, Group: GroupAnswer, Source: "RFC 9112 section 9.3; seed capture (Connection: keep-alive)",
			Requirement: "keep the connection open after answering", Judge: keepAlive},
		// TS 23.140 8.7: every MM7 request has a response message.
		&Check{ID: "answer-is-soap", Level: MUST, Group: GroupAnswer, StrictOnly: true, Source: "TS 23.140 clause 8.7.4 (MM7_deliver.RES)",
			Requirement: "answer with a SOAP response, not a blank body", Judge: isSOAP},
		&Check{ID: "envelope-well-formed", Level: MUST, Group: GroupAnswer, Source: "XML 1.0; RFC 7303 (charset)",
			Requirement: "send a well-formed XML document in its declared charset", Judge: wellFormed},
		&Check{ID: "envelope-soap11", Level: MUST, Group: GroupAnswer, Source: "SOAP 1.1 section 4.1",
			Requirement: "send a SOAP 1.1 Envelope with a Body", Judge: soap11},
		&Check{ID: "envelope-one-body-element", Level: MUST, Group: GroupAnswer, Source: "TS 23.140 clause 8.7 (one MM7 message per Body)",
			Requirement: "carry exactly one element in the SOAP Body", Judge: oneBody},
		&Check{ID: "schema-valid", Level: MUST, Group: GroupAnswer, Source: "TS 23.140 annex (MM7 XML schema of the flavour)",
			Requirement: "send an answer valid against the flavour's schema", Judge: schemaValid},
		&Check{ID: "rsp-kind", Level: MUST, Group: GroupAnswer, Source: "TS 23.140 clauses 8.7.2-8.7.4",
			Requirement: "answer DeliverReq with DeliverRsp, DeliveryReportReq with DeliveryReportRsp, ReadReplyReq with ReadReplyRsp", Judge: rspKind},
		&Check{ID: "rsp-transaction-id", Level: MUST, Group: GroupAnswer, Source: "TS 23.140 clause 8.7 (TransactionID); Vibes: response tables",
			Requirement: "echo the request's TransactionID", Judge: rspTID},
		&Check{ID: "rsp-namespace", Level: MUST, Group: GroupAnswer, Source: "Vibes: MM7 versions (one namespace per account)",
			Requirement: "answer in the namespace of the request", Judge: rspNamespace},
		&Check{ID: "rsp-mm7version", Level: MUST, Group: GroupAnswer, Source: "Vibes: response tables (5.3.0 for 5.5.0, 6.8.0 for 6.8.0)",
			Requirement: "carry the flavour's MM7Version (under the vibes profile it may be left out, as Vibes' own sample does)", Judge: rspVersion},
		&Check{ID: "rsp-status-success", Level: MUST, Group: GroupAnswer, Source: "TS 23.140 clause 8.7 status codes; Vibes: response tables",
			Requirement: "answer a valid message with StatusCode 1000", Judge: rspSuccess},
		&Check{ID: "rsp-status-text", Level: MUST, Group: GroupAnswer, Source: "TS 23.140 schema (StatusText is required); Vibes: response tables",
			Requirement: "give a StatusText", Judge: rspText},
	)
}

func status2xx(in *Input) Result {
	if in.Answer.Status == 0 {
		return fail("an HTTP 2xx answer", "no answer: "+in.Answer.Err)
	}
	if in.Answer.Status/100 != 2 {
		return fail("HTTP 2xx", fmt.Sprintf("HTTP %d", in.Answer.Status))
	}
	return pass(fmt.Sprintf("HTTP %d", in.Answer.Status))
}

// answered is the precondition of every check that looks at the body.
func answered(in *Input) (Result, bool) {
	if in.Answer.Status == 0 {
		return na("no answer to judge"), false
	}
	if in.Blank() {
		return pass("blank 2xx body (Vibes accepts it)"), false
	}
	if len(strings.TrimSpace(string(in.Answer.Body))) == 0 {
		return na(fmt.Sprintf("HTTP %d without a body: nothing to judge", in.Answer.Status)), false
	}
	return Result{}, true
}

func contentType(in *Input) Result {
	if r, ok := answered(in); !ok {
		return r
	}
	ct := in.Answer.Header.Get("Content-Type")
	media := strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	if media == "text/xml" || media == "multipart/related" && strings.Contains(strings.ToLower(ct), "text/xml") {
		return pass(ct)
	}
	return fail(`one of "text/xml", "multipart/related; type=text/xml"`, fmt.Sprintf("%q", ct))
}

func latency(in *Input) Result {
	if in.Answer.Status == 0 {
		return na("no answer to time")
	}
	if in.Answer.Latency > in.Budget {
		return fail("an answer within "+in.Budget.String(), in.Answer.Latency.String())
	}
	return pass(in.Answer.Latency.String())
}

func keepAlive(in *Input) Result {
	if in.Answer.Status == 0 {
		return na("no answer")
	}
	if strings.EqualFold(in.Answer.Header.Get("Connection"), "close") {
		return fail("the connection kept open", "Connection: close")
	}
	return pass("kept open")
}

func isSOAP(in *Input) Result {
	if in.Answer.Status == 0 {
		return na("no answer")
	}
	if in.Blank() {
		return fail("a SOAP response", "a blank body")
	}
	return pass("a body")
}

func wellFormed(in *Input) Result {
	if r, ok := answered(in); !ok {
		return r
	}
	_, err := in.decode()
	var de *mm7.DecodeError
	if errors.As(err, &de) && (de.Reason == mm7.ReasonMalformed || de.Reason == mm7.ReasonCharset || de.Reason == mm7.ReasonDTD) {
		return fail("well-formed XML", de.Error())
	}
	return pass("well-formed")
}

// soapRead is the precondition of the checks that need the SOAP envelope.
func soapRead(in *Input) (*mm7.Envelope, Result, bool) {
	if r, ok := answered(in); !ok {
		return nil, r, false
	}
	env, err := in.decode()
	var de *mm7.DecodeError
	if env == nil || env.Message == nil || errors.As(err, &de) && de.Reason != mm7.ReasonTransactionID {
		return nil, na("the answer is not an MM7 SOAP message"), false
	}
	return env, Result{}, true
}

func soap11(in *Input) Result {
	if r, ok := answered(in); !ok {
		return r
	}
	_, err := in.decode()
	var de *mm7.DecodeError
	if errors.As(err, &de) && de.Reason == mm7.ReasonNotEnvelope {
		return fail("a SOAP 1.1 Envelope with a Body", de.Msg)
	}
	if errors.As(err, &de) && (de.Reason == mm7.ReasonMalformed || de.Reason == mm7.ReasonCharset) {
		return na("not well-formed")
	}
	return pass("SOAP 1.1 Envelope")
}

func oneBody(in *Input) Result {
	if r, ok := answered(in); !ok {
		return r
	}
	_, err := in.decode()
	var de *mm7.DecodeError
	if errors.As(err, &de) && de.Reason == mm7.ReasonBodyShape {
		return fail("one element in the Body", de.Msg)
	}
	if errors.As(err, &de) && (de.Reason == mm7.ReasonMalformed || de.Reason == mm7.ReasonCharset || de.Reason == mm7.ReasonNotEnvelope) {
		return na("not a SOAP envelope")
	}
	return pass("one element")
}

func schemaValid(in *Input) Result {
	env, r, ok := soapRead(in)
	if !ok {
		return r
	}
	_ = env
	res := in.Schemas.ValidateAs(in.norm, in.RequestRel)
	var errs []string
	for _, e := range res.Errors {
		// Vibes' own DeliverRsp sample has no MM7Version, and Vibes takes
		// it: libxml2 reports it at Status ("not expected, MM7Version is").
		step := e.Path[strings.LastIndexByte(e.Path, '/')+1:]
		step = step[strings.LastIndexByte(step, ':')+1:]
		if in.Profile == ProfileVibes && (step == "Status" || strings.HasSuffix(step, "Rsp")) && strings.Contains(e.Message, "MM7Version") {
			continue
		}
		errs = append(errs, e.Error())
	}
	if len(errs) > 0 {
		return fail("an answer valid against "+string(in.RequestRel), strings.Join(errs, "; "))
	}
	return pass("valid against " + string(in.RequestRel))
}

func rspKind(in *Input) Result {
	env, r, ok := soapRead(in)
	if !ok {
		return r
	}
	want := map[mm7.Kind]mm7.Kind{mm7.KindDeliverReq: mm7.KindDeliverRsp, mm7.KindDeliveryReportReq: mm7.KindDeliveryReportRsp, mm7.KindReadReplyReq: mm7.KindReadReplyRsp}[in.Request]
	if env.Message.Kind() != want {
		return fail(string(want), string(env.Message.Kind()))
	}
	return pass(string(want))
}

func rspTID(in *Input) Result {
	env, r, ok := soapRead(in)
	if !ok {
		return r
	}
	if env.TransactionID != in.TransactionID {
		return fail(fmt.Sprintf("TransactionID %q", in.TransactionID), fmt.Sprintf("%q", env.TransactionID))
	}
	return pass(env.TransactionID)
}

func rspNamespace(in *Input) Result {
	env, r, ok := soapRead(in)
	if !ok {
		return r
	}
	if env.Release != in.RequestRel {
		return fail(in.RequestRel.Namespace(), env.Release.Namespace())
	}
	return pass(string(env.Release))
}

// ExpectedMM7Version is the MM7Version an answer carries: the request's
// when its release allows it, the flavour's otherwise.
func (in *Input) ExpectedMM7Version() string {
	if in.RequestRel.AllowsMM7Version(in.RequestMM7) {
		return in.RequestMM7
	}
	return in.Version.MM7Version
}

func rspVersion(in *Input) Result {
	env, r, ok := soapRead(in)
	if !ok {
		return r
	}
	rsp := mm7.ResponseOf(env.Message)
	if rsp == nil {
		return na("not a response")
	}
	want := in.ExpectedMM7Version()
	switch {
	case rsp.MM7Version == want:
		return pass(want)
	case rsp.MM7Version == "" && in.Profile == ProfileVibes:
		return pass("no MM7Version (Vibes accepts it)")
	}
	return fail(fmt.Sprintf("MM7Version %q", want), fmt.Sprintf("%q", rsp.MM7Version))
}

func rspSuccess(in *Input) Result {
	env, r, ok := soapRead(in)
	if !ok {
		return r
	}
	rsp := mm7.ResponseOf(env.Message)
	if rsp == nil || rsp.Status.Code != mm7.StatusSuccess {
		got := "no Status"
		if rsp != nil && rsp.Status.Code != 0 {
			got = rsp.Status.Code.String()
		}
		return fail("StatusCode 1000", got)
	}
	return pass("1000")
}

func rspText(in *Input) Result {
	env, r, ok := soapRead(in)
	if !ok {
		return r
	}
	rsp := mm7.ResponseOf(env.Message)
	if rsp == nil || strings.TrimSpace(rsp.Status.Text) == "" {
		return fail("a StatusText", "none")
	}
	return pass(rsp.Status.Text)
}
