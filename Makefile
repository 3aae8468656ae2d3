# Thin front for the CMake build: run a demo node, test everything, benchmark.
.PHONY: all deps test-deps build run test format-check bench fuzz clean

JOBS ?= $(shell nproc)
DATA ?= var
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 10

all: build

deps:
	@tools/bootstrap

test-deps:
	@tools/bootstrap --test

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j $(JOBS)

# Only the node's programs: the dashboard is up minutes sooner on a new machine.
run: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j $(JOBS) --target node
	build/bin/hcap-node --data $(DATA) --demo

format-check: test-deps
	@tools/format-check

# The release build is what `make run` starts: it must compile too (asserts
# vanish there, so -Werror sees what the sanitizer build cannot).
test: test-deps format-check build
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DHCAP_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 600
	@JOBS=$(JOBS) tests/fuzz/run $(FUZZ_TEST_SECONDS)

bench: build
	build/bin/hcap-bench

# libFuzzer targets (clang, build-fuzz), each for FUZZ_SECONDS on a
# temporary copy of its corpus under tests/fuzz/corpus.
fuzz: test-deps
	@JOBS=$(JOBS) tests/fuzz/run $(FUZZ_SECONDS)

clean:
	rm -rf build build-asan build-fuzz
