package reference_test

import (
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/reference"
)

// 32 concurrent senders × 2,000 messages: every one acknowledged is
// stored, once, with the SOAP part it was sent with.
func TestConcurrentSendersLoseNothing(t *testing.T) {
	const senders, each = 32, 2000
	s := start(t, nil)
	c, _ := corpus.Get("680-dlr-rejected-multipart")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	type sent struct {
		tid  string
		soap [32]byte
	}
	results := make(chan sent, senders*each)
	var wg sync.WaitGroup
	var failures sync.Map
	for w := 0; w < senders; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				req, tid, err := c.NewRequest(s.URL)
				if err != nil {
					failures.Store(tid, err)
					return
				}
				body, _ := req.GetBody()
				b, _ := io.ReadAll(body)
				rsp, err := client.Do(req)
				if err != nil {
					failures.Store(tid, err)
					continue
				}
				io.Copy(io.Discard, rsp.Body)
				rsp.Body.Close()
				if rsp.StatusCode != 200 {
					failures.Store(tid, rsp.Status)
					continue
				}
				results <- sent{tid, sha256.Sum256(soapOf(t, req.Header.Get("Content-Type"), b))}
			}
		}()
	}
	wg.Wait()
	close(results)
	failures.Range(func(k, v any) bool { t.Errorf("%v: %v", k, v); return false })
	want := map[string][32]byte{}
	for r := range results {
		want[r.tid] = r.soap
	}
	if len(want) != senders*each {
		t.Fatalf("%d distinct acknowledged messages, want %d", len(want), senders*each)
	}
	ctx := context.Background()
	if n, _ := s.Store.Count(ctx); n != int64(len(want)) {
		t.Fatalf("store holds %d messages, %d were acknowledged", n, len(want))
	}
	var after int64
	seen := 0
	for {
		list, err := s.Store.List(ctx, reference.Query{AfterID: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 0 {
			break
		}
		for _, r := range list {
			after = r.ID
			full, err := s.Store.Get(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if h, ok := want[r.TransactionID]; !ok || h != sha256.Sum256(full.SOAP) {
				t.Fatalf("message %d (%s) is not what was sent", r.ID, r.TransactionID)
			}
			seen++
		}
	}
	if seen != len(want) {
		t.Fatalf("listed %d messages, want %d", seen, len(want))
	}
}
