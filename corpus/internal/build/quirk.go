package build

import (
	"fmt"
	"strings"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/vibesxml"
)

// quirkCases each isolate one oddity of real traffic on an otherwise
// textbook request (strict SwA, short prefixes): a receiver must accept it.
func quirkCases(v mm7.Flavour) []spec {
	noMU := vibesxml.Compact
	noMU.TIDAttrs = false
	utf16 := vibesxml.Compact
	utf16.Decl = `<?xml version="1.0" encoding="utf-16"?>`
	out := []spec{
		quirk(v, "java-client", "a textbook SwA MO whose only Vibes trait is the Java 6 client: User-Agent Java/1.6.0_65, keep-alive, Content-Length",
			vibesxml.Compact, nil, nil),
		quirk(v, "utf16-declaration", `encoding="utf-16" in the XML declaration over UTF-8 bytes sent as text/xml; charset=utf-8 (every Vibes example)`,
			utf16, []mm7.DeviationID{mm7.DevEncodingMismatch}, nil),
		quirk(v, "content-id-case", `the SOAP part's header spelled "Content-Id" (SAAJ), bracketed`, vibesxml.Compact, nil, nil),
		quirk(v, "no-start", "multipart/related without a start parameter: the SOAP part is the first part", vibesxml.Compact, nil, func(m *swa.Message) {
			m.Top.Header.Set("Content-Type", `multipart/related; type="text/xml"`)
		}),
		quirk(v, "prefix-soap-env", "SOAP-ENV and mm7 prefixes, mm7 declared on TransactionID and again on the message (seed example A)", vibesxml.SAAJ,
			[]mm7.DeviationID{mm7.DevEncodingMismatch}, nil),
		quirk(v, "prefix-soapenv", "soapenv prefix, TransactionID in a default namespace, the message as ns3 (seed example B)", vibesxml.JAXWS,
			[]mm7.DeviationID{mm7.DevEncodingMismatch, mm7.DevTransactionIDMustUnderstand}, nil),
		quirk(v, "prefix-default", "no prefixes: the envelope and the MM7 elements in default namespaces", vibesxml.DefaultNS, nil, nil),
		quirk(v, "tid-no-mustunderstand", "TransactionID without mustUnderstand (Vibes always sends mustUnderstand=\"1\"; other gateways omit it)", noMU,
			[]mm7.DeviationID{mm7.DevTransactionIDMustUnderstand}, nil),
	}
	if v == mm7.Flavour550 {
		out = append(out, documented550Quirks()...)
	}
	return out
}

// quirk is one quirk case for flavour v: the textbook MO in envelope style
// st, its multipart edited by edit (when not nil), dev the deviations a
// reader reports on it.
func quirk(v mm7.Flavour, name, desc string, st vibesxml.Style, dev []mm7.DeviationID, edit func(m *swa.Message)) spec {
	id := v.ID + "-quirk-" + name
	tid := tidFor(id)
	return spec{
		id: id, flavour: v, kind: corpus.KindDeliver, origin: corpus.OriginQuirk, expect: accept(), tid: tid, dev: dev, desc: desc,
		bytes: func() []byte {
			soap := soapIn(st, v, tid, mo(v, "Quirk", "cid:t"))
			m := swa.New(swa.StyleStrict, soap, part("text/plain", "7bit", []byte("quirk"), "<t>"))
			if edit != nil {
				edit(m)
			}
			n := 0
			ct, body, err := swa.Writer{Style: swa.StyleStrict, Boundary: func() string {
				n++
				return fmt.Sprintf("MIMEBoundary_%s_%d", tidFor(id+"/boundary"), n)
			}}.Write(m)
			if err != nil {
				panic(err)
			}
			if name == "content-id-case" {
				body = []byte(strings.Replace(string(body), "Content-ID: <soap-envelope@mm7harness>", "Content-Id: <soap-envelope@mm7harness>", 1))
			}
			return post(paths["deliver"], ct, body)
		},
	}
}

// elementTableQuirks are what Vibes' 5.5.0 documentation shows of an MO
// that its schema does not: a receiver must take them in case Vibes sends
// MOs that way.
func documented550Quirks() []spec {
	v := mm7.Flavour550
	var out []spec
	// Vibes' element table for the 5.5.0 MO.
	id := "550-quirk-vibes-element-table"
	tid := tidFor(id)
	out = append(out, spec{
		id: id, flavour: v, kind: corpus.KindDeliver, origin: corpus.OriginQuirk, schemaInvalid: true, tid: tid,
		expect: tolerate("Vibes: Receive an MMS, the 5.5.0 element table (SenderIdentification/SenderAddress/ShortCode)",
			"the table is SubmitReq-shaped and most likely a documentation error; if Vibes does send MOs this way, an endpoint that validates against REL-5-MM7-1-2 refuses every 5.5.0 MO, and Vibes retries five times, then drops it"),
		dev:  []mm7.DeviationID{mm7.DevDeliverSenderIdentification},
		desc: "5.5.0 MO shaped as Vibes' element table describes it: SenderIdentification/SenderAddress/ShortCode where the schema wants Sender; schema-invalid, yet documented, so a receiver validating MO strictly would reject real traffic",
		bytes: func() []byte {
			soap := string(soapIn(vibesxml.SAAJ, v, tid, mo(v, "Hello Client", "cid:t")))
			soap = strings.Replace(soap, "<mm7:Sender>", "<mm7:SenderIdentification>\n                <mm7:SenderAddress>", 1)
			soap = strings.Replace(soap, "</mm7:Sender>", "</mm7:SenderAddress>\n            </mm7:SenderIdentification>", 1)
			soap = strings.Replace(soap, "<mm7:Number>+13125550123</mm7:Number>", "<mm7:ShortCode>+13125550123</mm7:ShortCode>", 1)
			ct, body := vibesMIME(id, []byte(soap), part("text/plain", "7bit", []byte("hi"), "<t>"))
			return post(paths["deliver"], ct, body)
		},
	})
	// Vibes' 5.5.0 MO example carries the REL-6 namespace.
	id2 := "550-quirk-rel6-namespace"
	tid2 := tidFor(id2)
	out = append(out, spec{
		id: id2, flavour: v, kind: corpus.KindDeliver, origin: corpus.OriginQuirk, tid: tid2,
		expect: tolerate("Vibes: Receive an MMS, the MO example under the 5.5.0 heading (REL-6-MM7-1-4 namespace, MM7Version 6.8.0)",
			"valid REL-6, but not the 5.5.0 account's namespace; if Vibes does send 5.5.0 MOs in the REL-6 namespace, an endpoint that takes only REL-5-MM7-1-2 refuses every one of them, and Vibes retries five times, then drops it"),
		dev:  []mm7.DeviationID{mm7.DevNamespaceNotFlavour},
		desc: "MO to a 5.5.0 account in the REL-6-MM7-1-4 namespace with MM7Version 6.8.0, as the example under Vibes' 5.5.0 heading is",
		bytes: func() []byte {
			ct, body := vibesMIME(id2, soapIn(vibesxml.SAAJ, mm7.Flavour680, tid2, mo(mm7.Flavour680, "Hello Client", "cid:t")),
				part("text/plain", "7bit", []byte("hi"), "<t>"))
			return post(paths["deliver"], ct, body)
		},
	})
	return out
}
