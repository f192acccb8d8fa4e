# Two commands do all set-up on a fresh clone: `make report` and `make test`.
# Every target works in this folder; run from another (`make -f path/Makefile`), say how to run it.
ifeq ($(wildcard pipeline/cli.py),)
$(error Run make in the project's folder: make -C "$(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))" $(or $(MAKECMDGOALS),report))
endif
VENV   := .venv
PY     := $(VENV)/bin/python
CLI    := $(VENV)/bin/partnerships
# For a real year, optionally: the council's configuration, last year's output folder, the as-of date
# (make report CONFIG=review.toml PREVIOUS=output/2026 AS_OF=2027-04-30).
CONFIG ?=
PREVIOUS ?=
AS_OF ?=
# The review's year: the as-of date's when one is given (as `partnerships report` takes it), else this year's.
# An as-of date not written year-month-day (30/04/2026) gives no year here: the report refuses it, saying
# how to write it, where a year taken from it ('30/04/2026') was refused as a --year never given.
AS_OF_YEAR = $(shell printf '%s' "$(AS_OF)" | sed -n 's/^\([0-9][0-9][0-9][0-9]\)-.*/\1/p')
YEAR   ?= $(or $(AS_OF_YEAR),$(shell date +%Y))
INPUT  ?= input
OUTPUT ?= output/$(YEAR)
# Worker processes for loading and the PDF: the machine's processors, at most 4 (each PDF worker takes
# about 300 MB at 100 profiles). The outputs are the same bytes whatever it is.
JOBS ?= $(shell n=$$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1); [ "$$n" -gt 4 ] 2>/dev/null && n=4; echo $$n)
# The demo's returns and last year's demo pack live in output/demo/, not beside the years' packs in
# output/, so that `--previous output` (a folder of years) never takes the demo's last year for a real one.
DEMO   := output/demo/input
# A demo set for a year is dated around 1 April of it (`partnerships demo --year`), so its run is as of a
# month later: the demo reads as the year it is reported as, whichever year it is run in.
DEMO_AS_OF = $(YEAR)-05-01
# Its configuration: the council's name and the aliases of the organisations its officers abbreviate.
DEMO_CONFIG := docs/demo-review.toml
# Last year's demo returns and pack, given as --previous, so the demo pack shows the change since last
# year and each profile's trend over the years: the same seed's partnerships, a year earlier.
DEMO_SEED := 2026
LAST_YEAR = $(shell expr $(YEAR) - 1)
DEMO_PREVIOUS_INPUT = output/demo/input-$(LAST_YEAR)
DEMO_PREVIOUS = output/demo/$(LAST_YEAR)

.PHONY: install browser test slow format docs report template demo bench fuzz clean

install: $(VENV)/.installed

# pipeline/__init__.py holds the version, which the install records: a new release installs again.
$(VENV)/.installed: pyproject.toml pipeline/__init__.py
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# Lint and formatting (`make format` rewrites it), README tables up to date with the code (`make docs`
# rewrites them), then the suite.
LINTED := pipeline tests benchmarks docs
test: install browser
	$(PY) -m ruff check $(LINTED)
	$(PY) -m ruff format --check $(LINTED)
	PYTHONPATH=docs $(PY) -m cogapp --check README.md
	$(PY) -m pytest -q -n auto --dist loadfile

# Format the code as `make test` checks it (ruff format, configured in pyproject.toml).
format: install
	$(PY) -m ruff format $(LINTED)

# Regenerate README's tables of rule codes and configuration keys from the code (docs/readme_tables.py).
docs: install
	PYTHONPATH=docs $(PY) -m cogapp -r README.md

# The accessibility tests' npm packages (puppeteer-core drives the system Chromium, axe-core checks the
# pack), at the versions tests/browser/package-lock.json pins. Without npm those tests say so and skip.
BROWSER_DEPS := tests/browser/node_modules/.package-lock.json
browser: $(BROWSER_DEPS)

$(BROWSER_DEPS): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null; then \
		cd tests/browser && npm ci --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm is not installed: the browser accessibility tests will be skipped (.ci/run installs it)"; \
	fi

# The year's run: every workbook in input/ (or a demo set when there is none) into output/<year>/.
# A folder given as INPUT= must exist: a mistyped one is not made, and the demo not run in its place.
report: install
	@if [ "$(origin INPUT)" = "file" ]; then mkdir -p "$(INPUT)"; \
	elif [ ! -d "$(INPUT)" ]; then echo "INPUT=$(INPUT) is not a folder: give the folder that holds the year's returns" >&2; exit 2; fi
	@if $(PY) -m pipeline.read.folder "$(INPUT)"; then \
		$(CLI) report "$(INPUT)" --out "$(OUTPUT)" --year "$(YEAR)" $(if $(CONFIG),--config "$(CONFIG)") \
			$(if $(PREVIOUS),--previous "$(PREVIOUS)") $(if $(AS_OF),--as-of "$(AS_OF)") --jobs "$(JOBS)"; \
	else \
		echo "No workbooks in $(INPUT)/: running on a generated demo set ($(DEMO)/) instead, with last year's ($(DEMO_PREVIOUS)/)."; \
		rm -rf $(DEMO) $(DEMO_PREVIOUS_INPUT) $(DEMO_PREVIOUS) && \
		$(CLI) demo --out $(DEMO_PREVIOUS_INPUT) --count 40 --seed $(DEMO_SEED) --year $(LAST_YEAR) && \
		$(CLI) report $(DEMO_PREVIOUS_INPUT) --out $(DEMO_PREVIOUS) --year $(LAST_YEAR) --as-of $(LAST_YEAR)-05-01 \
			--config $(DEMO_CONFIG) --no-pdf --jobs $(JOBS) && \
		$(CLI) demo --out $(DEMO) --count 40 --seed $(DEMO_SEED) --year $(YEAR) && \
		$(CLI) report $(DEMO) --out "$(OUTPUT)" --year $(YEAR) --as-of $(DEMO_AS_OF) --config $(DEMO_CONFIG) \
			--previous $(DEMO_PREVIOUS) --jobs $(JOBS); \
	fi

# Regenerate the committed blank template after changing the catalogue or the template code. The year's
# template, with the council's configuration, is `partnerships templates --out DIR --config FILE` (README).
template: install
	@if [ -n "$(CONFIG)" ]; then echo "make template writes the standard template (input_templates/), with no configuration; \
	the year's template with yours: $(CLI) templates --out DIR --config \"$(CONFIG)\"" >&2; exit 2; fi
	$(CLI) templates --out input_templates

bench: install
	$(PY) benchmarks/bench.py

# The tests too slow for `make test` (timed kills of PDF runs, the installed wheel, long PDFs, longer fuzzing); CI runs them too.
slow: install
	$(PY) -m pytest -q -m slow tests

fuzz: install
	$(PY) -m pytest -q -m slow --hypothesis-profile=long tests/robustness

# What make built: the environment, caches and the demo, and what building the package leaves (build/,
# whose files a later `pip wheel` or `pip install .` ships even once deleted from pipeline/, and the
# *.egg-info). Never the council's years in output/<year>/.
clean:
	rm -rf $(VENV) output/demo/ .pytest_cache tests/browser/node_modules build *.egg-info
