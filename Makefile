# safetynet — every verb creates .venv/ from the pinned constraints first (see README).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SCENARIO ?= scenarios/baseline.toml
OUT    ?= reports/baseline
PORT   ?= 8765

.DEFAULT_GOAL := help
.PHONY: help venv report test lint typecheck pytest bench lab data lock clean serve browser

help:  ## list the verbs
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)  ## create .venv from the pinned dependencies

report: $(STAMP)  ## run the baseline scenario for Yunnan and write the report under reports/
	$(BIN)/safetynet run $(SCENARIO) --out $(OUT)

test: $(STAMP) browser  ## lint (ruff), types (mypy --strict), tests (pytest, notebooks, web page)
	$(BIN)/ruff check model tests benchmarks scripts
	$(BIN)/ruff format --check model tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/pytest -q

browser:  ## install chromium for the web-page tests when missing (apt-get; CI=true: required)
	./scripts/ensure_browser.sh

serve: $(STAMP)  ## open the web page on http://127.0.0.1:$(PORT)/ (PORT=8765)
	$(BIN)/safetynet serve --port $(PORT)

bench: $(STAMP)  ## run the benchmarks and rewrite benchmarks/RESULTS.md
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/bench_report.py

lab: $(STAMP)  ## open the notebooks in JupyterLab
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,notebooks]'
	$(BIN)/jupyter lab notebooks/

data: $(STAMP)  ## rebuild the package data from ../shared/data
	$(BIN)/python scripts/build_refdata.py

lock:  ## re-resolve the pinned versions (needs network)
	rm -rf /tmp/safetynet-lock && $(PYTHON) -m venv /tmp/safetynet-lock
	/tmp/safetynet-lock/bin/pip install --quiet -e '.[dev,notebooks]'
	@echo "update constraints.txt from: /tmp/safetynet-lock/bin/pip freeze --exclude-editable"

clean:  ## remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
