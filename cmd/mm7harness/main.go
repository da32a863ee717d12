// Command mm7harness proves MM7 endpoints ready for Vibes: it validates
// stored messages, serves the reference receiver, plays Vibes' traffic
// against an endpoint, and mocks Vibes' submit gateway.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// exitUsage is the exit status for a usage or harness error.
const exitUsage = 2

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{"certify", "certify an endpoint for Vibes: play the corpus, check every answer, write reports", runCertify},
	{"certify-client", "certify an MT client: the mock Vibes gateway runs it through scripted scenarios and judges it", runCertifyClient},
	{"validate", "check stored messages (HTTP, MIME or SOAP XML) and print every problem with its place", runValidate},
	{"serve", "run the reference receiver: an MM7 endpoint that stores and answers what Vibes sends", runServe},
	{"mock", "run the mock Vibes gateway: the submit endpoint, delivery report callbacks, a control API", runMock},
	{"play", "send corpus cases (or request files) to an endpoint as Vibes does", runPlay},
	{"fuzz", "fuzz an endpoint: structure-aware mutants of the corpus, findings confirmed, minimised and replayable", runFuzz},
	{"replay", "re-send one recorded request to an endpoint", runReplay},
	{"submit", "send one MMS to Vibes as the reference MT client: one recipient, one attachment, Vibes' retry policy", runSubmit},
	{"corpus", "list the corpus cases (corpus list) or show one (corpus show ID)", runCorpus},
	{"flavours", "list the MM7 flavours Vibes offers: name, release, MM7Version, namespace", runFlavours},
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "mm7harness: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

// parseFlags parses a command's flags: from the command line, then, for
// every flag the command line left alone, from the environment, where it
// can be set as MM7HARNESS_<COMMAND>_<FLAG> (MM7HARNESS_SERVE_ADDR) or, for
// every command that has it, MM7HARNESS_<FLAG> (MM7HARNESS_MAX_BODY). When
// the command should stop — help was asked for (status 0) or a flag is
// wrong (status 2, with why) — it returns the status and false.
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	perr := fs.Parse(args)
	if err := flagsFromEnv(fs); err != nil {
		fmt.Fprintf(fs.Output(), "mm7harness %s: %v\n", fs.Name(), err)
		return exitUsage, false
	}
	if parsed != nil {
		parsed(fs)
	}
	if perr != nil {
		if perr == flag.ErrHelp {
			return 0, false
		}
		return exitUsage, false
	}
	return 0, true
}

// parsed, when set (by tests), sees every command's flags once parsed.
var parsed func(*flag.FlagSet)

// envNames are the environment variables that can set flag name of
// command, the more specific first.
func envNames(command, name string) []string {
	up := func(s string) string { return strings.ToUpper(strings.NewReplacer("-", "_", " ", "_").Replace(s)) }
	return []string{"MM7HARNESS_" + up(command) + "_" + up(name), "MM7HARNESS_" + up(name)}
}

// flagsFromEnv sets every flag of fs that the command line did not set
// and whose variable is in the environment. A boolean takes what
// strconv.ParseBool does (1, true, …).
func flagsFromEnv(fs *flag.FlagSet) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		for _, name := range envNames(fs.Name(), f.Name) {
			v, ok := os.LookupEnv(name)
			if !ok {
				continue
			}
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("%s=%q: %v", name, v, serr)
			}
			return
		}
	})
	return err
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: mm7harness <command> [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun mm7harness <command> -h for the command's flags.")
}
