# Every environment is created from a committed lock: uv.lock (dev, demo) and
# tools/checkov/uv.lock (checkov), installed by uv, itself installed by hash from
# tools/uv/requirements.txt. `make lock` refreshes all three.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

# uv never downloads an interpreter: every environment uses $(PYTHON).
export UV_PYTHON_DOWNLOADS := never
UV_VENV := .venv-uv
UV := $(UV_VENV)/bin/uv
SYNC = $(UV) sync --locked --python $(PYTHON)

.PHONY: test demo stack bench mutation generate check drift lint typecheck checkov pytest distributions goldens install clean conformance lock test-latest test-lowest docs docs-serve original-tests

# Two distributions from one tree: stereo-spot-shared (packaging/stereo-spot-shared,
# pydantic only) and stereo-spot-aws-adapters (this pyproject.toml, which depends on it).
SHARED := packaging/stereo-spot-shared

$(UV): tools/uv/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "make: $(PYTHON) is Python %d.%d; this project needs 3.10 or newer (3.11+ for the generator): make PYTHON=python3.11 ..." % sys.version_info[:2])'
	test -x $(UV_VENV)/bin/python || $(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r tools/uv/requirements.txt
	touch $(UV)

$(STAMP): pyproject.toml $(SHARED)/pyproject.toml uv.lock $(UV)
	$(SYNC) --extra dev
	touch $(STAMP)

# The demo needs only the runtime and moto's server: a lighter install than dev
# (dev includes everything demo does, so the two share .venv).
DEMO_STAMP := $(VENV)/.installed-demo
$(DEMO_STAMP): pyproject.toml $(SHARED)/pyproject.toml uv.lock $(UV)
	$(SYNC) --extra demo --inexact
	touch $(DEMO_STAMP)

install: $(STAMP)

# checkov pins boto3, botocore and packaging older than ours (and ~60 other
# packages), so it gets a venv of its own, locked in tools/checkov/.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
$(CHECKOV_STAMP): tools/checkov/pyproject.toml tools/checkov/uv.lock $(UV)
	UV_PROJECT_ENVIRONMENT=$(abspath $(CHECKOV_VENV)) $(SYNC) --project tools/checkov
	touch $(CHECKOV_STAMP)

## make lock: re-resolve every lock (uv.lock, tools/checkov/uv.lock, tools/uv/requirements.txt)
## to the newest versions the ranges allow; commit the result
lock: $(UV)
	$(UV) lock --upgrade
	$(UV) lock --upgrade --project tools/checkov
	$(UV) pip compile --quiet --upgrade --generate-hashes --universal --no-header tools/uv/requirements.in -o tools/uv/requirements.txt

## make demo: an embedded AWS endpoint, every resource provisioned, one job walked through
demo: $(DEMO_STAMP)
	$(BIN)/python -m stereo_spot_aws_adapters demo

## make stack [PORT=4566]: a local stack until Ctrl-C: the embedded server, every resource
## provisioned, outputs.json and .env written here (see docs/guides/local-stack.md)
PORT ?= 4566
stack: $(DEMO_STAMP)
	$(BIN)/python -m stereo_spot_aws_adapters stack --port $(PORT)

## make test: codegen --check, drift check, ruff, import contracts, mypy --strict, checkov on infra/,
## the docs site (strict), pytest (docs snippets included), both wheels in scratch venvs
test: check drift lint typecheck checkov docs pytest distributions

check: $(STAMP)
	$(BIN)/python -m codegen --check

drift: $(STAMP)
	$(BIN)/python -m codegen drift

lint: $(STAMP)
	$(BIN)/ruff check src codegen tests benchmarks
	$(BIN)/ruff format --check src codegen tests benchmarks
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy src codegen tests/typing benchmarks

# Static security analysis of every *.tf in infra/, offline (no Prisma Cloud download);
# checks that do not fit are skipped inline in infra/ with their reason.
checkov: $(CHECKOV_STAMP)
	$(CHECKOV_VENV)/bin/checkov --directory infra --framework terraform --skip-download --quiet --compact

pytest: $(STAMP)
	$(BIN)/python -m pytest -q -n auto

## make docs: build the documentation site into build/site; --strict fails on a broken link or anchor
## (not --quiet: it hides the warnings that --strict counts)
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

## make docs-serve: the documentation site on http://127.0.0.1:8000, rebuilt on every edit
docs-serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

## make conformance [ENDPOINT=http://localhost:4566]: the conformance suite on every backend,
## plus an AWS-compatible endpoint (LocalStack, ...) when ENDPOINT is given
conformance: $(STAMP)
	STEREO_SPOT_TEST_ENDPOINT=$(ENDPOINT) $(BIN)/python -m pytest -q tests/conformance

## make distributions: build both wheels; prove each installs alone in a scratch venv
## (third-party packages pinned to the lock's versions)
distributions: $(STAMP)
	mkdir -p build
	$(UV) export --locked --quiet --no-hashes --no-header --no-emit-workspace --extra dev -o build/constraints.txt
	DISTRIBUTIONS_CONSTRAINTS=build/constraints.txt $(BIN)/python -m tests.distributions

## make original-tests REV=b622b25 ORIGINAL=/path/to/stereo-spot: the original monorepo's own
## tests at REV, unchanged, against our two wheels in a scratch venv; passed/total per package
## (ORIGINAL: a clone or bare git dir of alexpialetski/stereo-spot). Not in make test.
original-tests: distributions
	@test -n "$(REV)" && test -n "$(ORIGINAL)" || { echo "usage: make original-tests REV=<rev> ORIGINAL=<clone>"; exit 2; }
	$(BIN)/python -m tests.original --rev $(REV) --original $(ORIGINAL) --uv $(UV) --json build/original-$(REV).json

## make generate: regenerate the adapters after editing schema/ or codegen/templates/
generate: $(STAMP)
	$(BIN)/python -m codegen

## make goldens: rewrite tests/golden/*/expected and the drift examples in docs/ after an intended change
goldens: $(STAMP)
	$(BIN)/python -m tests.golden.regenerate
	$(BIN)/python -m tests.docs.drift_examples --write

## make bench: the benchmark suite; writes docs/benchmarks.md
bench: $(STAMP)
	$(BIN)/python -m benchmarks

## make mutation: mutation testing of the safety-critical runtime (mutmut from the lock), each
## module against its fast tests only, one module at a time, at most MUTATION_BUDGET seconds
## each; rewrites docs/mutation.md and fails below 95 % or on an unexplained survivor. Not in make test.
MUTATION_BUDGET ?= 900
mutation: $(STAMP)
	$(BIN)/python -m tests.mutation --budget $(MUTATION_BUDGET)

## make test-latest: the whole suite on the newest versions the ranges allow (not the lock),
## in a scratch venv: upstream breakage shows here before users meet it. Not in make test.
LATEST_VENV := .venv-latest
test-latest: $(UV)
	rm -rf $(LATEST_VENV)
	$(UV) venv --quiet --python $(PYTHON) $(LATEST_VENV)
	VIRTUAL_ENV=$(abspath $(LATEST_VENV)) $(UV) pip install --quiet --upgrade --no-cache-dir -e $(SHARED) -e '.[dev]'
	$(LATEST_VENV)/bin/python -m pip list --format=freeze 2>/dev/null | grep -iE '^(boto3|botocore|pydantic|moto)==' || true
	$(LATEST_VENV)/bin/python -m pytest -q -n auto

## make test-lowest: unit and conformance tests on the lowest boto3, botocore and pydantic the
## distributions allow (tools/lowest.txt); the rest resolved to fit them. Not in make test.
LOWEST_VENV := .venv-lowest
test-lowest: $(UV)
	rm -rf $(LOWEST_VENV)
	$(UV) venv --quiet --python $(PYTHON) $(LOWEST_VENV)
	VIRTUAL_ENV=$(abspath $(LOWEST_VENV)) $(UV) pip install --quiet --override tools/lowest.txt -e $(SHARED) -e '.[dev]'
	$(LOWEST_VENV)/bin/python -m pip list --format=freeze 2>/dev/null | grep -iE '^(boto3|botocore|pydantic|pydantic.core)==' || true
	$(LOWEST_VENV)/bin/python -m pytest -q -n auto tests/unit tests/conformance

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(UV_VENV) $(LATEST_VENV) $(LOWEST_VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis build/distributions
