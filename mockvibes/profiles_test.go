package mockvibes_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mm7harness/mm7harness/mockvibes"
)

// Mock profiles were one union in one map: the sender took a gateway
// fault, and the gateway a sender profile, and neither did anything.
func TestProfileGivenToTheWrongSideIsRefused(t *testing.T) {
	for _, name := range mockvibes.GatewayFaultNames() {
		_, err := mockvibes.ParseProfiles("slow-body," + name)
		var m *mockvibes.MisplacedError
		if !errors.As(err, &m) || m.Name != name || !m.Gateway {
			t.Errorf("ParseProfiles(%q): got %v, want a MisplacedError saying it is a gateway fault", name, err)
		}
	}
	for _, name := range mockvibes.ProfileNames() {
		_, err := mockvibes.ParseGatewayFaults("gateway-slow," + name)
		var m *mockvibes.MisplacedError
		if !errors.As(err, &m) || m.Name != name || m.Gateway {
			t.Errorf("ParseGatewayFaults(%q): got %v, want a MisplacedError saying it is a sender profile", name, err)
		}
	}
}

// No name is both a sender profile and a gateway fault, and each table
// lists its names sorted, with what each does.
func TestProfileTablesAreApart(t *testing.T) {
	profiles, faults := mockvibes.ProfileNames(), mockvibes.GatewayFaultNames()
	if !slices.IsSorted(profiles) || !slices.IsSorted(faults) {
		t.Errorf("names: got %v and %v, want each sorted", profiles, faults)
	}
	for _, name := range profiles {
		if slices.Contains(faults, name) {
			t.Errorf("%s: both a sender profile and a gateway fault", name)
		}
	}
	for _, p := range mockvibes.Profiles() {
		if p.Desc == "" || p.Rewrite == nil && p.Send == nil && !p.Duplicate {
			t.Errorf("sender profile %s: got no description or no misbehaviour, want both", p.Name)
		}
	}
	for _, f := range mockvibes.GatewayFaults() {
		if f.Desc() == "" {
			t.Errorf("gateway fault %s: got no description, want one", f)
		}
	}
}

func TestParseProfileLists(t *testing.T) {
	ps, err := mockvibes.ParseProfiles(" no-start, ,duplicate-tid ")
	if err != nil || len(ps) != 2 || ps[0].Name != "no-start" || ps[1].Name != "duplicate-tid" {
		t.Errorf("ParseProfiles: got %d profiles, %v; want no-start, duplicate-tid", len(ps), err)
	}
	fs, err := mockvibes.ParseGatewayFaults("gateway-drop,gateway-capacity")
	if err != nil || !slices.Equal(fs, []mockvibes.GatewayFault{mockvibes.GatewayDrop, mockvibes.GatewayCapacity}) {
		t.Errorf("ParseGatewayFaults: got %v, %v; want gateway-drop, gateway-capacity", fs, err)
	}
	if ps, err := mockvibes.ParseProfiles(""); err != nil || len(ps) != 0 {
		t.Errorf("ParseProfiles(\"\"): got %d profiles, %v; want none", len(ps), err)
	}
	for _, c := range []struct {
		parse func(string) error
		want  string
	}{
		{func(s string) error { _, err := mockvibes.ParseProfiles(s); return err }, "no sender profile"},
		{func(s string) error { _, err := mockvibes.ParseGatewayFaults(s); return err }, "no gateway fault"},
	} {
		err := c.parse("nonesuch")
		var m *mockvibes.MisplacedError
		if err == nil || errors.As(err, &m) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("an unknown name: got %v, want %q", err, c.want)
		}
	}
}
