"""The runnable examples in the docstrings: every module of the package, as doctests.

Every module of ``alignbook`` is collected (a new module is picked up without a new test); each
one's examples run and must print what they say. Every public function and class of
``alignbook.measures``, ``alignbook.scale`` and :class:`alignbook.Kernel` must have an example.
"""
from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import warnings

import pytest

import alignbook
from alignbook import measures, scale

pytestmark = pytest.mark.usefixtures("one_thread")

MODULES = sorted(m.name for m in pkgutil.walk_packages(alignbook.__path__, "alignbook.")
                 if not m.name.endswith("__main__"))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", ["alignbook", *MODULES])
def test_doctests_of_module(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    tests = [t for t in finder.find(module, name) if t.examples]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for t in tests:
            runner.run(t)
    res = runner.summarize(verbose=False)
    assert res.failed == 0, f"{res.failed} of {res.attempted} doctest examples of {name} failed (see the output above)"


def _public(pkg):
    for nm in pkg.__all__:
        obj = getattr(pkg, nm)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            yield f"{pkg.__name__}.{nm}", obj


PUBLIC = sorted(dict([*_public(measures), *_public(scale)]).items())


@pytest.mark.parametrize("name,obj", PUBLIC, ids=[n for n, _ in PUBLIC])
def test_public_objects_have_examples(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert ">>>" in doc, f"{name} needs a short runnable Examples section in its docstring"


@pytest.mark.parametrize("member", ["linear", "rbf", "distance", "from_callable", "precomputed", "resolve"])
def test_kernel_constructors_have_examples(member):
    assert ">>>" in (inspect.getdoc(getattr(alignbook.Kernel, member)) or "")


def test_the_doctest_runner_can_fail():
    def wrong():
        """
        >>> 1 + 1
        3
        """

    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for t in doctest.DocTestFinder().find(wrong, "wrong"):
        runner.run(t, out=lambda s: None)
    assert runner.summarize(verbose=False).failed == 1
