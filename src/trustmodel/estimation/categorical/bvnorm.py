"""Standard bivariate normal distribution, vectorized over any number of points.

The cdf is Genz's (2004) algorithm (the ``BVND`` routine behind R's ``pbivnorm``, which
lavaan 0.6-14 calls in ``R/lav_bvord.R`` / ``lav_pbinorm``): Gauss-Legendre quadrature of
Drezner & Wesolowsky's integral for ``|r| < 0.925`` and Genz's series with a correction near
``|r| = 1``. Every branch is evaluated on whole numpy arrays (masks, no Python loop over
points), so the probabilities of all cells of all pairs of items come from one call.

References
----------
Genz, A. (2004). Numerical computation of rectangular bivariate and trivariate normal and t
probabilities. *Statistics and Computing*, 14, 251-260. doi:10.1023/B:STCO.0000035304.20635.31
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr

_TWO_PI = 2.0 * np.pi


def _nodes(n: int):
    x, w = np.polynomial.legendre.leggauss(n)
    keep = x > 0
    return x[keep], w[keep]


_GL = {6: _nodes(6), 12: _nodes(12), 20: _nodes(20)}


def _upper(h, k, r):
    """P(X > h, Y > k) for finite h, k and |r| < 1 (Genz's ``bvnu``), arrays of one shape."""
    out = np.empty_like(h)
    ar = np.abs(r)
    mid = ar < 0.925
    if mid.any():
        hm, km, rm = h[mid], k[mid], r[mid]
        hk = hm * km
        hs = (hm * hm + km * km) / 2
        asr = np.arcsin(rm)
        bvn = np.zeros_like(hm)
        for lo, hi, n in ((0.0, 0.3, 6), (0.3, 0.75, 12), (0.75, 1.0, 20)):
            sel = (np.abs(rm) >= lo) & (np.abs(rm) < hi)
            if not sel.any():
                continue
            x, w = _GL[n]
            a = asr[sel][:, None]
            s1 = np.sin(a * (1 - x) / 2)
            s2 = np.sin(a * (1 + x) / 2)
            hks, hss = hk[sel][:, None], hs[sel][:, None]
            val = (w * (np.exp((s1 * hks - hss) / (1 - s1 * s1))
                        + np.exp((s2 * hks - hss) / (1 - s2 * s2)))).sum(axis=1)
            bvn[sel] = val * asr[sel] / (2 * _TWO_PI)
        out[mid] = bvn + ndtr(-hm) * ndtr(-km)
    far = ~mid
    if far.any():
        hf, kf, rf = h[far], k[far].copy(), r[far]
        neg = rf < 0
        kf[neg] = -kf[neg]
        hk = hf * kf
        x, w = _GL[20]
        as_ = (1 - rf) * (1 + rf)
        a = np.sqrt(as_)
        bs = (hf - kf) ** 2
        c = (4 - hk) / 8
        d = (12 - hk) / 16
        asr = -(bs / as_ + hk) / 2
        bvn = np.where(asr > -100,
                       a * np.exp(asr) * (1 - c * (bs - as_) * (1 - d * bs / 5) / 3
                                          + c * d * as_ * as_ / 5), 0.0)
        b = np.sqrt(bs)
        sp = np.sqrt(_TWO_PI) * ndtr(-b / a)
        with np.errstate(over="ignore"):
            corr = np.exp(-hk / 2) * sp * b * (1 - c * bs * (1 - d * bs / 5) / 3)
        bvn = bvn - np.where(hk > -100, corr, 0.0)
        a2 = (a / 2)[:, None]
        for sgn in (-1.0, 1.0):
            xs = (a2 * (sgn * x + 1)) ** 2
            rs = np.sqrt(1 - xs)
            asr2 = -(bs[:, None] / xs + hk[:, None]) / 2
            sp2 = 1 + c[:, None] * xs * (1 + d[:, None] * xs)
            ep = np.exp(-hk[:, None] * xs / (2 * (1 + rs) ** 2)) / rs
            term = np.where(asr2 > -100, a2 * w * np.exp(asr2) * (ep - sp2), 0.0)
            bvn = bvn + term.sum(axis=1)
        bvn = -bvn / _TWO_PI
        pos = rf > 0
        res = np.empty_like(bvn)
        res[pos] = bvn[pos] + ndtr(-np.maximum(hf[pos], kf[pos]))
        ng = ~pos
        hn, kn, bn = hf[ng], kf[ng], bvn[ng]
        L = np.where(hn < 0, ndtr(kn) - ndtr(hn), ndtr(-hn) - ndtr(-kn))
        res[ng] = np.where(hn >= kn, -bn, L - bn)
        out[far] = res
    return np.clip(out, 0.0, 1.0)


def pbinorm(x, y, rho) -> np.ndarray:
    """P(X <= x, Y <= y) of a standard bivariate normal with correlation ``rho``.

    Broadcasts its arguments; infinite limits are exact (0, or the univariate margin).

    Examples
    --------
    >>> round(float(pbinorm(0.0, 0.0, 0.5)), 12)  # 1/4 + arcsin(0.5) / (2 pi)
    0.333333333333
    """
    x, y, rho = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float),
                                    np.asarray(rho, float))
    out = np.zeros(x.shape)
    fin = np.isfinite(x) & np.isfinite(y)
    one = fin & (np.abs(rho) >= 1)             # degenerate: Y = +-X
    fin &= ~one
    # P(X <= x, Y <= y) = P(-X > -x, -Y > -y) = bvnu(-x, -y, rho)
    if fin.any():
        out[fin] = _upper(-x[fin], -y[fin], rho[fin])
    if one.any():
        xo, yo, pos = x[one], y[one], rho[one] > 0
        out[one] = np.where(pos, ndtr(np.minimum(xo, yo)), np.maximum(ndtr(xo) - ndtr(-yo), 0))
    xinf, yinf = np.isposinf(x), np.isposinf(y)
    sel = xinf & np.isfinite(y)
    out[sel] = ndtr(y[sel])
    sel = yinf & np.isfinite(x)
    out[sel] = ndtr(x[sel])
    out[xinf & yinf] = 1.0
    return out


def _density(x, y, rho, drho: bool) -> np.ndarray:
    x, y, rho = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float),
                                    np.asarray(rho, float))
    out = np.zeros(x.shape)
    fin = np.isfinite(x) & np.isfinite(y)
    xf, yf, rf = x[fin], y[fin], rho[fin]
    R = 1 - rf * rf
    Q = xf * xf - 2 * rf * xf * yf + yf * yf
    dens = np.exp(-0.5 * Q / R) / (_TWO_PI * np.sqrt(R))
    out[fin] = dens * (rf / R + xf * yf / R - rf * Q / (R * R)) if drho else dens
    return out


def dbinorm(x, y, rho) -> np.ndarray:
    """Density of the standard bivariate normal (0 at infinite arguments)."""
    return _density(x, y, rho, False)


def dbinorm_drho(x, y, rho) -> np.ndarray:
    """d/drho of the density (the second derivative of the cdf in rho)."""
    return _density(x, y, rho, True)
