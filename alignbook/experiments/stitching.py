r"""Stitching experiments on real networks: every layer of A into every layer of B.

What is measured for each ordered pair of trained networks (A, B) and each pair of layers
(i of A, j of B), with representations indexed as in ``MLP.representations``
(0 = input, 1..L = hidden layers after their activation, L+1 = logits):

* on the **training sample** (the sample the stitcher is fitted on, so that Theorem 1 applies
  to this empirical measure exactly):

  - ``risk_B``: B's own risk, the Brier score :math:`\frac1n\sum_k\|\sigma(B(x_k)) - e_{y_k}\|^2`
    (square loss of the predicted probabilities against one-hot labels);
  - ``A_tilde``: the least-squares matching error :math:`\frac1n\sum_k\|z^A_kS + b - z^B_k\|^2`;
  - ``kappa``: the product of the spectral norms of B's linear layers after layer j, a Lipschitz
    constant of B's remaining map :math:`g^B_j` followed by the softmax (ReLU and softmax are
    1-Lipschitz);
  - ``risk_stitch``: the Brier score of the stitched model;
  - ``bound``: :math:`(\sqrt{\text{risk\_B}} + \kappa\sqrt{\text{A\_tilde}})^2` (Theorem 1);
* on the **held-out test sample**: B's accuracy, the stitched accuracy with the same stitcher,
  the stitching penalty (their difference) and linear CKA between the two layers.

All of it is computed in float64 on float64 copies of the networks.
"""
from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import torch

from ..data import Split, load_digits, load_fashion_mnist
from ..device import REDUCTION_DTYPE, get_device, pick, rng, threads
from ..measures import cka
from ..models import MLP, accuracy, reset_parameters, train_classifier, train_loop, train_stitcher
from ._ranks import spearman

__all__ = ["COLUMNS", "MLPStitcher", "NonlinearStitch", "StitchConfig", "StitchResults", "TrainedNet", "brier_risk",
           "config", "nonlinear_stitching", "run", "stitch_all", "train_nets"]

#: The per-row fields of :class:`StitchResults`, in order (integers first).
COLUMNS = ("a", "b", "i", "j", "risk_B", "A_tilde", "kappa", "risk_stitch", "bound", "ratio",
           "acc_B", "acc_stitch", "penalty", "cka", "acc_task")


@dataclass
class TrainedNet:
    """A trained MLP with its seed, hidden widths and accuracies.

    Examples
    --------
    >>> from alignbook.experiments.stitching import TrainedNet
    >>> from alignbook.models import MLP
    >>> TrainedNet(MLP(4, (8, 8), 3), seed=1, hidden=(8, 8), train_acc=0.9, test_acc=0.8).label
    'w8-s1'
    """

    model: MLP
    seed: int
    hidden: tuple
    train_acc: float
    test_acc: float

    @property
    def label(self) -> str:
        """``w<first hidden width>-s<seed>``."""
        return f"w{self.hidden[0]}-s{self.seed}"


@dataclass
class StitchResults:
    """One row per stitched (A, i, B, j): every field below is an array with one entry per row.

    Attributes
    ----------
    dataset : str
        Name of the data set.
    nets : list of TrainedNet
        The networks; ``a`` and ``b`` index into it.
    a, b, i, j : numpy.ndarray of int
        Source network and its layer, target network and its layer (0 = input, last = logits).
    risk_B : numpy.ndarray
        B's own Brier risk on the training sample.
    A_tilde : numpy.ndarray
        Least-squares matching error of the stitcher (training sample).
    kappa : numpy.ndarray
        Lipschitz constant of B after layer ``j`` (product of spectral norms).
    risk_stitch, bound, ratio : numpy.ndarray
        Brier risk of the stitched model, Theorem 1's bound, and ``bound / risk_stitch``.
    acc_B, acc_stitch, penalty : numpy.ndarray
        Test accuracy of B, of the stitched model, and their difference.
    cka : numpy.ndarray
        Linear CKA between layer ``i`` of A and layer ``j`` of B on the test sample.
    acc_task : numpy.ndarray
        Test accuracy of a task-loss stitcher on the rows where one was trained, NaN elsewhere.

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.experiments.stitching import COLUMNS, StitchResults
    >>> rows = {k: np.array([0, 0]) if k in "abij" else np.array([0.1, 0.2]) for k in COLUMNS}
    >>> res = StitchResults("toy", nets=[], **rows)
    >>> len(res), res.bound_violations.size, res.mask(same_net=True).tolist()
    (2, 0, [True, True])
    >>> res.layer_matrix(res.penalty).tolist()  # mean over the rows of each (i, j)
    [[0.15000000000000002]]
    """

    dataset: str
    nets: list
    a: np.ndarray
    b: np.ndarray
    i: np.ndarray
    j: np.ndarray
    risk_B: np.ndarray
    A_tilde: np.ndarray
    kappa: np.ndarray
    risk_stitch: np.ndarray
    bound: np.ndarray
    ratio: np.ndarray
    acc_B: np.ndarray
    acc_stitch: np.ndarray
    penalty: np.ndarray
    cka: np.ndarray
    acc_task: np.ndarray

    def __len__(self) -> int:
        return len(self.a)

    def replace(self, **fields) -> "StitchResults":
        """A copy with some fields replaced (arrays not given are copied)."""
        copies = {k: getattr(self, k).copy() for k in COLUMNS if k not in fields}
        return dataclasses.replace(self, **copies, **fields)

    @property
    def bound_violations(self) -> np.ndarray:
        """Indices of rows where the stitched risk exceeds the Theorem 1 bound (must be empty)."""
        return np.flatnonzero(~(self.risk_stitch <= self.bound))

    def assert_bound(self) -> None:
        """Raise ``AssertionError`` naming every pair where Theorem 1's bound fails."""
        bad = self.bound_violations
        if bad.size:
            rows = "; ".join(f"A={self.a[k]} i={self.i[k]} B={self.b[k]} j={self.j[k]}: "
                             f"{self.risk_stitch[k]:.6g} > {self.bound[k]:.6g}" for k in bad[:10])
            raise AssertionError(f"Theorem 1 bound fails on {bad.size} of {len(self)} stitched pairs: {rows}")

    def mask(self, same_net: bool | None = None, a: int | None = None, b: int | None = None, i: int | None = None,
             j: int | None = None) -> np.ndarray:
        """Boolean row mask: ``same_net`` (A is B or not) and equality on ``a``, ``b``, ``i``, ``j``."""
        m = np.ones(len(self), dtype=bool)
        if same_net is not None:
            m &= (self.a == self.b) == same_net
        for values, want in ((self.a, a), (self.b, b), (self.i, i), (self.j, j)):
            if want is not None:
                m &= values == want
        return m

    def layer_matrix(self, values: np.ndarray, rows: np.ndarray | None = None, stat: str = "mean") -> np.ndarray:
        """``stat`` ("mean" or "median") of the per-row ``values`` over the selected rows, for each (i, j).

        ``values`` is one of the fields (for example ``res.penalty``); the result is indexed
        ``[i, j]``, NaN where no finite value was selected.
        """
        if stat not in ("mean", "median"):
            raise ValueError(f"stat={stat!r} must be 'mean' or 'median'")
        values = np.asarray(values, dtype=np.float64)
        if values.shape != self.a.shape:
            raise ValueError(f"values must have one entry per row ({len(self)}), got shape {values.shape}")
        rows = np.ones(len(self), dtype=bool) if rows is None else rows
        ni, nj = int(self.i.max()) + 1, int(self.j.max()) + 1
        out = np.full((ni, nj), np.nan)
        for i in range(ni):
            for j in range(nj):
                sel = rows & (self.i == i) & (self.j == j)
                vals = values[sel]
                vals = vals[np.isfinite(vals)]
                if vals.size:
                    out[i, j] = vals.mean() if stat == "mean" else np.median(vals)
        return out

    def summary(self) -> str:
        """A few lines for the chapter: pairs, bound holds, ratio range, CKA-penalty correlation."""
        other = self.a != self.b
        r = self.ratio[np.isfinite(self.ratio)]
        rho = spearman(self.cka[other], self.penalty[other])
        lines = [
            f"{self.dataset}: {len(self.nets)} networks, {len(self)} stitched (A, i, B, j) pairs",
            f"  Theorem 1 bound holds on {len(self) - self.bound_violations.size} of {len(self)} pairs "
            f"(worst risk/bound = {np.max(self.risk_stitch / self.bound):.4f})",
            f"  bound / actual stitched risk: median {np.median(r):.3g}, range [{r.min():.3g}, {r.max():.3g}]",
            f"  test accuracy of the networks: {', '.join(f'{n.test_acc:.3f}' for n in self.nets)}",
            f"  Spearman correlation of CKA and stitching penalty (A != B): {rho:.3f}",
        ]
        task = np.isfinite(self.acc_task)
        if task.any():
            lines.append(
                f"  task-loss stitchers on {int(task.sum())} pairs: mean test accuracy {np.mean(self.acc_task[task]):.3f} "
                f"vs least squares {np.mean(self.acc_stitch[task]):.3f} on the same pairs"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


def brier_risk(logits: torch.Tensor, y: torch.Tensor, n_classes: int) -> float:
    r"""Brier risk: mean square loss of the softmax probabilities against one-hot labels (float64).

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.stitching import brier_risk
    >>> brier_risk(torch.tensor([[0.0, 0.0], [100.0, -100.0]], dtype=torch.float64), torch.tensor([0, 0]), 2)
    0.25
    """
    p = torch.softmax(logits.to(REDUCTION_DTYPE), dim=1)
    onehot = torch.nn.functional.one_hot(y, n_classes).to(REDUCTION_DTYPE)
    return float(((p - onehot) ** 2).sum() / logits.shape[0])


@dataclass(frozen=True)
class StitchConfig:
    """The settings of the stitching experiment on one data set at one run scale.

    Examples
    --------
    >>> from alignbook.experiments.stitching import config
    >>> cfg = config("digits", "test")
    >>> cfg.seeds, cfg.widths, cfg.epochs
    ([0, 1], [16], 8)
    """

    dataset: str
    seeds: list
    widths: list
    depth: int
    epochs: int
    batch_size: int
    lr: float
    n_train: int | None
    n_test: int | None
    task_pairs: int
    task_epochs: int


def config(dataset: str, scale: str | None = None) -> StitchConfig:
    """The experiment's settings for ``dataset`` (``"digits"`` or ``"fashion-mnist"``) at ``scale``.

    Examples
    --------
    >>> from alignbook.experiments.stitching import config
    >>> config("fashion-mnist", "full").n_train is None  # the whole training split
    True
    """
    if dataset == "digits":
        return StitchConfig(
            dataset="digits",
            seeds=pick(scale, test=[0, 1], book=[0, 1, 2], full=[0, 1, 2, 3, 4]),
            widths=pick(scale, test=[16], book=[32, 64], full=[32, 64, 128, 256]),
            depth=2,
            epochs=pick(scale, test=8, book=40, full=60),
            batch_size=128, lr=3e-3,
            n_train=None, n_test=None,
            task_pairs=pick(scale, test=1, book=6, full=40), task_epochs=15,
        )
    if dataset == "fashion-mnist":
        return StitchConfig(
            dataset="fashion-mnist",
            seeds=pick(scale, test=[0, 1], book=[0, 1], full=[0, 1, 2, 3]),
            widths=pick(scale, test=[16], book=[64, 128], full=[64, 128, 256, 512]),
            depth=2,
            epochs=pick(scale, test=2, book=6, full=20),
            batch_size=256, lr=2e-3,
            n_train=pick(scale, test=600, book=6000, full=None),
            n_test=pick(scale, test=300, book=2000, full=None),
            task_pairs=pick(scale, test=0, book=3, full=40), task_epochs=pick(scale, test=2, book=4, full=10),
        )
    raise ValueError(f"dataset={dataset!r} must be 'digits' or 'fashion-mnist'")


def train_nets(split: Split, seeds, widths, depth: int = 2, epochs: int = 30, lr: float = 1e-3,
               batch_size: int = 128, device=None) -> list[TrainedNet]:
    """Train one ReLU MLP per (width, seed) on ``split`` (cross-entropy, Adam; see :func:`~alignbook.models.train_classifier`).

    Examples
    --------
    >>> from alignbook.data import load_digits
    >>> from alignbook.experiments.stitching import train_nets
    >>> nets = train_nets(load_digits(seed=0), seeds=[0], widths=[8], epochs=1, device="cpu")
    >>> [n.label for n in nets], nets[0].hidden
    (['w8-s0'], (8, 8))
    """
    dev = get_device(device)
    with threads(1, dev):
        return _train_nets(split, seeds, widths, depth, epochs, lr, batch_size, dev)


def _train_nets(split, seeds, widths, depth, epochs, lr, batch_size, dev):
    nets = []
    for w in widths:
        for s in seeds:
            hidden = (int(w),) * int(depth)
            m = MLP(split.in_dim, hidden, split.n_classes)
            train_classifier(m, split.X_train, split.y_train, epochs=epochs, lr=lr, batch_size=batch_size,
                             seed=int(s), device=dev)
            nets.append(TrainedNet(m, int(s), hidden, accuracy(m, split.X_train, split.y_train),
                                   accuracy(m, split.X_test, split.y_test)))
    return nets


def stitch_all(nets: list[TrainedNet], split: Split, task_pairs: int = 0, task_epochs: int = 15,
               device=None, seed: int = 0) -> StitchResults:
    """Stitch every layer of every net A into every layer of every net B (A = B included).

    The least-squares stitcher is fitted on the training split; Theorem 1's quantities are
    computed there, accuracies and CKA on the test split. For ``task_pairs`` randomly chosen
    (A != B, i, j) rows, a task-loss stitcher is also trained and its test accuracy recorded
    in ``acc_task`` (NaN elsewhere).

    Examples
    --------
    >>> from alignbook.data import load_digits
    >>> from alignbook.experiments.stitching import stitch_all, train_nets
    >>> split = load_digits(seed=0)
    >>> res = stitch_all(train_nets(split, seeds=[0, 1], widths=[8], epochs=1, device="cpu"), split, device="cpu")
    >>> len(res), res.bound_violations.size  # 2 x 2 networks, 4 x 4 layers; Theorem 1 everywhere
    (64, 0)
    """
    dev = get_device(device)
    with threads(1, dev):
        return _stitch_all(nets, split, task_pairs, task_epochs, dev, seed)


def _key(a: int, i: int) -> tuple:
    """Layer identity: every network's input layer is the same matrix X, so it shares one key."""
    return ("input",) if i == 0 else (a, i)


class _Source:
    r"""A centred source layer and the pseudo-inverse of its Gram matrix (float64).

    ``Ginv`` is the Moore-Penrose inverse of :math:`G = \bar Z^\top\bar Z` from its eigen-
    decomposition, dropping eigenvalues below ``max(n, d) * eps * lambda_max`` (numerically
    zero: dead units, constant pixels). Then :math:`S = G^+\bar Z^\top\bar Z_2` is the
    minimum-norm least-squares stitcher. Theorem 1 holds for *any* S, with the matching error
    of that S, so the bound asserted below does not depend on how exactly S minimises.
    """

    def __init__(self, Z: torch.Tensor):
        self.Z = Z
        self.m = Z.mean(0)
        self.Zc = Z - self.m
        G = self.Zc.T @ self.Zc
        evals, V = torch.linalg.eigh(G)
        lam_max = float(evals.max()) if evals.numel() else 0.0
        keep = evals > lam_max * max(Z.shape) * torch.finfo(Z.dtype).eps
        Vk = V[:, keep]
        self.Ginv = (Vk / evals[keep]) @ Vk.T

    def fit(self, Z2: torch.Tensor):
        m2 = Z2.mean(0)
        S = self.Ginv @ (self.Zc.T @ (Z2 - m2))
        return S, m2 - self.m @ S


@torch.no_grad()
def _stitch_all(nets, split, task_pairs, task_epochs, dev, seed, cka_n=2000):
    Xtr, ytr = split.X_train.to(dev), split.y_train.to(dev)
    Xte, yte = split.X_test.to(dev), split.y_test.to(dev)
    K = split.n_classes
    m64 = [copy.deepcopy(n.model).to(dev).to(REDUCTION_DTYPE).eval() for n in nets]
    X64tr, X64te = Xtr.to(REDUCTION_DTYPE), Xte.to(REDUCTION_DTYPE)
    n_layers = len(m64[0].layers) + 1
    rep_tr, rep_te = {}, {}
    for a, m in enumerate(m64):
        for i, (zt, ze) in enumerate(zip(m.representations(X64tr), m.representations(X64te))):
            rep_tr[_key(a, i)], rep_te[_key(a, i)] = zt, ze
    onehot = torch.nn.functional.one_hot(ytr, K).to(REDUCTION_DTYPE)
    sources = {k: _Source(z) for k, z in rep_tr.items()}
    # linear CKA on (up to) cka_n test rows; CKA is symmetric, so each unordered pair once
    nc = min(int(cka_n), Xte.shape[0])
    cka_cache: dict = {}

    def cka_of(k1, k2):
        kk = (k1, k2) if str(k1) <= str(k2) else (k2, k1)
        if kk not in cka_cache:
            cka_cache[kk] = float(cka(rep_te[kk[0]][:nc], rep_te[kk[1]][:nc]))
        return cka_cache[kk]

    risk_B = [brier_risk(rep_tr[_key(b, n_layers - 1)], ytr, K) for b in range(len(nets))]
    acc_B = [float((rep_te[_key(b, n_layers - 1)].argmax(1) == yte).double().mean()) for b in range(len(nets))]
    kappa = {(b, j): m64[b].head_lipschitz_bound(j) for b in range(len(nets)) for j in range(n_layers)}
    shared = {}  # fits from the shared input layer, reused for every source network

    rows = {c: [] for c in COLUMNS}
    for a in range(len(nets)):
        for b in range(len(nets)):
            for i in range(n_layers):
                k1 = _key(a, i)
                src = sources[k1]
                for j in range(n_layers):
                    k2 = _key(b, j)
                    Z2 = rep_tr[k2]
                    if i == 0 and k2 in shared:
                        S, bias, pred, A_t = shared[k2]
                    else:
                        S, bias = src.fit(Z2)
                        pred = src.Z @ S + bias
                        A_t = float(((pred - Z2) ** 2).sum() / Z2.shape[0])
                        if i == 0:
                            shared[k2] = (S, bias, pred, A_t)
                    head = m64[b].head(j)
                    p = torch.softmax(head(pred), dim=1)
                    r_st = float(((p - onehot) ** 2).sum() / Z2.shape[0])
                    bound = (math.sqrt(risk_B[b]) + kappa[b, j] * math.sqrt(A_t)) ** 2
                    out_te = head(rep_te[k1] @ S + bias)
                    acc_st = float((out_te.argmax(1) == yte).double().mean())
                    for k, v in zip(COLUMNS, (a, b, i, j, risk_B[b], A_t, kappa[b, j], r_st, bound,
                                              bound / r_st if r_st > 0 else math.inf, acc_B[b], acc_st,
                                              acc_B[b] - acc_st, cka_of(k1, k2), math.nan)):
                        rows[k].append(v)
    cols = {k: np.asarray(v, dtype=np.int64 if k in ("a", "b", "i", "j") else np.float64) for k, v in rows.items()}
    res = StitchResults(split.name, nets, **cols)
    if task_pairs:
        # task-loss stitchers between hidden layers of two different networks (the classic setting)
        r = rng(seed)
        hidden = (cols["i"] >= 1) & (cols["i"] <= n_layers - 2) & (cols["j"] >= 1) & (cols["j"] <= n_layers - 2)
        cand = np.flatnonzero((cols["a"] != cols["b"]) & hidden)
        chosen = r.choice(cand, size=min(int(task_pairs), cand.size), replace=False)
        with torch.enable_grad():
            for row in chosen:
                a, b, i, j = (int(cols[k][row]) for k in ("a", "b", "i", "j"))
                st = train_stitcher(nets[a].model, i, nets[b].model, j, split.X_train, split.y_train,
                                    epochs=task_epochs, seed=seed, device=dev)
                with torch.no_grad():
                    za = nets[a].model.to(dev).representations(Xte)[i]
                    out = nets[b].model.to(dev).head(j)(st(za))
                res.acc_task[row] = float((out.argmax(1) == yte).double().mean())
    return res


def run(dataset: str = "digits", scale: str | None = None, device=None, split: Split | None = None) -> StitchResults:
    """Train the networks of :func:`config` and stitch them all; asserts Theorem 1 on every pair.

    Examples
    --------
    >>> from alignbook.experiments import stitching
    >>> res = stitching.run("digits", scale="test", device="cpu")  # doctest: +SKIP
    >>> res.bound_violations.size  # doctest: +SKIP
    0
    """
    cfg = config(dataset, scale)
    if split is None:
        if dataset == "digits":
            split = load_digits(seed=0)
        else:
            split = load_fashion_mnist(n_train=cfg.n_train, n_test=cfg.n_test, seed=0)
    nets = train_nets(split, cfg.seeds, cfg.widths, cfg.depth, cfg.epochs, cfg.lr, cfg.batch_size, device)
    res = stitch_all(nets, split, task_pairs=cfg.task_pairs, task_epochs=cfg.task_epochs, device=device)
    res.assert_bound()
    return res


# --------------------------------------------------------------------------------------------
# Remark 3 of Insulla et al.: nonlinear stitchers
# --------------------------------------------------------------------------------------------
class MLPStitcher(torch.nn.Module):
    r"""A residual MLP stitcher :math:`s(z) = zS + b + \mathrm{relu}(zW + c)V` (float64).

    Initialised at the least-squares affine stitcher ``(S, b)`` with ``V = 0``, so it starts as the
    linear stitcher and its class contains every affine map.
    """

    def __init__(self, S: torch.Tensor, b: torch.Tensor, hidden: int, seed: int):
        super().__init__()
        d1, d2 = S.shape
        self.S = torch.nn.Parameter(S.detach().clone())
        self.b = torch.nn.Parameter(b.detach().clone())
        inner = reset_parameters(torch.nn.Linear(d1, hidden, dtype=S.dtype), seed).to(S.device)
        self.W = torch.nn.Parameter(inner.weight.detach().T.clone())
        self.c = torch.nn.Parameter(inner.bias.detach().clone())
        self.V = torch.nn.Parameter(torch.zeros(hidden, d2, dtype=S.dtype, device=S.device))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z @ self.S + self.b + torch.relu(z @ self.W + self.c) @ self.V


@dataclass
class NonlinearStitch:
    """Linear against MLP stitchers (direct matching) for a few layer pairs (Remark 3's experiment).

    Every field but ``dataset`` and ``hidden`` is an array with one entry per stitched pair
    ``(a, i) -> (b, j)``; ``_lin`` and ``_mlp`` are the affine least-squares and the MLP stitcher.

    Attributes
    ----------
    a, i, b, j : numpy.ndarray of int
        Source network and layer, target network and layer.
    A_lin, A_mlp : numpy.ndarray
        Matching errors on the training sample.
    risk_B, kappa : numpy.ndarray
        B's Brier risk and the Lipschitz constant of B after layer ``j``.
    risk_lin, risk_mlp, bound_lin, bound_mlp : numpy.ndarray
        Stitched Brier risks and Theorem 1's bound with each stitcher's own matching error.
    acc_B, acc_lin, acc_mlp : numpy.ndarray
        Test accuracies of B and of the two stitched models.

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.experiments.stitching import NonlinearStitch
    >>> one = np.array([1.0])
    >>> ns = NonlinearStitch("toy", 8, *[np.array([0])] * 4, *[one] * 11)
    >>> len(ns), bool(ns.A_mlp[0] <= ns.A_lin[0])
    (1, True)
    """

    dataset: str
    hidden: int
    a: np.ndarray
    i: np.ndarray
    b: np.ndarray
    j: np.ndarray
    A_lin: np.ndarray
    A_mlp: np.ndarray
    risk_B: np.ndarray
    kappa: np.ndarray
    risk_lin: np.ndarray
    risk_mlp: np.ndarray
    bound_lin: np.ndarray
    bound_mlp: np.ndarray
    acc_B: np.ndarray
    acc_lin: np.ndarray
    acc_mlp: np.ndarray

    def __len__(self) -> int:
        return len(self.a)

    def summary(self) -> str:
        """One line per pair: matching errors, stitched test accuracies, both bounds."""
        names = lambda k: "input" if k == 0 else f"h{k}"  # noqa: E731
        lines = [f"{self.dataset}: linear vs MLP stitchers (hidden width {self.hidden}), training-sample matching "
                 "error, test accuracy, Theorem 1 bound / stitched risk"]
        for k in range(len(self)):
            lines.append(
                f"  A{self.a[k]}:{names(self.i[k])} -> B{self.b[k]}:{names(self.j[k])}  "
                f"A_lin {self.A_lin[k]:.4g}  A_mlp {self.A_mlp[k]:.4g}  "
                f"acc lin {self.acc_lin[k]:.3f}  mlp {self.acc_mlp[k]:.3f}  (B {self.acc_B[k]:.3f})  "
                f"bound/risk lin {self.bound_lin[k] / self.risk_lin[k]:.3g}  mlp {self.bound_mlp[k] / self.risk_mlp[k]:.3g}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


def nonlinear_stitching(nets: list[TrainedNet], split: Split, pairs, hidden: int = 64, epochs: int = 60,
                        lr: float = 3e-3, batch_size: int = 256, seed: int = 0, device=None) -> NonlinearStitch:
    r"""Stitch ``pairs`` of layers ``(a, i, b, j)`` with the affine least-squares and with an MLP stitcher.

    Both minimise the matching error :math:`\frac1n\sum_k\|s(z^A_k) - z^B_k\|^2` on the training split
    (direct matching); the MLP stitcher (:class:`MLPStitcher`) starts at the affine one and is trained by
    :func:`~alignbook.models.train_loop`; if training ends above the affine error, the affine stitcher is
    kept, so ``A_mlp <= A_lin`` by construction (the class contains the affine maps). Theorem 1 holds for
    any stitcher on the sample it is evaluated on, so both bounds are computed on the training split.

    Examples
    --------
    >>> from alignbook.data import load_digits
    >>> from alignbook.experiments.stitching import nonlinear_stitching, train_nets
    >>> split = load_digits(seed=0)
    >>> nets = train_nets(split, seeds=[0, 1], widths=[8], epochs=1, device="cpu")
    >>> ns = nonlinear_stitching(nets, split, pairs=[(0, 0, 1, 1)], hidden=8, epochs=2, device="cpu")
    >>> bool(ns.A_mlp[0] <= ns.A_lin[0]) and bool(ns.risk_mlp[0] <= ns.bound_mlp[0])
    True
    """
    dev = get_device(device)
    Xtr, ytr = split.X_train.to(dev).to(REDUCTION_DTYPE), split.y_train.to(dev)
    Xte, yte = split.X_test.to(dev).to(REDUCTION_DTYPE), split.y_test.to(dev)
    K = split.n_classes
    onehot = torch.nn.functional.one_hot(ytr, K).to(REDUCTION_DTYPE)
    m64 = [copy.deepcopy(n.model).to(dev).to(REDUCTION_DTYPE).eval() for n in nets]
    rows = {k: [] for k in ("a", "i", "b", "j", "A_lin", "A_mlp", "risk_B", "kappa", "risk_lin", "risk_mlp",
                            "bound_lin", "bound_mlp", "acc_B", "acc_lin", "acc_mlp")}
    with threads(1, dev):
        for q, (a, i, b, j) in enumerate(pairs):
            with torch.no_grad():
                Z1, Z2 = m64[a].representations(Xtr)[i], m64[b].representations(Xtr)[j]
                Z1te = m64[a].representations(Xte)[i]
            S, bias = _Source(Z1).fit(Z2)
            mlp = MLPStitcher(S, bias, hidden, seed + q)
            A_lin = float(((Z1 @ S + bias - Z2) ** 2).sum() / Z1.shape[0])
            train_loop(list(mlp.parameters()), lambda idx: ((mlp(Z1[idx]) - Z2[idx]) ** 2).sum(1).mean(),
                       Z1.shape[0], epochs=epochs, batch_size=batch_size, lr=lr, seed=seed + q, device=dev)
            with torch.no_grad():
                A_mlp = float(((mlp(Z1) - Z2) ** 2).sum() / Z1.shape[0])
                if not A_mlp <= A_lin:  # keep the affine stitcher (V = 0): the class contains it
                    mlp = MLPStitcher(S, bias, hidden, seed + q)
                    A_mlp = float(((mlp(Z1) - Z2) ** 2).sum() / Z1.shape[0])
                head = m64[b].head(j)
                risk_B = brier_risk(m64[b](Xtr), ytr, K)
                kappa = m64[b].head_lipschitz_bound(j)
                r_lin = float(((torch.softmax(head(Z1 @ S + bias), 1) - onehot) ** 2).sum() / Z1.shape[0])
                r_mlp = float(((torch.softmax(head(mlp(Z1)), 1) - onehot) ** 2).sum() / Z1.shape[0])
                acc = lambda out: float((out.argmax(1) == yte).double().mean())  # noqa: E731
                vals = (a, i, b, j, A_lin, A_mlp, risk_B, kappa, r_lin, r_mlp,
                        (math.sqrt(risk_B) + kappa * math.sqrt(A_lin)) ** 2,
                        (math.sqrt(risk_B) + kappa * math.sqrt(A_mlp)) ** 2,
                        acc(m64[b](Xte)), acc(head(Z1te @ S + bias)), acc(head(mlp(Z1te))))
            for k, v in zip(rows, vals):
                rows[k].append(v)
    cols = {k: np.asarray(v, dtype=np.int64 if k in ("a", "i", "b", "j") else np.float64) for k, v in rows.items()}
    return NonlinearStitch(split.name, int(hidden), **cols)
