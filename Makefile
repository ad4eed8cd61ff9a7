# Every target creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: test demo bench generate check drift lint typecheck checkov pytest distributions goldens install clean conformance

# Two distributions from one tree: stereo-spot-shared (packaging/stereo-spot-shared,
# pydantic only) and stereo-spot-aws-adapters (this pyproject.toml, which depends on it).
SHARED := packaging/stereo-spot-shared

$(STAMP): pyproject.toml $(SHARED)/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e $(SHARED) -e '.[dev]'
	touch $(STAMP)

# The demo needs only the runtime and moto's server: a lighter install than dev.
DEMO_STAMP := $(VENV)/.installed-demo
$(DEMO_STAMP): pyproject.toml $(SHARED)/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e $(SHARED) -e '.[demo]'
	touch $(DEMO_STAMP)

install: $(STAMP)

# checkov pins boto3, botocore and packaging older than ours (and ~60 other
# packages), so it gets a venv of its own instead of a place in the dev extra.
CHECKOV_VENV := .venv-checkov
CHECKOV_VERSION := 3.3.30
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
$(CHECKOV_STAMP):
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q --disable-pip-version-check 'checkov==$(CHECKOV_VERSION)'
	touch $(CHECKOV_STAMP)

## make demo: an embedded AWS endpoint, every resource provisioned, one job walked through
demo: $(DEMO_STAMP)
	$(BIN)/python -m stereo_spot_aws_adapters demo

## make test: codegen --check, drift check, ruff, import contracts, mypy --strict, checkov on infra/, pytest,
## both wheels in scratch venvs
test: check drift lint typecheck checkov pytest distributions

check: $(STAMP)
	$(BIN)/python -m codegen --check

drift: $(STAMP)
	$(BIN)/python -m codegen drift

lint: $(STAMP)
	$(BIN)/ruff check src codegen tests benchmarks
	$(BIN)/ruff format --check src codegen tests benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy src codegen tests/typing benchmarks

# Static security analysis of every *.tf in infra/, offline (no Prisma Cloud download);
# checks that do not fit are skipped inline in infra/ with their reason.
checkov: $(CHECKOV_STAMP)
	$(CHECKOV_VENV)/bin/checkov --directory infra --framework terraform --skip-download --quiet --compact

pytest: $(STAMP)
	$(BIN)/python -m pytest -q -n auto

## make conformance [ENDPOINT=http://localhost:4566]: the conformance suite on every backend,
## plus an AWS-compatible endpoint (LocalStack, ...) when ENDPOINT is given
conformance: $(STAMP)
	STEREO_SPOT_TEST_ENDPOINT=$(ENDPOINT) $(BIN)/python -m pytest -q tests/conformance

## make distributions: build both wheels; prove each installs alone in a scratch venv
distributions: $(STAMP)
	$(BIN)/python -m tests.distributions

## make generate: regenerate the adapters after editing schema/ or codegen/templates/
generate: $(STAMP)
	$(BIN)/python -m codegen

## make goldens: rewrite tests/golden/*/expected and the README drift examples after an intended change
goldens: $(STAMP)
	$(BIN)/python -m tests.golden.regenerate
	$(BIN)/python -m tests.readme_drift_examples --write

## make bench: the benchmark suite; writes docs/benchmarks.md
bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis build/distributions
