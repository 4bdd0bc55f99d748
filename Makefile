# alignbook: the README's two commands are `make book` and `make test`.
# Every target bootstraps what it needs: a .venv with the pinned stack (constraints.txt).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
JB     := $(VENV)/bin/jupyter-book
STAMP  := $(VENV)/.alignbook-installed
export PIP_DISABLE_PIP_VERSION_CHECK=1
export OMP_WAIT_POLICY ?= PASSIVE   # idle torch threads do not spin (2-core machines)

.PHONY: help setup book book-strict test test-fast verify verify-seeds notebooks bench bench-quick clean distclean

help:            ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt -e '.[book,test]'
	touch $(STAMP)

setup: $(STAMP)  ## create .venv (CPU torch, the package, book and test tools), offline-safe

book: $(STAMP)   ## build the executed book into _build/html (warnings are errors; cached execution)
	$(JB) build . -W -n --keep-going
	@echo "open _build/html/index.html"

book-strict: $(STAMP)  ## rebuild from scratch, re-executing every chapter
	rm -rf _build
	$(JB) build . -W -n --keep-going

test: $(STAMP)   ## unit tests, every theorem check on seeds 0-2 and its false variants, every chapter once, then the book with -W -n
	ALIGNBOOK_TEST_SEEDS=$${ALIGNBOOK_TEST_SEEDS:-0-2} $(PY) -m pytest -q --durations=12 tests

test-fast: $(STAMP)  ## unit tests and checks only (no chapters, no book)
	$(PY) -m pytest -q tests -m "not chapters and not book"

verify: $(STAMP) ## run every registered theorem check and print the table (SCALE=test|book|full)
	$(PY) -m alignbook verify $(if $(SCALE),--scale $(SCALE),)

verify-seeds: $(STAMP)  ## every check on seeds 0-9 at the test scale, with its false variants (SEEDS=0-9)
	$(PY) -m alignbook verify -q --scale test --seeds $(or $(SEEDS),0-9) --variants

notebooks: $(STAMP)  ## regenerate the Colab copies chapters/*.ipynb from chapters/*.md (stable cell ids)
	$(VENV)/bin/jupytext --update --to ipynb chapters/*.md

bench: $(STAMP)  ## benchmarks against peers and the matmul floor (tens of minutes; not part of the tests)
	$(PY) -m pip install -q -c constraints.txt -e '.[bench]'
	$(PY) benchmarks/run.py

bench-quick: $(STAMP)  ## a small smoke run of the benchmark harness
	$(PY) -m pip install -q -c constraints.txt -e '.[bench]'
	$(PY) benchmarks/run.py --quick

clean:           ## remove the built book (keeps .venv)
	rm -rf _build

distclean: clean ## remove the built book and .venv
	rm -rf $(VENV)
