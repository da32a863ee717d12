package build

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/vibesxml"
)

// tidFor gives each case its own fixed TransactionID in Vibes' form.
func tidFor(id string) string {
	h := fnv.New64a()
	h.Write([]byte(id))
	return fmt.Sprintf("%016x", h.Sum64())
}

// millis is the JavaMail timestamp in boundaries and SAAJ Content-Ids.
func millis() int64 { return base.UnixMilli() }

// boundaries returns a boundary maker numbering parts like JavaMail does,
// fixed per case.
func boundaries(id string) func() string {
	h := fnv.New32a()
	h.Write([]byte(id))
	hash := h.Sum32() % 2147483647
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("----=_Part_%d_%d.%d", n, hash+uint32(n), millis()+int64(n))
	}
}

// header is one HTTP header field.
type header struct{ name, value string }

// post writes a request as Vibes' Java client sends it: the seed capture's
// header order, keep-alive, Content-Length, no chunking.
func post(path, contentType string, body []byte, extra ...header) []byte {
	var b strings.Builder
	b.WriteString("POST " + path + " HTTP/1.1\r\n")
	if contentType != "" {
		b.WriteString("Content-Type: " + contentType + "\r\n")
	}
	for _, h := range extra {
		b.WriteString(h.name + ": " + h.value + "\r\n")
	}
	b.WriteString("User-Agent: Java/1.6.0_65\r\nHost: 127.0.0.1:8092\r\nConnection: keep-alive\r\n")
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	return append([]byte(b.String()), body...)
}

// Paths by kind: the seed's sample customer path for MO, the same shape for
// the others.
var paths = map[string]string{
	"deliver":         "/client/mms/deliver",
	"delivery-report": "/client/mms/dlr",
	"read-reply":      "/client/mms/readreply",
	"submit":          "/mm7/submit",
}

// soapIn encodes m as an envelope of flavour v and rewrites it in style st.
func soapIn(st vibesxml.Style, v mm7.Flavour, tid string, m mm7.Message) []byte {
	b, err := mm7.EncodeMessage(v, tid, m)
	if err != nil {
		panic(err)
	}
	return st.Restyle(b)
}

// vibesMIME wraps soap and attachments as Vibes does, with boundaries and
// the SAAJ root Content-Id fixed per case.
func vibesMIME(id string, soap []byte, attachments ...*swa.Part) (string, []byte) {
	m := swa.New(swa.StyleVibes, soap, attachments...)
	m.Root.Header.Set("Content-Id", fmt.Sprintf("%d.%d.sun-soap.vibes", 500000000+tidNum(id)%400000000, millis()))
	ct, body, err := swa.Writer{Style: swa.StyleVibes, Boundary: boundaries(id)}.Write(m)
	if err != nil {
		panic(err)
	}
	return ct, body
}

func tidNum(id string) int64 {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int64(h.Sum32())
}

func part(ct, enc string, body []byte, id string) *swa.Part {
	p := swa.NewPart(ct, enc, body)
	if id != "" {
		p.SetContentID(id)
	}
	return p
}
