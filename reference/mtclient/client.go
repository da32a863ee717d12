// Package mtclient is a reference MT client for Vibes: it sends one MMS
// as an MM7 SubmitReq (SOAP 1.1 with one MIME attachment, over HTTP with
// Basic auth) and follows Vibes' status table for what to resend.
//
// A customer can use it as it is, or read it as the shape of a correct
// client: one recipient, exactly one attachment (several media travel as
// one multipart/mixed), a fresh TransactionID in the SOAP header, a body
// of at most 1 MB sent with a Content-Length, and a resend only of what
// Vibes calls temporary — 3000, 4005, a 5xx that carries no MM7 status,
// no answer at all — never of a refusal. `mm7harness submit` is this
// client on the command line.
package mtclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
)

// Defaults for the Client's zero fields.
const (
	// DefaultTimeout bounds one attempt, answer included. Vibes documents
	// no answer time for its submit interface; an MMSC behind it may be
	// slow, so the bound is generous.
	DefaultTimeout = 30 * time.Second
	// DefaultRetryInterval separates attempts: Vibes asks to retry 4005
	// (platform reached capacity) "in a few minutes".
	DefaultRetryInterval = time.Minute
	// DefaultMaxAttempts counts the first attempt.
	DefaultMaxAttempts = 4
	// DefaultMaxBody is Vibes' limit on a request body, "1 MB" (HTTP 413
	// beyond); the mock gateway reads it as 1 MiB.
	DefaultMaxBody = 1 << 20
	// DefaultMaxAnswer bounds what is read of an answer: a SubmitRsp or a
	// Fault is a few hundred bytes.
	DefaultMaxAnswer = 1 << 20
)

// Client sends MMS to one Vibes account. Its zero fields take the
// defaults above; a Client may be used by several goroutines at once.
type Client struct {
	// Endpoint is Vibes' submit URL.
	Endpoint string
	// User and Password are the account's HTTP Basic credentials, sent on
	// every request.
	User, Password string
	// Flavour is the account's MM7 flavour: the namespace and MM7Version
	// of every SubmitReq.
	Flavour mm7.Flavour
	// Timeout bounds each attempt; RetryInterval is the wait between
	// attempts (negative: none); MaxAttempts counts every attempt, the
	// first included.
	Timeout       time.Duration
	RetryInterval time.Duration
	MaxAttempts   int
	// MaxBody refuses, before anything is sent, a request larger than it.
	MaxBody int64
	// MaxAnswer bounds what is read of an answer.
	MaxAnswer int64
	// HTTPClient sends the requests (nil: a client of the package's own).
	// Redirects are never followed, whatever it says: a 301 or 302 turns
	// the POST into a GET, and the answer would be a stranger's.
	HTTPClient *http.Client
	// Logger gets a line per attempt and per wait (nil: none).
	Logger *slog.Logger
	// Hooks make the client wrong on purpose, for the self-test's broken
	// clients (suites/internal/brokenclient). Production code leaves them
	// alone.
	Hooks Hooks
}

// Hooks are the places a test can break the client in one known way.
// Each nil hook leaves the reference behaviour.
type Hooks struct {
	// EditSOAP rewrites the SOAP envelope as encoded, before it is
	// wrapped in MIME.
	EditSOAP func(soap []byte) []byte
	// EditMIME changes the MIME message before it is written.
	EditMIME func(m *swa.Message)
	// EditRequest changes each HTTP request just before it is sent,
	// credentials and headers set.
	EditRequest func(r *http.Request)
	// Retryable replaces the retry decision (Retryable): it sees the
	// result of the attempt that just ended.
	Retryable func(r Result) bool
}

// ErrNotSent wraps every error that stopped a message before anything
// was sent: a setting or a message that cannot be sent, a body over
// MaxBody.
var ErrNotSent = errors.New("mtclient: not sent")

// ErrTooLarge says the request would be larger than MaxBody; it is an
// ErrNotSent.
var ErrTooLarge = fmt.Errorf("%w: over the size limit", ErrNotSent)

// Error is Submit's error for a message that was sent and not accepted:
// refused, never answered, or given up on. Its Result says how.
type Error struct{ Result Result }

func (e *Error) Error() string { return "mtclient: " + e.Result.String() }

// Unwrap is the last attempt's transport or reading error, if any.
func (e *Error) Unwrap() error { return e.Result.Err }

// Submit sends msg and resends it while Vibes' answer says it may (see
// Retryable), waiting RetryInterval between attempts, up to MaxAttempts.
// Every attempt sends the same bytes, TransactionID included: a resend is
// the same transaction, so a gateway that knows the TransactionID can
// tell it from a new message, as Vibes resends its own callbacks byte for
// byte. The error is nil exactly when Vibes accepted the message
// (SubmitRsp, StatusCode 1000); otherwise it is an *Error, or wraps
// ErrNotSent when nothing was sent. ctx bounds the whole, waits included.
func (c *Client) Submit(ctx context.Context, msg Message) (Result, error) {
	req, err := c.build(msg)
	if err != nil {
		return Result{Stop: StopNotSent}, err
	}
	retryable := Retryable
	if c.Hooks.Retryable != nil {
		retryable = c.Hooks.Retryable
	}
	attempts := c.maxAttempts()
	for n := 1; ; n++ {
		res := c.attempt(ctx, req)
		res.Attempts, res.TransactionID = n, req.transactionID
		c.logAttempt(res, attempts)
		switch {
		case res.Accepted:
			res.Stop = StopAccepted
			return res, nil
		case ctx.Err() != nil:
			res.Stop = StopCanceled
			return res, &Error{res}
		case !retryable(res):
			res.Stop = StopRefused
			return res, &Error{res}
		case n >= attempts:
			res.Stop = StopAttempts
			return res, &Error{res}
		}
		if !c.wait(ctx, n) {
			res.Stop = StopCanceled
			return res, &Error{res}
		}
	}
}

// wait sleeps RetryInterval, and reports false when ctx ends first.
func (c *Client) wait(ctx context.Context, attempt int) bool {
	d := c.retryInterval()
	c.log("waiting before the next attempt", "attempt", attempt+1, "wait", d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (c *Client) logAttempt(res Result, attempts int) {
	args := []any{"attempt", res.Attempts, "of", attempts, "transaction_id", res.TransactionID, "http", res.HTTPStatus}
	if res.Status != 0 {
		args = append(args, "mm7_status", int(res.Status), "status_text", res.StatusText)
	}
	if res.MessageID != "" {
		args = append(args, "message_id", res.MessageID)
	}
	if res.Err != nil {
		args = append(args, "error", res.Err.Error())
	}
	c.log("submit", args...)
}

func (c *Client) log(msg string, args ...any) {
	if c.Logger != nil {
		c.Logger.Info(msg, args...)
	}
}

func (c *Client) timeout() time.Duration { return orDefault(c.Timeout, DefaultTimeout) }

func (c *Client) retryInterval() time.Duration {
	if c.RetryInterval < 0 {
		return 0
	}
	return orDefault(c.RetryInterval, DefaultRetryInterval)
}

func (c *Client) maxAttempts() int { return orDefault(c.MaxAttempts, DefaultMaxAttempts) }
func (c *Client) maxBody() int64   { return orDefault(c.MaxBody, DefaultMaxBody) }
func (c *Client) maxAnswer() int64 { return orDefault(c.MaxAnswer, DefaultMaxAnswer) }

func (c *Client) httpClient() *http.Client {
	hc := http.Client{}
	if c.HTTPClient != nil {
		hc = *c.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// check refuses settings no request can be sent with.
func (c *Client) check() error {
	switch {
	case c.Endpoint == "":
		return fmt.Errorf("%w: no endpoint", ErrNotSent)
	case c.Flavour.IsZero():
		return fmt.Errorf("%w: no flavour (want %s)", ErrNotSent, mm7.FlavourChoice())
	}
	return nil
}
