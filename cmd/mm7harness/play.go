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
	"github.com/mm7harness/mm7harness/internal/term"
	"github.com/mm7harness/mm7harness/mockvibes"
)

// playArgs are play's flags: the sender's bound to it, and what selects
// the messages.
type playArgs struct {
	sender      mockvibes.Sender
	flavour     mm7.Flavour
	cases, kind string
	profiles    string
	count       int
	duration    time.Duration
}

func playFlags(fs *flag.FlagSet) *playArgs {
	a := &playArgs{}
	s := &a.sender
	fs.StringVar(&s.Endpoint, "endpoint", "", "the MM7 endpoint `URL` to send to (required)")
	flavourFlag(fs, &a.flavour, "only corpus cases of this `FLAVOUR`")
	fs.StringVar(&a.cases, "cases", "", "comma-separated corpus case `IDs` (a trailing * matches a prefix); default: every case a correct endpoint accepts")
	fs.StringVar(&a.kind, "kind", "", "only corpus cases of `KIND` (deliver, delivery-report, read-reply)")
	fs.IntVar(&s.Concurrency, "concurrency", 1, "connections sending at once")
	fs.Float64Var(&s.Rate, "rate", 0, "messages per second across all connections (0: as fast as answered)")
	fs.IntVar(&a.count, "count", 0, "messages to send, cycling through the selection (default: each once)")
	fs.DurationVar(&a.duration, "duration", 0, "keep sending for this long instead of a count")
	fs.DurationVar(&s.Timeout, "timeout", mockvibes.VibesTimeout, "how long to wait for an answer (Vibes: 2s)")
	fs.DurationVar(&s.RetryInterval, "retry-interval", mockvibes.VibesRetryInterval, "wait between retries of a non-2xx or timed-out message (Vibes: 5m)")
	fs.IntVar(&s.MaxRetries, "max-retries", mockvibes.VibesMaxRetries, "retries per message (Vibes: 5; 0 for none)")
	fs.StringVar(&s.Transcript, "transcript", "", "write every exchange as replayable files into `DIR`")
	fs.StringVar(&a.profiles, "profile", "", "comma-separated sender misbehaviours: "+strings.Join(mockvibes.ProfileNames(), ", "))
	return a
}

// messages are the request files named on the command line, else the
// corpus cases the flags select.
func (a *playArgs) messages(files []string) ([]mockvibes.Message, error) {
	var msgs []mockvibes.Message
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, mockvibes.Message{Name: f, Raw: raw})
	}
	if len(files) > 0 {
		return msgs, nil
	}
	filter := corpus.Filter{Kind: corpus.Kind(a.kind), Flavour: a.flavour}
	if a.cases != "" {
		filter.IDs = strings.Split(a.cases, ",")
	} else {
		filter.Outcome = corpus.Accept
	}
	for _, c := range corpus.Select(filter) {
		if c.Kind == corpus.KindSubmit && a.cases == "" {
			continue // SubmitReq goes to Vibes, not to an MM7 endpoint of a customer
		}
		msgs = append(msgs, mockvibes.Message{Name: c.ID, Case: c})
	}
	if len(msgs) == 0 {
		return nil, errors.New("no corpus case matches")
	}
	return msgs, nil
}

const playUsage = `usage: mm7harness play --endpoint URL [flags] [FILE.http ...]

Sends corpus cases (or the given request files) to the endpoint as Vibes does.
Exit status: 0 every message acknowledged (2xx), 1 some never were, 2 usage error.`

func runPlay(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("play", stderr, playUsage, func(stderr io.Writer) {
		fmt.Fprintln(stderr, "\nsender misbehaviours (--profile; the gateway's are mm7harness mock's):")
		for _, p := range mockvibes.Profiles() {
			fmt.Fprintf(stderr, "  %-22s %s\n", p.Name, p.Desc)
		}
	})
	a := playFlags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fail := usageError("play", stderr)
	if a.sender.Endpoint == "" {
		return fail("--endpoint is required")
	}
	s := &a.sender
	var err error
	if s.Profiles, err = mockvibes.ParseProfiles(a.profiles); err != nil {
		return fail("%v", misplaced(err))
	}
	msgs, err := a.messages(fs.Args())
	if err != nil {
		return fail("%v", err)
	}
	if s.MaxRetries == 0 {
		s.MaxRetries = -1
	}
	total := a.count
	if total == 0 && a.duration == 0 {
		total = len(msgs)
	}
	s.Progress = progress(stdout, total)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	sum, err := s.Run(ctx, msgs, total, a.duration)
	if err != nil && ctx.Err() == nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stdout, "\n%s\n", sum)
	if !allDelivered(s.Exchanges()) {
		return 1
	}
	return 0
}

// allDelivered: every message got a 2xx to one of its attempts.
func allDelivered(exchanges []*mockvibes.Exchange) bool {
	delivered := map[string]bool{}
	for _, e := range exchanges {
		key := e.TransactionID + "|" + e.Message
		delivered[key] = delivered[key] || e.OK()
	}
	for _, ok := range delivered {
		if !ok {
			return false
		}
	}
	return true
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
	onTerminal := term.Is(w)
	var mu sync.Mutex
	return func(done, _ int, ex *mockvibes.Exchange) {
		mu.Lock()
		defer mu.Unlock()
		if !onTerminal {
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
	fs := newFlagSet("replay", stderr, "", nil)
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
