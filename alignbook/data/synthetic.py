"""Synthetic data models shared by the theory checks and the experiments.

* :class:`TwoModalityModel`: the linear-Gaussian two-modality model of the chapter *What
  alignment throws away*, with a shared latent ``s`` and modality-specific latents ``u1, u2``;
  it samples data (:class:`TwoModalitySample`) and gives the exact population covariance
  (:class:`PopulationBlocks` for the target ``Y1``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch

from ..device import REDUCTION_DTYPE, get_device, rng

F64 = REDUCTION_DTYPE

__all__ = ["PopulationBlocks", "TwoModalityModel", "TwoModalitySample"]


@dataclass
class TwoModalitySample:
    """``n`` draws of :class:`TwoModalityModel`, float64 tensors on the model's device.

    Attributes
    ----------
    X1, X2 : torch.Tensor
        The two modalities, ``(n, p1)`` and ``(n, p2)``.
    Y1, Y2 : torch.Tensor
        Their targets, ``(n, 1)`` each.
    S, U1, U2 : torch.Tensor
        The latents: shared ``(n, ks)`` and modality-specific ``(n, k1)``, ``(n, k2)``.

    Examples
    --------
    >>> from alignbook.data import TwoModalityModel
    >>> d = TwoModalityModel.make(seed=0, device="cpu").sample(100, seed=1)
    >>> d.n, tuple(d.X1.shape), tuple(d.Y1.shape), tuple(d.S.shape)
    (100, (100, 10), (100, 1), (100, 2))
    """

    X1: torch.Tensor
    X2: torch.Tensor
    Y1: torch.Tensor
    Y2: torch.Tensor
    S: torch.Tensor
    U1: torch.Tensor
    U2: torch.Tensor

    @property
    def n(self) -> int:
        """Number of draws."""
        return int(self.X1.shape[0])


class PopulationBlocks(NamedTuple):
    """Exact population moments for the target ``Y1`` (a tuple: ``S11, S12, S22, c1y, c2y, vy = ...``).

    Attributes
    ----------
    S11, S12, S22 : torch.Tensor
        ``Cov X1``, ``Cov(X1, X2)``, ``Cov X2``.
    c1y, c2y : torch.Tensor
        ``Cov(X1, Y1)`` and ``Cov(X2, Y1)``.
    vy : torch.Tensor
        ``Var Y1`` (a 0-d tensor).

    Examples
    --------
    >>> from alignbook.data import TwoModalityModel
    >>> S11, S12, S22, c1y, c2y, vy = TwoModalityModel.make(seed=0, device="cpu").blocks()
    >>> tuple(S12.shape), round(float(vy), 6)
    ((10, 10), 1.01)
    """

    S11: torch.Tensor
    S12: torch.Tensor
    S22: torch.Tensor
    c1y: torch.Tensor
    c2y: torch.Tensor
    vy: torch.Tensor


@dataclass
class TwoModalityModel:
    """``X_m = A_m [s; u_m] + noise * eps_m`` and ``Y_m = sqrt(r) b_s's + sqrt(1-r) b_m'u_m + y_noise * e_m``.

    All latents (``s`` of size ``ks``, ``u_m`` of size ``km``) and noises are independent standard
    normal; ``b_s`` and ``b_m`` have unit norm, so ``Var(Y_m) = 1 + y_noise**2`` and the shared
    latent carries a fraction ``r / (1 + y_noise**2)`` of it (``r = redundancy``). Build one
    with :meth:`make`.

    Examples
    --------
    >>> from alignbook.data import TwoModalityModel
    >>> m = TwoModalityModel.make(p1=6, p2=5, ks=2, k1=2, k2=1, redundancy=0.5, seed=0, device="cpu")
    >>> m.p1, m.p2, tuple(m.covariance().shape)
    (6, 5, (13, 13))
    >>> m.with_redundancy(1.0).redundancy
    1.0
    """

    A1: torch.Tensor
    A2: torch.Tensor
    b_s: torch.Tensor
    b_1: torch.Tensor
    b_2: torch.Tensor
    ks: int
    noise: float
    y_noise: float
    redundancy: float
    device: torch.device = field(default_factory=lambda: get_device())

    @classmethod
    def make(cls, p1: int = 10, p2: int = 10, ks: int = 2, k1: int = 2, k2: int = 2, noise: float = 0.1,
             y_noise: float = 0.1, redundancy: float = 0.5, seed: int = 0, device=None) -> "TwoModalityModel":
        """Draw the mixing matrices (i.i.d. N(0, 1/(ks+km))) and unit read-out vectors from ``seed``.

        Parameters
        ----------
        p1, p2 : int
            Dimensions of the two modalities.
        ks, k1, k2 : int
            Dimensions of the shared and of the modality-specific latents (``ks + km <= pm``).
        noise, y_noise : float
            Standard deviations of the observation noise and of the target noise.
        redundancy : float
            Share ``r`` in [0, 1] of each target's signal carried by the shared latent.
        seed : int
            Seed of the mixing matrices and read-outs.
        device : str or torch.device, optional
            Where the tensors live.

        Examples
        --------
        >>> from alignbook.data import TwoModalityModel
        >>> TwoModalityModel.make(seed=0, device="cpu").A1.shape
        torch.Size([10, 4])
        """
        for name, v in (("p1", p1), ("p2", p2), ("ks", ks), ("k1", k1), ("k2", k2)):
            if int(v) != v or v < 0:
                raise ValueError(f"{name}={v!r} must be a non-negative integer")
        if ks + k1 > p1 or ks + k2 > p2:
            raise ValueError(f"need ks + k1 <= p1 and ks + k2 <= p2 so that the latents are identifiable; "
                             f"got ks={ks}, k1={k1}, k2={k2}, p1={p1}, p2={p2}")
        if not 0.0 <= redundancy <= 1.0:
            raise ValueError(f"redundancy={redundancy!r} must lie in [0, 1] (1: all of Y's signal is shared)")
        if noise < 0 or y_noise < 0:
            raise ValueError("noise and y_noise must be non-negative standard deviations")
        dev = get_device(device)
        r = rng(seed)

        def t(a):
            return torch.as_tensor(a, dtype=F64, device=dev)

        def unit(k):
            v = r.standard_normal(k)
            return v / np.linalg.norm(v) if k else v

        A1 = r.standard_normal((p1, ks + k1)) / math.sqrt(ks + k1)
        A2 = r.standard_normal((p2, ks + k2)) / math.sqrt(ks + k2)
        return cls(t(A1), t(A2), t(unit(ks)), t(unit(k1)), t(unit(k2)), int(ks), float(noise), float(y_noise),
                   float(redundancy), dev)

    def with_redundancy(self, redundancy: float) -> "TwoModalityModel":
        """The same mixing matrices and read-outs with another redundancy level."""
        if not 0.0 <= redundancy <= 1.0:
            raise ValueError(f"redundancy={redundancy!r} must lie in [0, 1]")
        return TwoModalityModel(self.A1, self.A2, self.b_s, self.b_1, self.b_2, self.ks, self.noise, self.y_noise,
                                float(redundancy), self.device)

    @property
    def p1(self) -> int:
        """Dimension of modality 1."""
        return int(self.A1.shape[0])

    @property
    def p2(self) -> int:
        """Dimension of modality 2."""
        return int(self.A2.shape[0])

    def _betas(self):
        r = self.redundancy
        return math.sqrt(r) * self.b_s, math.sqrt(1 - r) * self.b_1, math.sqrt(1 - r) * self.b_2

    def covariance(self) -> torch.Tensor:
        """Exact covariance of ``(X1, X2, Y1, Y2)`` (size ``p1 + p2 + 2``; all means are zero)."""
        ks = self.ks
        bs, b1, b2 = self._betas()
        A1s, A1u = self.A1[:, :ks], self.A1[:, ks:]
        A2s, A2u = self.A2[:, :ks], self.A2[:, ks:]
        p1, p2 = self.p1, self.p2
        S11 = self.A1 @ self.A1.T + self.noise ** 2 * torch.eye(p1, dtype=F64, device=self.device)
        S22 = self.A2 @ self.A2.T + self.noise ** 2 * torch.eye(p2, dtype=F64, device=self.device)
        S12 = A1s @ A2s.T
        c1y1 = A1s @ bs + A1u @ b1
        c1y2 = A1s @ bs
        c2y1 = A2s @ bs
        c2y2 = A2s @ bs + A2u @ b2
        vy = bs @ bs + b1 @ b1 + self.y_noise ** 2
        vy2 = bs @ bs + b2 @ b2 + self.y_noise ** 2
        cy = bs @ bs
        d = p1 + p2 + 2
        S = torch.zeros(d, d, dtype=F64, device=self.device)
        S[:p1, :p1], S[p1:p1 + p2, p1:p1 + p2] = S11, S22
        S[:p1, p1:p1 + p2], S[p1:p1 + p2, :p1] = S12, S12.T
        iy1, iy2 = p1 + p2, p1 + p2 + 1
        S[:p1, iy1], S[:p1, iy2], S[p1:p1 + p2, iy1], S[p1:p1 + p2, iy2] = c1y1, c1y2, c2y1, c2y2
        S[iy1, :p1], S[iy2, :p1], S[iy1, p1:p1 + p2], S[iy2, p1:p1 + p2] = c1y1, c1y2, c2y1, c2y2
        S[iy1, iy1], S[iy2, iy2], S[iy1, iy2], S[iy2, iy1] = vy, vy2, cy, cy
        return S

    def blocks(self) -> PopulationBlocks:
        """``(S11, S12, S22, c1y, c2y, vy)`` for target ``Y1`` from the exact covariance."""
        S = self.covariance()
        p1, p2 = self.p1, self.p2
        iy = p1 + p2
        return PopulationBlocks(S[:p1, :p1], S[:p1, p1:iy], S[p1:iy, p1:iy], S[:p1, iy], S[p1:iy, iy], S[iy, iy])

    def sample(self, n: int, seed: int = 0) -> TwoModalitySample:
        """``n`` independent draws (float64, on the model's device), from ``seed``."""
        if int(n) != n or n < 2:
            raise ValueError(f"n={n!r} must be an integer >= 2")
        r = rng(seed)
        ks, k1, k2 = self.ks, self.A1.shape[1] - self.ks, self.A2.shape[1] - self.ks

        def t(a):
            return torch.as_tensor(a, dtype=F64, device=self.device)

        s, u1, u2 = t(r.standard_normal((n, ks))), t(r.standard_normal((n, k1))), t(r.standard_normal((n, k2)))
        e1, e2 = t(r.standard_normal((n, self.p1))), t(r.standard_normal((n, self.p2)))
        ey = t(r.standard_normal((n, 2)))
        X1 = torch.cat([s, u1], 1) @ self.A1.T + self.noise * e1
        X2 = torch.cat([s, u2], 1) @ self.A2.T + self.noise * e2
        bs, b1, b2 = self._betas()
        Y1 = (s @ bs + u1 @ b1 + self.y_noise * ey[:, 0]).reshape(-1, 1)
        Y2 = (s @ bs + u2 @ b2 + self.y_noise * ey[:, 1]).reshape(-1, 1)
        return TwoModalitySample(X1=X1, X2=X2, Y1=Y1, Y2=Y2, S=s, U1=u1, U2=u2)
