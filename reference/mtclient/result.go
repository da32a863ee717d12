package mtclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// Result is what became of a message: of its last attempt, and why the
// client stopped there.
type Result struct {
	// Accepted: Vibes answered a SubmitRsp with StatusCode 1000.
	Accepted bool
	// MessageID is Vibes' ID of an accepted message; its delivery
	// reports carry it.
	MessageID string
	// TransactionID is the request's (the same on every attempt).
	TransactionID string
	// Status and StatusText are the MM7 status of the last answer that
	// carried one (a SubmitRsp, or the RSErrorRsp or VASPErrorRsp of a
	// Fault); 0 when it carried none.
	Status     mm7.StatusCode
	StatusText string
	// FaultCode is the faultcode of a SOAP Fault answer ("Client",
	// "Server", …); "" for any other answer.
	FaultCode string
	// HTTPStatus is the last answer's HTTP status; 0 when none came.
	HTTPStatus int
	// Attempts counts the requests sent.
	Attempts int
	// Stop says why the client stopped.
	Stop Stop
	// Err is why the last attempt got no answer, or none that reads: a
	// timeout, a reset, an answer that is not MM7.
	Err error
}

// Stop is why Submit stopped.
type Stop string

// The reasons to stop.
const (
	StopAccepted Stop = "accepted" // Vibes took the message
	StopRefused  Stop = "refused"  // an answer not to resend after
	StopAttempts Stop = "attempts" // MaxAttempts tried, each failing in a way worth retrying
	StopCanceled Stop = "canceled" // the caller's context ended
	StopNotSent  Stop = "not-sent" // refused before sending
)

// String says what became of the message on one line.
func (r Result) String() string {
	var b strings.Builder
	switch r.Stop {
	case StopAccepted:
		fmt.Fprintf(&b, "accepted: MessageID %s", r.MessageID)
	case StopRefused:
		b.WriteString("refused: " + r.answer() + "; not retried")
	case StopAttempts:
		b.WriteString("failed: " + r.answer() + "; gave up")
	case StopCanceled:
		b.WriteString("canceled: " + r.answer())
	default:
		return "not sent"
	}
	plural := "s"
	if r.Attempts == 1 {
		plural = ""
	}
	fmt.Fprintf(&b, " (%d attempt%s, TransactionID %s)", r.Attempts, plural, r.TransactionID)
	return b.String()
}

// answer describes the last answer, or its absence.
func (r Result) answer() string {
	var parts []string
	if r.Status != 0 {
		s := fmt.Sprintf("MM7 status %d", int(r.Status))
		if t := strings.TrimSpace(r.StatusText); t != "" {
			s += " " + t
		}
		parts = append(parts, s)
	}
	if r.HTTPStatus != 0 {
		parts = append(parts, fmt.Sprintf("HTTP %d", r.HTTPStatus))
	}
	switch {
	case r.HTTPStatus == 0 && r.Err != nil:
		parts = append(parts, "no answer: "+r.Err.Error())
	case r.Err != nil:
		parts = append(parts, r.Err.Error())
	case r.HTTPStatus == 0:
		parts = append(parts, "no answer")
	}
	return strings.Join(parts, ", ")
}

// Retryable is Vibes' retry policy, the decision after an attempt: resend
// after an MM7 status Vibes calls temporary (3000 request processing
// error, 4005 platform reached capacity), after a 5xx that carries no MM7
// status (a bare 500, 502, 503, 504, or a Server fault without one), and
// when no answer came (a timeout, a connection refused, reset or closed
// before the answer). Never after any other MM7 status — the same request
// would be refused again — nor after a 4xx (a 413 stays too large, a 401
// stays unauthorized), nor after a 2xx that does not read as MM7.
func Retryable(r Result) bool {
	switch {
	case r.Accepted:
		return false
	case r.Status != 0:
		return r.Status.VibesRetryable()
	case r.HTTPStatus >= 400 && r.HTTPStatus < 500:
		return false
	case transient(r.Err):
		return true
	case r.HTTPStatus >= 500:
		// A Client, MustUnderstand or VersionMismatch fault blames the
		// request itself: sending it again cannot help.
		return r.FaultCode == "" || r.FaultCode == "Server"
	}
	return false
}

// transient reports whether err is a failure to get an answer that may
// pass: a timeout, a refused, reset or aborted connection, one closed
// before the answer ended. A name that does not resolve, a certificate
// that does not verify, a URL that does not parse will not pass.
func transient(err error) bool {
	if err == nil {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsTimeout || dns.IsTemporary
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	for _, e := range []error{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE, io.EOF, io.ErrUnexpectedEOF} {
		if errors.Is(err, e) {
			return true
		}
	}
	// Other systems name a reset otherwise; a failed dial, read or write
	// on the connection is still the network's.
	var op *net.OpError
	return errors.As(err, &op) && (op.Op == "dial" || op.Op == "read" || op.Op == "write")
}
