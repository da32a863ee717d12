// Package peers starts MM7 endpoints written on other stacks than the
// project's own, as interop peers for tests: a certification that fails one
// of them fails a correct endpoint.
package peers

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/xsd"
)

// The endpoint's Java sources (saaj/*.java), compiled with plain javac.
//
//go:embed saaj/*.java
var saajSources embed.FS

// saajPackages are the Debian packages the endpoint needs: a JDK (javac)
// and the SAAJ 1.4.1 reference implementation, which pulls in the SAAJ API,
// mimepull, stax-ex and JavaBeans Activation.
const saajPackages = "default-jdk-headless libsaaj-ri-java"

// debianJars is where Debian installs Java libraries.
const debianJars = "/usr/share/java"

// saajJars are the jars the endpoint compiles and runs against, each by the
// names Debian has given it.
var saajJars = [][]string{
	{"saaj-impl"},
	{"javax.xml.soap-api", "saaj-api"},
	{"mimepull"},
	{"stax-ex"},
	{"javax.activation", "jakarta.activation", "activation"},
}

// How long the endpoint may take to start, and to stop once told to.
const (
	saajStartTimeout = 60 * time.Second
	saajStopTimeout  = 10 * time.Second
)

// SAAJOptions configure the Java SAAJ endpoint.
type SAAJOptions struct {
	// WrongTransactionID makes every answer carry a TransactionID other than the request's (a defect for the self-test).
	WrongTransactionID bool
}

// StartSAAJ compiles (once per process) and starts the Java endpoint on a loopback port, waits until it answers,
// registers its shutdown with t.Cleanup, and returns its MM7 URL ("http://127.0.0.1:PORT/mm7").
//
// Without java, javac or the SAAJ jars the test is skipped, or fails when
// the environment variable CI is "true": CI installs them.
func StartSAAJ(t testing.TB, opt SAAJOptions) string {
	t.Helper()
	b, err := saajBuild()
	var missing *missingError
	switch {
	case errors.As(err, &missing) && os.Getenv("CI") == "true":
		t.Fatalf("peers: %v (CI must install the Debian packages %s)", err, saajPackages)
	case errors.As(err, &missing):
		t.Skipf("SKIPPED: %v; install the Debian packages %s", err, saajPackages)
	case err != nil:
		t.Fatalf("peers: %v", err)
	}

	args := []string{"-Xmx512m", "-cp", b.classpath, "MM7Endpoint", "--port", "0", "--schemas", b.schemas}
	if opt.WrongTransactionID {
		args = append(args, "--wrong-tid")
	}
	cmd := exec.Command(b.java, args...)
	out := &announcement{port: make(chan int, 1)}
	log := &tail{max: 64 << 10}
	cmd.Stdout = io.MultiWriter(out, log)
	cmd.Stderr = log
	// The endpoint stops when its stdin closes, which also happens when
	// this process dies: no endpoint outlives its test.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("peers: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("peers: start the SAAJ endpoint: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-exited:
		case <-time.After(saajStopTimeout):
			cmd.Process.Kill()
			<-exited
			t.Errorf("peers: the SAAJ endpoint did not stop within %v of its stdin closing; killed", saajStopTimeout)
		}
		if t.Failed() {
			t.Logf("SAAJ endpoint output:\n%s", log)
		}
	})

	select {
	case port := <-out.port:
		return "http://127.0.0.1:" + strconv.Itoa(port) + "/mm7"
	case err := <-exited:
		exited <- err // for the cleanup
		t.Fatalf("peers: the SAAJ endpoint exited before listening (%v):\n%s", err, log)
	case <-time.After(saajStartTimeout):
		t.Fatalf("peers: the SAAJ endpoint did not listen within %v:\n%s", saajStartTimeout, log)
	}
	return ""
}

// saajBuilt is a compiled endpoint and what it runs with.
type saajBuilt struct {
	java      string // the java launcher
	classpath string // the compiled classes, then the jars
	schemas   string // a folder holding the project's schema files
}

// missingError says a tool or jar the endpoint needs is not installed.
type missingError struct{ what string }

func (e *missingError) Error() string { return e.what + " not found" }

var saajBuild = sync.OnceValues(func() (*saajBuilt, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, &missingError{"java"}
	}
	javac, err := exec.LookPath("javac")
	if err != nil {
		return nil, &missingError{"javac"}
	}
	var jars []string
	for _, names := range saajJars {
		jar := findJar(names)
		if jar == "" {
			return nil, &missingError{fmt.Sprintf("%s.jar (in %s)", names[0], debianJars)}
		}
		jars = append(jars, jar)
	}
	dir, err := compileSAAJ(javac, jars)
	if err != nil {
		return nil, err
	}
	return &saajBuilt{
		java:      java,
		classpath: strings.Join(append([]string{filepath.Join(dir, "classes")}, jars...), string(os.PathListSeparator)),
		schemas:   filepath.Join(dir, "schema"),
	}, nil
})

// findJar returns the first of names found in debianJars, unversioned
// (Debian's link to the current version) or versioned.
func findJar(names []string) string {
	for _, n := range names {
		if p := filepath.Join(debianJars, n+".jar"); isFile(p) {
			return p
		}
		if m, _ := filepath.Glob(filepath.Join(debianJars, n+"-[0-9]*.jar")); len(m) > 0 {
			return m[len(m)-1]
		}
	}
	return ""
}

// compileSAAJ compiles the sources into a folder of the user's cache named
// after what goes into it (sources, compiler, jars, schemas), next to the
// schema files the endpoint validates with, and returns that folder. A
// folder already there is reused, so the compiler runs once per change, not
// once per test run.
func compileSAAJ(javac string, jars []string) (string, error) {
	sources, err := fs.Glob(saajSources, "saaj/*.java")
	if err != nil {
		return "", err
	}
	schemas := xsd.EmbeddedFiles()
	h := sha256.New()
	for _, s := range sources {
		b, _ := saajSources.ReadFile(s)
		fmt.Fprintf(h, "%s %d\n", s, len(b))
		h.Write(b)
	}
	// A JDK or jar upgraded in place must not meet classes built for the old one.
	for _, f := range append([]string{javac}, jars...) {
		st, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "file %s %d %d\n", f, st.Size(), st.ModTime().UnixNano())
	}
	for _, name := range slices.Sorted(maps.Keys(schemas)) {
		fmt.Fprintf(h, "schema %s %x\n", name, sha256.Sum256(schemas[name]))
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	final := filepath.Join(cache, "mm7harness", "saaj-"+hex.EncodeToString(h.Sum(nil))[:16])
	if isFile(filepath.Join(final, "classes", "MM7Endpoint.class")) {
		return final, nil
	}

	// Build in a fresh folder and rename it into place, so that test
	// processes running side by side never see half a build.
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(final), "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	var files []string
	for _, dir := range []string{"src", "classes", "schema"} {
		if err := os.Mkdir(filepath.Join(tmp, dir), 0o755); err != nil {
			return "", err
		}
	}
	for _, s := range sources {
		b, _ := saajSources.ReadFile(s)
		p := filepath.Join(tmp, "src", filepath.Base(s))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return "", err
		}
		files = append(files, p)
	}
	for name, b := range schemas {
		if err := os.WriteFile(filepath.Join(tmp, "schema", name), b, 0o644); err != nil {
			return "", err
		}
	}
	args := append([]string{"-nowarn", "-encoding", "UTF-8", "-d", filepath.Join(tmp, "classes"),
		"-cp", strings.Join(jars, string(os.PathListSeparator))}, files...)
	if out, err := exec.Command(javac, args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("javac: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, final); err != nil && !isFile(filepath.Join(final, "classes", "MM7Endpoint.class")) {
		return "", err
	}
	return final, nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// announcement watches the endpoint's stdout for its "LISTENING <port>"
// line.
type announcement struct {
	mu   sync.Mutex
	line []byte
	done bool
	port chan int
}

func (a *announcement) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done {
		return len(p), nil
	}
	a.line = append(a.line, p...)
	for {
		i := bytes.IndexByte(a.line, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := strings.TrimSpace(string(a.line[:i]))
		a.line = a.line[i+1:]
		if rest, ok := strings.CutPrefix(line, "LISTENING "); ok {
			if port, err := strconv.Atoi(rest); err == nil {
				a.port <- port
				a.done = true
				return len(p), nil
			}
		}
	}
}

// tail keeps the last max bytes written to it: the endpoint's output, shown
// when a test fails.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
