package check

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// The checks of what a success answer says: its schema, its kind, and the
// values Vibes reads.
var rspChecks = []*Check{
	{ID: "schema-valid", Level: MUST, Group: GroupAnswer, Source: "TS 23.140 annex (MM7 XML schema of the flavour)",
		Requirement: "send an answer valid against the flavour's schema", Judge: schemaValid},
	{ID: "rsp-kind", Level: MUST, Group: GroupAnswer, Source: "TS 23.140 clauses 8.7.2-8.7.4",
		Requirement: "answer DeliverReq with DeliverRsp, DeliveryReportReq with DeliveryReportRsp, ReadReplyReq with ReadReplyRsp", Judge: rspKind},
	{ID: "rsp-transaction-id", Level: MUST, Group: GroupAnswer, Source: "TS 23.140 clause 8.7 (TransactionID); Vibes: response tables",
		Requirement: "echo the request's TransactionID", Judge: rspTID},
	{ID: "rsp-namespace", Level: MUST, Group: GroupAnswer, Source: "Vibes: MM7 versions (one namespace per account)",
		Requirement: "answer in the namespace of the request", Judge: rspNamespace},
	{ID: "rsp-mm7version", Level: MUST, Group: GroupAnswer, Source: "Vibes: response tables (5.3.0 for 5.5.0, 6.8.0 for 6.8.0)",
		Requirement: "carry the flavour's MM7Version (under the vibes profile it may be left out, as Vibes' own sample does)", Judge: rspVersion},
	{ID: "rsp-status-success", Level: MUST, Group: GroupAnswer, Source: "TS 23.140 clause 8.7 status codes; Vibes: response tables",
		Requirement: "answer a valid message with StatusCode 1000", Judge: rspSuccess},
	{ID: "rsp-status-text", Level: MUST, Group: GroupAnswer, Source: "TS 23.140 schema (StatusText is required); Vibes: response tables",
		Requirement: "give a StatusText", Judge: rspText},
}

// soapRead is the precondition of the checks that need the MM7 message.
func soapRead(in *Input) (*mm7.Envelope, Result, bool) {
	if r, ok := readable(in); !ok {
		return nil, r, false
	}
	env, err := in.decode()
	var de *mm7.DecodeError
	if env == nil || env.Message == nil || errors.As(err, &de) && de.Reason != mm7.ReasonTransactionID {
		why := "the answer is not an MM7 SOAP message"
		if de != nil {
			why += " (" + string(de.Reason) + ")"
		}
		return nil, na(why), false
	}
	return env, Result{}, true
}

func schemaValid(in *Input) Result {
	env, r, ok := soapRead(in)
	if !ok {
		return r
	}
	doc := in.norm
	note := ""
	if rsp := mm7.ResponseOf(env.Message); rsp != nil && rsp.MM7Version == "" && in.Profile == ProfileVibes {
		// Vibes' own DeliverRsp sample has no MM7Version, and Vibes takes
		// it: judge the rest of the answer as if it had the expected one.
		if with, ok := withMM7Version(doc, env.Release, in.ExpectedMM7Version()); ok {
			doc, note = with, " (MM7Version left out, as Vibes' own sample does)"
		}
	}
	res := in.Schemas.ValidateAs(doc, in.RequestRel)
	var errs []string
	for _, e := range res.Errors {
		errs = append(errs, e.Error())
	}
	if len(errs) > 0 {
		return fail("an answer valid against "+string(in.RequestRel)+note, strings.Join(errs, "; "))
	}
	return pass("valid against " + string(in.RequestRel) + note)
}

var rspStart = regexp.MustCompile(`<((?:[A-Za-z_][\w.-]*:)?)(DeliverRsp|DeliveryReportRsp|ReadReplyRsp)\b([^>]*?)(/?)>`)

// withMM7Version is doc with an MM7Version element of release r, value v,
// as the first child of its response element.
func withMM7Version(doc []byte, r mm7.Release, v string) ([]byte, bool) {
	m := rspStart.FindSubmatchIndex(doc)
	if m == nil {
		return nil, false
	}
	version := `<MM7Version xmlns="` + r.Namespace() + `">` + v + `</MM7Version>`
	tag := string(doc[m[2]:m[3]]) + string(doc[m[4]:m[5]])
	var out []byte
	out = append(out, doc[:m[0]]...)
	out = append(out, '<')
	out = append(out, tag...)
	out = append(out, doc[m[6]:m[7]]...)
	out = append(out, '>')
	out = append(out, version...)
	if m[9] > m[8] { // <DeliverRsp/>: close it again
		out = append(out, "</"+tag+">"...)
	}
	return append(out, doc[m[1]:]...), true
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

// ExpectedMM7Version is the MM7Version an answer carries
// (mm7.Flavour.AnswerMM7Version).
func (in *Input) ExpectedMM7Version() string {
	return in.Flavour.AnswerMM7Version(in.RequestMM7, in.RequestRel)
}

// response is the response the answer carries, or a reason it has none.
func response(in *Input) (*mm7.Response, Result, bool) {
	env, r, ok := soapRead(in)
	if !ok {
		return nil, r, false
	}
	rsp := mm7.ResponseOf(env.Message)
	if rsp == nil {
		return nil, na(string(env.Message.Kind()) + " is not a response (see rsp-kind)"), false
	}
	return rsp, Result{}, true
}

func rspVersion(in *Input) Result {
	rsp, r, ok := response(in)
	if !ok {
		return r
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
	rsp, r, ok := response(in)
	if !ok {
		return r
	}
	if rsp.Status.Code != mm7.StatusSuccess {
		got := "no Status"
		if rsp.Status.Code != 0 {
			got = rsp.Status.Code.String()
		}
		return fail("StatusCode 1000", got)
	}
	return pass("1000")
}

func rspText(in *Input) Result {
	rsp, r, ok := response(in)
	if !ok {
		return r
	}
	if strings.TrimSpace(rsp.Status.Text) == "" {
		return fail("a StatusText", "none")
	}
	return pass(rsp.Status.Text)
}
