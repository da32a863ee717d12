package mockvibes_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mm7harness/mm7harness/internal/bait"
	"github.com/mm7harness/mm7harness/mockvibes"
)

// The control API was open to anyone who could reach the port, a web page
// in the developer's browser included.
func TestControlAPIWantsTheToken(t *testing.T) {
	srv := gateway(t, &mockvibes.Gateway{})
	for _, c := range []struct {
		name, auth string
		want       int
	}{
		{"no token", "", 401},
		{"wrong token", "Bearer not-the-token", 401},
		{"token as a prefix", "Bearer " + testToken + "x", 401},
		{"Basic credentials", "Basic VmliZXNVc2VyOlBhc3N3b3JkMTIz", 401},
		{"the token", "Bearer " + testToken, 200},
		{"the token, scheme in lower case", "bearer " + testToken, 200},
	} {
		for _, path := range []string{"/control/exchanges", "/control/messages"} {
			req := controlRequest(t, srv, "GET", path, nil)
			req.Header.Set("Authorization", c.auth)
			if c.auth == "" {
				req.Header.Del("Authorization")
			}
			code, body := do(t, req)
			if code != c.want {
				t.Errorf("%s: GET %s: got HTTP %d, want %d\n%s", c.name, path, code, c.want, body)
			}
			var e struct{ Error string }
			if c.want == 401 && (json.Unmarshal(body, &e) != nil || e.Error == "") {
				t.Errorf("%s: GET %s: got %q, want a JSON error", c.name, path, body)
			}
		}
	}
	req := controlRequest(t, srv, "POST", "/control/reset", struct{}{})
	req.Header.Del("Authorization")
	if code, _ := do(t, req); code != 401 {
		t.Errorf("reset without the token: got HTTP %d, want 401", code)
	}
}

// A gateway used as a library without a token keeps its control API off.
func TestControlAPIOffWithoutAToken(t *testing.T) {
	srv := httptest.NewServer(&mockvibes.Gateway{}) // not the helper, which sets a token
	t.Cleanup(srv.Close)
	for _, req := range []*http.Request{
		controlRequest(t, srv, "GET", "/control/exchanges", nil),
		controlRequest(t, srv, "POST", "/control/mo", map[string]string{"case": "680-mo-seed", "target": srv.URL + "/x"}),
	} {
		req.Header.Set("Authorization", "Bearer ")
		if code, body := do(t, req); code != 404 {
			t.Errorf("%s %s: got HTTP %d, want 404\n%s", req.Method, req.URL.Path, code, body)
		}
	}
}

// A form on any web page could post to the control API: only JSON is
// taken, which a page cannot send across origins without a preflight.
func TestControlPostsAreJSONOnly(t *testing.T) {
	srv := gateway(t, &mockvibes.Gateway{})
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
		for _, path := range []string{"/control/mo", "/control/reset"} {
			req := controlRequest(t, srv, "POST", path, map[string]string{"case": "680-mo-seed", "target": srv.URL + "/x"})
			req.Header.Set("Content-Type", ct)
			if code, body := do(t, req); code != 415 {
				t.Errorf("POST %s as %q: got HTTP %d, want 415\n%s", path, ct, code, body)
			}
		}
	}
	req := controlRequest(t, srv, "POST", "/control/reset", struct{}{})
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if code, body := do(t, req); code != 200 {
		t.Errorf("POST /control/reset as JSON with a charset: got HTTP %d, want 200\n%s", code, body)
	}
}

// A browser says which page a request comes from: only the mock's own may
// drive it.
func TestControlRefusesOtherOrigins(t *testing.T) {
	srv := gateway(t, &mockvibes.Gateway{})
	for _, c := range []struct {
		origin string
		want   int
	}{
		{"http://evil.example", 403},
		{"null", 403},
		{"https://" + strings.TrimPrefix(srv.URL, "http://"), 403},
		{srv.URL, 200},
	} {
		for _, req := range []*http.Request{
			controlRequest(t, srv, "GET", "/control/exchanges", nil),
			controlRequest(t, srv, "POST", "/control/reset", struct{}{}),
		} {
			req.Header.Set("Origin", c.origin)
			if code, body := do(t, req); code != c.want {
				t.Errorf("%s %s from %s: got HTTP %d, want %d\n%s", req.Method, req.URL.Path, c.origin, code, c.want, body)
			}
		}
	}
}

// /control/mo sent its bytes to any scheme the URL named: a raw TCP
// write to a mail or FTP server, with the answer handed back.
func TestControlMOSendsOnlyToHTTP(t *testing.T) {
	addr, dialled := bait.TCP(t, "220 ftp.example ready\r\n")
	g := &mockvibes.Gateway{}
	srv := gateway(t, g)
	for _, target := range []string{
		"file:///etc/passwd",
		"ftp://" + addr + "/pub",
		"gopher://" + addr + "/",
		"smtp://" + addr,
		addr,
		"//" + addr + "/mm7",
		"http:///mm7",
	} {
		req := controlRequest(t, srv, "POST", "/control/mo", map[string]string{"raw": "UE9TVCAvIEhUVFAvMS4xDQoNCg==", "target": target})
		if code, body := do(t, req); code != 400 {
			t.Errorf("target %q: got HTTP %d, want 400\n%s", target, code, body)
		}
	}
	if n := dialled.Load(); n != 0 || len(g.Exchanges()) != 0 {
		t.Errorf("got %d connections and %d exchanges, want none", n, len(g.Exchanges()))
	}
}
