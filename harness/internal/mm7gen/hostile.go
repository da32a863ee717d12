package mm7gen

import (
	"fmt"
	"strings"
)

// BillionLaughs is an entity-expansion bomb inside a SOAP envelope: nine
// levels of ten references each, a billion "lol"s if a parser expands them.
// Parsers must refuse it, not expand it.
var BillionLaughs = billionLaughs()

func billionLaughs() string {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n")
	prev := "lol"
	for i := 2; i <= 9; i++ {
		fmt.Fprintf(&b, " <!ENTITY lol%d \"%s\">\n", i, strings.Repeat("&"+prev+";", 10))
		prev = fmt.Sprintf("lol%d", i)
	}
	b.WriteString("]>\n")
	b.WriteString(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&lol9;</soap:Body></soap:Envelope>`)
	return b.String()
}
