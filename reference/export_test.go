package reference

// SetMaxWAL sets the WAL size past which the SQLite writer starts it over,
// for a test to see the bound without writing 64 MB; it returns the undo.
func SetMaxWAL(n int64) func() {
	old := maxWAL
	maxWAL = n
	return func() { maxWAL = old }
}
