# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Both create .venv and install ar-sync with what it needs the first time (and again whenever
# pyproject.toml changes).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "ar-sync needs Python 3.11 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[xero,quickbooks,postgres,dev]'
	@touch $@

# The whole job on generated Xero and QuickBooks sandboxes, in a throwaway AR_SYNC_HOME.
demo: $(STAMP)
	@home=$$(mktemp -d); AR_SYNC_HOME=$$home $(BIN)/ar-sync demo --out demo-output; status=$$?; rm -rf "$$home"; exit $$status

# Tests run on up to four processes (pytest-xdist), each with its own sandboxes and PostgreSQL.
test: $(STAMP)
	$(BIN)/python -m pytest --numprocesses=auto --maxprocesses=4

# Start-up is measured as an installed package runs: with its bytecode compiled (pip compiles
# what it installs; an editable install's sources are compiled here, whatever
# PYTHONDONTWRITEBYTECODE says).
bench: $(STAMP)
	$(BIN)/python -m compileall -q src connectors
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
