// Package vibesxml writes SOAP envelopes the way the SOAP stacks in Vibes'
// material do: the SAAJ stack of the MO capture (SOAP-ENV and mm7 prefixes,
// an encoding="utf-16" declaration over UTF-8), the JAX-WS stack of the
// other examples (soapenv, a default-namespace TransactionID, ns3), and two
// plainer spellings receivers must read as well. It rewrites what
// mm7.Encode writes; the meaning never changes, only the spelling.
package vibesxml

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// Style is how a SOAP stack writes an envelope: its XML declaration,
// prefixes and namespace declarations, indentation. Vibes' material shows
// two stacks (seed examples A and B); the others cover what receivers must
// equally read.
type Style struct {
	Decl      string // the XML declaration line, "" for none
	Env       string // envelope prefix; "" declares the envelope namespace as default
	MM7       string // MM7 prefix; "" puts MM7 elements in a default namespace
	TIDAttrs  bool   // TransactionID carries env:mustUnderstand="1"
	BodyNSDef bool   // Body declares xmlns:<mm7> and the message element xmlns="NS" (example B)
	Indent    string
	RelayID   bool // DeliverReq carries an empty MMSRelayServerID, as in example A
}

var (
	// SAAJ is seed example A, the MO capture.
	SAAJ = Style{Decl: `<?xml version="1.0" encoding="utf-16"?>`, Env: "SOAP-ENV", MM7: "mm7", TIDAttrs: true, Indent: "    ", RelayID: true}
	// JAXWS is seed example B and the DeliverRsp sample.
	JAXWS = Style{Decl: `<?xml version="1.0" encoding="utf-16"?>`, Env: "soapenv", MM7: "ns3", BodyNSDef: true, Indent: "    "}
	// DefaultNS uses default namespaces throughout, no prefixes.
	DefaultNS = Style{Decl: `<?xml version="1.0" encoding="UTF-8"?>`, TIDAttrs: true, Indent: "  "}
	// Compact uses short prefixes, no declaration, one line.
	Compact = Style{Env: "env", MM7: "m", TIDAttrs: true}
)

type xnode struct {
	name  xml.Name
	attrs []xml.Attr
	kids  []*xnode
	text  string
}

func parseXML(b []byte) *xnode {
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []*xnode
	var root *xnode
	for {
		t, err := d.Token()
		if err == io.EOF {
			return root
		}
		if err != nil {
			panic(err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			n := &xnode{name: t.Name}
			for _, a := range t.Attr {
				if a.Name.Space != "xmlns" && !(a.Name.Space == "" && a.Name.Local == "xmlns") && a.Name.Local != "mustUnderstand" {
					n.attrs = append(n.attrs, a)
				}
			}
			if root == nil {
				root = n
			} else {
				stack[len(stack)-1].kids = append(stack[len(stack)-1].kids, n)
			}
			stack = append(stack, n)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}

// Restyle rewrites an envelope written by mm7.Encode in style s. (A Fault's
// unqualified children need an envelope prefix: use a style with Env set.)
func (s Style) Restyle(encoded []byte) []byte {
	root := parseXML(encoded)
	var b bytes.Buffer
	if s.Decl != "" {
		b.WriteString(s.Decl + "\n")
	}
	s.write(&b, root, 0, "")
	b.WriteString("\n")
	return b.Bytes()
}

func qual(prefix, local string) string {
	if prefix == "" {
		return local
	}
	return prefix + ":" + local
}

func (s Style) nl(b *bytes.Buffer, depth int) {
	if s.Indent != "" {
		b.WriteString("\n" + strings.Repeat(s.Indent, depth))
	}
}

func (s Style) write(b *bytes.Buffer, n *xnode, depth int, parent string) {
	ns := n.name.Space
	var name, decls string
	switch {
	case ns == mm7.NamespaceSOAP:
		name = qual(s.Env, n.name.Local)
		if n.name.Local == "Envelope" {
			if s.Env == "" {
				decls = ` xmlns="` + ns + `"`
			} else {
				decls = ` xmlns:` + s.Env + `="` + ns + `"`
			}
		}
		if n.name.Local == "Body" && s.BodyNSDef {
			decls += ` xmlns:` + s.MM7 + `="` + bodyNS(n) + `"`
		}
	case n.name.Local == "TransactionID":
		if s.MM7 == "" || s.BodyNSDef {
			name, decls = "TransactionID", ` xmlns="`+ns+`"`
		} else {
			name, decls = qual(s.MM7, "TransactionID"), ` xmlns:`+s.MM7+`="`+ns+`"`
		}
		if s.TIDAttrs && s.Env == "" {
			// The attribute must be qualified: declare a prefix for it here.
			decls = ` xmlns:soap="` + mm7.NamespaceSOAP + `" soap:mustUnderstand="1"` + decls
		} else if s.TIDAttrs {
			decls = ` ` + qual(s.Env, "mustUnderstand") + `="1"` + decls
		}
	default:
		name = qual(s.MM7, n.name.Local)
		if parent == mm7.NamespaceSOAP { // the message element
			switch {
			case s.BodyNSDef:
				decls = ` xmlns="` + ns + `"`
			case s.MM7 == "":
				decls = ` xmlns="` + ns + `"`
			default:
				decls = ` xmlns:` + s.MM7 + `="` + ns + `"`
			}
		}
	}
	b.WriteString("<" + name + decls)
	for _, a := range n.attrs {
		b.WriteString(" " + a.Name.Local + `="`)
		xml.EscapeText(b, []byte(a.Value))
		b.WriteString(`"`)
	}
	if len(n.kids) == 0 && strings.TrimSpace(n.text) == "" {
		b.WriteString(" />")
		return
	}
	b.WriteString(">")
	if len(n.kids) == 0 {
		xml.EscapeText(b, []byte(n.text))
	} else {
		for i, k := range n.kids {
			s.nl(b, depth+1)
			s.write(b, k, depth+1, ns)
			if s.RelayID && i == 0 && n.name.Local == "DeliverReq" {
				s.nl(b, depth+1)
				b.WriteString("<" + qual(s.MM7, "MMSRelayServerID") + " />")
			}
		}
		s.nl(b, depth)
	}
	b.WriteString("</" + name + ">")
}

// bodyNS is the namespace of the Body's message element.
func bodyNS(body *xnode) string {
	if len(body.kids) > 0 {
		return body.kids[0].name.Space
	}
	return ""
}
