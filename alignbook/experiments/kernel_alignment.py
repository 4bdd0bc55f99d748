"""The kernel-alignment chapter's experiment: layers of small MLPs trained on scikit-learn's digits.

``run(scale)`` trains a few MLPs that differ only in their seed, takes the representations of
the held-out digits at every layer (input, hidden layers after the activation, logits) and
compares every layer of one network with every layer of another under several notions of
alignment. It returns a :class:`LayerComparison`; :func:`rank_agreement` says how similarly the
notions rank the layer pairs (:class:`NotionAgreement`). The chapter *Kernel alignment and its
relatives* plots both with :mod:`alignbook.plots.kernel_alignment`.

Scales: ``test`` (2 nets, few epochs, 150 held-out points), ``book`` (3 nets, 300 held-out
points; about ten seconds on a 2-core CPU), ``full`` (5 nets, wider, longer training).
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from ..data import load_digits
from ..device import get_device, pick
from ..measures import cca_similarity, cka, distance_correlation, kernel_alignment, mutual_knn
from ..models import MLP, accuracy, train_classifier
from ._ranks import spearman_matrix

__all__ = ["NOTIONS", "LayerComparison", "NotionAgreement", "compare", "rank_agreement", "run"]


def _ka(X, Y):
    return kernel_alignment(X, Y)


def _cka(X, Y):
    return cka(X, Y)


def _cka_u(X, Y):
    return cka(X, Y, estimator="unbiased")


def _cka_rbf(X, Y):
    return cka(X, Y, kernel="rbf", bandwidth=1.0)


def _dcor2(X, Y):
    return distance_correlation(X, Y, squared=True)


def _cca2(X, Y):
    return cca_similarity(X, Y, summary="mean_squared")


def _knn(X, Y):
    return mutual_knn(X, Y, k=10)


# name -> (function, short description)
NOTIONS = {
    "KA (uncentred, linear)": (_ka, "Cristianini et al.'s kernel alignment of the raw linear Grams"),
    "CKA (linear)": (_cka, "centred kernel alignment, biased HSIC"),
    "CKA (linear, unbiased)": (_cka_u, "CKA with Song et al.'s unbiased HSIC"),
    "CKA (RBF)": (_cka_rbf, "RBF kernel, bandwidth = median distance"),
    "dCor^2": (_dcor2, "squared distance correlation = CKA with the distance kernel"),
    "CCA R^2": (_cca2, "mean squared canonical correlation (invariant to invertible maps)"),
    "mutual kNN": (_knn, "fraction of shared 10 nearest neighbours (cosine)"),
}


@dataclass
class LayerComparison:
    """Alignment between every layer of network a and every layer of network b, per notion.

    Attributes
    ----------
    notions : list of str
        Names of the notions (keys of :data:`NOTIONS`).
    layers : list of str
        Layer names, ``"input"`` first and ``"logits"`` last.
    pairs : list of (int, int)
        The pairs of networks compared.
    values : dict of str to numpy.ndarray
        Notion to its ``(n_pairs, L, L)`` array: entry ``[p, i, j]`` compares layer ``i`` of the
        first network of pair ``p`` with layer ``j`` of the second.
    accuracies : list of float
        Test accuracy of each network.
    n_eval : int
        Number of held-out digits the layers are compared on.
    seconds : float
        Wall time of the run.
    widths : list of int
        Width of each layer.

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.experiments.kernel_alignment import LayerComparison
    >>> res = LayerComparison(["CKA (linear)"], ["input", "logits"], [(0, 1)],
    ...                       {"CKA (linear)": np.array([[[1.0, 0.4], [0.5, 0.9]]])}, [0.9, 0.9], 100, 0.0)
    >>> res.mean("CKA (linear)").diagonal().tolist()
    [1.0, 0.9]
    """

    notions: list[str]
    layers: list[str]
    pairs: list[tuple[int, int]]
    values: dict[str, np.ndarray]          # notion -> (n_pairs, L, L)
    accuracies: list[float]
    n_eval: int
    seconds: float
    widths: list[int] = field(default_factory=list)

    def mean(self, notion: str) -> np.ndarray:
        """The (L, L) matrix of ``notion`` averaged over the pairs of networks."""
        return self.values[notion].mean(axis=0)

    def table(self) -> str:
        """Same-depth alignment (diagonal of the mean matrix) per notion, as plain text."""
        head = f"{'notion':26s}" + "".join(f"{lay:>10s}" for lay in self.layers)
        rows = [head]
        for nm in self.notions:
            d = np.diag(self.mean(nm))
            rows.append(f"{nm:26s}" + "".join(f"{v:10.3f}" for v in d))
        return "\n".join(rows)

    def _repr_markdown_(self) -> str:
        out = ["| notion | " + " | ".join(self.layers) + " |", "|---|" + "---:|" * len(self.layers)]
        for nm in self.notions:
            out.append(f"| {nm} | " + " | ".join(f"{v:.3f}" for v in np.diag(self.mean(nm))) + " |")
        acc = ", ".join(f"{a:.3f}" for a in self.accuracies)
        out.append("")
        out.append(f"Same-layer alignment between networks trained with different seeds, averaged over "
                   f"{len(self.pairs)} pair(s), on {self.n_eval} held-out digits. Test accuracies: {acc}.")
        return "\n".join(out)


def compare(reps_a: list[torch.Tensor], reps_b: list[torch.Tensor], notions=None) -> dict[str, np.ndarray]:
    """Every notion between every layer of ``reps_a`` and every layer of ``reps_b``: notion -> (L, L).

    Examples
    --------
    >>> import torch
    >>> from alignbook.experiments.kernel_alignment import compare
    >>> from alignbook.device import generator
    >>> g = generator(0, "cpu")
    >>> reps = [torch.randn(30, 4, generator=g, dtype=torch.float64), torch.randn(30, 3, generator=g, dtype=torch.float64)]
    >>> out = compare(reps, reps, notions=["CKA (linear)"])
    >>> out["CKA (linear)"].shape, round(float(out["CKA (linear)"][0, 0]), 12)
    ((2, 2), 1.0)
    """
    notions = list(notions or NOTIONS)
    L = len(reps_a)
    out = {nm: np.zeros((L, len(reps_b))) for nm in notions}
    for i, j in itertools.product(range(L), range(len(reps_b))):
        Xa, Yb = reps_a[i], reps_b[j]
        for nm in notions:
            out[nm][i, j] = float(NOTIONS[nm][0](Xa, Yb))
    return out


@dataclass
class NotionAgreement:
    """Spearman rank correlation between notions over every (pair, layer, layer) entry.

    Attributes
    ----------
    notions : list of str
        The notions, in the order of the rows and columns of ``rho``.
    rho : numpy.ndarray
        ``(k, k)`` symmetric matrix with unit diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.experiments.kernel_alignment import NotionAgreement
    >>> NotionAgreement(["CKA", "dCor^2"], np.array([[1.0, 0.9], [0.9, 1.0]])).rho[0, 1]
    np.float64(0.9)
    """

    notions: list
    rho: np.ndarray


def rank_agreement(result: LayerComparison) -> NotionAgreement:
    """How similarly the notions rank the layer pairs of ``result`` (Spearman, average ranks for ties).

    Examples
    --------
    >>> import numpy as np
    >>> from alignbook.experiments.kernel_alignment import LayerComparison, rank_agreement
    >>> a = np.arange(8.0).reshape(2, 2, 2)
    >>> res = LayerComparison(["a", "b", "c"], ["input", "logits"], [(0, 1), (0, 2)],
    ...                       {"a": a, "b": a ** 2, "c": -a}, [0.9] * 3, 10, 0.0)
    >>> rank_agreement(res).rho.round(12).tolist()  # a and a**2 rank alike, -a reverses
    [[1.0, 1.0, -1.0], [1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]]
    """
    V = np.stack([result.values[nm].reshape(-1) for nm in result.notions], axis=1)
    return NotionAgreement(notions=list(result.notions), rho=spearman_matrix(V))


def run(scale: str | None = None, seed: int = 0, device=None, notions=None) -> LayerComparison:
    """Train the networks and compare their layers (see the module docstring for the scales).

    Examples
    --------
    >>> from alignbook.experiments import kernel_alignment
    >>> res = kernel_alignment.run("test", device="cpu", notions=["CKA (linear)"])
    >>> res.layers, len(res.pairs)
    (['input', 'hidden 1', 'hidden 2', 'logits'], 1)
    """
    t0 = time.perf_counter()
    dev = get_device(device)
    n_nets = pick(scale, test=2, book=3, full=5)
    epochs = pick(scale, test=5, book=20, full=60)
    hidden = pick(scale, test=(32, 32), book=(64, 64), full=(128, 128))
    n_eval = pick(scale, test=150, book=300, full=450)
    split = load_digits(seed=seed)
    nets, accs = [], []
    for s in range(n_nets):
        net = MLP(split.in_dim, hidden=hidden, out_dim=split.n_classes)
        train_classifier(net, split.X_train, split.y_train, epochs=epochs, seed=seed + 100 * s, device=dev)
        nets.append(net)
        accs.append(accuracy(net, split.X_test, split.y_test))
    X = split.X_test[:n_eval].to(dev)
    with torch.no_grad():
        reps = [[z.detach().double().cpu().numpy() for z in net.representations(X)] for net in nets]
    layers = ["input"] + [f"hidden {i + 1}" for i in range(len(hidden))] + ["logits"]
    pairs = list(itertools.combinations(range(n_nets), 2))
    names = list(notions or NOTIONS)
    per_pair = [compare(reps[a], reps[b], names) for a, b in pairs]
    values = {nm: np.stack([pp[nm] for pp in per_pair]) for nm in names}
    return LayerComparison(names, layers, pairs, values, accs, int(X.shape[0]), time.perf_counter() - t0,
                           widths=[split.in_dim, *hidden, split.n_classes])
