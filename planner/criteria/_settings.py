"""The scenario's ``[criteria]`` table, validated into :class:`CriteriaSettings`."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

from planner._errors import CriteriaError, ScenarioError
from planner.criteria._catalogue import (
    CATALOGUE,
    CRITERIA,
    DECAY_METHODS,
    GROUPS,
    NORMALISATION_METHODS,
    Criterion,
    Normalisation,
)
from planner.criteria._weights import ahp_weights

MISSING_POLICIES: tuple[str, ...] = (
    "country_median", "region_median", "worst", "zero", "omit", "exclude",
)  # fmt: skip
METHODS: tuple[str, ...] = ("weighted_sum", "topsis")
WEIGHTINGS: tuple[str, ...] = ("direct", "ahp", "entropy", "critic")

Method = Literal["weighted_sum", "topsis"]
Weighting = Literal["direct", "ahp", "entropy", "critic"]


@dataclass(frozen=True)
class AhpMatrix:
    """A pairwise comparison matrix over criterion or group ids."""

    items: tuple[str, ...]
    matrix: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class FilterSettings:
    """Hard filters, applied to raw values before normalisation.

    Attributes
    ----------
    excluded_countries
        ISO3 codes never scored (the home country by default).
    require_bri
        Keep only countries with a Belt and Road cooperation document, not withdrawn.
    min_population
        Keep cities of at least this many people; ``None`` for no floor.
    min_values, max_values
        Criterion id -> floor / ceiling on its raw measure, in its unit (for example
        ``political_stability = -1.0`` as a WGI estimate floor, ``air_time = 24`` hours).
        A candidate without a value fails the test.
    screens
        Host-country screens to apply (ids of :data:`planner.criteria.SCREENS`), from the
        scenario's ``[candidates] screens``: every country the ``host_screens`` layer lists
        under one of them is removed, and the report names it with its reason.
    exclude_low_confidence
        Remove low-confidence candidates (``[candidates] exclude_low_confidence``): those
        whose share of weight on values not observed for them exceeds
        ``CriteriaSettings.low_confidence_share``.
    """

    excluded_countries: tuple[str, ...] = ("CHN",)
    require_bri: bool = False
    min_population: int | None = None
    min_values: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    max_values: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    screens: tuple[str, ...] = ()
    exclude_low_confidence: bool = False


@dataclass(frozen=True)
class CriteriaSettings:
    """How candidates are scored; every field has a documented default.

    Attributes
    ----------
    criteria
        The criteria in use (catalogue rows, with the scenario's normalisation, weight
        and missing-value policy applied), including user-added ones.
    method
        ``"weighted_sum"`` or ``"topsis"``.
    weighting
        How criterion weights are made: ``"direct"`` (catalogue defaults overridden by
        ``[criteria.weights]``), ``"ahp"`` (``[criteria.ahp]`` over criteria),
        ``"entropy"`` or ``"critic"`` (objective weights from the normalised matrix, within
        each group when group weights are set).
    group_weights
        Group id -> weight, or ``None``: weights are then flat over the criteria.
    group_ahp
        A pairwise matrix over groups; its weights become the group weights.
    ahp
        A pairwise matrix over criteria (with ``weighting = "ahp"``).
    filters
        :class:`FilterSettings`.
    home_zone_factor
        Zones sponsored by other provinces count at this many times their distance (>= 1).
    cluster_radius_km
        Innovation clusters within this great-circle distance of a city count for it.
    cluster_ranked_n
        Length of the cluster ranking a rank is read against (WIPO's Global Innovation
        Index ranks the top 100 science and technology clusters); the largest rank in the
        layer when that is larger.
    industry_cluster_share
        Share of the cluster part in industry fit (the rest is the indicator part).
    industry_zone_km
        A cooperation zone the home province sponsors counts as evidence for a
        candidate's industry fit within this great-circle distance (km); by default the
        ``home_zone_km`` of the scenario's kinds of centre (the largest), else 150.
    industry_zone_share
        How far such a zone, when one of its sectors matches the industry (the industries
        layer's ``zone_sectors``), moves the candidate's fit from the country evidence
        towards 1 (0 = zones are no evidence, 1 = a matching zone makes the fit 1).
    st_leading_top_n
        A country leads in science and technology when its latest GII score is among
        the ``st_leading_top_n`` best in the indicators layer.
    reference_year
        Year up to which Belt and Road membership is counted; the latest signing year in
        the layer when ``None``.
    explain_n
        How many lifting and holding-back criteria to name per city.
    low_confidence_share
        A candidate is low-confidence when more than this share of its criterion weight
        rests on values not observed for it (imputed, or left out and reweighted); in
        [0, 1], 0.25 by default.
    """

    criteria: tuple[Criterion, ...] = CATALOGUE
    method: Method = "weighted_sum"
    weighting: Weighting = "direct"
    group_weights: Mapping[str, float] | None = None
    group_ahp: AhpMatrix | None = None
    ahp: AhpMatrix | None = None
    filters: FilterSettings = field(default_factory=FilterSettings)
    home_zone_factor: float = 2.0
    cluster_radius_km: float = 100.0
    cluster_ranked_n: int = 100
    industry_cluster_share: float = 0.5
    industry_zone_km: float = 150.0
    industry_zone_share: float = 0.5
    st_leading_top_n: int = 25
    reference_year: int | None = None
    explain_n: int = 3
    low_confidence_share: float = 0.25
    added: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def ids(self) -> tuple[str, ...]:
        """Criterion ids in use, in catalogue order."""
        return tuple(c.id for c in self.criteria)


_TOP_KEYS = {
    "method": "'weighted_sum' or 'topsis'",
    "weighting": "'direct', 'ahp', 'entropy' or 'critic'",
    "drop": "a list of criterion ids to leave out",
    "weights": "a table criterion id -> weight >= 0",
    "weights_file": "a TOML file of weights from `planner calibrate --out` (relative path: "
    "to the scenario's folder)",
    "group_weights": f"a table group -> weight >= 0 (groups: {', '.join(GROUPS)})",
    "group_ahp": "a table with items (group ids) and matrix (pairwise judgements)",
    "ahp": "a table with items (criterion ids) and matrix (pairwise judgements)",
    "normalisation": "a table criterion id -> {method, cutoff, half_life, midpoint, width}",
    "missing": "a table criterion id -> policy or list of policies",
    "filters": "a table: excluded_countries, require_bri, min_population, min, max",
    "add": "a table new criterion id -> {indicator or column, group, direction, ...}",
    "home_zone_factor": "a number >= 1",
    "cluster_radius_km": "a number > 0",
    "cluster_ranked_n": "an integer >= 1",
    "industry_cluster_share": "a number in [0, 1]",
    "industry_zone_km": "a distance in km > 0",
    "industry_zone_share": "a number in [0, 1]",
    "st_leading_top_n": "an integer >= 1",
    "reference_year": "a year, e.g. 2024",
    "explain_n": "an integer >= 1",
    "low_confidence_share": "a share in [0, 1] of a candidate's weight on unobserved values",
}
_FILTER_KEYS = {
    "excluded_countries": "a list of ISO3 codes",
    "require_bri": "true or false",
    "min_population": "an integer >= 0",
    "min": "a table criterion id -> floor on its raw value",
    "max": "a table criterion id -> ceiling on its raw value",
}
_NORM_KEYS = ("method", "cutoff", "half_life", "midpoint", "width")
_ADD_KEYS = {
    "indicator": "an indicator id of the indicators layer (country level)",
    "column": "a column of the candidate cities frame (city level)",
    "group": f"one of {', '.join(GROUPS)}",
    "name": "a short label",
    "direction": "'higher' or 'lower'",
    "weight": "a number >= 0",
    "normalisation": f"one of {', '.join(NORMALISATION_METHODS)}",
    "missing": "a policy or list of policies",
    "unit": "the unit of the measure",
}


def criteria_settings_from_mapping(mapping: Mapping[str, Any] | None) -> CriteriaSettings:
    """Validate a scenario's ``[criteria]`` table into :class:`CriteriaSettings`.

    Parameters
    ----------
    mapping
        The table as read from TOML (nested plain mappings); empty or ``None`` for the
        catalogue defaults.

    Raises
    ------
    ScenarioError
        On an unknown key, a wrong type or a bad value; the message names the key, shows
        the value and lists what is allowed.
    """
    m = dict(mapping or {})
    _keys(m, _TOP_KEYS, "criteria")
    method = _choice(m, "method", METHODS, "weighted_sum", "criteria")
    weighting = _choice(m, "weighting", WEIGHTINGS, "direct", "criteria")

    added, added_specs = _added(m.get("add", {}))
    catalogue = {**CRITERIA, **added}
    groups = {c.id: c.group for c in catalogue.values()}

    drop = _str_list(m.get("drop", []), "criteria.drop")
    for cid in drop:
        _known(cid, catalogue, "criteria.drop")
    chosen = [c for c in catalogue.values() if c.id not in drop]
    if not chosen:
        msg = f"criteria.drop = {drop!r} leaves no criterion; keep at least one."
        raise ScenarioError(msg)

    weights = _number_table(m.get("weights", {}), "criteria.weights", catalogue, minimum=0.0)
    if "weights_file" in m:
        lacking = [c.id for c in chosen if c.id not in weights]
        if lacking:
            msg = (
                f"criteria.weights_file {m['weights_file']!r} has no weight for "
                f"{', '.join(lacking)}; calibrate again or add them to its [weights]."
            )
            raise ScenarioError(msg)
    norms = _table(m.get("normalisation", {}), "criteria.normalisation")
    missing = _table(m.get("missing", {}), "criteria.missing")
    out: list[Criterion] = []
    for c in chosen:
        norm = c.normalisation
        if c.id in norms:
            norm = _normalisation(norms[c.id], f"criteria.normalisation.{c.id}", c)
        miss = c.missing
        if c.id in missing:
            miss = _policies(missing[c.id], f"criteria.missing.{c.id}")
            if "zero" in miss and c.direction != "higher":
                msg = (
                    f"criteria.missing.{c.id} = {missing[c.id]!r}: 'zero' is a conservative "
                    f"fill only where higher is better, and {c.id!r} is better when lower; "
                    "use 'worst' or 'omit'."
                )
                raise ScenarioError(msg)
        out.append(replace(c, normalisation=norm, weight=weights.get(c.id, c.weight), missing=miss))
    for key in norms:
        _known(key, catalogue, "criteria.normalisation")
        if key in drop:
            _dropped_but_set(key, "criteria.normalisation")
    for key in missing:
        _known(key, catalogue, "criteria.missing")
        if key in drop:
            _dropped_but_set(key, "criteria.missing")
    for key in weights:
        if key in drop:
            _dropped_but_set(key, "criteria.weights")

    group_weights = None
    if "group_weights" in m:
        gw = _number_table(m["group_weights"], "criteria.group_weights", GROUPS, minimum=0.0)
        group_weights = MappingProxyType(gw)
    group_ahp = None
    if "group_ahp" in m:
        if group_weights is not None:
            msg = (
                "criteria.group_ahp and criteria.group_weights both set the group weights; "
                "keep one of them."
            )
            raise ScenarioError(msg)
        group_ahp = _ahp(m["group_ahp"], "criteria.group_ahp", GROUPS)
    ahp = None
    if "ahp" in m:
        if weighting != "ahp":
            msg = (
                f"criteria.ahp is set but criteria.weighting = {weighting!r}; set "
                "weighting = 'ahp' to use it, or remove the ahp table."
            )
            raise ScenarioError(msg)
        ahp = _ahp(m["ahp"], "criteria.ahp", catalogue)
        for item in ahp.items:
            if item in drop:
                _dropped_but_set(item, "criteria.ahp.items")
        missing_items = [c.id for c in out if c.id not in ahp.items]
        if missing_items and group_weights is None and group_ahp is None:
            msg = (
                f"criteria.ahp compares {', '.join(ahp.items)} but not "
                f"{', '.join(missing_items)}; compare every criterion in use, drop the others, "
                "or set group weights so that AHP weighs criteria within their groups."
            )
            raise ScenarioError(msg)
        if missing_items:
            for g in {groups[c] for c in ahp.items}:
                members = [c.id for c in out if groups[c.id] == g]
                partial = [c for c in members if c not in ahp.items]
                if partial:
                    msg = (
                        f"criteria.ahp compares some criteria of the group {g!r} but not "
                        f"{', '.join(partial)}; within a group compare all of its criteria "
                        "or none (those groups then keep direct weights)."
                    )
                    raise ScenarioError(msg)
    elif weighting == "ahp":
        msg = "criteria.weighting = 'ahp' needs a [criteria.ahp] table with items and matrix."
        raise ScenarioError(msg)
    if group_weights is not None or group_ahp is not None:
        used_groups = {groups[c.id] for c in out}
        named = set(group_weights or {}) | set(group_ahp.items if group_ahp else ())
        lacking = sorted(used_groups - named)
        if lacking:
            key = "criteria.group_weights" if group_weights is not None else "criteria.group_ahp"
            msg = (
                f"{key} gives no weight to the group(s) {', '.join(lacking)} that criteria in "
                "use belong to; give them a weight (0 to ignore them) or drop their criteria."
            )
            raise ScenarioError(msg)

    filters = _filters(m.get("filters", {}), catalogue)
    return CriteriaSettings(
        criteria=tuple(out),
        method=method,  # type: ignore[arg-type]
        weighting=weighting,  # type: ignore[arg-type]
        group_weights=group_weights,
        group_ahp=group_ahp,
        ahp=ahp,
        filters=filters,
        home_zone_factor=_num(m, "home_zone_factor", 2.0, "criteria", lo=1.0),
        cluster_radius_km=_num(m, "cluster_radius_km", 100.0, "criteria", lo=0.0, strict=True),
        cluster_ranked_n=int(_num(m, "cluster_ranked_n", 100, "criteria", lo=1.0, integer=True)),
        industry_cluster_share=_num(m, "industry_cluster_share", 0.5, "criteria", lo=0.0, hi=1.0),
        industry_zone_km=_num(m, "industry_zone_km", 150.0, "criteria", lo=0.0, strict=True),
        industry_zone_share=_num(m, "industry_zone_share", 0.5, "criteria", lo=0.0, hi=1.0),
        st_leading_top_n=int(_num(m, "st_leading_top_n", 25, "criteria", lo=1.0, integer=True)),
        reference_year=(
            int(_num(m, "reference_year", 0, "criteria", lo=1900.0, hi=2200.0, integer=True))
            if "reference_year" in m
            else None
        ),
        explain_n=int(_num(m, "explain_n", 3, "criteria", lo=1.0, integer=True)),
        low_confidence_share=_num(m, "low_confidence_share", 0.25, "criteria", lo=0.0, hi=1.0),
        added=MappingProxyType(added_specs),
    )


# ---------------------------------------------------------------------------------------
# helpers


def _keys(table: Mapping[str, Any], allowed: Mapping[str, str], where: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            listing = "; ".join(f"{k}: {v}" for k, v in allowed.items())
            msg = f"Unknown key {where}.{key}.{hint} Allowed keys: {listing}."
            raise ScenarioError(msg)


def _known(cid: str, catalogue: Mapping[str, Any], where: str) -> None:
    if cid not in catalogue:
        close = difflib.get_close_matches(str(cid), list(catalogue), n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        msg = (
            f"{where} names {cid!r}, which is not a criterion.{hint} Known criteria: "
            f"{', '.join(catalogue)}."
        )
        raise ScenarioError(msg)


def _dropped_but_set(cid: str, where: str) -> None:
    msg = f"{where} sets {cid!r}, which criteria.drop removes; remove one of the two."
    raise ScenarioError(msg)


def _choice(m: Mapping[str, Any], key: str, allowed: Sequence[str], default: str, where: str):
    value = m.get(key, default)
    if value not in allowed:
        msg = f"{where}.{key} = {value!r} is not allowed; use one of {', '.join(allowed)}."
        raise ScenarioError(msg)
    return value


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        msg = f"{where} must be a table, got {value!r}."
        raise ScenarioError(msg)
    return dict(value)


def _str_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        msg = f"{where} must be a list of strings, got {value!r}."
        raise ScenarioError(msg)
    for v in value:
        if not isinstance(v, str):
            msg = f"{where} must be a list of strings, got the item {v!r}."
            raise ScenarioError(msg)
    return list(value)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _number_table(
    value: Any, where: str, known: Mapping[str, Any], *, minimum: float
) -> dict[str, float]:
    table = _table(value, where)
    out: dict[str, float] = {}
    for key, v in table.items():
        if key not in known:
            close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            msg = f"{where}.{key}: unknown name.{hint} Allowed: {', '.join(known)}."
            raise ScenarioError(msg)
        if not _is_number(v) or float(v) < minimum:
            msg = f"{where}.{key} = {v!r} must be a number >= {minimum:g}."
            raise ScenarioError(msg)
        out[key] = float(v)
    return out


def _num(
    m: Mapping[str, Any],
    key: str,
    default: float,
    where: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    strict: bool = False,
    integer: bool = False,
) -> float:
    if key not in m:
        return float(default)
    v = m[key]
    ok = _is_number(v) and (not integer or float(v).is_integer())
    if ok and lo is not None:
        ok = float(v) > lo if strict else float(v) >= lo
    if ok and hi is not None:
        ok = float(v) <= hi
    if not ok:
        kind = "an integer" if integer else "a number"
        bounds = []
        if lo is not None:
            bounds.append(f"{'>' if strict else '>='} {lo:g}")
        if hi is not None:
            bounds.append(f"<= {hi:g}")
        msg = f"{where}.{key} = {v!r} must be {kind} {' and '.join(bounds)}.".replace("  ", " ")
        raise ScenarioError(msg)
    return float(v)


def _policies(value: Any, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Sequence) or not items:
        msg = (
            f"{where} = {value!r} must be a policy or a non-empty list of policies "
            f"({', '.join(MISSING_POLICIES)})."
        )
        raise ScenarioError(msg)
    for p in items:
        if p not in MISSING_POLICIES:
            msg = (
                f"{where} = {value!r}: {p!r} is not a missing-value policy; use "
                f"{', '.join(MISSING_POLICIES)} (or a list tried in order)."
            )
            raise ScenarioError(msg)
    return tuple(items)


def _normalisation(value: Any, where: str, c: Criterion) -> Normalisation:
    if isinstance(value, str):
        value = {"method": value}
    table = _table(value, where)
    _keys(table, {k: "see the catalogue" for k in _NORM_KEYS}, where)
    method = table.get("method", c.normalisation.method)
    if method not in NORMALISATION_METHODS:
        msg = (
            f"{where}.method = {method!r} is not allowed; use one of "
            f"{', '.join(NORMALISATION_METHODS)}."
        )
        raise ScenarioError(msg)
    params: dict[str, float | None] = {}
    for key in _NORM_KEYS[1:]:
        v = table.get(key)
        if v is None and method == c.normalisation.method:
            v = getattr(c.normalisation, key)
        if v is not None and (not _is_number(v) or float(v) <= 0):
            msg = f"{where}.{key} = {v!r} must be a number > 0 (in {c.unit})."
            raise ScenarioError(msg)
        params[key] = None if v is None else float(v)
    if method in DECAY_METHODS:
        if c.direction != "lower":
            msg = (
                f"{where}.method = {method!r} is a decay of distance or time, but "
                f"{c.id!r} is better when higher; use minmax, rank or identity."
            )
            raise ScenarioError(msg)
        need = {"linear": ("cutoff",), "exponential": ("half_life",)}.get(
            method, ("midpoint", "width")
        )
        for key in need:
            if params[key] is None:
                msg = f"{where}: a {method} decay needs {key} (a number > 0, in {c.unit})."
                raise ScenarioError(msg)
    return Normalisation(method, **params)  # type: ignore[arg-type]


def _ahp(value: Any, where: str, known: Mapping[str, Any]) -> AhpMatrix:
    table = _table(value, where)
    _keys(table, {"items": "a list of ids", "matrix": "a list of rows of numbers"}, where)
    if "items" not in table or "matrix" not in table:
        msg = f"{where} needs both items and matrix, got keys {sorted(table)!r}."
        raise ScenarioError(msg)
    items = _str_list(table["items"], f"{where}.items")
    for item in items:
        if item not in known:
            msg = f"{where}.items names {item!r}; allowed: {', '.join(known)}."
            raise ScenarioError(msg)
    rows = table["matrix"]
    n = len(items)
    if (
        not isinstance(rows, Sequence)
        or len(rows) != n
        or any(not isinstance(r, Sequence) or len(r) != n for r in rows)
    ):
        msg = f"{where}.matrix must be {n} rows of {n} numbers (one per item), got {rows!r}."
        raise ScenarioError(msg)
    for r in rows:
        for v in r:
            if not _is_number(v) or float(v) <= 0:
                msg = f"{where}.matrix holds {v!r}; judgements are numbers > 0 (1-9, 1/9-1)."
                raise ScenarioError(msg)
    out = AhpMatrix(tuple(items), tuple(tuple(float(v) for v in r) for r in rows))
    try:
        ahp_weights(out.matrix, out.items)
    except CriteriaError as exc:
        msg = f"{where}: {exc}"
        raise ScenarioError(msg) from None
    return out


def _filters(value: Any, catalogue: Mapping[str, Criterion]) -> FilterSettings:
    where = "criteria.filters"
    table = _table(value, where)
    _keys(table, _FILTER_KEYS, where)
    countries = tuple(_str_list(table.get("excluded_countries", ["CHN"]), f"{where}.excluded"))
    for code in countries:
        if len(code) != 3 or not code.isupper():
            msg = f"{where}.excluded_countries holds {code!r}; use ISO3 codes such as 'RUS'."
            raise ScenarioError(msg)
    require_bri = table.get("require_bri", False)
    if not isinstance(require_bri, bool):
        msg = f"{where}.require_bri = {require_bri!r} must be true or false."
        raise ScenarioError(msg)
    min_population = None
    if "min_population" in table:
        min_population = int(_num(table, "min_population", 0, where, lo=0.0, integer=True))
    bounds: list[dict[str, float]] = []
    for key in ("min", "max"):
        sub = _table(table.get(key, {}), f"{where}.{key}")
        out = {}
        for cid, v in sub.items():
            _known(cid, catalogue, f"{where}.{key}")
            if not _is_number(v):
                msg = (
                    f"{where}.{key}.{cid} = {v!r} must be a number, in the unit of "
                    f"{catalogue[cid].measure} ({catalogue[cid].unit})."
                )
                raise ScenarioError(msg)
            out[cid] = float(v)
        bounds.append(out)
    return FilterSettings(
        excluded_countries=countries,
        require_bri=require_bri,
        min_population=min_population,
        min_values=MappingProxyType(bounds[0]),
        max_values=MappingProxyType(bounds[1]),
    )


def _added(value: Any) -> tuple[dict[str, Criterion], dict[str, dict[str, str]]]:
    where = "criteria.add"
    table = _table(value, where)
    out: dict[str, Criterion] = {}
    specs: dict[str, dict[str, str]] = {}
    for cid, spec in table.items():
        w = f"{where}.{cid}"
        if cid in CRITERIA:
            msg = f"{w}: {cid!r} is already a catalogue criterion; pick a new id."
            raise ScenarioError(msg)
        if not cid.isidentifier():
            msg = f"{w}: the id {cid!r} must be letters, digits and underscores."
            raise ScenarioError(msg)
        s = _table(spec, w)
        _keys(s, _ADD_KEYS, w)
        if ("indicator" in s) == ("column" in s):
            msg = f"{w} needs exactly one of indicator (country level) or column (city level)."
            raise ScenarioError(msg)
        source_key = "indicator" if "indicator" in s else "column"
        source = s[source_key]
        if not isinstance(source, str) or not source:
            msg = f"{w}.{source_key} = {source!r} must be a non-empty string."
            raise ScenarioError(msg)
        group = _choice(s, "group", tuple(GROUPS), "", w) if "group" in s else None
        if group is None:
            msg = f"{w} needs a group, one of {', '.join(GROUPS)}."
            raise ScenarioError(msg)
        direction = _choice(s, "direction", ("higher", "lower"), "higher", w)
        method = _choice(s, "normalisation", ("minmax", "rank", "identity"), "minmax", w)
        weight = _num(s, "weight", 0.05, w, lo=0.0)
        missing = _policies(s.get("missing", ["region_median", "worst"]), f"{w}.missing")
        name = s.get("name", cid)
        unit = s.get("unit", "")
        out[cid] = Criterion(
            id=cid,
            group=group,
            name=str(name),
            description=f"User criterion from the {source_key} {source!r}.",
            measure=source,
            unit=str(unit),
            direction=direction,  # type: ignore[arg-type]
            level="country" if source_key == "indicator" else "city",
            normalisation=Normalisation(method),  # type: ignore[arg-type]
            weight=weight,
            missing=missing,
            source="scenario",
        )
        specs[cid] = {"kind": source_key, "source": source}
    return out, specs
