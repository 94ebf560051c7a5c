# Two set-up commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Prefect state and telemetry stay local and quiet for every target.
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: install run test lint typecheck pytest demo bench schema clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# One run of the enrich-lists flow on the lists of lists.toml, snapshot in outputs/.
# Exit status: 0 ok, 1 degraded, 2 bad input, 3 failed, 4 Prefect API lost (README "Exit statuses").
run: $(STAMP)
	@$(BIN)/enrich run --out outputs; status=$$?; \
	if [ $$status -ne 0 ]; then echo "make run: enrich run exited with status $$status" \
	"(1 degraded, 2 bad input, 3 failed, 4 Prefect API lost; see README, Exit statuses)" >&2; \
	fi; exit $$status

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check enrich flows tests benchmarks docs
	$(BIN)/ruff format --check enrich flows tests benchmarks docs

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

# The flow against a local stand-in of arXiv and Semantic Scholar (no network needed).
demo: $(STAMP)
	$(BIN)/enrich demo --out outputs/demo

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

schema: $(STAMP)
	$(BIN)/enrich schema --out outputs/schema

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# docs/report-list.png, the README's screenshot of a report page (needs Debian's chromium).
.PHONY: screenshot
screenshot: $(STAMP)
	$(BIN)/python docs/report_screenshot.py
