package swa

import (
	"bytes"
	"mime"
	"strings"
)

// Field is one header field: the name as written and the value unfolded.
type Field struct {
	Name  string
	Value string
}

// Header is a part's header fields in the order they came.
type Header []Field

// Get returns the first value of the field name (any letter case).
func (h Header) Get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Has reports whether the field is present.
func (h Header) Has(name string) bool {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// Set replaces the first field called name, or appends one.
func (h *Header) Set(name, value string) {
	for i, f := range *h {
		if strings.EqualFold(f.Name, name) {
			(*h)[i].Value = value
			return
		}
	}
	*h = append(*h, Field{name, value})
}

// parseHeader reads a header block (without its terminating blank line).
// Continuation lines are joined with one space.
func parseHeader(block []byte, path string) (Header, error) {
	var h Header
	for len(block) > 0 {
		var line []byte
		if i := bytes.IndexByte(block, '\n'); i >= 0 {
			line, block = block[:i], block[i+1:]
		} else {
			line, block = block, nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(h) == 0 {
				return nil, newErr(ErrMalformedHeader, path, "header starts with a continuation line")
			}
			h[len(h)-1].Value = strings.TrimSpace(h[len(h)-1].Value + " " + string(bytes.TrimSpace(line)))
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return nil, newErr(ErrMalformedHeader, path, "header line %q has no name", truncate(line, 60))
		}
		name := bytes.TrimRight(line[:colon], " \t")
		if bytes.ContainsAny(name, " \t") {
			return nil, newErr(ErrMalformedHeader, path, "header name %q contains space", truncate(name, 60))
		}
		h = append(h, Field{Name: string(name), Value: string(bytes.TrimSpace(line[colon+1:]))})
	}
	return h, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// ParseContentType splits a Content-Type value into its lower-case media
// type and parameters. It follows RFC 2045 and falls back to a lenient
// reading (lenient=true) for values mime.ParseMediaType refuses: stray
// semicolons, typographic quotes, repeated parameters.
func ParseContentType(v string) (media string, params map[string]string, lenient bool) {
	if v == "" {
		return "", map[string]string{}, false
	}
	media, params, err := mime.ParseMediaType(v)
	if err == nil {
		return media, params, false
	}
	// QUIRK: Vibes' 5.5.0 example prints parameters in typographic quotes
	// (corpus negative case); read them as quotes so the real problem
	// (the boundary) is the one reported.
	v = strings.NewReplacer("“", `"`, "”", `"`).Replace(v)
	parts := splitParams(v)
	media = strings.ToLower(strings.TrimSpace(parts[0]))
	params = map[string]string{}
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = strings.ReplaceAll(val[1:len(val)-1], `\"`, `"`)
		}
		if _, dup := params[k]; !dup && k != "" {
			params[k] = val
		}
	}
	return media, params, true
}

// splitParams splits on semicolons outside double quotes.
func splitParams(v string) []string {
	var out []string
	inQuote, start := false, 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			inQuote = !inQuote
		case '\\':
			if inQuote {
				i++
			}
		case ';':
			if !inQuote {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}

// NormalizeID strips white space and one pair of angle brackets from a
// Content-ID or start value: "<a@b>" and "a@b" both give "a@b".
func NormalizeID(id string) string {
	id = strings.TrimSpace(id)
	if len(id) >= 2 && id[0] == '<' && id[len(id)-1] == '>' {
		id = id[1 : len(id)-1]
	}
	return strings.TrimSpace(id)
}
