package mockvibes

import (
	"bytes"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Profile is a misbehaviour of the sender (mm7harness play): what it does
// to the requests it sends. Profiles combine: every Rewrite runs in order;
// the last Send wins; Duplicate sends each message twice. The gateway's
// misbehaviours are GatewayFaults, a separate set: no name is both.
type Profile struct {
	Name string
	Desc string
	// Rewrite changes the request's bytes.
	Rewrite func(raw []byte) ([]byte, error)
	// Send writes the request its own way (slowly, or cut off).
	Send writer
	// Duplicate sends every message a second time with the same
	// TransactionID, as a Vibes retry does.
	Duplicate bool
}

// split returns a request's head (through the blank line) and body.
func split(raw []byte) (head, body []byte, err error) {
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	if i < 0 {
		return nil, nil, fmt.Errorf("no end of header")
	}
	return raw[:i+4], raw[i+4:], nil
}

var clHeader = regexp.MustCompile(`(?mi)^Content-Length:[ \t]*[0-9]+\r\n`)

// withBody rebuilds a request with a new body and a true Content-Length.
func withBody(head, body []byte) []byte {
	h := clHeader.ReplaceAll(head, []byte(fmt.Sprintf("Content-Length: %d\r\n", len(body))))
	return append(append([]byte(nil), h...), body...)
}

// editBody applies f to the body and fixes Content-Length.
func editBody(f func(head, body []byte) ([]byte, []byte)) func([]byte) ([]byte, error) {
	return func(raw []byte) ([]byte, error) {
		head, body, err := split(raw)
		if err != nil {
			return nil, err
		}
		head, body = f(append([]byte(nil), head...), append([]byte(nil), body...))
		return withBody(head, body), nil
	}
}

var (
	xmlDeclEncoding = regexp.MustCompile(`<\?xml version="1.0"( encoding="[^"]*")?\?>`)
	contentIDValue  = regexp.MustCompile(`(?mi)^(Content-I[dD]:[ \t]*)<([^>\r\n]*)>(\r?)$`)
	startParam      = regexp.MustCompile(`;\s*start="[^"]*"`)
	envelopeStart   = regexp.MustCompile(`<([A-Za-z_][\w.-]*:)?Envelope[\s>]`)
)

// profiles are the sender's misbehaviours.
var profiles = []Profile{
	{Name: "utf16-declaration", Desc: `XML declaration encoding="utf-16" over UTF-8 bytes (Vibes does this on every message; the corpus's Vibes-style cases carry it already, this adds it to the rest)`,
		Rewrite: editBody(func(h, b []byte) ([]byte, []byte) {
			const decl = `<?xml version="1.0" encoding="utf-16"?>`
			if xmlDeclEncoding.Match(b) {
				return h, xmlDeclEncoding.ReplaceAll(b, []byte(decl))
			}
			if loc := envelopeStart.FindIndex(b); loc != nil { // no declaration: add one
				return h, append(append(append([]byte(nil), b[:loc[0]]...), decl...), b[loc[0]:]...)
			}
			return h, b
		})},
	{Name: "bare-content-id", Desc: "Content-ID values without angle brackets (Vibes' SAAJ root part)",
		Rewrite: editBody(func(h, b []byte) ([]byte, []byte) {
			return h, contentIDValue.ReplaceAll(b, []byte("${1}${2}${3}"))
		})},
	{Name: "no-start", Desc: "multipart/related without a start parameter (Vibes never sends one)",
		Rewrite: editBody(func(h, b []byte) ([]byte, []byte) { return startParam.ReplaceAll(h, nil), b })},
	{Name: "rel6-on-550", Desc: "a 5.5.0 message in the REL-6-MM7-1-4 namespace with MM7Version 6.8.0 (Vibes' 5.5.0 example)",
		Rewrite: editBody(func(h, b []byte) ([]byte, []byte) {
			b = bytes.ReplaceAll(b, []byte("REL-5-MM7-1-2"), []byte("REL-6-MM7-1-4"))
			return h, bytes.ReplaceAll(b, []byte(">5.3.0<"), []byte(">6.8.0<"))
		})},
	{Name: "chunked", Desc: "Transfer-Encoding: chunked instead of Content-Length (Vibes never chunks)",
		Rewrite: func(raw []byte) ([]byte, error) {
			head, body, err := split(raw)
			if err != nil {
				return nil, err
			}
			h := clHeader.ReplaceAll(head, []byte("Transfer-Encoding: chunked\r\n"))
			var b bytes.Buffer
			for len(body) > 0 {
				n := min(len(body), 4096)
				fmt.Fprintf(&b, "%x\r\n", n)
				b.Write(body[:n])
				b.WriteString("\r\n")
				body = body[n:]
			}
			b.WriteString("0\r\n\r\n")
			return append(append([]byte(nil), h...), b.Bytes()...), nil
		}},
	{Name: "oversized", Desc: "the body padded past 17 MB (white space after the message, which every parser skips)",
		Rewrite: editBody(func(h, b []byte) ([]byte, []byte) {
			return h, append(b, bytes.Repeat([]byte("\r\n"), (17<<20)/2)...)
		})},
	{Name: "wrong-content-length", Desc: "Content-Length 10 bytes short of the body",
		Rewrite: func(raw []byte) ([]byte, error) {
			head, body, err := split(raw)
			if err != nil {
				return nil, err
			}
			h := clHeader.ReplaceAll(head, []byte(fmt.Sprintf("Content-Length: %d\r\n", max(0, len(body)-10))))
			return append(append([]byte(nil), h...), body...), nil
		}},
	{Name: "slow-body", Desc: "the body dribbled in 512-byte pieces 20 ms apart (a slow network)",
		Send: func(c net.Conn, req []byte) error {
			head, body, err := split(req)
			if err != nil {
				return writeAll(c, req)
			}
			if _, err := c.Write(head); err != nil {
				return err
			}
			for len(body) > 0 {
				n := min(len(body), 512)
				if _, err := c.Write(body[:n]); err != nil {
					return err
				}
				body = body[n:]
				time.Sleep(20 * time.Millisecond)
			}
			return nil
		}},
	{Name: "reset-mid-body", Desc: "the connection reset after half the request",
		Send: func(c net.Conn, req []byte) error {
			if _, err := c.Write(req[:len(req)/2]); err != nil {
				return err
			}
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0) // close with RST
			}
			c.Close()
			return fmt.Errorf("connection reset mid-body (profile)")
		}},
	{Name: "duplicate-tid", Desc: "every message sent twice with the same TransactionID, as a Vibes retry is", Duplicate: true},
}

// Profiles returns the sender profiles, sorted by name.
func Profiles() []Profile {
	out := slices.Clone(profiles)
	slices.SortFunc(out, func(a, b Profile) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ProfileNames lists the sender profiles, sorted.
func ProfileNames() []string {
	var out []string
	for _, p := range Profiles() {
		out = append(out, p.Name)
	}
	return out
}

// ParseProfiles turns "a,b" into sender profiles. A gateway fault's name
// is refused with a *MisplacedError.
func ParseProfiles(list string) ([]Profile, error) {
	var out []Profile
	for _, name := range splitNames(list) {
		p, ok := lookupProfile(name)
		switch {
		case ok:
			out = append(out, p)
		case GatewayFault(name).Desc() != "":
			return nil, &MisplacedError{Name: name, Gateway: true}
		default:
			return nil, fmt.Errorf("mockvibes: no sender profile %q (have %s)", name, strings.Join(ProfileNames(), ", "))
		}
	}
	return out, nil
}

// lookupProfile finds a sender profile by name.
func lookupProfile(name string) (Profile, bool) {
	i := slices.IndexFunc(profiles, func(p Profile) bool { return p.Name == name })
	if i < 0 {
		return Profile{}, false
	}
	return profiles[i], true
}

// ParseGatewayFaults turns "a,b" into gateway faults. A sender profile's
// name is refused with a *MisplacedError.
func ParseGatewayFaults(list string) ([]GatewayFault, error) {
	var out []GatewayFault
	for _, name := range splitNames(list) {
		f := GatewayFault(name)
		_, profile := lookupProfile(name)
		switch {
		case f.Desc() != "":
			out = append(out, f)
		case profile:
			return nil, &MisplacedError{Name: name}
		default:
			return nil, fmt.Errorf("mockvibes: no gateway fault %q (have %s)", name, strings.Join(GatewayFaultNames(), ", "))
		}
	}
	return out, nil
}

// MisplacedError is a misbehaviour given to the side that does not do it:
// a gateway fault to the sender, or a sender profile to the gateway.
type MisplacedError struct {
	Name string
	// Gateway: the name is a gateway fault (else a sender profile).
	Gateway bool
}

func (e *MisplacedError) Error() string {
	if e.Gateway {
		return fmt.Sprintf("mockvibes: %s is a gateway fault (how the mock gateway answers), not a sender profile", e.Name)
	}
	return fmt.Sprintf("mockvibes: %s is a sender profile (what the sender does to its requests), not a gateway fault", e.Name)
}

// splitNames splits a list of names at commas and white space.
func splitNames(list string) []string {
	return strings.FieldsFunc(list, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// contentLengthOf reads the Content-Length header of a request head.
func contentLengthOf(head []byte) int {
	m := regexp.MustCompile(`(?mi)^Content-Length:[ \t]*([0-9]+)`).FindSubmatch(head)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
