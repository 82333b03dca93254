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
(1)  ``n_centres``: :math:`\sum_c y_c = N - E`, or ``n_new``: :math:`\sum_c y_c = N_{new}`
     (:math:`E` existing centres; ``n_centres`` is the total, existing included, and an
     error when :math:`N < E`; ``n_new`` the number to add; give one of the two)
(2)  ``budget_musd``: :math:`\sum_c \mathrm{cost}_c y_c \le B`; a candidate whose
     ``cost_musd`` is missing cannot be shown to fit the budget and is held closed by a
     second row of the same family, :math:`\sum_{c: \mathrm{cost\ missing}} y_c \le 0`
     (never costed as zero)
(3)  ``max_per_country``: :math:`\sum_{c \in g} y_c \le \max(0, K - E_g)` for every
     country g, :math:`E_g` the existing centres in g (a country that already has K or
     more gets no new one; existing centres beyond K are no conflict)
(4)  ``min_on_rail_lines``: :math:`\sum_{c: d^{rail}_c \le R_{rail}} y_c \ge M_{rail}`
     (``dist_rail_node_km`` within ``rail_node_radius_km``; missing distance = not near)
(5)  ``min_near_coop_zones``: the same with ``dist_coop_zone_km`` and
     ``coop_zone_radius_km``
(6)  ``min_st_leading``: :math:`\sum_{c: \mathrm{st\_leading}} y_c \ge M_{st}`
(7)  ``max_industries_per_centre``: :math:`\sum_k x_{ck} \le C y_c`
(8)  ``every_industry_served``: :math:`\sum_c x_{ck} \ge 1` for every industry k that no
     existing centre is known to serve (an existing centre's industries, where its
     source states them, count; unknown ones count for none)
(9)  ``required_cities``: :math:`y_c \ge 1`;  (10) ``excluded_cities``: :math:`y_c \le 0`
(11) ``required_countries``: :math:`\sum_{c \in g} y_c \ge 1`;
(12) ``excluded_countries``: :math:`\sum_{c \in g} y_c \le 0`
(13) ``min_political_stability``: :math:`\sum_{c: \mathrm{risk}_c < F} y_c \le 0` (a
     missing value fails the floor)
(14) ``min_score_total``: :math:`\sum_{c: s_c < F_s} y_c \le 0`
(15) ``min_separation_km``: :math:`\sum_{c \in Q} y_c \le 1` for every clique Q of the
     conflict graph (candidates closer than D km, great-circle) in a cover of its edges
     (:mod:`planner.optimise._separation`: one row per group of mutually close candidates,
     not one per pair); a candidate closer than D to an existing centre with known
     coordinates, or without coordinates of its own, is held closed by a second row of the
     same family, :math:`\sum_{c: \mathrm{near\ existing}} y_c \le 0`. Two existing
     centres may be closer than D (the province already runs both).

(16) ``max_centres_per_industry``: :math:`\sum_c x_{ck} \le M` for every industry k (new
     centres; an existing centre that serves k does not count)
(17) ``kind:<id>``, one family per kind of centre j (:attr:`PlanConstraints.kinds`, the
     scenario's ``[[kinds]]``): :math:`m_j \le \sum_c z_{cj} \le M_j` (its ``n``, or ``min``
     and ``max``)

Kinds of centre
---------------
With kinds, binary :math:`z_{cj}` opens c as a centre of kind j, linked by
(0k) ``kind_link``: :math:`\sum_j z_{cj} = y_c` (a city serves one kind only), with
:math:`z_{cj} = 0` where c is not eligible for j (:meth:`CentreKind.eligible_mask`: within
so many km of a zone the home province sponsors, of a train-line node city or of any zone,
in a country leading in science and technology, in listed countries); and (0i)
``kind_industries``: :math:`x_{ck} \le \sum_{j: k \in I_j} z_{cj}` for every industry k that
some kind may not serve. The suitability term becomes
:math:`\sum_c \sum_j \lambda s_{cj} z_{cj}`, :math:`s_{cj}` the kind's own score (column
``kind_score_<id>``: the criteria scores weighed with the kind's weights). Every other row
counts :math:`y_c`, so separation, per-country caps, existing centres and the other counts
apply across kinds. A kind that cannot be filled is named by the infeasibility report as
the family ``kind:<id>``. Without kinds the model is the one above, unchanged.

Focused industry allocation
---------------------------
``repeat_service_value`` :math:`\delta \in [0, 1]` (default 1: every centre serving k counts
in full, the formulation above) values covering an industry well over serving it again:
binary :math:`u_{ck}` (binary rather than continuous in [0, 1], which has the same
optimum, so that CP-SAT solves it too) with (0u) ``best_link`` :math:`u_{ck} \le x_{ck}` and
:math:`\sum_c u_{ck} \le 1`, and the fit term becomes

.. math::

    \sum_k \omega_k \Big( \delta \sum_c v_{ck} x_{ck} + (1 - \delta) \sum_c v_{ck} u_{ck}
    \Big), \quad v_{ck} = f_{ck} a_c

so the best centre serving k earns its full fit and every further one only
:math:`\delta` of its own (at the optimum :math:`u` marks the best served centre). With
:math:`\delta = 0` only the best centre per industry counts.

Existing centres (:attr:`PlanInputs.existing`) are open but are not decision variables:
they enter only (1), (3), (8) and (15) above. The other rows (rail lines, cooperation zones,
leading countries, budget, required and excluded sites) count new centres only.

When the model is infeasible, each family (1)-(17) gets one binary elastic variable
:math:`r_f` that switches all its rows off (big-M from the rows' activity range);
minimising :math:`\sum_f r_f` names the smallest set of constraints that must give way.
A deletion filter over the families then finds the conflicting constraints (an
irreducible infeasible subset of families).

Re-solving in process
---------------------
:func:`build_plan_model` builds the model once; :meth:`PlanModel.solve` re-solves it for
new scores :math:`s_c` (only the objective coefficients of :math:`y_c` change). Each solve
first re-optimises the LP relaxation with HiGHS's simplex from the previous basis: when its
optimum is integral, it is optimal for the MIP as well (the relaxation's bound is reached),
which on the default scenario settles every weight draw in milliseconds. Otherwise the MIP
is solved with the backend. The binding check of :func:`solve_plan` uses the same model
with one family's rows switched off at a time.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from planner._errors import InfeasibleError, ScenarioError, SolverError
from planner.optimise._backends import (
    LP_INTEGRALITY_TOLERANCE,
    HighsSession,
    RawResult,
    check_backend,
    solve_linear,
)
from planner.optimise._branch import DEFAULT_NODE_LIMIT
from planner.optimise._lp import LinearModel, ModelBuilder
from planner.optimise._models import ModelInputError
from planner.optimise._restricted import SEED_PER_RANKING, Blocks, RestrictedSolver
from planner.optimise._solution import BACKENDS, Status, relative_gap

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
        absent), optional ``lon`` and ``lat`` (degrees, EPSG:4326; needed by the
        separation rule).
    fit
        Industry fit, candidates x industries, in [0, 1]; its index holds the
        ``city_id`` values (every candidate must have a row) and its columns the industry ids.
    industry_weights
        Industry id -> weight (> 0); normalised to sum to 1. Industries without a weight
        are ignored; a weight without a fit column is an error.
    suitability_weight
        :math:`\\lambda`, weight of ``score_total`` against the industry fit term.
    existing
        The centres the province already runs, taken as open: one row each with ``name``,
        ``iso3``, ``lon`` and ``lat`` (degrees; NaN where only the country is known) and
        ``industries`` (a tuple of industry ids it serves; empty when unknown). ``None``
        or an empty frame: a blank slate.
    """

    candidates: pd.DataFrame
    fit: pd.DataFrame
    industry_weights: Mapping[str, float]
    suitability_weight: float = 1.0
    existing: pd.DataFrame | None = None


@dataclass(frozen=True)
class CentreKind:
    """A kind of centre (the scenario's ``[[kinds]]``): its count, eligibility and industries.

    Attributes
    ----------
    id, name
        Identifier (letters, digits, ``_``) and a name for the reader.
    min_centres, max_centres
        How many new centres of this kind (``n`` sets both; ``max`` None = no upper bound).
    industries
        Industry ids this kind may serve; empty = every industry.
    weights
        Criterion id -> weight of this kind's score (replaces the scenario's criterion
        weights for it: a criterion not listed weighs 0). Read by the pipeline, which
        gives the plan model the kind's score as the column ``kind_score_<id>``.
    home_zone_km
        Eligible only within this many km of a cooperation zone the home province sponsors
        (column ``dist_home_coop_zone_km``: a zone whose ``sponsor_province`` lists the
        province); a missing distance is not near.
    coop_zone_km, rail_node_km
        The same for any cooperation zone (``dist_coop_zone_km``) and for a node city of
        an international train line (``dist_rail_node_km``).
    st_leading
        Eligible only in countries leading in science and technology (``st_leading``).
    countries, exclude_countries
        Eligible only in (not in) these ISO3 countries.
    """

    id: str
    name: str = ""
    min_centres: int = 0
    max_centres: int | None = None
    industries: tuple[str, ...] = ()
    weights: Mapping[str, float] = field(default_factory=dict)
    home_zone_km: float | None = None
    coop_zone_km: float | None = None
    rail_node_km: float | None = None
    st_leading: bool = False
    countries: tuple[str, ...] = ()
    exclude_countries: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name or self.id

    def rules(self) -> list[str]:
        """The eligibility rules as short phrases (for descriptions and the brief)."""
        out = []
        if self.home_zone_km is not None:
            out.append(f"within {self.home_zone_km:g} km of a zone the province sponsors")
        if self.coop_zone_km is not None:
            out.append(f"within {self.coop_zone_km:g} km of a cooperation zone")
        if self.rail_node_km is not None:
            out.append(f"within {self.rail_node_km:g} km of a train-line node city")
        if self.st_leading:
            out.append("in a country leading in science and technology")
        if self.countries:
            out.append(f"in {', '.join(self.countries)}")
        if self.exclude_countries:
            out.append(f"not in {', '.join(self.exclude_countries)}")
        return out

    def eligible_mask(self, cand: pd.DataFrame) -> np.ndarray:
        """One bool per candidate row: may it be a centre of this kind (all rules hold)."""
        ok = np.ones(len(cand), dtype=bool)
        for radius, col in (
            (self.home_zone_km, "dist_home_coop_zone_km"),
            (self.coop_zone_km, "dist_coop_zone_km"),
            (self.rail_node_km, "dist_rail_node_km"),
        ):
            if radius is None:
                continue
            if col not in cand.columns:
                msg = (
                    f"Kind {self.id!r} asks for candidates within {radius:g} km by the "
                    f"column {col!r}, which PlanInputs.candidates lacks."
                )
                raise ModelInputError(msg)
            ok &= np.nan_to_num(cand[col].to_numpy(dtype=float), nan=np.inf) <= radius
        if self.st_leading:
            ok &= cand["st_leading"].fillna(False).astype(bool).to_numpy()
        iso = cand["iso3"].astype(str)
        if self.countries:
            ok &= iso.isin(self.countries).to_numpy()
        if self.exclude_countries:
            ok &= ~iso.isin(self.exclude_countries).to_numpy()
        return ok


_KIND_KEYS = {
    "id": "identifier",
    "name": "text",
    "n": "count",
    "min": "count",
    "max": "count",
    "industries": "list of industry ids",
    "weights": "table criterion id -> weight",
    "eligible": "table",
}
_ELIGIBLE_KEYS = {
    "home_zone_km": "km",
    "coop_zone_km": "km",
    "rail_node_km": "km",
    "st_leading": "true|false",
    "countries": "list of ISO3 codes",
    "exclude_countries": "list of ISO3 codes",
}


def centre_kinds_from_list(items: Sequence[Any] | None) -> tuple[CentreKind, ...]:
    """Validate a scenario's ``[[kinds]]`` array and build :class:`CentreKind` values.

    Raises
    ------
    ScenarioError
        Naming the kind, the key, the value received and what is allowed; every problem
        is collected before raising.
    """
    if not items:
        return ()
    if isinstance(items, Mapping | str | bytes):
        msg = "kinds must be an array of tables ([[kinds]]), one per kind of centre."
        raise ScenarioError(msg)
    problems: list[str] = []
    kinds: list[CentreKind] = []
    seen: set[str] = set()

    def count(value: Any, where: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(f"{where} = {value!r} must be a non-negative integer.")
            return None
        return value

    def codes(value: Any, where: str) -> tuple[str, ...]:
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            problems.append(f'{where} = {value!r} must be a list of ISO3 codes, e.g. ["DEU"].')
            return ()
        bad = [v for v in value if not (isinstance(v, str) and len(v) == 3 and v.isalpha())]
        if bad:
            problems.append(f"{where} holds {bad[:3]!r}; use three-letter ISO3 codes.")
            return ()
        return tuple(v.upper() for v in value)

    for i, item in enumerate(items):
        where = f"kinds[{i}]"
        if not isinstance(item, Mapping):
            problems.append(f"{where} must be a table with id, n (or min/max), weights, ...")
            continue
        unknown = [k for k in item if k not in _KIND_KEYS]
        if unknown:
            problems.append(
                f"{where} has unknown key(s) {unknown!r}; allowed: {', '.join(_KIND_KEYS)}."
            )
        kid = item.get("id")
        if not isinstance(kid, str) or not kid.replace("_", "").isalnum():
            problems.append(f"{where}.id = {kid!r} must be an identifier (letters, digits, _).")
            continue
        if kid in seen:
            problems.append(f"{where}.id = {kid!r} is given twice; kind ids must be unique.")
        seen.add(kid)
        where = f"kinds[{kid!r}]"
        name = item.get("name", "")
        if not isinstance(name, str):
            problems.append(f"{where}.name = {name!r} must be text.")
            name = ""
        lo: int | None = 0
        hi: int | None = None
        if "n" in item:
            if "min" in item or "max" in item:
                problems.append(f"{where} gives n and min/max; give n, or min and max.")
            lo = hi = count(item["n"], f"{where}.n")
        else:
            lo = count(item.get("min", 0), f"{where}.min")
            hi = count(item["max"], f"{where}.max") if "max" in item else None
            if lo is not None and hi is not None and hi < lo:
                problems.append(f"{where}: max = {hi} is below min = {lo}.")
        industries = item.get("industries", [])
        if isinstance(industries, str | bytes) or not isinstance(industries, Sequence) or not all(
            isinstance(v, str) for v in industries
        ):
            problems.append(f"{where}.industries = {industries!r} must be a list of industry ids.")
            industries = []
        weights = item.get("weights", {})
        if not isinstance(weights, Mapping):
            problems.append(f"{where}.weights must be a table criterion id -> weight.")
            weights = {}
        bad_w = {
            k: v
            for k, v in weights.items()
            if isinstance(v, bool) or not isinstance(v, int | float) or not v >= 0
        }
        if bad_w:
            problems.append(f"{where}.weights {bad_w!r}: weights must be numbers >= 0.")
        elif weights and not sum(float(v) for v in weights.values()) > 0:
            problems.append(f"{where}.weights are all 0; give at least one criterion a weight.")
        eligible = item.get("eligible", {})
        if not isinstance(eligible, Mapping):
            problems.append(f"{where}.eligible must be a table of rules.")
            eligible = {}
        unknown = [k for k in eligible if k not in _ELIGIBLE_KEYS]
        if unknown:
            problems.append(
                f"{where}.eligible has unknown key(s) {unknown!r}; allowed: "
                f"{', '.join(f'{k} ({v})' for k, v in _ELIGIBLE_KEYS.items())}."
            )
        radii: dict[str, float | None] = {}
        for key in ("home_zone_km", "coop_zone_km", "rail_node_km"):
            v = eligible.get(key)
            if v is None:
                radii[key] = None
            elif isinstance(v, bool) or not isinstance(v, int | float) or not v >= 0:
                problems.append(f"{where}.eligible.{key} = {v!r} must be a distance in km >= 0.")
                radii[key] = None
            else:
                radii[key] = float(v)
        st = eligible.get("st_leading", False)
        if not isinstance(st, bool):
            problems.append(f"{where}.eligible.st_leading = {st!r} must be true or false.")
            st = False
        kinds.append(
            CentreKind(
                id=kid,
                name=name,
                min_centres=lo or 0,
                max_centres=hi,
                industries=tuple(industries),
                weights={str(k): float(v) for k, v in weights.items()} if not bad_w else {},
                home_zone_km=radii["home_zone_km"],
                coop_zone_km=radii["coop_zone_km"],
                rail_node_km=radii["rail_node_km"],
                st_leading=st,
                countries=codes(eligible.get("countries", []), f"{where}.eligible.countries"),
                exclude_countries=codes(
                    eligible.get("exclude_countries", []), f"{where}.eligible.exclude_countries"
                ),
            )
        )
    if problems:
        raise ScenarioError(" ".join(problems))
    return tuple(kinds)


@dataclass(frozen=True)
class PlanConstraints:
    """Constraints of the plan model; ``None`` (or empty) switches one off.

    Distances in km, costs in million USD. See the module docstring for the rows.
    ``n_centres`` (the total, existing centres included) or ``n_new`` (centres to add
    beside the existing ones), and ``budget_musd``, may be combined; at least one of them
    is needed, and ``n_centres`` and ``n_new`` exclude each other.
    ``repeat_service_value`` (in [0, 1]) is the objective's value of a second or further
    centre serving an industry, relative to the best one (1 = full value, as without it).
    ``kinds`` come from the scenario's ``[[kinds]]`` array (:func:`centre_kinds_from_list`),
    not from ``[constraints]``.
    """

    n_centres: int | None = None
    n_new: int | None = None
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
    min_separation_km: float | None = None
    max_centres_per_industry: int | None = None
    repeat_service_value: float = 1.0
    kinds: tuple[CentreKind, ...] = ()


_INT_KEYS = (
    "n_centres",
    "n_new",
    "max_per_country",
    "min_on_rail_lines",
    "min_near_coop_zones",
    "min_st_leading",
    "max_industries_per_centre",
    "max_centres_per_industry",
)
_FLOAT_KEYS = (
    "budget_musd",
    "rail_node_radius_km",
    "coop_zone_radius_km",
    "min_political_stability",
    "min_score_total",
    "min_separation_km",
    "repeat_service_value",
)


def plan_constraints_from_mapping(mapping: Mapping[str, Any]) -> PlanConstraints:
    """Validate a scenario's ``[constraints]`` table and build :class:`PlanConstraints`.

    Raises
    ------
    ScenarioError
        Naming the key, the value received and what is allowed; every problem is
        collected before raising.
    """
    allowed = [f.name for f in fields(PlanConstraints) if f.name != "kinds"]
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
            if (
                key
                in (
                    "n_centres",
                    "n_new",
                    "max_per_country",
                    "max_industries_per_centre",
                    "max_centres_per_industry",
                )
                and value < 1
            ):
                problems.append(f"constraints.{key} = {value!r} must be at least 1.")
                continue
        elif key in _FLOAT_KEYS:
            if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
                problems.append(f"constraints.{key} = {value!r} must be a number.")
                continue
            if key not in ("min_political_stability",) and value < 0:
                problems.append(f"constraints.{key} = {value!r} must be non-negative.")
                continue
            if key in ("min_score_total", "repeat_service_value") and value > 1:
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
    if values.get("n_centres") is not None and values.get("n_new") is not None:
        problems.append(
            f"constraints.n_centres = {values['n_centres']!r} (the total, existing centres "
            f"included) and constraints.n_new = {values['n_new']!r} (centres to add) exclude "
            "each other; keep one."
        )
    if not problems and all(values.get(k) is None for k in ("n_centres", "n_new", "budget_musd")):
        problems.append(
            "constraints needs n_centres, n_new or budget_musd to bound the number of "
            "centres; e.g. n_new = 5."
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
        is at its limit), ``binding`` (proven: dropping it raises the objective by more
        than ``BINDING_TOLERANCE``; equals ``active`` when ``assess_binding=False``),
        ``objective_gain`` (how much, when proven exactly; NaN when only an interval is
        known) and ``objective_gain_low`` / ``objective_gain_high`` (the proven interval
        of the gain).
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


@dataclass(frozen=True)
class _ExistingSet:
    """What the existing centres change in the model: their number, their count per
    country and the industries they serve (a bool per industry of the model)."""

    n: int = 0
    per_country: Mapping[str, int] = field(default_factory=dict)
    served: np.ndarray | None = None
    names: tuple[str, ...] = ()
    frame: pd.DataFrame | None = None  # the rows themselves (their places, for (15))


def _existing_set(existing: pd.DataFrame | None, industries: list[str]) -> _ExistingSet:
    if existing is None or len(existing) == 0:
        return _ExistingSet()
    missing = [c for c in ("name", "iso3") if c not in existing.columns]
    if missing:
        msg = (
            f"PlanInputs.existing lacks the columns {missing!r}; it needs name, iso3, lon, "
            "lat and industries (a tuple of industry ids, empty when unknown)."
        )
        raise ModelInputError(msg)
    iso = existing["iso3"].astype(str)
    served = np.zeros(len(industries), dtype=bool)
    if "industries" in existing.columns:
        known = set().union(*(set(t) for t in existing["industries"] if isinstance(t, tuple)))
        served = np.array([k in known for k in industries], dtype=bool)
    return _ExistingSet(
        n=len(existing),
        per_country={str(g): int(c) for g, c in iso.value_counts().items()},
        served=served,
        names=tuple(existing["name"].astype(str)),
        frame=existing,
    )


def _new_centres(cons: PlanConstraints, ex: _ExistingSet) -> int | None:
    """How many centres row (1) opens: ``n_new``, or ``n_centres`` less the existing ones."""
    if cons.n_new is not None:
        return cons.n_new
    if cons.n_centres is None:
        return None
    if cons.n_centres < ex.n:
        msg = (
            f"n_centres = {cons.n_centres} is the total, existing centres included, and the "
            f"scenario takes {ex.n} existing centres, so it adds {cons.n_centres - ex.n}. "
            f"Raise n_centres to at least {ex.n}, or set n_new (the centres to add) instead."
        )
        raise ModelInputError(msg)
    return cons.n_centres - ex.n


# --------------------------------------------------------------------------- model


@dataclass
class _PlanModel:
    model: LinearModel
    y: np.ndarray
    x: np.ndarray  # (n, K) variable ids
    families: dict[str, str]  # family -> description
    notes: list[str]
    constraints: PlanConstraints = field(default_factory=PlanConstraints)
    existing: pd.DataFrame | None = None
    z: np.ndarray | None = None  # (n, J) kind variable ids, with kinds
    u: np.ndarray | None = None  # (n, K) best-centre variable ids, when delta < 1


def kind_score_column(kind_id: str) -> str:
    """The candidate column that holds a kind's score (in [0, 1])."""
    return f"kind_score_{kind_id}"


def _kind_scores(cand: pd.DataFrame, kinds: Sequence[CentreKind]) -> np.ndarray:
    """(n, J) scores of the kinds, from their ``kind_score_<id>`` columns."""
    cols = [kind_score_column(k.id) for k in kinds]
    missing = [c for c in cols if c not in cand.columns]
    if missing:
        msg = (
            f"PlanInputs.candidates lacks the kind score column(s) {missing!r}; with kinds "
            "of centre each needs its own score in [0, 1] (the pipeline computes them from "
            "the kinds' weights)."
        )
        raise ModelInputError(msg)
    S = cand[cols].to_numpy(dtype=float)
    if not (np.isfinite(S).all() and (S >= 0).all() and (S <= 1).all()):
        msg = f"The kind scores {cols!r} must lie in [0, 1] with no missing values."
        raise ModelInputError(msg)
    return S


def _build(
    cand: pd.DataFrame,
    F: np.ndarray,
    omega: np.ndarray,
    cons: PlanConstraints,
    suitability_weight: float,
    ex: _ExistingSet | None = None,
    industries: Sequence[str] = (),
) -> _PlanModel:
    ex = ex or _ExistingSet()
    industries = list(industries) or [str(k) for k in range(F.shape[1])]
    existing = ex.frame
    # the rows below read n_centres as the number of centres this model opens
    count_family = "n_new" if cons.n_new is not None else "n_centres"
    cons = replace(cons, n_centres=_new_centres(cons, ex), n_new=None)
    n, K = F.shape
    s = cand["score_total"].to_numpy(dtype=float)
    access = cand["access"].to_numpy(dtype=float) if "access" in cand.columns else np.ones(n)
    access = np.nan_to_num(access, nan=0.0)
    kinds = tuple(cons.kinds)
    J = len(kinds)
    delta = float(cons.repeat_service_value)
    V = F * omega[None, :] * access[:, None]
    b = ModelBuilder(sense="max")
    y = b.add_vars("y", n, integer=True, cost=0.0 if J else suitability_weight * s)
    x = b.add_vars("x", n * K, integer=True, cost=(delta * V).ravel())
    X = x.reshape(n, K)
    Z = U = None
    S = np.zeros((n, 0))
    if J:
        S = _kind_scores(cand, kinds)
        kind_cost = (suitability_weight * S).ravel()
        Z = b.add_vars("z", n * J, integer=True, cost=kind_cost).reshape(n, J)
    if delta < 1.0:
        # binary: a continuous u in [0, 1] has the same optimum, but CP-SAT takes
        # integral variables only
        U = b.add_vars("u", n * K, integer=True, cost=((1.0 - delta) * V).ravel()).reshape(n, K)
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
    if Z is not None:  # (0k) a city serves one kind only; (0i) the kinds' industries
        rows = np.r_[np.repeat(np.arange(n), J), np.arange(n)]
        b.add_rows("kind_link", n, rows, np.r_[Z.ravel(), y], np.r_[np.ones(n * J), -np.ones(n)],
                   lo=0.0, hi=0.0)  # fmt: skip
        unknown = sorted({i for kd in kinds for i in kd.industries} - set(industries))
        if unknown:
            msg = (
                f"kinds name the industries {unknown!r}, which the plan model does not have; "
                f"its industries: {', '.join(industries)}."
            )
            raise ModelInputError(msg)
        # allowed[k, j]: kind j may serve industry k
        allowed = np.array(
            [[not kd.industries or k in kd.industries for kd in kinds] for k in industries],
            dtype=bool,
        ).reshape(K, J)
        limited = np.flatnonzero(~allowed.all(axis=1))
        if limited.size:
            r_x, c_x, v_x = [], [], []
            for r, k in enumerate(limited):
                rows_k = r * n + np.arange(n)
                r_x.append(rows_k)
                c_x.append(X[:, k])
                v_x.append(np.ones(n))
                for j in np.flatnonzero(allowed[k]):
                    r_x.append(rows_k)
                    c_x.append(Z[:, j])
                    v_x.append(-np.ones(n))
            b.add_rows("kind_industries", n * limited.size, np.concatenate(r_x),
                       np.concatenate(c_x), np.concatenate(v_x), hi=0.0)  # fmt: skip
        for j, kd in enumerate(kinds):  # (17)
            hi_j = np.inf if kd.max_centres is None else float(kd.max_centres)
            b.add_rows(f"kind:{kd.id}", 1, np.zeros(n, dtype=np.int64), Z[:, j], 1.0,
                       lo=float(kd.min_centres), hi=hi_j)  # fmt: skip
            count = (
                f"exactly {kd.min_centres}"
                if kd.max_centres == kd.min_centres
                else f"at least {kd.min_centres}"
                + (f" and at most {kd.max_centres}" if kd.max_centres is not None else "")
            )
            rules = kd.rules()
            fam[f"kind:{kd.id}"] = (
                f"{count} new centres of the kind {kd.label!r}"
                + (f", each {' and '.join(rules)}" if rules else "")
            )
    if U is not None:  # (0u) u marks the best centre serving each industry
        pairs = np.arange(n * K)
        b.add_rows("best_link", n * K, np.r_[pairs, pairs], np.r_[U.ravel(), x],
                   np.r_[np.ones(n * K), -np.ones(n * K)], hi=0.0)  # fmt: skip
        b.add_rows("best_link_one", K, np.tile(np.arange(K), n), U.ravel(), 1.0, hi=1.0)
    if cons.n_centres is not None:  # (1)
        count_row(count_family, np.ones(n, bool), lo=cons.n_centres, hi=cons.n_centres)
        fam[count_family] = (
            f"exactly {cons.n_centres} new centres beside {ex.n} existing "
            f"({cons.n_centres + ex.n} in all)"
            if ex.n
            else f"exactly {cons.n_centres} centres"
        )
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
        K_cap = cons.max_per_country
        countries = pd.unique(iso)
        caps = {g: max(0, K_cap - ex.per_country.get(str(g), 0)) for g in countries}
        groups = [(np.flatnonzero(iso == g), caps[g]) for g in countries]
        groups = [(g, cap) for g, cap in groups if g.size > cap]
        if groups:
            group_rows(
                "max_per_country", [g for g, _ in groups], hi=np.array([c for _, c in groups])
            )
            fam["max_per_country"] = f"at most {K_cap} centres per country" + (
                ", existing ones included" if ex.n else ""
            )
        full = sorted(g for g, c in ex.per_country.items() if c >= K_cap)
        if full:
            notes.append(
                f"Countries that already have {K_cap} or more existing centres get no new one: "
                + ", ".join(f"{g} ({ex.per_country[g]})" for g in full)
                + "."
            )
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
        served = ex.served if ex.served is not None else np.zeros(K, dtype=bool)
        open_k = np.flatnonzero(~served)
        if open_k.size:
            rows = np.tile(np.arange(open_k.size), n)
            cols = X[:, open_k].ravel()
            b.add_rows("every_industry_served", open_k.size, rows, cols, 1.0, lo=1.0)
            fam["every_industry_served"] = "every industry served by at least one centre" + (
                f" ({int(served.sum())} already served by existing centres)" if served.any() else ""
            )
    if cons.max_centres_per_industry is not None:  # (16)
        M = cons.max_centres_per_industry
        b.add_rows("max_centres_per_industry", K, np.tile(np.arange(K), n), x, 1.0, hi=float(M))
        fam["max_centres_per_industry"] = f"each industry served by at most {M} new centres"
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
    if cons.min_separation_km:  # (15)
        _separation_rows(b, y, cand, existing, cons.min_separation_km, notes)
        fam["min_separation_km"] = (
            f"no two centres (new or existing) closer than {cons.min_separation_km:g} km"
        )
    model = b.build()
    model.ub[x[F.ravel() <= 0]] = 0.0  # (0') no service without fit
    if Z is not None:
        for j, kd in enumerate(kinds):
            ok = kd.eligible_mask(cand)
            model.ub[Z[~ok, j]] = 0.0  # not eligible for the kind
            if ok.sum() < kd.min_centres:
                notes.append(
                    f"Only {int(ok.sum())} candidates are eligible for the kind {kd.label!r} "
                    f"({'; '.join(kd.rules()) or 'no rule'}), fewer than its "
                    f"{kd.min_centres} centres."
                )
        model.start = None  # the greedy start knows no kinds; the solver finds its own
    else:
        model.start = _greedy_start(model, y, X, suitability_weight * s, V, cons, U)
    return _PlanModel(model, y, X, fam, notes, cons, existing, Z, U)


def _separation_rows(
    b: ModelBuilder,
    y: np.ndarray,
    cand: pd.DataFrame,
    existing: pd.DataFrame | None,
    dist_km: float,
    notes: list[str],
) -> None:
    """Rows (15): a clique row per group of mutually close candidates, and one row that
    holds closed the candidates near an existing centre or without coordinates."""
    from planner.optimise._separation import clique_cover, conflict_pairs, near_points

    lacking = [c for c in ("lon", "lat") if c not in cand.columns]
    if lacking:
        msg = (
            f"min_separation_km needs the candidates' coordinates; PlanInputs.candidates "
            f"lacks {lacking!r} (degrees, EPSG:4326)."
        )
        raise ModelInputError(msg)
    lon = cand["lon"].to_numpy(dtype=float)
    lat = cand["lat"].to_numpy(dtype=float)
    cliques = clique_cover(len(cand), conflict_pairs(lon, lat, dist_km))
    closed = ~(np.isfinite(lon) & np.isfinite(lat))
    if closed.any():
        notes.append(
            f"{int(closed.sum())} candidates have no coordinates and are held closed under "
            "min_separation_km (their distance to other centres is unknown)."
        )
    near = np.zeros(len(cand), dtype=bool)
    if existing is not None and len(existing):
        near = near_points(lon, lat, existing["lon"], existing["lat"], dist_km) & ~closed
        if near.any():
            notes.append(
                f"{int(near.sum())} candidates lie within {dist_km:g} km of a centre the "
                "province already runs and are held closed under min_separation_km."
            )
    held = np.flatnonzero(closed | near)
    groups = [*cliques, held] if held.size else cliques
    hi = np.r_[np.ones(len(cliques)), np.zeros(len(groups) - len(cliques))]
    rows = np.concatenate([np.full(g.size, r) for r, g in enumerate(groups)] or [np.zeros(0)])
    cols = np.concatenate([y[g] for g in groups] or [np.zeros(0)])
    b.add_rows("min_separation_km", len(groups), rows, cols, 1.0, hi=hi)


def _greedy_start(
    model: LinearModel,
    y: np.ndarray,
    X: np.ndarray,
    s: np.ndarray,
    V: np.ndarray,
    cons: PlanConstraints,
    U: np.ndarray | None = None,
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
    if U is not None:  # u marks the best centre serving each industry
        for k in np.flatnonzero(serve.any(axis=0)):
            c = max(np.flatnonzero(serve[:, k]), key=lambda c: V[c, k])
            start[U[c, k]] = 1.0
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


# --------------------------------------------------------------------------- built model


@dataclass(frozen=True, eq=False)
class PlanSolution:
    """One solve of a :class:`PlanModel`: lighter than :class:`Plan`, in positions.

    Attributes
    ----------
    status
        As for :class:`~planner.optimise.Solution`: "optimal" only when proven.
    objective, bound, gap
        Objective of the solution, the proven bound and the relative gap (NaN when
        unknown).
    centres
        Positions (rows of ``PlanInputs.candidates``) of the chosen centres, ascending.
    allocation
        For each industry (in :attr:`PlanModel.industries` order), the positions of the
        centres serving it, ascending.
    method
        ``"lp"`` when the LP relaxation's optimum was integral (which proves it optimal
        for the MIP, or the LP's infeasibility proves the MIP infeasible), ``"lp-branch"``
        when a branch and bound on the warm LP proved it, otherwise the backend that
        solved the MIP.
    solve_time_s
        Seconds in the solver(s).
    message
        The solver's status text.
    score_total
        The scores this solution was computed for.
    x
        The full solution vector (for warm starts); ``None`` without a solution.
    kinds
        With kinds of centre: the kind id of each centre, in the order of ``centres``.
    """

    status: Status
    objective: float
    bound: float
    gap: float
    centres: tuple[int, ...]
    allocation: tuple[tuple[int, ...], ...]
    method: str
    solve_time_s: float
    message: str = ""
    score_total: np.ndarray | None = field(default=None, repr=False)
    x: np.ndarray | None = field(default=None, repr=False)
    kinds: tuple[str, ...] = ()

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")


class PlanModel:
    r"""The plan model built once and re-solved in this process for new scores.

    Build it with :func:`build_plan_model`. Each :meth:`solve` changes only the centres'
    objective coefficients (:math:`\lambda s_c`) and, if asked, holds some candidates
    closed; the constraint matrix stays as built. A solve first re-optimises the LP
    relaxation with HiGHS's simplex from the previous basis, on a working set of
    candidates whose LP duals prove that no other candidate could improve the result
    (:mod:`planner.optimise._restricted`; milliseconds); when that optimum is integral it
    is optimal for the MIP too and is returned as proven (``method="lp"``); when it is
    fractional, a depth-first branch and bound on the same warm LP settles it within
    :attr:`branch_nodes` node LPs (``method="lp-branch"``,
    :mod:`planner.optimise._branch`). Otherwise the MIP is solved with the model's
    backend, started from the best plan found so far: HiGHS in
    process (the model loaded once, started from the given solution), SCIP and CP-SAT in
    process through OR-Tools (translated again for each solve), CBC through PuLP's
    subprocess. Statuses are those of :func:`solve_plan`: a time-limited incumbent is
    "feasible", never "optimal".

    A model holds solver state and is not thread-safe: give each thread its own
    :meth:`copy`. Pickling drops the solver state (it is rebuilt on the first solve).
    """

    def __init__(
        self,
        *,
        inputs: PlanInputs,
        constraints: PlanConstraints,
        backend: str,
        time_limit_s: float | None,
        gap: float,
        threads: int,
        cand: pd.DataFrame,
        F: np.ndarray,
        industries: list[str],
        omega: np.ndarray,
        built: _PlanModel,
        build_time_s: float,
        existing: _ExistingSet | None = None,
    ) -> None:
        self.inputs = inputs
        self.constraints = constraints
        self.backend = backend
        self.time_limit_s = time_limit_s
        self.gap = gap
        self.threads = threads
        #: Node LPs the in-process branch and bound may solve before the MIP backend takes
        #: over (0: straight to the backend when the relaxation is fractional).
        self.branch_nodes = DEFAULT_NODE_LIMIT
        #: What the last search on a working set found (None before the first).
        self.last_search: Any = None
        self._cand = cand
        self._F = F
        self._industries = industries
        self._omega = omega
        self._pm = built
        self._existing = existing or _ExistingSet()
        self.build_time_s = build_time_s
        self._lambda = float(inputs.suitability_weight)
        self._s0 = cand["score_total"].to_numpy(dtype=float)
        kinds = constraints.kinds
        self._S0 = _kind_scores(cand, kinds) if kinds else np.zeros((len(cand), 0))
        self._lp: HighsSession | None = None
        self._mip: HighsSession | None = None

    # ---------------------------------------------------------------- state

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_lp"] = None
        state["_mip"] = None
        state.pop("_rsolver", None)  # holds a HiGHS session of its own
        return state

    def copy(self) -> PlanModel:
        """The same built model with solver state of its own (for another thread)."""
        other = object.__new__(PlanModel)
        other.__dict__.update(self.__getstate__())
        return other

    def reset(self) -> None:
        """Forget the solver state, so that the next solve behaves as the first."""
        self._lp = None
        self._mip = None
        self.__dict__.pop("_rsolver", None)

    @property
    def industries(self) -> tuple[str, ...]:
        """Industry ids, in the order of :attr:`PlanSolution.allocation`."""
        return tuple(self._industries)

    @property
    def n_candidates(self) -> int:
        return len(self._cand)

    @property
    def descriptions(self) -> dict[str, str]:
        """Constraint family -> description."""
        return dict(self._pm.families)

    @property
    def linear(self) -> LinearModel:
        """The model as built (the scores of ``inputs``); do not modify it."""
        return self._pm.model

    # ---------------------------------------------------------------- solve

    def _scores(self, score_total: np.ndarray | None) -> np.ndarray:
        if score_total is None:
            return self._s0
        s = np.asarray(score_total, dtype=float)
        n = self.n_candidates
        if s.shape != (n,) or not (np.isfinite(s).all() and (s >= 0).all() and (s <= 1).all()):
            msg = (
                f"score_total must hold one score in [0, 1] per candidate ({n}); got an "
                f"array of shape {s.shape!r}. Clip or fill it before solving."
            )
            raise ModelInputError(msg)
        return s

    def _kind_s(self, s: np.ndarray) -> np.ndarray:
        """The kinds' scores for the candidate scores ``s``: the built ones when ``s`` is
        the built ``score_total``, otherwise each scaled by the candidate's ratio of ``s``
        to its built ``score_total`` (clipped to [0, 1]). A weight draw of the scenario's
        criterion weights thus moves each kind's score as it moves the candidate's total;
        the kinds' own weights are not drawn (a documented limitation)."""
        S0 = self._S0
        if S0.shape[1] == 0 or s is self._s0 or np.array_equal(s, self._s0):
            return S0
        ratio = np.divide(s, self._s0, out=np.ones_like(s), where=self._s0 > 0)
        return np.clip(S0 * ratio[:, None], 0.0, 1.0)

    def _model_for(self, s: np.ndarray, closed: np.ndarray | None) -> LinearModel:
        base = self._pm.model
        y = self._pm.y
        c = base.c.copy()
        if self._pm.z is not None:
            c[self._pm.z] = self._lambda * self._kind_s(s)
        else:
            c[y] = self._lambda * s
        ub = base.ub
        if closed is not None:
            mask = np.asarray(closed, dtype=bool)
            if mask.shape != (self.n_candidates,):
                msg = (
                    f"closed has shape {mask.shape!r}; pass one bool per candidate "
                    f"({self.n_candidates})."
                )
                raise ModelInputError(msg)
            if mask.any():
                ub = ub.copy()
                ub[y[mask]] = 0.0
        return replace(base, c=c, ub=ub, start=None)

    def _lp_session(self, model: LinearModel) -> HighsSession:
        if self._lp is None:
            self._lp = HighsSession(model, integer=False)
        return self._lp

    def _lp_proof(
        self,
        model: LinearModel,
        *,
        branch: bool = False,
        start: np.ndarray | None = None,
        s: np.ndarray | None = None,
    ) -> tuple[RawResult | None, str, np.ndarray | None]:
        """The MIP's optimum when the LP relaxation proves it (integral or infeasible), or,
        with ``branch``, when a short branch and bound on the warm LP proves it
        (:mod:`planner.optimise._branch`), solved on a working set of candidates with a
        duality proof for the others (:mod:`planner.optimise._restricted`).

        ``start`` is a feasible point of ``model`` (or None) and ``s`` the candidates'
        scores (they choose the first working set). Returns ``(result or None, method,
        incumbent)``: method "lp" or "lp-branch"; the incumbent is the best integral point
        found when the search stopped at its node limit (a start for the MIP solver), else
        None.
        """
        if branch and self.branch_nodes > 0 and s is not None:
            found = self._restricted().solve(
                model,
                self._seed(s, start),
                start=start,
                node_limit=self.branch_nodes,
                time_limit_s=self.time_limit_s,
            )
            self.last_search = found
            return found.proof, found.method, found.incumbent
        status, x, value, seconds = self._lp_session(model).solve_lp(model)
        return _integral_proof(model, status, x, value, seconds), "lp", None

    def _restricted(self) -> RestrictedSolver:
        solver = self.__dict__.get("_rsolver")
        if solver is None:
            pm = self._pm
            cap = self.constraints.max_industries_per_centre or len(self._industries)
            blocks = Blocks(pm.y, pm.x, pm.z, pm.u, int(cap))
            solver = RestrictedSolver(pm.model, blocks)
            self._rsolver = solver
        return solver

    def _seed(self, s: np.ndarray, start: np.ndarray | None) -> np.ndarray:
        """A first working set: the best candidates by score, by each kind's score among
        those eligible for it, among the members of every row that asks for at least
        something (counts near rail lines, zones, leading countries, kinds, industries
        served, required cities), and the centres of ``start``."""
        pm = self._pm
        m = SEED_PER_RANKING
        seed = np.zeros(self.n_candidates, dtype=bool)
        keys = [s]
        if pm.z is not None:
            S = self._kind_s(s)
            ok = pm.model.ub[pm.z] > 0
            keys += [np.where(ok[:, j], S[:, j], -np.inf) for j in range(S.shape[1])]
        country = self.__dict__.get("_country_codes")
        if country is None:
            country = pd.factorize(self._cand["iso3"].astype(str))[0]
            self._country_codes = country
        can_open = self._pm.model.ub[pm.y] > 0
        for key in keys:
            order = np.argsort(-np.where(can_open, key, -np.inf), kind="stable")
            seed[order[:m]] = True
            # and the best of each of the first m countries, so that per-country caps
            # leave the working set enough places to fill
            _, first = np.unique(country[order], return_index=True)
            seed[order[np.sort(first)[:m]]] = True
        for members in self._demand_rows():
            seed[members[np.argsort(-s[members], kind="stable")[:m]]] = True
        if start is not None:
            seed[start[pm.y] > 0.5] = True
        return seed

    def _demand_rows(self) -> list[np.ndarray]:
        """For each row with a positive lower bound, the candidates with a variable in it."""
        rows = self.__dict__.get("_demand")
        if rows is None:
            model = self._pm.model
            owner = self._restricted()._owner
            A = model.A.tocsr()
            rows = []
            for r in np.flatnonzero(model.row_lb > 0):
                cols = A.indices[A.indptr[r] : A.indptr[r + 1]]
                rows.append(np.unique(owner[cols]))
            self._demand = rows
        return rows

    def _solve_mip(
        self,
        model: LinearModel,
        *,
        start: np.ndarray | None,
        time_limit_s: float | None,
        gap: float,
        target: float | None = None,
    ) -> RawResult:
        if self.backend == "highs":
            if self._mip is None:
                self._mip = HighsSession(model, integer=True, threads=self.threads)
            return self._mip.solve_mip(
                model, start=start, time_limit_s=time_limit_s, gap=gap, target=target
            )
        return solve_linear(
            replace(model, start=start),
            backend=self.backend,
            time_limit_s=time_limit_s,
            gap=gap,
            threads=self.threads,
        )

    def _start_for(self, model: LinearModel, start: PlanSolution | None) -> np.ndarray | None:
        """``start``'s solution, else the built heuristic start, if it fits ``model``."""
        for x in (start.x if start is not None else None, self._pm.model.start):
            if x is None or x.shape != (model.n_vars,):
                continue
            if (x <= model.ub + 1e-9).all() and (x >= model.lb - 1e-9).all():
                act = model.row_activity(x)
                if (act >= model.row_lb - 1e-9).all() and (act <= model.row_ub + 1e-9).all():
                    return x
        return None

    def _solution(self, raw: RawResult, method: str, s: np.ndarray, seconds: float) -> PlanSolution:
        centres: tuple[int, ...] = ()
        alloc: tuple[tuple[int, ...], ...] = tuple(() for _ in self._industries)
        if raw.x is not None and raw.status in ("optimal", "feasible"):
            centres = tuple(int(c) for c in np.flatnonzero(raw.x[self._pm.y] > 0.5))
            serve = raw.x[self._pm.x] > 0.5
            alloc = tuple(
                tuple(int(c) for c in np.flatnonzero(serve[:, k]))
                for k in range(len(self._industries))
            )
        kinds: tuple[str, ...] = ()
        if centres and self._pm.z is not None:
            ids = [kd.id for kd in self.constraints.kinds]
            kinds = tuple(ids[int(np.argmax(raw.x[self._pm.z[c]]))] for c in centres)
        return PlanSolution(
            status=raw.status,
            objective=float(raw.objective),
            bound=float(raw.bound),
            gap=float(raw.gap),
            centres=centres,
            allocation=alloc,
            method=method,
            solve_time_s=seconds,
            message=raw.message,
            score_total=s,
            x=raw.x,
            kinds=kinds,
        )

    def solve_relaxation(
        self,
        score_total: np.ndarray | None = None,
        *,
        closed: np.ndarray | None = None,
        branch: bool = False,
        start: PlanSolution | None = None,
    ) -> PlanSolution | None:
        """The plan for ``score_total`` when the LP relaxation proves it, else ``None``.

        The LP relaxation is re-optimised with HiGHS's simplex from the previous basis.
        An integral optimum is optimal for the MIP ("optimal", ``method="lp"``); an
        infeasible LP proves the MIP infeasible. With ``branch``, a fractional optimum is
        branched on in the same LP session for at most :attr:`branch_nodes` node LPs,
        from the incumbent ``start`` (``method="lp-branch"`` when that proves the plan).
        ``closed`` is as for :meth:`solve`.
        """
        s = self._scores(score_total)
        t0 = time.perf_counter()
        model = self._model_for(s, closed)
        x0 = self._start_for(model, start)
        raw, method, _ = self._lp_proof(model, branch=branch, start=x0, s=s)
        if raw is None:
            return None
        return self._solution(raw, method, s, time.perf_counter() - t0)

    def solve(
        self,
        score_total: np.ndarray | None = None,
        *,
        start: PlanSolution | None = None,
        closed: np.ndarray | None = None,
        relaxation_first: bool = True,
    ) -> PlanSolution:
        """Solve the plan model for new scores.

        Parameters
        ----------
        score_total
            One score in [0, 1] per candidate (rows of ``PlanInputs.candidates``); the
            built scores when ``None``. Only the centres' objective coefficients change.
        start
            A previous solution to start the MIP from (e.g. the previous weight draw's
            plan; the constraints do not change, so it stays feasible unless ``closed``
            closes one of its centres, in which case the built heuristic start is used).
        closed
            One bool per candidate: hold these closed in this solve (e.g. candidates that
            dominance shows an optimal plan never needs).
        relaxation_first
            Try :meth:`solve_relaxation` first; the MIP is solved only when the LP does
            not settle it.
        """
        s = self._scores(score_total)
        t0 = time.perf_counter()
        model = self._model_for(s, closed)
        if relaxation_first:
            x0 = self._start_for(model, start)
            raw, method, incumbent = self._lp_proof(model, branch=True, start=x0, s=s)
            if raw is not None:
                return self._solution(raw, method, s, time.perf_counter() - t0)
            if incumbent is not None:  # the branching's best plan starts the MIP
                found = RawResult("feasible", incumbent, model.objective_of(incumbent),
                                  math.nan, math.nan, 0.0, "")  # fmt: skip
                start = self._solution(found, method, s, 0.0)
        if closed is not None and self.backend != "highs" and np.any(closed):
            # the other backends translate the model for every solve: give them only the
            # candidates left open (fewer variables to translate and presolve)
            raw = self._solve_reduced(s, np.asarray(closed, dtype=bool), start)
        else:
            raw = self._solve_mip(
                model,
                start=self._start_for(model, start),
                time_limit_s=self.time_limit_s,
                gap=self.gap,
            )
        return self._solution(raw, self.backend, s, time.perf_counter() - t0)

    def _solve_reduced(
        self, s: np.ndarray, closed: np.ndarray, start: PlanSolution | None
    ) -> RawResult:
        """The MIP built on the open candidates only, its solution mapped back."""
        keep = np.flatnonzero(~closed)
        pos = {int(c): i for i, c in enumerate(keep)}
        cand = self._cand.iloc[keep].reset_index(drop=True).assign(score_total=s[keep])
        for j, kd in enumerate(self.constraints.kinds):
            cand[kind_score_column(kd.id)] = self._kind_s(s)[keep, j]
        sub = _build(
            cand, self._F[keep], self._omega, self.constraints, self._lambda, self._existing,
            self._industries,
        )  # fmt: skip
        x0 = None
        if start is not None and start.x is not None and all(c in pos for c in start.centres):
            x0 = np.zeros(sub.model.n_vars)
            x0[sub.y[[pos[c] for c in start.centres]]] = 1.0
            for k, served in enumerate(start.allocation):
                x0[sub.x[[pos[c] for c in served], k]] = 1.0
            act = sub.model.row_activity(x0)
            fits = (act >= sub.model.row_lb - 1e-9).all() and (act <= sub.model.row_ub + 1e-9).all()
            if not (fits and (x0 <= sub.model.ub).all()):
                x0 = None
        raw = solve_linear(
            replace(sub.model, start=x0 if x0 is not None else sub.model.start),
            backend=self.backend,
            time_limit_s=self.time_limit_s,
            gap=self.gap,
            threads=self.threads,
        )
        if raw.x is None:
            return raw
        x = np.zeros(self._pm.model.n_vars)
        x[self._pm.y[keep]] = raw.x[sub.y]
        x[self._pm.x[keep]] = raw.x[sub.x]
        if sub.z is not None and self._pm.z is not None:
            x[self._pm.z[keep]] = raw.x[sub.z]
        if sub.u is not None and self._pm.u is not None:
            x[self._pm.u[keep]] = raw.x[sub.u]
        return replace(raw, x=x)

    def _with_scores(self, s: np.ndarray) -> pd.DataFrame:
        cand = self._cand.assign(score_total=s)
        for j, kd in enumerate(self.constraints.kinds):
            cand[kind_score_column(kd.id)] = self._kind_s(s)[:, j]
        return cand

    def to_plan(self, solution: PlanSolution) -> Plan:
        """The full :class:`Plan` (centres, allocation, constraint table) of ``solution``;
        the constraint table's ``binding`` is ``active`` (see :meth:`assess_binding`)."""
        s = solution.score_total if solution.score_total is not None else self._s0
        cand = self._with_scores(s)
        centres, allocation, table = _report(
            cand, self._F, self._industries, self._omega, self._pm, solution.x, self.inputs
        )
        return Plan(
            status=solution.status,
            objective=solution.objective,
            bound=solution.bound,
            gap=solution.gap,
            solve_time_s=solution.solve_time_s,
            backend=self.backend,
            centres=centres,
            allocation=allocation,
            constraints=table,
            message=solution.message,
            notes=tuple(self._pm.notes),
            build_time_s=self.build_time_s,
            descriptions=dict(self._pm.families),
        )

    # ---------------------------------------------------------------- binding

    def assess_binding(self, solution: PlanSolution) -> pd.DataFrame:
        """The constraint table of ``solution`` with the binding check (see :func:`solve_plan`)."""
        if solution.x is None:
            msg = f"assess_binding needs a solution with a plan; this one is {solution.status!r}."
            raise ModelInputError(msg)
        s = solution.score_total if solution.score_total is not None else self._s0
        cand = self._with_scores(s)
        _, _, table = _report(
            cand, self._F, self._industries, self._omega, self._pm, solution.x, self.inputs
        )
        return self._binding_table(
            table, self._model_for(s, None), solution.x, solution.objective, s=s
        )

    def _binding_table(
        self,
        table: pd.DataFrame,
        model: LinearModel,
        x: np.ndarray,
        objective: float,
        *,
        s: np.ndarray | None = None,
    ) -> pd.DataFrame:
        """Add ``objective_gain``, ``objective_gain_low``/``_high`` and a proven ``binding``.

        For each family at its limit, the model without that family is solved in process:
        on a working set of candidates with the branch and bound on its warm LP (see
        :meth:`_lp_proof`), which proves the optimum without the family and so the exact
        gain. When that search stops at its node limit, the LP relaxation of the full
        model follows: an LP optimum no better than the plan (within the tolerance) proves
        the family does not bind; an integral LP optimum gives the exact gain. Otherwise
        the MIP without the family is solved from the plan, stopping (HiGHS) at the first
        incumbent better than the plan by more than the tolerance, which proves the family
        binds; the gain is then the interval between that incumbent and the solver's bound.
        """
        s = self._s0 if s is None else s
        tol = BINDING_TOLERANCE * max(1.0, abs(objective))
        exact_tol = 1e-9 * max(1.0, abs(objective))
        low: list[float] = []
        high: list[float] = []
        for f, active in zip(table["constraint"], table["active"]):
            if not active:
                low.append(0.0)
                high.append(0.0)
                continue
            sl = model.row_blocks[f]
            row_lb = model.row_lb.copy()
            row_ub = model.row_ub.copy()
            row_lb[sl] = -np.inf
            row_ub[sl] = np.inf
            relaxed = replace(model, row_lb=row_lb, row_ub=row_ub)
            proof, _, found = self._lp_proof(relaxed, branch=True, start=x, s=s)
            if proof is not None and proof.status == "optimal":
                gain = max(0.0, proof.objective - objective)
                low.append(gain)
                high.append(gain)
                continue
            status, xr, value, seconds = self._lp_session(relaxed).solve_lp(relaxed)
            if status == "optimal" and value <= objective + tol:
                # even the LP relaxation cannot beat the plan by more than the tolerance
                low.append(0.0)
                high.append(max(0.0, value - objective))
                continue
            proof = _integral_proof(relaxed, status, xr, value, seconds)
            if proof is not None and proof.status == "optimal":
                gain = max(0.0, proof.objective - objective)
                low.append(gain)
                high.append(gain)
                continue
            if found is not None and model.objective_of(found) > objective + tol:
                # the branching's incumbent already beats the plan: the family binds
                low.append(max(0.0, model.objective_of(found) - objective))
                high.append(max(0.0, value - objective) if status == "optimal" else math.nan)
                continue
            r = self._solve_mip(
                relaxed,
                start=x,
                time_limit_s=self.time_limit_s,
                gap=BINDING_TOLERANCE,
                target=objective + tol,
            )
            lp_bound = value if status == "optimal" else math.inf
            if r.x is None:
                low.append(0.0)  # nothing proven beyond the plan itself
                high.append(max(0.0, lp_bound - objective) if math.isfinite(lp_bound) else math.nan)
                continue
            bound = min(r.bound if math.isfinite(r.bound) else math.inf, lp_bound)
            low.append(max(0.0, r.objective - objective))
            high.append(max(0.0, bound - objective) if math.isfinite(bound) else math.nan)
        out = table.copy()
        lo = np.array(low, dtype=float)
        hi = np.array(high, dtype=float)
        exact = np.isfinite(hi) & (hi - lo <= exact_tol)
        # proven gain: exact where the interval closes, else only its interval is known
        out["objective_gain"] = np.where(exact, lo, np.nan)
        out["objective_gain_low"] = lo
        out["objective_gain_high"] = hi
        out["binding"] = lo > tol
        return out


def _integral_proof(
    model: LinearModel, status: Status, x: np.ndarray | None, value: float, seconds: float
) -> RawResult | None:
    """What an LP relaxation's result proves about the MIP ``model``, or None.

    An infeasible LP proves the MIP infeasible. An optimal LP solution whose integer
    variables are integral (within :data:`LP_INTEGRALITY_TOLERANCE`), that still meets
    every row once rounded, and whose rounded objective equals the LP value (relative
    1e-9) is optimal for the MIP.
    """
    if status == "infeasible":
        message = "HiGHS: the LP relaxation is infeasible, so is the model"
        return RawResult("infeasible", None, math.nan, math.nan, math.nan, seconds, message)
    if status != "optimal" or x is None:
        return None
    ints = model.integer
    if np.abs(x[ints] - np.round(x[ints])).max(initial=0.0) > LP_INTEGRALITY_TOLERANCE:
        return None
    x = np.clip(np.where(ints, np.round(x), x), model.lb, model.ub)
    act = model.row_activity(x)
    if not ((act >= model.row_lb - 1e-9).all() and (act <= model.row_ub + 1e-9).all()):
        return None
    objective = model.objective_of(x)
    # the LP value bounds the MIP's optimum, and this integral point reaches it
    if relative_gap(objective, value) > 1e-9:
        return None
    message = "HiGHS: the LP relaxation's optimum is integral, hence optimal"
    return RawResult("optimal", x, objective, objective, 0.0, seconds, message)


def build_plan_model(
    inputs: PlanInputs,
    constraints: PlanConstraints,
    *,
    backend: str = "cbc",
    time_limit_s: float | None = None,
    gap: float = 0.0,
    threads: int = 1,
) -> PlanModel:
    """Check the inputs and build the plan model once, to re-solve it in this process.

    Parameters are those of :func:`solve_plan`; ``time_limit_s`` and ``gap`` apply to each
    MIP solve of :meth:`PlanModel.solve`.

    Examples
    --------
    >>> model = build_plan_model(inputs, constraints, backend="highs")  # doctest: +SKIP
    >>> first = model.solve(scores_a)                                   # doctest: +SKIP
    >>> second = model.solve(scores_b, start=first)                     # doctest: +SKIP
    """
    check_backend(backend)
    if time_limit_s is not None and not time_limit_s > 0:
        msg = f"time_limit_s={time_limit_s!r} must be a positive number of seconds or None."
        raise SolverError(msg)
    if not 0.0 <= gap < 1.0:
        msg = f"gap={gap!r} must be a relative gap in [0, 1), e.g. 0.0 for proven optimality."
        raise SolverError(msg)
    if constraints.n_centres is not None and constraints.n_new is not None:
        msg = (
            "PlanConstraints takes n_centres (the total, existing centres included) or n_new "
            "(centres to add), not both."
        )
        raise ModelInputError(msg)
    if all(v is None for v in (constraints.n_centres, constraints.n_new, constraints.budget_musd)):
        msg = (
            "PlanConstraints needs n_centres, n_new or budget_musd to bound the number "
            "of centres; e.g. PlanConstraints(n_centres=5)."
        )
        raise ModelInputError(msg)
    t0 = time.perf_counter()
    cand, F, industries, omega = _check_inputs(inputs)
    ex = _existing_set(inputs.existing, industries)
    pm = _build(cand, F, omega, constraints, float(inputs.suitability_weight), ex, industries)
    return PlanModel(
        inputs=inputs,
        constraints=constraints,
        backend=backend,
        time_limit_s=time_limit_s,
        gap=gap,
        threads=threads,
        cand=cand,
        F=F,
        industries=industries,
        omega=omega,
        built=pm,
        build_time_s=time.perf_counter() - t0,
        existing=ex,
    )


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
        Solver time limit in seconds, for the main solve and again for each MIP re-solve
        of the binding check or the conflict search; a main solve stopped by it reports
        "feasible" with a gap.
    gap
        Relative gap at which the solver may stop.
    diagnose
        When infeasible, find the conflicting constraints (several extra solves).
    assess_binding
        For each constraint family at its limit, find what dropping it would gain
        (``objective_gain``, or its interval ``objective_gain_low`` ..
        ``objective_gain_high`` when only that is proven). ``binding`` is a proof: True
        only when some plan without the family beats this one by more than
        ``BINDING_TOLERANCE`` (relative). The model without the family is solved in
        process: its LP relaxation first (HiGHS simplex, warm-started), which settles the
        family when its optimum is no better than the plan (not binding) or integral
        (exact gain); otherwise its MIP, from this plan, with the backend (HiGHS stops at
        the first incumbent that proves the family binds). Gains are measured against the
        plan returned (an incumbent, if the main solve stopped at its time limit).
        Without this, ``binding`` only says the family is at its limit (``active``).

    Returns
    -------
    Plan
        Status "infeasible" carries ``conflicts`` and ``must_relax``; use
        :func:`raise_if_infeasible` to turn that into an :class:`InfeasibleError`.
    """
    check_backend(backend)
    model = build_plan_model(
        inputs, constraints, backend=backend, time_limit_s=time_limit_s, gap=gap, threads=threads
    )
    pm = model._pm
    cand = model._cand
    raw = solve_linear(
        pm.model, backend=backend, time_limit_s=time_limit_s, gap=gap, threads=threads
    )
    conflicts: tuple[str, ...] = ()
    must: tuple[str, ...] = ()
    if raw.status == "infeasible" and diagnose:
        conflicts, must = _diagnose(pm, backend=backend, time_limit_s=time_limit_s)
    F, industries, omega = model._F, model._industries, model._omega
    centres, allocation, table = _report(cand, F, industries, omega, pm, raw.x, inputs)
    if raw.x is not None and assess_binding:
        table = model._binding_table(table, pm.model, raw.x, raw.objective)
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
        build_time_s=model.build_time_s,
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
                "value": np.nan,
                "value_text": "",
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
    kind_of: list[str] = []
    kinds = pm.constraints.kinds
    if pm.z is not None:
        kind_of = [kinds[int(np.argmax(x[pm.z[c]]))].id for c in opened]
        by_id = {kd.id: kd for kd in kinds}
        centres["kind"] = kind_of
        centres["kind_name"] = [by_id[k].label for k in kind_of]
        centres["kind_score"] = [
            float(cand[kind_score_column(k)].iat[c]) for k, c in zip(kind_of, opened)
        ]
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
    values = _plan_values(cand, industries, opened, serve, pm.constraints, pm.existing)
    for kd in kinds:
        got = [str(cand["name"].iat[c]) for k, c in zip(kind_of, opened) if k == kd.id]
        text = f"{len(got)} ({', '.join(got)})" if got else "0"
        values[f"kind:{kd.id}"] = (float(len(got)), text)
    table_rows = []
    for f, desc in pm.families.items():
        sl = pm.model.row_blocks[f]
        lo, hi, a = pm.model.row_lb[sl], pm.model.row_ub[sl], act[sl]
        slack = np.minimum(
            np.where(np.isfinite(hi), hi - a, np.inf), np.where(np.isfinite(lo), a - lo, np.inf)
        )
        smin = float(slack.min()) if slack.size else math.nan
        active = bool(slack.size and smin <= 1e-6)
        value, text = values.get(f, (math.nan, ""))
        table_rows.append((f, desc, smin, active, active, value, text))
    table = pd.DataFrame(
        table_rows,
        columns=["constraint", "description", "slack", "active", "binding", "value", "value_text"],
    )
    return centres, allocation, table


def _plan_values(
    cand: pd.DataFrame,
    industries: list[str],
    opened: np.ndarray,
    serve: np.ndarray,
    cons: PlanConstraints,
    existing: pd.DataFrame | None,
) -> dict[str, tuple[float, str]]:
    """The plan's own value of each constraint family: (number, text for the brief).

    The number is in the constraint's unit (centres, MUSD, km, ...); the text adds where
    it comes from (the country at the cap, the closest pair, ...).
    """
    c = cand.iloc[opened]
    names = c["name"].astype(str).to_numpy()
    iso = c["iso3"].astype(str).to_numpy()
    out: dict[str, tuple[float, str]] = {}

    def count(v: int, of: int | None = None) -> tuple[float, str]:
        return float(v), f"{v}" if of is None else f"{v} of {of}"

    n_existing = 0 if existing is None else len(existing)
    out["n_new"] = count(len(c))
    out["n_centres"] = count(len(c) + n_existing)  # the total, existing centres included
    cost = c["cost_musd"].to_numpy(dtype=float)
    if len(c) and np.isfinite(cost).all():
        out["budget_musd"] = (float(cost.sum()), f"{cost.sum():,.4g} MUSD")
    if len(c):
        # per country with a new centre, existing centres included (as the cap counts them)
        per = pd.Series(iso).value_counts()
        if n_existing:
            held = existing["iso3"].astype(str).value_counts()  # type: ignore[index]
            per = per.add(held.reindex(per.index, fill_value=0))
        top = per[per == per.max()].index.tolist()
        out["max_per_country"] = (float(per.max()), f"{per.max()} ({', '.join(sorted(top))})")
    for key, col, radius in (
        ("min_on_rail_lines", "dist_rail_node_km", cons.rail_node_radius_km),
        ("min_near_coop_zones", "dist_coop_zone_km", cons.coop_zone_radius_km),
    ):
        d = np.nan_to_num(c[col].to_numpy(dtype=float), nan=np.inf)
        out[key] = count(int((d <= radius).sum()))
    out["min_st_leading"] = count(int(c["st_leading"].fillna(False).astype(bool).sum()))
    per_industry = serve[opened].sum(axis=0) if len(c) else np.zeros(0, dtype=int)
    if per_industry.size:
        top_k = [industries[k] for k in np.flatnonzero(per_industry == per_industry.max())]
        out["max_centres_per_industry"] = (
            float(per_industry.max()), f"{int(per_industry.max())} ({', '.join(top_k[:3])})"
        )
    per_centre = serve[opened].sum(axis=1) if len(c) else np.zeros(0, dtype=int)
    if per_centre.size:
        out["max_industries_per_centre"] = count(int(per_centre.max()))
    out["every_industry_served"] = count(int(serve.any(axis=0).sum()), len(industries))
    ids = set(c["city_id"].tolist())
    out["required_cities"] = count(
        sum(1 for i in cons.required_cities if i in ids), len(cons.required_cities)
    )
    out["excluded_cities"] = count(sum(1 for i in cons.excluded_cities if i in ids))
    out["required_countries"] = count(
        sum(1 for g in cons.required_countries if g in set(iso)), len(cons.required_countries)
    )
    out["excluded_countries"] = count(int(np.isin(iso, list(cons.excluded_countries)).sum()))
    for key, col in (("min_political_stability", "political_stability"),
                     ("min_score_total", "score_total")):  # fmt: skip
        v = c[col].to_numpy(dtype=float)
        if v.size and not np.isnan(v).any():
            i = int(np.argmin(v))
            out[key] = (float(v[i]), f"{v[i]:.2f} ({names[i]})")
        elif v.size:
            out[key] = (math.nan, f"unknown ({', '.join(names[np.isnan(v)][:3])})")
    if cons.min_separation_km and "lon" in c.columns and "lat" in c.columns:
        lon = c["lon"].to_numpy(dtype=float)
        lat = c["lat"].to_numpy(dtype=float)
        label = list(names)
        if existing is not None and len(existing):
            # existing centres count, but a pair of two existing ones is exempt
            lon = np.r_[lon, existing["lon"].to_numpy(dtype=float)]
            lat = np.r_[lat, existing["lat"].to_numpy(dtype=float)]
            label += [f"{n} (existing)" for n in existing["name"].astype(str)]
        best = _closest_counted(lon, lat, len(c))
        if best is not None:
            d, i, j = best
            out["min_separation_km"] = (d, f"closest pair {d:,.0f} km ({label[i]} - {label[j]})")
    return out


def _closest_counted(lon: np.ndarray, lat: np.ndarray, n_new: int) -> tuple[float, int, int] | None:
    """Closest pair of points with at least one of the first ``n_new`` in it."""
    from planner.optimise._separation import great_circle_km, unit_vectors

    ok = np.isfinite(lon) & np.isfinite(lat)
    new = np.flatnonzero(ok[:n_new])
    allp = np.flatnonzero(ok)
    if new.size == 0 or allp.size < 2:
        return None
    u = unit_vectors(lon, lat)
    best: tuple[float, int, int] | None = None
    for i in new:
        others = allp[allp != i]
        d = great_circle_km(u[i][None, :], u[others])
        k = int(np.argmin(d))
        if best is None or d[k] < best[0]:
            best = (float(d[k]), int(min(i, others[k])), int(max(i, others[k])))
    return best


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
    parts.append(
        "Relax one of them in the scenario's [constraints] table"
        + (" (a kind:<id> family: that kind's count or eligibility in [[kinds]])."
           if any(f.startswith("kind:") for f in [*conflicts, *must_relax]) else ".")
    )  # fmt: skip
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
    cols = ["city_id", "name", "iso3", "score_total", "cost_musd", "industries"]
    if "kind" in plan.centres.columns:
        cols.insert(3, "kind")
    show = plan.centres[cols]
    with pd.option_context("display.max_rows", 200, "display.width", 160):
        lines.append(show.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if not plan.constraints.empty:
        lines.append("")
        lines.append("constraints:")
        for row in plan.constraints.itertuples(index=False):
            if row.binding:
                gain = getattr(row, "objective_gain", math.nan)
                low = getattr(row, "objective_gain_low", math.nan)
                high = getattr(row, "objective_gain_high", math.nan)
                if math.isfinite(gain):
                    state = f"binding (costs {gain:.4g})"
                elif math.isfinite(low) and math.isfinite(high):
                    state = f"binding (costs between {low:.4g} and {high:.4g})"
                elif math.isfinite(low):
                    state = f"binding (costs at least {low:.4g})"
                else:
                    state = "binding"
            elif row.active:
                high = getattr(row, "objective_gain_high", 0.0)
                tol = BINDING_TOLERANCE * max(1.0, abs(plan.objective))
                if math.isfinite(high) and high <= tol:
                    state = "at its limit, not binding"
                else:  # a time-limited re-solve found no better plan, nor ruled one out
                    state = "at its limit, not proven binding" + (
                        f" (would gain at most {high:.4g})" if math.isfinite(high) else ""
                    )
            else:
                state = f"slack {row.slack:g}"
            value = getattr(row, "value_text", "")
            plan_value = f"; plan: {value}" if isinstance(value, str) and value else ""
            lines.append(f"  {row.constraint}: {row.description} -- {state}{plan_value}")
    lines.extend(f"note: {n}" for n in plan.notes)
    return "\n".join(lines)


__all__ = [
    "BACKENDS",
    "CentreKind",
    "Plan",
    "PlanConstraints",
    "PlanInputs",
    "PlanModel",
    "PlanSolution",
    "build_plan_model",
    "centre_kinds_from_list",
    "format_plan",
    "infeasible_message",
    "kind_score_column",
    "plan_constraints_from_mapping",
    "raise_if_infeasible",
    "solve_plan",
]
