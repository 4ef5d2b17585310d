# Two commands: `make run` (serve the demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1

.PHONY: install run test lint format bench demo clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	@mkdir -p var
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py demo --port $(PORT)
	$(PY) -m uvicorn mobility.asgi:application --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	@set -e; for f in benchmarks/[a-z]*.py; do \
		name=$$(basename $$f .py); echo "== benchmarks.$$name"; $(PY) -m benchmarks.$$name; done

clean:
	rm -rf var staticfiles .pytest_cache
