# Two entry points do all set-up on a fresh Debian 12 machine: `make report`, `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BT := $(VENV)/bin/boardtwin
MODELS ?= $(abspath ../shared/models)
JOBS ?= 2
export BOARDTWIN_MODELS := $(MODELS)

.PHONY: all setup toolchain venv test report clean

all: test

toolchain:
	@tools/ensure-toolchain.sh

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

venv: $(VENV)/.installed

setup: toolchain venv

test: setup
	$(PY) -m pytest -n $(JOBS) -q --durations=30

report: setup
	$(BT) matrix --models $(MODELS) --jobs $(JOBS)
	$(BT) report --out reports

clean:
	rm -rf build reports results
