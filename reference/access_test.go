package reference_test

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/reference"
)

// status is what GET u answers, with the given header.
func status(t *testing.T, u string, header ...string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rsp.Body.Close()
	return rsp.StatusCode
}

// Who reaches the stored messages and the metrics: the token's holder,
// the Basic credentials' holder, anyone on this machine when the receiver
// listens on loopback with neither — and nobody from outside --allow-ip,
// on any route.
func TestReadAPIIsClosedToStrangers(t *testing.T) {
	basic := "Basic " + "dTpw" // u:p
	// Regression: --user, --password and --allow-ip 127.0.0.1 left GET
	// /messages and /metrics open to anyone.
	s := start(t, func(c *reference.ServerConfig) {
		c.User, c.Password = "u", "p"
		c.AllowIPs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	for _, route := range []string{"/messages", "/messages/1", "/messages/1/parts/1", "/metrics"} {
		if code := status(t, base(s)+route); code != 401 {
			t.Errorf("%s without credentials: HTTP %d, want 401", route, code)
		}
	}
	if code := status(t, base(s)+"/messages", "Authorization", basic); code != 200 {
		t.Errorf("/messages with the Basic credentials: HTTP %d", code)
	}
	if code := status(t, base(s)+"/metrics", "Authorization", basic); code != 200 {
		t.Errorf("/metrics with the Basic credentials: HTTP %d", code)
	}
	// With a token, the Basic credentials (the MM7 sender's: Vibes') do not
	// open the read API.
	both := start(t, func(c *reference.ServerConfig) { c.User, c.Password, c.APIToken = "u", "p", "t" })
	if code := status(t, base(both)+"/messages", "Authorization", basic); code != 401 {
		t.Errorf("/messages with Basic credentials under a token: HTTP %d, want 401", code)
	}
	if code := status(t, base(both)+"/messages", "Authorization", "Bearer t"); code != 200 {
		t.Errorf("/messages with the token: HTTP %d", code)
	}
	// --allow-ip covers every route.
	far := start(t, func(c *reference.ServerConfig) {
		c.AllowIPs = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	})
	for _, route := range []string{"/messages", "/metrics", "/healthz", "/mm7"} {
		if code := status(t, base(far)+route); code != 403 {
			t.Errorf("%s from outside --allow-ip: HTTP %d, want 403", route, code)
		}
	}
	// A receiver listening beyond loopback serves no read API without a
	// token; MM7 and the health check still work.
	wide := start(t, func(c *reference.ServerConfig) { c.Addr = "0.0.0.0:0" })
	_, port, _ := net.SplitHostPort(wide.Listener.Addr().String())
	local := "http://127.0.0.1:" + port
	if code := status(t, local+"/messages"); code != 403 {
		t.Errorf("/messages beyond loopback without a token: HTTP %d, want 403", code)
	}
	if code := status(t, local+"/metrics"); code != 403 {
		t.Errorf("/metrics beyond loopback without a token: HTTP %d, want 403", code)
	}
	if code := status(t, local+"/healthz"); code != 200 {
		t.Errorf("/healthz: HTTP %d", code)
	}
	// On loopback with nothing set, this machine may read.
	if code := status(t, base(start(t, nil))+"/messages"); code != 200 {
		t.Errorf("/messages on loopback: HTTP %d", code)
	}
}

// A filter that cannot be read is refused, naming it, rather than dropped
// (which answered every message).
func TestMalformedFilterIsABadRequest(t *testing.T) {
	s := start(t, nil)
	for q, name := range map[string]string{"transaction_id=1;x": "transaction_id", "kind=%zz": "kind", "transactionid=1": "transactionid", "kind=a&kind=b": "kind"} {
		rsp, err := http.Get(base(s) + "/messages?" + q)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error string }
		json.NewDecoder(rsp.Body).Decode(&body)
		rsp.Body.Close()
		if rsp.StatusCode != 400 || !strings.HasPrefix(body.Error, name+":") {
			t.Errorf("?%s: HTTP %d %q, want 400 naming %s", q, rsp.StatusCode, body.Error, name)
		}
	}
}

// serve says at start-up who can read the stored messages.
func TestServeSaysWhoReadsTheAPI(t *testing.T) {
	bin := buildBinary(t)
	for args, want := range map[string]string{
		"--addr 127.0.0.1:0":                                     "open, on a loopback address",
		"--addr 127.0.0.1:0 --api-token t":                       "behind the bearer token",
		"--addr 0.0.0.0:0":                                       "off: this receiver listens beyond loopback",
		"--addr 127.0.0.1:0 --user u --password p":               "behind the Basic credentials",
		"--addr 127.0.0.1:0 --user u --password p --api-token t": "behind the bearer token",
	} {
		cmd := exec.Command(bin, append([]string{"serve", "--db", filepath.Join(t.TempDir(), "s.db")}, strings.Fields(args)...)...)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 8)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		found := false
		timeout := time.After(10 * time.Second)
	read:
		for !found {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				found = strings.Contains(l, "read API and /metrics "+want)
			case <-timeout:
				break read
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
		if !found {
			t.Errorf("serve %s: no start-up line saying the read API is %q", args, want)
		}
	}
}
