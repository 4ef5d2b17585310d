# Two commands: `make run` (serve the demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1

.PHONY: install run test lint format typecheck bench fuzz soak demo clean mutate

$(PY):
	@echo "Creating the virtual environment $(VENV)"
	@$(PYTHON) -m venv $(VENV)

# pip's output goes to var/install.log; on failure its end is shown.
$(STAMP): $(PY) pyproject.toml
	@mkdir -p var
	@echo "Installing the project and its dependencies (log: var/install.log)"
	@( $(PY) -m pip install --disable-pip-version-check --upgrade pip \
	   && $(PY) -m pip install --disable-pip-version-check -e '.[test]' ) > var/install.log 2>&1 \
	   || (tail -n 40 var/install.log; echo "Installation failed, see var/install.log"; exit 1)
	@touch $(STAMP)

install: $(STAMP)

run: install
	@mkdir -p var
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py demo --port $(PORT)
	@$(PY) -m uvicorn mobility.asgi:application --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: install
	@$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# mypy --strict over every pure domain package (tests/test_types.py runs the same list).
typecheck: install
	$(PY) -m mypy --ignore-missing-imports --follow-imports=silent --strict carsharing/domain gtfs/domain rides/domain stats/domain ondemand/domain journeys/domain mobility/geo.py mobility/env.py mobility/ratelimit.py
	$(PY) -m mypy --ignore-missing-imports --follow-imports=silent --strict carsharing/services gtfs/services.py rides/services.py ondemand/services.py stats/services.py mobility/accounts/services.py

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	@set -e; for f in benchmarks/[a-z]*.py; do \
		name=$$(basename $$f .py); [ "$$name" = fuzz ] && continue; \
		echo "== benchmarks.$$name"; $(PY) -m benchmarks.$$name; done

# schemathesis over the whole OpenAPI schema on the demo region, as resident and operator.
fuzz: install
	@$(PY) -m benchmarks.fuzz $(FUZZ_ARGS)

# 200 parallel clients for 60 s against a throw-away production stack (add FAULT=pg-restart).
soak: install
	@$(PY) -m benchmarks.soak $(if $(FAULT),--fault $(FAULT)) $(SOAK_ARGS)

# Mutation testing of the domain modules (mutmut 3): a bounded sample per module, one worker,
# the module's own tests only; prints kill rates per module (see tests/mutation/run.py).
# MUTATE_SAMPLE (default 60, 0 = all), MUTATE_SEED, MUTATE_CHILDREN; `make mutate MODULES="pricing policy"`.
mutate: install
	@$(PY) -m tests.mutation.run $(MODULES)

clean:
	rm -rf var staticfiles .pytest_cache
