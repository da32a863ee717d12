package mtcli

import (
	"flag"
	"io"
	"testing"
)

// The MM7_* variables fill what the command line left alone, whatever
// form the command line took, and a value a flag cannot take names its
// variable.
func TestApplyEnv(t *testing.T) {
	for _, e := range Env {
		t.Setenv(e.Var, "")
	}
	t.Setenv("MM7_URL", "http://env/mm7")
	t.Setenv("MM7_RECIPIENT", "+13125550071")
	t.Setenv("MM7_DELIVERY_REPORT", "true")
	t.Setenv("MM7_VERSION", "5.5.0")
	for _, c := range []struct {
		args           []string
		endpoint, to   string
		deliveryReport bool
		flavour        string
	}{
		{nil, "http://env/mm7", "+13125550071", true, "5.5.0"},
		{[]string{"--to", "3125550072", "-delivery-report=false"}, "http://env/mm7", "3125550072", false, "5.5.0"},
		{[]string{"-endpoint=http://cli/mm7", "--flavour", "6.8.0", "--delivery-report", "--subject", "--to"}, "http://cli/mm7", "+13125550071", true, "6.8.0"},
	} {
		fs := flag.NewFlagSet("submit", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		a := Declare(fs)
		fs.TextVar(&a.Flavour, "flavour", a.Flavour, FlavourUsage)
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		if err := ApplyEnv(fs, c.args); err != nil {
			t.Fatal(err)
		}
		if a.Endpoint != c.endpoint || a.To != c.to || a.DeliveryReport != c.deliveryReport || a.Flavour.Name != c.flavour {
			t.Errorf("%q: got %s %s %t %s", c.args, a.Endpoint, a.To, a.DeliveryReport, a.Flavour)
		}
	}
	t.Setenv("MM7_DELIVERY_REPORT", "sometimes")
	fs := flag.NewFlagSet("submit", flag.ContinueOnError)
	Declare(fs)
	if err := ApplyEnv(fs, nil); err == nil || err.Error()[:19] != "MM7_DELIVERY_REPORT" {
		t.Errorf("a bad value: %v", err)
	}
}
