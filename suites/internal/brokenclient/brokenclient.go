// Package brokenclient makes MT clients with one defect each, for the
// self-test of the MT client certification (mm7harness certify-client):
// each is the reference client (reference/mtclient) with one thing
// broken, so that the certification must fail it for that thing and for
// no other. cmd/brokenclient is the command certify-client runs:
//
//	go build -o brokenclient ./suites/internal/brokenclient/cmd/brokenclient
//	mm7harness certify-client --flavour 6.8.0 -- ./brokenclient --defect two-recipients
package brokenclient

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"syscall"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/reference/mtclient"
	"github.com/mm7harness/mm7harness/reference/mtclient/mtcli"
)

// Defect is one way to be wrong.
type Defect struct {
	Name string
	// Desc says what the client does wrong, and what Vibes answers it.
	Desc string
	// Break changes the reference client and its message in that one way.
	Break func(c *mtclient.Client, m *mtclient.Message)
}

// Defects lists every defect.
var Defects = []Defect{
	{Name: "two-recipients", Desc: "a second recipient in To (Vibes: 3003)", Break: twoRecipients},
	{Name: "no-transaction-id", Desc: "no TransactionID in the SOAP header (Vibes: 2502)", Break: noTransactionID},
	{Name: "no-auth", Desc: "no Authorization header (Vibes: 4001, HTTP 401)",
		Break: func(c *mtclient.Client, _ *mtclient.Message) {
			c.Hooks.EditRequest = func(r *http.Request) { r.Header.Del("Authorization") }
		}},
	{Name: "retries-permanent", Desc: "resends after a final refusal too, up to --max-attempts",
		Break: func(c *mtclient.Client, _ *mtclient.Message) {
			c.Hooks.Retryable = func(r mtclient.Result) bool { return mtclient.Retryable(r) || !r.Accepted && r.Status != 0 }
		}},
	{Name: "never-retries", Desc: "never resends, not even after a temporary failure (3000, 4005, a bare 5xx, no answer)",
		Break: func(c *mtclient.Client, _ *mtclient.Message) {
			c.Hooks.Retryable = func(mtclient.Result) bool { return false }
		}},
	{Name: "resends-accepted", Desc: "sends a message once more after Vibes accepted it (Vibes: the recipient gets it twice)",
		Break: func(c *mtclient.Client, _ *mtclient.Message) {
			c.HTTPClient = &http.Client{Transport: resendAccepted{http.DefaultTransport}}
		}},
	{Name: "three-attachments", Desc: "three top-level attachments instead of one (Vibes: 3500)", Break: threeAttachments},
	{Name: "oversized", Desc: "a body of about 2 MB, sent anyway (Vibes: HTTP 413)", Break: oversized},
	{Name: "wrong-namespace", Desc: "the SubmitReq in the other flavour's namespace and MM7Version than the account's (Vibes: 4002)",
		Break: func(c *mtclient.Client, _ *mtclient.Message) {
			i := slices.IndexFunc(mm7.Flavours(), func(v mm7.Flavour) bool { return v != c.Flavour })
			c.Flavour = mm7.Flavours()[i]
		}},
}

// Lookup finds a defect by name.
func Lookup(name string) (Defect, bool) {
	i := slices.IndexFunc(Defects, func(d Defect) bool { return d.Name == name })
	if i < 0 {
		return Defect{}, false
	}
	return Defects[i], true
}

// Names lists the defects' names.
func Names() []string {
	out := make([]string, len(Defects))
	for i, d := range Defects {
		out[i] = d.Name
	}
	return out
}

// twoRecipients adds a second number to To: the first with its last
// digit changed, so that it is another line.
func twoRecipients(c *mtclient.Client, m *mtclient.Message) {
	to := strings.TrimSpace(m.To)
	second := to + "1"
	if n := len(to); n > 0 && to[n-1] >= '0' && to[n-1] <= '9' {
		second = to[:n-1] + string('0'+(to[n-1]-'0'+1)%10)
	}
	c.Hooks.EditSOAP = func(soap []byte) []byte {
		return bytes.Replace(soap, []byte("<To>"), []byte("<To><Number>"+second+"</Number>"), 1)
	}
}

var transactionID = regexp.MustCompile(`(?s)\s*<(?:\w+:)?TransactionID\b[^>]*>.*?</(?:\w+:)?TransactionID>`)

// noTransactionID leaves the SOAP header empty.
func noTransactionID(c *mtclient.Client, _ *mtclient.Message) {
	c.Hooks.EditSOAP = func(soap []byte) []byte { return transactionID.ReplaceAll(soap, nil) }
}

// threeAttachments adds a text and a SMIL part beside the attachment, as
// a client that does not wrap several media in one multipart does.
func threeAttachments(c *mtclient.Client, _ *mtclient.Message) {
	c.Hooks.EditMIME = func(msg *swa.Message) {
		text := swa.NewPart("text/plain; charset=utf-8", "8bit", []byte("Hello from a broken MT client")).SetContentID("<text@brokenclient>")
		smil := swa.NewPart("application/smil", "8bit", []byte(`<smil><body><par><text src="cid:text@brokenclient"/></par></body></smil>`)).
			SetContentID("<smil@brokenclient>")
		msg.Top.Parts = append(msg.Top.Parts, text, smil)
	}
}

// oversized sends 1.5 MiB of media, 2 MiB once base64-encoded: the
// reference client refuses it before sending.
func oversized(c *mtclient.Client, m *mtclient.Message) {
	c.MaxBody = 4 << 20
	data := make([]byte, 1536<<10)
	for i := range data {
		data[i] = byte(i * 7)
	}
	m.Media = []mtclient.Media{{ContentType: "application/octet-stream", Filename: "oversized.bin", Data: data}}
}

// resendAccepted sends a request once more when its answer was a 2xx:
// the answer the client reads is the first one, so it believes the message
// went once.
type resendAccepted struct{ next http.RoundTripper }

func (t resendAccepted) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp.StatusCode/100 != 2 || r.GetBody == nil {
		return resp, err
	}
	body, err := r.GetBody()
	if err != nil {
		return resp, nil
	}
	again := r.Clone(r.Context())
	again.Body = body
	if second, err := t.next.RoundTrip(again); err == nil {
		io.Copy(io.Discard, io.LimitReader(second.Body, 1<<20))
		second.Body.Close()
	}
	return resp, nil
}

// Main is the broken client's command: the flags and MM7_* environment of
// `mm7harness submit` (reference/mtclient/mtcli), and --defect. Without
// --defect it is the reference client.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("brokenclient", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("defect", "", "the `DEFECT`: "+strings.Join(Names(), ", ")+" (none: the reference client)")
	a := mtcli.Declare(fs)
	fs.TextVar(&a.Flavour, "flavour", mm7.Flavour{}, mtcli.FlavourUsage)
	usage := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "brokenclient: "+format+"\n", args...)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if err := mtcli.ApplyEnv(fs, args); err != nil {
		return usage("%v", err)
	}
	d, ok := Lookup(*name)
	if !ok && *name != "" {
		return usage("unknown defect %q (want %s)", *name, strings.Join(Names(), ", "))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return a.Submit(ctx, d.Break, stdout, stderr, usage)
}
