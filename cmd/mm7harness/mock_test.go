package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// startLineRE reads where the mock listens and its token off its start-up
// line.
var startLineRE = regexp.MustCompile(`control API on (http://\S+/control/) \(token (\S+), as "Authorization: Bearer TOKEN"\)`)

// The mock's control API had no token; with none given, the mock makes
// one and prints it, and only requests that carry it get through.
func TestMockPrintsTheTokenItMade(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SKIPPED: the mock is stopped by an interrupt, which Windows cannot send to a process")
	}
	t.Setenv("MM7HARNESS_CONTROL_TOKEN", "") // as if unset: the test's environment must not choose
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	exit := make(chan int, 1)
	go func() {
		exit <- run([]string{"mock", "--addr", "127.0.0.1:0"}, pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	go io.Copy(io.Discard, pr)
	m := startLineRE.FindStringSubmatch(line)
	if err != nil || m == nil {
		t.Fatalf("start-up line %q (%v): want the control API's URL and a token", line, err)
	}
	control, token := m[1], m[2]
	if len(token) < 32 {
		t.Errorf("token %q: want at least 32 characters", token)
	}
	for _, c := range []struct {
		auth string
		want int
	}{{"", 401}, {"Bearer " + token, 200}} {
		req, _ := http.NewRequest("GET", control+"exchanges", nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		rsp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rsp.Body.Close()
		if rsp.StatusCode != c.want {
			t.Errorf("GET %sexchanges with %q: got HTTP %d, want %d", control, c.auth, rsp.StatusCode, c.want)
		}
	}
	p, _ := os.FindProcess(os.Getpid())
	if err := p.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exit:
		if code != 0 || strings.Contains(stderr.String(), "warning") {
			t.Errorf("exit %d, want 0 and no warning on loopback\n%s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the mock did not stop on an interrupt")
	}
}

// A token given is not printed; the line says a token is wanted.
func TestMockStartLine(t *testing.T) {
	given := startLine("127.0.0.1:8090", "secret", false)
	made := startLine("127.0.0.1:8090", "Zm9v", true)
	if strings.Contains(given, "secret") || !strings.Contains(given, "Authorization: Bearer TOKEN") {
		t.Errorf("with a token given: got %q, want the token not shown and the header named", given)
	}
	if m := startLineRE.FindStringSubmatch(made); m == nil || m[2] != "Zm9v" || m[1] != "http://127.0.0.1:8090/control/" {
		t.Errorf("with a token made: got %q, want its URL and token", made)
	}
}

// Listening beyond loopback is warned about.
func TestMockWarnsOffLoopback(t *testing.T) {
	for _, c := range []struct {
		ip   string
		warn bool
	}{
		{"127.0.0.1", false}, {"::1", false}, {"0.0.0.0", true}, {"::", true}, {"192.0.2.7", true},
	} {
		got := exposure(&net.TCPAddr{IP: net.ParseIP(c.ip), Port: 8090})
		if (got != "") != c.warn {
			t.Errorf("%s: got warning %q, want one: %t", c.ip, got, c.warn)
		}
	}
}
