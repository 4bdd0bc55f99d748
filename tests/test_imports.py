"""Import hygiene: no module imports an underscore name from another package; the core sits at the bottom.

An AST scan of every module of ``alignbook`` (and of ``benchmarks/``): a name that starts with one
underscore (a private module or object) may be imported only from within its own top-level
package of ``alignbook`` (``measures``, ``scale``, ``core``, ``theory``, ...; the modules directly
under ``alignbook/`` form the root package). A private object of another package is an internal
detail that can change without notice; if two packages need it, it belongs in a public module of
the lower one (``alignbook.core``).
"""
from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import alignbook

ROOT = Path(alignbook.__file__).resolve().parent
REPO = ROOT.parent


def _module_name(path: Path, base: Path, prefix: str) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([prefix, *parts]) if prefix else ".".join(parts)


def _is_package(dotted: str) -> bool:
    return (REPO / Path(*dotted.split("."))).is_dir()


def _owner_package(dotted: str) -> str:
    """The package holding the first private component of ``dotted`` (a module or an object)."""
    parts = dotted.split(".")
    for i, p in enumerate(parts):
        if p.startswith("_") and not (p.startswith("__") and p.endswith("__")):
            prefix = ".".join(parts[:i])
            if _is_package(prefix):
                return prefix  # a private module or subpackage of package `prefix`
            return prefix.rsplit(".", 1)[0]  # a private object of module `prefix`
    return ""


def top_package(dotted: str) -> str:
    """The top-level package of ``alignbook`` a module or package belongs to ("" for the root modules)."""
    parts = dotted.split(".")
    if len(parts) >= 2 and parts[0] == "alignbook" and _is_package(".".join(parts[:2])):
        return parts[1]
    return "" if parts[0] == "alignbook" else dotted


def private_imports(path: Path, module: str, is_pkg: bool):
    """``(line, imported name, owner package)`` for every private name from another top-level package."""
    pkg = module if is_pkg else module.rsplit(".", 1)[0]
    mine = top_package(module)
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - (node.level - 1)]
                src = ".".join(base + ([node.module] if node.module else []))
            else:
                src = node.module or ""
            if not src.startswith("alignbook"):
                continue
            for alias in node.names:
                full = f"{src}.{alias.name}"
                owner = _owner_package(full)
                if owner and top_package(owner) != mine:
                    out.append((node.lineno, full, owner))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                owner = _owner_package(alias.name) if alias.name.startswith("alignbook") else ""
                if owner and top_package(owner) != mine:
                    out.append((node.lineno, alias.name, owner))
    return out


SOURCES = [(p, _module_name(p, REPO, ""), p.name == "__init__.py") for p in sorted(ROOT.rglob("*.py"))]
BENCH = [(p, "benchmarks." + p.stem, False) for p in sorted((REPO / "benchmarks").glob("*.py"))]


@pytest.mark.parametrize("path,module,is_pkg", SOURCES + BENCH, ids=[m for _, m, _ in SOURCES + BENCH])
def test_no_private_name_is_imported_from_another_package(path, module, is_pkg):
    bad = private_imports(path, module, is_pkg)
    assert not bad, "\n".join(f"{path.relative_to(REPO)}:{line}: imports {name} (private to {owner})"
                              for line, name, owner in bad)


def test_the_scan_can_fail():
    """The scan flags what it should: a private object and a private module of another package."""
    import tempfile

    src = ("from ..core.guards import _private\nfrom .._validate import as_pair\nfrom . import _own\n"
           "from .kernels import _same_package_is_fine\nfrom ..theory._registry import Check\n")
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.py"
        p.write_text(src)
        found = private_imports(p, "alignbook.measures.x", False)
        assert [name for _, name, _ in found] == ["alignbook.core.guards._private", "alignbook._validate.as_pair",
                                                  "alignbook.theory._registry.Check"]
        # a subpackage may use its top-level package's private helpers (theory.X -> theory._registry)
        p.write_text("from .._registry import check\nfrom ...scale._progress import progress_bar\n")
        found = private_imports(p, "alignbook.theory.kernel_alignment.x", False)
        assert [name for _, name, _ in found] == ["alignbook.scale._progress.progress_bar"]


def test_core_imports_nothing_above_it():
    """``alignbook.core`` is the bottom layer: it imports only ``alignbook.device`` and itself."""
    for path in sorted((ROOT / "core").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                target = (node.module or "").split(".")[0]
                if node.level >= 2:
                    assert target == "device", f"{path.name} imports ..{node.module} (above the core)"


def test_every_module_imports_cleanly():
    """Each module imports on its own (no hidden order dependence, no optional import at module level)."""
    names = [m.name for m in pkgutil.walk_packages(alignbook.__path__, "alignbook.") if not m.name.endswith("__main__")]
    assert "alignbook.core.kernels" in names
    for name in names:
        importlib.import_module(name)


def test_heavy_optional_packages_are_not_imported_at_import_time():
    import subprocess
    import sys

    code = ("import sys, alignbook, alignbook.scale, alignbook.core; "
            "print([m for m in ('torchvision', 'open_clip', 'timm') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
