# Two commands do everything on a fresh machine:
#   make demo   builds every example issue into build/, and their web edition into build/site/
#   make test   runs ruff, mypy, a strict build of the docs site and the whole test suite
# Both create the virtual environment in .venv on first use. `make docs` builds the docs site
# (docs/, with fresh screenshots) into build/docs/; `make docs-serve` serves it while you edit.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test lint docs docs-build docs-serve fuzz bench clean system-packages

$(BIN)/composer: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	@touch $@

demo: $(BIN)/composer
	$(BIN)/composer build examples/ -o build/
	$(BIN)/composer site examples/ -o build/site/

# chromium, spamassassin, npm and Java, for the browser, spam, compatibility and validator tests.
system-packages:
	@bash .ci/system-packages

test: $(BIN)/composer system-packages lint docs-build
	$(BIN)/python -m pytest

# ruff and mypy, configured in pyproject.toml; run before the tests, so a lint failure fails fast.
lint: $(BIN)/composer
	$(BIN)/ruff check .
	$(BIN)/mypy

# The docs site. The reference pages are generated from the code on every build (docs/hooks/reference.py);
# `make docs` also retakes the screenshots with the test suite's browser (docs/tools/screenshots.py).
export NO_MKDOCS_2_WARNING = 1
docs: $(BIN)/composer system-packages
	$(BIN)/python docs/tools/screenshots.py --out docs/images
	$(BIN)/mkdocs build --strict

docs-build: $(BIN)/composer
	$(BIN)/mkdocs build --strict --quiet

docs-serve: $(BIN)/composer
	$(BIN)/mkdocs serve

# A long fuzzing run of the loader and the build; `make test` runs a short one.
fuzz: $(BIN)/composer
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/test_fuzz.py

bench: $(BIN)/composer
	$(BIN)/python benchmarks/build_speed.py
	$(BIN)/python benchmarks/preview_latency.py
	$(BIN)/python benchmarks/site_speed.py

clean:
	rm -rf build dist .pytest_cache
