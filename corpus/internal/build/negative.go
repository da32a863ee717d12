package build

import (
	"fmt"
	"strings"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/vibesxml"
)

// goodMO is the MO the negative cases break, one thing at a time.
func goodMO(v mm7.Version, tid string) string {
	return string(soapIn(vibesxml.SAAJ, v, tid, mo(v, "Hello Client", "cid:photo")))
}

var photo = JPEG("negative-photo.jpg", 6<<10)

func photoPart() *swa.Part { return part("image/jpeg", "base64", photo, "<photo>") }

// neg builds a negative MO whose SOAP part is edited by soap.
func neg(v mm7.Version, name, desc string, expect corpus.Expect, soap func(s string) string) spec {
	id := short(v) + "-neg-" + name
	tid := tidFor(id)
	return spec{
		id: id, flavour: v, kind: corpus.KindDeliver, origin: corpus.OriginNegative, expect: expect, tid: tid, desc: desc,
		bytes: func() []byte {
			ct, body := vibesMIME(id, []byte(soap(goodMO(v, tid))), photoPart())
			return post(paths["deliver"], ct, body)
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
		id: id, flavour: v, kind: corpus.KindDeliver, origin: corpus.OriginNegative, expect: expect, tid: tid, desc: desc,
		bytes: func() []byte { return raw(id, tid) },
	}
}

// goodRequest is the MO request the byte-level negatives start from.
func goodRequest(v mm7.Version, id, tid string) (ct string, body []byte) {
	return vibesMIME(id, []byte(goodMO(v, tid)), photoPart())
}

func replace1(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("build: " + old + " not found")
		}
		return strings.Replace(s, old, new, 1)
	}
}

// The clauses the negative cases rest on.
const (
	clauseWellFormed  = "XML 1.0 section 1.2 (a violation of well-formedness is a fatal error; the processor must not go on as normal)"
	clauseBoundary    = "RFC 2046 section 5.1.1 (the boundary parameter is required, and the body's delimiters are built from it)"
	clauseSOAPRoot    = "SOAP Messages with Attachments section 3 (the root part carries the SOAP 1.1 envelope); TS 23.140 clause 8.7"
	clauseSchema      = "TS 23.140 annex (the MM7 schema of the release)"
	clauseTID         = "TS 23.140 clause 8.7 and schema (one TransactionID header entry, echoed in the answer)"
	clauseNoDTD       = "SOAP 1.1 section 3 (a SOAP message must not contain a Document Type Declaration)"
	clauseEnvelope    = "SOAP 1.1 section 4.1.2 (an envelope in another namespace is a version mismatch: discard the message)"
	clauseOneMessage  = "TS 23.140 clause 8.7 (the SOAP Body carries the one MM7 message)"
	clauseIncomplete  = "RFC 9112 section 8 (a message with fewer body bytes than its Content-Length is incomplete)"
	clauseCharset     = "XML 1.0 section 4.3.3 (bytes that are not legal in the entity's encoding are a fatal error); RFC 7303 (the MIME charset names the encoding)"
	clauseMU          = "SOAP 1.1 section 4.2.3 (a mandatory header entry that is not understood must fault the message)"
	clauseOperation   = "TS 23.140 status 4003 Unsupported operation (an R/S does not send this to a VASP; Vibes never does)"
	clauseVersion     = "TS 23.140 status 4002 Unsupported version (the release's schema enumerates its MM7Version values; a receiver that takes the label as information loses nothing, and Vibes sends only its flavour's value)"
	clauseOtherRel    = "TS 23.140 status 4002 Unsupported version (a release neither Vibes flavour uses)"
	clauseTruncated   = "RFC 2046 section 5.1.1 (the close delimiter ends a multipart): a body cut short loses part of an attachment; refusing makes Vibes resend it whole"
	whyNoLimit        = "RFC 2046 sets no limit on nesting, parts or header size, and Vibes says any MIME structure can arrive: a receiver's own limits are its policy"
	whyLenientBase64  = "RFC 2045 section 6.8: a decoder ignores characters outside the base64 alphabet, so reading the part is as right as refusing it"
	whyContentType    = "RFC 9110 section 8.3: a recipient may examine the data rather than trust (or miss) a Content-Type; Vibes always sends multipart/related or text/xml"
	whyMethod         = "Vibes only POSTs; what a GET gets is the endpoint's choice (many answer a health page)"
	whyNoClose        = "RFC 2046 section 5.1.1 requires the close delimiter, yet the message and its parts are whole: a reader may take them or refuse them as possibly truncated"
	whyUnresolved     = "TS 23.140 leaves the content reference to the VASP's reading: the parts are all there, only the href misses"
	whyHeaderTooLarge = "RFC 9110 section 5.4: a server may refuse a header it finds too large (431), and may equally read it"
)

// negativeCases are the requests a correct endpoint refuses, or may refuse,
// for flavour v: every flavour-independent case exists for both.
func negativeCases(v mm7.Version) []spec {
	corrupt := []int{2007}
	validation := []int{4004}
	ns := v.Release.Namespace()
	var out []spec

	if v == mm7.V550 {
		out = append(out, seedNegatives()...)
	}

	// MIME and HTTP framing.
	out = append(out,
		negRaw(v, "boundary-mismatch", "a multipart whose header declares a boundary the body does not use",
			must("mime:boundary-mismatch", clauseBoundary, corrupt), func(id, tid string) []byte {
				ct, body := goodRequest(v, id, tid)
				return post(paths["deliver"], strings.Replace(ct, "----=_Part_", "----=_Other_", 1), body)
			}),
		negRaw(v, "truncated-body", "the body cut off inside the SOAP envelope, as a dropped connection leaves it (Content-Length matches what is sent)",
			must("soap:xml-malformed", clauseWellFormed, corrupt), func(id, tid string) []byte {
				ct, body := goodRequest(v, id, tid)
				return post(paths["deliver"], ct, body[:strings.Index(string(body), "</mm7:Recipients>")])
			}),
		negRaw(v, "no-close-delimiter", "a complete MO whose multipart lacks the close delimiter",
			survive("", whyNoClose), func(id, tid string) []byte {
				ct, body := goodRequest(v, id, tid)
				end := strings.LastIndex(string(body), "\r\n--")
				return post(paths["deliver"], ct, body[:end])
			}),
		negRaw(v, "content-length-short", "Content-Length 200 bytes short of the body: the receiver reads a message cut off in its last part, without its close delimiter; the rest looks like a new request",
			should("http:content-length", clauseTruncated, []int{2007, 4004}), func(id, tid string) []byte {
				ct, body := goodRequest(v, id, tid)
				raw := post(paths["deliver"], ct, body)
				return []byte(strings.Replace(string(raw), fmt.Sprintf("Content-Length: %d", len(body)), fmt.Sprintf("Content-Length: %d", len(body)-200), 1))
			}),
		negRaw(v, "content-length-long", "Content-Length 1000 bytes more than is sent: the receiver must not answer as if the message were whole, and must time out rather than wait for ever",
			must("http:content-length", clauseIncomplete, nil, "4xx", corpus.ReactClose, corpus.ReactTimeout), func(id, tid string) []byte {
				ct, body := goodRequest(v, id, tid)
				raw := post(paths["deliver"], ct, body)
				return []byte(strings.Replace(string(raw), fmt.Sprintf("Content-Length: %d", len(body)), fmt.Sprintf("Content-Length: %d", len(body)+1000), 1))
			}),
		negRaw(v, "no-boundary-parameter", "multipart/related without a boundary parameter",
			must("mime:no-boundary", clauseBoundary, corrupt), func(id, tid string) []byte {
				_, body := goodRequest(v, id, tid)
				return post(paths["deliver"], `multipart/related; type="text/xml"`, body)
			}),
		negRaw(v, "no-soap-part", "a multipart holding only an image: no SOAP part (the first part, taken as root, is binary)",
			must("soap:charset", clauseSOAPRoot, corrupt), func(id, tid string) []byte {
				m := swa.NewMultipart(`multipart/related; type="text/xml"`, photoPart())
				ct, body, _ := swa.Writer{Style: swa.StyleVibes, Boundary: boundaries(id)}.Write(&swa.Message{Top: m, Root: m.Parts[0]})
				return post(paths["deliver"], ct, body)
			}),
		negRaw(v, "soap-part-not-xml", "the SOAP part holds plain text",
			must("soap:xml-malformed", clauseWellFormed, corrupt), func(id, tid string) []byte {
				ct, body := vibesMIME(id, []byte("Hello, this is not XML."), photoPart())
				return post(paths["deliver"], ct, body)
			}),
		negRaw(v, "empty-body", "text/xml with an empty body",
			must("soap:xml-malformed", clauseWellFormed, corrupt), func(id, tid string) []byte {
				return post(paths["deliver"], "text/xml; charset=utf-8", nil)
			}),
		negRaw(v, "invalid-base64", "an attachment whose base64 holds characters outside the alphabet",
			survive("mime:encoding", whyLenientBase64), func(id, tid string) []byte {
				bad := part("image/jpeg", "", []byte("/9j/4AAQSkZJRgABAQ***NOT*BASE64***AAAAAAAAAAAA"), "<photo>")
				bad.Header = append(bad.Header, swa.Field{Name: "Content-Transfer-Encoding", Value: "base64"})
				bad.Encoding = ""
				ct, body := vibesMIME(id, []byte(goodMO(v, tid)), bad)
				return post(paths["deliver"], ct, body)
			}),
		negRaw(v, "deep-nesting", "attachments nested in multipart/mixed twenty levels deep",
			survive("mime:too-deep", whyNoLimit), func(id, tid string) []byte {
				p := part("text/plain", "7bit", []byte("deep"), "")
				for i := 0; i < 20; i++ {
					p = swa.NewMultipart("multipart/mixed", p)
				}
				p.SetContentID("<photo>")
				ct, body := vibesMIME(id, []byte(goodMO(v, tid)), p)
				return post(paths["deliver"], ct, body)
			}),
		negRaw(v, "part-header-1mb", "an attachment part whose header holds a 1 MB line",
			survive("mime:header-too-large", whyNoLimit), func(id, tid string) []byte {
				p := photoPart()
				p.Header = append(p.Header, swa.Field{Name: "X-Padding", Value: strings.Repeat("a", 1<<20)})
				ct, body := vibesMIME(id, []byte(goodMO(v, tid)), p)
				return post(paths["deliver"], ct, body)
			}),
		negRaw(v, "method-get", "a GET to the MM7 endpoint",
			survive("http:method", whyMethod), func(id, tid string) []byte {
				ct, body := goodRequest(v, id, tid)
				return []byte(strings.Replace(string(post(paths["deliver"], ct, body)), "POST ", "GET ", 1))
			}),
		negRaw(v, "no-content-type", "a request without Content-Type",
			survive("http:content-type", whyContentType), func(id, tid string) []byte {
				_, body := goodRequest(v, id, tid)
				return post(paths["deliver"], "", body)
			}),
		negRaw(v, "content-type-html", "an MO sent as text/html",
			survive("http:content-type", whyContentType), func(id, tid string) []byte {
				return post(paths["deliver"], "text/html; charset=utf-8", []byte(goodMO(v, tid)))
			}),
		negRaw(v, "charset-lies", "the SOAP part says charset=utf-8 but its bytes are ISO-8859-1",
			must("soap:charset", clauseCharset, corrupt), func(id, tid string) []byte {
				soap := strings.Replace(goodMO(v, tid), "Hello Client", "Gr\xfc\xdfe", 1)
				ct, body := vibesMIME(id, []byte(soap), photoPart())
				return post(paths["deliver"], ct, body)
			}),
	)
	markRawOnly(out, short(v)+"-neg-content-length-short", short(v)+"-neg-content-length-long", short(v)+"-neg-method-get")

	// SOAP and MM7.
	otherVersion := map[mm7.Version]string{mm7.V680: "6.9.0", mm7.V550: "6.8.0"}[v]
	out = append(out,
		neg(v, "unknown-message", "a body element the MM7 schemas do not declare (DeliverRequest)",
			must("soap:operation-unsupported", clauseSchema, []int{4003, 4004}), func(s string) string {
				return strings.ReplaceAll(s, "mm7:DeliverReq", "mm7:DeliverRequest")
			}),
		neg(v, "submitreq-to-vasp", "a SubmitReq sent to the customer's MO endpoint: an operation a VASP does not serve",
			should("mm7:unsupported-operation", clauseOperation, []int{4003}), func(string) string {
				return string(soapIn(vibesxml.SAAJ, v, tidFor(short(v)+"-neg-submitreq-to-vasp"), submit(v, true)))
			}),
		neg(v, "cancelreq", "a CancelReq sent to the customer's MO endpoint",
			should("soap:operation-unsupported", clauseOperation, []int{4003}), func(string) string {
				return `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header>` +
					`<mm7:TransactionID SOAP-ENV:mustUnderstand="1" xmlns:mm7="` + ns + `">` + tidFor(short(v)+"-neg-cancelreq") + `</mm7:TransactionID></SOAP-ENV:Header>` +
					`<SOAP-ENV:Body><mm7:CancelReq xmlns:mm7="` + ns + `"><mm7:MM7Version>` + v.MM7Version + `</mm7:MM7Version><mm7:SenderIdentification/>` +
					`<mm7:MessageID>865cd3d1</mm7:MessageID></mm7:CancelReq></SOAP-ENV:Body></SOAP-ENV:Envelope>`
			}),
		neg(v, "no-transaction-id", "the SOAP Header holds no TransactionID",
			must("soap:transaction-id", clauseTID, validation), func(s string) string {
				i, j := strings.Index(s, "<SOAP-ENV:Header>"), strings.Index(s, "</SOAP-ENV:Header>")
				return s[:i] + "<SOAP-ENV:Header>\n    " + s[j:]
			}),
		neg(v, "empty-transaction-id", "an empty TransactionID",
			must("soap:transaction-id", clauseTID, validation), func(s string) string {
				return strings.Replace(s, tidFor(short(v)+"-neg-empty-transaction-id")+"<", "<", 1)
			}),
		neg(v, "two-transaction-ids", "two TransactionID entries in the Header",
			must("soap:transaction-id", clauseTID, validation), func(s string) string {
				return strings.Replace(s, "</SOAP-ENV:Header>", `    <mm7:TransactionID xmlns:mm7="`+ns+`">0123456789abcdef</mm7:TransactionID>`+"\n    </SOAP-ENV:Header>", 1)
			}),
		neg(v, "no-header", "an envelope without a Header",
			must("soap:transaction-id", clauseTID, validation), func(s string) string {
				i, j := strings.Index(s, "<SOAP-ENV:Header>"), strings.Index(s, "</SOAP-ENV:Header>")+len("</SOAP-ENV:Header>")
				return s[:i] + s[j:]
			}),
		neg(v, "unknown-namespace", "the message in a namespace that is not MM7's",
			must("soap:namespace-unknown", clauseSchema, validation), func(s string) string {
				return strings.Replace(s, `<mm7:DeliverReq xmlns:mm7="`+ns+`">`, `<mm7:DeliverReq xmlns:mm7="urn:example:mm7">`, 1)
			}),
		neg(v, "rel7-namespace", "the message in the namespace of a release neither flavour reads (REL-7)",
			should("soap:release-unsupported", clauseOtherRel, []int{4002}), func(s string) string {
				return strings.ReplaceAll(s, string(v.Release), "REL-7-MM7-1-0")
			}),
		neg(v, "mm7version-"+strings.ReplaceAll(otherVersion, ".", ""), "MM7Version "+otherVersion+" in a "+string(v.Release)+" message, which the release's schema does not allow",
			should("schema", clauseVersion, []int{4002, 4004}), replace1("<mm7:MM7Version>"+v.MM7Version+"<", "<mm7:MM7Version>"+otherVersion+"<")),
		neg(v, "out-of-order", "Subject before Priority: elements out of schema order",
			must("schema", clauseSchema, validation), func(s string) string {
				p, sub := "<mm7:Priority>Normal</mm7:Priority>", "<mm7:Subject>Hello Client</mm7:Subject>"
				s = strings.Replace(s, p, "\x00", 1)
				s = strings.Replace(s, sub, p, 1)
				return strings.Replace(s, "\x00", sub, 1)
			}),
		neg(v, "no-sender", "a DeliverReq without its required Sender",
			must("schema", clauseSchema, validation), func(s string) string {
				i, j := strings.Index(s, "<mm7:Sender>"), strings.Index(s, "</mm7:Sender>")+len("</mm7:Sender>")
				return s[:i] + s[j:]
			}),
		neg(v, "two-messages", "two DeliverReq elements in one Body",
			must("soap:body-shape", clauseOneMessage, validation), func(s string) string {
				i, j := strings.Index(s, "<mm7:DeliverReq"), strings.Index(s, "</mm7:DeliverReq>")+len("</mm7:DeliverReq>")
				return s[:j] + "\n        " + s[i:j] + s[j:]
			}),
		neg(v, "empty-soap-body", "an empty SOAP Body",
			must("soap:body-shape", clauseOneMessage, validation), func(s string) string {
				i, j := strings.Index(s, "<SOAP-ENV:Body>")+len("<SOAP-ENV:Body>"), strings.Index(s, "</SOAP-ENV:Body>")
				return s[:i] + s[j:]
			}),
		neg(v, "not-an-envelope", "a bare DeliverReq without a SOAP envelope",
			must("soap:not-soap-envelope", "SOAP 1.1 section 4 (the Envelope is the document element)", validation), func(s string) string {
				i, j := strings.Index(s, "<mm7:DeliverReq"), strings.Index(s, "</mm7:DeliverReq>")+len("</mm7:DeliverReq>")
				return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + s[i:j]
			}),
		neg(v, "soap12-envelope", "a SOAP 1.2 envelope (MM7 uses SOAP 1.1)",
			must("soap:not-soap-envelope", clauseEnvelope, validation), func(s string) string {
				return strings.ReplaceAll(s, "http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope")
			}),
		neg(v, "xxe-file", "an external entity on a local file (/etc/passwd) in the Subject",
			must("soap:xml-dtd", clauseNoDTD, corrupt), func(s string) string {
				s = strings.Replace(s, `<?xml version="1.0" encoding="utf-16"?>`, `<?xml version="1.0" encoding="utf-16"?>`+"\n"+`<!DOCTYPE SOAP-ENV:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>`, 1)
				return strings.Replace(s, "Hello Client", "&xxe;", 1)
			}),
		neg(v, "xxe-url", "an external entity on a URL in the Subject",
			must("soap:xml-dtd", clauseNoDTD, corrupt), func(s string) string {
				s = strings.Replace(s, `<?xml version="1.0" encoding="utf-16"?>`, `<?xml version="1.0" encoding="utf-16"?>`+"\n"+`<!DOCTYPE SOAP-ENV:Envelope [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/mm7harness-xxe">]>`, 1)
				return strings.Replace(s, "Hello Client", "&xxe;", 1)
			}),
		neg(v, "billion-laughs", "an entity-expansion bomb (billion laughs) in the Subject",
			must("soap:xml-dtd", clauseNoDTD, corrupt), func(s string) string {
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
		neg(v, "malformed-xml", "an element left unclosed",
			must("soap:xml-malformed", clauseWellFormed, corrupt), replace1("</mm7:Subject>", "")),
		neg(v, "unknown-mandatory-header", `a header entry the receiver cannot know, with mustUnderstand="1": SOAP 1.1 section 4.2.3 requires a MustUnderstand fault`,
			must("soap:mustunderstand", clauseMU, nil, "5xx"), replace1("</SOAP-ENV:Header>", `    <x:Billing xmlns:x="urn:example:billing" SOAP-ENV:mustUnderstand="1">gold</x:Billing>`+"\n    </SOAP-ENV:Header>")),
		neg(v, "href-unresolved", "Content href names a part the message does not hold",
			survive("mm7:content-unresolved", whyUnresolved), replace1(`href="cid:photo"`, `href="cid:missing-part"`)),
		negDLR(v, "dlr-bad-status", "MMStatus Delivered, which no release defines",
			must("schema", clauseSchema, validation), replace1(">Retrieved<", ">Delivered<")),
		negDLR(v, "dlr-bad-date", "a Date that is not a date",
			must("schema", clauseSchema, validation), func(s string) string {
				i := strings.Index(s, "<mm7:Date>") + len("<mm7:Date>")
				j := strings.Index(s, "</mm7:Date>")
				return s[:i] + "yesterday" + s[j:]
			}),
		negDLR(v, "dlr-recipients-plural", "Recipients/To where the schema wants Recipient (a mistake seen in the wild)",
			must("schema", clauseSchema, validation), func(s string) string {
				s = strings.Replace(s, "<mm7:Recipient>", "<mm7:Recipients><mm7:To>", 1)
				return strings.Replace(s, "</mm7:Recipient>", "</mm7:To></mm7:Recipients>", 1)
			}),
		negDLR(v, "dlr-no-messageid", "a delivery report without its MessageID",
			must("schema", clauseSchema, validation), func(s string) string {
				i, j := strings.Index(s, "<mm7:MessageID>"), strings.Index(s, "</mm7:MessageID>")+len("</mm7:MessageID>")
				return s[:i] + s[j:]
			}),
	)
	if v == mm7.V550 {
		out = append(out, negDLR(v, "dlr-deferred", "MMStatus Deferred, which REL-5-MM7-1-2 does not define (REL-6 does)",
			must("schema", clauseSchema, validation), replace1(">Retrieved<", ">Deferred<")))
	}
	gen := func(name, desc string, expect corpus.Expect, rawOnly bool) spec {
		return spec{id: short(v) + "-neg-" + name, flavour: v, kind: corpus.KindDeliver, origin: corpus.OriginNegative, gen: name,
			rawOnly: rawOnly, desc: desc, expect: expect}
	}
	out = append(out,
		gen("parts-100000", "an MO with 100,000 attachment parts", survive("mime:too-many-parts", whyNoLimit), false),
		gen("header-line-10mb", "a request whose HTTP header holds one 10 MB line", survive("http:header-too-large", whyHeaderTooLarge), true),
		gen("body-20mb", "an MO with a 20 MB body", survive("http:too-large", whyNoLimit), false),
	)
	return out
}

// seedNegatives are the defects of the seed page's own 5.5.0 example.
func seedNegatives() []spec {
	v5 := mm7.V550
	corrupt := []int{2007}
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
	return []spec{
		negRaw(v5, "seed-example-as-printed", "the seed page's 5.5.0 example as printed: typographic quotes in the XML and a header boundary the body does not use",
			must("mime:boundary-mismatch", clauseBoundary, corrupt), seedExample(true, true)),
		negRaw(v5, "seed-typographic-quotes", "the seed's 5.5.0 example with its typographic quotes but matching boundaries: the SOAP part is not well-formed",
			must("soap:xml-malformed", clauseWellFormed, corrupt), seedExample(true, false)),
		negRaw(v5, "seed-boundary-mismatch", "the seed's 5.5.0 example with straight quotes but the header boundary of one capture and the body of another",
			must("mime:boundary-mismatch", clauseBoundary, corrupt), seedExample(false, true)),
	}
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
