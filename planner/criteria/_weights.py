"""Criterion weights: direct, AHP (with consistency ratio), entropy and CRITIC."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from planner._errors import CriteriaError

# Saaty's random consistency index for n = 1..10 (Saaty 1980): the mean consistency
# index of random reciprocal matrices of order n.
RANDOM_INDEX: tuple[float, ...] = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
CR_LIMIT = 0.10


@dataclass(frozen=True)
class AhpResult:
    """Weights from an AHP pairwise comparison matrix.

    Attributes
    ----------
    items
        What was compared (criterion or group ids), in matrix order.
    weights
        Principal right eigenvector, normalised to sum 1.
    lambda_max
        Principal eigenvalue.
    ci
        Consistency index (lambda_max - n) / (n - 1).
    cr
        Consistency ratio ci / RI(n); 0 for n <= 2.
    worst_judgements
        Up to three ``(item_i, item_j, given a_ij, implied w_i / w_j)`` pairs whose given
        judgement departs most (in log ratio) from what the weights imply.
    """

    items: tuple[str, ...]
    weights: np.ndarray
    lambda_max: float
    ci: float
    cr: float
    worst_judgements: tuple[tuple[str, str, float, float], ...]


def ahp_weights(
    matrix: Sequence[Sequence[float]] | np.ndarray,
    items: Sequence[str] | None = None,
    *,
    cr_limit: float | None = CR_LIMIT,
) -> AhpResult:
    """Weights from a pairwise comparison matrix (Saaty's eigenvector method).

    Parameters
    ----------
    matrix
        Square, positive, reciprocal matrix: ``a[i][j]`` says how much more important
        item i is than item j on Saaty's 1-9 scale, ``a[j][i] = 1 / a[i][j]``.
    items
        Names of the rows; ``"1"``, ``"2"``, ... when omitted.
    cr_limit
        Refuse a matrix whose consistency ratio exceeds this (0.10 by convention);
        ``None`` accepts any.

    Raises
    ------
    CriteriaError
        If the matrix is not square, positive and reciprocal, or its consistency ratio is
        above ``cr_limit``; the message names the most inconsistent judgements.
    """
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0] if a.ndim == 2 else 0
    names = tuple(items) if items is not None else tuple(str(i + 1) for i in range(n))
    if a.ndim != 2 or a.shape[0] != a.shape[1] or n == 0:
        msg = f"The AHP matrix must be square, got shape {a.shape!r}."
        raise CriteriaError(msg)
    if len(names) != n:
        msg = f"The AHP matrix is {n} x {n} but {len(names)} items were named: {names!r}."
        raise CriteriaError(msg)
    if len(set(names)) != n:
        msg = f"The AHP items must be distinct, got {names!r}."
        raise CriteriaError(msg)
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        msg = "Every AHP judgement must be a positive number (1-9 or its reciprocal)."
        raise CriteriaError(msg)
    bad = [
        f"{names[i]}/{names[j]} = {a[i, j]:g} but {names[j]}/{names[i]} = {a[j, i]:g}"
        for i in range(n)
        for j in range(i, n)
        if not np.isclose(a[i, j] * a[j, i], 1.0, rtol=1e-3)
    ]
    if bad:
        msg = (
            "The AHP matrix must be reciprocal (a[j][i] = 1 / a[i][j], 1 on the diagonal): "
            + "; ".join(bad[:5])
            + "."
        )
        raise CriteriaError(msg)
    if n > len(RANDOM_INDEX):
        msg = (
            f"AHP supports at most {len(RANDOM_INDEX)} items, got {n}; compare the groups "
            "first, then the criteria within each group."
        )
        raise CriteriaError(msg)
    eigvals, eigvecs = np.linalg.eig(a)
    k = int(np.argmax(eigvals.real))
    w = np.abs(eigvecs[:, k].real)
    w = w / w.sum()
    lambda_max = float(eigvals[k].real)
    ci = (lambda_max - n) / (n - 1) if n > 1 else 0.0
    ri = RANDOM_INDEX[n - 1]
    cr = ci / ri if ri > 0 else 0.0
    implied = w[:, None] / w[None, :]
    dev = np.abs(np.log(a / implied))
    iu = np.triu_indices(n, 1)
    order = np.argsort(-dev[iu], kind="stable")[:3]
    worst = tuple(
        (names[iu[0][o]], names[iu[1][o]], float(a[iu[0][o], iu[1][o]]),
         float(implied[iu[0][o], iu[1][o]]))
        for o in order
        if dev[iu[0][o], iu[1][o]] > 1e-9
    )  # fmt: skip
    result = AhpResult(names, w, lambda_max, float(ci), float(cr), worst)
    if cr_limit is not None and cr > cr_limit:
        pairs = "; ".join(
            f"{i} vs {j}: given {given:.3g}, the weights imply {imp:.3g}"
            for i, j, given, imp in worst
        )
        msg = (
            f"The AHP comparisons of {', '.join(names)} are inconsistent: consistency ratio "
            f"{cr:.3f} > {cr_limit:.2f}. Revise the most inconsistent judgements first: "
            f"{pairs}."
        )
        raise CriteriaError(msg)
    return result


def entropy_weights(matrix: np.ndarray) -> np.ndarray:
    """Shannon entropy weights of a non-negative decision matrix.

    Criteria whose values vary more across candidates carry more information and get
    more weight: p_ij = x_ij / sum_i x_ij, E_j = -sum_i p_ij ln p_ij / ln m,
    w_j = (1 - E_j) / sum_k (1 - E_k), with 0 ln 0 = 0. A column of zeros has no
    information (weight 0); if no column has any, the weights are equal.

    Parameters
    ----------
    matrix
        Candidates in rows, criteria in columns, values >= 0 (scores in [0, 1]).
    """
    x = _check_matrix(matrix, "entropy")
    if np.any(x < 0):
        msg = "Entropy weights need non-negative values; pass scores in [0, 1]."
        raise CriteriaError(msg)
    m = x.shape[0]
    col = x.sum(axis=0)
    p = np.divide(x, col, out=np.zeros_like(x), where=col > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / np.log(m) if m > 1 else np.ones(x.shape[1])
    e[col == 0] = 1.0
    d = np.clip(1.0 - e, 0.0, None)
    if d.sum() <= 0:
        return np.full(x.shape[1], 1.0 / x.shape[1])
    return d / d.sum()


def critic_weights(matrix: np.ndarray) -> np.ndarray:
    """CRITIC weights (Diakoulaki et al. 1995): contrast times conflict.

    Columns are min-max normalised; C_j = sigma_j * sum_k (1 - r_jk) with sigma_j the
    sample standard deviation and r the Pearson correlation between columns (a constant
    column has sigma 0 and correlation 0); w_j = C_j / sum_k C_k.

    Parameters
    ----------
    matrix
        Candidates in rows, criteria in columns, oriented so that higher is better.
    """
    x = _check_matrix(matrix, "CRITIC")
    if x.shape[0] < 2:
        return np.full(x.shape[1], 1.0 / x.shape[1])
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    z = np.divide(x - lo, span, out=np.zeros_like(x), where=span > 0)
    sigma = z.std(axis=0, ddof=1)
    zc = z - z.mean(axis=0)
    norms = np.sqrt((zc**2).sum(axis=0))
    denom = np.outer(norms, norms)
    r = np.divide(zc.T @ zc, denom, out=np.zeros((x.shape[1], x.shape[1])), where=denom > 0)
    c = sigma * (1.0 - r).sum(axis=0)
    if c.sum() <= 0:
        return np.full(x.shape[1], 1.0 / x.shape[1])
    return c / c.sum()


def combine_weights(
    criterion_weights: Mapping[str, float],
    groups: Mapping[str, str],
    group_weights: Mapping[str, float] | None,
) -> dict[str, float]:
    """Final weights: group weight times the criterion's share within its group.

    Parameters
    ----------
    criterion_weights
        Criterion id -> non-negative weight (any scale).
    groups
        Criterion id -> group id.
    group_weights
        Group id -> non-negative weight, or ``None`` for flat weights (the criterion weights
        normalised to sum 1). Groups with no criterion left are ignored and the remaining
        group weights renormalised.

    Returns
    -------
    dict
        Criterion id -> weight, summing to 1.
    """
    w = {c: float(v) for c, v in criterion_weights.items()}
    if any(v < 0 or not np.isfinite(v) for v in w.values()):
        msg = f"Criterion weights must be finite and >= 0, got {w!r}."
        raise CriteriaError(msg)
    if group_weights is None:
        total = sum(w.values())
        if total <= 0:
            msg = f"At least one criterion needs a weight > 0, got {w!r}."
            raise CriteriaError(msg)
        return {c: v / total for c, v in w.items()}
    present = {groups[c] for c in w}
    gw = {g: float(group_weights.get(g, 0.0)) for g in present}
    gtotal = sum(gw.values())
    if gtotal <= 0:
        msg = (
            f"At least one group with criteria ({', '.join(sorted(present))}) needs a group "
            f"weight > 0, got {dict(group_weights)!r}."
        )
        raise CriteriaError(msg)
    out: dict[str, float] = {}
    for g in present:
        members = [c for c in w if groups[c] == g]
        inner = sum(w[c] for c in members)
        for c in members:
            share = w[c] / inner if inner > 0 else 1.0 / len(members)
            out[c] = gw[g] / gtotal * share
    return {c: out[c] for c in w}


def _check_matrix(matrix: np.ndarray, what: str) -> np.ndarray:
    x = np.asarray(matrix, dtype=float)
    if x.ndim != 2 or x.shape[1] == 0 or x.shape[0] == 0:
        msg = f"{what} weights need a 2-D matrix (candidates x criteria), got {x.shape!r}."
        raise CriteriaError(msg)
    if not np.all(np.isfinite(x)):
        msg = f"{what} weights need a matrix without NaN; impute missing values first."
        raise CriteriaError(msg)
    return x
