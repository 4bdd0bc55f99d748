r"""Symbolic derivation (sympy) of the penalised alignment objective's minimiser and Pareto front.

The objective (chapter "What alignment throws away", {prf:ref}`thm-pareto-front`) is

.. math:: J_\lambda(w,u) = \mathbb E(Y-w^\top X_1)^2 + \lambda\,\mathbb E(w^\top X_1-u^\top X_2)^2 .

Minimising over :math:`u` leaves :math:`\lambda\,w^\top R w` with
:math:`R=\Sigma_{11}-\Sigma_{12}\Sigma_{22}^{-1}\Sigma_{21}`. In canonical coordinates
(:math:`\tilde w = U^\top\Sigma_{11}^{1/2}w`, where :math:`U` holds the left singular vectors of
:math:`\Sigma_{11}^{-1/2}\Sigma_{12}\Sigma_{22}^{-1/2}`) both quadratic forms are diagonal:
:math:`\Sigma_{11}\to I`, :math:`R\to\operatorname{diag}(\kappa_i)` with
:math:`\kappa_i = 1-\rho_i^2`, and :math:`\operatorname{Cov}(X_1,Y)\to c`. So the problem splits
into one scalar problem per canonical direction,

.. math:: j_i(w) = -2c_iw + w^2 + \lambda\kappa_i w^2 ,

and :func:`derive` solves it with sympy: the minimiser, its prediction-risk and alignment
contributions, their derivatives in :math:`\lambda`, the envelope identity
:math:`\partial_\lambda \mathcal R = -\lambda\,\partial_\lambda \mathcal A` (the slope of the
Pareto front is :math:`-\lambda`), and the limits as :math:`\lambda\to\infty`.
:func:`front` evaluates the derived formulas numerically (float64).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np
import sympy as sp

__all__ = ["FrontValues", "ParetoDerivation", "derive", "front", "symbols"]


@dataclass(frozen=True)
class ParetoDerivation:
    r"""The closed forms of one canonical direction, derived by sympy (:func:`derive`).

    Attributes
    ----------
    objective : sympy.Expr
        :math:`j(w) = -2cw + w^2 + \lambda\kappa w^2`.
    w_star : sympy.Expr
        Its minimiser :math:`c/(1+\lambda\kappa)`.
    second_derivative : sympy.Expr
        :math:`j''(w)` (positive, so ``w_star`` is the minimiser).
    risk, align : sympy.Expr
        The direction's contributions to ``E(Y - w'X1)^2 - Var Y`` and to the alignment loss.
    drisk, dalign : sympy.Expr
        Their derivatives in :math:`\lambda`.
    envelope : sympy.Expr
        ``drisk + lambda * dalign``, which simplifies to 0 (the slope of the front is :math:`-\lambda`).
    risk_limit_pos, align_limit_pos : sympy.Expr
        The limits as :math:`\lambda\to\infty` when :math:`\kappa > 0`.
    risk_limit_zero : sympy.Expr
        ``risk`` at :math:`\kappa = 0` (a direction with canonical correlation 1).

    Examples
    --------
    >>> from alignbook.theory.tradeoff.symbolic import derive
    >>> str(derive().w_star)
    'c/(kappa*lambda + 1)'
    """

    objective: sp.Expr
    w_star: sp.Expr
    second_derivative: sp.Expr
    risk: sp.Expr
    align: sp.Expr
    drisk: sp.Expr
    dalign: sp.Expr
    envelope: sp.Expr
    risk_limit_pos: sp.Expr
    align_limit_pos: sp.Expr
    risk_limit_zero: sp.Expr

    def items(self):
        """``(name, expression)`` pairs, in the order above."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


@dataclass
class FrontValues:
    r"""The derived front evaluated on a grid of :math:`\lambda` (:func:`front`).

    Attributes
    ----------
    risk, align : numpy.ndarray
        Prediction risk and alignment loss, shape ``(L,)``.
    drisk, dalign : numpy.ndarray
        Their :math:`\lambda`-derivatives.
    w : numpy.ndarray
        Canonical-coordinate minimisers, shape ``(L, p)``.

    Examples
    --------
    >>> from alignbook.theory.tradeoff.symbolic import front
    >>> f = front([1.0, 0.5], [0.5, 1.0], 2.0, [0.0, 1.0, 10.0])
    >>> f.w.shape, bool((f.drisk >= 0).all())  # risk rises with lambda
    ((3, 2), True)
    """

    risk: np.ndarray
    align: np.ndarray
    drisk: np.ndarray
    dalign: np.ndarray
    w: np.ndarray


@lru_cache(maxsize=1)
def symbols():
    """The symbols ``(c, kappa, lam, w)``: ``kappa, lam >= 0`` and ``c, w`` real.

    Examples
    --------
    >>> from alignbook.theory.tradeoff.symbolic import symbols
    >>> [str(x) for x in symbols()]
    ['c', 'kappa', 'lambda', 'w']
    """
    c = sp.Symbol("c", real=True)
    kappa = sp.Symbol("kappa", nonnegative=True)
    lam = sp.Symbol("lambda", nonnegative=True)
    w = sp.Symbol("w", real=True)
    return c, kappa, lam, w


@lru_cache(maxsize=1)
def derive() -> ParetoDerivation:
    """Derive the per-direction closed forms (see :class:`ParetoDerivation` for what each is).

    Examples
    --------
    >>> from alignbook.theory.tradeoff.symbolic import derive
    >>> d = derive()
    >>> d.envelope, d.risk_limit_pos
    (0, 0)
    """
    c, kappa, lam, w = symbols()
    j = -2 * c * w + w ** 2 + lam * kappa * w ** 2
    (w_star,) = sp.solve(sp.diff(j, w), w)
    w_star = sp.simplify(w_star)
    second = sp.diff(j, w, 2)
    risk = sp.factor(sp.simplify((-2 * c * w + w ** 2).subs(w, w_star)))
    align = sp.factor(sp.simplify((kappa * w ** 2).subs(w, w_star)))
    drisk = sp.factor(sp.simplify(sp.diff(risk, lam)))
    dalign = sp.factor(sp.simplify(sp.diff(align, lam)))
    envelope = sp.simplify(drisk + lam * dalign)
    kpos = sp.Symbol("kappa_pos", positive=True)
    risk_limit_pos = sp.limit(risk.subs(kappa, kpos), lam, sp.oo).subs(kpos, kappa)
    align_limit_pos = sp.limit(align.subs(kappa, kpos), lam, sp.oo).subs(kpos, kappa)
    risk_limit_zero = sp.simplify(risk.subs(kappa, 0))
    return ParetoDerivation(objective=j, w_star=w_star, second_derivative=second, risk=risk, align=align,
                            drisk=drisk, dalign=dalign, envelope=envelope, risk_limit_pos=risk_limit_pos,
                            align_limit_pos=align_limit_pos, risk_limit_zero=risk_limit_zero)


@lru_cache(maxsize=1)
def _numeric():
    d = derive()
    c, kappa, lam, _ = symbols()
    f = {k: sp.lambdify((c, kappa, lam), getattr(d, k), "numpy") for k in ("w_star", "risk", "align", "drisk", "dalign")}
    return f


def front(c, kappa, vy: float, lambdas) -> FrontValues:
    """Evaluate the derived front on ``lambdas``.

    Parameters
    ----------
    c : array_like
        Canonical-coordinate covariances with the target, shape ``(p,)``.
    kappa : array_like
        ``1 - rho**2`` per canonical direction, shape ``(p,)``.
    vy : float
        ``Var Y``.
    lambdas : array_like
        Non-negative penalty weights.

    Examples
    --------
    >>> from alignbook.theory.tradeoff.symbolic import front
    >>> f = front([1.0], [0.5], 2.0, [0.0, 2.0])  # w* = c / (1 + lambda kappa)
    >>> f.w.ravel().tolist(), f.risk.tolist()
    ([1.0, 0.5], [1.0, 1.25])
    """
    c = np.asarray(c, dtype=np.float64).reshape(1, -1)
    kappa = np.asarray(kappa, dtype=np.float64).reshape(1, -1)
    if c.shape != kappa.shape:
        raise ValueError(f"c and kappa must have the same length, got {c.shape[1]} and {kappa.shape[1]}")
    if (kappa < 0).any():
        raise ValueError("kappa = 1 - rho**2 must be non-negative (canonical correlations lie in [0, 1])")
    lam = np.asarray(lambdas, dtype=np.float64).reshape(-1, 1)
    if (lam < 0).any():
        raise ValueError("lambdas must be non-negative")
    f = _numeric()
    b = lambda k: np.broadcast_to(f[k](c, kappa, lam), (lam.shape[0], c.shape[1]))  # noqa: E731
    return FrontValues(risk=vy + b("risk").sum(1), align=b("align").sum(1), drisk=b("drisk").sum(1),
                       dalign=b("dalign").sum(1), w=b("w_star"))
