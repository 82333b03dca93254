"""Criteria weights learned from real choices: McFadden's conditional logit.

Each actual centre matched to a candidate city (as the backtest matches them) is one
choice out of the whole candidate set; the attributes of a candidate are its normalised
criterion scores (``score_<c>`` in [0, 1]). A candidate's utility is ``x_j . beta`` and
the probability that a choice falls on it is ``exp(x_j . beta) / sum_k exp(x_k . beta)``
(McFadden 1974, the model of the literature on where firms locate abroad).

Why the fit is done here, and what statsmodels is for
    ``statsmodels.discrete.conditional_models.ConditionalLogit`` is the maintained,
    widely used implementation of this likelihood, so it is the reference: the tests
    check this module's fit against it on well-posed synthetic cases (coefficients,
    standard errors, log-likelihood), and :func:`fit_statsmodels` stays available. It is
    not used on the real candidate set: it computes each choice set's denominator by a
    recursion as deep as the set is large (written for k-of-n choices), which exceeds
    Python's recursion limit at about 1,000 candidates (the default scenario has 1,281)
    and costs seconds per evaluation well before that; its ``fit_regularized`` is an
    elastic-net path without standard errors. Here every choice has the same choice set
    (all candidates), so the log-likelihood is ``s . beta - m logsumexp(X beta)`` with
    ``s`` the sum of the chosen rows: maximised, with an optional L2 (ridge) penalty
    ``alpha / 2 ||beta||^2`` on standardised attributes, by ``scipy.optimize.minimize``
    (trust-region Newton with the exact gradient and Hessian, milliseconds). Standard
    errors are from the inverse (penalised) Hessian: the observed information without a
    penalty, the posterior spread under a Gaussian prior of variance ``1 / alpha`` with.

Identification, before any fit
    * a criterion whose scores do not vary (standard deviation below
      :data:`planner.criteria.MIN_REASON_SPREAD`) cannot be weighed by any choice: it is
      reported and given weight 0;
    * criteria that move together cannot be told apart: pairs with an absolute Pearson
      correlation above ``max_correlation`` (0.9) are merged into one attribute (their
      mean), and while the condition number of the standardised attribute matrix
      (``sqrt(largest / smallest eigenvalue`` of the correlation matrix) exceeds
      ``max_condition`` (30, Belsley's threshold of strong collinearity), the most
      correlated pair left is merged too;
    * with fewer than ``choices_per_attribute`` (10) choices per attribute the criteria
      are first pooled into their catalogue groups (group-level weights), and the
      ridge penalty is on (``alpha = 1`` on standardised attributes) unless given.

    A merged attribute's coefficient is split equally over its criteria (its value is
    their mean, so ``beta * mean = sum (beta / m) x_j``). Weights are the positive
    coefficients, normalised to sum 1: a negative coefficient (the actual choices lean
    away from the criterion) becomes weight 0 and is reported. Each attribute's 95%
    interval is ``beta +- 1.96 se``; an interval that holds 0 is reported as not told
    apart from zero by these choices.

Tests of fit
    Likelihood-ratio tests of the scenario's weights and of equal weights against the
    unpenalised fit: the restricted model is ``lambda * (x_j . w)`` with only the scale
    ``lambda`` free, so ``LR = 2 (ll_full - ll_restricted)`` on ``k - 1`` degrees of
    freedom (``nested`` says whether the restricted score lies in the span of the
    attributes; when it does not, the test is approximate). Leave-one-out: each choice is
    left out in turn, the weights refitted on the others, and the held-out city counted as
    a hit when it ranks in the top N (N = distinct chosen cities); the same count for the
    scenario's own scores.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from planner._errors import CriteriaError, PlannerError
from planner.criteria import MIN_REASON_SPREAD

log = logging.getLogger("planner.analysis")

MAX_CORRELATION = 0.9
MAX_CONDITION = 30.0
CHOICES_PER_ATTRIBUTE = 10
DEFAULT_ALPHA = 1.0

Level = Literal["auto", "criteria", "groups"]


@dataclass(frozen=True)
class Identification:
    """What the choices can tell apart.

    Attributes
    ----------
    constant
        Criteria that do not vary among the candidates (weight 0).
    correlated
        Pairs of criteria with ``|r| > max_correlation``: ``a``, ``b``, ``r``.
    condition_number_raw, condition_number
        Of the standardised matrix of the varying criteria, and of the attributes fitted.
    level
        ``"criteria"`` or ``"groups"``.
    attributes
        Attribute name -> the criteria it pools (one for a criterion on its own).
    merged
        Attributes formed by merging attributes that could not be told apart.
    """

    constant: tuple[str, ...]
    correlated: pd.DataFrame
    condition_number_raw: float
    condition_number: float
    level: str
    attributes: Mapping[str, tuple[str, ...]]
    merged: tuple[str, ...] = ()


@dataclass(frozen=True)
class Calibration:
    """What :func:`calibrate` estimated.

    Attributes
    ----------
    coefficients
        One row per attribute: ``attribute``, ``criteria`` (``"; "``-joined), ``coef``
        (utility per unit of the attribute's score), ``se``, ``ci_low``, ``ci_high``
        (95%), ``identified`` (the interval excludes 0) and ``note``.
    weights
        Criterion id -> calibrated weight (>= 0, sum 1), every criterion scored.
    scenario_weights
        The scenario's own weights.
    tests
        Rows ``scenario``, ``equal``: ``loglik``, ``lr_stat``, ``df``, ``p_value``,
        ``nested``; and the full model's ``loglik`` in ``loglik_full``.
    loo
        ``{"calibrated": hit rate, "scenario": hit rate, "top_n": N}``.
    """

    coefficients: pd.DataFrame
    weights: pd.Series
    scenario_weights: pd.Series
    tests: pd.DataFrame
    loglik_full: float
    loglik_null: float
    loo: Mapping[str, float]
    n_choices: int
    n_candidates: int
    alpha: float
    identification: Identification
    source: str = ""
    scenario: str = ""
    notes: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- likelihood


def _loglik(beta: np.ndarray, x: np.ndarray, chosen_sum: np.ndarray, m: int) -> float:
    u = x @ beta
    top = u.max()
    return float(chosen_sum @ beta - m * (top + np.log(np.exp(u - top).sum())))


def fit_logit(
    x: np.ndarray, chosen: np.ndarray, *, alpha: float = 0.0
) -> tuple[np.ndarray, np.ndarray, float]:
    """Maximise the (L2-penalised) conditional-logit log-likelihood, one choice set.

    Parameters
    ----------
    x
        Candidates x attributes.
    chosen
        Row index of each choice (repeats allowed).
    alpha
        Ridge penalty ``alpha / 2 ||beta||^2`` (0: maximum likelihood).

    Returns
    -------
    tuple
        ``(beta, se, loglik)``: coefficients, standard errors from the inverse
        (penalised) Hessian, and the unpenalised log-likelihood at ``beta``.
    """
    x = np.asarray(x, dtype=float)
    m = len(chosen)
    s = x[np.asarray(chosen, dtype=int)].sum(axis=0)

    def parts(beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        u = x @ beta
        p = np.exp(u - u.max())
        p /= p.sum()
        mean = x.T @ p
        f = -_loglik(beta, x, s, m) + 0.5 * alpha * beta @ beta
        g = -(s - m * mean) + alpha * beta
        h = m * ((x.T * p) @ x - np.outer(mean, mean)) + alpha * np.eye(x.shape[1])
        return f, g, h

    res = optimize.minimize(
        lambda b: parts(b)[0], np.zeros(x.shape[1]), jac=lambda b: parts(b)[1],
        hess=lambda b: parts(b)[2], method="trust-exact",
    )  # fmt: skip
    beta = res.x
    h = parts(beta)[2]
    try:
        cov = np.linalg.inv(h)
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        se = np.full(beta.size, np.nan)
    return beta, se, _loglik(beta, x, s, m)


def fit_statsmodels(x: np.ndarray, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The unpenalised fit by statsmodels' ``ConditionalLogit`` (long format: one row
    per choice and candidate), the reference for :func:`fit_logit`; for choice sets of
    a few hundred candidates at most (see the module docstring). Returns
    ``(beta, se, loglik)``."""
    from statsmodels.discrete.conditional_models import ConditionalLogit

    x = np.asarray(x, dtype=float)
    n, m = x.shape[0], len(chosen)
    endog = np.zeros((m, n))
    endog[np.arange(m), np.asarray(chosen, dtype=int)] = 1.0
    exog = np.tile(x, (m, 1))
    groups = np.repeat(np.arange(m), n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; checked below
        model = ConditionalLogit(endog.ravel(), exog, groups=groups)
        # BFGS stops early on this likelihood (scaled by the row count); Newton from
        # there converges to the maximum
        start = model.fit(method="bfgs", disp=False, maxiter=5000).params
        result = model.fit(method="newton", start_params=start, disp=False, maxiter=100)
    beta = np.asarray(result.params, dtype=float)
    return beta, np.asarray(result.bse, dtype=float), float(result.llf)


def simulate_choices(x: np.ndarray, beta: np.ndarray, m: int, *, seed: int = 0) -> np.ndarray:
    """``m`` choices drawn from the conditional logit with coefficients ``beta``."""
    u = np.asarray(x, dtype=float) @ np.asarray(beta, dtype=float)
    p = np.exp(u - u.max())
    p /= p.sum()
    return np.random.default_rng(seed).choice(len(p), size=m, p=p)


# --------------------------------------------------------------------------- identification


def _condition(a: np.ndarray) -> float:
    if a.shape[1] < 2:
        return 1.0
    corr = np.corrcoef(a, rowvar=False)
    eig = np.linalg.eigvalsh(corr)
    lo = max(float(eig.min()), 0.0)
    return math.inf if lo <= 1e-12 else float(math.sqrt(eig.max() / lo))


def identify(
    scores: pd.DataFrame,
    *,
    groups: Mapping[str, str],
    n_choices: int,
    level: Level = "auto",
    max_correlation: float = MAX_CORRELATION,
    max_condition: float = MAX_CONDITION,
    choices_per_attribute: int = CHOICES_PER_ATTRIBUTE,
) -> tuple[Identification, pd.DataFrame]:
    """Decide which attributes the choices can weigh (see the module docstring).

    Parameters
    ----------
    scores
        Candidates x criteria (normalised scores, columns named by criterion id).
    groups
        Criterion id -> group id.

    Returns
    -------
    tuple
        ``(identification, attributes)``: the report, and the candidates x attributes
        matrix to fit.

    Raises
    ------
    CriteriaError
        When no criterion varies.
    """
    s = scores.astype(float)
    sd = s.std(axis=0, ddof=0).fillna(0.0)
    constant = tuple(c for c in s.columns if sd[c] < MIN_REASON_SPREAD)
    varying = [c for c in s.columns if c not in constant]
    if not varying:
        msg = (
            f"None of the {len(s.columns)} criteria varies among the candidates (standard "
            f"deviation below {MIN_REASON_SPREAD}); no choice can weigh them."
        )
        raise CriteriaError(msg)
    s = s[varying]
    corr = np.corrcoef(s.to_numpy(), rowvar=False) if len(varying) > 1 else np.ones((1, 1))
    pairs = [
        (varying[i], varying[j], float(corr[i, j]))
        for i in range(len(varying)) for j in range(i + 1, len(varying))
        if abs(corr[i, j]) > max_correlation
    ]  # fmt: skip
    raw_cond = _condition(s.to_numpy())
    members: dict[str, list[str]] = {c: [c] for c in varying}
    if level == "groups" or (
        level == "auto" and n_choices < choices_per_attribute * len(varying)
    ):
        chosen_level = "groups"
        members = {}
        for c in varying:
            members.setdefault(groups.get(c, c), []).append(c)
    else:
        chosen_level = "criteria"

    def matrix() -> pd.DataFrame:
        return pd.DataFrame({a: s[cs].mean(axis=1) for a, cs in members.items()})

    merged: list[str] = []

    def merge(a: str, b: str) -> None:
        members[f"{a}+{b}"] = members.pop(a) + members.pop(b)
        merged[:] = [m for m in merged if m not in (a, b)] + [f"{a}+{b}"]

    attrs = matrix()
    while attrs.shape[1] > 1:
        r = np.corrcoef(attrs.to_numpy(), rowvar=False)
        np.fill_diagonal(r, 0.0)
        i, j = np.unravel_index(np.argmax(np.abs(r)), r.shape)
        if abs(r[i, j]) <= max_correlation and _condition(attrs.to_numpy()) <= max_condition:
            break
        merge(attrs.columns[i], attrs.columns[j])
        attrs = matrix()
    ident = Identification(
        constant=constant,
        correlated=pd.DataFrame(pairs, columns=["a", "b", "r"]),
        condition_number_raw=raw_cond,
        condition_number=_condition(attrs.to_numpy()),
        level=chosen_level,
        attributes={a: tuple(cs) for a, cs in members.items()},
        merged=tuple(merged),
    )
    return ident, attrs


# --------------------------------------------------------------------------- calibration


def calibrate(
    scores: pd.DataFrame,
    chosen: np.ndarray,
    *,
    groups: Mapping[str, str],
    scenario_weights: Mapping[str, float],
    level: Level = "auto",
    alpha: float | None = None,
    loo: bool = True,
    source: str = "",
    scenario: str = "",
) -> Calibration:
    """Estimate criteria weights from choices among candidates.

    Parameters
    ----------
    scores
        Candidates x criteria: normalised scores in [0, 1], columns criterion ids.
    chosen
        Row position (in ``scores``) of each choice.
    groups
        Criterion id -> group id (for group-level weights).
    scenario_weights
        Criterion id -> the scenario's weight (tests and leave-one-out).
    level
        ``"auto"`` (groups when there are fewer than 10 choices per criterion),
        ``"criteria"`` or ``"groups"``.
    alpha
        Ridge penalty on standardised attributes; ``None``: 0 with enough choices, else 1.

    Raises
    ------
    PlannerError
        Fewer than two choices, or a choice outside the candidates.
    CriteriaError
        No criterion varies.
    """
    chosen = np.asarray(chosen, dtype=int)
    n = len(scores)
    if chosen.size < 2:
        msg = (
            f"{chosen.size} choice(s) matched to a candidate city: a weight is a trade-off "
            "between places, and one choice (or none) says nothing about it. Give at least "
            "two actual centres (more than ten per criterion for criterion-level weights)."
        )
        raise PlannerError(msg)
    if chosen.min() < 0 or chosen.max() >= n:
        msg = f"Choices must be row positions 0..{n - 1} of the candidates, got {chosen!r}."
        raise PlannerError(msg)
    ident, attrs = identify(scores, groups=groups, n_choices=chosen.size, level=level)
    k = attrs.shape[1]
    few = chosen.size < CHOICES_PER_ATTRIBUTE * k
    if alpha is None:
        alpha = DEFAULT_ALPHA if few else 0.0
    a = attrs.to_numpy(float)
    mu, sd = a.mean(axis=0), a.std(axis=0)
    sd[sd == 0] = 1.0
    z = (a - mu) / sd
    beta_z, se_z, _ll = fit_logit(z, chosen, alpha=alpha)
    if alpha == 0.0:
        method = "maximum likelihood"
    else:
        method = f"L2-penalised likelihood (alpha {alpha:g} on standardised attributes)"
    beta, se = beta_z / sd, se_z / sd
    notes: list[str] = [f"Fit: {method}, {chosen.size} choices among {n:,} candidates."]
    rows = []
    for name, b, e in zip(attrs.columns, beta, se):
        lo, hi = b - 1.96 * e, b + 1.96 * e
        ok = bool(np.isfinite(e) and (lo > 0 or hi < 0))
        note = "" if ok else "not told apart from 0 by these choices"
        if b < 0:
            note = ("the choices lean away from it: weight 0" + ("" if ok else "; " + note))
        rows.append((name, "; ".join(ident.attributes[name]), b, e, lo, hi, ok, note))
    coefs = pd.DataFrame(
        rows, columns=["attribute", "criteria", "coef", "se", "ci_low", "ci_high", "identified",
                       "note"],
    )  # fmt: skip
    crit = list(scores.columns)
    w = pd.Series(0.0, index=crit)
    for name, b in zip(attrs.columns, beta):
        members = ident.attributes[name]
        for c in members:
            w[c] = max(b, 0.0) / len(members)
    if w.sum() <= 0:
        notes.append("No attribute has a positive coefficient: the choices support no weights.")
    else:
        w = w / w.sum()
    sw = pd.Series({c: float(scenario_weights.get(c, 0.0)) for c in crit})
    sw = sw / sw.sum() if sw.sum() > 0 else sw

    # likelihood-ratio tests against the unpenalised fit of the same attributes
    _b, _se, ll_full = fit_logit(z, chosen, alpha=0.0)
    s_all = scores.to_numpy(float)
    ll_null = -chosen.size * math.log(n)
    test_rows = []
    equal = np.full(len(crit), 1 / len(crit))
    for label, weights in (("scenario", sw.to_numpy()), ("equal", equal)):
        total = s_all @ weights
        _l, _s, ll_r = fit_logit(total[:, None], chosen, alpha=0.0)
        lr = max(2.0 * (ll_full - ll_r), 0.0)
        df = max(k - 1, 1)
        design = np.column_stack([np.ones(n), a])
        resid = total - design @ np.linalg.lstsq(design, total, rcond=None)[0]
        nested = bool(np.sqrt(np.mean(resid**2)) < 1e-8 * max(1.0, float(np.std(total))))
        test_rows.append((label, ll_r, lr, df, float(stats.chi2.sf(lr, df)), nested))
    tests = pd.DataFrame(test_rows, columns=["against", "loglik", "lr_stat", "df", "p_value",
                                             "nested"])  # fmt: skip

    out_loo: dict[str, float] = {}
    if loo:
        out_loo = _leave_one_out(z, chosen, alpha=alpha, own=s_all @ sw.to_numpy())
    if ident.constant:
        notes.append(
            f"Not varying among the candidates, weight 0: {', '.join(ident.constant)}."
        )
    if ident.level == "groups":
        notes.append(
            f"{chosen.size} choices are too few to weigh {len(scores.columns)} criteria one by "
            f"one (fewer than {CHOICES_PER_ATTRIBUTE} per criterion): weights are estimated "
            "per criteria group and shared equally within a group."
        )
    if ident.merged:
        notes.append(
            f"Cannot be told apart, weighed together (condition number "
            f"{ident.condition_number_raw:.3g} -> {ident.condition_number:.3g}): "
            + "; ".join(f"{a} = {' + '.join(ident.attributes[a])}" for a in ident.merged)
            + "."
        )
    log.info(
        "calibrated %d attributes on %d choices among %s candidates (%s level)",
        k, chosen.size, f"{n:,}", ident.level,
    )  # fmt: skip
    return Calibration(
        coefficients=coefs,
        weights=w,
        scenario_weights=sw,
        tests=tests,
        loglik_full=ll_full,
        loglik_null=ll_null,
        loo=out_loo,
        n_choices=int(chosen.size),
        n_candidates=n,
        alpha=float(alpha),
        identification=ident,
        source=source,
        scenario=scenario,
        notes=tuple(notes),
    )


def _leave_one_out(z: np.ndarray, chosen: np.ndarray, *, alpha: float, own: np.ndarray) -> dict:
    top_n = int(np.unique(chosen).size)
    own_rank = np.empty(len(own), dtype=int)
    own_rank[np.argsort(-own, kind="stable")] = np.arange(1, len(own) + 1)
    hits_cal = hits_own = 0
    # an unpenalised refit on one choice fewer can diverge with few choices: keep a
    # small penalty there, as the full fit would with that many choices
    a = alpha if alpha > 0 else 0.0
    for i in range(chosen.size):
        rest = np.delete(chosen, i)
        beta, _se, _ll = fit_logit(z, rest, alpha=a)
        u = z @ beta
        rank = 1 + int((u > u[chosen[i]]).sum())
        hits_cal += rank <= top_n
        hits_own += own_rank[chosen[i]] <= top_n
    m = chosen.size
    return {"calibrated": hits_cal / m, "scenario": hits_own / m, "top_n": top_n}


def calibrate_from_prepared(
    prepared: Any,
    *,
    actual: str | Path | None = None,
    sponsor: str | Sequence[str] | None = None,
    radius_km: float = 100.0,
    level: Level = "auto",
    alpha: float | None = None,
    loo: bool = True,
) -> Calibration:
    """:func:`calibrate` on a prepared scenario's scores, the choices being the actual
    centres (:func:`planner.analysis.read_actual_centres`, sponsor defaulting to the
    scenario's ``[existing] sponsor_province``) matched to candidate cities."""
    from planner.analysis._backtest import match_centres, read_actual_centres

    scenario = prepared.scenario
    if sponsor is None and actual is None:
        sponsor = tuple(getattr(scenario.existing, "sponsor_province", ()) or ()) or None
    centres, source, _notes = read_actual_centres(prepared.layers, actual=actual, sponsor=sponsor)
    frame = pd.DataFrame(prepared.scores.frame).reset_index(drop=True)
    matched = match_centres(centres, frame, radius_km=radius_km)
    chosen = matched["cand"].to_numpy(int)
    chosen = chosen[chosen >= 0]
    crit = [c.id for c in prepared.scores.criteria]
    scores = frame[[f"score_{c}" for c in crit]].copy()
    scores.columns = crit
    groups = {c.id: c.group for c in prepared.scores.criteria}
    return calibrate(
        scores, chosen, groups=groups, scenario_weights=dict(prepared.scores.weights),
        level=level, alpha=alpha, loo=loo, source=source, scenario=scenario.name,
    )  # fmt: skip


# --------------------------------------------------------------------------- outputs


def format_calibration(result: Calibration) -> str:
    """The report of ``planner calibrate``."""
    from planner._table import format_table

    ident = result.identification
    lines = [
        f"Calibration of {result.scenario or 'the scenario'}'s criteria weights from "
        f"{result.n_choices} choices ({result.source}) among {result.n_candidates:,} "
        "candidates: conditional logit (McFadden).",
        "",
        f"Identification: {ident.level}-level attributes; condition number "
        f"{ident.condition_number_raw:.3g} of the varying criteria, {ident.condition_number:.3g} "
        "of the attributes fitted.",
    ]
    if len(ident.correlated):
        lines.append(
            "Correlated above 0.9: "
            + "; ".join(
                f"{a} ~ {b} ({r:.2f})" for a, b, r in ident.correlated.itertuples(index=False)
            )
        )
    lines += [
        "",
        format_table(result.coefficients, floatfmt=",.3f", max_width=50),
        "",
        format_table(
            pd.DataFrame({
                "criterion": result.weights.index,
                "calibrated": result.weights.to_numpy(),
                "scenario": result.scenario_weights.reindex(result.weights.index).to_numpy(),
            }),
            floatfmt=".3f",
        ),
        "",
        f"Log-likelihood: fitted attributes {result.loglik_full:.2f}, no information "
        f"{result.loglik_null:.2f}.",
    ]  # fmt: skip
    for row in result.tests.itertuples(index=False):
        lines.append(
            f"Likelihood-ratio test against the {row.against} weights: LR {row.lr_stat:.2f} on "
            f"{row.df} df, p = {row.p_value:.3g}"
            + ("" if row.nested else " (not strictly nested: approximate)")
            + "."
        )
    if result.loo:
        lines.append(
            f"Leave-one-out: held-out centre in the top {result.loo['top_n']}: "
            f"{result.loo['calibrated']:.0%} with calibrated weights, "
            f"{result.loo['scenario']:.0%} with the scenario's own."
        )
    lines += [f"Note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


def weights_toml(result: Calibration) -> str:
    """A weights file a scenario names with ``[criteria] weights_file``."""
    if result.weights.sum() <= 0:
        msg = "The calibration supports no positive weight; there is no weights file to write."
        raise PlannerError(msg)
    ident = result.identification

    def q(text: str) -> str:
        return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        "# Criteria weights learned by `planner calibrate` (conditional logit) from the",
        "# actual centres named below. Use it in a scenario with",
        '#   [criteria]\n#   weights_file = "<this file>"',
        "",
        "[calibration]",
        f"scenario = {q(result.scenario)}",
        f"source = {q(result.source)}",
        f"choices = {result.n_choices}",
        f"candidates = {result.n_candidates}",
        f"level = {q(ident.level)}",
        f"alpha = {result.alpha:g}",
        f"not_varying = [{', '.join(q(c) for c in ident.constant)}]",
        "",
        "[weights]",
    ]
    lines += [f"{c} = {float(w):.6f}" for c, w in result.weights.items()]
    return "\n".join(lines) + "\n"


def write_weights(result: Calibration, path: str | Path) -> Path:
    """Write :func:`weights_toml` to ``path`` atomically."""
    from planner._io import write_text

    return write_text(Path(path), weights_toml(result))

