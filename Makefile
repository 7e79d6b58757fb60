# The two commands a new user needs (see README.md):
#   make run    install what is missing, build, run the default scenario
#   make test   install what is missing, build, run the whole test suite
BUILD ?= build
PRESET ?= release
SCENARIO ?= scenarios/default.yaml
OUT ?= out/default
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run test asan clean bench

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

bench: build
	./$(BUILD)/$(PRESET)/marrow bench

clean:
	rm -rf $(BUILD) out
