package reference_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/internal/pgtest"
)

// postRaw sends a stored request (its TransactionID kept) to endpoint and
// reports whether it was acknowledged.
func postRaw(ctx context.Context, client *http.Client, endpoint string, raw []byte) bool {
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return false
	}
	u, _ := url.Parse(endpoint)
	req.URL, req.Host, req.RequestURI = u, u.Host, ""
	rsp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return false
	}
	io.Copy(io.Discard, rsp.Body)
	rsp.Body.Close()
	return rsp.StatusCode == http.StatusOK
}

// Two receivers on one PostgreSQL database, behind an imaginary load
// balancer: every message goes to the first, a third of them (and every
// one the first did not acknowledge) again to the second, as Vibes'
// retry landing on the other instance; the first is killed with SIGKILL
// in the middle. Every acknowledged message is stored exactly once, with
// one ID, and reads the same from either receiver.
func TestTwoReceiversOneDatabase(t *testing.T) {
	bin := buildBinary(t)
	db := pgtest.Start(t)
	addrA, addrB := freeAddr(t), freeAddr(t)
	a := serveChild(t, bin, addrA, db)
	serveChild(t, bin, addrB, db)
	endpointA, endpointB := "http://"+addrA+"/mm7", "http://"+addrB+"/mm7"

	var cases []*corpus.Case
	for _, id := range []string{"680-mo-text", "550-dlr-expired-multipart", "680-mo-size-10k", "550-mo-smil"} {
		c, err := corpus.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	ctx, stop := context.WithTimeout(context.Background(), 20*time.Second)
	defer stop()
	var (
		mu              sync.Mutex
		acked           = map[string]bool{}
		sent, resent    atomic.Int64
		ackedBeforeKill int
	)
	client := &http.Client{Timeout: 5 * time.Second}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil && i < 400; i++ {
				raw, tid, err := cases[(w+i)%len(cases)].Stamp(time.Now())
				if err != nil {
					t.Error(err)
					return
				}
				sent.Add(1)
				ok := postRaw(ctx, client, endpointA, raw)
				if !ok || i%3 == 0 {
					resent.Add(1)
					ok = postRaw(ctx, client, endpointB, raw) || ok
				}
				if ok {
					mu.Lock()
					acked[tid] = true
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	mu.Lock()
	ackedBeforeKill = len(acked)
	mu.Unlock()
	a.Process.Signal(syscall.SIGKILL)
	a.Wait()
	wg.Wait()
	if ackedBeforeKill < 50 {
		t.Fatalf("only %d messages acknowledged before the kill: the load did not run", ackedBeforeKill)
	}

	serveChild(t, bin, addrA, db) // the first comes back on the same database
	bad := 0
	for tid := range acked {
		var ids []int64
		for _, addr := range []string{addrA, addrB} {
			var list struct{ Messages []stored }
			getJSON(t, "http://"+addr+"/messages?transaction_id="+url.QueryEscape(tid), &list)
			for _, m := range list.Messages {
				ids = append(ids, m.ID)
			}
		}
		if len(ids) != 2 || ids[0] != ids[1] {
			bad++
			if bad <= 5 {
				t.Errorf("%s: ids %v from the two receivers, want one message seen by both", tid, ids)
			}
		}
	}
	t.Logf("%d messages sent, %d sent again to the second receiver, %d acknowledged (%d before SIGKILL); %d stored more or less than once",
		sent.Load(), resent.Load(), len(acked), ackedBeforeKill, bad)
}
