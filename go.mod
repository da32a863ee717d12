module github.com/mm7harness/mm7harness

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/lestrrat-go/libxml2 v0.0.0-20260709020957-3f0f7bd60b63
	golang.org/x/text v0.44.0
)

require github.com/pkg/errors v0.9.1 // indirect
