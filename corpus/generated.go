package corpus

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// Three negative cases are too large to store: their requests are streamed
// by code, byte-identical on every call (their SHA-256 is in the manifest).

// generated describes a streamed request: its head (request line and
// header) and a body of n bytes.
type generated struct {
	head func() []byte
	body func() io.Reader
	n    int64
}

const genBoundary = "----=_Part_0_1000000000.1764460800000"

// genSOAP is the MO every generated case carries, in flavour v.
func genSOAP(v mm7.Flavour) string {
	ns := v.Release.Namespace()
	return `<?xml version="1.0" encoding="utf-8"?>` + "\r\n" +
		`<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header>` +
		`<mm7:TransactionID SOAP-ENV:mustUnderstand="1" xmlns:mm7="` + ns + `">0000000000000000</mm7:TransactionID>` +
		`</SOAP-ENV:Header><SOAP-ENV:Body><mm7:DeliverReq xmlns:mm7="` + ns + `">` +
		`<mm7:MM7Version>` + v.MM7Version + `</mm7:MM7Version><mm7:Sender><mm7:Number>+13125550100</mm7:Number></mm7:Sender>` +
		`<mm7:Recipients><mm7:To><mm7:ShortCode>63901</mm7:ShortCode></mm7:To></mm7:Recipients>` +
		`</mm7:DeliverReq></SOAP-ENV:Body></SOAP-ENV:Envelope>`
}

func requestHead(contentType string, n int64, extra string) []byte {
	return []byte("POST /mm7 HTTP/1.1\r\nContent-Type: " + contentType + "\r\nUser-Agent: Java/1.6.0_65\r\n" +
		"Host: localhost\r\nConnection: keep-alive\r\n" + extra + fmt.Sprintf("Content-Length: %d\r\n\r\n", n))
}

// soapPart is the first part of a generated multipart body.
func soapPart(v mm7.Flavour) string {
	return "--" + genBoundary + "\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n" +
		"Content-Id: 1.1764460800000.sun-soap.localhost\r\n\r\n" + genSOAP(v) + "\r\n"
}

const relatedCT = `multipart/related; type="text/xml"; boundary="` + genBoundary + `"`

// repeatReader yields pattern over and over, n bytes in all.
type repeatReader struct {
	pattern []byte
	off     int
	left    int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.left > 0 {
		c := copy(p[n:], r.pattern[r.off:])
		if int64(c) > r.left {
			c = int(r.left)
		}
		n += c
		r.left -= int64(c)
		r.off = (r.off + c) % len(r.pattern)
	}
	return n, nil
}

// generators make the streamed cases of flavour v, by name.
func generators(v mm7.Flavour) map[string]generated {
	return map[string]generated{
		// A well-formed MO whose attachment makes the body 20 MB.
		"body-20mb": func() generated {
			const total = 20 << 20
			head := soapPart(v) + "--" + genBoundary + "\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <big>\r\n\r\n"
			tail := "\r\n--" + genBoundary + "--\r\n"
			fill := int64(total - len(head) - len(tail))
			return generated{
				head: func() []byte { return requestHead(relatedCT, total, "") },
				body: func() io.Reader {
					return io.MultiReader(strings.NewReader(head), &repeatReader{pattern: []byte("0123456789abcdef"), left: fill}, strings.NewReader(tail))
				},
				n: total,
			}
		}(),
		// A request whose header holds one 10 MB line.
		"header-line-10mb": func() generated {
			body := soapPart(v) + "--" + genBoundary + "--\r\n"
			return generated{
				head: func() []byte {
					pad := "X-Padding: " + strings.Repeat("a", 10<<20) + "\r\n"
					return requestHead(relatedCT, int64(len(body)), pad)
				},
				body: func() io.Reader { return strings.NewReader(body) },
				n:    int64(len(body)),
			}
		}(),
		// An MO with 100,000 tiny attachment parts.
		"parts-100000": func() generated {
			part := []byte("--" + genBoundary + "\r\nContent-Type: text/plain\r\n\r\nx\r\n")
			head := soapPart(v)
			tail := "--" + genBoundary + "--\r\n"
			n := int64(len(head)) + 100000*int64(len(part)) + int64(len(tail))
			return generated{
				head: func() []byte { return requestHead(relatedCT, n, "") },
				body: func() io.Reader {
					return io.MultiReader(strings.NewReader(head), &repeatReader{pattern: part, left: 100000 * int64(len(part))}, strings.NewReader(tail))
				},
				n: n,
			}
		}(),
	}
}

// GeneratorNames lists the generated cases' generators.
func GeneratorNames() []string { return []string{"body-20mb", "header-line-10mb", "parts-100000"} }

// generator returns the generated case name of flavour.
func generator(name string, v mm7.Flavour) (generated, error) {
	g, ok := generators(v)[name]
	if !ok {
		return generated{}, fmt.Errorf("corpus: no generator %q", name)
	}
	return g, nil
}

// openGenerated streams a generated request.
func openGenerated(name string, flavour mm7.Flavour) (io.Reader, int64, error) {
	g, err := generator(name, flavour)
	if err != nil {
		return nil, 0, err
	}
	head := g.head()
	return io.MultiReader(bytes.NewReader(head), g.body()), int64(len(head)) + g.n, nil
}
