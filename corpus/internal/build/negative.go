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
func quirkCases(v mm7.Version) []spec {
	var out []spec
	q := func(name, desc string, st vibesxml.Style, dev []mm7.DeviationID, edit func(m *swa.Message)) {
		id := short(v) + "-quirk-" + name
		tid := tidFor(id)
		out = append(out, spec{
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
		})
	}
	noMU := vibesxml.Compact
	noMU.TIDAttrs = false
	q("java-client", "a textbook SwA MO whose only Vibes trait is the Java 6 client: User-Agent Java/1.6.0_65, keep-alive, Content-Length",
		vibesxml.Compact, nil, nil)
	utf16 := vibesxml.Compact
	utf16.Decl = `<?xml version="1.0" encoding="utf-16"?>`
	q("utf16-declaration", `encoding="utf-16" in the XML declaration over UTF-8 bytes sent as text/xml; charset=utf-8 (every Vibes example)`,
		utf16, []mm7.DeviationID{mm7.DevEncodingMismatch}, nil)
	q("content-id-case", `the SOAP part's header spelled "Content-Id" (SAAJ), bracketed`, vibesxml.Compact, nil, nil)
	q("no-start", "multipart/related without a start parameter: the SOAP part is the first part", vibesxml.Compact, nil, func(m *swa.Message) {
		m.Top.Header.Set("Content-Type", `multipart/related; type="text/xml"`)
	})
	q("prefix-soap-env", "SOAP-ENV and mm7 prefixes, mm7 declared on TransactionID and again on the message (seed example A)", vibesxml.SAAJ,
		[]mm7.DeviationID{mm7.DevEncodingMismatch}, nil)
	q("prefix-soapenv", "soapenv prefix, TransactionID in a default namespace, the message as ns3 (seed example B)", vibesxml.JAXWS,
		[]mm7.DeviationID{mm7.DevEncodingMismatch, mm7.DevTransactionIDMustUnderstand}, nil)
	q("prefix-default", "no prefixes: the envelope and the MM7 elements in default namespaces", vibesxml.DefaultNS, nil, nil)
	q("tid-no-mustunderstand", "TransactionID without mustUnderstand (Vibes always sends mustUnderstand=\"1\"; other gateways omit it)", noMU,
		[]mm7.DeviationID{mm7.DevTransactionIDMustUnderstand}, nil)

	if v == mm7.V550 {
		// Vibes' element table for the 5.5.0 MO.
		id := "550-quirk-vibes-element-table"
		tid := tidFor(id)
		out = append(out, spec{
			id: id, flavour: v, kind: corpus.KindDeliver, origin: corpus.OriginQuirk, expect: accept(), schemaInvalid: true, tid: tid,
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
			id: id2, flavour: v, kind: corpus.KindDeliver, origin: corpus.OriginQuirk, expect: accept(), tid: tid2,
			dev:  []mm7.DeviationID{mm7.DevNamespaceNotFlavour},
			desc: "MO to a 5.5.0 account in the REL-6-MM7-1-4 namespace with MM7Version 6.8.0, as the example under Vibes' 5.5.0 heading is",
			bytes: func() []byte {
				ct, body := vibesMIME(id2, soapIn(vibesxml.SAAJ, mm7.V680, tid2, mo(mm7.V680, "Hello Client", "cid:t")),
					part("text/plain", "7bit", []byte("hi"), "<t>"))
				return post(paths["deliver"], ct, body)
			},
		})
	}
	return out
}

// goodMO is the 6.8.0 MO the negative cases break, one thing at a time.
func goodMO(v mm7.Version, tid string) string {
	return string(soapIn(vibesxml.SAAJ, v, tid, mo(v, "Hello Client", "cid:photo")))
}

var photo = JPEG("negative-photo.jpg", 6<<10)

func photoPart() *swa.Part { return part("image/jpeg", "base64", photo, "<photo>") }

// neg builds a negative MO whose SOAP part is edited by soap.
func neg(v mm7.Version, kind corpus.Kind, name, desc string, expect corpus.Expect, soap func(s string) string) spec {
	id := short(v) + "-neg-" + name
	tid := tidFor(id)
	return spec{
		id: id, flavour: v, kind: kind, origin: corpus.OriginNegative, expect: expect, tid: tid, desc: desc,
		bytes: func() []byte {
			ct, body := vibesMIME(id, []byte(soap(goodMO(v, tid))), photoPart())
			return post(paths[string(kind)], ct, body)
		},
	}
}

// negDLR builds a negative DeliveryReportReq (plain text/xml) edited by soap.
func negDLR(v mm7.Version, name, desc string, expect corpus.Expect, soap func(s string) string) spec {
	id := short(v) + "-neg-" + name
	tid := tidFor(id)
	return spec{
		id: id, flavour: v, kind: corpus.KindDeliveryReport, origin: corpus.OriginNegative, expect: expect, tid: tid, desc: desc,
		bytes: func() []byte {
			s := string(soapIn(vibesxml.SAAJ, v, tid, dlr(v, mm7.MMStatusRetrieved, "", mm7.NewDateTime(base))))
			return post(paths["delivery-report"], "text/xml; charset=utf-8", []byte(soap(s)))
		},
	}
}

// negRaw builds a negative request from whole bytes.
func negRaw(v mm7.Version, name, desc string, expect corpus.Expect, raw func(id, tid string) []byte) spec {
	id := short(v) + "-neg-" + name
	tid := tidFor(id)
	return spec{
		id: id, flavour: v, kind: corpus.KindDeliver, origin: corpus.OriginNegative, expect: expect, desc: desc,
		bytes: func() []byte { return raw(id, tid) },
	}
}

// goodRequest is the MO request the byte-level negatives start from.
func goodRequest(id, tid string) (ct string, body []byte) {
	return vibesMIME(id, []byte(goodMO(mm7.V680, tid)), photoPart())
}

func replace1(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("build: " + old + " not found")
		}
		return strings.Replace(s, old, new, 1)
	}
}

func negativeCases() []spec {
	v6, v5 := mm7.V680, mm7.V550
	corrupt := []int{2007}
	validation := []int{4004}
	var out []spec

	// The seed's own defects.
	seedExample := func(quotes, boundary bool) func(id, tid string) []byte {
		return func(id, tid string) []byte {
			soap := string(soapIn(vibesxml.JAXWS, v5, "ea92fdc3-44e9-466a-9c40-f51a704a2590", submit(v5, true)))
			if quotes {
				soap = strings.Replace(soap, `<?xml version="1.0" encoding="utf-16"?>`, `<?xml version=“1.0” encoding=“utf-16"?>`, 1)
				soap = strings.Replace(soap, `xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"`, `xmlns:soapenv=“http://schemas.xmlsoap.org/soap/envelope/”`, 1)
			}
			inner := swa.NewMultipart(`multipart/related; type="image/jpeg; name=connect.jpg"; start="<connect.jpg>"`,
				part("image/png; name=images", "base64", PNG("images", 2<<10), "<images>")).SetContentID("<attachment.cid>")
			m := swa.New(swa.StyleVibes, []byte(soap), inner)
			m.Root.Header.Set("Content-Id", "<rootpart>")
			n := 0
			bs := []string{"----=_Part_1_1764018763.1515602889819", "----=_Part_1_508319571.1515623980041"}
			ct, body, err := swa.Writer{Style: swa.StyleVibes, Boundary: func() string { n++; return bs[(n-1)%2] }}.Write(m)
			if err != nil {
				panic(err)
			}
			if boundary {
				ct = strings.Replace(ct, "----=_Part_1_1764018763.1515602889819", "----=_Part_1_2045721805.1414695261749", 1)
			}
			return post(paths["deliver"], ct, body)
		}
	}
	out = append(out,
		negRaw(v5, "seed-example-as-printed", "the seed page's 5.5.0 example as printed: typographic quotes in the XML and a header boundary the body does not use",
			reject("mime:boundary-mismatch", corrupt), seedExample(true, true)),
		negRaw(v5, "seed-typographic-quotes", "the seed's 5.5.0 example with its typographic quotes but matching boundaries: the SOAP part is not well-formed",
			reject("soap:xml-malformed", corrupt), seedExample(true, false)),
		negRaw(v5, "seed-boundary-mismatch", "the seed's 5.5.0 example with straight quotes but the header boundary of one capture and the body of another",
			reject("mime:boundary-mismatch", corrupt), seedExample(false, true)),
	)

	// MIME and HTTP framing.
	out = append(out,
		negRaw(v6, "truncated-body", "the body cut off inside the SOAP envelope, as a dropped connection leaves it (Content-Length matches what is sent)",
			reject("soap:xml-malformed", corrupt), func(id, tid string) []byte {
				ct, body := goodRequest(id, tid)
				return post(paths["deliver"], ct, body[:strings.Index(string(body), "</mm7:Recipients>")])
			}),
		negRaw(v6, "no-close-delimiter", "a complete MO whose multipart lacks the close delimiter",
			survive(""), func(id, tid string) []byte {
				ct, body := goodRequest(id, tid)
				end := strings.LastIndex(string(body), "\r\n--")
				return post(paths["deliver"], ct, body[:end])
			}),
		negRaw(v6, "content-length-short", "Content-Length 200 bytes short of the body: the receiver reads a message cut off in its last part, without its close delimiter; the rest looks like a new request",
			reject("http:content-length", []int{2007, 4004}), func(id, tid string) []byte {
				ct, body := goodRequest(id, tid)
				raw := post(paths["deliver"], ct, body)
				return []byte(strings.Replace(string(raw), fmt.Sprintf("Content-Length: %d", len(body)), fmt.Sprintf("Content-Length: %d", len(body)-200), 1))
			}),
		negRaw(v6, "content-length-long", "Content-Length 1000 bytes more than is sent: the receiver must time out rather than wait for ever",
			reject("http:content-length", nil, "4xx", "close"), func(id, tid string) []byte {
				ct, body := goodRequest(id, tid)
				raw := post(paths["deliver"], ct, body)
				return []byte(strings.Replace(string(raw), fmt.Sprintf("Content-Length: %d", len(body)), fmt.Sprintf("Content-Length: %d", len(body)+1000), 1))
			}),
		negRaw(v6, "no-boundary-parameter", "multipart/related without a boundary parameter",
			reject("mime:no-boundary", corrupt), func(id, tid string) []byte {
				_, body := goodRequest(id, tid)
				return post(paths["deliver"], `multipart/related; type="text/xml"`, body)
			}),
		negRaw(v6, "no-soap-part", "a multipart holding only an image: no SOAP part (the first part, taken as root, is binary)",
			reject("soap:charset", corrupt), func(id, tid string) []byte {
				m := swa.NewMultipart(`multipart/related; type="text/xml"`, photoPart())
				ct, body, _ := swa.Writer{Style: swa.StyleVibes, Boundary: boundaries(id)}.Write(&swa.Message{Top: m, Root: m.Parts[0]})
				return post(paths["deliver"], ct, body)
			}),
		negRaw(v6, "soap-part-not-xml", "the SOAP part holds plain text",
			reject("soap:xml-malformed", corrupt), func(id, tid string) []byte {
				ct, body := vibesMIME(id, []byte("Hello, this is not XML."), photoPart())
				return post(paths["deliver"], ct, body)
			}),
		negRaw(v6, "empty-body", "text/xml with an empty body",
			reject("soap:xml-malformed", corrupt), func(id, tid string) []byte {
				return post(paths["deliver"], "text/xml; charset=utf-8", nil)
			}),
		negRaw(v6, "invalid-base64", "an attachment whose base64 holds characters outside the alphabet",
			reject("mime:encoding", corrupt), func(id, tid string) []byte {
				bad := part("image/jpeg", "", []byte("/9j/4AAQSkZJRgABAQ***NOT*BASE64***AAAAAAAAAAAA"), "<photo>")
				bad.Header = append(bad.Header, swa.Field{Name: "Content-Transfer-Encoding", Value: "base64"})
				bad.Encoding = ""
				ct, body := vibesMIME(id, []byte(goodMO(v6, tid)), bad)
				return post(paths["deliver"], ct, body)
			}),
		negRaw(v6, "deep-nesting", "attachments nested in multipart/mixed twenty levels deep",
			reject("mime:too-deep", []int{2000, 2007}), func(id, tid string) []byte {
				p := part("text/plain", "7bit", []byte("deep"), "")
				for i := 0; i < 20; i++ {
					p = swa.NewMultipart("multipart/mixed", p)
				}
				p.SetContentID("<photo>")
				ct, body := vibesMIME(id, []byte(goodMO(v6, tid)), p)
				return post(paths["deliver"], ct, body)
			}),
		negRaw(v6, "part-header-1mb", "an attachment part whose header holds a 1 MB line",
			reject("mime:header-too-large", []int{2000, 2007}), func(id, tid string) []byte {
				p := photoPart()
				p.Header = append(p.Header, swa.Field{Name: "X-Padding", Value: strings.Repeat("a", 1<<20)})
				ct, body := vibesMIME(id, []byte(goodMO(v6, tid)), p)
				return post(paths["deliver"], ct, body)
			}),
		negRaw(v6, "method-get", "a GET to the MM7 endpoint",
			reject("http:method", nil, "405"), func(id, tid string) []byte {
				ct, body := goodRequest(id, tid)
				return []byte(strings.Replace(string(post(paths["deliver"], ct, body)), "POST ", "GET ", 1))
			}),
		negRaw(v6, "no-content-type", "a request without Content-Type",
			reject("http:content-type", nil, "415", "4xx"), func(id, tid string) []byte {
				_, body := goodRequest(id, tid)
				return post(paths["deliver"], "", body)
			}),
		negRaw(v6, "content-type-html", "an MO sent as text/html",
			reject("http:content-type", nil, "415", "4xx"), func(id, tid string) []byte {
				return post(paths["deliver"], "text/html; charset=utf-8", []byte(goodMO(v6, tid)))
			}),
		negRaw(v6, "charset-lies", "the SOAP part says charset=utf-8 but its bytes are ISO-8859-1",
			reject("soap:charset", corrupt), func(id, tid string) []byte {
				soap := strings.Replace(goodMO(v6, tid), "Hello Client", "Gr\xfc\xdfe", 1)
				ct, body := vibesMIME(id, []byte(soap), photoPart())
				return post(paths["deliver"], ct, body)
			}),
	)
	markRawOnly(out, "680-neg-content-length-short", "680-neg-content-length-long", "680-neg-method-get")

	// SOAP and MM7.
	out = append(out,
		neg(v6, corpus.KindDeliver, "unknown-message", "a body element the MM7 schemas do not declare (DeliverRequest)",
			reject("soap:operation-unsupported", []int{4003, 4004}), func(s string) string {
				return strings.ReplaceAll(s, "mm7:DeliverReq", "mm7:DeliverRequest")
			}),
		neg(v6, corpus.KindDeliver, "submitreq-to-vasp", "a SubmitReq sent to the customer's MO endpoint: an operation a VASP does not serve",
			reject("mm7:unsupported-operation", []int{4003}), func(string) string {
				return string(soapIn(vibesxml.SAAJ, v6, tidFor("680-neg-submitreq-to-vasp"), submit(v6, true)))
			}),
		neg(v6, corpus.KindDeliver, "cancelreq", "a CancelReq sent to the customer's MO endpoint",
			reject("soap:operation-unsupported", []int{4003}), func(string) string {
				return `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header>` +
					`<mm7:TransactionID SOAP-ENV:mustUnderstand="1" xmlns:mm7="` + ns6 + `">` + tidFor("680-neg-cancelreq") + `</mm7:TransactionID></SOAP-ENV:Header>` +
					`<SOAP-ENV:Body><mm7:CancelReq xmlns:mm7="` + ns6 + `"><mm7:MM7Version>6.8.0</mm7:MM7Version><mm7:SenderIdentification/>` +
					`<mm7:MessageID>865cd3d1</mm7:MessageID></mm7:CancelReq></SOAP-ENV:Body></SOAP-ENV:Envelope>`
			}),
		neg(v6, corpus.KindDeliver, "no-transaction-id", "the SOAP Header holds no TransactionID",
			reject("soap:transaction-id", validation), func(s string) string {
				i, j := strings.Index(s, "<SOAP-ENV:Header>"), strings.Index(s, "</SOAP-ENV:Header>")
				return s[:i] + "<SOAP-ENV:Header>\n    " + s[j:]
			}),
		neg(v6, corpus.KindDeliver, "empty-transaction-id", "an empty TransactionID",
			reject("soap:transaction-id", validation), func(s string) string {
				return strings.Replace(s, tidFor("680-neg-empty-transaction-id")+"<", "<", 1)
			}),
		neg(v6, corpus.KindDeliver, "two-transaction-ids", "two TransactionID entries in the Header",
			reject("soap:transaction-id", validation), func(s string) string {
				return strings.Replace(s, "</SOAP-ENV:Header>", `    <mm7:TransactionID xmlns:mm7="`+ns6+`">0123456789abcdef</mm7:TransactionID>`+"\n    </SOAP-ENV:Header>", 1)
			}),
		neg(v6, corpus.KindDeliver, "no-header", "an envelope without a Header",
			reject("soap:transaction-id", validation), func(s string) string {
				i, j := strings.Index(s, "<SOAP-ENV:Header>"), strings.Index(s, "</SOAP-ENV:Header>")+len("</SOAP-ENV:Header>")
				return s[:i] + s[j:]
			}),
		neg(v6, corpus.KindDeliver, "unknown-namespace", "the message in a namespace that is not MM7's",
			reject("soap:namespace-unknown", validation), func(s string) string {
				return strings.Replace(s, `<mm7:DeliverReq xmlns:mm7="`+ns6+`">`, `<mm7:DeliverReq xmlns:mm7="urn:example:mm7">`, 1)
			}),
		neg(v6, corpus.KindDeliver, "rel7-namespace", "the message in the namespace of a release neither flavour reads (REL-7)",
			reject("soap:release-unsupported", []int{4002}), func(s string) string {
				return strings.ReplaceAll(s, "REL-6-MM7-1-4", "REL-7-MM7-1-0")
			}),
		neg(v6, corpus.KindDeliver, "mm7version-690", "MM7Version 6.9.0, which REL-6-MM7-1-4 does not allow",
			reject("schema", []int{4002, 4004}), replace1("<mm7:MM7Version>6.8.0<", "<mm7:MM7Version>6.9.0<")),
		neg(v5, corpus.KindDeliver, "mm7version-680", "MM7Version 6.8.0 in a REL-5-MM7-1-2 message, which allows only 5.3.0",
			reject("schema", []int{4002, 4004}), replace1("<mm7:MM7Version>5.3.0<", "<mm7:MM7Version>6.8.0<")),
		neg(v6, corpus.KindDeliver, "out-of-order", "Subject before Priority: elements out of schema order",
			reject("schema", validation), func(s string) string {
				p, sub := "<mm7:Priority>Normal</mm7:Priority>", "<mm7:Subject>Hello Client</mm7:Subject>"
				s = strings.Replace(s, p, "\x00", 1)
				s = strings.Replace(s, sub, p, 1)
				return strings.Replace(s, "\x00", sub, 1)
			}),
		neg(v6, corpus.KindDeliver, "no-sender", "a DeliverReq without its required Sender",
			reject("schema", validation), func(s string) string {
				i, j := strings.Index(s, "<mm7:Sender>"), strings.Index(s, "</mm7:Sender>")+len("</mm7:Sender>")
				return s[:i] + s[j:]
			}),
		neg(v5, corpus.KindDeliver, "no-transaction-id", "a 5.5.0 MO whose Header holds no TransactionID",
			reject("soap:transaction-id", validation), func(s string) string {
				i, j := strings.Index(s, "<SOAP-ENV:Header>"), strings.Index(s, "</SOAP-ENV:Header>")
				return s[:i] + "<SOAP-ENV:Header>\n    " + s[j:]
			}),
		neg(v6, corpus.KindDeliver, "two-messages", "two DeliverReq elements in one Body",
			reject("soap:body-shape", validation), func(s string) string {
				i, j := strings.Index(s, "<mm7:DeliverReq"), strings.Index(s, "</mm7:DeliverReq>")+len("</mm7:DeliverReq>")
				return s[:j] + "\n        " + s[i:j] + s[j:]
			}),
		neg(v6, corpus.KindDeliver, "empty-soap-body", "an empty SOAP Body",
			reject("soap:body-shape", validation), func(s string) string {
				i, j := strings.Index(s, "<SOAP-ENV:Body>")+len("<SOAP-ENV:Body>"), strings.Index(s, "</SOAP-ENV:Body>")
				return s[:i] + s[j:]
			}),
		neg(v6, corpus.KindDeliver, "not-an-envelope", "a bare DeliverReq without a SOAP envelope",
			reject("soap:not-soap-envelope", validation), func(s string) string {
				i, j := strings.Index(s, "<mm7:DeliverReq"), strings.Index(s, "</mm7:DeliverReq>")+len("</mm7:DeliverReq>")
				return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + s[i:j]
			}),
		neg(v6, corpus.KindDeliver, "soap12-envelope", "a SOAP 1.2 envelope (MM7 uses SOAP 1.1)",
			reject("soap:not-soap-envelope", validation), func(s string) string {
				return strings.ReplaceAll(s, "http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope")
			}),
		neg(v6, corpus.KindDeliver, "xxe-file", "an external entity on a local file (/etc/passwd) in the Subject",
			reject("soap:xml-dtd", corrupt), func(s string) string {
				s = strings.Replace(s, `<?xml version="1.0" encoding="utf-16"?>`, `<?xml version="1.0" encoding="utf-16"?>`+"\n"+`<!DOCTYPE SOAP-ENV:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>`, 1)
				return strings.Replace(s, "Hello Client", "&xxe;", 1)
			}),
		neg(v6, corpus.KindDeliver, "xxe-url", "an external entity on a URL in the Subject",
			reject("soap:xml-dtd", corrupt), func(s string) string {
				s = strings.Replace(s, `<?xml version="1.0" encoding="utf-16"?>`, `<?xml version="1.0" encoding="utf-16"?>`+"\n"+`<!DOCTYPE SOAP-ENV:Envelope [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/mm7harness-xxe">]>`, 1)
				return strings.Replace(s, "Hello Client", "&xxe;", 1)
			}),
		neg(v6, corpus.KindDeliver, "billion-laughs", "an entity-expansion bomb (billion laughs) in the Subject",
			reject("soap:xml-dtd", corrupt), func(s string) string {
				dtd := `<!DOCTYPE SOAP-ENV:Envelope [<!ENTITY lol "lol">`
				prev := "lol"
				for i := 2; i <= 9; i++ {
					dtd += fmt.Sprintf(`<!ENTITY lol%d "%s">`, i, strings.Repeat("&"+prev+";", 10))
					prev = fmt.Sprintf("lol%d", i)
				}
				dtd += "]>"
				s = strings.Replace(s, `<?xml version="1.0" encoding="utf-16"?>`, `<?xml version="1.0" encoding="utf-16"?>`+"\n"+dtd, 1)
				return strings.Replace(s, "Hello Client", "&lol9;", 1)
			}),
		neg(v6, corpus.KindDeliver, "malformed-xml", "an element left unclosed",
			reject("soap:xml-malformed", corrupt), replace1("</mm7:Subject>", "")),
		neg(v6, corpus.KindDeliver, "unknown-mandatory-header", `a header entry the receiver cannot know, with mustUnderstand="1": SOAP 1.1 section 4.2.3 requires a MustUnderstand fault`,
			reject("soap:mustunderstand", nil, "5xx"), replace1("</SOAP-ENV:Header>", `    <x:Billing xmlns:x="urn:example:billing" SOAP-ENV:mustUnderstand="1">gold</x:Billing>`+"\n    </SOAP-ENV:Header>")),
		neg(v6, corpus.KindDeliver, "href-unresolved", "Content href names a part the message does not hold",
			survive("mm7:content-unresolved"), replace1(`href="cid:photo"`, `href="cid:missing-part"`)),
		negDLR(v6, "dlr-bad-status", "MMStatus Delivered, which no release defines",
			reject("schema", validation), replace1(">Retrieved<", ">Delivered<")),
		negDLR(v5, "dlr-deferred", "MMStatus Deferred, which REL-5-MM7-1-2 does not allow",
			reject("schema", validation), replace1(">Retrieved<", ">Deferred<")),
		negDLR(v6, "dlr-bad-date", "a Date that is not a date",
			reject("schema", validation), func(s string) string {
				i := strings.Index(s, "<mm7:Date>") + len("<mm7:Date>")
				j := strings.Index(s, "</mm7:Date>")
				return s[:i] + "yesterday" + s[j:]
			}),
		negDLR(v6, "dlr-recipients-plural", "Recipients/To where the schema wants Recipient (a mistake seen in the wild)",
			reject("schema", validation), func(s string) string {
				s = strings.Replace(s, "<mm7:Recipient>", "<mm7:Recipients><mm7:To>", 1)
				return strings.Replace(s, "</mm7:Recipient>", "</mm7:To></mm7:Recipients>", 1)
			}),
		negDLR(v5, "dlr-no-messageid", "a delivery report without its MessageID",
			reject("schema", validation), func(s string) string {
				i, j := strings.Index(s, "<mm7:MessageID>"), strings.Index(s, "</mm7:MessageID>")+len("</mm7:MessageID>")
				return s[:i] + s[j:]
			}),
	)
	out = append(out,
		spec{id: "680-neg-parts-100000", flavour: v6, kind: corpus.KindDeliver, origin: corpus.OriginNegative, gen: "parts-100000",
			desc: "an MO with 100,000 attachment parts", expect: reject("mime:too-many-parts", []int{2000, 2007}, "4xx", "5xx", "413")},
		spec{id: "680-neg-header-line-10mb", flavour: v6, kind: corpus.KindDeliver, origin: corpus.OriginNegative, gen: "header-line-10mb", rawOnly: true,
			desc: "a request whose HTTP header holds one 10 MB line", expect: reject("http:header-too-large", nil, "431", "4xx", "close")},
		spec{id: "680-neg-body-20mb", flavour: v6, kind: corpus.KindDeliver, origin: corpus.OriginNegative, gen: "body-20mb",
			desc: "an MO with a 20 MB body", expect: reject("http:too-large", nil, "413", "4xx", "close")},
	)
	return out
}

func markRawOnly(list []spec, ids ...string) {
	for i := range list {
		for _, id := range ids {
			if list[i].id == id {
				list[i].rawOnly = true
			}
		}
	}
}
