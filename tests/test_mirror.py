"""The package mirrors the book, and its layers only import downwards.

* Every chapter ``chapters/X.md`` listed in ``_toc.yml`` has ``alignbook/theory/x`` (a module, or
  a package of section modules), ``alignbook/experiments/x`` and ``alignbook/plots/x``
  (``x`` = ``X`` with ``-`` for ``_``); every check registered there belongs to that chapter,
  and nothing else sits in those three packages without a reason written down here.
* Symbolic derivations live beside their chapter's theory (``alignbook/theory/x/symbolic.py``).
* Layers: foundation < measures < data and models < experiments < theory < plots < entry points;
  a module imports only from its own layer or below (an AST scan, so an import inside a
  function counts too), and nothing outside :mod:`alignbook.plots` imports it.
* The check protocol: ``check`` takes the chapter from the module; checks import at module top
  and draw randomness only from their seed (``generator``/``rng`` of :mod:`alignbook.device`).
"""
from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest
import yaml

from alignbook.theory import REGISTRY, chapter_of, check, load_all

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "alignbook"

# --------------------------------------------------------------------------------------------
# the chapters of the book and the modules that mirror them
# --------------------------------------------------------------------------------------------


def _toc_files(node) -> list[str]:
    out = []
    if isinstance(node, dict):
        if "file" in node:
            out.append(node["file"])
        for v in node.values():
            out += _toc_files(v)
    elif isinstance(node, list):
        for v in node:
            out += _toc_files(v)
    return out


TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
CHAPTERS = [f.split("/", 1)[1] for f in _toc_files(TOC) if f.startswith("chapters/")]
# Public modules of theory/, experiments/ or plots/ that are not a chapter's, and why.
NOT_A_CHAPTER = {
    "plots.scale": "figures for alignbook.scale (layer-pair heat map, permutation null), used by the appendices",
    "experiments.zoo": "the model-zoo appendix (book/zoo.md): alignment between every pair of pretrained encoders",
    "plots.zoo": "the model-zoo appendix's heat maps",
}


def _module(chapter: str) -> str:
    return chapter.replace("-", "_")


def _exists(layer: str, name: str) -> bool:
    return (PKG / layer / f"{name}.py").is_file() or (PKG / layer / name / "__init__.py").is_file()


def test_the_toc_lists_chapters():
    assert CHAPTERS, "_toc.yml lists no chapters/ file"
    for ch in CHAPTERS:
        assert (ROOT / "chapters" / f"{ch}.md").is_file(), ch
        assert "_" not in ch, f"chapter files use '-' (the module is {ch!r} with '_'): rename chapters/{ch}.md"


@pytest.mark.parametrize("chapter", CHAPTERS)
@pytest.mark.parametrize("layer", ["theory", "experiments", "plots"])
def test_every_chapter_has_its_modules(chapter, layer):
    name = _module(chapter)
    assert _exists(layer, name), (
        f"chapters/{chapter}.md has no alignbook/{layer}/{name}.py (or package): every chapter has a "
        f"theory, an experiments and a plots module of the same name (see CONTRIBUTING.md)")
    assert not ((PKG / layer / f"{name}.py").is_file() and (PKG / layer / name).is_dir()), \
        f"alignbook/{layer}/{name} is both a module and a package"


@pytest.mark.parametrize("layer", ["theory", "experiments", "plots"])
def test_nothing_else_sits_in_the_mirrored_packages(layer):
    mine = {_module(c) for c in CHAPTERS}
    for path in sorted((PKG / layer).iterdir()):
        name = path.stem if path.suffix == ".py" else path.name
        if name.startswith("_") or not (path.suffix == ".py" or (path / "__init__.py").is_file()):
            continue
        assert name in mine or f"{layer}.{name}" in NOT_A_CHAPTER, (
            f"alignbook/{layer}/{path.name} mirrors no chapter of _toc.yml; name it after its chapter or "
            "list it in NOT_A_CHAPTER with the reason")


def test_checks_belong_to_the_chapter_of_their_module():
    load_all()
    mine = {c: _module(c) for c in CHAPTERS}
    for cid, chk in REGISTRY.items():
        if not chk.module.startswith("alignbook."):
            continue  # registered by a test or a --import module
        parts = chk.module.split(".")
        assert parts[1] == "theory", f"{cid} is registered outside alignbook.theory ({chk.module})"
        assert chk.chapter in mine and parts[2] == mine[chk.chapter], (cid, chk.module, chk.chapter)
    assert {chk.chapter for chk in REGISTRY.values() if chk.module.startswith("alignbook.")} == set(CHAPTERS)


def test_section_packages_register_every_section():
    """Importing a chapter's theory package imports all its section modules (so verify sees every check)."""
    load_all()
    for ch in CHAPTERS:
        pkg = PKG / "theory" / _module(ch)
        if not pkg.is_dir():
            continue
        before = set(REGISTRY)
        for path in pkg.glob("*.py"):
            if not path.stem.startswith("_"):
                importlib.import_module(f"alignbook.theory.{_module(ch)}.{path.stem}")
        assert set(REGISTRY) == before, f"alignbook/theory/{_module(ch)}/__init__.py does not import every section"


def test_symbolic_derivations_sit_beside_their_theory():
    for path in PKG.rglob("symbolic*.py"):
        rel = path.relative_to(PKG).parts
        assert len(rel) == 3 and rel[0] == "theory" and rel[1] in {_module(c) for c in CHAPTERS}, (
            f"{path.relative_to(ROOT)}: symbolic derivations live in alignbook/theory/<chapter>/symbolic.py")


def test_check_takes_its_chapter_from_the_module():
    assert "chapter" not in inspect.signature(check).parameters
    assert chapter_of("alignbook.theory.kernel_alignment.hsic") == "kernel-alignment"
    assert chapter_of("alignbook.theory.stitching") == "stitching"


# --------------------------------------------------------------------------------------------
# layers: imports only point down
# --------------------------------------------------------------------------------------------
LAYERS = [  # (name, module prefixes); a module belongs to the layer of its longest matching prefix
    ("foundation", ["alignbook.device", "alignbook._validate", "alignbook._version", "alignbook.release", "alignbook.core"]),
    ("measures", ["alignbook.measures", "alignbook.scale"]),
    ("data and models", ["alignbook.data", "alignbook.models", "alignbook.zoo"]),
    ("experiments", ["alignbook.experiments"]),
    ("theory", ["alignbook.theory"]),
    ("plots", ["alignbook.plots"]),
    ("entry points", ["alignbook", "alignbook.__main__", "alignbook.cli", "alignbook.booktools"]),
]


def _layer(module: str) -> int:
    best, rank = -1, None
    for r, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, rank = len(p), r
    if rank is None:
        raise AssertionError(f"{module} has no layer: add it to LAYERS in tests/test_mirror.py and to CONTRIBUTING.md")
    return rank


def _modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(module: str, path: Path) -> list[tuple[str, int]]:
    """The alignbook modules that ``module`` imports (relative imports resolved), with line numbers."""
    is_pkg = path.name == "__init__.py"
    package = module if is_pkg else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:  # `from alignbook import measures` imports the module alignbook.measures
                sub = f"{target}.{a.name}"
                found.append((sub if sub in MODULES else target, node.lineno))
    return [(t, line) for t, line in found if t == "alignbook" or t.startswith("alignbook.")]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    mine = _layer(module)
    for target, line in _imports(module, MODULES[module]):
        if target == module:
            continue
        theirs = _layer(target)
        assert theirs <= mine, (f"{module} (layer {LAYERS[mine][0]!r}) imports {target} (layer {LAYERS[theirs][0]!r}) "
                                f"at line {line}: imports only point down")
        if target.startswith("alignbook.plots"):
            assert module.startswith("alignbook.plots"), f"{module} imports {target}: only chapters import plots"


def test_the_layer_scan_can_fail(tmp_path):
    """The scan sees a relative import inside a function, and a theory module importing plots is upward."""
    probe = tmp_path / "_scan_probe.py"
    probe.write_text("def f():\n    from ..plots import stitching\n")
    name = "alignbook.theory._scan_probe"
    assert ("alignbook.plots.stitching", 2) in _imports(name, probe)
    MODULES[name] = probe
    try:
        with pytest.raises(AssertionError, match="imports only point down"):
            test_imports_point_down(name)
    finally:
        del MODULES[name]


# --------------------------------------------------------------------------------------------
# the check protocol's import and random-number convention
# --------------------------------------------------------------------------------------------
CONVENTION = sorted(m for m in MODULES if m.split(".")[1:2] in (["theory"], ["experiments"], ["plots"]))
RANDOM_CALLS = {"rand", "randn", "randint", "randperm", "multinomial", "normal", "bernoulli", "rand_like", "randn_like"}


@pytest.mark.parametrize("module", CONVENTION)
def test_module_top_imports_and_seeded_randomness(module):
    tree = ast.parse(MODULES[module].read_text())
    for fn in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
        for node in ast.walk(fn):
            assert not isinstance(node, (ast.Import, ast.ImportFrom)), \
                f"{module}:{node.lineno}: import inside {fn.name}(); imports go at the top of the module"
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = ast.unparse(node.func.value)
        name = node.func.attr
        where = f"{module}:{node.lineno}: {ast.unparse(node.func)}"
        assert not (owner == "torch" and name == "manual_seed"), f"{where}: seed nn initialisers with reset_parameters"
        assert not (owner in ("torch", "torch.random") and name == "Generator"), f"{where}: use generator(seed, device)"
        assert not owner.startswith(("np.random", "numpy.random")), f"{where}: use r = rng(seed)"
        if owner == "torch" and name in RANDOM_CALLS:
            assert any(k.arg == "generator" for k in node.keywords), f"{where} draws from the global generator"
