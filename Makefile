# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make demo   the example events through Perkville, sent to a local Perkville sandbox
#   make test   lint, type-check and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages the tests need, installed when missing: Chromium, driven by Playwright
# in tests/ui, and redis-server, which the Redis queue tests start on loopback themselves
CHROMIUM := /usr/bin/chromium
REDIS := /usr/bin/redis-server

.PHONY: demo test test-loaded lint typecheck bench bench-scaling bench-compare clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# The project's runtime dependencies as wheels (its own wheel removed), so that
# tests/packaging can install a freshly built wheel into a new virtualenv with no network
WHEELHOUSE := $(VENV)/wheelhouse
$(WHEELHOUSE)/.built: pyproject.toml | $(STAMP)
	rm -rf $(WHEELHOUSE)
	$(BIN)/pip wheel --quiet --disable-pip-version-check --wheel-dir $(WHEELHOUSE) .
	rm -f $(WHEELHOUSE)/destination_actions-*.whl
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck $(CHROMIUM) $(REDIS) $(WHEELHOUSE)/.built
	$(BIN)/actions schemas --check
	$(BIN)/actions docs --check
	$(BIN)/actions validate
	$(BIN)/pytest

# make test while a CPU-bound busy loop runs on every core (the suite must not depend on
# the machine's speed); prints the outcome and the load average
test-loaded:
	PYTHON=$(PYTHON) MAKE=$(MAKE) sh scripts/load-test.sh

$(CHROMIUM):
	sh scripts/install-package.sh chromium $@

$(REDIS):
	sh scripts/install-package.sh redis-server $@

bench: $(STAMP)
	$(BIN)/python bench/languages.py
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.ingress
	$(BIN)/python -m bench.end_to_end
	$(BIN)/python -m bench.end_to_end --latency 50ms
	$(BIN)/python -m bench.startup

# end to end with 1, 2 and 4 worker processes on one Redis, without and with 50 ms of
# API latency (a few minutes)
bench-scaling: $(STAMP) $(REDIS)
	$(BIN)/python -m bench.scaling

# the ingress and end-to-end runs against an older commit (by default the thread-per-request
# design), unpacked in .venv/baseline and run with this virtualenv, then against this tree;
# the baseline gets 64 delivery threads per worker process, without which it cannot keep
# 50 ms requests in flight (its default is 4)
BASELINE ?= 1dc14385a86c716a8ab72a1f21f5032aa20fbeec
BASELINE_DIR := $(VENV)/baseline
bench-compare: $(STAMP)
	rm -rf $(BASELINE_DIR) && mkdir -p $(BASELINE_DIR)
	git archive $(BASELINE) | tar -x -C $(BASELINE_DIR)
	$(BIN)/python -m bench.ingress --runtime-root $(BASELINE_DIR)
	$(BIN)/python -m bench.ingress
	$(BIN)/python -m bench.end_to_end --runtime-root $(BASELINE_DIR) --concurrency 64
	$(BIN)/python -m bench.end_to_end
	$(BIN)/python -m bench.end_to_end --runtime-root $(BASELINE_DIR) --concurrency 64 --latency 50ms
	$(BIN)/python -m bench.end_to_end --latency 50ms

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

demo: $(STAMP)
	$(BIN)/python examples/perkville/demo.py
