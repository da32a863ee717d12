package mockvibes_test

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/mockvibes"
)

// A watched gateway records every submission with its answer, and a
// scripted one answers as the script says: a status, a bare HTTP status,
// no answer, a reset, a slow answer, or as Vibes would.
func TestScriptedGateway(t *testing.T) {
	var mu sync.Mutex
	var seen []*mockvibes.SubmitAttempt
	next := mockvibes.Reaction{}
	g := &mockvibes.Gateway{
		React: func(at *mockvibes.SubmitAttempt) mockvibes.Reaction {
			mu.Lock()
			defer mu.Unlock()
			return next
		},
		OnSubmit: func(at *mockvibes.SubmitAttempt) {
			mu.Lock()
			seen = append(seen, at)
			mu.Unlock()
		},
	}
	srv := gateway(t, g)
	c, _ := corpus.Get("680-submit-dlr-true")
	raw, _, _ := c.Stamp(time.Now())
	h, _ := swa.ReadHTTP(raw)
	send := func(r mockvibes.Reaction) (int, error, *mockvibes.SubmitAttempt) {
		mu.Lock()
		next, seen = r, nil
		mu.Unlock()
		req, _ := http.NewRequest("POST", srv.URL+"/mm7", bytes.NewReader(h.Body))
		req.Header.Set("Content-Type", h.ContentType())
		req.SetBasicAuth("VibesUser", "Password123")
		client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		rsp, err := client.Do(req)
		status := 0
		if err == nil {
			status = rsp.StatusCode
			rsp.Body.Close()
		}
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			n := len(seen)
			mu.Unlock()
			if n > 0 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != 1 {
			t.Fatalf("%v: %d submissions recorded", r, len(seen))
		}
		return status, err, seen[0]
	}

	status, err, at := send(mockvibes.Reaction{})
	if err != nil || status != 200 || at.MessageID == "" || at.Status != 200 || at.Reaction != "" {
		t.Errorf("as Vibes: %d %v %+v", status, err, at)
	}
	if !bytes.HasSuffix(at.Raw, h.Body) || !strings.HasPrefix(string(at.Raw), "POST /mm7 HTTP/1.1\r\n") || at.BodySize != int64(len(h.Body)) || at.Recipient == "" || at.TransactionID() == "" {
		t.Errorf("the record does not hold the request: recipient %q, size %d\n%.300s", at.Recipient, at.BodySize, at.Raw)
	}
	status, _, at = send(mockvibes.Reaction{Status: mm7.VibesPlatformCapacity, Text: "Platform reached capacity"})
	if status != 500 || !strings.Contains(string(at.Response), "<StatusCode>4005</StatusCode>") || at.MessageID != "" || !strings.Contains(string(at.Response), at.TransactionID()) {
		t.Errorf("4005: HTTP %d\n%s", status, at.Response)
	}
	if status, _, at = send(mockvibes.Reaction{HTTP: 503}); status != 503 || at.Status != 503 {
		t.Errorf("503: HTTP %d, recorded %d", status, at.Status)
	}
	if _, err, at = send(mockvibes.Reaction{Reset: true}); err == nil || at.Status != 0 || at.Reaction != "connection reset" {
		t.Errorf("reset: %v, recorded %+v", err, at)
	}
	start := time.Now()
	if _, err, at = send(mockvibes.Reaction{Hold: time.Minute}); err == nil || at.Status != 0 || time.Since(start) > 10*time.Second {
		t.Errorf("hold: %v after %v, recorded status %d", err, time.Since(start), at.Status)
	}
	if status, _, at = send(mockvibes.Reaction{Delay: 300 * time.Millisecond}); status != 200 || at.Took < 300*time.Millisecond || at.MessageID == "" {
		t.Errorf("delay: HTTP %d after %v", status, at.Took)
	}
}
