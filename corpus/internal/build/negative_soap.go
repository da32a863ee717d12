package build

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/vibesxml"
)

// negativeOperations send a message the customer's MO endpoint does not
// serve: one no schema declares, or one meant for Vibes itself.
func negativeOperations(v mm7.Flavour) []spec {
	ns := v.Release.Namespace()
	return []spec{
		neg(v, "unknown-message", "a body element the MM7 schemas do not declare (DeliverRequest)",
			must("soap:operation-unsupported", clauseSchema, []int{4003, 4004}), func(s string) string {
				return strings.ReplaceAll(s, "mm7:DeliverReq", "mm7:DeliverRequest")
			}),
		neg(v, "submitreq-to-vasp", "a SubmitReq sent to the customer's MO endpoint: an operation a VASP does not serve",
			should("mm7:unsupported-operation", clauseOperation, []int{4003}), func(string) string {
				return string(soapIn(vibesxml.SAAJ, v, tidFor(v.ID+"-neg-submitreq-to-vasp"), submit(v, true)))
			}),
		neg(v, "cancelreq", "a CancelReq sent to the customer's MO endpoint",
			should("soap:operation-unsupported", clauseOperation, []int{4003}), func(string) string {
				return `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header>` +
					`<mm7:TransactionID SOAP-ENV:mustUnderstand="1" xmlns:mm7="` + ns + `">` + tidFor(v.ID+"-neg-cancelreq") + `</mm7:TransactionID></SOAP-ENV:Header>` +
					`<SOAP-ENV:Body><mm7:CancelReq xmlns:mm7="` + ns + `"><mm7:MM7Version>` + v.MM7Version + `</mm7:MM7Version><mm7:SenderIdentification/>` +
					`<mm7:MessageID>865cd3d1</mm7:MessageID></mm7:CancelReq></SOAP-ENV:Body></SOAP-ENV:Envelope>`
			}),
	}
}

// negativeTransactionID break the SOAP Header's one TransactionID: missing,
// empty, doubled, or the Header gone.
func negativeTransactionID(v mm7.Flavour) []spec {
	validation := []int{4004}
	ns := v.Release.Namespace()
	return []spec{
		neg(v, "no-transaction-id", "the SOAP Header holds no TransactionID",
			must("soap:transaction-id", clauseTID, validation), func(s string) string {
				i, j := strings.Index(s, "<SOAP-ENV:Header>"), strings.Index(s, "</SOAP-ENV:Header>")
				return s[:i] + "<SOAP-ENV:Header>\n    " + s[j:]
			}),
		neg(v, "empty-transaction-id", "an empty TransactionID",
			must("soap:transaction-id", clauseTID, validation), func(s string) string {
				return strings.Replace(s, tidFor(v.ID+"-neg-empty-transaction-id")+"<", "<", 1)
			}),
		neg(v, "two-transaction-ids", "two TransactionID entries in the Header",
			must("soap:transaction-id", clauseTID, validation), func(s string) string {
				return strings.Replace(s, "</SOAP-ENV:Header>", `    <mm7:TransactionID xmlns:mm7="`+ns+`">0123456789abcdef</mm7:TransactionID>`+"\n    </SOAP-ENV:Header>", 1)
			}),
		neg(v, "no-header", "an envelope without a Header",
			must("soap:transaction-id", clauseTID, validation), dropElement("SOAP-ENV:Header")),
	}
}

// negativeSchema break the DeliverReq against its release's schema: the
// namespace, the MM7Version, element order, a required element.
func negativeSchema(v mm7.Flavour) []spec {
	validation := []int{4004}
	ns := v.Release.Namespace()
	otherVersion := disallowedMM7Version(v)
	return []spec{
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
			must("schema", clauseSchema, validation), dropElement("mm7:Sender")),
	}
}

// negativeBodyShape break the envelope around the one MM7 message: two
// messages, none, no envelope, or a SOAP 1.2 one.
func negativeBodyShape(v mm7.Flavour) []spec {
	validation := []int{4004}
	return []spec{
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
	}
}

// negativeXML are SOAP parts that are not well-formed or carry a DTD, which
// SOAP forbids: external entities, an expansion bomb, an unclosed element.
func negativeXML(v mm7.Flavour) []spec {
	corrupt := []int{2007}
	return []spec{
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
	}
}

// negativeUnresolved are valid messages naming what the receiver cannot act
// on: a mandatory header entry it does not know, a part that is not there.
func negativeUnresolved(v mm7.Flavour) []spec {
	return []spec{
		neg(v, "unknown-mandatory-header", `a header entry the receiver cannot know, with mustUnderstand="1": SOAP 1.1 section 4.2.3 requires a MustUnderstand fault`,
			must("soap:mustunderstand", clauseMU, nil, "5xx"), replace1("</SOAP-ENV:Header>", `    <x:Billing xmlns:x="urn:example:billing" SOAP-ENV:mustUnderstand="1">gold</x:Billing>`+"\n    </SOAP-ENV:Header>")),
		neg(v, "href-unresolved", "Content href names a part the message does not hold",
			survive("mm7:content-unresolved", whyUnresolved), replace1(`href="cid:photo"`, `href="cid:missing-part"`)),
	}
}

// disallowedMM7Version is an MM7Version v's release does not allow: another
// flavour's, else the one after v's own (6.8.0 → 6.9.0).
func disallowedMM7Version(v mm7.Flavour) string {
	for _, f := range mm7.Flavours() {
		if !v.Release.AllowsMM7Version(f.MM7Version) {
			return f.MM7Version
		}
	}
	parts := strings.Split(v.MM7Version, ".")
	minor, _ := strconv.Atoi(parts[1])
	parts[1] = strconv.Itoa(minor + 1)
	return strings.Join(parts, ".")
}
