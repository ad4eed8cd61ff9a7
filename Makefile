# Every target creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: test demo bench generate check drift lint typecheck pytest goldens install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make demo: an embedded AWS endpoint, every resource provisioned, one job walked through
demo: $(STAMP)
	$(BIN)/python -m stereo_spot_aws_adapters demo

## make test: codegen --check, drift check, ruff, mypy --strict, pytest
test: check drift lint typecheck pytest

check: $(STAMP)
	$(BIN)/python -m codegen --check

drift: $(STAMP)
	$(BIN)/python -m codegen drift

lint: $(STAMP)
	$(BIN)/ruff check src codegen tests
	$(BIN)/ruff format --check src codegen tests

typecheck: $(STAMP)
	$(BIN)/mypy src codegen

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

## make generate: regenerate the adapters after editing schema/ or codegen/templates/
generate: $(STAMP)
	$(BIN)/python -m codegen

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
