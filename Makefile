# The README's two commands: `make run` and `make test`. Everything else is a step of those.
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
HOST    ?= 127.0.0.1
PORT    ?= 8000
# make bench: PostgreSQL at full scale (a million leads); make bench SCALE=small DB=sqlite to be quick.
DB      ?= postgres
SCALE   ?= full

.PHONY: install run serve migrate demo test test-fast lint typecheck check bench soak clean messages screenshots openapi-snapshot

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock scripts/find-python
	@python=$$(scripts/find-python) || exit 1; \
	if [ ! -x $(BIN)/python ]; then echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

migrate: install
	@mkdir -p var
	$(BIN)/leadcrew migrate

demo: migrate
	$(BIN)/leadcrew demo --url http://$(HOST):$(PORT)

run: demo
	$(BIN)/leadcrew serve --host $(HOST) --port $(PORT)

# The suite runs on every core (pytest-xdist), a test file per worker; TEST_WORKERS=0 runs it in
# this one process (for a debugger, or -x on the first failure).
TEST_WORKERS ?= auto

test: install
	@mkdir -p var
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Everything but the tests marked slow or browser: under a minute, for while you work.
test-fast: install
	@mkdir -p var
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -m "not slow and not browser" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy config leadcrew bench

check: install
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

# The benchmark (docs/benchmarks.md): generates its data on first use, in databases named
# leadcrew_bench* only; separate from `make test`. BENCH_ARGS passes more options to bench.run.
bench: install
	$(BIN)/python -m bench.run --db $(DB) --scale $(SCALE) $(BENCH_ARGS)

# Ten minutes of the benchmark's paced load on PostgreSQL with writes and bulk actions, every
# database connection of the server killed once a minute (docs/benchmarks.md, "Soak").
soak: install
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3 .pytest_cache .mypy_cache .ruff_cache

# Extract the interface's strings into the French catalogue, then compile it (needs gettext).
messages: install
	cd leadcrew && ../$(BIN)/python ../manage.py makemessages -l fr --no-obsolete --add-location=file
	cd leadcrew && ../$(BIN)/python ../manage.py compilemessages -l fr

# The README's screenshots (docs/screenshots/*.png): the demo data on a temporary SQLite
# database, a live `leadcrew serve` on a free loopback port, Chromium through Playwright.
screenshots: install
	$(BIN)/python scripts/screenshots.py

# The OpenAPI document's snapshot (tests/openapi.json): regenerate it after changing the API,
# and commit it, so that the change to the public contract shows in review.
openapi-snapshot: install
	$(BIN)/python scripts/openapi_snapshot.py
