package mutate

import (
	"bytes"
	"encoding/base64"
	"maps"
	"math/rand/v2"
	"mime"
	"slices"
	"strings"
)

// bchars are the characters RFC 2046 allows in a boundary (a space only
// before the end).
const bchars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=?"

func randString(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// setBoundary changes the boundary in the delimiters, and in the
// Content-Type too when both is set.
func setBoundary(m *Message, b string, both bool) bool {
	mt, params, err := mime.ParseMediaType(m.Get("Content-Type"))
	if err != nil || !m.Multipart {
		return false
	}
	m.Boundary = b
	if both {
		params["boundary"] = b
		m.Header = set(m.Header, "Content-Type", formatType(mt, params))
	}
	return true
}

// formatType writes a media type; unlike mime.FormatMediaType it keeps a
// boundary over 70 characters, which is what is being tried.
func formatType(mt string, params map[string]string) string {
	keys := slices.Sorted(maps.Keys(params))
	var b strings.Builder
	b.WriteString(mt)
	for _, k := range keys {
		b.WriteString("; " + k + `="` + strings.ReplaceAll(params[k], `"`, `\"`) + `"`)
	}
	return b.String()
}

// editTypeParam sets (or, with "", removes) a parameter of the HTTP
// Content-Type.
func editTypeParam(m *Message, name, value string) bool {
	mt, params, err := mime.ParseMediaType(m.Get("Content-Type"))
	if err != nil {
		return false
	}
	if value == "" {
		delete(params, name)
	} else {
		params[name] = value
	}
	m.Header = set(m.Header, "Content-Type", formatType(mt, params))
	return true
}

// multipart guards the ops that need parts.
func multipart(f func(m *Message, r *rand.Rand) bool) func(m *Message, r *rand.Rand) bool {
	return func(m *Message, r *rand.Rand) bool {
		if !m.Multipart || len(m.Parts) == 0 {
			return false
		}
		return f(m, r)
	}
}

// attachment picks a part other than the SOAP part, or the SOAP part when
// there is none.
func attachment(m *Message, r *rand.Rand) *Part {
	if len(m.Parts) == 1 {
		return m.Parts[0]
	}
	i := r.IntN(len(m.Parts) - 1)
	if i >= m.SOAP {
		i++
	}
	return m.Parts[i]
}

var mimeOps = []*Op{
	{Name: "mime/boundary-long", Layer: LayerMIME, Desc: "a boundary of 71 to 200 characters (RFC 2046 allows 70), the same in the header and the delimiters",
		apply: multipart(func(m *Message, r *rand.Rand) bool {
			return setBoundary(m, randString(r, "abcdefghijklmnopqrstuvwxyz0123456789-_", 71+r.IntN(130)), true)
		})},
	{Name: "mime/boundary-chars", Layer: LayerMIME, Desc: "a boundary made of every character RFC 2046 allows, a space inside",
		apply: multipart(func(m *Message, r *rand.Rand) bool {
			b := randString(r, bchars, 10+r.IntN(30))
			return setBoundary(m, b[:5]+" "+b[5:], true)
		})},
	{Name: "mime/boundary-unquoted", Layer: LayerMIME, Desc: "the boundary parameter without quotes",
		apply: multipart(func(m *Message, _ *rand.Rand) bool {
			ct := m.Get("Content-Type")
			q := `"` + m.Boundary + `"`
			if !strings.Contains(ct, q) {
				return false
			}
			m.Header = set(m.Header, "Content-Type", strings.Replace(ct, q, m.Boundary, 1))
			return true
		})},
	{Name: "mime/boundary-mismatch", Layer: LayerMIME, Desc: "the delimiters use another boundary than the Content-Type names",
		apply: multipart(func(m *Message, r *rand.Rand) bool {
			return setBoundary(m, m.Boundary+pick(r, "x", "-", "0"), false)
		})},
	{Name: "mime/close-missing", Layer: LayerMIME, Desc: "no close delimiter after the last part",
		apply: multipart(func(m *Message, _ *rand.Rand) bool { m.NoClose = true; return true })},
	{Name: "mime/part-extra", Layer: LayerMIME, Desc: "an extra part: empty, or headers only",
		apply: multipart(func(m *Message, r *rand.Rand) bool {
			p := pick(r, &Part{}, &Part{Header: []Field{{"Content-Type", " text/plain"}}})
			i := r.IntN(len(m.Parts) + 1)
			m.Parts = slices.Insert(m.Parts, i, p)
			if i <= m.SOAP {
				m.SOAP++
			}
			return true
		})},
	{Name: "mime/preamble", Layer: LayerMIME, Desc: "a preamble before the first delimiter, with a line that looks like one",
		apply: multipart(func(m *Message, r *rand.Rand) bool {
			m.Preamble = []byte(pick(r, "This is a multi-part message in MIME format.\r\n", "--"+m.Boundary+"x\r\nnot a part\r\n", strings.Repeat("p", 1+r.IntN(8192))+"\r\n"))
			return true
		})},
	{Name: "mime/epilogue", Layer: LayerMIME, Desc: "an epilogue after the close delimiter",
		apply: multipart(func(m *Message, r *rand.Rand) bool {
			m.Epilogue = []byte(pick(r, "\r\n", "\r\n--"+m.Boundary+"\r\nContent-Type: text/plain\r\n\r\nafter the end\r\n", "\r\n"+strings.Repeat("e", 1+r.IntN(8192))))
			return true
		})},
	{Name: "mime/part-header", Layer: LayerMIME, Desc: "a part's headers: Content-Type left out or doubled, names re-cased, a long or broken line",
		apply: multipart(func(m *Message, r *rand.Rand) bool {
			p := m.Parts[r.IntN(len(m.Parts))]
			switch r.IntN(4) {
			case 0:
				return drop(&p.Header, "Content-Type")
			case 1:
				p.Header = append(p.Header, Field{"Content-Type", " application/octet-stream"})
			case 2:
				for i := range p.Header {
					p.Header[i].Name = strings.ToUpper(p.Header[i].Name)
				}
			default:
				p.Header = append(p.Header, Field{"X-Long", " " + strings.Repeat("h", 1000+r.IntN(16000))})
			}
			return true
		})},
	{Name: "mime/transfer-encoding", Layer: LayerMIME, Desc: "an attachment's Content-Transfer-Encoding: base64 for real, or declared but not done, or unknown",
		apply: multipart(func(m *Message, r *rand.Rand) bool {
			p := attachment(m, r)
			switch r.IntN(4) {
			case 0:
				if strings.EqualFold(partGet(p.Header, "Content-Transfer-Encoding"), "base64") {
					return false
				}
				p.Body = wrap76(base64.StdEncoding.EncodeToString(p.Body))
				p.Header = set(p.Header, "Content-Transfer-Encoding", "base64")
			case 1:
				p.Header = set(p.Header, "Content-Transfer-Encoding", pick(r, "base64", "quoted-printable"))
			case 2:
				p.Header = set(p.Header, "Content-Transfer-Encoding", pick(r, "x-unknown", "7bit", "BINARY", ""))
			default:
				if !drop(&p.Header, "Content-Transfer-Encoding") {
					return false
				}
			}
			return true
		})},
	{Name: "mime/charset", Layer: LayerMIME, Desc: "the SOAP part's charset: unknown, UTF-16, Latin-1, empty",
		apply: func(m *Message, r *rand.Rand) bool {
			cs := pick(r, "x-unknown-charset", "utf-16", "ISO-8859-1", "", "UTF-8; charset=latin1")
			h := &m.Header
			if m.Multipart && len(m.Parts) > 0 {
				h = &m.Parts[m.SOAP].Header
			}
			ct := partGet(*h, "Content-Type")
			mt, _, _ := strings.Cut(ct, ";")
			if mt == "" {
				mt = "text/xml"
			}
			*h = set(*h, "Content-Type", strings.TrimSpace(mt)+"; charset="+cs)
			return true
		}},
	{Name: "mime/nesting", Layer: LayerMIME, Desc: "an attachment inside multipart/mixed parts, 1 to 40 deep",
		apply: multipart(func(m *Message, r *rand.Rand) bool {
			if len(m.Parts) < 2 {
				return false
			}
			i := r.IntN(len(m.Parts) - 1)
			if i >= m.SOAP {
				i++
			}
			p := m.Parts[i]
			for range pick(r, 1, 2, 5, 1+r.IntN(40)) {
				p = nest(p, "nested-"+randString(r, "abcdef0123456789", 12))
			}
			m.Parts[i] = p
			return true
		})},
	{Name: "mime/part-order", Layer: LayerMIME, Desc: "the SOAP part last instead of first",
		apply: multipart(func(m *Message, _ *rand.Rand) bool {
			if len(m.Parts) < 2 || m.SOAP == len(m.Parts)-1 {
				return false
			}
			soap := m.Parts[m.SOAP]
			m.Parts = append(slices.Delete(m.Parts, m.SOAP, m.SOAP+1), soap)
			m.SOAP = len(m.Parts) - 1
			return true
		})},
	{Name: "mime/start", Layer: LayerMIME, Desc: "the start parameter: left out, naming no part, without angle brackets",
		apply: multipart(func(m *Message, r *rand.Rand) bool {
			cid := strings.Trim(partGet(m.Parts[m.SOAP].Header, "Content-ID"), "<> ")
			switch r.IntN(3) {
			case 0:
				return editTypeParam(m, "start", "")
			case 1:
				return editTypeParam(m, "start", "<no-such-part@fuzz>")
			default:
				if cid == "" {
					return false
				}
				return editTypeParam(m, "start", cid)
			}
		})},
	{Name: "mime/content-id", Layer: LayerMIME, Desc: "Content-IDs bare, bracketed, with spaces, empty, or the same on two parts",
		apply: multipart(func(m *Message, r *rand.Rand) bool {
			p := m.Parts[r.IntN(len(m.Parts))]
			cid := strings.Trim(partGet(p.Header, "Content-ID"), "<> ")
			if cid == "" {
				cid = "part@fuzz"
			}
			switch r.IntN(4) {
			case 0:
				p.Header = set(p.Header, "Content-ID", cid)
			case 1:
				p.Header = set(p.Header, "Content-ID", "< "+cid+" >")
			case 2:
				p.Header = set(p.Header, "Content-ID", "")
			default:
				for _, q := range m.Parts {
					q.Header = set(q.Header, "Content-ID", "<"+cid+">")
				}
			}
			return true
		})},
	{Name: "mime/truncate", Layer: LayerMIME, Desc: "the body cut inside a part, the length telling the truth",
		apply: multipart(func(m *Message, r *rand.Rand) bool {
			p := m.Parts[len(m.Parts)-1]
			if len(p.Body) < 2 {
				return false
			}
			p.Body = p.Body[:r.IntN(len(p.Body))]
			m.NoClose = true
			return true
		})},
}

// nest wraps p in a multipart/mixed part of boundary b.
func nest(p *Part, b string) *Part {
	var body bytes.Buffer
	body.WriteString("--" + b + "\r\n")
	for _, f := range p.Header {
		body.WriteString(f.Name + ":" + f.Value + "\r\n")
	}
	body.WriteString("\r\n")
	body.Write(p.Body)
	body.WriteString("\r\n--" + b + "--")
	return &Part{Header: []Field{{"Content-Type", ` multipart/mixed; boundary="` + b + `"`}}, Body: body.Bytes()}
}

func wrap76(s string) []byte {
	var b bytes.Buffer
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.Bytes()
}
