# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make demo   the example events through Perkville, sent to a local Perkville sandbox
#   make test   lint, type-check and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian's Chromium, driven by Playwright in tests/ui (installed when missing)
CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck $(CHROMIUM)
	$(BIN)/actions schemas --check
	$(BIN)/actions docs --check
	$(BIN)/actions validate
	$(BIN)/pytest

$(CHROMIUM):
	sh scripts/install-chromium.sh

bench: $(STAMP)
	$(BIN)/python bench/languages.py
	$(BIN)/python -m bench.pipeline

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

demo: $(STAMP)
	$(BIN)/python examples/perkville/demo.py
