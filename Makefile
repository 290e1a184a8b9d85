# The two commands of the README:
#   make run    install what is missing, build, start fargo on 127.0.0.1:4566
#   make test   install what is missing, build, run the whole test suite
BUILD ?= build
JOBS  ?= $(shell nproc)
DATA  ?= $(HOME)/.local/share/fargo

.PHONY: run test build setup setup-test bench fuzz clean

run: setup build
	@scripts/engine.sh start || echo "fargo: the container engine is not ready (see above for the fix); the APIs run, tasks will fail to start" >&2
	$(BUILD)/fargo serve --port 4566 --data-dir $(DATA)

test:
	BUILD=$(BUILD) scripts/test.sh

build:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	ninja -C $(BUILD) -j$(JOBS)

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

bench: build
	bench/run_all.sh

# Every libFuzzer target for FUZZ_SECONDS (default 30) each.
fuzz:
	scripts/fuzz.sh

clean:
	rm -rf $(BUILD)
