package mockvibes

// ring keeps the last items recorded, so that a mock left running (or fed
// by a hostile client) holds a bounded history. Items are numbered from 1
// in the order recorded; the numbers go on across a reset, so that a
// client paging with ?after= never sees one number twice.
type ring[T any] struct {
	max     int
	items   []T // circular once full: the oldest at head
	head    int
	last    int // the number of the newest item
	dropped int // items dropped to stay within max (a reset drops none)
}

func newRing[T any](max int) *ring[T] { return &ring[T]{max: max} }

// add records v, dropping the oldest when full, and returns v's number.
func (r *ring[T]) add(v T) int {
	r.last++
	if len(r.items) < r.max {
		r.items = append(r.items, v)
		return r.last
	}
	r.items[r.head] = v
	r.head = (r.head + 1) % r.max
	r.dropped++
	return r.last
}

// next is the number the next item will get.
func (r *ring[T]) next() int { return r.last + 1 }

// first is the number of the oldest item kept.
func (r *ring[T]) first() int { return r.last - len(r.items) + 1 }

// list returns, oldest first, at most limit items (every one when limit
// is 0) numbered after after, and whether more follow them.
func (r *ring[T]) list(after, limit int) (out []T, more bool) {
	skip := max(0, after-r.first()+1)
	n := len(r.items) - skip
	if n <= 0 {
		return nil, false
	}
	if limit > 0 && n > limit {
		n, more = limit, true
	}
	out = make([]T, n)
	for i := range out {
		out[i] = r.items[(r.head+skip+i)%len(r.items)]
	}
	return out, more
}

// reset forgets every item; the numbering goes on.
func (r *ring[T]) reset() {
	clear(r.items) // let what they point to go
	r.items, r.head = r.items[:0], 0
}
