# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PG_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
MAIL_SINK_PORT ?= 8025

.PHONY: install catalogs translations run test test-sqlite test-postgres lint bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed catalogs

## Interface languages (conference/i18n.py): the .po catalogs are committed, their compiled
## .mo files are built here (by every target that needs them).
CATALOGS := $(wildcard conference/translations/*/LC_MESSAGES/messages.po)
catalogs: $(CATALOGS:.po=.mo)

conference/translations/%/LC_MESSAGES/messages.mo: conference/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d conference/translations -l $*

## make translations: after marking text with _(): extract it and update every catalog
## (then translate the new entries in the .po files; tests/test_translations.py checks them).
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --project=conference -o conference/translations/messages.pot . templates/_parts >/dev/null
	$(BIN)/pybabel update --no-wrap --ignore-obsolete -i conference/translations/messages.pot -d conference/translations
	$(MAKE) --no-print-directory catalogs

## make run: migrate the SQLite database, load the demo congress if empty, start a local
## mail sink (one line per email; read them in full at /manage/outbox), the outbox worker and the web server on :5000.
run: install
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo load
	@echo "Emails go to a local mail sink (port $(MAIL_SINK_PORT)): one line each below; read them in full at http://127.0.0.1:5000/manage/outbox"
	@trap 'kill 0' EXIT INT TERM; \
	  $(BIN)/python -m aiosmtpd -n -l 127.0.0.1:$(MAIL_SINK_PORT) -c conference.mail_sink.OneLinePerMessage & \
	  sleep 1; \
	  MAIL_SERVER=127.0.0.1 MAIL_PORT=$(MAIL_SINK_PORT) $(FLASK) mail worker & \
	  $(FLASK) run --host 127.0.0.1 --port 5000

## make test: ruff, then the whole suite on SQLite and on a throwaway PostgreSQL database.
## The two runs go side by side (TEST_JOBS=2, one per core; each run's output is printed
## whole when it ends); TEST_JOBS=1 runs them one after the other.
TEST_JOBS ?= 2
test: install lint
	$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target test-sqlite test-postgres

lint:
	$(BIN)/ruff check .

test-sqlite:
	env -u DATABASE_URL -u TEST_DATABASE_URL $(BIN)/pytest -q

test-postgres:
	@if $(BIN)/python scripts/test_database.py check "$(PG_ADMIN_URL)"; then \
	  url=$$($(BIN)/python scripts/test_database.py create "$(PG_ADMIN_URL)") && \
	  echo "PostgreSQL run on $$url" && \
	  TEST_DATABASE_URL="$$url" $(BIN)/pytest -q; status=$$?; \
	  $(BIN)/python scripts/test_database.py drop "$(PG_ADMIN_URL)" "$$url"; exit $$status; \
	else \
	  echo "PostgreSQL is not reachable at $(PG_ADMIN_URL): the PostgreSQL run is SKIPPED."; \
	  if [ -n "$$CI" ]; then echo "CI must run it: failing."; exit 1; fi; \
	fi

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
