# One entry point for people and CI. Every target installs what it needs into .venv.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
CARGO_FLAGS := --manifest-path native/Cargo.toml
# The load generator and the bench's crate-alone ceiling are workspaces of their own; they
# build into native/target, as bench/run.py does.
LOADGEN := CARGO_TARGET_DIR=native/target cargo
LOADGEN_FLAGS := --manifest-path loadtest/loadgen/Cargo.toml
CEILING_FLAGS := --manifest-path bench/ceiling/Cargo.toml
# The real Aerospike server CI has beside the clone (never vendored here); its node's port.
REAL_SERVER := ../shared/aerospike-server/cluster
REAL_SERVER_PORT ?= 3300

.PHONY: bench bench-devserver run devserver test lint check-rust test-rust test-python test-real docs \
	docs-serve wheel build venv \
	loadtest loadtest-quick loadgen test-faults soak

## The main job: the sample service under gunicorn (2 UvicornWorkers) on the embedded dev server.
## Ports: DEVSERVER_PORT (3000) for the dev server, GUNICORN_BIND (127.0.0.1:8000) for the app.
## Quiet: the native extension is rebuilt only when the Rust sources or pyproject.toml changed
## (Python sources are installed editable), and its build output is shown only if it fails.
run: build
	@$(PY) examples/sample-fastapi/run_dev.py

NATIVE_SOURCES := $(shell find native -path native/target -prune -o \( -name '*.rs' -o \
	-name Cargo.toml -o -name Cargo.lock \) -print 2> /dev/null)

$(VENV)/.built: $(VENV)/.installed pyproject.toml $(NATIVE_SOURCES)
	@echo "building the native extension (about a minute; once, until the Rust sources change)"
	@VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/maturin develop -q --release --extras dev \
		> $(VENV)/build.log 2>&1 || { cat $(VENV)/build.log; exit 1; }
	@touch $@

## The embedded dev server alone, on 127.0.0.1:3000.
devserver: build
	$(PY) -m aerospike_py.devserver

## Everything CI checks: lint, types, Rust checks and tests, the Python suite on the dev server and
## again on a real server, the fault tests.
test: lint check-rust test-rust test-python test-real test-faults docs

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "maturin>=1.7,<2"
	touch $@

build: $(VENV)/.built

lint: build
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(PY) -m mypy.stubtest aerospike_py._native

check-rust:
	cargo fmt $(CARGO_FLAGS) --all --check
	cargo clippy $(CARGO_FLAGS) --workspace --all-targets -- -D warnings
	$(LOADGEN) fmt $(LOADGEN_FLAGS) --check
	$(LOADGEN) clippy $(LOADGEN_FLAGS) --all-targets -- -D warnings
	$(LOADGEN) fmt $(CEILING_FLAGS) --check
	$(LOADGEN) clippy $(CEILING_FLAGS) --all-targets -- -D warnings

test-rust:
	cargo test $(CARGO_FLAGS) --workspace --exclude aerospike-py-native
	$(LOADGEN) test $(LOADGEN_FLAGS)

test-python: build loadgen
	$(BIN)/pytest -q

## The Python suite on a fresh real Aerospike node from ../shared/aerospike-server/ (port
## REAL_SERVER_PORT), twice: the second pass finds the first one's records and must pass all the
## same. The differential tests, which compare it reply by reply with the dev server, run here.
## Where that folder is absent, one line says so and nothing runs.
test-real: build loadgen
	@if [ ! -f $(REAL_SERVER) ]; then echo "test-real: skipped, no real server at $(REAL_SERVER)"; \
		exit 0; fi; \
	$(PY) -c "import socket; socket.create_server(('127.0.0.1', $(REAL_SERVER_PORT))).close()" \
		2> /dev/null || { echo "test-real: port $(REAL_SERVER_PORT) is taken; set REAL_SERVER_PORT"; \
		exit 1; }; \
	export ASD_HOME=$$(mktemp -d) ASD_PORT=$(REAL_SERVER_PORT); \
	trap 'bash $(REAL_SERVER) stop > /dev/null; rm -rf "$$ASD_HOME"' EXIT; \
	bash $(REAL_SERVER) start && for pass in 1 2; do \
		echo "test-real: pass $$pass on the real server at 127.0.0.1:$(REAL_SERVER_PORT)"; \
		AEROSPIKE_HOSTS=127.0.0.1:$(REAL_SERVER_PORT) $(BIN)/pytest -q || exit 1; \
	done

## Fault tests (~1.5 min): a node of a fresh three-node real cluster from ../shared/aerospike-server/
## (FAULTS_CLUSTER_PORT, +10, +20, each with the next three ports; clear of test-real's 3300) killed
## and restarted under load, through the client and under the sample app behind gunicorn; network
## faults and secrets on the dev server. Where that folder is absent the cluster tests skip.
## FAULTS_PLOT=<file>.png also draws the node-loss timeline; the figures are printed.
FAULTS_CLUSTER_PORT ?= 3800
test-faults: build
	FAULTS_CLUSTER_PORT=$(FAULTS_CLUSTER_PORT) $(BIN)/pytest -q -s tests/faults

## The documentation site; --strict turns every warning (broken link, bad reference) into an error.
docs: build
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -q

## The documentation site served with live reload on DOCS_ADDR (beside make run's 8000).
DOCS_ADDR ?= 127.0.0.1:8001
docs-serve: build
	@NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve -a $(DOCS_ADDR)

## The wheel users install (no Rust needed): manylinux, maturin's compatibility check must pass
## (--auditwheel check fails the build otherwise). Written to dist/.
wheel: venv
	$(BIN)/maturin build --release --auditwheel check --out dist

## The client benchmark (~7 min on 2 cores): ours, the published aerospike-py, the official client
## and the Rust crate alone on one dev server, taking turns; the issue's targets as paired ratios.
## Writes bench/results/latest.{json,md}.
bench: build
	$(PY) bench/run.py --rounds 5

## Dev-server throughput driven by the Rust crate at concurrency 64 (prints figures, asserts nothing).
bench-devserver:
	cargo run $(CARGO_FLAGS) --release -p aerospike-devserver --example bench

## The open-loop load generator (Rust) the load-test harness drives.
loadgen:
	$(LOADGEN) build $(LOADGEN_FLAGS) --release -q

## The load-test comparison (~17 min on 2 cores, bounded at 31): ours, the published aerospike-py, the
## official client and no database behind the same routes under gunicorn, rate sweeps to the
## knee, overload.
## Writes loadtest/results/latest.{json,md} and a PNG per configuration.
loadtest: build loadgen
	$(PY) -m loadtest.run

## The same, short (~2 min): single get on each app, the no-database route, overload.
loadtest-quick: build loadgen
	$(PY) -m loadtest.run --quick

## The soak (SOAK_SECONDS, 600 by default; CI's test runs a short one): mixed traffic through the
## sample under gunicorn at half its mixed knee; resident memory and open descriptors must stay
## flat after the warm-up (under 5%), with no error. Writes loadtest/results/soak.{json,png}.
SOAK_SECONDS ?= 600
soak: build loadgen
	$(PY) -m loadtest.soak --seconds $(SOAK_SECONDS)
