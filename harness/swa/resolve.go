package swa

import (
	"net/url"
	"strings"
)

// Resolve finds the part a SOAP Content href points at (SwA section 3;
// RFC 2392 cid: URLs): by Content-ID, bracketed or bare, then by
// Content-Location. An href without the cid: scheme is tried both ways and
// recorded as DevHrefWithoutCID.
func (m *Message) Resolve(href string) (*Part, error) {
	h := strings.TrimSpace(href)
	if h == "" {
		return nil, newErr(ErrUnresolved, "", "empty href")
	}
	id, isCID := h, false
	if len(h) >= 4 && strings.EqualFold(h[:4], "cid:") {
		isCID = true
		id = h[4:]
		if u, err := url.PathUnescape(id); err == nil {
			id = u
		}
	}
	// Both the ID as written and without one pair of brackets: the seed's
	// container ID "<<sample.gif>-<Simple.txt>>" keeps brackets inside.
	raw := strings.TrimSpace(id)
	id = NormalizeID(id)
	var byID, byLocation *Part
	m.Walk(func(p *Part) {
		if byID == nil && p.ContentID != "" && (p.ContentID == id || p.ContentID == raw) {
			byID = p
		}
		if byLocation == nil && p.ContentLocation != "" && (p.ContentLocation == h || p.ContentLocation == id) {
			byLocation = p
		}
	})
	found := byID
	if found == nil {
		found = byLocation
	}
	if found == nil {
		return nil, newErr(ErrUnresolved, "", "href %q matches no Content-ID or Content-Location", href)
	}
	if !isCID {
		// QUIRK: some gateways write the Content-ID or a file name without
		// the cid: scheme (tolerated by MMS gateways for the same reason).
		m.deviate(DevHrefWithoutCID, "href %q has no cid: scheme", href)
	}
	return found, nil
}
