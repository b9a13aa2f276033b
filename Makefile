# Renkei: `make demo` runs the embedded region, `make test` runs the whole suite.
# Everything installs into .venv in the repository root.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/renkei
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0

.PHONY: install demo serve test test-sqlite test-postgres lint typecheck browser messages bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

## demo: install, prepare the embedded SQLite region with demo data and serve it on :8000
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) -m uvicorn renkei.asgi:application --host 127.0.0.1 --port 8000 --no-access-log

serve: install
	$(PY) -m uvicorn renkei.asgi:application --host 127.0.0.1 --port 8000

## browser: Debian's Chromium for the end-to-end tests, with a Japanese font so that the
## screenshots of failing tests are legible (needs root on a fresh machine)
browser:
	@{ command -v chromium && command -v pdftoppm && fc-list :lang=ja | grep -q .; } >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium, a Japanese font and poppler-utils for the tests"; \
		apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-ipafont-gothic poppler-utils; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy renkei

## test: lint, types, migrations, then the suite on SQLite; on PostgreSQL too when
## RENKEI_TEST_POSTGRES=1, with the Redis suite when RENKEI_TEST_REDIS=1
test: install browser lint typecheck
	$(PY) manage.py makemigrations --check --dry-run
	$(MAKE) test-sqlite
	@if [ "$(RENKEI_TEST_POSTGRES)" = "1" ]; then $(MAKE) test-postgres; fi

test-sqlite: install
	env -u DATABASE_URL $(if $(filter 1,$(RENKEI_TEST_REDIS)),REDIS_TEST_URL=$(REDIS_TEST_URL)) \
		$(VENV)/bin/pytest

test-postgres: install
	DATABASE_URL=$(PG_TEST_URL) $(if $(filter 1,$(RENKEI_TEST_REDIS)),REDIS_TEST_URL=$(REDIS_TEST_URL)) \
		$(VENV)/bin/pytest

## messages: refresh the compiled translations after editing a .po file (needs gettext)
messages: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var >/dev/null

## bench: measure Renkei for real on loopback (one uvicorn worker, a scratch SQLite region under
## var/bench/) and write the figures to docs/benchmarks.md; about 3 minutes on 2 cores
bench: install
	env -u DATABASE_URL -u REDIS_URL $(PY) -m bench.run --out docs/benchmarks.md

clean:
	rm -rf $(VENV) var
