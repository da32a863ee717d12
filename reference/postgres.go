package reference

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgSchema creates the tables when they are missing. Version 1 is the
// whole schema; a later version adds its statements to migrations.
const pgSchema = `
CREATE TABLE IF NOT EXISTS mm7_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mm7_messages (
	id             BIGSERIAL PRIMARY KEY,
	received_at    TIMESTAMPTZ NOT NULL,
	kind           TEXT NOT NULL,
	flavour        TEXT NOT NULL,
	release        TEXT NOT NULL,
	transaction_id TEXT NOT NULL,
	message_id     TEXT NOT NULL DEFAULT '',
	linked_id      TEXT NOT NULL DEFAULT '',
	sender         TEXT NOT NULL DEFAULT '',
	sender_kind    TEXT NOT NULL DEFAULT '',
	recipients     JSONB NOT NULL DEFAULT '[]',
	subject        TEXT NOT NULL DEFAULT '',
	date           TEXT NOT NULL DEFAULT '',
	mm_status      TEXT NOT NULL DEFAULT '',
	status_text    TEXT NOT NULL DEFAULT '',
	deviations     JSONB NOT NULL DEFAULT '[]',
	content_type   TEXT NOT NULL DEFAULT '',
	soap           BYTEA NOT NULL,
	raw            BYTEA,
	UNIQUE (kind, transaction_id)
);
CREATE INDEX IF NOT EXISTS mm7_messages_message_id ON mm7_messages (message_id);
CREATE TABLE IF NOT EXISTS mm7_parts (
	message          BIGINT NOT NULL REFERENCES mm7_messages (id),
	n                INTEGER NOT NULL,
	path             TEXT NOT NULL,
	content_type     TEXT NOT NULL,
	content_id       TEXT NOT NULL DEFAULT '',
	content_location TEXT NOT NULL DEFAULT '',
	encoding         TEXT NOT NULL DEFAULT '',
	header           TEXT NOT NULL DEFAULT '',
	size             BIGINT NOT NULL,
	sha256           TEXT NOT NULL,
	body             BYTEA NOT NULL,
	PRIMARY KEY (message, n)
);
CREATE TABLE IF NOT EXISTS mm7_health (id INTEGER PRIMARY KEY, at TIMESTAMPTZ NOT NULL);
`

// pgSchemaVersion is the version pgSchema makes; migrations[v] takes a
// database from version v to v+1.
const pgSchemaVersion = 1

var migrations = map[int]string{}

// Postgres is the Store for several receivers sharing one database:
// each Save is one transaction, and (kind, TransactionID) is unique in the
// table, so a message Vibes resends to another instance is stored once,
// whichever instance commits first.
type Postgres struct {
	pool *pgxpool.Pool
}

// IsPostgresURL reports whether db names a PostgreSQL database rather
// than a SQLite file.
func IsPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// RedactURL is a database URL fit to print: its password replaced.
func RedactURL(db string) string {
	u, err := url.Parse(db)
	if err != nil || u.User == nil {
		return db
	}
	return u.Redacted()
}

// OpenPostgres connects to the database at url (any libpq-style URL),
// creating or migrating its tables.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("reference: postgres: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("reference: postgres: %w", err)
	}
	return &Postgres{pool: pool}, nil
}

// migrate brings the schema to pgSchemaVersion, under an advisory lock so
// that instances starting together do it once.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	const lock = 0x6d6d37 // "mm7"
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lock); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, lock)
	if _, err := conn.Exec(ctx, pgSchema); err != nil {
		return err
	}
	var v int
	switch err := conn.QueryRow(ctx, `SELECT version FROM mm7_schema`).Scan(&v); {
	case errors.Is(err, pgx.ErrNoRows):
		_, err = conn.Exec(ctx, `INSERT INTO mm7_schema (version) VALUES ($1)`, pgSchemaVersion)
		return err
	case err != nil:
		return err
	case v > pgSchemaVersion:
		return fmt.Errorf("the database's schema is version %d; this receiver knows %d", v, pgSchemaVersion)
	}
	for ; v < pgSchemaVersion; v++ {
		if _, err := conn.Exec(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migrating from version %d: %w", v, err)
		}
		if _, err := conn.Exec(ctx, `UPDATE mm7_schema SET version = $1`, v+1); err != nil {
			return err
		}
	}
	return nil
}

// Save implements Store: the message and its parts in one transaction.
// A message of the same kind and TransactionID already stored (by this
// instance or another) makes it a duplicate: the insert does nothing and
// the stored message's ID is returned. Save returns after the commit,
// which PostgreSQL makes durable (synchronous_commit on).
func (p *Postgres) Save(ctx context.Context, r *Record) (int64, bool, error) {
	recipients, _ := json.Marshal(nonNil(r.Recipients))
	deviations, _ := json.Marshal(nonNil(r.Deviations))
	for try := 1; ; try++ {
		id, dup, err := p.save(ctx, r, recipients, deviations)
		if !errors.Is(err, errRaced) || try == 3 {
			return id, dup, err
		}
	}
}

// errRaced: another transaction inserted the same message between this
// one's insert and its lookup; trying again finds it.
var errRaced = errors.New("reference: raced")

func (p *Postgres) save(ctx context.Context, r *Record, recipients, deviations []byte) (int64, bool, error) {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback(context.Background())
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO mm7_messages (received_at, kind, flavour, release, transaction_id, message_id, linked_id,
		sender, sender_kind, recipients, subject, date, mm_status, status_text, deviations, content_type, soap, raw)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (kind, transaction_id) DO NOTHING RETURNING id`,
		r.ReceivedAt.UTC(), r.Kind, r.Flavour, r.Release, r.TransactionID, r.MessageID, r.LinkedID,
		r.Sender, r.SenderKind, string(recipients), r.Subject, r.Date, r.MMStatus, r.StatusText, string(deviations),
		r.ContentType, nonNilBytes(r.SOAP), r.Raw).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		// Stored already: ON CONFLICT waited for the other transaction to
		// commit, so the row is visible now.
		tx.Rollback(ctx)
		err := p.pool.QueryRow(ctx, `SELECT id FROM mm7_messages WHERE kind = $1 AND transaction_id = $2`, r.Kind, r.TransactionID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, false, errRaced
		}
		return id, err == nil, err
	}
	if err != nil {
		return 0, false, err
	}
	if len(r.Parts) > 0 {
		rows := make([][]any, len(r.Parts))
		for i, pt := range r.Parts {
			rows[i] = []any{id, pt.N, pt.Path, pt.ContentType, pt.ContentID, pt.ContentLocation, pt.Encoding, pt.Header, pt.Size, pt.SHA256, nonNilBytes(pt.Body)}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"mm7_parts"}, []string{"message", "n", "path", "content_type", "content_id",
			"content_location", "encoding", "header", "size", "sha256", "body"}, pgx.CopyFromRows(rows)); err != nil {
			return 0, false, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, false, err
	}
	return id, false, nil
}

const pgSummary = `id, received_at, kind, flavour, release, transaction_id, message_id, linked_id, sender, sender_kind,
	recipients::text, subject, date, mm_status, status_text, deviations::text, content_type`

func scanPGSummary(row pgx.Row) (*Record, error) {
	r := &Record{}
	var recipients, deviations string
	err := row.Scan(&r.ID, &r.ReceivedAt, &r.Kind, &r.Flavour, &r.Release, &r.TransactionID, &r.MessageID, &r.LinkedID,
		&r.Sender, &r.SenderKind, &recipients, &r.Subject, &r.Date, &r.MMStatus, &r.StatusText, &deviations, &r.ContentType)
	if err != nil {
		return nil, err
	}
	r.ReceivedAt = r.ReceivedAt.UTC()
	_ = json.Unmarshal([]byte(recipients), &r.Recipients)
	_ = json.Unmarshal([]byte(deviations), &r.Deviations)
	return r, nil
}

// List implements Store.
func (p *Postgres) List(ctx context.Context, q Query) ([]*Record, error) {
	cols, vals, limit := q.filters()
	where := []string{"id > $1"}
	for i, c := range cols {
		where = append(where, c+" = $"+strconv.Itoa(i+2))
	}
	args := append(append([]any{q.AfterID}, vals...), limit)
	rows, err := p.pool.Query(ctx, `SELECT `+pgSummary+` FROM mm7_messages WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		r, err := scanPGSummary(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Get implements Store.
func (p *Postgres) Get(ctx context.Context, id int64) (*Record, error) {
	r, err := scanPGSummary(p.pool.QueryRow(ctx, `SELECT `+pgSummary+` FROM mm7_messages WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := p.pool.QueryRow(ctx, `SELECT soap, raw FROM mm7_messages WHERE id = $1`, id).Scan(&r.SOAP, &r.Raw); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT `+partMeta+` FROM mm7_parts WHERE message = $1 ORDER BY n`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		pt, err := scanPartMeta(rows)
		if err != nil {
			return nil, err
		}
		r.Parts = append(r.Parts, pt)
	}
	return r, rows.Err()
}

// Part implements Store.
func (p *Postgres) Part(ctx context.Context, id int64, n int) (*StoredPart, error) {
	pt := &StoredPart{N: n}
	err := p.pool.QueryRow(ctx, `SELECT path, content_type, content_id, content_location, encoding, header, size, sha256, body
		FROM mm7_parts WHERE message = $1 AND n = $2`, id, n).
		Scan(&pt.Path, &pt.ContentType, &pt.ContentID, &pt.ContentLocation, &pt.Encoding, &pt.Header, &pt.Size, &pt.SHA256, &pt.Body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return pt, err
}

// Count implements Store.
func (p *Postgres) Count(ctx context.Context) (int64, error) {
	var n int64
	err := p.pool.QueryRow(ctx, `SELECT count(*) FROM mm7_messages`).Scan(&n)
	return n, err
}

// Ping implements Store: a small write of its own, so that a database
// that is read-only or out of space reads as unhealthy.
func (p *Postgres) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := p.pool.Exec(ctx, `INSERT INTO mm7_health (id, at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET at = now()`)
	if err != nil {
		return fmt.Errorf("reference: the store cannot write: %w", err)
	}
	return nil
}

// Close closes the pool.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}
