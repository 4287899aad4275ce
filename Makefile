# Two entry points a fresh machine needs: `make gate` and `make test`.
# Every step installs what it needs and is idempotent (stamps under .stamps/ track inputs).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
NODE_CLIENTS := $(wildcard tests/sdk_clients/*/package-lock.json tests/release/*/package-lock.json harness/replay/player/package-lock.json)
PYTEST_ARGS ?=


.PHONY: gate test lint targets install install-python install-node install-browser bench clean

gate: install
	$(PY) -m harness.cli run --profile pre-release --target bundled:express-vue

# Two phases: everything in parallel, then the timing self-tests (marker `exclusive`) alone, so the other
# worker's tests do not take the core a load test measures (they would be thrown out as "machine busy").
test: install lint
	$(PY) -m pytest -n 2 --dist loadgroup -m "not exclusive" $(PYTEST_ARGS)
	$(PY) -m pytest -m exclusive $(PYTEST_ARGS)

# lint-imports holds the layers and the no-loop rule of pyproject.toml's [tool.importlinter] (docs/architecture.md).
lint: install-python
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

install: install-python install-node install-browser targets

# The bundled reference targets and the foreign shop's page (npm ci from lockfiles and the builds, each only when
# its inputs changed; the shop's page is built without a DSN here, a run rebuilds it with its own).
targets:
	bash targets/express_vue/build.sh default maps-referenced no-debug-ids stale-maps no-sentry
	bash targets/foreign_shop/build.sh

install-python: $(STAMPS)/python
$(STAMPS)/python: pyproject.toml
	@mkdir -p $(STAMPS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# npm ci from committed lockfiles when a lockfile changed; a client's build when any of its sources did.
install-node:
	@for lock in $(NODE_CLIENTS); do \
	  dir=$$(dirname $$lock); stamp=$(STAMPS)/npm-$$(echo $$dir | tr / _); mkdir -p $(STAMPS); \
	  if [ ! -d $$dir/node_modules ] || [ ! -f $$stamp ] || [ $$lock -nt $$stamp ]; then \
	    echo "npm ci in $$dir"; (cd $$dir && npm ci --no-audit --no-fund --loglevel=error) || exit 1; rm -f $$stamp; \
	  fi; \
	  changed=$$( [ -f $$stamp ] && find $$dir -type f -newer $$stamp -not -path '*/node_modules/*' -not -path '*/dist/*' | head -1 ); \
	  if [ ! -f $$stamp ] || [ -n "$$changed" ]; then \
	    if grep -q '"build"' $$dir/package.json; then echo "build in $$dir"; (cd $$dir && npm run --silent build) || exit 1; fi; \
	    touch $$stamp; \
	  fi; \
	done

# Debian's Chromium for Playwright (never a downloaded browser).
install-browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian chromium"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

bench: install-python
	$(PY) benchmarks/ingest_throughput.py
	$(PY) benchmarks/ingest_bomb.py
	$(PY) benchmarks/ingest_memory.py
	$(PY) benchmarks/target_startup.py
	$(PY) benchmarks/release_flow.py
	$(PY) benchmarks/privacy_scan.py
	$(PY) benchmarks/chaos_proxy_overhead.py
	$(PY) benchmarks/overhead_calibration.py --minutes 5 --block-seconds 5 --rate 40 --target python-api
	$(PY) benchmarks/overhead_power.py --repeats 5
	$(PY) benchmarks/browser_overhead.py --rounds 40 --aa
	$(PY) benchmarks/absence_handshake.py

clean:
	rm -rf $(STAMPS) reports .sentry-gate
