package mm7

import (
	"strconv"
	"strings"
)

// NamespaceSOAP is the SOAP 1.1 envelope namespace (SOAP 1.1 section 4.1.2).
const NamespaceSOAP = "http://schemas.xmlsoap.org/soap/envelope/"

// namespaceBase is where 3GPP published the MM7 schemas; each release's
// namespace is this base followed by the schema's name (TS 23.140 annex).
const namespaceBase = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/"

// Release names one published MM7 schema, e.g. "REL-5-MM7-1-2". The
// schema's namespace is derived from it.
type Release string

// Namespace is the release's target namespace.
func (r Release) Namespace() string { return namespaceBase + string(r) }

// Major is 5 or 6 (the 3GPP release number); 0 when r is not well formed.
func (r Release) Major() int {
	major, _, ok := r.parts()
	if !ok {
		return 0
	}
	return major
}

// parts splits "REL-6-MM7-1-4" into (6, 4).
func (r Release) parts() (major, minor int, ok bool) {
	rest, found := strings.CutPrefix(string(r), "REL-")
	if !found {
		return 0, 0, false
	}
	maj, rest, found := strings.Cut(rest, "-MM7-1-")
	if !found {
		return 0, 0, false
	}
	var err1, err2 error
	major, err1 = strconv.Atoi(maj)
	minor, err2 = strconv.Atoi(rest)
	if err1 != nil || err2 != nil || major < 0 || minor < 0 {
		return 0, 0, false
	}
	return major, minor, true
}

// Known reports whether r is one of the REL-5 or REL-6 schemas 3GPP
// published (REL-5-MM7-1-0 … 1-4 and REL-6-MM7-1-0 … 1-4).
func (r Release) Known() bool {
	major, minor, ok := r.parts()
	return ok && (major == 5 || major == 6) && minor <= 4
}

// ReleaseOf returns the release whose namespace ns is. ok is false for any
// other namespace, including MM7-looking namespaces of unknown releases.
func ReleaseOf(ns string) (r Release, ok bool) {
	name, found := strings.CutPrefix(ns, namespaceBase)
	if !found {
		return "", false
	}
	r = Release(name)
	return r, r.Known()
}

// IsMM7Namespace reports whether ns has the shape of an MM7 namespace,
// known release or not; the decoder uses it to tell "unsupported version"
// from "not MM7 at all".
func IsMM7Namespace(ns string) bool {
	name, found := strings.CutPrefix(ns, namespaceBase)
	if !found {
		return false
	}
	_, _, ok := Release(name).parts()
	return ok
}

// allowedMM7Versions lists, per release, the MM7Version values its schema's
// version enumeration accepts (3GPP publishes one schema per release;
// harness/xsd/schema holds the two the flavours use).
var allowedMM7Versions = map[Release][]string{
	"REL-5-MM7-1-0": {"5.3.0"},
	"REL-5-MM7-1-1": {"5.3.0"},
	"REL-5-MM7-1-2": {"5.3.0"},
	"REL-5-MM7-1-3": {"5.6.0", "5.5.0", "5.3.0"},
	"REL-5-MM7-1-4": {"5.8.0", "5.6.0", "5.5.0", "5.3.0"},
	"REL-6-MM7-1-0": {"6.3.0", "5.6.0", "5.5.0", "5.3.0"},
	"REL-6-MM7-1-1": {"6.4.0", "6.3.0", "5.8.0", "5.6.0", "5.5.0", "5.3.0"},
	"REL-6-MM7-1-2": {"6.5.0", "6.4.0", "6.3.0", "5.10.0", "5.8.0", "5.6.0", "5.5.0", "5.3.0"},
	"REL-6-MM7-1-3": {"6.6.0", "6.5.0", "6.4.0", "6.3.0", "5.10.0", "5.8.0", "5.6.0", "5.5.0", "5.3.0"},
	"REL-6-MM7-1-4": {"6.8.0", "6.6.0", "6.5.0", "6.4.0", "6.3.0", "5.10.0", "5.8.0", "5.6.0", "5.5.0", "5.3.0"},
}

// AllowsMM7Version reports whether r's schema accepts v as MM7Version.
func (r Release) AllowsMM7Version(v string) bool {
	for _, a := range allowedMM7Versions[r] {
		if a == v {
			return true
		}
	}
	return false
}

// DefaultMM7Version is the newest MM7Version r's schema allows; for the
// flavours' releases it is the flavour's own (5.3.0, 6.8.0).
func (r Release) DefaultMM7Version() string {
	if v := allowedMM7Versions[r]; len(v) > 0 {
		return v[0]
	}
	return ""
}
