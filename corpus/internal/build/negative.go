package build

import (
	"strings"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/vibesxml"
)

// goodMO is the MO the negative cases break, one thing at a time.
func goodMO(v mm7.Flavour, tid string) string {
	return string(soapIn(vibesxml.SAAJ, v, tid, mo(v, "Hello Client", "cid:photo")))
}

var photo = JPEG("negative-photo.jpg", 6<<10)

func photoPart() *swa.Part { return part("image/jpeg", "base64", photo, "<photo>") }

// neg builds a negative MO whose SOAP part is edited by soap.
func neg(v mm7.Flavour, name, desc string, expect corpus.Expect, soap func(s string) string) spec {
	return negOf(v, corpus.KindDeliver, name, desc, expect, func(id, tid string) []byte {
		ct, body := vibesMIME(id, []byte(soap(goodMO(v, tid))), photoPart())
		return post(paths["deliver"], ct, body)
	})
}

// negDLR builds a negative DeliveryReportReq (plain text/xml) edited by soap.
func negDLR(v mm7.Flavour, name, desc string, expect corpus.Expect, soap func(s string) string) spec {
	return negOf(v, corpus.KindDeliveryReport, name, desc, expect, func(_, tid string) []byte {
		s := string(soapIn(vibesxml.SAAJ, v, tid, dlr(v, mm7.MMStatusRetrieved, "", mm7.NewDateTime(base))))
		return post(paths["delivery-report"], "text/xml; charset=utf-8", []byte(soap(s)))
	})
}

// negRaw builds a negative request from whole bytes.
func negRaw(v mm7.Flavour, name, desc string, expect corpus.Expect, raw func(id, tid string) []byte) spec {
	return negOf(v, corpus.KindDeliver, name, desc, expect, raw)
}

// negOf is a negative case of kind: its ID and TransactionID follow from
// its name, its bytes from raw.
func negOf(v mm7.Flavour, kind corpus.Kind, name, desc string, expect corpus.Expect, raw func(id, tid string) []byte) spec {
	id := v.ID + "-neg-" + name
	tid := tidFor(id)
	return spec{
		id: id, flavour: v, kind: kind, origin: corpus.OriginNegative, expect: expect, tid: tid, desc: desc,
		bytes: func() []byte { return raw(id, tid) },
	}
}

// goodRequest is the MO request the byte-level negatives start from.
func goodRequest(v mm7.Flavour, id, tid string) (ct string, body []byte) {
	return vibesMIME(id, []byte(goodMO(v, tid)), photoPart())
}

// dropElement removes the first element named qname, from its start tag
// to its end tag.
func dropElement(qname string) func(string) string {
	return func(s string) string {
		i := strings.Index(s, "<"+qname+">")
		if i < 0 {
			i = strings.Index(s, "<"+qname+" ")
		}
		end := "</" + qname + ">"
		j := strings.Index(s, end)
		if i < 0 || j < i {
			panic("build: no element " + qname)
		}
		return s[:i] + s[j+len(end):]
	}
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
// for flavour v: every flavour-independent case exists for both. The
// themes come in a fixed order, which is the manifest's.
func negativeCases(v mm7.Flavour) []spec {
	var out []spec
	if v == mm7.Flavour550 {
		out = append(out, seedNegatives()...)
	}
	for _, theme := range negativeThemes {
		out = append(out, theme(v)...)
	}
	return out
}

// negativeThemes are the groups of negative cases, in manifest order:
// MIME and HTTP framing, then SOAP and MM7, then delivery reports, then
// the cases streamed by a generator.
var negativeThemes = []func(mm7.Flavour) []spec{
	negativeFraming, negativeParts, negativeLabels,
	negativeOperations, negativeTransactionID, negativeSchema, negativeBodyShape, negativeXML, negativeUnresolved,
	negativeReports, negativeStreamed,
}

// negativeReports break a DeliveryReportReq against the schema: a status or
// date the release does not define, a misnamed or missing element.
func negativeReports(v mm7.Flavour) []spec {
	validation := []int{4004}
	out := []spec{
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
			must("schema", clauseSchema, validation), dropElement("mm7:MessageID")),
	}
	if v == mm7.Flavour550 {
		out = append(out, negDLR(v, "dlr-deferred", "MMStatus Deferred, which REL-5-MM7-1-2 does not define (REL-6 does)",
			must("schema", clauseSchema, validation), replace1(">Retrieved<", ">Deferred<")))
	}
	return out
}

// negativeStreamed are the cases too big to keep as files: a generator
// streams their bytes when they are sent.
func negativeStreamed(v mm7.Flavour) []spec {
	gen := func(name, desc string, expect corpus.Expect, rawOnly bool) spec {
		return spec{id: v.ID + "-neg-" + name, flavour: v, kind: corpus.KindDeliver, origin: corpus.OriginNegative, gen: name,
			rawOnly: rawOnly, desc: desc, expect: expect}
	}
	return []spec{
		gen("parts-100000", "an MO with 100,000 attachment parts", survive("mime:too-many-parts", whyNoLimit), false),
		gen("header-line-10mb", "a request whose HTTP header holds one 10 MB line", survive("http:header-too-large", whyHeaderTooLarge), true),
		gen("body-20mb", "an MO with a 20 MB body", survive("http:too-large", whyNoLimit), false),
	}
}

// seedNegatives are the defects of the seed page's own 5.5.0 example.
func seedNegatives() []spec {
	v5 := mm7.Flavour550
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
			ct, body := writeCaptured(m, "----=_Part_1_1764018763.1515602889819", "----=_Part_1_508319571.1515623980041")
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
