package mockvibes

import (
	"net/http"
	"slices"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// GatewayFault is a misbehaviour of the mock gateway (mm7harness mock):
// how its submit endpoint answers. The value is the fault's name.
type GatewayFault string

// gatewayFault is an entry of the table: what the fault is, and what it
// does. A fault acts either before anything is read (before), or once the
// account is known, answering in its flavour (inFlavour); either returns
// whether it answered (or dropped) the request.
type gatewayFault struct {
	fault     GatewayFault
	desc      string
	before    func(g *Gateway, w http.ResponseWriter, r *http.Request) bool
	inFlavour func(g *Gateway, w http.ResponseWriter, v mm7.Flavour) bool
}

// The gateway faults.
const (
	GatewaySlow     GatewayFault = "gateway-slow"
	GatewayHTTP500  GatewayFault = "gateway-http-500"
	GatewayFaultRS  GatewayFault = "gateway-fault"
	GatewayDrop     GatewayFault = "gateway-drop"
	GatewayCapacity GatewayFault = "gateway-capacity"
)

// gatewayFaults is the table, in the order the faults act when several
// are on. A new fault is an entry here, and a test.
var gatewayFaults = []gatewayFault{
	{fault: GatewayDrop, desc: "the mock gateway drops the connection without answering",
		before: func(_ *Gateway, w http.ResponseWriter, _ *http.Request) bool {
			// A connection that cannot be taken over gets a normal answer.
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return true
				}
			}
			return false
		}},
	{fault: GatewayHTTP500, desc: "the mock gateway answers HTTP 500 without a body",
		before: func(_ *Gateway, w http.ResponseWriter, _ *http.Request) bool {
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}},
	{fault: GatewaySlow, desc: "the mock gateway answers SubmitReq slowly",
		before: func(g *Gateway, _ http.ResponseWriter, r *http.Request) bool {
			select {
			case <-time.After(g.SlowDelay):
				return false
			case <-r.Context().Done():
				return true
			}
		}},
	{fault: GatewayCapacity, desc: "the mock gateway answers 4005 (Vibes: platform reached capacity, retry later)",
		inFlavour: func(g *Gateway, w http.ResponseWriter, v mm7.Flavour) bool {
			g.answerError(w, http.StatusInternalServerError, v, "", mm7.VibesPlatformCapacity, "Platform reached capacity - retry in a few minutes")
			return true
		}},
	{fault: GatewayFaultRS, desc: "the mock gateway answers a SOAP Fault with RSErrorRsp 3000",
		inFlavour: func(g *Gateway, w http.ResponseWriter, v mm7.Flavour) bool {
			g.answerError(w, http.StatusInternalServerError, v, "", mm7.StatusServerError, "Request processing error")
			return true
		}},
}

func lookupFault(f GatewayFault) (gatewayFault, bool) {
	i := slices.IndexFunc(gatewayFaults, func(e gatewayFault) bool { return e.fault == f })
	if i < 0 {
		return gatewayFault{}, false
	}
	return gatewayFaults[i], true
}

// Desc says what the fault does ("" for no fault of the table).
func (f GatewayFault) Desc() string {
	e, _ := lookupFault(f)
	return e.desc
}

// GatewayFaults returns the gateway faults, sorted.
func GatewayFaults() []GatewayFault {
	out := make([]GatewayFault, len(gatewayFaults))
	for i, e := range gatewayFaults {
		out[i] = e.fault
	}
	slices.Sort(out)
	return out
}

// GatewayFaultNames lists the gateway faults, sorted.
func GatewayFaultNames() []string {
	var out []string
	for _, f := range GatewayFaults() {
		out = append(out, string(f))
	}
	return out
}

// misbehave applies the faults on that act before anything is read, and
// reports whether one answered (or dropped) the request. They come first:
// they are what the customer is testing.
func (g *Gateway) misbehave(w http.ResponseWriter, r *http.Request) bool {
	for _, e := range gatewayFaults {
		if e.before != nil && slices.Contains(g.Faults, e.fault) && e.before(g, w, r) {
			return true
		}
	}
	return false
}

// misbehaveInFlavour applies the faults on that answer in the account's
// flavour, and reports whether one answered.
func (g *Gateway) misbehaveInFlavour(w http.ResponseWriter, v mm7.Flavour) bool {
	for _, e := range gatewayFaults {
		if e.inFlavour != nil && slices.Contains(g.Faults, e.fault) && e.inFlavour(g, w, v) {
			return true
		}
	}
	return false
}
