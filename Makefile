# The two commands: `make run` and `make test`. Everything else is a helper they call.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP = wsgi.py

.PHONY: run test install translations migrate seed system-deps checkers babel-extract babel-update bench bench-http clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

translations: install
	$(BIN)/pybabel -q compile -d marketplace/translations

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo --if-empty

run: translations seed
	@echo "Serving on http://$(HOST):$(PORT)  (demo accounts above; password Licang-2026)"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# Chromium, a CJK font, Java and npm for the browser tests, through apt when missing.
system-deps:
	@sh scripts/ensure-browser.sh

# axe-core and the Nu HTML checker (vnu-jar), test-only, pinned by package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

checkers: system-deps node_modules/.installed

# The whole suite on SQLite; when TEST_DATABASE_URL is set (.ci/run sets it), the PostgreSQL pass runs
# at the same time, one pass per core (each pass is one process); the SQLite pass's output follows.
test: translations system-deps checkers
	@if [ -z "$$TEST_DATABASE_URL" ]; then exec $(BIN)/pytest $(PYTEST_ARGS); fi; \
	echo "--- SQLite and PostgreSQL ($$TEST_DATABASE_URL) passes side by side; PostgreSQL's output first"; \
	log=$$(mktemp); (TEST_DATABASE_URL= $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS) >$$log 2>&1; echo $$? >$$log.rc) & \
	$(BIN)/pytest $(PYTEST_ARGS); pg=$$?; wait; \
	echo "--- SQLite pass"; cat $$log; sqlite=$$(cat $$log.rc); rm -f $$log $$log.rc; \
	echo "--- exit: PostgreSQL $$pg, SQLite $$sqlite"; [ $$pg -eq 0 ] && [ $$sqlite -eq 0 ]

babel-extract: install
	$(BIN)/pybabel extract --no-location --sort-output --ignore-dirs '.* venv .venv' -F babel.cfg -k lazy_gettext -k _l \
	    -o marketplace/translations/messages.pot .

babel-update: babel-extract
	$(BIN)/pybabel update -i marketplace/translations/messages.pot -d marketplace/translations \
	    -l zh_Hans_CN --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date

bench: install
	$(BIN)/python bench/benchmark.py

# Through a real server under concurrent load, against a bare baseline (README → Benchmark). The data
# sets are generated once and reused (instance/bench/ for SQLite; BENCH_POSTGRES is emptied the first time).
BENCH_POSTGRES ?= postgresql://postgres@127.0.0.1:5432/bench
bench-http: translations
	@sh scripts/ensure-wrk.sh
	$(BIN)/python bench/http.py --postgres $(BENCH_POSTGRES) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/test.db .pytest_cache node_modules
