package mm7

import (
	"bytes"
	"encoding/xml"
	"fmt"
)

// Encode writes env as a SOAP 1.1 envelope in env.Version's flavour: UTF-8,
// the TransactionID with mustUnderstand="1" (as Vibes sends it), the body
// element in the flavour's namespace — or in env.Release's, when set, so an
// answer can use the namespace of the request it answers. An empty
// MM7Version is filled with the flavour's. The output is deterministic and
// valid against the release's schema; a message that could not be is
// refused with an error saying why. (Field checks know REL-5-MM7-1-2 and
// REL-6-MM7-1-4 exactly and other releases by their major number.)
func Encode(env *Envelope) ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeTo(&buf, env); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// EncodeMessage is Encode for a message and TransactionID in flavour v.
func EncodeMessage(v Flavour, transactionID string, m Message) ([]byte, error) {
	return Encode(&Envelope{Flavour: v, TransactionID: transactionID, Message: m})
}

func encodeTo(buf *bytes.Buffer, env *Envelope) error {
	v := env.Flavour
	if v.IsZero() {
		return fmt.Errorf("mm7: envelope has no version")
	}
	if r := env.Release; r != "" && r != v.Release {
		if !r.Known() {
			return fmt.Errorf("mm7: release %q is not a REL-5 or REL-6 MM7 schema", r)
		}
		v.Release = r
	}
	if env.Message == nil {
		return fmt.Errorf("mm7: envelope has no message")
	}
	_, isFault := env.Message.(*Fault)
	if env.TransactionID == "" && !isFault {
		return fmt.Errorf("mm7: %s needs a TransactionID", env.Message.Kind())
	}
	ns := v.Namespace()

	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	buf.WriteString(`<env:Envelope xmlns:env="` + NamespaceSOAP + `">` + "\n")
	if env.TransactionID != "" {
		buf.WriteString("  <env:Header>\n")
		buf.WriteString(`    <mm7:TransactionID xmlns:mm7="` + ns + `" env:mustUnderstand="1">`)
		if err := xml.EscapeText(buf, []byte(env.TransactionID)); err != nil {
			return err
		}
		buf.WriteString("</mm7:TransactionID>\n  </env:Header>\n")
	}
	buf.WriteString("  <env:Body>\n")
	var err error
	if f, ok := env.Message.(*Fault); ok {
		err = encodeFault(buf, f, v)
	} else {
		err = encodeBody(buf, env.Message, v, "    ")
	}
	if err != nil {
		return err
	}
	buf.WriteString("\n  </env:Body>\n</env:Envelope>\n")
	return nil
}

func encodeBody(buf *bytes.Buffer, m Message, v Flavour, indent string) error {
	m = withMM7Version(m, v.MM7Version)
	if err := checkMessage(m, v); err != nil {
		return err
	}
	e := xml.NewEncoder(buf)
	e.Indent(indent, "  ")
	start := xml.StartElement{Name: xml.Name{Space: v.Namespace(), Local: string(m.Kind())}}
	if err := e.EncodeElement(m, start); err != nil {
		return fmt.Errorf("mm7: encoding %s: %w", m.Kind(), err)
	}
	return e.Flush()
}

func encodeFault(buf *bytes.Buffer, f *Fault, v Flavour) error {
	code := f.Code
	switch code {
	case "":
		code = "env:Client"
	case "Client", "Server", "MustUnderstand", "VersionMismatch":
		code = "env:" + code
	default:
		return fmt.Errorf("mm7: fault code %q: want Client, Server, MustUnderstand or VersionMismatch", f.Code)
	}
	buf.WriteString("    <env:Fault>\n      <faultcode>" + code + "</faultcode>\n      <faultstring>")
	if err := xml.EscapeText(buf, []byte(f.String)); err != nil {
		return err
	}
	buf.WriteString("</faultstring>\n")
	if f.Actor != "" {
		buf.WriteString("      <faultactor>")
		if err := xml.EscapeText(buf, []byte(f.Actor)); err != nil {
			return err
		}
		buf.WriteString("</faultactor>\n")
	}
	if f.Detail != nil {
		switch f.Detail.(type) {
		case *VASPErrorRsp, *RSErrorRsp:
		default:
			return fmt.Errorf("mm7: a Fault detail carries VASPErrorRsp or RSErrorRsp, not %s", f.Detail.Kind())
		}
		buf.WriteString("      <detail>\n")
		if err := encodeBody(buf, f.Detail, v, "        "); err != nil {
			return err
		}
		buf.WriteString("\n      </detail>\n")
	}
	buf.WriteString("    </env:Fault>")
	return nil
}
