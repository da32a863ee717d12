package reference_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/internal/pgtest"
	"github.com/mm7harness/mm7harness/reference"
)

// backend opens stores of one kind; open may be called again for the
// same database (a restart, or a second receiver on it).
type backend struct {
	name string
	// db returns a fresh database's name: a file or a URL.
	db func(t *testing.T) string
}

var backends = []backend{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "mm7.db") }},
	{"postgres", func(t *testing.T) string { return pgtest.Start(t) }},
}

func openStore(t *testing.T, db string) reference.Store {
	t.Helper()
	s, err := reference.OpenStore(db, reference.SyncNormal)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func record(tid string, parts ...[]byte) *reference.Record {
	r := &reference.Record{ReceivedAt: time.Now().UTC().Truncate(time.Microsecond), Kind: "DeliverReq", Flavour: "6.8.0",
		Release: "REL-6-MM7-1-4", TransactionID: tid, MessageID: "m-" + tid, Sender: "+13125550123", SenderKind: "Number",
		Recipients: []reference.Recipient{{Field: "To", Kind: "ShortCode", Value: "63901"}}, Subject: "s",
		ContentType: `multipart/related; type="text/xml"`, SOAP: []byte("<soap/>"), Raw: []byte("raw " + tid)}
	for i, b := range parts {
		sum := sha256.Sum256(b)
		r.Parts = append(r.Parts, reference.StoredPart{N: i + 1, Path: fmt.Sprint(i + 2), ContentType: "application/octet-stream",
			ContentID: fmt.Sprintf("<p%d>", i), Encoding: "binary", Header: "Content-Type: application/octet-stream", Size: int64(len(b)),
			SHA256: hex.EncodeToString(sum[:]), Body: b})
	}
	return r
}

// Every store keeps the same contract, whatever the backend: durable on
// return, one message per kind and TransactionID however many saves race,
// attachments byte for byte, keyset paging and filters.
func TestStoreContract(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db := b.db(t)
			ctx := context.Background()

			t.Run("durable on return", func(t *testing.T) {
				s := openStore(t, db)
				id, dup, err := s.Save(ctx, record("durable"))
				if err != nil || dup {
					t.Fatalf("save: %v, duplicate %v", err, dup)
				}
				s.Close()
				again := openStore(t, db)
				defer again.Close()
				r, err := again.Get(ctx, id)
				if err != nil || r.TransactionID != "durable" || string(r.Raw) != "raw durable" || string(r.SOAP) != "<soap/>" {
					t.Fatalf("after reopening: %v, %+v", err, r)
				}
			})

			t.Run("one message per TransactionID under concurrency", func(t *testing.T) {
				// Two stores on one database: two receivers, Vibes' resend
				// landing on the other.
				s1, s2 := openStore(t, db), openStore(t, db)
				defer s1.Close()
				defer s2.Close()
				var wg sync.WaitGroup
				var mu sync.Mutex
				ids := map[int64]int{}
				fresh := 0
				for i := range 24 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						s := s1
						if i%2 == 1 && b.name == "postgres" {
							s = s2
						}
						id, dup, err := s.Save(ctx, record("raced", []byte("attachment")))
						mu.Lock()
						defer mu.Unlock()
						if err != nil {
							t.Error(err)
							return
						}
						ids[id]++
						if !dup {
							fresh++
						}
					}()
				}
				wg.Wait()
				list, err := s1.List(ctx, reference.Query{TransactionID: "raced"})
				if len(ids) != 1 || fresh != 1 || err != nil || len(list) != 1 {
					t.Errorf("ids %v, %d saves not duplicates, %d stored (%v)", ids, fresh, len(list), err)
				}
			})

			t.Run("attachments byte for byte", func(t *testing.T) {
				s := openStore(t, db)
				defer s.Close()
				every := make([]byte, 256*4096)
				for i := range every {
					every[i] = byte(i)
				}
				id, _, err := s.Save(ctx, record("bytes", every, []byte{}, []byte("\r\n--boundary--\r\n")))
				if err != nil {
					t.Fatal(err)
				}
				r, err := s.Get(ctx, id)
				if err != nil || len(r.Parts) != 3 || r.Parts[0].Body != nil || r.Parts[0].Size != int64(len(every)) {
					t.Fatalf("get: %v, %+v", err, r)
				}
				for i, want := range [][]byte{every, {}, []byte("\r\n--boundary--\r\n")} {
					p, err := s.Part(ctx, id, i+1)
					if err != nil || !bytes.Equal(p.Body, want) || p.SHA256 != r.Parts[i].SHA256 {
						t.Errorf("part %d: %v, %d bytes", i+1, err, len(p.Body))
					}
				}
				if _, err := s.Part(ctx, id, 4); !errors.Is(err, reference.ErrNotFound) {
					t.Errorf("a part that is not there: %v", err)
				}
				if _, err := s.Get(ctx, 1<<40); !errors.Is(err, reference.ErrNotFound) {
					t.Errorf("a message that is not there: %v", err)
				}
			})

			t.Run("paging and filters", func(t *testing.T) {
				s := openStore(t, db)
				defer s.Close()
				for i := range 25 {
					r := record(fmt.Sprintf("page-%02d", i))
					if i%5 == 0 {
						r.Kind, r.Flavour, r.Sender = "DeliveryReportReq", "5.5.0", "+13125550999"
					}
					if _, _, err := s.Save(ctx, r); err != nil {
						t.Fatal(err)
					}
				}
				var seen []string
				after := int64(0)
				for {
					page, err := s.List(ctx, reference.Query{AfterID: after, Limit: 7})
					if err != nil {
						t.Fatal(err)
					}
					if len(page) == 0 {
						break
					}
					for _, r := range page {
						if r.ID <= after {
							t.Fatalf("id %d after %d", r.ID, after)
						}
						after = r.ID
						seen = append(seen, r.TransactionID)
					}
				}
				n, err := s.Count(ctx)
				if err != nil || int64(len(seen)) != n || n < 25 {
					t.Errorf("paged through %d, count %d (%v)", len(seen), n, err)
				}
				for _, c := range []struct {
					q    reference.Query
					want int
				}{
					{reference.Query{Kind: "DeliveryReportReq"}, 5},
					{reference.Query{Flavour: "5.5.0"}, 5},
					{reference.Query{Sender: "+13125550999"}, 5},
					{reference.Query{TransactionID: "page-07"}, 1},
					{reference.Query{MessageID: "m-page-08"}, 1},
					{reference.Query{Kind: "DeliveryReportReq", TransactionID: "page-07"}, 0},
				} {
					got, err := s.List(ctx, c.q)
					if err != nil || len(got) != c.want {
						t.Errorf("%+v: %d, want %d (%v)", c.q, len(got), c.want, err)
					}
				}
				got, _ := s.List(ctx, reference.Query{TransactionID: "page-03"})
				if len(got) == 1 && (got[0].Recipients[0].Value != "63901" || got[0].SOAP != nil || got[0].ReceivedAt.IsZero()) {
					t.Errorf("a summary: %+v", got[0])
				}
			})

			t.Run("healthy", func(t *testing.T) {
				s := openStore(t, db)
				defer s.Close()
				if err := s.Ping(ctx); err != nil {
					t.Error(err)
				}
			})
		})
	}
}

// SQLite checkpoints in the background: the WAL stays bounded by what is
// written between two checkpoints, not by everything since the start, and
// Close leaves it empty.
func TestSQLiteCheckpointsInTheBackground(t *testing.T) {
	defer reference.SetMaxWAL(16 << 20)()
	db := filepath.Join(t.TempDir(), "mm7.db")
	s := openStore(t, db)
	body := bytes.Repeat([]byte{0xa5}, 200<<10)
	for i := range 300 { // 60 MB over about 3 s
		if _, _, err := s.Save(context.Background(), record(fmt.Sprintf("wal-%d", i), body)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	st, err := os.Stat(db + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > 24<<20 {
		t.Errorf("the WAL holds %d MB after 60 MB of saves: not checkpointed", st.Size()>>20)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(db + "-wal"); err == nil && st.Size() != 0 {
		t.Errorf("the WAL holds %d bytes after Close", st.Size())
	}
}

// SQLite writes a large attachment once, to a file named by its SHA-256,
// flushed before the commit; the database keeps only its metadata, and the
// same body received again is the same file.
func TestSQLiteWritesLargeBodiesOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "mm7.db")
	s := openStore(t, db)
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	small := []byte("small")
	var ids []int64
	for i := range 20 {
		id, _, err := s.Save(context.Background(), record(fmt.Sprintf("large-%d", i), body, small))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	files, _ := filepath.Glob(filepath.Join(db+".blobs", "*", "*"))
	if len(files) != 1 {
		t.Errorf("%d files for one body received 20 times: %v", len(files), files)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var inDB int64
	for _, f := range []string{db, db + "-wal"} {
		if st, err := os.Stat(f); err == nil {
			inDB += st.Size()
		}
	}
	if inDB > 2<<20 {
		t.Errorf("the database holds %d MB after 20 MB of large bodies: they were not kept out of it", inDB>>20)
	}
	again := openStore(t, db)
	defer again.Close()
	for _, id := range ids[:3] {
		for n, want := range [][]byte{body, small} {
			p, err := again.Part(context.Background(), id, n+1)
			if err != nil || !bytes.Equal(p.Body, want) {
				t.Fatalf("message %d part %d: %v, %d bytes", id, n+1, err, len(p.Body))
			}
		}
	}
}
