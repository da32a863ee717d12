package defaults

import (
	"testing"
	"time"
)

func TestFillSetsOnlyUnsetNumbers(t *testing.T) {
	type limits struct {
		Bytes   int64
		Parts   int
		Wait    time.Duration
		Ratio   float64
		Count   uint
		Name    string
		private int
	}
	d := limits{Bytes: 10, Parts: 20, Wait: time.Second, Ratio: 0.5, Count: 3, Name: "default", private: 9}
	got := limits{Bytes: 5, Parts: -1, Ratio: 0}
	Fill(&got, d)
	want := limits{Bytes: 5, Parts: 20, Wait: time.Second, Ratio: 0.5, Count: 3}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
