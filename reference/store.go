package reference

import (
	"context"
	"errors"
	"time"
)

// Record is one received MM7 request as stored.
type Record struct {
	ID            int64        `json:"id"`
	ReceivedAt    time.Time    `json:"received_at"`
	Kind          string       `json:"kind"` // DeliverReq, DeliveryReportReq, ReadReplyReq
	Flavour       string       `json:"flavour"`
	Release       string       `json:"release"`
	TransactionID string       `json:"transaction_id"`
	MessageID     string       `json:"message_id,omitempty"`
	LinkedID      string       `json:"linked_id,omitempty"`
	Sender        string       `json:"sender,omitempty"`
	SenderKind    string       `json:"sender_kind,omitempty"` // Number, ShortCode, RFC2822Address
	Recipients    []Recipient  `json:"recipients,omitempty"`
	Subject       string       `json:"subject,omitempty"`
	Date          string       `json:"date,omitempty"` // TimeStamp, or a report's Date, as sent
	MMStatus      string       `json:"mm_status,omitempty"`
	StatusText    string       `json:"status_text,omitempty"`
	Deviations    []string     `json:"deviations,omitempty"`
	ContentType   string       `json:"content_type"` // of the HTTP request
	SOAP          []byte       `json:"-"`
	Raw           []byte       `json:"-"` // the whole request body, when the server stores it
	Parts         []StoredPart `json:"parts,omitempty"`
}

// Recipient is one addressee: Field is To, Cc, Bcc or Recipient (a
// report's or read reply's single recipient).
type Recipient struct {
	Field string `json:"field"`
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// StoredPart is one attachment (every MIME leaf part but the SOAP one),
// byte-exact.
type StoredPart struct {
	N               int    `json:"n"`
	Path            string `json:"path"` // the part's place in the MIME tree, e.g. "2.1"
	ContentType     string `json:"content_type"`
	ContentID       string `json:"content_id,omitempty"`
	ContentLocation string `json:"content_location,omitempty"`
	Encoding        string `json:"encoding,omitempty"` // as received; Body is decoded
	Header          string `json:"header"`             // the raw header block
	Size            int64  `json:"size"`
	SHA256          string `json:"sha256"`
	Body            []byte `json:"-"`
}

// Query selects stored messages; zero fields match everything. Results are
// in ID order after AfterID (keyset paging).
type Query struct {
	Kind          string
	Flavour       string
	TransactionID string
	MessageID     string
	Sender        string
	AfterID       int64
	Limit         int
}

// ErrNotFound is returned for a message or part that is not stored.
var ErrNotFound = errors.New("reference: not found")

// Store keeps received messages. Save must be durable when it returns: the
// receiver acknowledges only after it.
type Store interface {
	// Save stores r unless a message of the same kind and TransactionID is
	// stored already (Vibes resends every 5 minutes until it gets a 2xx); it
	// returns the stored message's ID and whether r was such a duplicate.
	Save(ctx context.Context, r *Record) (id int64, duplicate bool, err error)
	// List returns summaries: no SOAP, raw bytes or part bodies.
	List(ctx context.Context, q Query) ([]*Record, error)
	// Get returns one message with its SOAP part and part metadata.
	Get(ctx context.Context, id int64) (*Record, error)
	// Part returns attachment n (1-based) of message id, with its body.
	Part(ctx context.Context, id int64, n int) (*StoredPart, error)
	// Count returns how many messages are stored.
	Count(ctx context.Context) (int64, error)
	// Ping says whether the store can take a message now: read and write
	// (GET /healthz answers 503 otherwise).
	Ping(ctx context.Context) error
	Close() error
}

// OpenStore opens the store db names: a PostgreSQL URL (postgres://…,
// postgresql://…) or a SQLite file, made as durable as sync says (SQLite
// only: a PostgreSQL commit is as durable as the server's settings).
func OpenStore(db string, sync Sync) (Store, error) {
	if IsPostgresURL(db) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return OpenPostgres(ctx, db)
	}
	return OpenSQLite(db, sync)
}

// The columns and scans both SQL stores share.

// partMeta are a part's columns without its body, in scanPartMeta's order.
const partMeta = `n, path, content_type, content_id, content_location, encoding, header, size, sha256`

// scanPartMeta reads the partMeta columns of one row.
func scanPartMeta(row interface{ Scan(...any) error }) (StoredPart, error) {
	var p StoredPart
	err := row.Scan(&p.N, &p.Path, &p.ContentType, &p.ContentID, &p.ContentLocation, &p.Encoding, &p.Header, &p.Size, &p.SHA256)
	return p, err
}

// filters are a query's conditions: the columns compared, their values,
// and the page size (100 by default, 1,000 at most). A store writes the
// placeholders its SQL uses.
func (q Query) filters() (cols []string, vals []any, limit int) {
	for _, f := range []struct{ col, v string }{{"kind", q.Kind}, {"flavour", q.Flavour}, {"transaction_id", q.TransactionID}, {"message_id", q.MessageID}, {"sender", q.Sender}} {
		if f.v != "" {
			cols, vals = append(cols, f.col), append(vals, f.v)
		}
	}
	limit = q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return cols, vals, limit
}
