// Package mtcli is the command line of the reference MT client: its
// flags, the MM7_* environment `mm7harness certify-client` gives the
// client it runs, and the one line that says what became of the message.
// `mm7harness submit` and the self-test's broken clients
// (suites/internal/brokenclient) share it, so that a broken client
// differs from the reference in its defect only.
package mtcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/reference/mtclient"
)

// Args are the flags of an MT client command.
type Args struct {
	Endpoint, User, Password                     string
	Flavour                                      mm7.Flavour
	To, From, Subject, DLRURL, CarrierCode, File string
	DeliveryReport                               bool
	Timeout, RetryInterval                       time.Duration
	MaxAttempts                                  int
}

// FlavourUsage is the help of the --flavour flag, which each command
// declares its own way (mm7harness's also answers to --mm7-version).
var FlavourUsage = "the account's MM7 `FLAVOUR` (default: MM7_VERSION, else " + mm7.NewestFlavour().Name + ")"

// Declare declares every flag but --flavour into fs.
func Declare(fs *flag.FlagSet) *Args {
	a := &Args{}
	fs.StringVar(&a.Endpoint, "endpoint", "", "Vibes' submit `URL` (default: MM7_URL)")
	fs.StringVar(&a.To, "to", "", "the recipient's `NUMBER`: 10 digits, 11, or E.164 (default: MM7_RECIPIENT)")
	fs.StringVar(&a.From, "from", "", "the `SHORTCODE` to send from (default: MM7_SHORTCODE)")
	fs.StringVar(&a.File, "file", "", "the media `FILE` to send (default: a small built-in PNG)")
	fs.StringVar(&a.Subject, "subject", "MMS from mm7harness", "the message's `SUBJECT`")
	fs.StringVar(&a.DLRURL, "dlr-url", "", "where Vibes posts delivery reports (X-Vibes-DlrCallbackUrl `URL`; default: none)")
	fs.BoolVar(&a.DeliveryReport, "delivery-report", false, "ask the carrier for delivery reports (default: MM7_DELIVERY_REPORT)")
	fs.StringVar(&a.User, "user", "", "the account's `USER` for HTTP Basic auth (default: MM7_USER)")
	fs.StringVar(&a.Password, "password", "", "the account's `PASSWORD` (default: MM7_PASSWORD)")
	fs.StringVar(&a.CarrierCode, "carrier-code", "", "the recipient's Vibes carrier `CODE` (X-Vibes-CarrierCode; default: Vibes looks it up)")
	fs.DurationVar(&a.Timeout, "timeout", mtclient.DefaultTimeout, "how long one attempt waits for its answer")
	fs.DurationVar(&a.RetryInterval, "retry-interval", mtclient.DefaultRetryInterval, "the wait before resending after a temporary failure (Vibes: retry 4005 in a few minutes)")
	fs.IntVar(&a.MaxAttempts, "max-attempts", mtclient.DefaultMaxAttempts, "attempts in all, the first included")
	return a
}

// Env is the environment certify-client sets for the client it runs, and
// the flags each variable gives a value to.
var Env = []struct {
	Var   string
	Flags []string
}{
	{"MM7_URL", []string{"endpoint"}},
	{"MM7_RECIPIENT", []string{"to"}},
	{"MM7_SHORTCODE", []string{"from"}},
	{"MM7_USER", []string{"user"}},
	{"MM7_PASSWORD", []string{"password"}},
	{"MM7_VERSION", []string{"flavour", "mm7-version"}},
	{"MM7_DELIVERY_REPORT", []string{"delivery-report"}},
}

// ApplyEnv gives every flag of fs that args (the command line fs was
// parsed from) did not set the value of its MM7_* variable, when that is
// set and not empty. It wins over the flag's value from anywhere else (a
// MM7HARNESS_* variable): the MM7_* variables are certify-client's
// settings for this very run — its mock gateway's URL, the scenario's
// account — where a MM7HARNESS_ENDPOINT or MM7HARNESS_FLAVOUR set for
// certify in the same job would send the message elsewhere.
func ApplyEnv(fs *flag.FlagSet, args []string) error {
	given := commandLine(fs, args)
	for _, e := range Env {
		v, ok := os.LookupEnv(e.Var)
		if !ok || v == "" || slices.ContainsFunc(e.Flags, func(n string) bool { return given[n] }) {
			continue
		}
		i := slices.IndexFunc(e.Flags, func(n string) bool { return fs.Lookup(n) != nil })
		if i < 0 {
			continue
		}
		if err := fs.Set(e.Flags[i], v); err != nil {
			return fmt.Errorf("%s=%q: %v", e.Var, v, err)
		}
	}
	return nil
}

// commandLine names the flags args sets, by parsing them again into flags
// of the same names that keep nothing.
func commandLine(fs *flag.FlagSet, args []string) map[string]bool {
	scratch := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	scratch.SetOutput(io.Discard)
	fs.VisitAll(func(f *flag.Flag) {
		b, ok := f.Value.(interface{ IsBoolFlag() bool })
		scratch.Var(ignored(ok && b.IsBoolFlag()), f.Name, "")
	})
	_ = scratch.Parse(args) // fs parsed the same args: they parse
	given := map[string]bool{}
	scratch.Visit(func(f *flag.Flag) { given[f.Name] = true })
	return given
}

// ignored is a flag value that takes anything and keeps nothing; true
// makes it a boolean flag.
type ignored bool

func (ignored) String() string     { return "" }
func (ignored) Set(string) error   { return nil }
func (b ignored) IsBoolFlag() bool { return bool(b) }

// Submit builds the client and the message from a, lets edit change them
// (nil for the reference client), sends, and prints one line on stdout:
// accepted with the MessageID, or why not. Progress goes to stderr. The
// exit status is 0 when Vibes accepted the message, 1 when it did not or
// it could not be sent, and usage's (2) for flags that make no message.
func (a *Args) Submit(ctx context.Context, edit func(*mtclient.Client, *mtclient.Message), stdout, stderr io.Writer, usage func(format string, args ...any) int) int {
	c, m, err := a.build(stderr)
	switch {
	case errors.Is(err, mtclient.ErrNotSent):
		fmt.Fprintln(stdout, strings.TrimPrefix(err.Error(), "mtclient: "))
		return 1
	case err != nil:
		return usage("%v", err)
	}
	if edit != nil {
		edit(c, &m)
	}
	res, err := c.Submit(ctx, m)
	if err != nil {
		fmt.Fprintln(stdout, strings.TrimPrefix(err.Error(), "mtclient: "))
		return 1
	}
	fmt.Fprintln(stdout, res.String())
	return 0
}
