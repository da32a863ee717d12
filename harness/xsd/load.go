package xsd

import (
	"bytes"
	"embed"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

//go:embed schema/*.xsd
var embedded embed.FS

// EmbeddedFiles returns the project's own schema files by name, for users
// who want them on disk (e.g. to run another validator).
func EmbeddedFiles() map[string][]byte {
	out := map[string][]byte{}
	entries, _ := embedded.ReadDir("schema")
	for _, e := range entries {
		b, _ := embedded.ReadFile("schema/" + e.Name())
		out[e.Name()] = b
	}
	return out
}

var embeddedOnce = sync.OnceValues(func() (*Schemas, error) {
	return load("embedded", "embedded:/schema/", EmbeddedFiles())
})

// Embedded returns the project's own schemas, compiled once per process.
func Embedded() (*Schemas, error) { return embeddedOnce() }

// LoadDir compiles the schema files found in dir: every *.xsd whose
// targetNamespace is an MM7 release or the SOAP 1.1 envelope. An import of
// the envelope by its web address (as in 3GPP's files) is served from the
// folder's envelope schema; nothing is fetched from the network. Where a
// folder holds two files for one namespace (3GPP's file and a ".local"
// variant), the one without ".local" is used. When only is given, just
// those MM7 releases are compiled.
func LoadDir(dir string, only ...mm7.Release) (*Schemas, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("xsd: %w", err)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil, fmt.Errorf("xsd: schema folder: %w", err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".xsd") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(abs, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("xsd: %w", err)
		}
		files[e.Name()] = b
	}
	return load(abs, "file://"+filepath.ToSlash(abs)+"/", files, only...)
}

// load compiles the envelope and every MM7 release found among files, which
// are addressed as base+name.
func load(origin, base string, files map[string][]byte, only ...mm7.Release) (*Schemas, error) {
	byNS := map[string]string{}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	// Sorting puts "X.local.xsd" after "X.xsd"; the first file seen wins.
	sort.Strings(names)
	for _, name := range names {
		ns := targetNamespace(files[name])
		if ns == "" {
			continue
		}
		if _, dup := byNS[ns]; !dup {
			byNS[ns] = name
		}
	}
	envName, ok := byNS[mm7.NamespaceSOAP]
	if !ok {
		return nil, fmt.Errorf("xsd: %s: no schema for the SOAP envelope namespace %s", origin, mm7.NamespaceSOAP)
	}
	resolve := func(url string) ([]byte, bool) {
		if strings.TrimSuffix(url, "/") == strings.TrimSuffix(mm7.NamespaceSOAP, "/") {
			return files[envName], true
		}
		name, ok := localName(url, base)
		if !ok {
			return nil, false
		}
		b, ok := files[name]
		return b, ok
	}
	s := &Schemas{origin: origin, releases: map[mm7.Release]*compiled{}}
	env, err := compile(base+envName, resolve)
	if err != nil {
		return nil, err
	}
	s.envelope = env
	for ns, name := range byNS {
		r, ok := mm7.ReleaseOf(ns)
		if !ok || (len(only) > 0 && !slices.Contains(only, r)) {
			continue
		}
		c, err := compile(base+name, resolve)
		if err != nil {
			return nil, err
		}
		s.releases[r] = c
	}
	if len(s.releases) == 0 {
		return nil, fmt.Errorf("xsd: %s: no MM7 schema found", origin)
	}
	for _, r := range only {
		if s.releases[r] == nil {
			return nil, fmt.Errorf("xsd: %s: no schema for %s (namespace %s)", origin, r, r.Namespace())
		}
	}
	return s, nil
}

// localName maps a URL libxml2 asks for back to a file of the set, accepting
// the spellings libxml2 uses for the same file (file:///p, file:/p, /p).
func localName(url, base string) (string, bool) {
	norm := func(u string) string {
		u = strings.TrimPrefix(u, "file://")
		u = strings.TrimPrefix(u, "file:")
		return u
	}
	dir := norm(base)
	u := norm(url)
	if !strings.HasPrefix(u, dir) {
		return "", false
	}
	name := strings.TrimPrefix(u, dir)
	if name == "" || strings.Contains(name, "/") || name != path.Base(name) {
		return "", false
	}
	return name, true
}

// targetNamespace reads the targetNamespace of a schema document without
// parsing the rest of it.
func targetNamespace(b []byte) string {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		t, err := d.Token()
		if err == io.EOF || err != nil {
			return ""
		}
		if se, ok := t.(xml.StartElement); ok {
			if se.Name.Local != "schema" {
				return ""
			}
			for _, a := range se.Attr {
				if a.Name.Local == "targetNamespace" && a.Name.Space == "" {
					return a.Value
				}
			}
			return ""
		}
	}
}
