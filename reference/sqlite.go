package reference

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver
)

// Sync is how hard SQLite makes a commit durable.
type Sync string

const (
	// SyncNormal: in WAL mode a commit survives the process being killed
	// (kill -9); the last commits may be lost if the machine loses power.
	SyncNormal Sync = "normal"
	// SyncFull: every commit is flushed to disk before Save returns.
	SyncFull Sync = "full"
)

const schema = `
CREATE TABLE IF NOT EXISTS messages (
	id             INTEGER PRIMARY KEY,
	received_at    TEXT NOT NULL,
	kind           TEXT NOT NULL,
	flavour        TEXT NOT NULL,
	release        TEXT NOT NULL,
	transaction_id TEXT NOT NULL,
	message_id     TEXT NOT NULL DEFAULT '',
	linked_id      TEXT NOT NULL DEFAULT '',
	sender         TEXT NOT NULL DEFAULT '',
	sender_kind    TEXT NOT NULL DEFAULT '',
	recipients     TEXT NOT NULL DEFAULT '[]',
	subject        TEXT NOT NULL DEFAULT '',
	date           TEXT NOT NULL DEFAULT '',
	mm_status      TEXT NOT NULL DEFAULT '',
	status_text    TEXT NOT NULL DEFAULT '',
	deviations     TEXT NOT NULL DEFAULT '[]',
	content_type   TEXT NOT NULL DEFAULT '',
	soap           BLOB NOT NULL,
	raw            BLOB,
	UNIQUE (kind, transaction_id)
);
CREATE INDEX IF NOT EXISTS messages_message_id ON messages (message_id);
CREATE TABLE IF NOT EXISTS health (id INTEGER PRIMARY KEY, at TEXT NOT NULL, pad BLOB);
CREATE TABLE IF NOT EXISTS parts (
	message          INTEGER NOT NULL REFERENCES messages (id),
	n                INTEGER NOT NULL,
	path             TEXT NOT NULL,
	content_type     TEXT NOT NULL,
	content_id       TEXT NOT NULL DEFAULT '',
	content_location TEXT NOT NULL DEFAULT '',
	encoding         TEXT NOT NULL DEFAULT '',
	header           TEXT NOT NULL DEFAULT '',
	size             INTEGER NOT NULL,
	sha256           TEXT NOT NULL,
	body             BLOB NOT NULL,
	PRIMARY KEY (message, n)
);
`

// addBlob gives a database made before attachments could live in files
// the column that says one does: the SHA-256 naming its file, or empty
// when the body is in the row.
const addBlob = `ALTER TABLE parts ADD COLUMN blob TEXT NOT NULL DEFAULT ''`

// SQLite is the embedded default Store: one file in WAL mode. Saves from
// concurrent requests are committed together by one writer (group
// commit), so many receivers share the cost of a commit; reads use their
// own connections and never wait for writes.
type SQLite struct {
	path    string
	blobs   blobs // attachment bodies of BlobMin bytes and more
	w, r    *sql.DB
	cp      *sql.DB // the checkpointer's connection
	stopCP  chan struct{}
	cpDone  chan struct{}
	ins     inserts
	saves   chan *saveReq
	done    chan struct{}
	mu      sync.RWMutex // held to send on saves, and to close it
	closing bool

	health   sync.Mutex
	writeErr error     // how the last batch commit went, when it failed
	failedAt time.Time // when it failed
	probeErr error     // how the last probe went
	probed   time.Time // when a write was last tried (a probe) or made (a save)
}

// ErrClosed is returned by Save after Close.
var ErrClosed = errors.New("reference: store closed")

type saveReq struct {
	ctx   context.Context
	rec   *Record
	reply chan saveResult
}

type saveResult struct {
	id  int64
	dup bool
	err error
}

// maxBatch bounds one group commit.
const maxBatch = 64

// OpenSQLite opens (creating if needed) the database at path.
func OpenSQLite(path string, sync Sync) (*SQLite, error) {
	if sync == "" {
		sync = SyncNormal
	}
	if sync != SyncNormal && sync != SyncFull {
		return nil, fmt.Errorf("reference: sync %q: want normal or full", sync)
	}
	dsn := func(mode string) string {
		v := url.Values{}
		v.Set("_journal_mode", "WAL")
		v.Set("_synchronous", strings.ToUpper(string(sync)))
		v.Set("_busy_timeout", "10000")
		v.Set("_foreign_keys", "on")
		v.Set("mode", mode)
		return "file:" + path + "?" + v.Encode()
	}
	// The writer takes the write lock when its transaction begins, so that
	// a checkpoint truncating the WAL makes it wait (busy timeout) instead
	// of failing its commit as a stale snapshot.
	w, err := sql.Open("sqlite3", dsn("rwc")+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	// The writer never checkpoints: a checkpoint copies the WAL into the
	// database and flushes both, and made the commit that triggered it wait
	// (the receiver's p99 was 12 times its p50 at 100 KB). A connection of
	// its own checkpoints in the background instead (checkpointer).
	if _, err := w.Exec(`PRAGMA wal_autocheckpoint = 0`); err != nil {
		w.Close()
		return nil, fmt.Errorf("reference: %s: %w", path, err)
	}
	if _, err := w.Exec(schema); err != nil {
		w.Close()
		return nil, fmt.Errorf("reference: %s: %w", path, err)
	}
	if err := addColumn(w, "parts", "blob", addBlob); err != nil {
		w.Close()
		return nil, fmt.Errorf("reference: %s: %w", path, err)
	}
	ins, err := prepareInserts(w)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("reference: %s: %w", path, err)
	}
	r, err := sql.Open("sqlite3", dsn("ro"))
	if err != nil {
		ins.close()
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	cp, err := sql.Open("sqlite3", dsn("rw"))
	if err != nil {
		ins.close()
		w.Close()
		r.Close()
		return nil, err
	}
	cp.SetMaxOpenConns(1)
	s := &SQLite{path: path, blobs: blobs{dir: path + ".blobs"}, w: w, r: r, cp: cp, ins: ins, saves: make(chan *saveReq, maxBatch*4), done: make(chan struct{}),
		stopCP: make(chan struct{}), cpDone: make(chan struct{})}
	go s.writer()
	go s.checkpointer()
	return s, nil
}

// checkpointEvery is how often the background checkpoint runs; maxWAL
// the WAL size past which the writer starts the WAL over (bound).
var (
	checkpointEvery       = 250 * time.Millisecond
	maxWAL          int64 = 64 << 20
)

// checkpointer copies committed WAL frames into the database in the
// background (PASSIVE: it waits for no reader and no writer), so that no
// commit waits for a checkpoint; the writer restarts the WAL from its start
// once a checkpoint has caught up.
func (s *SQLite) checkpointer() {
	defer close(s.cpDone)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stopCP:
			return
		case <-t.C:
			// A failed checkpoint leaves the frames in the WAL, where reads
			// find them; the next one tries again.
			_, _ = s.cp.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// addColumn runs alter when table has no column of that name.
func addColumn(db *sql.DB, table, column, alter string) error {
	rows, err := db.Query(`SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		if name == column {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = db.Exec(alter)
	return err
}

// writer commits queued saves in batches until the store is closed.
func (s *SQLite) writer() {
	defer close(s.done)
	for first := range s.saves {
		batch := []*saveReq{first}
	fill:
		for len(batch) < maxBatch {
			select {
			case req, ok := <-s.saves:
				if !ok {
					break fill
				}
				batch = append(batch, req)
			default:
				break fill
			}
		}
		s.commit(batch)
		s.bound()
	}
}

// bound starts the WAL over when it has grown past maxWAL. Under steady
// writes the background checkpoint seldom catches up at the moment a
// commit begins, which is when SQLite starts the WAL over, so the writer
// does it between batches: the background checkpoints copied nearly
// everything already, so this one copies the last frames only.
func (s *SQLite) bound() {
	if st, err := os.Stat(s.path + "-wal"); err == nil && st.Size() > maxWAL {
		_, _ = s.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
}

func (s *SQLite) commit(batch []*saveReq) {
	results := make([]saveResult, len(batch))
	err := func() error {
		tx, err := s.w.Begin()
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for i, req := range batch {
			if req.ctx.Err() != nil {
				results[i].err = req.ctx.Err()
				continue
			}
			results[i].id, results[i].dup, results[i].err = s.ins.insert(tx, req.rec)
			if results[i].err != nil {
				return results[i].err
			}
		}
		return tx.Commit()
	}()
	s.wrote(err)
	for i, req := range batch {
		if err != nil && results[i].err == nil {
			results[i] = saveResult{err: err}
		}
		req.reply <- results[i]
	}
}

// wrote keeps how the last write went: Ping reports a store whose writes
// fail (a full disk) as unhealthy, though it can still be read.
func (s *SQLite) wrote(err error) {
	s.health.Lock()
	defer s.health.Unlock()
	if err != nil {
		s.writeErr, s.failedAt = err, time.Now()
		return
	}
	s.writeErr, s.probeErr, s.probed = nil, nil, time.Now()
}

// Health timings: how often Ping tries a write of its own (a successful
// save counts as one), and how long a failed save keeps the store
// unhealthy when nothing has been written since (a load balancer that
// stops sending on 503 must see the store come back).
var (
	probeEvery     = 5 * time.Second
	failureMatters = 30 * time.Second
)

// canWrite is nil when the store can write: a small write of its own
// succeeds (tried at most every probeEvery), and no save failed lately.
func (s *SQLite) canWrite(ctx context.Context) error {
	s.health.Lock()
	defer s.health.Unlock()
	if time.Since(s.probed) >= probeEvery {
		_, s.probeErr = s.w.ExecContext(ctx, `INSERT OR REPLACE INTO health (id, at, pad) VALUES (1, ?, zeroblob(4096))`, time.Now().UTC().Format(time.RFC3339Nano))
		s.probed = time.Now()
	}
	if s.probeErr != nil {
		return fmt.Errorf("reference: the store cannot write: %w", s.probeErr)
	}
	if s.writeErr != nil && time.Since(s.failedAt) < failureMatters {
		return fmt.Errorf("reference: the store's last write failed %v ago: %w", time.Since(s.failedAt).Round(time.Second), s.writeErr)
	}
	return nil
}

// inserts are the writer's statements, prepared once on its only
// connection: preparing them afresh for every message took about 4% of the
// receiver's CPU under a load of small delivery reports.
type inserts struct{ find, message, part *sql.Stmt }

func prepareInserts(db *sql.DB) (inserts, error) {
	var ins inserts
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = db.Prepare(q)
		return st
	}
	ins.find = prep(`SELECT id FROM messages WHERE kind = ? AND transaction_id = ?`)
	ins.message = prep(`INSERT INTO messages (received_at, kind, flavour, release, transaction_id, message_id, linked_id,
		sender, sender_kind, recipients, subject, date, mm_status, status_text, deviations, content_type, soap, raw)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, transaction_id) DO NOTHING`)
	ins.part = prep(`INSERT INTO parts (message, n, path, content_type, content_id, content_location, encoding, header, size, sha256, body, blob)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		ins.close()
		return inserts{}, err
	}
	return ins, nil
}

func (ins inserts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{ins.find, ins.message, ins.part} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

func (ins inserts) insert(tx *sql.Tx, r *Record) (int64, bool, error) {
	recipients, _ := json.Marshal(nonNil(r.Recipients))
	deviations, _ := json.Marshal(nonNil(r.Deviations))
	res, err := tx.Stmt(ins.message).Exec(
		r.ReceivedAt.UTC().Format(time.RFC3339Nano), r.Kind, r.Flavour, r.Release, r.TransactionID, r.MessageID, r.LinkedID,
		r.Sender, r.SenderKind, string(recipients), r.Subject, r.Date, r.MMStatus, r.StatusText, string(deviations),
		r.ContentType, nonNilBytes(r.SOAP), r.Raw)
	if err != nil {
		return 0, false, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, false, err
	} else if n == 0 {
		// Stored before (a resend): the same ID, and nothing written.
		var id int64
		err := tx.Stmt(ins.find).QueryRow(r.Kind, r.TransactionID).Scan(&id)
		return id, err == nil, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, false, err
	}
	part := tx.Stmt(ins.part)
	for _, p := range r.Parts {
		body, blob := nonNilBytes(p.Body), ""
		if len(p.Body) >= BlobMin {
			body, blob = []byte{}, blobName(p) // in its file (commit wrote it)
		}
		if _, err := part.Exec(id, p.N, p.Path, p.ContentType, p.ContentID, p.ContentLocation, p.Encoding, p.Header, p.Size, p.SHA256, body, blob); err != nil {
			return 0, false, err
		}
	}
	return id, false, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Save queues r for the next group commit and waits for it.
func (s *SQLite) Save(ctx context.Context, r *Record) (int64, bool, error) {
	// Large bodies reach their files, flushed, before the record that
	// names them is queued, so an acknowledged message has them all; and
	// written here, by each caller, the flushes of concurrent saves overlap
	// instead of queuing behind the one writer. A crash in between leaves
	// a file no message names, never a message without its file.
	for _, p := range r.Parts {
		if len(p.Body) < BlobMin {
			continue
		}
		if err := ctx.Err(); err != nil {
			return 0, false, err
		}
		if err := s.blobs.write(blobName(p), p.Body); err != nil {
			s.wrote(err)
			return 0, false, err
		}
	}
	req := &saveReq{ctx: ctx, rec: r, reply: make(chan saveResult, 1)}
	s.mu.RLock()
	if s.closing {
		s.mu.RUnlock()
		return 0, false, ErrClosed
	}
	select {
	case s.saves <- req:
	case <-ctx.Done():
		s.mu.RUnlock()
		return 0, false, ctx.Err()
	}
	s.mu.RUnlock()
	res := <-req.reply // the writer always answers, even for a cancelled request
	return res.id, res.dup, res.err
}

const summaryColumns = `id, received_at, kind, flavour, release, transaction_id, message_id, linked_id, sender, sender_kind,
	recipients, subject, date, mm_status, status_text, deviations, content_type`

func scanSummary(row interface{ Scan(...any) error }) (*Record, error) {
	r := &Record{}
	var at, recipients, deviations string
	err := row.Scan(&r.ID, &at, &r.Kind, &r.Flavour, &r.Release, &r.TransactionID, &r.MessageID, &r.LinkedID,
		&r.Sender, &r.SenderKind, &recipients, &r.Subject, &r.Date, &r.MMStatus, &r.StatusText, &deviations, &r.ContentType)
	if err != nil {
		return nil, err
	}
	r.ReceivedAt, _ = time.Parse(time.RFC3339Nano, at)
	_ = json.Unmarshal([]byte(recipients), &r.Recipients)
	_ = json.Unmarshal([]byte(deviations), &r.Deviations)
	return r, nil
}

// List implements Store.
func (s *SQLite) List(ctx context.Context, q Query) ([]*Record, error) {
	cols, vals, limit := q.filters()
	where := []string{"id > ?"}
	for _, c := range cols {
		where = append(where, c+" = ?")
	}
	args := append(append([]any{q.AfterID}, vals...), limit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+summaryColumns+` FROM messages WHERE `+strings.Join(where, " AND ")+` ORDER BY id LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		r, err := scanSummary(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Get implements Store.
func (s *SQLite) Get(ctx context.Context, id int64) (*Record, error) {
	r, err := scanSummary(s.r.QueryRowContext(ctx, `SELECT `+summaryColumns+` FROM messages WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := s.r.QueryRowContext(ctx, `SELECT soap, raw FROM messages WHERE id = ?`, id).Scan(&r.SOAP, &r.Raw); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+partMeta+` FROM parts WHERE message = ? ORDER BY n`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPartMeta(rows)
		if err != nil {
			return nil, err
		}
		r.Parts = append(r.Parts, p)
	}
	return r, rows.Err()
}

// Part implements Store.
func (s *SQLite) Part(ctx context.Context, id int64, n int) (*StoredPart, error) {
	p := &StoredPart{N: n}
	var blob string
	err := s.r.QueryRowContext(ctx, `SELECT path, content_type, content_id, content_location, encoding, header, size, sha256, body, blob
		FROM parts WHERE message = ? AND n = ?`, id, n).
		Scan(&p.Path, &p.ContentType, &p.ContentID, &p.ContentLocation, &p.Encoding, &p.Header, &p.Size, &p.SHA256, &p.Body, &blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err == nil && blob != "" {
		p.Body, err = s.blobs.read(blob, p.Size)
	}
	return p, err
}

// Count implements Store.
func (s *SQLite) Count(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM messages`).Scan(&n)
	return n, err
}

// Ping says whether the store can read and write: a store that cannot
// write (a full disk), or whose last save failed less than failureMatters
// ago, is not healthy.
func (s *SQLite) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return err
	}
	return s.canWrite(ctx)
}

// Close stops the writer after the queued saves and closes the database.
func (s *SQLite) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	close(s.saves)
	s.mu.Unlock()
	<-s.done
	close(s.stopCP)
	<-s.cpDone
	// Leave the database whole, the WAL empty, for whoever opens it next.
	_, cpErr := s.cp.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	return errors.Join(s.ins.close(), cpErr, s.cp.Close(), s.w.Close(), s.r.Close())
}
