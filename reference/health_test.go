package reference

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
)

// Regression: /healthz said 200 while every write failed on a full disk.
// SQLite's page limit makes the disk "full" here (the attachment stays
// below BlobMin, so that it goes into the database).
func TestHealthzSaysWhenTheStoreCannotWrite(t *testing.T) {
	s, err := OpenSQLite(filepath.Join(t.TempDir(), "h.db"), SyncNormal)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := NewHandler(Config{}, s)
	if err != nil {
		t.Fatal(err)
	}
	health := func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		return rec.Code
	}
	save := func(tid string) error {
		_, _, err := s.Save(context.Background(), &Record{ReceivedAt: time.Now(), Kind: "DeliverReq", Flavour: "6.8.0",
			Release: "REL-6-MM7-1-4", TransactionID: tid, SOAP: []byte("<x/>"),
			Parts: []StoredPart{{N: 1, ContentType: "image/jpeg", Body: bytes.Repeat([]byte("j"), BlobMin-1)}}})
		return err
	}
	if err := save("a"); err != nil || health() != http.StatusOK {
		t.Fatalf("a healthy store: %v, /healthz %d", err, health())
	}
	var pages int
	s.w.QueryRow(`PRAGMA page_count`).Scan(&pages)
	if _, err := s.w.Exec(`PRAGMA max_page_count = ` + strconv.Itoa(pages)); err != nil {
		t.Fatal(err)
	}
	if err := save("b"); err == nil {
		t.Fatal("a save into a full store succeeded")
	}
	if code := health(); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz with a full store: HTTP %d, want 503", code)
	}
	// And a message that cannot be stored is not acknowledged: Vibes
	// will send it again.
	c, _ := corpus.Get("680-mo-gif")
	raw, _, _ := c.Stamp(time.Now())
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	hdr, _ := swa.ReadHTTP(raw)
	req := httptest.NewRequest("POST", "/mm7", bytes.NewReader(raw[i+4:]))
	req.Header.Set("Content-Type", hdr.ContentType())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	env, derr := mm7.Decode(rec.Body.Bytes(), "")
	if rec.Code != http.StatusInternalServerError || derr != nil || mm7.ResponseOf(env.Message).Status.Code != mm7.StatusServerError {
		t.Errorf("a message into a full store: HTTP %d %.200s, want 500 with 3000", rec.Code, rec.Body.String())
	}
	if _, err := s.w.Exec(`PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	// Room is made, and nothing is written: the store comes back once the
	// failure is old and its own write succeeds.
	failureMatters, probeEvery = 50*time.Millisecond, 0
	defer func() { failureMatters, probeEvery = 30*time.Second, 5*time.Second }()
	time.Sleep(60 * time.Millisecond)
	if code := health(); code != http.StatusOK {
		t.Errorf("after room was made, without a save: /healthz %d", code)
	}
	// A store that cannot write at all shows before any message fails.
	if _, err := s.w.Exec(`PRAGMA query_only = ON`); err != nil {
		t.Fatal(err)
	}
	if code := health(); code != http.StatusServiceUnavailable {
		t.Errorf("a store that cannot write, nothing saved: /healthz %d, want 503", code)
	}
	if _, err := s.w.Exec(`PRAGMA query_only = OFF`); err != nil {
		t.Fatal(err)
	}
	if err := save("c"); err != nil || health() != http.StatusOK {
		t.Errorf("after a save: %v, /healthz %d", err, health())
	}
}
