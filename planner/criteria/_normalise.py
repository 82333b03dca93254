"""Normalisation of raw criterion values to scores in [0, 1], 1 = best."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner._errors import CriteriaError
from planner.criteria._catalogue import DECAY_METHODS, Direction, Normalisation


def normalise(
    values: pd.Series | np.ndarray,
    normalisation: Normalisation,
    *,
    direction: Direction,
) -> np.ndarray:
    """Turn raw values into scores in [0, 1] where 1 is best.

    Parameters
    ----------
    values
        Raw measure, one per candidate, in the criterion's unit (hours, km, USD, ...).
        NaN stays NaN: missing values are imputed before, never here.
    normalisation
        Method and decay parameters; decays need ``direction="lower"`` and values >= 0.
    direction
        ``"higher"`` or ``"lower"`` is better.

    Returns
    -------
    numpy.ndarray
        Scores in [0, 1] (NaN where the value was NaN).

    Notes
    -----
    ``minmax``: (x - min) / (max - min), reversed for ``lower``; a column where every
    candidate is equal scores 1 everywhere (it cannot separate them).
    ``rank``: (average rank - 1) / (n - 1), reversed for ``lower``.
    ``identity``: the value itself, clipped to [0, 1], reversed for ``lower``.
    ``linear``: max(0, 1 - x / cutoff). ``exponential``: 0.5 ** (x / half_life).
    ``logistic``: L(x) / L(0) with L(x) = 1 / (1 + exp((x - midpoint) / width)).
    """
    x = np.asarray(values, dtype=float)
    method = normalisation.method
    ok = ~np.isnan(x)
    out = np.full(x.shape, np.nan)
    if method in DECAY_METHODS:
        if direction != "lower":
            msg = (
                f"A {method} decay scores distances and times, where lower is better, but "
                f"the criterion's direction is {direction!r}; use 'minmax' or 'rank'."
            )
            raise CriteriaError(msg)
        xs = np.maximum(x[ok], 0.0)
        out[ok] = _decay(xs, normalisation)
        return out
    if not ok.any():
        return out
    xs = x[ok]
    if method == "identity":
        s = np.clip(xs, 0.0, 1.0)
    elif method == "minmax":
        lo, hi = float(xs.min()), float(xs.max())
        s = np.ones_like(xs) if hi == lo else (xs - lo) / (hi - lo)
    elif method == "rank":
        n = xs.size
        ranks = pd.Series(xs).rank(method="average").to_numpy()
        s = np.ones_like(xs) if n == 1 else (ranks - 1.0) / (n - 1.0)
    else:
        msg = f"Unknown normalisation method {method!r}; use one of minmax, rank, identity."
        raise CriteriaError(msg)
    if direction == "lower":
        s = 1.0 - s
    out[ok] = s
    return out


def _decay(x: np.ndarray, n: Normalisation) -> np.ndarray:
    if n.method == "linear":
        cutoff = _positive(n.cutoff, "cutoff", n.method)
        return np.clip(1.0 - x / cutoff, 0.0, 1.0)
    if n.method == "exponential":
        half_life = _positive(n.half_life, "half_life", n.method)
        return np.power(0.5, x / half_life)
    midpoint = _positive(n.midpoint, "midpoint", n.method)
    width = _positive(n.width, "width", n.method)
    # L(x) / L(0), written to stay finite for large x: (1 + e^(-m/w)) / (1 + e^((x-m)/w))
    z = np.minimum((x - midpoint) / width, 700.0)
    return (1.0 + np.exp(-midpoint / width)) / (1.0 + np.exp(z))


def _positive(value: float | None, name: str, method: str) -> float:
    if value is None or not np.isfinite(value) or value <= 0:
        msg = f"A {method} decay needs {name} > 0 (in the criterion's unit), got {value!r}."
        raise CriteriaError(msg)
    return float(value)
