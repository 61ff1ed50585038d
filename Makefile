# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install translations run check test test-fast bench bench-matching bench-suggest bench-program bench-web bench-e2e bench-faults clean

# The translations: .po files in git, compiled to .mo (git-ignored) by the install step.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
EXTRACT := -F babel.cfg -k _l -k lazy_gettext --ignore-dirs=".* __pycache__" --no-location --sort-output --project="Member support portal"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel compile --statistics -i $< -o $@

install: $(STAMP) $(CATALOGUES)

translations: install  ## extract every string into translations/messages.pot, update each .po
	$(VENV)/bin/pybabel extract $(EXTRACT) -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	@echo "Translate the empty msgstr in translations/*/LC_MESSAGES/messages.po; tests/foundation/test_translations.py lists them."

run: install  ## web + worker + clock + embedded Redis on SQLite, with demo data
	$(PY) -m portal.devrun

# Known vulnerabilities pip-audit may ignore, each with the reason it cannot be fixed yet:
#   --ignore-vuln ID  # why
PIP_AUDIT_IGNORE :=

check: install  ## static checks: ruff's rule set, bandit, pip-audit over the installed dependencies
	$(PY) -m ruff check portal workers tests bench wsgi.py .ci
	$(PY) -m bandit --quiet -c pyproject.toml -r portal workers wsgi.py .ci/audit_dependencies.py
	$(PY) .ci/audit_dependencies.py $(PIP_AUDIT_IGNORE)

# Test workers (pytest-xdist): two per core, at most eight (much of a test's time is spent
# waiting on the processes, browsers and servers it starts, so a second worker per core fills
# it); TEST_WORKERS=N for another number, TEST_WORKERS=0 runs in one process. Each worker has
# its own database and Redis (tests/conftest.py). worksteal: a worker that runs out takes
# half of another's remaining tests.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( 2 * n < 8 ? 2 * n : 8 )))
XDIST := -n $(TEST_WORKERS) --dist worksteal

test: install  ## every test (SQLite unless TEST_DATABASE_URL is set), on parallel test workers
	$(PY) -m pytest $(XDIST) --durations=15 $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; \
	exit $$status

test-fast: install
	$(PY) -m pytest $(XDIST) -m "not slow" $(PYTEST_ARGS)

bench: bench-matching bench-suggest bench-program bench-web bench-e2e  ## every benchmark; figures are ratios to same-run baselines

bench-matching: install
	$(PY) -m bench.matching

bench-suggest: install  ## one intake against 10,000 volunteers, through the database
	$(PY) -m bench.suggest_db

bench-program: install  ## 10,000 volunteers x 2,000 waiting in the database: pool, recompute, plan
	$(PY) -m bench.program

bench-web: install  ## gunicorn per the Procfile against a hello route, driven by wrk (apt-get install wrk)
	@command -v wrk >/dev/null || { echo "bench-web needs wrk: sudo apt-get install -y wrk"; exit 1; }
	$(PY) -m bench.web

bench-e2e: install  ## requests in, the Procfile's forking worker, suggestions and plans stored
	$(PY) -m bench.e2e

bench-faults: install  ## kill horses and workers, flush Redis, drop connections: is anything lost?
	$(PY) -m bench.faults

clean:
	rm -rf $(VENV) .pytest_cache
