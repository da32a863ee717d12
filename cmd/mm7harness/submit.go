package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/mm7harness/mm7harness/reference/mtclient/mtcli"
)

const submitUsage = `usage: mm7harness submit --endpoint URL --to NUMBER [flags]

Sends one MMS to Vibes (or to the mock gateway) as the reference MT client
does: one recipient, one attachment, a fresh TransactionID, at most 1 MB.
It resends after 3000, 4005, a 5xx without MM7 status or no answer, and
never after any other status or a 4xx. It prints one line: accepted with
the MessageID, or why not. Exit status: 0 accepted, 1 refused or failed,
2 usage error.

Run by certify-client, it takes its settings from MM7_URL, MM7_RECIPIENT,
MM7_SHORTCODE, MM7_USER, MM7_PASSWORD, MM7_VERSION and MM7_DELIVERY_REPORT;
the command line wins over them, and they over MM7HARNESS_* variables.`

func runSubmit(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("submit", stderr, submitUsage, nil)
	a := mtcli.Declare(fs)
	flavourFlag(fs, &a.Flavour, mtcli.FlavourUsage)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	say := usageError("submit", stderr)
	if fs.NArg() > 0 {
		return say("unexpected arguments %q", fs.Args())
	}
	if err := mtcli.ApplyEnv(fs, args); err != nil {
		return say("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return a.Submit(ctx, nil, stdout, stderr, say)
}
