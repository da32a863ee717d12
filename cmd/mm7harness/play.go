package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/mockvibes"
)

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runPlay(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("play", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", "", "the MM7 endpoint `URL` to send to (required)")
	version := fs.String("mm7-version", "", "only corpus cases of this flavour: 5.5.0 or 6.8.0")
	cases := fs.String("cases", "", "comma-separated corpus case `IDs` (a trailing * matches a prefix); default: every case a correct endpoint accepts")
	kind := fs.String("kind", "", "only corpus cases of `KIND` (deliver, delivery-report, read-reply)")
	conc := fs.Int("concurrency", 1, "connections sending at once")
	rate := fs.Float64("rate", 0, "messages per second across all connections (0: as fast as answered)")
	count := fs.Int("count", 0, "messages to send, cycling through the selection (default: each once)")
	duration := fs.Duration("duration", 0, "keep sending for this long instead of a count")
	timeout := fs.Duration("timeout", mockvibes.VibesTimeout, "how long to wait for an answer (Vibes: 2s)")
	retryInterval := fs.Duration("retry-interval", mockvibes.VibesRetryInterval, "wait between retries of a non-2xx or timed-out message (Vibes: 5m)")
	maxRetries := fs.Int("max-retries", mockvibes.VibesMaxRetries, "retries per message (Vibes: 5; 0 for none)")
	transcript := fs.String("transcript", "", "write every exchange as replayable files into `DIR`")
	profiles := fs.String("profile", "", "comma-separated sender misbehaviours: "+strings.Join(mockvibes.ProfileNames(), ", "))
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mm7harness play --endpoint URL [flags] [FILE.http ...]")
		fmt.Fprintln(stderr, "\nSends corpus cases (or the given request files) to the endpoint as Vibes does.")
		fmt.Fprintln(stderr, "Exit status: 0 every message acknowledged (2xx), 1 some never were, 2 usage error.")
		fmt.Fprintln(stderr, "\nflags:")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "\nsender misbehaviours (--profile; the gateway's are mm7harness mock's):")
		for _, p := range mockvibes.Profiles() {
			fmt.Fprintf(stderr, "  %-22s %s\n", p.Name, p.Desc)
		}
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "mm7harness play: "+format+"\n", a...)
		return exitUsage
	}
	if *endpoint == "" {
		return fail("--endpoint is required")
	}
	prof, err := mockvibes.ParseProfiles(*profiles)
	if err != nil {
		return fail("%v", misplaced(err))
	}
	var msgs []mockvibes.Message
	for _, f := range fs.Args() {
		raw, err := os.ReadFile(f)
		if err != nil {
			return fail("%v", err)
		}
		msgs = append(msgs, mockvibes.Message{Name: f, Raw: raw})
	}
	if len(fs.Args()) == 0 {
		filter := corpus.Filter{Kind: corpus.Kind(*kind)}
		if *version != "" {
			v, err := mm7.ParseVersion(*version)
			if err != nil {
				return fail("%v", err)
			}
			filter.Flavour = v.Name
		}
		if *cases != "" {
			filter.IDs = strings.Split(*cases, ",")
		} else {
			filter.Outcome = corpus.Accept
		}
		for _, c := range corpus.Select(filter) {
			if c.Kind == corpus.KindSubmit && *cases == "" {
				continue // SubmitReq goes to Vibes, not to an MM7 endpoint of a customer
			}
			msgs = append(msgs, mockvibes.Message{Name: c.ID, Case: c})
		}
		if len(msgs) == 0 {
			return fail("no corpus case matches")
		}
	}
	if *maxRetries == 0 {
		*maxRetries = -1
	}
	s := &mockvibes.Sender{Endpoint: *endpoint, Concurrency: *conc, Rate: *rate, Timeout: *timeout,
		RetryInterval: *retryInterval, MaxRetries: *maxRetries, Profiles: prof, Transcript: *transcript}
	total := *count
	if total == 0 && *duration == 0 {
		total = len(msgs)
	}
	s.Progress = progress(stdout, total)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	sum, err := s.Run(ctx, msgs, total, *duration)
	if err != nil && ctx.Err() == nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stdout, "\n%s\n", sum)
	// A message counts as delivered when any of its attempts got a 2xx.
	delivered := map[string]bool{}
	for _, e := range s.Exchanges() {
		key := e.TransactionID + "|" + e.Message
		delivered[key] = delivered[key] || e.OK()
	}
	for _, ok := range delivered {
		if !ok {
			return 1
		}
	}
	return 0
}

// misplaced says which command takes a misbehaviour given to the other
// one; other errors it returns as they are.
func misplaced(err error) error {
	var m *mockvibes.MisplacedError
	switch {
	case !errors.As(err, &m):
		return err
	case m.Gateway:
		return fmt.Errorf("--profile %s is a gateway fault: mm7harness mock takes it, play takes %s", m.Name, strings.Join(mockvibes.ProfileNames(), ", "))
	default:
		return fmt.Errorf("--profile %s is a sender profile: mm7harness play takes it, mock takes %s", m.Name, strings.Join(mockvibes.GatewayFaultNames(), ", "))
	}
}

// progress draws a bar on a terminal and prints a line per exchange
// otherwise.
func progress(w io.Writer, total int) func(done, _ int, ex *mockvibes.Exchange) {
	term := isTerminal(w)
	var mu sync.Mutex
	return func(done, _ int, ex *mockvibes.Exchange) {
		mu.Lock()
		defer mu.Unlock()
		if !term {
			status := fmt.Sprint(ex.Status)
			if ex.Status == 0 {
				status = "error: " + ex.Err
			}
			fmt.Fprintf(w, "%d %s attempt %d: %s (%v)\n", done, ex.Message, ex.Attempt, status, ex.Duration.Round(10*time.Microsecond))
			return
		}
		const width = 30
		filled := width
		label := fmt.Sprintf("%d", done)
		if total > 0 {
			filled = min(width, done*width/total)
			label = fmt.Sprintf("%d/%d", done, total)
		}
		fmt.Fprintf(w, "\r[%s%s] %s %-40.40s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), label, ex.Message)
	}
}

func runReplay(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", "", "the endpoint `URL` to re-send to (required)")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the answer")
	defer func() {
		if parsed != nil {
			parsed(fs)
		}
	}()
	// Flags may come after the file: take them from anywhere.
	var files []string
	rest := args
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			if err == flag.ErrHelp {
				flagsFromEnv(fs)
				return 0
			}
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if err := flagsFromEnv(fs); err != nil {
		fmt.Fprintf(stderr, "mm7harness replay: %v\n", err)
		return exitUsage
	}
	if len(files) != 1 || *endpoint == "" {
		fmt.Fprintln(stderr, "usage: mm7harness replay FILE.request.http --endpoint URL")
		return exitUsage
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "mm7harness replay: %v\n", err)
		return exitUsage
	}
	s := &mockvibes.Sender{Endpoint: *endpoint, Timeout: *timeout, MaxRetries: -1}
	if _, err := s.Run(context.Background(), []mockvibes.Message{{Name: files[0], Raw: raw}}, 1, 0); err != nil {
		fmt.Fprintf(stderr, "mm7harness replay: %v\n", err)
		return exitUsage
	}
	ex := s.Exchanges()[0]
	if ex.Status == 0 {
		fmt.Fprintf(stderr, "mm7harness replay: no answer: %s\n", ex.Err)
		return 1
	}
	stdout.Write(ex.Response)
	if !ex.OK() {
		return 1
	}
	return 0
}
