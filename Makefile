# The commands the README names. `make run` and `make test` are all the set-up.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= python3
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HTMX_VERSION := $(shell sed -n 's/^HTMX_VERSION = "\(.*\)"/\1/p' portal/core/config.py)
HTMX_LOCAL := static/vendor/htmx-$(HTMX_VERSION).min.js
export FLASK_APP := wsgi

# The translation catalogues, compiled at build from the .po files (never committed).
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard portal/translations/*/LC_MESSAGES/messages.po))

.PHONY: install run test test-sqlite test-postgres lint format bench htmx messages clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed $(CATALOGUES)

%.mo: %.po $(BIN)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After changing what the code or the templates say: the new messages into every
# catalogue (then translate them; tests/unit/test_translations.py says what is missing).
messages: $(BIN)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 \
	  --no-location --sort-output --no-wrap -o .cache/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching --no-wrap --ignore-obsolete \
	  -i .cache/messages.pot -d portal/translations

run: install
	$(BIN)/flask --debug db upgrade
	$(BIN)/flask --debug seed-demo
	$(BIN)/flask --debug api publish
	@echo "Serving on http://127.0.0.1:5000 (Ctrl-C stops)"
	$(BIN)/flask run --debug --no-debugger --host 127.0.0.1 --port 5000

# A local copy of the pinned htmx for the tests (never committed); templates use the CDN.
$(HTMX_LOCAL):
	mkdir -p .cache/npm static/vendor
	npm install --silent --prefix .cache/npm htmx.org@$(HTMX_VERSION) --no-audit --no-fund
	cp .cache/npm/node_modules/htmx.org/dist/htmx.min.js $@

htmx: $(HTMX_LOCAL)

# Both databases at once (one core each); each run's output is printed whole when it ends.
# Each run has a system time zone of its own, neither the programme's (TIMEZONE) nor
# UTC's: Kiritimati (UTC+14) is a day ahead of UTC 14 hours a day, Los Angeles a day
# behind for 7 or 8: a test reading today other than through portal.core.clock fails then.
test: install $(HTMX_LOCAL)
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite:
	@echo "== tests on SQLite"
	TZ=Pacific/Kiritimati DATABASE_URL= HTMX_LOCAL=$(HTMX_LOCAL) $(BIN)/pytest $(PYTEST_ARGS)

test-postgres:
	@echo "== tests on PostgreSQL"
	TZ=America/Los_Angeles DATABASE_URL=$(PG_URL) HTMX_LOCAL=$(HTMX_LOCAL) $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/partners.py
	$(BIN)/python bench/partners.py --database-url $(PG_URL)
	$(BIN)/python bench/accreditations.py
	$(BIN)/python bench/accreditations.py --database-url $(PG_URL)
	$(BIN)/python bench/outbox.py
	$(BIN)/python bench/outbox.py --database-url $(PG_URL)
	$(BIN)/python bench/kpis.py
	$(BIN)/python bench/kpis.py --database-url $(PG_URL)
	$(BIN)/python bench/api.py
	$(BIN)/python bench/api.py --database-url $(PG_URL)

clean:
	rm -rf $(VENV) .cache static/vendor .pytest_cache
