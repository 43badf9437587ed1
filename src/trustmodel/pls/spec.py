"""The numeric PLS model the algorithm runs: blocks (indicator -> construct), modes and the
inner model as index pairs. The syntax rules live in :mod:`trustmodel.pls.model`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import ModelSyntaxError


@dataclass(frozen=True)
class PLSSpec:
    """Numeric description of a PLS path model (constructs in order of first appearance).

    Attributes
    ----------
    constructs : tuple of str
    modes : tuple of {"A", "B"}
    indicators : tuple of str
        Indicators block after block, in construct order.
    block : numpy.ndarray of int
        Construct index of every indicator.
    paths : tuple of (source, target) index pairs
        Inner model, in syntax order.
    """

    constructs: tuple
    modes: tuple
    indicators: tuple
    block: np.ndarray
    paths: tuple

    @property
    def n_constructs(self) -> int:
        return len(self.constructs)

    @property
    def mask(self) -> np.ndarray:
        """Indicator x construct 0/1 matrix of the outer model."""
        m = np.zeros((len(self.indicators), self.n_constructs))
        m[np.arange(len(self.indicators)), self.block] = 1.0
        return m

    @property
    def adjacency(self) -> np.ndarray:
        """``P[k, j] = 1`` when construct k -> construct j."""
        a = np.zeros((self.n_constructs, self.n_constructs))
        for k, j in self.paths:
            a[k, j] = 1.0
        return a

    @property
    def endogenous(self) -> tuple:
        return tuple(j for j in range(self.n_constructs) if any(t == j for _, t in self.paths))

    def predecessors(self, j: int) -> list:
        return [k for k, t in self.paths if t == j]

    def block_of(self, j: int) -> np.ndarray:
        return np.flatnonzero(self.block == j)


def make_spec(constructs, modes, items: dict, paths) -> PLSSpec:
    """A :class:`PLSSpec` from construct names, their modes and items, and (source, target)
    name pairs."""
    index = {c: i for i, c in enumerate(constructs)}
    indicators = tuple(x for c in constructs for x in items[c])
    block = np.array([index[c] for c in constructs for _ in items[c]], dtype=int)
    pairs = tuple((index[s], index[t]) for s, t in paths)
    return PLSSpec(tuple(constructs), tuple(modes[c] for c in constructs), indicators, block,
                   pairs)


def _check_recursive(J: int, pairs, names) -> None:
    a = np.zeros((J, J))
    for k, j in pairs:
        a[k, j] = 1.0
    m = a.copy()
    for _ in range(J):
        if np.any(np.diag(m)):
            cyc = [names[i] for i in np.flatnonzero(np.diag(m))]
            raise ModelSyntaxError("PLS path models must be recursive; the inner model has a "
                                   f"cycle through {', '.join(map(repr, cyc))}")
        m = m @ a
