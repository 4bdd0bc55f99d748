"""The alignment vs prediction trade-off (chapter "What alignment throws away").

Everything is float64 and exact unless a function says it trains a network. The data model,
:class:`alignbook.data.TwoModalityModel`, lives in :mod:`alignbook.data.synthetic`.

* Linear least squares with an intercept: :func:`lin_residual`, :func:`lin_mmse`, :func:`lin_r2`,
  :func:`alignment_loss` (the linear "alignment as regression" loss) and their population
  counterpart :func:`pop_lin_mmse`.
* :func:`penalised_path`: exact minimisers of ``E(Y - w'X1)^2 + lam * E(w'X1 - u'X2)^2`` for a grid
  of ``lam`` (normal equations), with their prediction risk and alignment loss
  (:class:`PenalisedPath`).
* :func:`linear_sweep`: the redundancy sweep with closed-form linear encoders (:class:`LinearSweep`).
* :func:`contrastive_sweep`: the same sweep with two MLP towers trained by symmetric InfoNCE plus
  a supervised term (:mod:`alignbook.models.contrastive`; :class:`ContrastiveSweep`).
* :func:`digits_halves` and :func:`digits_experiment`: the real-data proxy (left and right halves
  of scikit-learn's digits as two modalities; :class:`DigitsHalves`, :class:`HalvesExperiment`).
* :func:`redundancy_diagnostics`: what to measure *before* training (:class:`RedundancyDiagnostics`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..data import TwoModalityModel, load_digits
from ..device import REDUCTION_DTYPE, get_device, pick
from ..measures import cca
from ..models import TwoTower, train_two_tower

F64 = REDUCTION_DTYPE

__all__ = [
    "ContrastiveSweep",
    "DigitsHalves",
    "HalvesExperiment",
    "LinearSweep",
    "PenalisedPath",
    "ProbeReference",
    "RedundancyDiagnostics",
    "alignment_loss",
    "contrastive_sweep",
    "digits_experiment",
    "digits_halves",
    "knn_probe_risk",
    "lin_mmse",
    "lin_r2",
    "lin_residual",
    "linear_sweep",
    "penalised_path",
    "pop_lin_mmse",
    "probe_risk",
    "redundancy_diagnostics",
    "refit_risk",
]


# ----------------------------------------------------------------------------------------------
# linear least squares with an intercept (exact on the empirical measure)
# ----------------------------------------------------------------------------------------------
def _as2d(name: str, a) -> torch.Tensor:
    if isinstance(a, np.ndarray):
        a = torch.from_numpy(a)
    if not isinstance(a, torch.Tensor):
        raise TypeError(f"{name} must be a torch tensor or a NumPy array, got {type(a).__name__}")
    if a.ndim == 1:
        raise ValueError(f"{name} is 1-D; reshape it to (n, 1) with {name}.reshape(-1, 1)")
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n, d), got shape {tuple(a.shape)}")
    a = a.to(F64)
    if not torch.isfinite(a).all():
        raise ValueError(f"{name} has NaN or infinite entries")
    return a


def _col_basis(X: torch.Tensor) -> torch.Tensor:
    """Orthonormal basis of the column space of the centred ``X`` (numerical rank by the SVD)."""
    Xc = X - X.mean(0, keepdim=True)
    if Xc.shape[1] == 0:
        return Xc
    U, s, _ = torch.linalg.svd(Xc, full_matrices=False)
    tol = s.max() * max(Xc.shape) * torch.finfo(F64).eps if s.numel() else 0.0
    return U[:, s > tol]


def lin_residual(Y, X) -> torch.Tensor:
    """Residual of the least-squares regression of ``Y`` (n, t) on ``[1, X]`` (n, p).

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.tradeoff import lin_residual
    >>> X = torch.arange(6.0).reshape(-1, 1)
    >>> float(lin_residual(3 * X + 1, X).abs().max()) < 1e-12  # exactly affine in X
    True
    """
    Y, X = _as2d("Y", Y), _as2d("X", X)
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"Y has {Y.shape[0]} rows and X has {X.shape[0]}; they must be paired")
    Yc = Y - Y.mean(0, keepdim=True)
    Q = _col_basis(X.to(Y.device))
    return Yc - Q @ (Q.T @ Yc)


def lin_mmse(Y, X) -> float:
    """Empirical linear mmse ``min_{c, B} mean ||Y - c - X B||^2`` (summed over the columns of Y).

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.tradeoff import lin_mmse
    >>> X = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    >>> lin_mmse(torch.tensor([[0.0], [1.0], [0.0], [1.0]]), X)  # what a line cannot fit
    0.2
    """
    R = lin_residual(Y, X)
    return float((R ** 2).sum(1).mean())


def lin_r2(Y, X) -> float:
    """``1 - lin_mmse(Y | X) / total variance of Y`` (Y with one column: the usual R^2).

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.tradeoff import lin_r2
    >>> X = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    >>> round(lin_r2(torch.tensor([[0.0], [1.0], [0.0], [1.0]]), X), 6)
    0.2
    """
    Y = _as2d("Y", Y)
    v = float(((Y - Y.mean(0)) ** 2).sum(1).mean())
    if v == 0:
        raise ValueError("Y is constant, so R^2 is undefined")
    return 1.0 - lin_mmse(Y, X) / v


def alignment_loss(Z, X2) -> float:
    """Linear "alignment as regression" loss ``L*_al``: ``min_{c, B} mean ||Z - c - X2 B||^2``.

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.tradeoff import alignment_loss
    >>> X2 = torch.randn(50, 3, dtype=torch.float64)
    >>> alignment_loss(X2 @ torch.ones(3, 1, dtype=torch.float64), X2) < 1e-20  # Z is a linear image of X2
    True
    """
    return lin_mmse(Z, X2)


def pop_lin_mmse(S: torch.Tensor, iy, ix) -> float:
    """Population linear mmse of the variables ``iy`` given ``ix`` from a covariance matrix ``S``.

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.tradeoff import pop_lin_mmse
    >>> S = torch.tensor([[1.0, 0.5], [0.5, 1.0]], dtype=torch.float64)  # correlation 0.5
    >>> pop_lin_mmse(S, [1], [0])
    0.75
    """
    iy, ix = list(iy), list(ix)
    Syy, Syx, Sxx = S[iy][:, iy], S[iy][:, ix], S[ix][:, ix]
    if len(ix) == 0:
        return float(torch.trace(Syy))
    return float(torch.trace(Syy - Syx @ torch.linalg.solve(Sxx, Syx.T)))


# ----------------------------------------------------------------------------------------------
# the penalised objective (R4.4): exact minimisers by the normal equations
# ----------------------------------------------------------------------------------------------
@dataclass
class PenalisedPath:
    """Exact minimisers of the penalised objective along a grid of ``lambda`` (:func:`penalised_path`).

    Attributes
    ----------
    lambdas : torch.Tensor
        The penalty weights, shape ``(L,)``.
    w, u : torch.Tensor
        Minimisers ``(L, p1)`` and ``(L, p2)``.
    risk, align, objective : torch.Tensor
        ``E(Y - w'X1)^2``, ``E(w'X1 - u'X2)^2`` and ``risk + lambda * align`` at the minimiser.
    R : torch.Tensor
        ``S11 - S12 S22^{-1} S21``, the matrix of the alignment term after minimising over ``u``.

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.tradeoff import penalised_path
    >>> I = torch.eye(2, dtype=torch.float64)
    >>> path = penalised_path(I, 0.5 * I, I, torch.tensor([1.0, 0.0]), 1.0, [0.0, 1.0])
    >>> path.w.tolist()  # w = (S11 + lam R)^-1 c1y with R = 0.75 I
    [[1.0, 0.0], [0.5714285714285714, 0.0]]
    """

    lambdas: torch.Tensor
    w: torch.Tensor
    u: torch.Tensor
    risk: torch.Tensor
    align: torch.Tensor
    objective: torch.Tensor
    R: torch.Tensor


def penalised_path(S11, S12, S22, c1y, vy, lambdas) -> PenalisedPath:
    """Exact minimisers of ``J(w, u) = E(Y - w'X1)^2 + lam E(w'X1 - u'X2)^2`` along ``lambdas``.

    Inputs are (population or sample) covariances: ``S11 = Cov X1``, ``S12 = Cov(X1, X2)``,
    ``S22 = Cov X2``, ``c1y = Cov(X1, Y)``, ``vy = Var Y``. Minimising over ``u`` first leaves
    ``lam * w' R w`` with ``R = S11 - S12 S22^{-1} S21``, so ``w(lam) = (S11 + lam R)^{-1} c1y``.

    Examples
    --------
    >>> from alignbook.data import TwoModalityModel
    >>> from alignbook.experiments.tradeoff import penalised_path
    >>> S11, S12, S22, c1y, _, vy = TwoModalityModel.make(seed=0, device="cpu").blocks()
    >>> path = penalised_path(S11, S12, S22, c1y, float(vy), [0.0, 1.0, 100.0])
    >>> bool((path.risk[1:] >= path.risk[:-1]).all() and (path.align[1:] <= path.align[:-1]).all())
    True
    """
    S11, S12, S22 = (torch.as_tensor(a, dtype=F64) for a in (S11, S12, S22))
    c1y = torch.as_tensor(c1y, dtype=F64, device=S11.device).reshape(-1)
    lam = torch.as_tensor(np.asarray(lambdas, dtype=np.float64), device=S11.device)
    if lam.ndim != 1 or (lam < 0).any():
        raise ValueError("lambdas must be a 1-D sequence of non-negative penalty weights")
    B = torch.linalg.solve(S22, S12.T)  # (p2, p1): u = B w
    R = S11 - S12 @ B
    R = 0.5 * (R + R.T)
    W = torch.stack([torch.linalg.solve(S11 + l * R, c1y) for l in lam])
    U = W @ B.T
    risk = vy - 2 * W @ c1y + torch.einsum("li,ij,lj->l", W, S11, W)
    align = torch.einsum("li,ij,lj->l", W, R, W)
    return PenalisedPath(lambdas=lam, w=W, u=U, risk=risk, align=align, objective=risk + lam * align, R=R)


def refit_risk(w: torch.Tensor, S11, c1y, vy) -> torch.Tensor:
    """Risk of the best affine read-out ``a * (w'X1) + b`` of Y: ``vy - (w'c1y)^2 / (w'S11 w)``.

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.tradeoff import refit_risk
    >>> S11, c1y = torch.eye(2, dtype=torch.float64), torch.tensor([1.0, 0.0], dtype=torch.float64)
    >>> refit_risk(torch.tensor([2.0, 0.0], dtype=torch.float64), S11, c1y, 1.5)  # any multiple of c1y
    tensor([0.5000], dtype=torch.float64)
    """
    w = torch.atleast_2d(w)
    num = (w @ c1y) ** 2
    den = torch.einsum("li,ij,lj->l", w, S11, w)
    if (den <= 0).any():
        raise ValueError("a representation w'X1 with zero variance has no read-out (w = 0?)")
    return vy - num / den


# ----------------------------------------------------------------------------------------------
# sweeps
# ----------------------------------------------------------------------------------------------
@dataclass
class LinearSweep:
    """The closed-form redundancy sweep (:func:`linear_sweep`); one row per redundancy level.

    Attributes
    ----------
    levels : numpy.ndarray
        Redundancy levels, shape ``(R,)``.
    lambdas : numpy.ndarray
        Penalty weights, shape ``(L,)``.
    risk, refit : numpy.ndarray
        ``(R, L)`` risk of ``Y1`` over ``Var Y1``, of the minimiser and with a refitted affine
        read-out.
    align : numpy.ndarray
        ``(R, L)`` alignment loss of the minimiser.
    r2_x1, r2_x2 : numpy.ndarray
        Population R^2 of ``Y1`` given ``X1`` and given ``X2``, per level.
    loss : numpy.ndarray
        ``refit[:, -1] - refit[:, 0]``: what the strongest alignment costs.

    Examples
    --------
    >>> from alignbook.experiments.tradeoff import linear_sweep
    >>> sweep = linear_sweep(levels=(0.5,), lambdas=[0.0, 1.0], device="cpu")
    >>> sweep.risk.shape, sweep.lambdas.tolist()
    ((1, 2), [0.0, 1.0])
    """

    levels: np.ndarray
    lambdas: np.ndarray
    risk: np.ndarray
    refit: np.ndarray
    align: np.ndarray
    r2_x1: np.ndarray
    r2_x2: np.ndarray
    loss: np.ndarray


def linear_sweep(levels=(1.0, 0.75, 0.5, 0.25, 0.0), lambdas=None, model: TwoModalityModel | None = None,
                 seed: int = 0, device=None) -> LinearSweep:
    """Closed-form (population) redundancy sweep with the penalised scalar linear encoder.

    For each redundancy level and each ``lam``: the prediction risk of ``Y1`` (normalised by
    ``Var Y1``) of the minimiser used directly (``risk``) and with a refitted affine read-out
    (``refit``), and its alignment loss.

    Examples
    --------
    >>> from alignbook.experiments.tradeoff import linear_sweep
    >>> sweep = linear_sweep(levels=(1.0, 0.0), device="cpu")
    >>> sweep.risk.shape, bool(sweep.loss[0] < sweep.loss[1])  # complementary data pay more
    ((2, 27), True)
    """
    if lambdas is None:
        lambdas = np.concatenate([[0.0], np.logspace(-2, 3, 26)])
    model = model or TwoModalityModel.make(seed=seed, device=device)
    risk, refit, align, r2x1, r2x2 = [], [], [], [], []
    for lev in levels:
        m = model.with_redundancy(float(lev))
        S11, S12, S22, c1y, c2y, vy = m.blocks()
        path = penalised_path(S11, S12, S22, c1y, vy, lambdas)
        vy = float(vy)
        risk.append((path.risk / vy).cpu().numpy())
        refit.append((refit_risk(path.w, S11, c1y, vy) / vy).cpu().numpy())
        align.append(path.align.cpu().numpy())
        S = m.covariance()
        p1, p2 = m.p1, m.p2
        r2x1.append(1 - pop_lin_mmse(S, [p1 + p2], range(p1)) / vy)
        r2x2.append(1 - pop_lin_mmse(S, [p1 + p2], range(p1, p1 + p2)) / vy)
    refit = np.array(refit)
    return LinearSweep(levels=np.asarray(levels, float), lambdas=np.asarray(lambdas, float), risk=np.array(risk),
                       refit=refit, align=np.array(align), r2_x1=np.array(r2x1), r2_x2=np.array(r2x2),
                       loss=refit[:, -1] - refit[:, 0])


def probe_risk(Ztr, Ytr, Zte, Yte) -> float:
    """Test mean squared error of the least-squares affine probe fitted on ``(Ztr, Ytr)``, over ``Var(Yte)``.

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.tradeoff import probe_risk
    >>> Z = torch.randn(40, 2, dtype=torch.float64)
    >>> probe_risk(Z[:30], Z[:30, :1], Z[30:], Z[30:, :1]) < 1e-20  # Y is a coordinate of Z
    True
    """
    Ztr, Ytr, Zte, Yte = (_as2d(n, a) for n, a in (("Ztr", Ztr), ("Ytr", Ytr), ("Zte", Zte), ("Yte", Yte)))
    A = torch.cat([torch.ones(Ztr.shape[0], 1, dtype=F64, device=Ztr.device), Ztr], 1)
    coef = torch.linalg.lstsq(A.cpu(), Ytr.cpu(), driver="gelsd").solution.to(Ztr.device)
    pred = torch.cat([torch.ones(Zte.shape[0], 1, dtype=F64, device=Zte.device), Zte], 1) @ coef
    return float(((Yte - pred) ** 2).sum(1).mean() / ((Yte - Yte.mean(0)) ** 2).sum(1).mean())


def knn_probe_risk(Ztr, Ytr, Zte, Yte, k: int = 20) -> float:
    """Test mean squared error of ``k``-nearest-neighbour regression (Euclidean) over ``Var(Yte)``.

    A consistent, nonparametric estimate of ``mmse(Y | Z)`` (the quantity in T4.1), which does
    not depend on whether the information is *linearly* readable.

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.tradeoff import knn_probe_risk
    >>> Z = torch.linspace(-1, 1, 201, dtype=torch.float64).reshape(-1, 1)
    >>> knn_probe_risk(Z[::2], Z[::2] ** 2, Z[1::2], Z[1::2] ** 2, k=2) < 0.01  # nonlinear, still readable
    True
    """
    Ztr, Ytr, Zte, Yte = (_as2d(n, a) for n, a in (("Ztr", Ztr), ("Ytr", Ytr), ("Zte", Zte), ("Yte", Yte)))
    if not 1 <= int(k) <= Ztr.shape[0]:
        raise ValueError(f"k={k} must lie between 1 and the number of training rows {Ztr.shape[0]}")
    D = torch.cdist(Zte, Ztr)
    idx = D.topk(int(k), dim=1, largest=False).indices
    pred = Ytr[idx].mean(1)
    return float(((Yte - pred) ** 2).sum(1).mean() / ((Yte - Yte.mean(0)) ** 2).sum(1).mean())


def _probe_accuracy(Ztr, ytr, Zte, yte, n_classes) -> float:
    """Accuracy of the least-squares one-hot probe (affine, arg-max decision)."""
    T = torch.nn.functional.one_hot(ytr.long(), n_classes).to(F64)
    A = torch.cat([torch.ones(Ztr.shape[0], 1, dtype=F64), Ztr.to(F64).cpu()], 1)
    coef = torch.linalg.lstsq(A, T.cpu(), driver="gelsd").solution
    pred = torch.cat([torch.ones(Zte.shape[0], 1, dtype=F64), Zte.to(F64).cpu()], 1) @ coef
    return float((pred.argmax(1) == yte.cpu()).double().mean())


@dataclass
class _Probe:
    """What one trained pair of towers gives on held-out data."""

    risk: float
    knn_risk: float
    align: float
    final_loss: float
    accuracy: float | None = None


def _train_and_probe(Xtr1, Xtr2, Ytr1, Ytr2, Xte1, Xte2, Yte1, alpha, cfg, seed, device, labels=None) -> _Probe:
    dev = get_device(device)
    net = TwoTower((Xtr1.shape[1], Xtr2.shape[1]), dim=cfg["dim"], hidden=cfg["hidden"],
                   target_dims=(Ytr1.shape[1], Ytr2.shape[1]))
    hist = train_two_tower(net, Xtr1, Xtr2, Ytr1, Ytr2, alpha=alpha, epochs=cfg["epochs"],
                           batch_size=cfg["batch_size"], lr=cfg["lr"], temperature=cfg["temperature"],
                           seed=seed, device=dev)
    with torch.no_grad():
        z1tr = net.embed(Xtr1.to(dev, torch.float32), 0).double().cpu()
        z1te = net.embed(Xte1.to(dev, torch.float32), 0).double().cpu()
        z2te = net.embed(Xte2.to(dev, torch.float32), 1).double().cpu()
    res = _Probe(risk=probe_risk(z1tr, Ytr1.cpu(), z1te, Yte1.cpu()),
                 knn_risk=knn_probe_risk(z1tr, Ytr1.cpu(), z1te, Yte1.cpu()),
                 align=float(((z1te - z2te) ** 2).sum(1).mean()), final_loss=hist[-1])
    if labels is not None:
        ytr, yte, nc = labels
        res.accuracy = _probe_accuracy(z1tr, ytr, z1te, yte, nc)
    return res


def _nn_config(scale):
    return dict(dim=8, hidden=(64,), epochs=pick(scale, test=10, book=25, full=80),
                batch_size=256, lr=3e-3, temperature=0.1)


@dataclass
class ContrastiveSweep:
    """The redundancy sweep with MLP towers (:func:`contrastive_sweep`); rows are levels, columns alphas.

    Attributes
    ----------
    levels, alphas : numpy.ndarray
        Redundancy levels ``(R,)`` and InfoNCE weights ``(A,)``.
    risk, knn_risk : numpy.ndarray
        ``(R, A)`` held-out risk of ``Y1`` over ``Var Y1`` from the unit-norm embedding of
        ``X1``: least-squares probe and k-NN probe, averaged over ``seeds``.
    align : numpy.ndarray
        ``(R, A)`` mean squared distance of paired test embeddings.
    loss, knn_loss : numpy.ndarray
        ``risk[:, -1] - risk[:, 0]`` and the same for ``knn_risk``.
    n_train : int
        Training pairs per run.
    seeds : list of int
        Training seeds averaged over.

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.experiments.tradeoff import ContrastiveSweep
    >>> risk = np.array([[0.2, 0.25], [0.3, 0.7]])
    >>> s = ContrastiveSweep(np.array([1.0, 0.0]), np.array([0.0, 1.0]), risk, risk, risk,
    ...                      risk[:, -1] - risk[:, 0], risk[:, -1] - risk[:, 0], n_train=512, seeds=[0])
    >>> s.knn_loss.round(2).tolist()
    [0.05, 0.4]
    """

    levels: np.ndarray
    alphas: np.ndarray
    risk: np.ndarray
    align: np.ndarray
    knn_risk: np.ndarray
    loss: np.ndarray
    knn_loss: np.ndarray
    n_train: int
    seeds: list


def contrastive_sweep(levels=(1.0, 0.5, 0.0), alphas=(0.0, 0.5, 0.9, 1.0), scale=None, seed: int = 0,
                      device=None, seeds=None, epochs: int | None = None) -> ContrastiveSweep:
    """Redundancy sweep with two MLP towers trained on ``(1-alpha) * MSE + alpha * InfoNCE``.

    ``epochs`` overrides the scale's number of training epochs.

    Examples
    --------
    >>> from alignbook.experiments.tradeoff import contrastive_sweep
    >>> nce = contrastive_sweep(levels=(0.0,), alphas=(0.0, 1.0), scale="test", seeds=[0], device="cpu")
    >>> nce.knn_risk.shape, bool(nce.knn_loss[0] > 0)  # complementary modalities: aligning costs risk
    ((1, 2), True)
    """
    n_train = pick(scale, test=512, book=1024, full=8192)
    seeds = list(seeds) if seeds is not None else list(range(pick(scale, test=1, book=1, full=3)))
    cfg = _nn_config(scale)
    if epochs is not None:
        cfg["epochs"] = int(epochs)
    base = TwoModalityModel.make(seed=seed, device="cpu")
    risk = np.zeros((len(levels), len(alphas)))
    align, knn = np.zeros_like(risk), np.zeros_like(risk)
    for i, lev in enumerate(levels):
        m = base.with_redundancy(float(lev))
        for sd in seeds:
            tr = m.sample(n_train, seed=1000 + sd)
            te = m.sample(2048, seed=2000 + sd)
            mu1, sd1 = tr.X1.mean(0), tr.X1.std(0)
            mu2, sd2 = tr.X2.mean(0), tr.X2.std(0)
            f = lambda a, mu, s: ((a - mu) / s).float()  # noqa: E731
            for j, a in enumerate(alphas):
                r = _train_and_probe(f(tr.X1, mu1, sd1), f(tr.X2, mu2, sd2), tr.Y1.float(), tr.Y2.float(),
                                     f(te.X1, mu1, sd1), f(te.X2, mu2, sd2), te.Y1, a, cfg, seed=sd, device=device)
                risk[i, j] += r.risk / len(seeds)
                align[i, j] += r.align / len(seeds)
                knn[i, j] += r.knn_risk / len(seeds)
    return ContrastiveSweep(levels=np.asarray(levels, float), alphas=np.asarray(alphas, float), risk=risk,
                            align=align, knn_risk=knn, loss=risk[:, -1] - risk[:, 0], knn_loss=knn[:, -1] - knn[:, 0],
                            n_train=n_train, seeds=seeds)


# ----------------------------------------------------------------------------------------------
# real-data proxy: the two halves of scikit-learn's digits
# ----------------------------------------------------------------------------------------------
@dataclass
class DigitsHalves:
    """Left and right halves of the digits as two modalities (:func:`digits_halves`).

    Attributes
    ----------
    X1_train, X1_test, X2_train, X2_test : torch.Tensor
        Standardised pixels of the left (1) and right (2) halves, float64.
    Y1_train, Y1_test, Y2_train, Y2_test : torch.Tensor
        Standardised ink mass of each half, ``(n, 1)``.
    y_train, y_test : torch.Tensor
        Digit labels.
    n_classes : int
        10.

    Examples
    --------
    >>> from alignbook.experiments.tradeoff import digits_halves
    >>> d = digits_halves()
    >>> d.X1_train.shape[1] + d.X2_train.shape[1] <= 64, tuple(d.Y1_test.shape)[1]
    (True, 1)
    """

    X1_train: torch.Tensor
    X1_test: torch.Tensor
    X2_train: torch.Tensor
    X2_test: torch.Tensor
    Y1_train: torch.Tensor
    Y1_test: torch.Tensor
    Y2_train: torch.Tensor
    Y2_test: torch.Tensor
    y_train: torch.Tensor
    y_test: torch.Tensor
    n_classes: int


def digits_halves(seed: int = 0, test_fraction: float = 0.25) -> DigitsHalves:
    """Left (columns 0-3) and right (columns 4-7) halves of the 8x8 digits as two modalities.

    Targets: ``digit`` (shared: both halves carry it) and the *ink mass* of each half,
    ``Y1`` = total intensity of the left half and ``Y2`` = of the right half, each standardised
    with training statistics. ``Y1`` is an exact linear function of ``X1``; how much of it the
    right half can predict is an empirical matter that :func:`redundancy_diagnostics` measures.
    The pixels of each half are standardised with training statistics and pixels that are
    constant on the training split are dropped.

    Examples
    --------
    >>> from alignbook.experiments.tradeoff import digits_halves
    >>> d = digits_halves()
    >>> d.X1_train.shape[0] == d.Y1_train.shape[0] == d.y_train.shape[0], d.n_classes
    (True, 10)
    """
    sp = load_digits(test_fraction=test_fraction, seed=seed, standardize=False)
    cols = np.arange(64) % 8
    left, right = np.flatnonzero(cols < 4), np.flatnonzero(cols >= 4)
    out = dict(y_train=sp.y_train, y_test=sp.y_test, n_classes=sp.n_classes)
    for idx, key in ((left, "1"), (right, "2")):
        tr, te = sp.X_train[:, idx].double(), sp.X_test[:, idx].double()
        ink_tr, ink_te = tr.sum(1, keepdim=True), te.sum(1, keepdim=True)
        m, s = ink_tr.mean(), ink_tr.std()
        out["Y" + key + "_train"], out["Y" + key + "_test"] = (ink_tr - m) / s, (ink_te - m) / s
        sd = tr.std(0)
        keep = sd > 0
        mu = tr.mean(0)
        out["X" + key + "_train"] = (tr[:, keep] - mu[keep]) / sd[keep]
        out["X" + key + "_test"] = (te[:, keep] - mu[keep]) / sd[keep]
    return DigitsHalves(**out)


@dataclass
class RedundancyDiagnostics:
    """What to measure before training (:func:`redundancy_diagnostics`).

    Attributes
    ----------
    rho : numpy.ndarray
        Canonical correlations of ``(X1, X2)``, descending.
    mmse_x1, mmse_x2 : float
        Linear mmse of ``Y1`` given each modality.
    var_y : float
        Total variance of ``Y1``.
    r2_x1, r2_x2 : float
        The corresponding R^2; ``r2_x2`` is what a perfectly aligned linear representation can
        keep at most (T4.1).

    Examples
    --------
    >>> from alignbook.experiments.tradeoff import digits_halves, redundancy_diagnostics
    >>> d = digits_halves()
    >>> diag = redundancy_diagnostics(d.X1_train, d.X2_train, d.Y1_train)
    >>> 0 < diag.r2_x2 < diag.r2_x1
    True
    """

    rho: np.ndarray
    mmse_x1: float
    mmse_x2: float
    var_y: float
    r2_x1: float
    r2_x2: float


def redundancy_diagnostics(X1, X2, Y1, k: int | None = None, reg: float = 0.0) -> RedundancyDiagnostics:
    """Measure redundancy before training: canonical correlations of ``(X1, X2)`` and linear mmse.

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.tradeoff import redundancy_diagnostics
    >>> from alignbook.device import generator
    >>> g = generator(0, "cpu")
    >>> X1 = torch.randn(200, 3, generator=g, dtype=torch.float64)
    >>> X2 = torch.cat([X1[:, :1], torch.randn(200, 2, generator=g, dtype=torch.float64)], 1)
    >>> diag = redundancy_diagnostics(X1, X2, X1[:, 1:2])  # the target lives in X1 only
    >>> round(float(diag.rho[0]), 6), diag.r2_x1 > 0.999, diag.r2_x2 < 0.1
    (1.0, True, True)
    """
    res = cca(_as2d("X1", X1), _as2d("X2", X2), k=k, reg=reg)
    rho = torch.as_tensor(res.rho).double().cpu().numpy()
    Y1 = _as2d("Y1", Y1)
    var_y = float(((Y1 - Y1.mean(0)) ** 2).sum(1).mean())
    m1, m2 = lin_mmse(Y1, X1), lin_mmse(Y1, X2)
    return RedundancyDiagnostics(rho=rho, mmse_x1=m1, mmse_x2=m2, var_y=var_y, r2_x1=1 - m1 / var_y,
                                 r2_x2=1 - m2 / var_y)


@dataclass
class ProbeReference:
    """The probes of :func:`digits_experiment` on the raw halves, as references.

    Attributes
    ----------
    risk_y1_from_x1, risk_y1_from_x2 : float
        Test risk of the left-ink probe from the left and from the right pixels, over its variance.
    accuracy_x1, accuracy_x2 : float
        Test accuracy of the digit probe from each half's pixels.

    Examples
    --------
    >>> from alignbook.experiments.tradeoff import ProbeReference
    >>> ProbeReference(0.0, 0.6, 0.8, 0.7).risk_y1_from_x2
    0.6
    """

    risk_y1_from_x1: float
    risk_y1_from_x2: float
    accuracy_x1: float
    accuracy_x2: float


@dataclass
class HalvesExperiment:
    """Two towers on the digit halves, one per alignment weight (:func:`digits_experiment`).

    Attributes
    ----------
    alphas : numpy.ndarray
        InfoNCE weights.
    risk_y1 : numpy.ndarray
        Test risk of the left-ink probe from the left embedding, over its variance.
    accuracy : numpy.ndarray
        Test accuracy of a least-squares one-hot probe of the digit from the left embedding.
    align : numpy.ndarray
        Mean squared distance of paired test embeddings.
    reference : ProbeReference
        The same probes on the raw pixels of each half.

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.experiments.tradeoff import HalvesExperiment, ProbeReference
    >>> res = HalvesExperiment(np.array([0.0, 1.0]), np.array([0.1, 0.5]), np.array([0.8, 0.9]), np.array([1.0, 0.2]),
    ...                        ProbeReference(0.0, 0.6, 0.8, 0.7))
    >>> float(res.risk_y1[-1] - res.risk_y1[0])  # what full alignment costs the specific target
    0.4
    """

    alphas: np.ndarray
    risk_y1: np.ndarray
    accuracy: np.ndarray
    align: np.ndarray
    reference: ProbeReference


def digits_experiment(alphas=(0.0, 0.5, 0.9, 1.0), scale=None, seed: int = 0, device=None) -> HalvesExperiment:
    """Two towers on the digit halves for each alignment weight; probes of ink mass and digit class.

    Examples
    --------
    >>> from alignbook.experiments.tradeoff import digits_experiment
    >>> res = digits_experiment(alphas=(0.0,), scale="test", device="cpu")
    >>> res.risk_y1.shape, res.reference.risk_y1_from_x1 < 1e-20  # the left ink is linear in the left half
    ((1,), True)
    """
    d = digits_halves(seed=seed)
    cfg = dict(_nn_config(scale), dim=16, epochs=pick(scale, test=10, book=30, full=150))
    labels = (d.y_train, d.y_test, d.n_classes)
    risk, acc, align = [], [], []
    for a in alphas:
        r = _train_and_probe(d.X1_train.float(), d.X2_train.float(), d.Y1_train.float(), d.Y2_train.float(),
                             d.X1_test.float(), d.X2_test.float(), d.Y1_test, a, cfg, seed=seed, device=device,
                             labels=labels)
        risk.append(r.risk)
        acc.append(r.accuracy)
        align.append(r.align)
    ref = ProbeReference(
        risk_y1_from_x1=probe_risk(d.X1_train, d.Y1_train, d.X1_test, d.Y1_test),
        risk_y1_from_x2=probe_risk(d.X2_train, d.Y1_train, d.X2_test, d.Y1_test),
        accuracy_x1=_probe_accuracy(d.X1_train, d.y_train, d.X1_test, d.y_test, d.n_classes),
        accuracy_x2=_probe_accuracy(d.X2_train, d.y_train, d.X2_test, d.y_test, d.n_classes),
    )
    return HalvesExperiment(alphas=np.asarray(alphas, float), risk_y1=np.array(risk), accuracy=np.array(acc),
                            align=np.array(align), reference=ref)
