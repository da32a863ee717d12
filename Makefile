# The targets CI runs. Every target works on a fresh Debian machine once
# `make deps` (or .ci/run) has installed libxml2-dev and pkg-config.
GO        ?= go
PKGS      := ./...
GOFLAGS_T ?= -race -count=1

FUZZTIME  ?= 60s

SOAKFLAGS ?=

.PHONY: all build test vet fmt deps bench fuzz fuzz-short demo soak

all: vet test build

# The main job on embedded defaults: the reference receiver certified in
# both flavours, with reports.
demo: deps
	bash suites/demo.sh

build:
	$(GO) build $(PKGS)

# Besides vet, gofmt and a tidy go.mod: the packages that build without cgo type-check for
# macOS and Windows as well, where customers' developers work. Those are
# the packages none of whose dependencies, their tests' included, has cgo
# files (libxml2 and SQLite have); cross-compiling has no cgo.
vet:
	$(GO) vet $(PKGS)
	@$(GO) mod tidy -diff || { echo "go.mod or go.sum is not tidy: run go mod tidy"; exit 1; }
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@set -e; pure=""; \
	for p in $$($(GO) list $(PKGS)); do \
		cgo=$$($(GO) list -test -deps -f '{{if and (not .Standard) .CgoFiles}}{{.ImportPath}}{{end}}' $$p); \
		if [ -z "$$cgo" ]; then pure="$$pure $$p"; fi; \
	done; \
	if [ -z "$$pure" ]; then echo "vet: no package builds without cgo"; exit 1; fi; \
	for os in darwin windows; do \
		echo "GOOS=$$os $(GO) vet$$pure"; \
		GOOS=$$os CGO_ENABLED=0 $(GO) vet $$pure; \
	done

test: deps vet
	$(GO) test $(GOFLAGS_T) $(PKGS)

# Go benchmarks, each printing its ratio against the baseline measured in
# the same run (README "Performance").
# Every comparison of the performance targets, several runs each, written to
# bench/RESULTS.md (medians, min-max, ratios, scaling).
bench: deps
	bash bench/install-tools
	$(GO) run ./bench/results

# Every fuzz target for FUZZTIME each (the seeds always run under `make
# test`). Crashers land in the package's testdata/fuzz; commit them. Every
# target runs even when one fails, and the run fails at the end.
FUZZ_TARGETS = ./harness/mm7:FuzzDecode ./harness/swa:FuzzRead ./harness/swa:FuzzDecodeWrapped \
	./harness/xsd:FuzzParseOnce ./reference:FuzzReceiver ./mockvibes:FuzzReadResponse
fuzz:
	@failed=""; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "$(GO) test $$pkg -run '^$$' -fuzz '^$$name\$$' -fuzztime $(FUZZTIME)"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s || failed="$$failed $$name"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz targets that failed:$$failed"; exit 1; fi

fuzz-short:
	$(MAKE) fuzz FUZZTIME=10s

# The receiver under the corpus mix for 2 minutes (SOAKFLAGS=-duration=10m
# for longer), killed with SIGKILL and restarted at random moments.
soak: deps
	$(GO) run ./bench/soak $(SOAKFLAGS)

deps:
	bash .ci/install-deps
