package mm7_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mm7harness/mm7harness/harness/internal/mm7gen"
	"github.com/mm7harness/mm7harness/harness/mm7"
)

func readSeed(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "seed", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSeed680DeliverReqWithUTF16Declaration(t *testing.T) {
	env, err := mm7.Decode(readSeed(t, "vibes-680-deliverreq.xml"), "utf-8")
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if env.TransactionID != "becc3e4a6e065bd6" {
		t.Errorf("TransactionID: got %q, want becc3e4a6e065bd6", env.TransactionID)
	}
	if env.Flavour != mm7.Flavour680 || env.Release != mm7.Flavour680.Release {
		t.Errorf("version: got %v %v, want 6.8.0 REL-6-MM7-1-4", env.Flavour, env.Release)
	}
	if !mm7.Has(env.Deviations, mm7.DevEncodingMismatch) {
		t.Errorf("deviations %v: want %s", env.Deviations, mm7.DevEncodingMismatch)
	}
	req, ok := env.Message.(*mm7.DeliverReq)
	if !ok {
		t.Fatalf("message: got %T, want *mm7.DeliverReq", env.Message)
	}
	if req.Sender != mm7.Number("+13127536330") {
		t.Errorf("sender: got %v, want Number:+13127536330", req.Sender)
	}
	if got := req.Recipients.All(); len(got) != 1 || got[0] != mm7.ShortCode("63901") {
		t.Errorf("recipients: got %v, want [ShortCode:63901]", got)
	}
	if req.Subject != "Hello Client" || req.Priority != mm7.PriorityNormal {
		t.Errorf("subject/priority: got %q/%q", req.Subject, req.Priority)
	}
}

func TestSeed550SubmitReqStraightened(t *testing.T) {
	env, err := mm7.Decode(readSeed(t, "vibes-550-submitreq.xml"), "")
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	req, ok := env.Message.(*mm7.SubmitReq)
	if !ok {
		t.Fatalf("message: got %T, want *mm7.SubmitReq", env.Message)
	}
	if env.Flavour != mm7.Flavour550 || req.MM7Version != "5.3.0" {
		t.Errorf("version: got %v with MM7Version %q, want 5.5.0 carrying 5.3.0", env.Flavour, req.MM7Version)
	}
	if env.TransactionID != "ea92fdc3-44e9-466a-9c40-f51a704a2590" {
		t.Errorf("TransactionID: got %q", env.TransactionID)
	}
	if sa := req.SenderIdentification.SenderAddress; sa == nil || *sa != mm7.ShortCode("12345") {
		t.Errorf("sender address: got %v, want ShortCode:12345", sa)
	}
	if req.DeliveryReport == nil || !*req.DeliveryReport {
		t.Errorf("DeliveryReport: got %v, want true", req.DeliveryReport)
	}
	if req.Content == nil || req.Content.Href != "cid:attachment.cid" {
		t.Errorf("content: got %+v, want cid:attachment.cid", req.Content)
	}
	// The TransactionID has no mustUnderstand and is in a default namespace.
	if !mm7.Has(env.Deviations, mm7.DevTransactionIDMustUnderstand) {
		t.Errorf("deviations %v: want %s", env.Deviations, mm7.DevTransactionIDMustUnderstand)
	}
}

func TestSeed550AsPrintedIsMalformed(t *testing.T) {
	_, err := mm7.Decode(readSeed(t, "vibes-550-submitreq-as-printed.xml"), "utf-8")
	var de *mm7.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want a DecodeError", err)
	}
	if de.Reason != mm7.ReasonMalformed || de.Status != mm7.StatusMessageFormatCorrupt || de.Line != 1 {
		t.Errorf("got %s status %d line %d, want %s 2007 at line 1", de.Reason, de.Status, de.Line, mm7.ReasonMalformed)
	}
}

func TestVibesDeliverRspSampleLacksMM7Version(t *testing.T) {
	env, err := mm7.Decode(readSeed(t, "vibes-680-deliverrsp.xml"), "")
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	rsp, ok := env.Message.(*mm7.DeliverRsp)
	if !ok || rsp.Status.Code != 1000 || rsp.Status.Text != "Success" {
		t.Fatalf("got %#v, want DeliverRsp 1000 Success", env.Message)
	}
	if !mm7.Has(env.Deviations, mm7.DevMM7Version) {
		t.Errorf("deviations %v: want %s (the sample has no MM7Version)", env.Deviations, mm7.DevMM7Version)
	}
}

const (
	ns5 = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-5-MM7-1-2"
	ns6 = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"
)

// envelope wraps a body in an envelope with a TransactionID in ns.
func envelope(ns, body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header>` +
		`<t:TransactionID xmlns:t="` + ns + `" soap:mustUnderstand="1">tid-1</t:TransactionID></soap:Header>` +
		`<soap:Body>` + body + `</soap:Body></soap:Envelope>`
}

func dlr(ns, version, date string) string {
	return `<DeliveryReportReq xmlns="` + ns + `"><MM7Version>` + version + `</MM7Version>` +
		`<MessageID>m1</MessageID><Recipient><Number>+15551230001</Number></Recipient>` +
		`<Sender><ShortCode>12345</ShortCode></Sender><Date>` + date + `</Date>` +
		`<MMStatus>Retrieved</MMStatus></DeliveryReportReq>`
}

func TestDeviations(t *testing.T) {
	cases := []struct {
		name   string
		doc    string
		opts   mm7.DecodeOptions
		want   mm7.DeviationID
		absent bool
	}{
		{"clean 6.8.0 report", envelope(ns6, dlr(ns6, "6.8.0", "2026-01-02T03:04:05-05:00")), mm7.DecodeOptions{}, "", true},
		{"Java offset without colon", envelope(ns6, dlr(ns6, "6.8.0", "2026-01-02T03:04:05-0500")), mm7.DecodeOptions{}, mm7.DevDateTimeLexical, false},
		{"MM7Version 5.5.0 on the 5.5.0 flavour", envelope(ns5, dlr(ns5, "5.5.0", "2026-01-02T03:04:05Z")), mm7.DecodeOptions{}, mm7.DevMM7Version, false},
		{"MM7Version 5.3.0 in REL-6-MM7-1-4", envelope(ns6, dlr(ns6, "5.3.0", "2026-01-02T03:04:05Z")), mm7.DecodeOptions{}, mm7.DevMM7Version, false},
		{"REL-6 namespace on a 5.5.0 account", envelope(ns6, dlr(ns6, "6.8.0", "2026-01-02T03:04:05Z")), mm7.DecodeOptions{Expect: mm7.Flavour550}, mm7.DevNamespaceNotFlavour, false},
		{"namespace of another release",
			envelope(strings.Replace(ns6, "1-4", "1-2", 1), dlr(strings.Replace(ns6, "1-4", "1-2", 1), "6.5.0", "2026-01-02T03:04:05Z")),
			mm7.DecodeOptions{}, mm7.DevNamespaceOtherRelease, false},
		{"TransactionID of another release", envelope(ns5, dlr(ns6, "6.8.0", "2026-01-02T03:04:05Z")), mm7.DecodeOptions{}, mm7.DevTransactionIDNamespace, false},
		{"UTF-16 declaration over UTF-8 bytes",
			strings.Replace(envelope(ns6, dlr(ns6, "6.8.0", "2026-01-02T03:04:05Z")), `encoding="UTF-8"`, `encoding="utf-16"`, 1),
			mm7.DecodeOptions{Charset: "utf-8"}, mm7.DevEncodingMismatch, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, err := c.opts.Decode([]byte(c.doc))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if c.absent {
				if len(env.Deviations) != 0 {
					t.Errorf("got deviations %v, want none", env.Deviations)
				}
				return
			}
			if !mm7.Has(env.Deviations, c.want) {
				t.Errorf("got deviations %v, want %s", env.Deviations, c.want)
			}
		})
	}
}

func TestDeliverReqSenderIdentificationQuirk(t *testing.T) {
	// Vibes' element table for the 5.5.0 MO puts the sender here.
	body := `<DeliverReq xmlns="` + ns5 + `"><MM7Version>5.3.0</MM7Version><SenderIdentification>` +
		`<SenderAddress><ShortCode>12345</ShortCode></SenderAddress></SenderIdentification>` +
		`<Recipients><To><Number>+15551230001</Number></To></Recipients></DeliverReq>`
	env, err := mm7.Decode([]byte(envelope(ns5, body)), "")
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if got := env.Message.(*mm7.DeliverReq).Sender; got != mm7.ShortCode("12345") {
		t.Errorf("sender: got %v, want ShortCode:12345", got)
	}
	if !mm7.Has(env.Deviations, mm7.DevDeliverSenderIdentification) {
		t.Errorf("deviations %v: want %s", env.Deviations, mm7.DevDeliverSenderIdentification)
	}
}

func TestPrefixesDoNotMatter(t *testing.T) {
	// Same message, three spellings: prefixed, default namespace, mixed.
	docs := []string{
		envelope(ns6, dlr(ns6, "6.8.0", "2026-01-02T03:04:05Z")),
		`<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="` + ns6 + `"><e:Header><m:TransactionID>tid-1</m:TransactionID></e:Header><e:Body>` +
			`<m:DeliveryReportReq><m:MM7Version>6.8.0</m:MM7Version><m:MessageID>m1</m:MessageID>` +
			`<m:Recipient><m:Number>+15551230001</m:Number></m:Recipient><m:Sender><m:ShortCode>12345</m:ShortCode></m:Sender>` +
			`<m:Date>2026-01-02T03:04:05Z</m:Date><m:MMStatus>Retrieved</m:MMStatus></m:DeliveryReportReq></e:Body></e:Envelope>`,
		`<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Header><TransactionID xmlns="` + ns6 + `">tid-1</TransactionID></Header><Body>` +
			dlr(ns6, "6.8.0", "2026-01-02T03:04:05Z") + `</Body></Envelope>`,
	}
	for i, d := range docs {
		env, err := mm7.Decode([]byte(d), "")
		if err != nil {
			t.Fatalf("doc %d: %v\n%s", i, err, d)
		}
		r, ok := env.Message.(*mm7.DeliveryReportReq)
		if !ok || r.MMStatus != mm7.MMStatusRetrieved || r.MessageID != "m1" || env.TransactionID != "tid-1" {
			t.Errorf("doc %d: got %#v tid %q", i, env.Message, env.TransactionID)
		}
	}
}

func TestBadInput(t *testing.T) {
	good := dlr(ns6, "6.8.0", "2026-01-02T03:04:05Z")
	cases := []struct {
		name   string
		doc    string
		reason mm7.Reason
		status mm7.StatusCode
	}{
		{"empty", "", mm7.ReasonMalformed, 2007},
		{"malformed XML", envelope(ns6, `<DeliveryReportReq xmlns="`+ns6+`">`), mm7.ReasonMalformed, 2007},
		{"malformed after a semantic problem", envelope(ns6, `<DeliveryReportReq>`), mm7.ReasonMalformed, 2007},
		{"not XML at all", "HTTP/1.1 500 Internal Server Error", mm7.ReasonMalformed, 2007},
		{"typographic quotes", `<?xml version=“1.0”?><a/>`, mm7.ReasonMalformed, 2007},
		{"invalid UTF-8", envelope(ns6, good) + "\xff\xfe", mm7.ReasonCharset, 2007},
		{"wrong root", `<html><body>error</body></html>`, mm7.ReasonNotEnvelope, 4004},
		{"SOAP 1.2 envelope", `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>`, mm7.ReasonNotEnvelope, 4004},
		{"no Body", `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header/></e:Envelope>`, mm7.ReasonNotEnvelope, 4004},
		{"empty Body", envelope(ns6, ""), mm7.ReasonBodyShape, 4004},
		{"two messages", envelope(ns6, good+good), mm7.ReasonBodyShape, 4004},
		{"missing TransactionID", strings.ReplaceAll(envelope(ns6, good), "t:TransactionID", "t:Other"), mm7.ReasonTransactionID, 4004},
		{"empty TransactionID", strings.Replace(envelope(ns6, good), ">tid-1<", "> <", 1), mm7.ReasonTransactionID, 4004},
		{"two TransactionIDs", strings.Replace(envelope(ns6, good), "</soap:Header>", `<t:TransactionID xmlns:t="`+ns6+`">x</t:TransactionID></soap:Header>`, 1), mm7.ReasonTransactionID, 4004},
		{"unknown namespace", envelope(ns6, `<DeliveryReportReq xmlns="urn:example:other"/>`), mm7.ReasonNamespace, 4004},
		{"no namespace", envelope(ns6, `<DeliveryReportReq/>`), mm7.ReasonNamespace, 4004},
		{"REL-7 namespace", envelope(ns6, strings.Replace(good, "REL-6-MM7-1-4", "REL-7-MM7-1-0", 1)), mm7.ReasonRelease, 4002},
		{"unsupported operation", envelope(ns6, `<CancelReq xmlns="`+ns6+`"/>`), mm7.ReasonOperation, 4003},
		{"non-numeric StatusCode", envelope(ns6, `<DeliverRsp xmlns="`+ns6+`"><MM7Version>6.8.0</MM7Version><Status><StatusCode>OK</StatusCode><StatusText>x</StatusText></Status></DeliverRsp>`), mm7.ReasonContent, 4004},
		{"DTD", `<!DOCTYPE Envelope [<!ELEMENT Envelope ANY>]>` + envelope(ns6, good), mm7.ReasonDTD, 2007},
		{"external entity on a local file", `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>` +
			strings.Replace(envelope(ns6, good)[len(`<?xml version="1.0" encoding="UTF-8"?>`):], "tid-1", "&x;", 1), mm7.ReasonDTD, 2007},
		{"external entity on a URL", `<!DOCTYPE e [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>` +
			strings.Replace(envelope(ns6, good)[len(`<?xml version="1.0" encoding="UTF-8"?>`):], "tid-1", "&x;", 1), mm7.ReasonDTD, 2007},
		{"billion laughs", mm7gen.BillionLaughs, mm7.ReasonDTD, 2007},
		{"undeclared entity", strings.Replace(envelope(ns6, good), "tid-1", "&lol;", 1), mm7.ReasonMalformed, 2007},
		{"element after the root", envelope(ns6, good) + "<x/>", mm7.ReasonMalformed, 2007},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := mm7.Decode([]byte(c.doc), "")
			var de *mm7.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, want a DecodeError", err)
			}
			if de.Reason != c.reason || de.Status != c.status {
				t.Errorf("got %s/%d (%v), want %s/%d", de.Reason, de.Status, err, c.reason, c.status)
			}
			if got := mm7.StatusOf(err); got != c.status {
				t.Errorf("StatusOf: got %d, want %d", got, c.status)
			}
			if strings.Contains(err.Error(), "root:") {
				t.Errorf("error leaks file content: %v", err)
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	doc := envelope(ns6, dlr(ns6, "6.8.0", "2026-01-02T03:04:05Z"))
	_, err := mm7.DecodeOptions{MaxBytes: 100}.Decode([]byte(doc))
	var de *mm7.DecodeError
	if !errors.As(err, &de) || de.Reason != mm7.ReasonTooLarge {
		t.Fatalf("got %v, want %s", err, mm7.ReasonTooLarge)
	}
}

func TestDecodeErrorKeepsTransactionID(t *testing.T) {
	// A receiver answering a broken request still echoes its TransactionID.
	doc := envelope(ns6, `<DeliverRsp xmlns="`+ns6+`"><MM7Version>6.8.0</MM7Version><Status><StatusCode>OK</StatusCode></Status></DeliverRsp>`)
	env, err := mm7.Decode([]byte(doc), "")
	if mm7.StatusOf(err) != mm7.StatusValidationError {
		t.Fatalf("got %v, want a 4004 error", err)
	}
	if env == nil || env.TransactionID != "tid-1" || env.Flavour != mm7.Flavour680 {
		t.Fatalf("got %+v, want the TransactionID tid-1 and version 6.8.0 kept", env)
	}
}
