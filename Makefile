# Thin front end: packages, then CMake. See README.md.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
CONFIG     ?= config/bootgate.yaml
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 20
WERROR     := $(if $(CI),ON,OFF)

.PHONY: all deps test-deps bench-deps build asan fuzz-build run test unit integration fuzz bench clean

all: build

deps:
	@scripts/install-deps.sh build
test-deps:
	@scripts/install-deps.sh test
bench-deps:
	@scripts/install-deps.sh bench

build: deps
	cmake -S . -B $(BUILD) -DBOOTGATE_WERROR=$(WERROR) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DBOOTGATE_SANITIZE=ON -DBOOTGATE_BPF=OFF -DBOOTGATE_WERROR=$(WERROR) >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS) --target unit_tests

fuzz-build: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DBOOTGATE_FUZZ=ON -DBOOTGATE_WERROR=$(WERROR) >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS)

run: build
	$(BUILD)/bootgate serve --config $(CONFIG)

# The whole suite: unit tests (plain and ASan+UBSan), a short fuzz run, integration with real peers.
test: test-deps build asan fuzz-build
	ctest --test-dir $(BUILD) -L unit --output-on-failure -j$(JOBS)
	ctest --test-dir $(ASAN_BUILD) -L unit --output-on-failure -j$(JOBS)
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)
	ctest --test-dir $(BUILD) -L bpf --output-on-failure --no-tests=ignore
	ctest --test-dir $(BUILD) -L integration --output-on-failure

unit: build
	ctest --test-dir $(BUILD) -L unit --output-on-failure -j$(JOBS)

integration: test-deps build
	ctest --test-dir $(BUILD) -L bpf --output-on-failure --no-tests=ignore
	ctest --test-dir $(BUILD) -L integration --output-on-failure

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) 600

bench: bench-deps build
	bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
