# The commands: `make run`, `make test` (CI runs exactly this), `make bench` and `make soak`.
# Each installs what is missing first. `make run` builds only the server, so a clone with nothing
# beside it runs; `make test` builds everything and needs the test corpus (see README.md, Tests).
BUILD ?= build
CMAKE_FLAGS ?=
ARGS ?=
QUICK ?= 0
# What configuring needs first; `make server DEPS=` builds without installing anything.
DEPS ?= deps
# ccache (used when installed) keys on paths relative to the checkout, so a clone in another
# folder (CI's) reuses what this one compiled. clang-tidy's cache (scripts/tidy.py) lives inside
# ccache's folder (`ccache -k cache_dir`, by default ~/.cache/ccache; IMGPIPE_TIDY_CACHE moves
# it) and is path-independent too: CI keeps that one folder between runs and gets both.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

# No corpus: `make test` stops before installing or building, with one line saying where it
# looked and which variable to set.
ifneq ($(filter test,$(MAKECMDGOALS)),)
    testdata_error := $(shell scripts/check-testdata.sh 2>&1 >/dev/null)
    $(if $(testdata_error),$(error $(testdata_error)))
endif

.PHONY: all deps configure server build run test bench soak docs clean

all: build

deps:
	@scripts/install-deps.sh

configure: $(DEPS)
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) >/dev/null

# The server alone: no tests, no benchmarks.
server: configure
	@cmake --build $(BUILD) --target imgpipe

build: configure
	@cmake --build $(BUILD)

run: server
	$(BUILD)/src/app/imgpipe serve $(ARGS)

test: build
	@scripts/run-tests.sh $(BUILD)

# Every benchmark under bench/ in one go, written to docs/BENCHMARKS.md (see README.md,
# Benchmarks). `make bench QUICK=1`: smallest sizes, to check the run itself.
bench: configure
	@cmake --build $(BUILD) --target bench/all
	@QUICK=$(QUICK) scripts/bench-all.sh $(BUILD)

# The architecture picture in README.md, from its Graphviz source.
docs: docs/architecture.svg

docs/architecture.svg: docs/architecture.dot
	dot -Tsvg $< -o $@

# The soak (hostile clients, 200 uploaders, kill -9, full disk; minutes): see docs/RELIABILITY.md.
# Durations and sizes come from SOAK_* variables; SOAK_WRITE_DOC=1 writes the figures there.
soak: server
	@bench/soak/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)
