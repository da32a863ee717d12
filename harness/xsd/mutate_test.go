package xsd_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// tree is a minimal element tree for mutating documents: names are
// namespace-resolved, so a mutant is written back with its own namespace
// declarations whatever prefixes the original used.
type tree struct {
	name  xml.Name
	attrs []xml.Attr // namespace declarations excluded
	kids  []*tree
	text  string // text of a leaf element
}

func parseTree(b []byte) (*tree, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []*tree
	var root *tree
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &tree{name: tok.Name}
			for _, a := range tok.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				n.attrs = append(n.attrs, a)
			}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			}
			stack = append(stack, n)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		case xml.EndElement:
			n := stack[len(stack)-1]
			if len(n.kids) > 0 {
				n.text = ""
			}
			stack = stack[:len(stack)-1]
		}
	}
}

func (n *tree) clone() *tree {
	c := &tree{name: n.name, attrs: append([]xml.Attr(nil), n.attrs...), text: n.text}
	for _, k := range n.kids {
		c.kids = append(c.kids, k.clone())
	}
	return c
}

// bytes writes the tree; the SOAP prefix "env" is declared on the root so
// QName values such as faultcode's stay resolvable.
func (n *tree) bytes() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	n.write(&b, "", true)
	return b.Bytes()
}

func (n *tree) write(b *bytes.Buffer, parentNS string, root bool) {
	b.WriteString("<" + n.name.Local)
	if n.name.Space != parentNS {
		fmt.Fprintf(b, ` xmlns="%s"`, escape(n.name.Space))
	}
	if root {
		fmt.Fprintf(b, ` xmlns:env="%s"`, mm7.NamespaceSOAP)
	}
	for i, a := range n.attrs {
		if a.Name.Space == "" {
			fmt.Fprintf(b, ` %s="%s"`, a.Name.Local, escape(a.Value))
			continue
		}
		fmt.Fprintf(b, ` xmlns:a%d="%s" a%d:%s="%s"`, i, escape(a.Name.Space), i, a.Name.Local, escape(a.Value))
	}
	b.WriteString(">")
	if len(n.kids) == 0 {
		b.WriteString(escape(n.text))
	}
	for _, k := range n.kids {
		k.write(b, n.name.Space, false)
	}
	b.WriteString("</" + n.name.Local + ">")
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// path addresses a node as child indexes from the root.
type path []int

func (n *tree) at(p path) *tree {
	for _, i := range p {
		n = n.kids[i]
	}
	return n
}

// walk lists the paths of every element below the root.
func (n *tree) walk(prefix path, visit func(path, *tree)) {
	for i, k := range n.kids {
		p := append(append(path(nil), prefix...), i)
		visit(p, k)
		k.walk(p, visit)
	}
}

type mutant struct {
	name string
	doc  []byte
}

// mutants derives documents from a valid one, each breaking (or merely
// bending) it in one way: every element dropped, duplicated, renamed and
// moved to another namespace; adjacent siblings swapped; every leaf given
// values of the wrong type; every attribute dropped or broken; a foreign
// attribute added; MM7Version set to each interesting value.
func mutants(base *tree, label string) []mutant {
	var out []mutant
	add := func(what string, mutate func(root *tree)) {
		c := base.clone()
		mutate(c)
		out = append(out, mutant{name: label + ": " + what, doc: c.bytes()})
	}
	otherNS := map[string]string{
		mm7.Flavour550.Release.Namespace(): mm7.Flavour680.Release.Namespace(),
		mm7.Flavour680.Release.Namespace(): mm7.Flavour550.Release.Namespace(),
	}
	base.walk(nil, func(p path, n *tree) {
		where := fmt.Sprintf("%s%v", n.name.Local, p)
		parent, i := p[:len(p)-1], p[len(p)-1]
		add("drop "+where, func(r *tree) {
			par := r.at(parent)
			par.kids = append(par.kids[:i:i], par.kids[i+1:]...)
		})
		add("duplicate "+where, func(r *tree) {
			par := r.at(parent)
			dup := par.kids[i].clone()
			par.kids = append(par.kids[:i+1:i+1], append([]*tree{dup}, par.kids[i+1:]...)...)
		})
		add("rename "+where, func(r *tree) { r.at(p).name.Local += "X" })
		add("lower-case "+where, func(r *tree) { r.at(p).name.Local = strings.ToLower(r.at(p).name.Local) })
		if other, ok := otherNS[n.name.Space]; ok {
			add("other release namespace on "+where, func(r *tree) { r.at(p).name.Space = other })
		}
		add("unknown namespace on "+where, func(r *tree) { r.at(p).name.Space = "urn:example:unknown" })
		if i+1 < len(base.at(parent).kids) {
			add("swap "+where+" with next", func(r *tree) {
				par := r.at(parent)
				par.kids[i], par.kids[i+1] = par.kids[i+1], par.kids[i]
			})
		}
		if len(n.kids) == 0 {
			for _, v := range []string{"", "not a valid value", "-5", "0", "true", "P1D", " " + n.text + " "} {
				add(fmt.Sprintf("%s := %q", where, v), func(r *tree) { r.at(p).text = v })
			}
			if n.name.Local == "MM7Version" {
				for _, v := range []string{"5.3.0", "5.5.0", "5.6.0", "6.3.0", "6.7.0", "6.8.0", "6.9.0"} {
					add("MM7Version "+v, func(r *tree) { r.at(p).text = v })
				}
			}
		}
		for ai, a := range n.attrs {
			an := a.Name.Local
			add("drop @"+an+" of "+where, func(r *tree) {
				e := r.at(p)
				e.attrs = append(e.attrs[:ai:ai], e.attrs[ai+1:]...)
			})
			for _, v := range []string{"true", "bogus", "2", ""} {
				add(fmt.Sprintf("@%s of %s := %q", an, where, v), func(r *tree) { r.at(p).attrs[ai].Value = v })
			}
		}
		add("foreign attribute on "+where, func(r *tree) {
			e := r.at(p)
			e.attrs = append(e.attrs, xml.Attr{Name: xml.Name{Space: "urn:example:ext", Local: "x"}, Value: "1"})
		})
		add("unqualified attribute on "+where, func(r *tree) {
			e := r.at(p)
			e.attrs = append(e.attrs, xml.Attr{Name: xml.Name{Local: "x"}, Value: "1"})
		})
		add("mustUnderstand on "+where, func(r *tree) {
			e := r.at(p)
			e.attrs = append(e.attrs, xml.Attr{Name: xml.Name{Space: mm7.NamespaceSOAP, Local: "mustUnderstand"}, Value: "1"})
		})
	})
	add("encodingStyle on the root", func(r *tree) {
		r.attrs = append(r.attrs, xml.Attr{Name: xml.Name{Space: mm7.NamespaceSOAP, Local: "encodingStyle"}, Value: "http://schemas.xmlsoap.org/soap/encoding/"})
	})
	return out
}
