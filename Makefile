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

# Local use: DEBUG=1 unless told otherwise; links sent to customers point at the address
# served unless SITE_URL says otherwise. The worker runs beside the web server, is started
# again if it dies, and both stop together (the trap resets itself first: kill 0 signals
# this shell too). Once the server answers, the banner shows where it is and the demo
# users' passwords.
run: export DEBUG ?= 1
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py loaddemo
	trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	( while :; do $(BIN)/python manage.py deliver_notifications; \
	  echo "The notification worker stopped (exit $$?); starting it again in 2 s." >&2; \
	  sleep 2; done ) & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT) & server=$$!; \
	$(BIN)/python manage.py demo_banner --url http://$(HOST):$(PORT); \
	wait $$server

# The whole suite; against PostgreSQL when DATABASE_URL names one, else SQLite.
test: $(BIN)/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

# Every figure at 1%, 10% and 100% of vendor scale on the PostgreSQL server at
# 127.0.0.1:5432 (user postgres), then the benchmarks of single parts (the deadline guard);
# each writes its section of docs/benchmarks.md (the suite also docs/benchmarks.png).
bench: $(BIN)/.installed
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.suite $(BENCH_ARGS)
	$(BIN)/python -m bench.similar_vectors --suite --docs
	$(BIN)/python -m bench.deadlines
	$(BIN)/python -m bench.hot
	$(BIN)/python -m bench.delivery
	$(BIN)/python -m bench.admin_rising --write-docs

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .mypy_cache .ruff_cache
