package reference_test

import (
	"context"
	"sync/atomic"

	"github.com/mm7harness/mm7harness/reference"
)

// nullStore keeps nothing; the benchmark uses it to measure the receiver
// without storage.
type nullStore struct{ n atomic.Int64 }

func (s *nullStore) Save(ctx context.Context, r *reference.Record) (int64, bool, error) {
	return s.n.Add(1), false, nil
}
func (s *nullStore) List(context.Context, reference.Query) ([]*reference.Record, error) {
	return nil, nil
}
func (s *nullStore) Get(context.Context, int64) (*reference.Record, error) {
	return nil, reference.ErrNotFound
}
func (s *nullStore) Part(context.Context, int64, int) (*reference.StoredPart, error) {
	return nil, reference.ErrNotFound
}
func (s *nullStore) Count(context.Context) (int64, error) { return s.n.Load(), nil }
func (s *nullStore) Ping(context.Context) error           { return nil }
func (s *nullStore) Close() error                         { return nil }
