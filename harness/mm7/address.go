package mm7

import (
	"encoding/xml"
	"fmt"
	"strings"
)

// AddressKind is the form of an MM7 address (XSD group of addressType).
type AddressKind string

// The three address forms.
const (
	AddrNumber    AddressKind = "Number"         // an MSISDN: E.164, 10 or 11 digits
	AddrShortCode AddressKind = "ShortCode"      // a short code, e.g. 63901
	AddrRFC2822   AddressKind = "RFC2822Address" // an e-mail style address
)

// Address is one MM7 address (XSD addressType: a choice of RFC2822Address,
// Number or ShortCode, each a string with attributes).
type Address struct {
	Kind        AddressKind
	Value       string
	DisplayOnly bool
	// AddressCoding ("encrypted" or "obfuscated") and ID exist from Release 6.
	AddressCoding string
	ID            string
}

// Number, ShortCode and Email build addresses of each form.
func Number(v string) Address    { return Address{Kind: AddrNumber, Value: v} }
func ShortCode(v string) Address { return Address{Kind: AddrShortCode, Value: v} }
func Email(v string) Address     { return Address{Kind: AddrRFC2822, Value: v} }

func (a Address) String() string { return string(a.Kind) + ":" + a.Value }

// IsZero reports whether a is the zero Address.
func (a Address) IsZero() bool { return a == Address{} }

func (a Address) valid() bool {
	switch a.Kind {
	case AddrNumber, AddrShortCode, AddrRFC2822:
		return true
	}
	return false
}

func (a Address) rel6Only() bool { return a.AddressCoding != "" || a.ID != "" }

// addressWire is one address element as it appears in XML.
type addressWire struct {
	Value         string `xml:",chardata"`
	DisplayOnly   string `xml:"displayOnly,attr,omitempty"`
	AddressCoding string `xml:"addressCoding,attr,omitempty"`
	ID            string `xml:"id,attr,omitempty"`
}

func decodeAddress(d *xml.Decoder, start xml.StartElement) (Address, bool, error) {
	kind := AddressKind(start.Name.Local)
	var w addressWire
	if err := d.DecodeElement(&w, &start); err != nil {
		return Address{}, false, err
	}
	a := Address{Kind: kind, Value: w.Value, AddressCoding: w.AddressCoding, ID: w.ID}
	switch strings.TrimSpace(w.DisplayOnly) {
	case "true", "1":
		a.DisplayOnly = true
	}
	return a, a.valid(), nil
}

func encodeAddress(e *xml.Encoder, a Address) error {
	if !a.valid() {
		return fmt.Errorf("mm7: address %q has no form (Number, ShortCode or RFC2822Address)", a.Value)
	}
	w := addressWire{Value: a.Value, AddressCoding: a.AddressCoding, ID: a.ID}
	if a.DisplayOnly {
		w.DisplayOnly = "true"
	}
	return e.EncodeElement(w, xml.StartElement{Name: xml.Name{Local: string(a.Kind)}})
}

// eachChild calls f for every child element of the element just started,
// until its end; f must consume the child (decode or skip it).
func eachChild(d *xml.Decoder, f func(xml.StartElement) error) error {
	for {
		t, err := d.Token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			if err := f(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// UnmarshalXML reads an addressType element: its one child names the form.
func (a *Address) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	return eachChild(d, func(t xml.StartElement) error {
		got, ok, err := decodeAddress(d, t)
		if ok && !a.valid() {
			*a = got
		}
		return err
	})
}

// MarshalXML writes an addressType element.
func (a Address) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if err := encodeAddress(e, a); err != nil {
		return err
	}
	return e.EncodeToken(start.End())
}

// Recipients lists a message's recipients (XSD recipientsType). On the wire
// To, Cc and Bcc lists may come in any order and repeat; they are gathered
// here per field and written To, Cc, Bcc.
type Recipients struct {
	To  []Address
	Cc  []Address
	Bcc []Address
}

// All returns every recipient, To first.
func (r *Recipients) All() []Address {
	if r == nil {
		return nil
	}
	out := make([]Address, 0, len(r.To)+len(r.Cc)+len(r.Bcc))
	out = append(out, r.To...)
	out = append(out, r.Cc...)
	return append(out, r.Bcc...)
}

// UnmarshalXML reads a Recipients element.
func (r *Recipients) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	return eachChild(d, func(t xml.StartElement) error {
		var list *[]Address
		switch t.Name.Local {
		case "To":
			list = &r.To
		case "Cc":
			list = &r.Cc
		case "Bcc":
			list = &r.Bcc
		default:
			return d.Skip()
		}
		return eachChild(d, func(t xml.StartElement) error {
			a, ok, err := decodeAddress(d, t)
			if ok {
				*list = append(*list, a)
			}
			return err
		})
	})
}

// MarshalXML writes a Recipients element.
func (r Recipients) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if len(r.All()) == 0 {
		return fmt.Errorf("mm7: Recipients needs at least one address")
	}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, g := range []struct {
		name string
		list []Address
	}{{"To", r.To}, {"Cc", r.Cc}, {"Bcc", r.Bcc}} {
		if len(g.list) == 0 {
			continue
		}
		gs := xml.StartElement{Name: xml.Name{Local: g.name}}
		if err := e.EncodeToken(gs); err != nil {
			return err
		}
		for _, a := range g.list {
			if err := encodeAddress(e, a); err != nil {
				return err
			}
		}
		if err := e.EncodeToken(gs.End()); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}
