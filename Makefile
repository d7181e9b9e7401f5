# Herald: `make run` for a local site, `make test` for the whole test suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEV := DJANGO_SETTINGS_MODULE=herald.settings.dev HERALD_BASE_URL=$${HERALD_BASE_URL:-http://127.0.0.1:$(PORT)}
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/herald
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
WORKER_QUEUES := $(shell $(PYTHON) -c "import ast,sys;t=open('subscriptions/queues.py').read();print(','.join(ast.literal_eval(n.value) for n in ast.parse(t).body if isinstance(n,ast.Assign) and isinstance(n.value,ast.Constant)))")

.PHONY: run test test-unit test-integration lint format worker bench install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py herald_demo
	$(DEV) $(BIN)/python manage.py herald_admin
	$(DEV) $(BIN)/python manage.py herald_worker_loop & \
	trap "kill $$! 2>/dev/null" EXIT; \
	$(DEV) $(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

# Unit tests on SQLite, then integration tests on PostgreSQL and Redis with a
# real Celery worker. REQUIRE_SERVICES=1 turns a missing service into a failure.
test: install-test test-unit test-integration

test-unit: install-test
	$(BIN)/pytest -m "not integration" $(PYTEST_ARGS)

test-integration: install-test
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(BIN)/pytest -m integration $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: install
	$(BIN)/celery -A herald worker --beat --loglevel=INFO -Q $(WORKER_QUEUES)

bench: install-test
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done
