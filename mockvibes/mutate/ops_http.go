package mutate

import (
	"maps"
	"math/rand/v2"
	"mime"
	"slices"
	"strings"
)

// pick returns one of xs.
func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

var httpOps = []*Op{
	{Name: "http/length-short", Layer: LayerHTTP, Framing: true, Desc: "Content-Length 1 to 64 bytes less than the body",
		apply: func(m *Message, r *rand.Rand) bool {
			n := len(m.renderBody())
			if n < 2 {
				return false
			}
			m.Length = n - 1 - r.IntN(min(64, n-1))
			return true
		}},
	{Name: "http/length-long", Layer: LayerHTTP, Framing: true, Desc: "Content-Length 1 to 4096 bytes more than the body",
		apply: func(m *Message, r *rand.Rand) bool {
			m.Length = len(m.renderBody()) + 1 + r.IntN(4096)
			return true
		}},
	{Name: "http/length-none", Layer: LayerHTTP, Framing: true, Desc: "no Content-Length and no chunking: a request without a body",
		apply: func(m *Message, _ *rand.Rand) bool { m.Length, m.Chunk = LengthNone, 0; return true }},
	{Name: "http/length-twice", Layer: LayerHTTP, Framing: true, Desc: "a second Content-Length header that disagrees",
		apply: func(m *Message, r *rand.Rand) bool {
			m.Header = append(m.Header, Field{Name: "Content-Length", Value: " " + pick(r, "0", "1", "99999999", "-1")})
			return true
		}},
	{Name: "http/chunked", Layer: LayerHTTP, Framing: true, Desc: "the body chunked (valid), in chunks of 1 to 8192 bytes",
		apply: func(m *Message, r *rand.Rand) bool {
			m.Chunk = pick(r, 1, 7, 64, 1000, 1+r.IntN(8192))
			return true
		}},
	{Name: "http/chunk-bad-size", Layer: LayerHTTP, Framing: true, Desc: "a chunk size line that is not hexadecimal",
		apply: func(m *Message, _ *rand.Rand) bool { m.BadChunk = true; return true }},
	{Name: "http/header-case", Layer: LayerHTTP, Desc: "header names in another case (valid: names are case-insensitive)",
		apply: func(m *Message, r *rand.Rand) bool {
			i := r.IntN(len(m.Header))
			m.Header[i].Name = pick(r, strings.ToLower, strings.ToUpper)(m.Header[i].Name)
			return true
		}},
	{Name: "http/header-fold", Layer: LayerHTTP, Desc: "Content-Type folded over two lines (obsolete line folding)",
		apply: func(m *Message, r *rand.Rand) bool {
			for i, f := range m.Header {
				if strings.EqualFold(f.Name, "Content-Type") && strings.Contains(f.Value, ";") {
					m.Header[i].Value = strings.Replace(f.Value, ";", ";\r\n"+pick(r, "\t", " ", "    "), 1)
					return true
				}
			}
			return false
		}},
	{Name: "http/header-drop", Layer: LayerHTTP, Desc: "one of Content-Type, SOAPAction, Host, User-Agent, Connection left out",
		apply: func(m *Message, r *rand.Rand) bool {
			name := pick(r, "Content-Type", "SOAPAction", "Host", "User-Agent", "Connection")
			return drop(&m.Header, name)
		}},
	{Name: "http/header-duplicate", Layer: LayerHTTP, Desc: "a second Content-Type or Host that disagrees",
		apply: func(m *Message, r *rand.Rand) bool {
			f := pick(r, Field{"Content-Type", " text/plain"}, Field{"Content-Type", " " + m.Get("Content-Type")}, Field{"Host", " example.invalid"})
			m.Header = append(m.Header, f)
			return true
		}},
	{Name: "http/header-huge", Layer: LayerHTTP, Desc: "an extra header of 8 to 64 KiB",
		apply: func(m *Message, r *rand.Rand) bool {
			m.Header = append(m.Header, Field{"X-Padding", " " + strings.Repeat("a", 8<<10+r.IntN(56<<10))})
			return true
		}},
	{Name: "http/header-bad-name", Layer: LayerHTTP, Desc: "a header name with whitespace in it or before its colon",
		apply: func(m *Message, r *rand.Rand) bool {
			i := r.IntN(len(m.Header) + 1)
			m.Header = slices.Insert(m.Header, i, Field{Name: pick(r, "X-Fuzz ", "X Fuzz", "X-Fuzz\t"), Value: " 1"})
			return true
		}},
	{Name: "http/content-type-params", Layer: LayerHTTP, Desc: "Content-Type parameters reordered, unquoted, upper-cased, added or left out",
		apply: func(m *Message, r *rand.Rand) bool { return editContentType(m, r) }},
}

// drop removes every header field of that name.
func drop(h *[]Field, name string) bool {
	n := len(*h)
	out := (*h)[:0]
	for _, f := range *h {
		if !strings.EqualFold(strings.TrimSpace(f.Name), name) {
			out = append(out, f)
		}
	}
	*h = out
	return len(out) < n
}

// editContentType rewrites the HTTP Content-Type's parameters.
func editContentType(m *Message, r *rand.Rand) bool {
	mt, params, err := mime.ParseMediaType(m.Get("Content-Type"))
	if err != nil {
		return false
	}
	keys := slices.Sorted(maps.Keys(params))
	var b strings.Builder
	b.WriteString(mt)
	switch r.IntN(5) {
	case 0: // reversed order, no quotes where none are needed
		for i := len(keys) - 1; i >= 0; i-- {
			b.WriteString("; " + keys[i] + "=" + quoteIfNeeded(params[keys[i]]))
		}
	case 1: // names upper-cased, every value quoted
		for _, k := range keys {
			b.WriteString("; " + strings.ToUpper(k) + `="` + params[k] + `"`)
		}
	case 2: // an unknown parameter first
		b.WriteString(`; x-unknown="a;b=c"`)
		for _, k := range keys {
			b.WriteString("; " + k + `="` + params[k] + `"`)
		}
	case 3: // one parameter left out
		drop := pick(r, keys...)
		for _, k := range keys {
			if k != drop {
				b.WriteString("; " + k + `="` + params[k] + `"`)
			}
		}
	default: // spaces around the equals signs, no space after the semicolons
		for _, k := range keys {
			b.WriteString(";" + k + ` = "` + params[k] + `"`)
		}
	}
	m.Header = set(m.Header, "Content-Type", b.String())
	return true
}

func quoteIfNeeded(v string) string {
	if v == "" || strings.ContainsAny(v, "()<>@,;:\\\"/[]?= \t") {
		return `"` + v + `"`
	}
	return v
}
