r"""The plan model: which candidate cities become the province's overseas innovation centres,
and which home industries each centre serves.

Formulation
-----------
Candidates c (rows of :attr:`PlanInputs.candidates`), industries k. Binary :math:`y_c`
opens a centre in c; binary :math:`x_{ck}` lets centre c serve industry k.
:math:`s_c` is ``score_total`` (in [0, 1]), :math:`f_{ck}` the industry fit (in [0, 1]),
:math:`a_c` the access factor (column ``access`` in [0, 1], 1 when the column is absent),
:math:`\omega_k` the industry weights normalised to sum to 1 and :math:`\lambda` the
``suitability_weight``.

.. math::

    \max \; \sum_c \lambda s_c y_c + \sum_c \sum_k \omega_k f_{ck} a_c x_{ck}

subject to (each row family is named after its scenario key; every one is optional
except the linking rows (0))

(0)  ``link``: :math:`x_{ck} \le y_c`; (0') :math:`x_{ck} = 0` where :math:`f_{ck} = 0` (a
     centre does not serve an industry it has no fit for)
(1)  ``n_centres``: :math:`\sum_c y_c = N`
(2)  ``budget_musd``: :math:`\sum_c \mathrm{cost}_c y_c \le B`; a candidate whose
     ``cost_musd`` is missing cannot be shown to fit the budget and is held closed by a
     second row of the same family, :math:`\sum_{c: \mathrm{cost\ missing}} y_c \le 0`
     (never costed as zero)
(3)  ``max_per_country``: :math:`\sum_{c \in g} y_c \le K` for every country g
(4)  ``min_on_rail_lines``: :math:`\sum_{c: d^{rail}_c \le R_{rail}} y_c \ge M_{rail}`
     (``dist_rail_node_km`` within ``rail_node_radius_km``; missing distance = not near)
(5)  ``min_near_coop_zones``: the same with ``dist_coop_zone_km`` and
     ``coop_zone_radius_km``
(6)  ``min_st_leading``: :math:`\sum_{c: \mathrm{st\_leading}} y_c \ge M_{st}`
(7)  ``max_industries_per_centre``: :math:`\sum_k x_{ck} \le C y_c`
(8)  ``every_industry_served``: :math:`\sum_c x_{ck} \ge 1` for every industry k
(9)  ``required_cities``: :math:`y_c \ge 1`;  (10) ``excluded_cities``: :math:`y_c \le 0`
(11) ``required_countries``: :math:`\sum_{c \in g} y_c \ge 1`;
(12) ``excluded_countries``: :math:`\sum_{c \in g} y_c \le 0`
(13) ``min_political_stability``: :math:`\sum_{c: \mathrm{risk}_c < F} y_c \le 0` (a
     missing value fails the floor)
(14) ``min_score_total``: :math:`\sum_{c: s_c < F_s} y_c \le 0`

When the model is infeasible, each family (1)-(14) gets one binary elastic variable
:math:`r_f` that switches all its rows off (big-M from the rows' activity range);
minimising :math:`\sum_f r_f` names the smallest set of constraints that must give way.
A deletion filter over the families then finds the conflicting constraints (an
irreducible infeasible subset of families).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from planner._errors import InfeasibleError, ScenarioError
from planner.optimise._backends import check_backend, lp_relaxation, solve_linear
from planner.optimise._lp import LinearModel, ModelBuilder
from planner.optimise._models import ModelInputError
from planner.optimise._solution import BACKENDS, Status

log = logging.getLogger(__name__)

#: Relative objective improvement above which a dropped constraint counts as binding.
BINDING_TOLERANCE = 1e-4

REQUIRED_COLUMNS: tuple[str, ...] = (
    "city_id",
    "name",
    "iso3",
    "score_total",
    "cost_musd",
    "dist_rail_node_km",
    "dist_coop_zone_km",
    "st_leading",
    "political_stability",
)


@dataclass(frozen=True, eq=False)
class PlanInputs:
    """What the plan model chooses from.

    Attributes
    ----------
    candidates
        One row per candidate city: ``city_id`` (unique), ``name``, ``iso3``,
        ``score_total`` (in [0, 1]), ``cost_musd`` (setup and running cost in million USD;
        may be NaN = unknown), ``dist_rail_node_km`` and ``dist_coop_zone_km`` (km, NaN =
        unreachable), ``st_leading`` (bool: the host country leads in science and
        technology), ``political_stability`` (WGI estimate, about -2.5..2.5; NaN =
        unknown), optional ``access`` (in [0, 1], multiplies the industry fit; 1 when
        absent).
    fit
        Industry fit, candidates x industries, in [0, 1]; its index holds the
        ``city_id`` values (every candidate must have a row) and its columns the industry ids.
    industry_weights
        Industry id -> weight (> 0); normalised to sum to 1. Industries without a weight
        are ignored; a weight without a fit column is an error.
    suitability_weight
        :math:`\\lambda`, weight of ``score_total`` against the industry fit term.
    """

    candidates: pd.DataFrame
    fit: pd.DataFrame
    industry_weights: Mapping[str, float]
    suitability_weight: float = 1.0


@dataclass(frozen=True)
class PlanConstraints:
    """Constraints of the plan model; ``None`` (or empty) switches one off.

    Distances in km, costs in million USD. See the module docstring for the rows.
    ``n_centres`` and ``budget_musd`` may be combined; at least one of them is needed.
    """

    n_centres: int | None = None
    budget_musd: float | None = None
    max_per_country: int | None = None
    min_on_rail_lines: int | None = None
    rail_node_radius_km: float = 50.0
    min_near_coop_zones: int | None = None
    coop_zone_radius_km: float = 100.0
    min_st_leading: int | None = None
    max_industries_per_centre: int | None = None
    every_industry_served: bool = False
    required_cities: tuple[int, ...] = ()
    excluded_cities: tuple[int, ...] = ()
    required_countries: tuple[str, ...] = ()
    excluded_countries: tuple[str, ...] = ()
    min_political_stability: float | None = None
    min_score_total: float | None = None


_INT_KEYS = (
    "n_centres",
    "max_per_country",
    "min_on_rail_lines",
    "min_near_coop_zones",
    "min_st_leading",
    "max_industries_per_centre",
)
_FLOAT_KEYS = (
    "budget_musd",
    "rail_node_radius_km",
    "coop_zone_radius_km",
    "min_political_stability",
    "min_score_total",
)


def plan_constraints_from_mapping(mapping: Mapping[str, Any]) -> PlanConstraints:
    """Validate a scenario's ``[constraints]`` table and build :class:`PlanConstraints`.

    Raises
    ------
    ScenarioError
        Naming the key, the value received and what is allowed; every problem is
        collected before raising.
    """
    allowed = [f.name for f in fields(PlanConstraints)]
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, value in mapping.items():
        if key not in allowed:
            problems.append(
                f"constraints.{key} is not a known constraint; allowed keys: {', '.join(allowed)}."
            )
            continue
        if value is None:
            continue
        if key in _INT_KEYS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append(f"constraints.{key} = {value!r} must be a non-negative integer.")
                continue
            if key in ("n_centres", "max_per_country", "max_industries_per_centre") and value < 1:
                problems.append(f"constraints.{key} = {value!r} must be at least 1.")
                continue
        elif key in _FLOAT_KEYS:
            if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
                problems.append(f"constraints.{key} = {value!r} must be a number.")
                continue
            if key not in ("min_political_stability",) and value < 0:
                problems.append(f"constraints.{key} = {value!r} must be non-negative.")
                continue
            if key == "min_score_total" and value > 1:
                problems.append(f"constraints.{key} = {value!r} must lie in [0, 1].")
                continue
            value = float(value)
        elif key == "every_industry_served":
            if not isinstance(value, bool):
                problems.append(f"constraints.{key} = {value!r} must be true or false.")
                continue
        elif key in ("required_cities", "excluded_cities"):
            if isinstance(value, str | bytes) or not isinstance(value, Sequence | set):
                problems.append(f"constraints.{key} = {value!r} must be a list of city ids.")
                continue
            bad = [v for v in value if isinstance(v, bool) or not isinstance(v, int)]
            if bad:
                problems.append(
                    f"constraints.{key} holds {bad[:3]!r}; city ids are integers (GeoNames ids)."
                )
                continue
            value = tuple(value)
        elif key in ("required_countries", "excluded_countries"):
            if isinstance(value, str | bytes) or not isinstance(value, Sequence | set):
                problems.append(
                    f'constraints.{key} = {value!r} must be a list of ISO3 codes, e.g. ["DEU"].'
                )
                continue
            bad = [v for v in value if not (isinstance(v, str) and len(v) == 3 and v.isalpha())]
            if bad:
                problems.append(
                    f"constraints.{key} holds {bad[:3]!r}; use three-letter ISO3 codes."
                )
                continue
            value = tuple(v.upper() for v in value)
        values[key] = value
    if not problems and values.get("n_centres") is None and values.get("budget_musd") is None:
        problems.append(
            "constraints needs n_centres or budget_musd (or both) to bound the number of "
            "centres; e.g. n_centres = 5."
        )
    if problems:
        raise ScenarioError(" ".join(problems))
    return PlanConstraints(**values)


@dataclass(frozen=True, eq=False)
class Plan:
    """The result of :func:`solve_plan`.

    Attributes
    ----------
    status
        As for :class:`~planner.optimise.Solution`.
    objective, bound, gap
        Objective (suitability + access-weighted fit), the solver's upper bound, and
        the relative gap.
    centres
        One row per chosen centre: the candidate columns, ``industries`` (semicolon list
        of the industries it serves) and ``fit_value`` (its share of the fit term).
    allocation
        One row per (industry, centre) served: ``industry_id``, ``weight``, ``city_id``,
        ``name``, ``iso3``, ``fit``.
    constraints
        One row per active constraint family: ``constraint``, ``description``,
        ``slack`` (smallest slack over its rows, in the row's units), ``active`` (some row
        is at its limit), ``binding`` (dropping it would raise the objective; equals
        ``active`` when ``assess_binding=False``) and ``objective_gain`` (how much).
    conflicts
        When infeasible: the constraint families that conflict (an irreducible set found
        by deletion filtering).
    must_relax
        When infeasible: the smallest set of families whose removal restores
        feasibility (elastic model).
    notes
        Data caveats (e.g. candidates held closed for a missing cost).
    """

    status: Status
    objective: float
    bound: float
    gap: float
    solve_time_s: float
    backend: str
    centres: pd.DataFrame
    allocation: pd.DataFrame
    constraints: pd.DataFrame
    conflicts: tuple[str, ...] = ()
    must_relax: tuple[str, ...] = ()
    message: str = ""
    notes: tuple[str, ...] = ()
    build_time_s: float = 0.0
    descriptions: Mapping[str, str] = field(default_factory=dict)

    def status_line(self) -> str:
        parts = [f"{self.backend}: {self.status}"]
        if self.status in ("optimal", "feasible"):
            parts.append(f"objective {self.objective:.6g}")
        if math.isfinite(self.bound):
            parts.append(f"bound {self.bound:.6g}")
        if math.isfinite(self.gap):
            parts.append(f"gap {self.gap:.4%}")
        parts.append(f"{len(self.centres)} centres")
        parts.append(f"solved in {self.solve_time_s:.2f} s (build {self.build_time_s:.2f} s)")
        return ", ".join(parts)


# --------------------------------------------------------------------------- inputs


def _check_inputs(inputs: PlanInputs) -> tuple[pd.DataFrame, np.ndarray, list[str], np.ndarray]:
    cand = inputs.candidates
    missing = [c for c in REQUIRED_COLUMNS if c not in cand.columns]
    if missing:
        msg = (
            f"PlanInputs.candidates lacks the columns {missing!r}; it needs "
            f"{', '.join(REQUIRED_COLUMNS)}."
        )
        raise ModelInputError(msg)
    if cand.empty:
        msg = "PlanInputs.candidates is empty; there is nothing to choose from."
        raise ModelInputError(msg)
    if cand["city_id"].duplicated().any():
        dup = cand.loc[cand["city_id"].duplicated(), "city_id"].tolist()[:5]
        msg = f"PlanInputs.candidates has duplicate city_id values {dup!r}; make them unique."
        raise ModelInputError(msg)
    s = cand["score_total"].to_numpy(dtype=float)
    if not (np.isfinite(s).all() and (s >= 0).all() and (s <= 1).all()):
        msg = "PlanInputs.candidates.score_total must lie in [0, 1] with no missing values."
        raise ModelInputError(msg)
    weights = {str(k): float(v) for k, v in inputs.industry_weights.items()}
    bad = {k: v for k, v in weights.items() if not (math.isfinite(v) and v > 0)}
    if bad or not weights:
        msg = f"industry_weights must map industry ids to positive numbers; got {bad or weights!r}."
        raise ModelInputError(msg)
    industries = list(weights)
    absent = [k for k in industries if k not in inputs.fit.columns]
    if absent:
        msg = f"industry_weights names {absent!r}, which have no column in PlanInputs.fit."
        raise ModelInputError(msg)
    fit = inputs.fit.reindex(index=cand["city_id"].to_numpy(), columns=industries)
    F = fit.to_numpy(dtype=float)
    if np.isnan(F).any():
        rows = fit.index[np.isnan(F).any(axis=1)].tolist()[:5]
        msg = f"PlanInputs.fit has no value for cities {rows!r}; every candidate needs a fit row."
        raise ModelInputError(msg)
    if (F < 0).any() or (F > 1).any():
        msg = "PlanInputs.fit values must lie in [0, 1]."
        raise ModelInputError(msg)
    w = np.array([weights[k] for k in industries])
    return cand.reset_index(drop=True), F, industries, w / w.sum()


# --------------------------------------------------------------------------- model


@dataclass
class _PlanModel:
    model: LinearModel
    y: np.ndarray
    x: np.ndarray  # (n, K) variable ids
    families: dict[str, str]  # family -> description
    notes: list[str]


def _build(
    cand: pd.DataFrame,
    F: np.ndarray,
    omega: np.ndarray,
    cons: PlanConstraints,
    suitability_weight: float,
) -> _PlanModel:
    n, K = F.shape
    s = cand["score_total"].to_numpy(dtype=float)
    access = cand["access"].to_numpy(dtype=float) if "access" in cand.columns else np.ones(n)
    access = np.nan_to_num(access, nan=0.0)
    b = ModelBuilder(sense="max")
    y = b.add_vars("y", n, integer=True, cost=suitability_weight * s)
    x = b.add_vars("x", n * K, integer=True, cost=(F * omega[None, :] * access[:, None]).ravel())
    X = x.reshape(n, K)
    fam: dict[str, str] = {}
    notes: list[str] = []
    iso = cand["iso3"].astype(str).to_numpy()
    ids = cand["city_id"].to_numpy()

    def count_row(name: str, mask: np.ndarray, *, lo: float = -np.inf, hi: float = np.inf) -> None:
        idx = np.flatnonzero(mask)
        b.add_rows(name, 1, np.zeros(idx.size, dtype=np.int64), y[idx], 1.0, lo=lo, hi=hi)

    def group_rows(name: str, groups: list[np.ndarray], *, lo: float = -np.inf, hi: float = np.inf):
        rows = np.concatenate([np.full(g.size, r) for r, g in enumerate(groups)])
        cols = np.concatenate([y[g] for g in groups])
        b.add_rows(name, len(groups), rows, cols, 1.0, lo=lo, hi=hi)

    # (0) link x_ck <= y_c
    pairs = np.arange(n * K)
    b.add_rows(
        "link",
        n * K,
        np.concatenate([pairs, pairs]),
        np.concatenate([x, np.repeat(y, K)]),
        np.concatenate([np.ones(n * K), -np.ones(n * K)]),
        hi=0.0,
    )
    if cons.n_centres is not None:  # (1)
        count_row("n_centres", np.ones(n, bool), lo=cons.n_centres, hi=cons.n_centres)
        fam["n_centres"] = f"exactly {cons.n_centres} centres"
    if cons.budget_musd is not None:  # (2)
        cost = cand["cost_musd"].to_numpy(dtype=float)
        known = np.isfinite(cost)
        idx = np.flatnonzero(known)
        unknown = np.flatnonzero(~known)
        rows = np.concatenate([np.zeros(idx.size, int), np.ones(unknown.size, int)])
        cols = np.concatenate([y[idx], y[unknown]])
        vals = np.concatenate([cost[idx], np.ones(unknown.size)])
        b.add_rows("budget_musd", 2, rows, cols, vals, hi=np.array([cons.budget_musd, 0.0]))
        fam["budget_musd"] = f"total cost at most {cons.budget_musd:g} MUSD"
        if unknown.size:
            notes.append(
                f"{unknown.size} candidates have no cost_musd and are held closed under the "
                "budget (a missing cost is never counted as zero)."
            )
    if cons.max_per_country is not None:  # (3)
        groups = [np.flatnonzero(iso == g) for g in pd.unique(iso)]
        groups = [g for g in groups if g.size > cons.max_per_country]
        if groups:
            group_rows("max_per_country", groups, hi=cons.max_per_country)
            fam["max_per_country"] = f"at most {cons.max_per_country} centres per country"
    if cons.min_on_rail_lines:  # (4)
        d = cand["dist_rail_node_km"].to_numpy(dtype=float)
        count_row(
            "min_on_rail_lines",
            np.nan_to_num(d, nan=np.inf) <= cons.rail_node_radius_km,
            lo=cons.min_on_rail_lines,
        )
        fam["min_on_rail_lines"] = (
            f"at least {cons.min_on_rail_lines} within {cons.rail_node_radius_km:g} km of a "
            "rail-line node city"
        )
    if cons.min_near_coop_zones:  # (5)
        d = cand["dist_coop_zone_km"].to_numpy(dtype=float)
        count_row(
            "min_near_coop_zones",
            np.nan_to_num(d, nan=np.inf) <= cons.coop_zone_radius_km,
            lo=cons.min_near_coop_zones,
        )
        fam["min_near_coop_zones"] = (
            f"at least {cons.min_near_coop_zones} within {cons.coop_zone_radius_km:g} km of a "
            "cooperation zone"
        )
    if cons.min_st_leading:  # (6)
        st = cand["st_leading"].fillna(False).astype(bool).to_numpy()
        count_row("min_st_leading", st, lo=cons.min_st_leading)
        fam["min_st_leading"] = (
            f"at least {cons.min_st_leading} in countries leading in science and technology"
        )
    if cons.max_industries_per_centre is not None:  # (7)
        rows = np.concatenate([np.repeat(np.arange(n), K), np.arange(n)])
        cols = np.concatenate([x, y])
        vals = np.concatenate([np.ones(n * K), -float(cons.max_industries_per_centre) * np.ones(n)])
        b.add_rows("max_industries_per_centre", n, rows, cols, vals, hi=0.0)
        fam["max_industries_per_centre"] = (
            f"each centre serves at most {cons.max_industries_per_centre} industries"
        )
    if cons.every_industry_served:  # (8)
        b.add_rows("every_industry_served", K, np.tile(np.arange(K), n), x, 1.0, lo=1.0)
        fam["every_industry_served"] = "every industry served by at least one centre"
    if cons.required_cities:  # (9)
        known_ids = set(ids.tolist())
        unknown_req = [c for c in cons.required_cities if c not in known_ids]
        if unknown_req:
            msg = (
                f"required_cities {unknown_req!r} are not among the candidates; check the "
                "city ids (GeoNames ids) or the candidate filters."
            )
            raise InfeasibleError(msg)
        idx = np.flatnonzero(np.isin(ids, list(cons.required_cities)))
        b.add_rows("required_cities", idx.size, np.arange(idx.size), y[idx], 1.0, lo=1.0)
        fam["required_cities"] = f"required cities {list(cons.required_cities)!r}"
    if cons.excluded_cities:  # (10)
        mask = np.isin(ids, list(cons.excluded_cities))
        if mask.any():
            count_row("excluded_cities", mask, hi=0.0)
            fam["excluded_cities"] = f"excluded cities {list(cons.excluded_cities)!r}"
    if cons.required_countries:  # (11)
        groups = [np.flatnonzero(iso == g) for g in cons.required_countries]
        empty = [g for g, idx in zip(cons.required_countries, groups) if idx.size == 0]
        if empty:
            msg = (
                f"required_countries {empty!r} have no candidate city; widen the candidate "
                "filters or drop them."
            )
            raise InfeasibleError(msg)
        group_rows("required_countries", groups, lo=1.0)
        fam["required_countries"] = f"a centre in each of {list(cons.required_countries)!r}"
    if cons.excluded_countries:  # (12)
        mask = np.isin(iso, list(cons.excluded_countries))
        if mask.any():
            count_row("excluded_countries", mask, hi=0.0)
            fam["excluded_countries"] = f"no centre in {list(cons.excluded_countries)!r}"
    if cons.min_political_stability is not None:  # (13)
        r = cand["political_stability"].to_numpy(dtype=float)
        below = ~(np.nan_to_num(r, nan=-np.inf) >= cons.min_political_stability)
        count_row("min_political_stability", below, hi=0.0)
        fam["min_political_stability"] = (
            f"political stability at least {cons.min_political_stability:g} (unknown fails)"
        )
    if cons.min_score_total is not None:  # (14)
        count_row("min_score_total", s < cons.min_score_total, hi=0.0)
        fam["min_score_total"] = f"score_total at least {cons.min_score_total:g}"
    model = b.build()
    model.ub[x[F.ravel() <= 0]] = 0.0  # (0') no service without fit
    model.start = _greedy_start(
        model, y, X, suitability_weight * s, F * omega * access[:, None], cons
    )
    return _PlanModel(model, y, X, fam, notes)


def _greedy_start(
    model: LinearModel,
    y: np.ndarray,
    X: np.ndarray,
    s: np.ndarray,
    V: np.ndarray,
    cons: PlanConstraints,
) -> np.ndarray | None:
    """A heuristic start, returned only if it satisfies every row.

    Cities are opened best value first, while no upper-bounded row breaks: first for each
    at-least row on the cities (rail lines, cooperation zones, leading countries, required
    cities and countries) until it holds, then to fill the number of centres. Each centre
    serves its best-fitting industries; an industry nobody serves then takes the place of
    the least valuable one at the centre that fits it best.
    """
    n, K = V.shape
    cap = cons.max_industries_per_centre or K
    top = -np.sort(-V, axis=1)[:, :cap].sum(axis=1)
    value = s + top
    order = np.argsort(-value, kind="stable")
    target = cons.n_centres if cons.n_centres is not None else n
    start = np.zeros(model.n_vars)
    chosen: list[int] = []
    A = model.A.tocsc()
    act = np.zeros(model.n_rows)

    def try_open(c: int) -> bool:
        a, b = A.indptr[y[c]], A.indptr[y[c] + 1]
        rows, vals = A.indices[a:b], A.data[a:b]
        # only rows with positive coefficients on y can be broken by opening c
        if start[y[c]] or (act[rows] + np.maximum(vals, 0) > model.row_ub[rows] + 1e-9).any():
            return False
        act[rows] += vals
        start[y[c]] = 1.0
        chosen.append(int(c))
        return True

    Ay = model.A[:, y].tocsr()
    at_least = np.flatnonzero(np.isfinite(model.row_lb) & ~np.isfinite(model.row_ub))
    for r in at_least:
        a, b = Ay.indptr[r], Ay.indptr[r + 1]
        members = Ay.indices[a:b][Ay.data[a:b] > 0]
        for c in members[np.argsort(-value[members], kind="stable")]:
            if act[r] >= model.row_lb[r] - 1e-9 or len(chosen) >= target:
                break
            try_open(int(c))
    for c in order:
        if len(chosen) >= target:
            break
        try_open(int(c))
    serve = np.zeros((n, K), dtype=bool)
    for c in chosen:
        best = np.argsort(-V[c], kind="stable")[:cap]
        serve[c, best[V[c, best] > 0]] = True
    if cons.every_industry_served:
        for k in np.flatnonzero(~serve.any(axis=0)):
            fits = [c for c in chosen if V[c, k] > 0]
            if not fits:
                continue
            c = max(fits, key=lambda c: V[c, k])
            if serve[c].sum() >= cap:
                # drop its least valuable industry that another centre also serves
                shared = [j for j in np.flatnonzero(serve[c]) if serve[:, j].sum() > 1]
                if not shared:
                    continue
                serve[c, min(shared, key=lambda j: V[c, j])] = False
            serve[c, k] = True
    start[X[serve]] = 1.0
    act = model.row_activity(start)
    ok = (act >= model.row_lb - 1e-9).all() and (act <= model.row_ub + 1e-9).all()
    return start if ok else None


def _without(model: LinearModel, families: Sequence[str]) -> LinearModel:
    lo = model.row_lb.copy()
    hi = model.row_ub.copy()
    for f in families:
        sl = model.row_blocks[f]
        lo[sl] = -np.inf
        hi[sl] = np.inf
    return LinearModel(
        c=np.zeros_like(model.c),
        lb=model.lb,
        ub=model.ub,
        integer=model.integer,
        A=model.A,
        row_lb=lo,
        row_ub=hi,
        sense="min",
        var_blocks=model.var_blocks,
        row_blocks=model.row_blocks,
    )


def _elastic(model: LinearModel, families: Sequence[str]) -> tuple[LinearModel, np.ndarray]:
    """Add one binary per family that switches its rows off; minimise their number."""
    import scipy.sparse as sp

    A = model.A.tocsr()
    Apos = A.maximum(0)
    Aneg = A.minimum(0)
    max_act = np.asarray(Apos @ model.ub + Aneg @ model.lb).ravel()
    min_act = np.asarray(Aneg @ model.ub + Apos @ model.lb).ravel()
    nf = len(families)
    extra_rows, extra_cols, extra_vals = [], [], []
    lo = model.row_lb.copy()
    hi = model.row_ub.copy()
    new_rows = []
    for f_i, f in enumerate(families):
        sl = model.row_blocks[f]
        for r in range(sl.start, sl.stop):
            if math.isfinite(lo[r]) and math.isfinite(hi[r]) and lo[r] == hi[r]:
                # equality: split into >= (kept in place) and <= (appended)
                new_rows.append((r, hi[r], f_i))
                hi[r] = np.inf
            if math.isfinite(lo[r]):
                extra_rows.append(r)
                extra_cols.append(f_i)
                extra_vals.append(max(lo[r] - min_act[r], 0.0))
            if math.isfinite(hi[r]):
                extra_rows.append(r)
                extra_cols.append(f_i)
                extra_vals.append(-max(max_act[r] - hi[r], 0.0))
    E = sp.csr_matrix((extra_vals, (extra_rows, extra_cols)), shape=(model.n_rows, nf))
    A2 = sp.hstack([A, E]).tocsr()
    blocks = [A2]
    lo_list, hi_list = [lo], [hi]
    if new_rows:
        rr = [r for r, _, _ in new_rows]
        R = A[rr]
        M = np.array([max(max_act[r] - h, 0.0) for r, h, _ in new_rows])
        Ecol = sp.csr_matrix(
            (-M, (np.arange(len(new_rows)), [f for _, _, f in new_rows])), shape=(len(rr), nf)
        )
        blocks.append(sp.hstack([R, Ecol]).tocsr())
        lo_list.append(np.full(len(rr), -np.inf))
        hi_list.append(np.array([h for _, h, _ in new_rows]))
    A3 = sp.vstack(blocks).tocsr()
    relax = np.arange(model.n_vars, model.n_vars + nf)
    m2 = LinearModel(
        c=np.r_[np.zeros(model.n_vars), np.ones(nf)],
        lb=np.r_[model.lb, np.zeros(nf)],
        ub=np.r_[model.ub, np.ones(nf)],
        integer=np.r_[model.integer, np.ones(nf, bool)],
        A=A3,
        row_lb=np.concatenate(lo_list),
        row_ub=np.concatenate(hi_list),
        sense="min",
    )
    return m2, relax


def _diagnose(
    pm: _PlanModel, *, backend: str, time_limit_s: float | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(conflicting families by deletion filter, smallest set that must give way)."""
    fams = list(pm.families)
    must: tuple[str, ...] = ()
    m2, relax = _elastic(pm.model, fams)
    raw = solve_linear(m2, backend=backend, time_limit_s=time_limit_s)
    if raw.x is not None:
        must = tuple(f for f, v in zip(fams, raw.x[relax]) if v > 0.5)
    # deletion filter: drop a family for good when the rest stays infeasible
    keep = list(fams)
    for f in list(fams):
        trial = [g for g in keep if g != f]
        dropped = [g for g in fams if g not in trial]
        r = solve_linear(_without(pm.model, dropped), backend=backend, time_limit_s=time_limit_s)
        if r.status == "infeasible":
            keep = trial
    return tuple(keep), must


# --------------------------------------------------------------------------- solve


def solve_plan(
    inputs: PlanInputs,
    constraints: PlanConstraints,
    *,
    backend: str = "cbc",
    time_limit_s: float | None = None,
    gap: float = 0.0,
    diagnose: bool = True,
    assess_binding: bool = True,
    threads: int = 1,
) -> Plan:
    """Choose the centres and allocate the industries (see the module docstring).

    Parameters
    ----------
    inputs, constraints
        The candidates with their scores and fits, and the scenario's constraints.
    backend
        "cbc", "highs", "cpsat" or "scip".
    time_limit_s
        Solver time limit in seconds, for the main solve and again for each re-solve of
        the binding check or the conflict search; a main solve stopped by it reports
        "feasible" with a gap.
    gap
        Relative gap at which the solver may stop.
    diagnose
        When infeasible, find the conflicting constraints (several extra solves).
    assess_binding
        For each constraint family at its limit, re-solve without it and report the
        objective it costs (``objective_gain``); it binds when dropping it improves the
        objective by more than ``BINDING_TOLERANCE`` (relative). Families whose removal
        cannot beat the plan even in the LP relaxation are settled without a MIP; the
        others are re-solved to the relative gap ``BINDING_TOLERANCE``. Without this,
        ``binding`` only says the family is at its limit (``active``).

    Returns
    -------
    Plan
        Status "infeasible" carries ``conflicts`` and ``must_relax``; use
        :func:`raise_if_infeasible` to turn that into an :class:`InfeasibleError`.
    """
    check_backend(backend)
    if constraints.n_centres is None and constraints.budget_musd is None:
        msg = (
            "PlanConstraints needs n_centres or budget_musd (or both) to bound the number "
            "of centres; e.g. PlanConstraints(n_centres=5)."
        )
        raise ModelInputError(msg)
    t0 = time.perf_counter()
    cand, F, industries, omega = _check_inputs(inputs)
    pm = _build(cand, F, omega, constraints, float(inputs.suitability_weight))
    build_time_s = time.perf_counter() - t0
    raw = solve_linear(
        pm.model, backend=backend, time_limit_s=time_limit_s, gap=gap, threads=threads
    )
    conflicts: tuple[str, ...] = ()
    must: tuple[str, ...] = ()
    if raw.status == "infeasible" and diagnose:
        conflicts, must = _diagnose(pm, backend=backend, time_limit_s=time_limit_s)
    centres, allocation, table = _report(cand, F, industries, omega, pm, raw.x, inputs)
    if raw.x is not None and assess_binding:
        gains = []
        for f, active in zip(table["constraint"], table["active"]):
            if not active:
                gains.append(0.0)
                continue
            relaxed = _without(pm.model, [f])
            relaxed.c = pm.model.c
            relaxed.sense = pm.model.sense
            relaxed.offset = pm.model.offset
            relaxed.start = raw.x
            tol = BINDING_TOLERANCE * max(1.0, abs(raw.objective))
            lp_value, _ = lp_relaxation(relaxed)
            if math.isfinite(lp_value) and lp_value <= raw.objective + tol:
                gains.append(0.0)  # even the LP relaxation cannot do better without it
                continue
            r = solve_linear(
                relaxed,
                backend=backend,
                time_limit_s=time_limit_s,
                gap=BINDING_TOLERANCE,
                threads=threads,
            )
            # the relaxed optimum (or its bound, if stopped) minus the plan's objective
            better = (
                r.bound if r.status == "feasible" and r.gap > BINDING_TOLERANCE else r.objective
            )
            gains.append(max(0.0, better - raw.objective) if r.x is not None else math.nan)
        table["objective_gain"] = gains
        tol = BINDING_TOLERANCE * max(1.0, abs(raw.objective))
        table["binding"] = table["objective_gain"] > tol
    message = raw.message
    if raw.status == "infeasible" and (conflicts or must):
        message = infeasible_message(conflicts, must, pm.families)
    plan = Plan(
        status=raw.status,
        objective=raw.objective,
        bound=raw.bound,
        gap=raw.gap,
        solve_time_s=raw.solve_time_s,
        backend=backend,
        centres=centres,
        allocation=allocation,
        constraints=table,
        conflicts=conflicts,
        must_relax=must,
        message=message,
        notes=tuple(pm.notes),
        build_time_s=build_time_s,
        descriptions=dict(pm.families),
    )
    log.info(
        "planned %d centres for %d industries among %s candidates: %s",
        len(centres),
        len(industries),
        f"{len(cand):,}",
        plan.status_line(),
    )
    return plan


def _report(
    cand: pd.DataFrame,
    F: np.ndarray,
    industries: list[str],
    omega: np.ndarray,
    pm: _PlanModel,
    x: np.ndarray | None,
    inputs: PlanInputs,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    cols = [*cand.columns, "industries", "fit_value"]
    alloc_cols = ["industry_id", "weight", "city_id", "name", "iso3", "fit"]
    if x is None:
        empty_table = pd.DataFrame(
            {
                "constraint": list(pm.families),
                "description": list(pm.families.values()),
                "slack": np.nan,
                "active": False,
                "binding": False,
            }
        )
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=alloc_cols), empty_table
    opened = np.flatnonzero(x[pm.y] > 0.5)
    serve = x[pm.x] > 0.5
    access = cand["access"].to_numpy(dtype=float) if "access" in cand.columns else None
    centres = cand.iloc[opened].copy()
    centres["industries"] = [
        ";".join(k for k, on in zip(industries, serve[c]) if on) for c in opened
    ]
    value = F * omega[None, :] * (access[:, None] if access is not None else 1.0)
    centres["fit_value"] = [(value[c] * serve[c]).sum() for c in opened]
    centres = centres.sort_values("score_total", ascending=False).reset_index(drop=True)
    rows = []
    for k_i, k in enumerate(industries):
        for c in np.flatnonzero(serve[:, k_i]):
            rows.append(
                (
                    k,
                    float(omega[k_i]),
                    cand["city_id"].iat[c],
                    cand["name"].iat[c],
                    cand["iso3"].iat[c],
                    float(F[c, k_i]),
                )
            )
    allocation = pd.DataFrame(rows, columns=alloc_cols)
    act = pm.model.row_activity(x)
    table_rows = []
    for f, desc in pm.families.items():
        sl = pm.model.row_blocks[f]
        lo, hi, a = pm.model.row_lb[sl], pm.model.row_ub[sl], act[sl]
        slack = np.minimum(
            np.where(np.isfinite(hi), hi - a, np.inf), np.where(np.isfinite(lo), a - lo, np.inf)
        )
        smin = float(slack.min()) if slack.size else math.nan
        active = bool(slack.size and smin <= 1e-6)
        table_rows.append((f, desc, smin, active, active))
    table = pd.DataFrame(
        table_rows, columns=["constraint", "description", "slack", "active", "binding"]
    )
    return centres, allocation, table


def infeasible_message(
    conflicts: Sequence[str], must_relax: Sequence[str], descriptions: Mapping[str, str]
) -> str:
    def name(f: str) -> str:
        return f"{f} ({descriptions[f]})" if f in descriptions else f

    parts = ["The plan model is infeasible."]
    if conflicts:
        parts.append("These constraints conflict: " + "; ".join(name(f) for f in conflicts) + ".")
    if must_relax:
        parts.append(
            "The smallest set that must give way: " + "; ".join(name(f) for f in must_relax) + "."
        )
    parts.append("Relax one of them in the scenario's [constraints] table.")
    return " ".join(parts)


def raise_if_infeasible(plan: Plan) -> Plan:
    """Return ``plan``, or raise :class:`InfeasibleError` naming the conflicting constraints."""
    if plan.status == "infeasible":
        raise InfeasibleError(
            plan.message
            if plan.conflicts or plan.must_relax
            else infeasible_message((), (), plan.descriptions)
        )
    return plan


def format_plan(plan: Plan) -> str:
    """The plan as a plain-text table plus the solver's status line (for the CLI)."""
    lines = [plan.status_line()]
    if plan.status == "infeasible":
        lines.append(plan.message)
        return "\n".join(lines)
    if plan.centres.empty:
        lines.append("No centres chosen.")
        return "\n".join(lines)
    show = plan.centres[["city_id", "name", "iso3", "score_total", "cost_musd", "industries"]]
    with pd.option_context("display.max_rows", 200, "display.width", 160):
        lines.append(show.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if not plan.constraints.empty:
        lines.append("")
        lines.append("constraints:")
        for row in plan.constraints.itertuples(index=False):
            if row.binding:
                gain = getattr(row, "objective_gain", math.nan)
                state = "binding" + (f" (costs {gain:.4g})" if math.isfinite(gain) else "")
            elif row.active:
                state = "at its limit, not binding"
            else:
                state = f"slack {row.slack:g}"
            lines.append(f"  {row.constraint}: {row.description} -- {state}")
    lines.extend(f"note: {n}" for n in plan.notes)
    return "\n".join(lines)


__all__ = [
    "BACKENDS",
    "Plan",
    "PlanConstraints",
    "PlanInputs",
    "format_plan",
    "infeasible_message",
    "plan_constraints_from_mapping",
    "raise_if_infeasible",
    "solve_plan",
]
