package reference

import (
	"errors"
	"sync/atomic"
)

// What a receiver holds in memory is bounded by what it configured, not
// by what its peers declare: the memory every request's body takes is
// reserved against one budget before it is allocated, and a request that
// would pass it is refused (503) rather than read further.

// errBusy is a body that would take the budget past its bound.
var errBusy = errors.New("reference: memory for bodies in flight over the limit")

// budget is a bound on bytes held across requests.
type budget struct {
	max  int64
	used atomic.Int64
}

func (b *budget) take(n int64) bool {
	if b.used.Add(n) > b.max {
		b.used.Add(-n)
		return false
	}
	return true
}

func (b *budget) give(n int64) { b.used.Add(-n) }

// reservation is one request's share of the budget.
type reservation struct {
	b    *budget
	held int64
}

// reserve takes room for a body buffer growing by n bytes, twice over:
// the buffer, and what is decoded from it (base64 attachments, the SOAP
// part in UTF-8).
func (r *reservation) reserve(n int64) error {
	if !r.b.take(2 * n) {
		return errBusy
	}
	r.held += 2 * n
	return nil
}

func (r *reservation) release() {
	r.b.give(r.held)
	r.held = 0
}
