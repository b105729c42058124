# `make run` and `make test` are the two commands a new user needs (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint install bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# Local use: DEBUG=1 unless told otherwise; the worker runs beside the web server and
# both stop together. A worker that dies anyway is started again.
run: export DEBUG ?= 1
run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py loaddemo
	trap 'kill 0' INT TERM EXIT; \
	( while :; do $(BIN)/python manage.py deliver_notifications; \
	  echo "The notification worker stopped (exit $$?); starting it again in 2 s." >&2; \
	  sleep 2; done ) & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite; against PostgreSQL when DATABASE_URL names one, else SQLite.
test: $(BIN)/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

# Every figure at 1%, 10% and 100% of vendor scale on the PostgreSQL server at
# 127.0.0.1:5432 (user postgres); writes docs/benchmarks.md and docs/benchmarks.png.
bench: $(BIN)/.installed
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/suite.py $(BENCH_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .mypy_cache .ruff_cache
