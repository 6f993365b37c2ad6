# Two commands do everything: `make run` and `make test`. Both bootstrap .venv from uv.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.synced-$(shell cat uv.lock pyproject.toml 2>/dev/null | cksum | cut -d' ' -f1)
# axe-core for the browser tests' accessibility checks, pinned in package-lock.json.
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json 2>/dev/null | cksum | cut -d' ' -f1)
CONVENTION ?=
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo runs with DEBUG on; SITE_URL (links in mail) follows HOST and PORT unless set.
RUN_ENV := DEBUG=$${DEBUG:-true} HOST=$(HOST) PORT=$(PORT)
# Commands that only build (translations, the migration check) need no secret key.
BUILD_ENV := DEBUG=true

.PHONY: run test bootstrap node-deps messages bench lock clean

$(STAMP): pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --locked --quiet
	@rm -f $(VENV)/.synced-* && touch $@

bootstrap: $(STAMP)

# Without npm (scripts/system-deps test names it) the accessibility checks are skipped, or fail
# under CI=true; install scripts never run.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm is missing: the accessibility checks need axe-core (apt-get install npm)"; fi

node-deps: $(NODE_STAMP)

messages: bootstrap
	$(BUILD_ENV) $(BIN)/gongyue compilemessages --ignore=.venv --verbosity 0

run: bootstrap
	@scripts/system-deps run
	@$(MAKE) --no-print-directory messages
	$(RUN_ENV) $(BIN)/gongyue migrate --no-input
	$(RUN_ENV) $(BIN)/gongyue load_demo $(if $(CONVENTION),--convention "$(CONVENTION)")
	@$(RUN_ENV) scripts/run

# The whole suite on SQLite and, side by side, on a throwaway PostgreSQL cluster.
# With CI=true nothing may be skipped: a missing PostgreSQL or Chromium fails the run.
test: bootstrap
	@scripts/system-deps test
	@$(MAKE) --no-print-directory node-deps
	$(BIN)/ruff check --quiet .
	$(BIN)/ruff format --check --quiet .
	@$(MAKE) --no-print-directory messages
	$(BUILD_ENV) $(BIN)/gongyue makemigrations --check --dry-run --verbosity 0 || (echo "models changed without a migration"; exit 1)
	scripts/test-suites $(BIN)/pytest $(PYTEST_ARGS)

bench: bootstrap
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --locked --quiet --group bench
	$(BIN)/python benchmarks/run.py

lock:
	$(BIN)/uv lock

clean:
	rm -rf $(VENV) staticfiles node_modules
