"""The book's TeX macros, expanded; and the standard commands a plain renderer knows.

The web book defines its macros for MathJax (``mathjax3_config.tex.macros`` in ``_config.yml``).
Colab and other notebook renderers do not see that configuration, so the notebooks carry the
expansion instead. :data:`STANDARD_COMMANDS` lists the control sequences of plain LaTeX and
``amsmath``/``amssymb`` that both MathJax 3 (base + ams) and KaTeX implement; a notebook may
use only these (``tests/test_colab.py`` also typesets every formula with the vendored MathJax).
"""
from __future__ import annotations

import re

from . import BookError

_CS = re.compile(r"\\([A-Za-z]+|.)")


def _macro_table(macros: dict) -> dict[str, tuple[str, int]]:
    table = {}
    for name, spec in macros.items():
        if isinstance(spec, str):
            table[name] = (spec, 0)
        elif isinstance(spec, (list, tuple)) and spec and isinstance(spec[0], str):
            nargs = int(spec[1]) if len(spec) > 1 else 0
            if len(spec) > 2:
                raise BookError(f"macro \\{name}: optional arguments are not supported; drop the default")
            table[name] = (spec[0], nargs)
        else:
            raise BookError(f"macro \\{name}: expected a string or [definition, nargs], got {spec!r}")
    return table


def _read_group(tex: str, i: int) -> tuple[str, int]:
    """The argument starting at ``tex[i]``: a brace group (without braces), a control word or a char."""
    while i < len(tex) and tex[i] in " \t\n":
        i += 1
    if i >= len(tex):
        raise BookError(f"macro argument missing at the end of {tex!r}")
    if tex[i] == "{":
        depth, j = 0, i
        while j < len(tex):
            if tex[j] == "\\":
                j += 2
                continue
            depth += {"{": 1, "}": -1}.get(tex[j], 0)
            if depth == 0:
                return tex[i + 1:j], j + 1
            j += 1
        raise BookError(f"unbalanced braces in {tex!r}")
    if tex[i] == "\\":
        m = _CS.match(tex, i)
        return m.group(0), m.end()
    return tex[i], i + 1


def expand(tex: str, macros: dict, _depth: int = 0) -> str:
    """``tex`` with every book macro replaced by its definition (recursively, arguments substituted).

    A control word is matched whole (``\\Real`` is not ``\\R`` followed by ``eal``). When the
    definition ends in a letter-named command and the next source character is a letter, a space
    is kept between them so the expansion cannot merge into a different command.
    """
    if _depth > 20:
        raise BookError("macro expansion does not terminate (a macro uses itself)")
    table = _macro_table(macros)
    out: list[str] = []
    i = 0
    changed = False
    while i < len(tex):
        m = _CS.match(tex, i)
        if not m or tex[i] != "\\":
            out.append(tex[i])
            i += 1
            continue
        name = m.group(1)
        if name not in table:
            out.append(m.group(0))
            i = m.end()
            continue
        body, nargs = table[name]
        j = m.end()
        for k in range(1, nargs + 1):
            arg, j = _read_group(tex, j)
            body = body.replace(f"#{k}", arg)
        # \R^d -> \mathbb{R}^d; \tr H -> \operatorname{tr} H (the space after a control word is eaten by
        # TeX anyway, so keep one where the next character would otherwise extend a command name)
        if j < len(tex) and tex[j].isalpha() and re.search(r"\\[A-Za-z]+$", body):
            body += " "
        out.append(body)
        i = j
        changed = True
    result = "".join(out)
    return expand(result, macros, _depth + 1) if changed else result


def commands(tex: str) -> set[str]:
    """The control words (``\\name``) used in ``tex``; ``\\\\``, ``\\,`` and other symbols are not words."""
    return {m.group(1) for m in _CS.finditer(tex) if m.group(1).isalpha()}


def environments(tex: str) -> set[str]:
    return set(re.findall(r"\\begin\{([A-Za-z*]+)\}", tex))


# Plain LaTeX + amsmath/amssymb commands implemented by both MathJax 3 (base, ams) and KaTeX.
STANDARD_COMMANDS = frozenset("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa lambda mu nu
xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega
Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega digamma
aleph beth hbar ell wp Re Im partial infty nabla emptyset varnothing forall exists nexists neg lnot
top bot angle triangle backslash prime surd imath jmath Box
sum prod coprod int iint iiint oint bigcup bigcap bigsqcup bigvee bigwedge bigoplus bigotimes bigodot
biguplus
arccos arcsin arctan arg cos cosh cot coth csc deg det dim exp gcd hom inf ker lg lim liminf limsup
ln log max min Pr sec sin sinh sup tan tanh operatorname
pm mp times div cdot ast star circ bullet cap cup uplus sqcap sqcup vee wedge setminus wr diamond
bigtriangleup bigtriangledown triangleleft triangleright lhd rhd unlhd unrhd oplus ominus otimes
oslash odot bigcirc dagger ddagger amalg land lor smallsetminus dotplus ltimes rtimes boxplus
boxminus boxtimes boxdot
le leq ge geq ne neq equiv prec preceq succ succeq sim simeq approx cong subset supset subseteq
supseteq subsetneq supsetneq sqsubset sqsupset sqsubseteq sqsupseteq in ni notin propto models perp
mid parallel nmid nparallel asymp bowtie smile frown doteq lesssim gtrsim ll gg lll ggg leqslant
geqslant lneq gneq nleq ngeq nless ngtr nsim ncong approxeq trianglelefteq trianglerighteq vdash
dashv vDash Vdash coloneqq preccurlyeq succcurlyeq
leftarrow rightarrow to gets leftrightarrow Leftarrow Rightarrow Leftrightarrow mapsto longmapsto
longleftarrow longrightarrow Longleftarrow Longrightarrow longleftrightarrow Longleftrightarrow
uparrow downarrow updownarrow Uparrow Downarrow Updownarrow nearrow searrow swarrow nwarrow
hookleftarrow hookrightarrow leftharpoonup rightharpoonup rightleftharpoons implies impliedby iff
xrightarrow xleftarrow
langle rangle lvert rvert lVert rVert lfloor rfloor lceil rceil vert Vert
left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm
hat widehat tilde widetilde bar overline underline vec dot ddot acute grave breve check mathring
overbrace underbrace overrightarrow overleftarrow overleftrightarrow
mathbf mathrm mathit mathsf mathtt mathcal mathbb mathfrak mathscr boldsymbol bm pmb rm bf it sf tt
cal text textrm textit textbf texttt textsf textnormal mbox emph
frac dfrac tfrac cfrac binom dbinom tbinom sqrt root over choose atop stackrel overset underset
substack
displaystyle textstyle scriptstyle scriptscriptstyle limits nolimits
quad qquad enspace thinspace medspace thickspace negthinspace hspace vspace kern mkern mskip hfill
phantom hphantom vphantom smash
dots ldots cdots vdots ddots dotsb dotsc dotsi dotsm dotso
begin end tag notag nonumber label
color textcolor colorbox boxed cancel
not neq
ast therefore because
lbrace rbrace lbrack rbrack
""".split())

STANDARD_ENVIRONMENTS = frozenset("""
aligned align align* gathered gather gather* split cases matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix
smallmatrix array alignedat equation equation* multline multline* subarray
""".split())


def unknown_commands(tex: str) -> set[str]:
    """Control words and environments in ``tex`` that a plain notebook renderer would not know."""
    bad = {f"\\{c}" for c in commands(tex) - STANDARD_COMMANDS}
    bad |= {f"{{{e}}}" for e in environments(tex) - STANDARD_ENVIRONMENTS}
    return bad
