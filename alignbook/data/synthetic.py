"""Synthetic data models shared by the theory checks and the experiments.

* :class:`TwoModalityModel`: the linear-Gaussian two-modality model of the chapter *What
  alignment throws away*, with a shared latent ``s`` and modality-specific latents ``u1, u2``;
  it samples data and gives the exact population covariance.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ..device import REDUCTION_DTYPE, get_device, rng

F64 = REDUCTION_DTYPE

__all__ = ["TwoModalityModel"]


# ----------------------------------------------------------------------------------------------
# the data model
# ----------------------------------------------------------------------------------------------
@dataclass
class TwoModalityModel:
    """``X_m = A_m [s; u_m] + noise * eps_m`` and ``Y_m = sqrt(r) b_s's + sqrt(1-r) b_m'u_m + y_noise * e_m``.

    All latents (``s`` of size ``ks``, ``u_m`` of size ``km``) and noises are independent standard
    normal; ``b_s`` and ``b_m`` have unit norm, so ``Var(Y_m) = 1 + y_noise**2`` and the shared
    latent carries a fraction ``r / (1 + y_noise**2)`` of it (``r = redundancy``).
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
        """Draw the mixing matrices (i.i.d. N(0, 1/(ks+km))) and unit read-out vectors from ``seed``."""
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
        g = rng(seed)

        def t(a):
            return torch.as_tensor(a, dtype=F64, device=dev)

        def unit(k):
            v = g.standard_normal(k)
            return v / np.linalg.norm(v) if k else v

        A1 = g.standard_normal((p1, ks + k1)) / math.sqrt(ks + k1)
        A2 = g.standard_normal((p2, ks + k2)) / math.sqrt(ks + k2)
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
        return int(self.A1.shape[0])

    @property
    def p2(self) -> int:
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

    def blocks(self):
        """``(S11, S12, S22, c1y, c2y, vy)`` for target ``Y1`` from the exact covariance."""
        S = self.covariance()
        p1, p2 = self.p1, self.p2
        iy = p1 + p2
        return (S[:p1, :p1], S[:p1, p1:iy], S[p1:iy, p1:iy], S[:p1, iy], S[p1:iy, iy], S[iy, iy])

    def sample(self, n: int, seed: int = 0) -> dict:
        """``n`` draws: a dict of float64 tensors ``X1 (n,p1), X2 (n,p2), Y1, Y2 (n,1), S, U1, U2``."""
        if int(n) != n or n < 2:
            raise ValueError(f"n={n!r} must be an integer >= 2")
        g = rng(seed)
        ks, k1, k2 = self.ks, self.A1.shape[1] - self.ks, self.A2.shape[1] - self.ks

        def t(a):
            return torch.as_tensor(a, dtype=F64, device=self.device)

        s, u1, u2 = t(g.standard_normal((n, ks))), t(g.standard_normal((n, k1))), t(g.standard_normal((n, k2)))
        e1, e2 = t(g.standard_normal((n, self.p1))), t(g.standard_normal((n, self.p2)))
        ey = t(g.standard_normal((n, 2)))
        X1 = torch.cat([s, u1], 1) @ self.A1.T + self.noise * e1
        X2 = torch.cat([s, u2], 1) @ self.A2.T + self.noise * e2
        bs, b1, b2 = self._betas()
        Y1 = (s @ bs + u1 @ b1 + self.y_noise * ey[:, 0]).reshape(-1, 1)
        Y2 = (s @ bs + u2 @ b2 + self.y_noise * ey[:, 1]).reshape(-1, 1)
        return dict(X1=X1, X2=X2, Y1=Y1, Y2=Y2, S=s, U1=u1, U2=u2)
