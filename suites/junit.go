package suites

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/mm7harness/mm7harness/harness/check"
)

// junit.xml in the Surefire structure CI servers read: a testsuite per
// case group, a testcase per check of a case. A failure is a <failure>; a
// warning and information pass, with a note in <system-out>; n/a, skipped
// and not-run are <skipped> with the reason.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes the outcome as JUnit XML.
func (o *Outcome) writeJUnit(w io.Writer) error {
	all := junitSuites{Name: fmt.Sprintf("MM7 %s certification (%s profile): %s", o.Flavour, o.Profile, o.Verdict),
		Time: strconv.FormatFloat(o.Duration.Seconds(), 'f', 3, 64)}
	bySuite := map[string]*junitSuite{}
	for _, g := range GroupOrder {
		bySuite[g] = &junitSuite{Name: g, Timestamp: o.Started.UTC().Format(time.RFC3339),
			Properties: []junitProperty{{"endpoint", o.Endpoint}, {"flavour", o.Flavour}, {"profile", o.Profile}, {"verdict", o.Verdict}}}
	}
	for _, c := range o.Checks {
		s := bySuite[c.Group]
		if s == nil {
			continue
		}
		tc := junitCase{Name: c.Case + ": " + c.Check + " [" + c.Level + "]", Classname: c.Group + "." + c.Case}
		switch c.Verdict {
		case string(check.Fail):
			tc.Failure = &junitProblem{Message: c.Check + ": expected " + c.Expected, Type: c.Level, Text: "expected " + c.Expected + "\nactual " + c.Actual}
			s.Failures++
		case string(check.Warn):
			tc.SystemOut = "WARNING (" + c.Check + "): expected " + c.Expected + "\nactual " + c.Actual
		case string(check.Info):
			tc.SystemOut = "INFO (" + c.Check + "): " + c.Actual
		case string(check.Pass):
		default:
			why := c.Reason
			if why == "" || c.Verdict == string(check.NA) {
				why = c.Actual
			}
			tc.Skipped = &junitProblem{Message: c.Verdict + ": " + why}
			s.Skipped++
		}
		s.Tests++
		s.Cases = append(s.Cases, tc)
	}
	for _, g := range GroupOrder {
		s := bySuite[g]
		if len(s.Cases) == 0 {
			continue
		}
		all.Suites = append(all.Suites, *s)
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Skipped += s.Skipped
	}
	if len(all.Suites) == 0 {
		all.Suites = append(all.Suites, junitSuite{Name: "nothing selected", Timestamp: o.Started.UTC().Format(time.RFC3339)})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
