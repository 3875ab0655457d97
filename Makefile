# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := TRACKER_ENV=development $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test lint translations-extract translations-compile clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations-compile

translations-compile: $(VENV)/.installed
	$(BIN)/pybabel -q compile --use-fuzzy -d tracker/translations

translations-extract: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location \
		--sort-output -o tracker/translations/messages.pot .
	$(BIN)/pybabel -q update -i tracker/translations/messages.pot -d tracker/translations \
		--ignore-obsolete --no-fuzzy-matching
	$(BIN)/python scripts/fill_source_catalog.py tracker/translations/en/LC_MESSAGES/messages.po

## Install, create the SQLite database, load the demo data and serve on http://127.0.0.1:5000
run: install
	$(FLASK) db upgrade
	$(FLASK) load-demo
	@# The reminder scheduler runs beside the server, in its own process, once.
	$(FLASK) scheduler & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
		$(FLASK) run --host $(HOST) --port $(PORT)

## Install and run the test suite (TEST_DATABASE_URL=postgresql://... to run it on PostgreSQL),
## one pytest-xdist worker per core (PYTEST_ARGS="-n 0" for a single process)
test: install
	$(BIN)/ruff check tracker tests
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
