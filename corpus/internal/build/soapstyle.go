package build

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// style is how a SOAP stack writes an envelope: its XML declaration,
// prefixes and namespace declarations, indentation. Vibes' material shows
// two stacks (seed examples A and B); the others cover what receivers must
// equally read.
type style struct {
	decl      string // the XML declaration line, "" for none
	env       string // envelope prefix; "" declares the envelope namespace as default
	mm7       string // MM7 prefix; "" puts MM7 elements in a default namespace
	tidAttrs  bool   // TransactionID carries env:mustUnderstand="1"
	bodyNSDef bool   // Body declares xmlns:<mm7> and the message element xmlns="NS" (example B)
	indent    string
	relayID   bool // DeliverReq carries an empty MMSRelayServerID, as in example A
}

var (
	// Example A, the MO capture: a SAAJ stack.
	styleSAAJ = style{decl: `<?xml version="1.0" encoding="utf-16"?>`, env: "SOAP-ENV", mm7: "mm7", tidAttrs: true, indent: "    ", relayID: true}
	// Example B and the DeliverRsp sample: a JAX-WS stack.
	styleJAXWS = style{decl: `<?xml version="1.0" encoding="utf-16"?>`, env: "soapenv", mm7: "ns3", bodyNSDef: true, indent: "    "}
	// Default namespaces throughout, no prefixes.
	styleDefaultNS = style{decl: `<?xml version="1.0" encoding="UTF-8"?>`, tidAttrs: true, indent: "  "}
	// Short prefixes, no declaration, everything on one line.
	styleCompact = style{env: "env", mm7: "m", tidAttrs: true}
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

// restyle rewrites an envelope written by mm7.Encode in style s.
func (s style) restyle(encoded []byte) []byte {
	root := parseXML(encoded)
	var b bytes.Buffer
	if s.decl != "" {
		b.WriteString(s.decl + "\n")
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

func (s style) nl(b *bytes.Buffer, depth int) {
	if s.indent != "" {
		b.WriteString("\n" + strings.Repeat(s.indent, depth))
	}
}

func (s style) write(b *bytes.Buffer, n *xnode, depth int, parent string) {
	ns := n.name.Space
	var name, decls string
	switch {
	case ns == mm7.NamespaceSOAP:
		name = qual(s.env, n.name.Local)
		if n.name.Local == "Envelope" {
			if s.env == "" {
				decls = ` xmlns="` + ns + `"`
			} else {
				decls = ` xmlns:` + s.env + `="` + ns + `"`
			}
		}
		if n.name.Local == "Body" && s.bodyNSDef {
			decls += ` xmlns:` + s.mm7 + `="` + bodyNS(n) + `"`
		}
	case n.name.Local == "TransactionID":
		if s.mm7 == "" || s.bodyNSDef {
			name, decls = "TransactionID", ` xmlns="`+ns+`"`
		} else {
			name, decls = qual(s.mm7, "TransactionID"), ` xmlns:`+s.mm7+`="`+ns+`"`
		}
		if s.tidAttrs && s.env == "" {
			// The attribute must be qualified: declare a prefix for it here.
			decls = ` xmlns:soap="` + mm7.NamespaceSOAP + `" soap:mustUnderstand="1"` + decls
		} else if s.tidAttrs {
			decls = ` ` + qual(s.env, "mustUnderstand") + `="1"` + decls
		}
	default:
		name = qual(s.mm7, n.name.Local)
		if parent == mm7.NamespaceSOAP { // the message element
			switch {
			case s.bodyNSDef:
				decls = ` xmlns="` + ns + `"`
			case s.mm7 == "":
				decls = ` xmlns="` + ns + `"`
			default:
				decls = ` xmlns:` + s.mm7 + `="` + ns + `"`
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
			if s.relayID && i == 0 && n.name.Local == "DeliverReq" {
				s.nl(b, depth+1)
				b.WriteString("<" + qual(s.mm7, "MMSRelayServerID") + " />")
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
