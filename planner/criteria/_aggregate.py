"""Aggregation of normalised scores: weighted sum and TOPSIS, with contributions."""

from __future__ import annotations

import numpy as np

from planner._errors import CriteriaError


def weighted_sum(scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted sum of scores in [0, 1] with weights summing to 1.

    Parameters
    ----------
    scores
        Candidates x criteria, 1 = best, no NaN.
    weights
        One weight per criterion, >= 0, summing to 1.

    Returns
    -------
    numpy.ndarray
        One total per candidate in [0, 1]; it equals the sum of the contributions
        ``scores * weights``.
    """
    s, w = _check(scores, weights)
    return s @ w


def topsis(scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """TOPSIS closeness to the ideal candidate (Hwang and Yoon 1981).

    The scores are already normalised with 1 = best, so every criterion is a benefit:
    v_ij = w_j s_ij, ideal v+_j = max_i v_ij, anti-ideal v-_j = min_i v_ij,
    D+_i = ||v_i - v+||, D-_i = ||v_i - v-||, closeness C_i = D-_i / (D+_i + D-_i)
    (0.5 where a candidate is both, i.e. every candidate is equal).

    Parameters
    ----------
    scores
        Candidates x criteria, in [0, 1], no NaN.
    weights
        One weight per criterion, >= 0, summing to 1.

    Returns
    -------
    numpy.ndarray
        Closeness in [0, 1] per candidate, 1 = the ideal.
    """
    s, w = _check(scores, weights)
    v = s * w
    d_plus = np.sqrt(((v - v.max(axis=0)) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - v.min(axis=0)) ** 2).sum(axis=1))
    denom = d_plus + d_minus
    return np.divide(d_minus, denom, out=np.full(s.shape[0], 0.5), where=denom > 0)


MIN_REASON_SPREAD = 0.02
"""A criterion whose normalised scores have a standard deviation below this across the
candidates does not vary among them, so it is never given as a reason."""


def varying(scores: np.ndarray, *, min_spread: float = MIN_REASON_SPREAD) -> np.ndarray:
    """One bool per column of ``scores`` (candidates x criteria): True where the column's
    standard deviation (NaN ignored) reaches ``min_spread``."""
    s = np.asarray(scores, dtype=float)
    if s.shape[0] == 0:
        return np.zeros(s.shape[1], dtype=bool)
    with np.errstate(invalid="ignore"):
        sd = np.nanstd(np.where(np.isfinite(s), s, np.nan), axis=0)
    return np.nan_to_num(sd, nan=0.0) >= min_spread


def explain(
    scores: np.ndarray,
    weights: np.ndarray,
    criteria: list[str],
    *,
    n: int = 3,
    eligible: np.ndarray | None = None,
) -> tuple[list[list[str]], list[list[str]]]:
    """The criteria that lift each candidate most and hold it back most.

    A criterion's effect on a candidate is ``w_j (s_ij - median_j)``: its weighted score
    against the median candidate's. The ``n`` largest positive effects lift it, the ``n``
    most negative hold it back (fewer when fewer effects have that sign). A criterion that
    does not vary among the candidates (see :func:`varying`) is never named, nor one that
    ``eligible`` (candidates x criteria, bool) marks as not observed for the candidate.

    Returns
    -------
    tuple
        ``(lifts, holds_back)``: for each candidate, lists of criterion ids.
    """
    s, w = _check(scores, weights)
    effect = (s - np.median(s, axis=0)) * w
    effect[:, ~varying(s)] = 0.0
    if eligible is not None:
        effect = np.where(np.asarray(eligible, dtype=bool), effect, 0.0)
    names = np.asarray(criteria, dtype=object)
    order_up = np.argsort(-effect, axis=1, kind="stable")[:, :n]
    order_down = np.argsort(effect, axis=1, kind="stable")[:, :n]
    lifts: list[list[str]] = []
    holds: list[list[str]] = []
    for i in range(s.shape[0]):
        up = order_up[i]
        down = order_down[i]
        lifts.append(list(names[up[effect[i, up] > 1e-12]]))
        holds.append(list(names[down[effect[i, down] < -1e-12]]))
    return lifts, holds


def _check(scores: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=float)
    w = np.asarray(weights, dtype=float)
    if s.ndim != 2 or w.ndim != 1 or s.shape[1] != w.size:
        msg = (
            f"Scores must be candidates x criteria and weights one per criterion, got "
            f"shapes {s.shape!r} and {w.shape!r}."
        )
        raise CriteriaError(msg)
    if not np.all(np.isfinite(s)):
        msg = "Scores contain NaN; impute or exclude missing values before aggregating."
        raise CriteriaError(msg)
    if np.any(w < 0) or not np.isclose(w.sum(), 1.0):
        msg = f"Weights must be >= 0 and sum to 1, got sum {w.sum()!r}."
        raise CriteriaError(msg)
    return s, w
