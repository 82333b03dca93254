"""Criteria weights drawn around a scenario's, and the scores and ranks they give.

Two ways to draw, each seeded per draw with a child of one :class:`numpy.random.SeedSequence`
(draw ``d`` always gets the ``d``-th child), so a draw's weights depend only on the seed and
its index, never on how the draws are split among workers:

Dirichlet (``concentration=K``)
    ``w ~ Dirichlet(K w0)`` over the criteria with a positive weight ``w0``. The mean is
    ``w0``; the standard deviation of weight ``i`` is ``sqrt(w0_i (1 - w0_i) / (K + 1))``:
    with ``K = 100`` a weight of 0.05 moves by about 0.022 (43 % of itself), with
    ``K = 400`` by about 0.011. ``K = inf`` returns ``w0`` exactly.
Plus-or-minus range (``spread=P``)
    ``w_i = w0_i u_i / sum_j w0_j u_j`` with ``u_i ~ Uniform(1 - P, 1 + P)`` independent,
    ``0 <= P <= 1``: each weight moves by at most ``P`` of itself before the weights are
    renormalised to sum 1. ``P = 0`` returns ``w0`` exactly.

Criteria whose scenario weight is 0 keep weight 0 in every draw.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from scipy.stats import rankdata

from planner._errors import CriteriaError, PlannerError

#: Dirichlet concentration used when neither a concentration nor a spread is given.
DEFAULT_CONCENTRATION = 100.0

Mode = Literal["dirichlet", "spread"]


def weight_mode(concentration: float | None, spread: float | None) -> tuple[Mode, float]:
    """Check the draw settings; return ``("dirichlet", K)`` or ``("spread", P)``."""
    if concentration is not None and spread is not None:
        msg = (
            f"concentration={concentration!r} and spread={spread!r} were both given; pass one "
            "of them (a Dirichlet concentration or a plus-or-minus range), not both."
        )
        raise PlannerError(msg)
    if spread is not None:
        p = float(spread)
        if not 0.0 <= p <= 1.0:
            msg = (
                f"spread={spread!r} must be a fraction in [0, 1] (0.2 moves each weight by "
                "up to 20 % of itself before renormalising)."
            )
            raise PlannerError(msg)
        return "spread", p
    k = DEFAULT_CONCENTRATION if concentration is None else float(concentration)
    if not k > 0 or math.isnan(k):
        msg = (
            f"concentration={concentration!r} must be a positive number (larger draws "
            "closer to the scenario's weights; inf keeps them exactly)."
        )
        raise PlannerError(msg)
    return "dirichlet", k


def draw_weights(
    base: np.ndarray,
    *,
    draws: int,
    seed: int,
    concentration: float | None = None,
    spread: float | None = None,
    start: int = 0,
) -> np.ndarray:
    """Weights for draws ``start .. start + draws - 1``, one row per draw.

    Parameters
    ----------
    base
        The scenario's criteria weights (>= 0, sum 1).
    draws
        Number of draws.
    seed
        Root seed; draw ``d`` uses ``SeedSequence(seed).spawn(start + draws)[d]``.
    concentration, spread
        See the module docstring; one of them, or neither for a Dirichlet with
        :data:`DEFAULT_CONCENTRATION`.
    start
        Index of the first draw (so a slice of draws can be made anywhere).

    Returns
    -------
    numpy.ndarray
        ``draws x criteria``; each row sums to 1.
    """
    mode, value = weight_mode(concentration, spread)
    w0 = np.asarray(base, dtype=float)
    if w0.ndim != 1 or w0.size == 0 or (w0 < 0).any() or not np.isclose(w0.sum(), 1.0):
        msg = f"The base weights must be >= 0 and sum to 1, got {w0.tolist()!r}."
        raise CriteriaError(msg)
    out = np.tile(w0, (draws, 1))
    still = (mode == "dirichlet" and math.isinf(value)) or (mode == "spread" and value == 0.0)
    if still or draws == 0:
        return out
    pos = w0 > 0
    children = np.random.SeedSequence(seed).spawn(start + draws)[start:]
    for d, child in enumerate(children):
        rng = np.random.Generator(np.random.PCG64(child))
        if mode == "dirichlet":
            w = rng.dirichlet(value * w0[pos])
        else:
            w = w0[pos] * rng.uniform(1.0 - value, 1.0 + value, size=int(pos.sum()))
            w = w / w.sum()
        out[d] = 0.0
        out[d, pos] = w
    return out


def totals(scores: np.ndarray, weights: np.ndarray, method: str) -> np.ndarray:
    """Total scores, candidates x draws, for each row of ``weights``.

    The weighted sum is one matrix product ``S @ W.T``; TOPSIS is recomputed per draw on
    the stored normalised matrix (the distances to the ideal depend on the weights).
    """
    s = np.asarray(scores, dtype=float)
    w = np.asarray(weights, dtype=float)
    if method == "weighted_sum":
        return s @ w.T
    if method == "topsis":
        out = np.empty((s.shape[0], w.shape[0]))
        for d in range(w.shape[0]):
            out[:, d] = _topsis(s, w[d])
        return out
    msg = f"method={method!r} is not a scoring method; use 'weighted_sum' or 'topsis'."
    raise CriteriaError(msg)


def _topsis(s: np.ndarray, w: np.ndarray) -> np.ndarray:
    # Same formula as planner.criteria.topsis, without its per-call validation.
    v = s * w
    d_plus = np.sqrt(((v - v.max(axis=0)) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - v.min(axis=0)) ** 2).sum(axis=1))
    denom = d_plus + d_minus
    return np.divide(d_minus, denom, out=np.full(s.shape[0], 0.5), where=denom > 0)


def ranks(total: np.ndarray) -> np.ndarray:
    """Ranks (1 = best, ties share the smaller rank) of each column of ``total``."""
    return rankdata(-np.asarray(total), method="min", axis=0).astype(np.int32)
