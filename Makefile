# make run   — serve the app at http://localhost:5000/ (demo tenant at http://demo.localhost:5000/)
# make test  — the whole suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := sitemaker

.PHONY: run test lint assets bench clean test-browser

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(BIN)/flask db upgrade
	$(BIN)/flask seed
	$(BIN)/flask dev

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache sitemaker/static/gen

# make bench — the visitor-path benchmark (bench/README.md); BENCH_QUICK=1 for a 3 s dry run
bench: $(VENV)/.dev
	@command -v wrk >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
		(apt-get install -y -q wrk || (apt-get update -q && apt-get install -y -q wrk)); } || \
		{ echo "make bench: wrk is missing and could not be installed; install wrk (apt-get install wrk)"; exit 1; }
	@command -v wrk >/dev/null 2>&1 || { echo "make bench: wrk is missing; install it (apt-get install wrk)"; exit 1; }
	$(BIN)/python -m bench

# make test-browser — only the browser journeys (headless Chromium; screenshots in test-output/screenshots/)
test-browser: $(VENV)/.dev
	$(BIN)/pytest -m browser $(PYTEST_ARGS)
