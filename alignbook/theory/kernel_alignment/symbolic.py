r"""Symbolic derivations (sympy) that the chapter *Kernel alignment and its relatives* executes.

Each function returns a :class:`Derivation`: a list of named steps (sympy expressions) and a
dictionary of assertions that sympy verified (``verified``). The chapter displays the steps
(``_repr_markdown_`` renders them as LaTeX) and the tests assert that every entry of
``verified`` is ``True``.

* :func:`gaussian_mi` -- Gaussian mutual information through canonical correlations.
* :func:`gaussian_w2` -- the squared Wasserstein-2 distance between a whitened Gaussian and the
  product of its marginals, the corrected closed form and the printed one.
* :func:`ka_da_expansion` -- distance alignment as a function of kernel alignment.
* :func:`kta_spectral` -- scale (in)variance of the corrected and printed spectral
  kernel-target alignment.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

__all__ = ["Derivation", "gaussian_mi", "gaussian_w2", "ka_da_expansion", "kta_spectral"]


@dataclass
class Derivation:
    """Named steps of a derivation and the facts sympy verified along the way.

    Examples
    --------
    >>> import sympy as sp
    >>> from alignbook.theory.kernel_alignment.symbolic import Derivation
    >>> x = sp.Symbol("x")
    >>> d = Derivation("a square")
    >>> d.step("expand", sp.expand((x + 1) ** 2))
    >>> d.verify("$(x+1)^2 = x^2 + 2x + 1$", (x + 1) ** 2 - (x**2 + 2 * x + 1))
    >>> d.ok
    True
    """

    title: str
    steps: list[tuple[str, sp.Basic]] = field(default_factory=list)
    verified: dict[str, bool] = field(default_factory=dict)

    def step(self, text: str, expr) -> None:
        """Record a named step (shown by the chapter)."""
        self.steps.append((text, expr))

    def verify(self, text: str, zero) -> None:
        """Record ``text`` as verified when sympy simplifies ``zero`` to 0."""
        self.verified[text] = bool(sp.simplify(zero) == 0)

    @property
    def ok(self) -> bool:
        """Whether something was verified and everything verified is true."""
        return bool(self.verified) and all(self.verified.values())

    def _repr_markdown_(self) -> str:
        out = [f"**{self.title}**", ""]
        for text, expr in self.steps:
            out.append(f"- {text}: $\\displaystyle {sp.latex(expr)}$")
        out.append("")
        for text, ok in self.verified.items():
            out.append(f"- sympy verified that {text}: **{'yes' if ok else 'NO'}**")
        return "\n".join(out)

    def __repr__(self) -> str:
        lines = [self.title]
        lines += [f"  {t}: {e}" for t, e in self.steps]
        lines += [f"  [{'ok' if v else 'FAILED'}] {t}" for t, v in self.verified.items()]
        return "\n".join(lines)


def gaussian_mi() -> Derivation:
    r"""MI of a Gaussian with whitened marginals and canonical correlations :math:`\rho_1, \rho_2`.

    In canonical coordinates the joint covariance is block diagonal with :math:`2\times2`
    blocks :math:`\begin{pmatrix}1&\rho_i\\\rho_i&1\end{pmatrix}`, so
    :math:`\det\Sigma = \prod_i(1-\rho_i^2)` and
    :math:`I = \tfrac12\log\frac{|\Sigma_{11}||\Sigma_{22}|}{|\Sigma|} = -\tfrac12\sum_i\log(1-\rho_i^2)`.

    Examples
    --------
    >>> from alignbook.theory.kernel_alignment.symbolic import gaussian_mi
    >>> gaussian_mi().ok
    True
    """
    r1, r2 = sp.symbols("rho_1 rho_2", positive=True)
    d = Derivation("Gaussian mutual information through canonical correlations")
    S = sp.Matrix([[1, 0, r1, 0], [0, 1, 0, r2], [r1, 0, 1, 0], [0, r2, 0, 1]])
    d.step(r"joint covariance in canonical coordinates $\Sigma$", S)
    det = sp.factor(S.det())
    d.step(r"$\det\Sigma$", det)
    mi = sp.Rational(1, 2) * sp.log(1 * 1 / det)
    closed = -sp.Rational(1, 2) * (sp.log(1 - r1**2) + sp.log(1 - r2**2))
    d.step(r"$I = \frac12\log(|\Sigma_{11}||\Sigma_{22}|/|\Sigma|)$", closed)
    d.verify(r"$\det\Sigma = (1-\rho_1^2)(1-\rho_2^2)$", det - (1 - r1**2) * (1 - r2**2))
    # both sides are real for 0 < rho_i < 1; compare exp(-2 I), which removes the logarithms
    d.verify(r"$I = -\frac12\sum_i \log(1-\rho_i^2)$ (as $e^{-2I}$ on both sides)",
             sp.exp(-2 * mi) - sp.exp(-2 * closed))
    t = sp.symbols("t", positive=True)
    d.step(r"series of $-\frac12\log(1-t)$ at $t=0$ (with $t=\rho^2$)", sp.series(-sp.log(1 - t) / 2, t, 0, 3))
    # MI >= HSIC/2 per component: -log(1 - t) - t has derivative t/(1-t) >= 0 and is 0 at t = 0
    g = -sp.log(1 - t) - t
    d.verify(r"$\frac{d}{dt}[-\log(1-t) - t] = t/(1-t)$ (so $-\log(1-t)\ge t$ on $[0,1)$)",
             sp.diff(g, t) - t / (1 - t))
    return d


def gaussian_w2() -> Derivation:
    r"""Squared W2 between :math:`N(0,\Sigma)`, :math:`\Sigma=\begin{pmatrix}1&\rho\\\rho&1\end{pmatrix}`, and :math:`N(0,I)`.

    Examples
    --------
    >>> from alignbook.theory.kernel_alignment.symbolic import gaussian_w2
    >>> d = gaussian_w2()
    >>> d.ok, len(d.verified)
    (True, 5)
    """
    rho = sp.symbols("rho", positive=True)
    a, b = sp.sqrt(1 + rho), sp.sqrt(1 - rho)
    d = Derivation(r"Gaussian $W_2^2$ (joint vs product of marginals), one canonical pair")
    S = sp.Matrix([[1, rho], [rho, 1]])
    R = sp.Rational(1, 2) * sp.Matrix([[a + b, a - b], [a - b, a + b]])
    d.step(r"$\Sigma$", S)
    d.step(r"$\Sigma^{1/2}$ (eigenvalues $1\pm\rho$, eigenvectors $(1,\pm1)/\sqrt2$)", R)
    d.verify(r"$(\Sigma^{1/2})^2 = \Sigma$", sp.simplify(R * R - S).norm())
    w2 = sp.simplify(S.trace() + 2 - 2 * R.trace())
    d.step(r"$W_2^2 = \operatorname{tr}\Sigma + \operatorname{tr}I - 2\operatorname{tr}\Sigma^{1/2}$", w2)
    d.verify(r"$W_2^2 = 2(2 - \sqrt{1+\rho} - \sqrt{1-\rho})$", w2 - 2 * (2 - a - b))
    d.verify(r"$(\sqrt{1+\rho}+\sqrt{1-\rho})^2 = 2 + 2\sqrt{1-\rho^2}$",
             sp.expand((a + b) ** 2) - (2 + 2 * sp.sqrt(1 - rho**2)))
    printed = 2 * (1 - sp.sqrt(1 - rho**2))
    d.step("printed formula (Insulla et al. 2025)", printed)
    s_true = sp.series(w2, rho, 0, 5).removeO()
    s_printed = sp.series(printed, rho, 0, 5).removeO()
    d.step(r"series of the correct $W_2^2$ at $\rho=0$", s_true)
    d.step(r"series of the printed formula at $\rho=0$", s_printed)
    d.verify(r"the correct value is $\rho^2/2 + O(\rho^4)$, the printed one $\rho^2 + O(\rho^4)$",
             sp.Poly(s_true, rho).coeff_monomial(rho**2) - sp.Rational(1, 2)
             + sp.Poly(s_printed, rho).coeff_monomial(rho**2) - 1)
    d.step(r"at $\rho = 1$: correct value", sp.nsimplify(w2.subs(rho, 1)))
    d.step(r"at $\rho = 1$: printed value", printed.subs(rho, 1))
    d.verify(r"at $\rho=1$ the correct value is $4 - 2\sqrt2$", w2.subs(rho, 1) - (4 - 2 * sp.sqrt(2)))
    return d


def ka_da_expansion() -> Derivation:
    r"""Expand :math:`(d_1^2 - d_2^2)^2` with :math:`d_q^2 = 2(1 - k_q)` (unit-norm features).

    Examples
    --------
    >>> from alignbook.theory.kernel_alignment.symbolic import ka_da_expansion
    >>> ka_da_expansion().ok
    True
    """
    k1, k2 = sp.symbols("k_1 k_2", real=True)
    c1, c2, A, C = sp.symbols("c_1 c_2 A C", positive=True)
    d = Derivation("Distance alignment from kernel alignment")
    sq = sp.expand((2 * (1 - k1) - 2 * (1 - k2)) ** 2)
    d.step(r"$(d_1^2 - d_2^2)^2$ with $d_q^2 = 2(1-k_q)$", sq)
    d.verify(r"$(d_1^2-d_2^2)^2 = 4(k_1^2 + k_2^2 - 2k_1k_2)$", sq - 4 * (k1**2 + k2**2 - 2 * k1 * k2))
    # averaging: E k1^2 = c1^2, E k2^2 = c2^2, E k1 k2 = c1 c2 A
    D = 4 * (c1**2 + c2**2 - 2 * c1 * c2 * A)
    d.step(r"$D = \mathbb E(d_1^2-d_2^2)^2$ with $\mathbb E k_q^2 = c_q^2$, $\mathbb E k_1k_2 = c_1c_2A$", D)
    eq = sp.factor(D.subs({c1: C, c2: C}))
    d.step(r"equal norms $c_1 = c_2 = C$", eq)
    d.verify(r"with equal norms $D = 8C^2(1 - A)$", eq - 8 * C**2 * (1 - A))
    d.verify(r"the printed $8C(1-A)$ differs unless $C = 1$ (difference $8C(C-1)(1-A)$)",
             (8 * C**2 * (1 - A) - 8 * C * (1 - A)) - 8 * C * (C - 1) * (1 - A))
    return d


def kta_spectral(modes: int = 3) -> Derivation:
    r"""Kernel-target alignment in Mercer coordinates; scale (in)variance of the two formulas.

    Examples
    --------
    >>> from alignbook.theory.kernel_alignment.symbolic import kta_spectral
    >>> kta_spectral(modes=2).ok
    True
    """
    eta = sp.symbols(f"eta_1:{modes + 1}", positive=True)
    w = sp.symbols(f"w_1:{modes + 1}", real=True)
    t = sp.symbols("t", positive=True)
    d = Derivation("Spectral kernel-target alignment")
    num = sum(e**2 * x**2 for e, x in zip(eta, w))               # <L_K h, h>
    hnorm2 = sum(e * x**2 for e, x in zip(eta, w))               # |h|^2 = |h (x) h|_HS
    knorm = sp.sqrt(sum(e**2 for e in eta))                      # |L_K|_HS
    corrected = num / (knorm * hnorm2)
    printed = num / sp.sqrt(sum(e**2 for e in eta) * hnorm2)
    d.step(r"$\langle L_K h, h\rangle$ for $h = \sum_i w_i\sqrt{\eta_i}\phi_i$", num)
    d.step(r"$\|h\|^2_{L^2}$", hnorm2)
    d.step("corrected alignment", corrected)
    d.step("printed alignment", printed)
    scale = {x: t * x for x in w}
    d.verify(r"corrected formula is unchanged by $h \mapsto t h$", corrected.subs(scale, simultaneous=True) - corrected)
    ratio = sp.simplify(printed.subs(scale, simultaneous=True) / printed)
    d.step(r"printed formula after $h \mapsto th$, divided by its value before", ratio)
    d.verify(r"the printed formula scales by $t$ (so it can exceed 1)", ratio - t)
    return d
