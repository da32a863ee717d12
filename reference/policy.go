package reference

import (
	"github.com/mm7harness/mm7harness/harness/mm7"
)

// faultCode is the SOAP 1.1 faultcode for an MM7 status: the server's
// fault for 3xxx (its own failure), the client's for everything else.
func faultCode(c mm7.StatusCode) string {
	if c.Class() == mm7.ClassServer {
		return "Server"
	}
	return "Client"
}
