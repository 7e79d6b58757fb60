# The two commands a new user needs (see README.md):
#   make run    install what is missing, build, run the default scenario
#   make test   install what is missing, build, run the whole test suite
BUILD ?= build
PRESET ?= release
SCENARIO ?= scenarios/default.yaml
OUT ?= out/default
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run test asan fuzz fault clean bench

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS)

run: build
	./$(BUILD)/$(PRESET)/marrow run $(SCENARIO) -o $(OUT)

test: build
	cd $(BUILD)/$(PRESET) && ctest --output-on-failure -j $(JOBS)

asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	cd $(BUILD)/asan && ctest --output-on-failure -j $(JOBS) -LE slow

# Explore each fuzz target with libFuzzer for FUZZ_SECONDS (clang, ASan+UBSan);
# new inputs go to a scratch corpus, crashes to build/fuzz/crash-*: copy the ones
# worth keeping into tests/fuzz/corpus/<name>/ (the suite replays those).
FUZZ_SECONDS ?= 120
fuzz:
	@sh scripts/install-deps.sh --fuzz
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target libfuzz_scenario libfuzz_rows libfuzz_report
	@for t in scenario rows report; do \
	  mkdir -p $(BUILD)/fuzz/corpus-$$t; \
	  echo "fuzz $$t for $(FUZZ_SECONDS) s"; \
	  ./$(BUILD)/fuzz/tests/libfuzz_$$t $(BUILD)/fuzz/corpus-$$t tests/fuzz/corpus/$$t \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 -max_len=262144 \
	    -artifact_prefix=$(BUILD)/fuzz/ -print_final_stats=1 2>&1 | tail -n 12 || exit 1; \
	done

# Fail every allocation of a small run and a small cohort in turn (about 60,000
# runs; the suite's fault.alloc_failure tries 420 of them).
fault: build
	ALL=1 sh tests/fault/alloc_failure.sh $(BUILD)/$(PRESET)/marrow \
	  $(BUILD)/$(PRESET)/tests/libfailalloc.so

bench: build
	./$(BUILD)/$(PRESET)/marrow bench

clean:
	rm -rf $(BUILD) out
