# Two commands for a new user: `make demo` and `make test`. Each one sets up .venv by itself.
# Set-up order matters: torch==2.13.0 goes in first (the local CPU wheel; any other torch spec
# pulls GBs of CUDA packages), then everything else from ONE pinned file, so a later unpinned
# install can never upgrade qiskit past what qiskit-dynamics accepts (notes/pulse_stack.md).

# Python 3.11 (what the pinned stack was verified on); override with `make PYTHON=/path/to/python3.11`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
LOCK   := requirements/lock.txt
# The stamp is named after the hash of the lock file and pyproject.toml: change either and the
# next call reinstalls; otherwise nothing is reinstalled.
HASH   := $(shell cat $(LOCK) pyproject.toml | sha256sum | cut -c1-16)
STAMP  := $(VENV)/.installed-$(HASH)
export OPENBLAS_NUM_THREADS ?= 1
export MPLBACKEND ?= Agg

.PHONY: install demo lint wheel-check test test-all bench clean

install: $(STAMP)

$(STAMP): $(LOCK) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || { echo "error: need Python 3.11 (found '$(PYTHON)'); install it or run 'make PYTHON=/path/to/python3.11 ...'"; exit 2; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=23.2"
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e ".[all]"
	$(PY) -m pip check
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: install
	$(VENV)/bin/hybrid-rg demo --out out/demo

# Format and lint (ruff, configured in pyproject.toml) and the layer direction (import-linter contracts there).
lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# The wheel, installed (not editable) in a fresh venv, lists the devices and validates a program elsewhere.
wheel-check: install
	.ci/wheel_check.sh $(PY)

test: install lint wheel-check
	$(PY) -m pytest -q
	@# the many-worker calibration tests and the PostgreSQL ledger need a server: a throwaway one on loopback, always torn down
	eval "$$(.ci/postgres.sh start)" && { $(PY) -m pytest -q -m postgres tests/calibration tests/runtime; rc=$$?; .ci/postgres.sh stop; exit $$rc; }

test-all: install
	$(PY) -m pytest -q -m "slow or not slow"

bench: install
	$(PY) benchmarks/free_fermion_vs_krylov.py
	$(PY) benchmarks/import_time.py
	$(PY) benchmarks/olrg_vs_tebd.py
	$(PY) benchmarks/emulator_vs_braket.py
	$(PY) benchmarks/hem_warm_start.py
	$(PY) benchmarks/calibration_warm_start.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .import_linter_cache
