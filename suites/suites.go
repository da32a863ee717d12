// Package suites certifies an MM7 endpoint for Vibes with Ginkgo v2 and
// Gomega: it plays the corpus against the endpoint as Vibes would and
// judges every answer with the checks of harness/check. Run is what
// `mm7harness certify` calls; Ginkgo runs the specs in-process, once per
// process.
package suites

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/internal/defaults"
	"github.com/mm7harness/mm7harness/mockvibes"
)

// Config is one certification run.
type Config struct {
	Endpoint string
	Flavour  mm7.Flavour
	Profile  check.Profile
	// Ops are the operations the endpoint serves; default deliver and
	// delivery-report, what Vibes sends.
	Ops []corpus.Kind
	// Cases restricts the corpus cases (IDs, or prefixes ending in "*").
	Cases       []string
	LabelFilter string
	SkipChecks  []string
	Schemas     *xsd.Schemas
	// Budget is Vibes' latency budget (2 s): a later answer fails
	// transport-latency. A valid message's exchange is cut off at Budget
	// plus Grace (default a quarter of Budget, at least 500 ms): what Vibes
	// never waits for cannot pass.
	Budget, Grace time.Duration
	// BadInputTimeout bounds the exchange of a negative case (default
	// 10 s): bad input is not what Vibes sends, so Vibes' budget does not
	// apply, but silence still has to end.
	BadInputTimeout time.Duration
	// MaxDuration bounds the run (default 10 minutes): what is left is
	// not sent, and the run is INCOMPLETE.
	MaxDuration time.Duration
	// MaxAnswer bounds how much of one answer is read (default 1 MiB).
	MaxAnswer int
	// Concurrency is how many messages the concurrency check sends at once.
	Concurrency int
	// Negatives includes the negative cases (robustness checks).
	Negatives bool
	Seed      int64
	// TLS configures https endpoints (nil: the system's roots).
	TLS *tls.Config
	// Progress gets one line per exchange and Ginkgo's console output
	// (a mark per spec, then each failure and the totals); nil for none.
	Progress io.Writer

	goodCase *corpus.Case // the valid message sent after bad input
}

// Defaults of a run.
const (
	DefaultBadInputTimeout = 10 * time.Second
	DefaultMaxDuration     = 10 * time.Minute
	DefaultMaxAnswer       = 1 << 20
)

func (c *Config) defaults() {
	if len(c.Ops) == 0 {
		c.Ops = []corpus.Kind{corpus.KindDeliver, corpus.KindDeliveryReport}
	}
	if c.Profile == "" {
		c.Profile = check.ProfileVibes
	}
	defaults.Fill(c, Config{Budget: mockvibes.VibesTimeout, BadInputTimeout: DefaultBadInputTimeout, MaxDuration: DefaultMaxDuration,
		MaxAnswer: DefaultMaxAnswer, Concurrency: 16, Seed: c.Seed})
	if c.Grace <= 0 {
		c.Grace = max(500*time.Millisecond, c.Budget/4)
	}
}

// ErrUnreachable is returned when the endpoint cannot be connected to.
var ErrUnreachable = errors.New("suites: endpoint unreachable")

// selectCases splits the corpus cases of the run into the valid messages
// (and tolerated quirks) and the negative cases.
func selectCases(cfg *Config) (positives, negatives []*corpus.Case, err error) {
	f := corpus.Filter{Flavour: cfg.Flavour, IDs: cfg.Cases}
	for _, c := range corpus.Select(f) {
		if !slices.Contains(cfg.Ops, c.Kind) {
			continue
		}
		switch c.Expect.Outcome {
		case corpus.Accept, corpus.Tolerate:
			positives = append(positives, c)
		default:
			if cfg.Negatives {
				negatives = append(negatives, c)
			}
		}
	}
	if len(positives) == 0 {
		return nil, nil, fmt.Errorf("suites: no positive corpus case for MM7 %s and operations %v", cfg.Flavour.Name, cfg.Ops)
	}
	// The valid message after bad input, and for retries: the first
	// plain one (not a quirk).
	cfg.goodCase = positives[0]
	for _, c := range positives {
		if c.Expect.Outcome == corpus.Accept && c.Origin != corpus.OriginQuirk {
			cfg.goodCase = c
			break
		}
	}
	return positives, negatives, nil
}

// reachable dials the endpoint once.
func reachable(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("suites: endpoint %q is not an absolute http or https URL", endpoint)
	}
	c, err := net.DialTimeout("tcp", mockvibes.Address(u), 5*time.Second)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	c.Close()
	return nil
}
