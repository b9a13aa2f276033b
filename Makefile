# Renkei: `make demo` runs the embedded region, `make test` runs the whole suite.
# Everything installs into .venv in the repository root.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/renkei
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0

.PHONY: install demo serve test test-sqlite test-postgres lint typecheck browser messages bench bench-peer clean

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
	$(VENV)/bin/mypy renkei bench

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

## bench-peer: install Matrix Synapse from PyPI into $(PEER_DIR) (outside the repository), measure
## it with $(PEER_SCRIPT), then Renkei's suite in the same run; docs/benchmarks.md gets both with
## the ratios. About 8 minutes on 2 cores (half a minute more the first time, for the install)
PEER_DIR ?= $(shell python3 -c 'import tempfile; print(tempfile.gettempdir())')/renkei-peer
PEER_SCRIPT ?= ../shared/bench/peer_synapse.py
bench-peer: install
	env -u DATABASE_URL -u REDIS_URL $(PY) -m bench.peer --peer-dir "$(PEER_DIR)" \
		--peer-script "$(PEER_SCRIPT)" --out docs/benchmarks.md

clean:
	rm -rf $(VENV) var

## bench-scale: generate a region of 10,000 members, 5,000 patient groups and 1,000,000 posts
## (and a small one) under var/bench/scale/, time the space list, a timeline and search over
## HTTP and count their queries; writes docs/benchmarks-scale.md. About 15 minutes on 2 cores
## bench-multi: make bench's posting load on PostgreSQL + Redis with 2 uvicorn workers, beside
## one SQLite worker (a scratch database, dropped after); into docs/benchmarks-scale.md
## bench-live: 5,000 live connections to one server process, 100 members posting; the delivery
## times and the server's memory per connection into docs/benchmarks-scale.md
.PHONY: bench-scale bench-multi bench-live
bench-scale: install
	env -u DATABASE_URL -u REDIS_URL $(PY) -m bench.scale --out docs/benchmarks-scale.md

bench-multi: install
	env -u DATABASE_URL -u REDIS_URL $(PY) -m bench.multi --out docs/benchmarks-scale.md

bench-live: install
	env -u DATABASE_URL -u REDIS_URL $(PY) -m bench.live_scale --out docs/benchmarks-scale.md
