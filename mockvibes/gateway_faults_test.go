package mockvibes

import "testing"

// Every gateway fault says what it does and acts at exactly one moment:
// before the request is read, or in the account's flavour.
func TestEveryGatewayFaultActsOnce(t *testing.T) {
	for _, e := range gatewayFaults {
		if e.desc == "" || (e.before == nil) == (e.inFlavour == nil) {
			t.Errorf("%s: description %q, acts before reading %t, in the flavour %t", e.fault, e.desc, e.before != nil, e.inFlavour != nil)
		}
	}
}
