# Two commands do everything on a fresh clone:
#   make demo   install, create an embedded SQLite database with demo data, show it
#   make test   install, lint, type-check, then the suite on SQLite and on PostgreSQL

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
DEMO_DIR ?= var/demo
DEMO_EVENTS ?= 200000
DEMO_PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test test-sqlite test-postgres lint bench install clean system-packages

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) on PATH"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@mkdir -p $(DEMO_DIR)
	DERMAWAN_DATA_DIR=$(DEMO_DIR) $(BIN)/dermawan migrate
	$(BIN)/dermawan simulate --events $(DEMO_EVENTS) --seed 1111 --out $(DEMO_DIR)/input \
		--start 2026-11-05T00:00:00+07:00 --days 7
	DERMAWAN_DATA_DIR=$(DEMO_DIR) $(BIN)/dermawan load-catalog $(DEMO_DIR)/input/catalog.json
	DERMAWAN_DATA_DIR=$(DEMO_DIR) $(BIN)/dermawan ingest $(DEMO_DIR)/input/events.jsonl \
		--rejects $(DEMO_DIR)/rejects.jsonl
	DERMAWAN_DATA_DIR=$(DEMO_DIR) $(BIN)/dermawan check-ledger
	DERMAWAN_DATA_DIR=$(DEMO_DIR) $(BIN)/dermawan demo-content
	DERMAWAN_DATA_DIR=$(DEMO_DIR) $(BIN)/dermawan demo-users
	@echo "The site: http://127.0.0.1:$(DEMO_PORT)/  (Ctrl-C stops it)"
	DERMAWAN_DATA_DIR=$(DEMO_DIR) $(BIN)/dermawan serve --port $(DEMO_PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: system-packages lint test-sqlite test-postgres

system-packages:
	tools/system-packages

test-sqlite: $(STAMP)
	$(BIN)/pytest -q -n 2

test-postgres: $(STAMP)
	DERMAWAN_DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -q -n 2

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
