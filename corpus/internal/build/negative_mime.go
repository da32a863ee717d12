package build

import (
	"fmt"
	"strings"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
)

// negativeFraming breaks how the request is delimited: the multipart
// boundary, its close delimiter and the HTTP Content-Length.
func negativeFraming(v mm7.Flavour) []spec {
	corrupt := []int{2007}
	out := []spec{
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
	}
	// net/http sets Content-Length from the body, so a lying one goes as raw bytes.
	markRawOnly(out, v.ID+"-neg-content-length-short", v.ID+"-neg-content-length-long")
	return out
}

// negativeParts break what the multipart holds: no SOAP part, a SOAP part
// that is not XML, or attachments a reader may find too odd or too big.
func negativeParts(v mm7.Flavour) []spec {
	corrupt := []int{2007}
	return []spec{
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
	}
}

// negativeLabels send a sound MO under labels that do not fit it: the
// method, the Content-Type, the charset.
func negativeLabels(v mm7.Flavour) []spec {
	corrupt := []int{2007}
	out := []spec{
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
	}
	// Request always POSTs, so the GET goes as raw bytes.
	markRawOnly(out, v.ID+"-neg-method-get")
	return out
}
