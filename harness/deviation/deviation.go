// Package deviation names the ways a message departs from the strict
// protocol while still being readable. Every layer records its own (MIME
// in package swa, SOAP and MM7 in package mm7) in this one type, so that
// reports, the corpus manifest and users' configuration see one list.
package deviation

import "fmt"

// ID names one deviation. IDs are stable: reports, the corpus manifest
// and users' configuration refer to them.
type ID string

// Deviation is one departure found while reading, with where it was seen.
type Deviation struct {
	ID     ID
	Line   int // 1-based; 0 when the deviation concerns the whole document
	Detail string
}

func (d Deviation) String() string {
	if d.Line > 0 {
		return fmt.Sprintf("%s (line %d): %s", d.ID, d.Line, d.Detail)
	}
	return fmt.Sprintf("%s: %s", d.ID, d.Detail)
}

// Has reports whether list holds a deviation with id.
func Has(list []Deviation, id ID) bool {
	for _, d := range list {
		if d.ID == id {
			return true
		}
	}
	return false
}
