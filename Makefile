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

.PHONY: demo test lint typecheck bench bench-scaling clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck $(CHROMIUM) $(REDIS)
	$(BIN)/actions schemas --check
	$(BIN)/actions docs --check
	$(BIN)/actions validate
	$(BIN)/pytest

$(CHROMIUM):
	sh scripts/install-package.sh chromium $@

$(REDIS):
	sh scripts/install-package.sh redis-server $@

bench: $(STAMP)
	$(BIN)/python bench/languages.py
	$(BIN)/python -m bench.pipeline

# end to end with 1, 2 and 4 worker processes on one Redis (a few minutes)
bench-scaling: $(STAMP) $(REDIS)
	$(BIN)/python -m bench.scaling

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

demo: $(STAMP)
	$(BIN)/python examples/perkville/demo.py
