package reference

import (
	"errors"
	"io"
	"sync/atomic"
)

// What a receiver holds in memory is bounded by what it configured, not
// by what its peers declare: every request's body bytes are counted
// against one budget as they arrive, and a request that would pass it is
// refused (503) rather than read.

// errBusy is a body that would take the budget past its bound.
var errBusy = errors.New("reference: body bytes in flight over the limit")

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

// heldReader counts what it reads against a budget until released.
type heldReader struct {
	r    io.Reader
	b    *budget
	held int64
}

func (h *heldReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if n > 0 {
		if !h.b.take(int64(n)) {
			return 0, errBusy
		}
		h.held += int64(n)
	}
	return n, err
}

func (h *heldReader) release() {
	h.b.give(h.held)
	h.held = 0
}
