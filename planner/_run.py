"""The finished run as the outputs see it: one neutral, read-only structure.

The pipeline builds a :class:`RunView` from the stages' results; :mod:`planner.maps` and
:mod:`planner.briefs` read only this, so neither imports an optimiser, a solver or the
criteria stage. Every frame is a plain pandas/geopandas frame with the columns listed
below; optional columns may be absent and outputs then say the fact is unknown.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd

from planner._errors import OutputError, PlannerError

log = logging.getLogger(__name__)

# Statuses a solver may report; anything else is shown as given.
STATUS_TEXT: dict[str, str] = {
    "optimal": "optimal (proved by the solver)",
    "feasible": "feasible, not proved optimal",
    "time_limit": "stopped at the time limit with a feasible plan, not proved optimal",
    "time_limit_feasible": "stopped at the time limit with a feasible plan, not proved optimal",
    "time_limit_no_solution": "stopped at the time limit before finding any plan",
    "infeasible": "infeasible: no plan meets every constraint",
    "unbounded": "unbounded: the model is missing a limit",
    "not_solved": "not solved",
    "error": "the solver failed",
}


class OriginLike(Protocol):
    """A home-province node: ``name``, ``role`` ("rail", "port", "airport", "city"), lon/lat."""

    name: str
    role: str
    lon: float
    lat: float


@dataclass(frozen=True)
class RunView:
    """Everything the map and the brief show about one finished run.

    Parameters
    ----------
    scenario_name
        The scenario's name (used in titles and file names).
    province
        Home province, e.g. ``"Zhejiang"``; cooperation zones whose ``sponsor_province``
        equals it are the province's own.
    title
        Human title of the run, e.g. ``"Zhejiang overseas innovation centres"``.
    origins
        Home-province nodes, objects with ``name``, ``role``, ``lon``, ``lat`` (degrees).
    status
        Solver status text: ``"optimal"``, ``"feasible"``, ``"infeasible"``,
        ``"time_limit_no_solution"``, ... (see :data:`STATUS_TEXT`).
    objective, bound, gap
        Objective value, best bound and relative gap (0.01 = 1 %); NaN when unknown.
    backend
        Solver backend, e.g. ``"pulp-cbc"``.
    solve_time_s
        Wall-clock seconds the solver took.
    centres
        One row per chosen centre (EPSG:4326 points): ``city_id``, ``name``, ``iso3``,
        ``country``, ``rank`` (1 = best), ``score_total`` in [0, 1], ``industries`` (list of
        industry names the centre serves), ``rail_time_h``, ``sea_time_h``, ``air_time_h``,
        ``best_freight_mode``, ``dist_rail_node_km``, ``nearest_rail_node``,
        ``dist_coop_zone_km``, ``nearest_coop_zone``, ``score_<criterion>`` in [0, 1] and
        ``contrib_<criterion>`` (weight x score). Optional: ``political_stability`` (WGI
        estimate, -2.5 to 2.5), ``cultural_distance`` (index, 0 = like China),
        ``st_leading`` (bool: a leading science and technology country), ``coop_zone_home``
        (bool), ``bri_signed`` (bool), ``st_agreement`` (bool or missing),
        ``missing_criteria`` (list of criteria whose value was imputed for the city).
    candidates
        Every scored candidate city (points): ``city_id``, ``name``, ``iso3``, ``country``,
        ``rank``, ``score_total`` and the same score columns.
    criteria
        The criteria used: ``id``, ``group``, ``description``, ``unit``, ``direction``,
        ``weight``, ``source``; optional ``name`` (short label).
    industries
        ``industry_id``, ``name``, ``weight``, ``centres`` (list of centre names serving it).
    constraints
        ``name``, ``value`` (the plan's own value, in the constraint's unit), optional
        ``plan`` (that value in words, e.g. "2 (KOR)", "closest pair 312 km (Osaka -
        Seoul)"), ``limit``, ``slack``, ``binds`` (bool).
    robustness
        Optional: ``city_id``, ``chosen_share`` in [0, 1] (share of sensitivity runs that
        chose the city), ``rank_low``, ``rank_high``; ``None`` when no sensitivity run.
    layers
        Context layers by name: ``corridors``, ``rail_lines``, ``cooperation_zones``,
        ``ports``, ``countries``; any may be absent.
    sources
        ``layer``, ``source``, ``year``, ``licence``.
    warnings
        Plain-language notes about the data (missing values, filtered candidates, ...).
    timings_s
        Seconds spent in each stage.
    robustness_runs
        Number of sensitivity runs behind ``robustness`` (0 when none).
    robustness_same_plan
        Share of those runs whose centres were exactly the plan's, in [0, 1]; NaN when
        unknown.
    robustness_png
        A chart of how often each city was chosen across the sensitivity runs (PNG
        bytes), or empty.
    existing
        Optional: the centres the province already runs, taken as open by the plan
        (points; geometry empty where only the country is known): ``name``, ``iso3``,
        ``country``, ``city``, ``located`` ("city", "region", "country_only"), ``sponsor``,
        ``year_opened``, ``status``, ``status_date``, ``stage``, ``industries`` (list of
        industry names; empty = unknown), ``nearest_corridor`` and ``dist_corridor_km``
        (km), ``source``. ``None`` or empty: a blank slate.
    excluded
        Hosts a rule kept out of the plan: ``rule`` (``screen:<id>`` for a host-country
        screen, ``min_political_stability`` for the stability floor), ``iso3``,
        ``country``, ``reason`` and ``n_cities`` (candidate cities of the country it
        removed).
    low_confidence_share
        The criteria stage's threshold: a candidate with more than this share of its
        weight on unobserved values is low-confidence (NaN when unknown).
    backtest
        Optional: a :class:`planner.analysis.Backtest` (``planner run --backtest``).
    plan_constraints
        Optional: the scenario's :class:`planner.optimise.PlanConstraints` (its values
        and kinds of centre), from which the Chinese brief writes each constraint family;
        ``None``: the families keep the plan model's own descriptions.
    weights_file
        The ``[criteria] weights_file`` the weights came from ("" for the scenario's own).
    """

    scenario_name: str
    province: str
    title: str
    origins: Sequence[OriginLike]
    status: str
    objective: float
    bound: float
    gap: float
    backend: str
    solve_time_s: float
    centres: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    criteria: pd.DataFrame
    industries: pd.DataFrame
    constraints: pd.DataFrame
    robustness: pd.DataFrame | None = None
    layers: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: Sequence[str] = ()
    timings_s: Mapping[str, float] = field(default_factory=dict)
    robustness_runs: int = 0
    robustness_same_plan: float = math.nan
    robustness_png: bytes = b""
    existing: gpd.GeoDataFrame | None = None
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame)
    low_confidence_share: float = math.nan
    backtest: Any = None
    plan_constraints: Any = None
    weights_file: str = ""

    @property
    def proved_optimal(self) -> bool:
        """True only when the solver proved the plan optimal."""
        return self.status == "optimal"

    @property
    def has_plan(self) -> bool:
        """True when the run chose at least one centre."""
        return len(self.centres) > 0

    def status_text(self) -> str:
        """The solver status in plain words, with the gap when the plan is not proved."""
        text = STATUS_TEXT.get(self.status, self.status)
        if self.status != "optimal" and self.has_plan and _finite(self.gap):
            text += f"; gap to the best bound {self.gap:.2%}"
        return text

    @functools.cached_property
    def _labels(self) -> dict[str, str]:
        crit = self.criteria
        if not {"id", "name"} <= set(crit.columns):
            return {}
        return {str(i): n for i, n in zip(crit["id"], crit["name"]) if isinstance(n, str) and n}

    @functools.cached_property
    def _weights(self) -> dict[str, float]:
        crit = self.criteria
        if not {"id", "weight"} <= set(crit.columns):
            return {}
        weights = pd.to_numeric(crit["weight"], errors="coerce")
        return {str(i): float(w) for i, w in zip(crit["id"], weights)}

    def criterion_label(self, criterion_id: str) -> str:
        """Short human label of a criterion (its ``name``, else its id with spaces)."""
        return self._labels.get(criterion_id) or criterion_id.replace("_", " ")

    def criterion_weight(self, criterion_id: str) -> float:
        """The criterion's weight, NaN when the catalogue lacks it."""
        return self._weights.get(criterion_id, math.nan)

    @functools.cached_property
    def _contribution_columns(self) -> tuple[str, ...]:
        cols = list(self.centres.columns) + list(self.candidates.columns)
        return tuple(dict.fromkeys(c for c in cols if c.startswith("contrib_")))

    def contribution_columns(self) -> list[str]:
        """The ``contrib_<criterion>`` columns of the centres and candidates frames."""
        return list(self._contribution_columns)


@dataclass(frozen=True)
class Driver:
    """One criterion's part in a city's score.

    Parameters
    ----------
    criterion
        Criterion id.
    label
        Short human label.
    contribution
        Weight x score (points of the total score).
    share
        Share of the city's summed contributions, in [0, 1].
    score
        The city's score on the criterion, in [0, 1]; NaN when the column is absent.
    weight
        The criterion's weight; NaN when the catalogue lacks it.
    """

    criterion: str
    label: str
    contribution: float
    share: float
    score: float
    weight: float


# A criterion whose normalised scores have a standard deviation below this across the
# candidates does not vary among them and is never given as a reason (the criteria stage's
# planner.criteria.MIN_REASON_SPREAD; the outputs read run folders without that stage).
MIN_REASON_SPREAD = 0.02


def constant_criteria(view: RunView) -> frozenset[str]:
    """Criterion ids whose scores do not vary among the candidates (std < 0.02)."""
    out = set()
    frame = view.candidates
    for col in frame.columns:
        if str(col).startswith("score_") and col != "score_total":
            values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            if values.size == 0 or float(values.std()) < MIN_REASON_SPREAD:
                out.add(str(col).removeprefix("score_"))
    return frozenset(out)


def drivers(view: RunView, row: Mapping[str, object], *, n: int = 5) -> list[Driver]:
    """The ``n`` criteria that contributed most to ``row``'s score, largest first.

    Never a criterion that does not vary among the candidates (:func:`constant_criteria`)
    nor one whose value was not observed for the city (its ``missing_criteria``): neither
    tells this city apart. Shares are of the city's summed contributions.
    """
    constant = constant_criteria(view)
    unknown = set(_names(row.get("missing_criteria")))
    items = []
    total = 0.0
    for col in view.contribution_columns():
        value = row.get(col)
        if isinstance(value, int | float) and math.isfinite(value) and value > 0:
            total += float(value)
            cid = col.removeprefix("contrib_")
            if cid in constant or cid in unknown:
                continue
            items.append((cid, float(value)))
    items.sort(key=lambda kv: (-kv[1], kv[0]))
    out = []
    for cid, value in items[:n]:
        out.append(
            Driver(
                cid,
                view.criterion_label(cid),
                value,
                value / total if total > 0 else math.nan,
                _float(row.get(f"score_{cid}")),
                _weight(view, cid),
            )
        )
    return out


def weak_points(
    view: RunView, row: Mapping[str, object], *, n: int = 3, below: float = 0.35
) -> list[Driver]:
    """Weighted criteria on which ``row`` scores below ``below``: what holds it back.

    Ordered by the points lost, weight x (1 - score), largest first.
    """
    items = []
    for cid in view.criteria.get("id", pd.Series(dtype=str)):
        s = _float(row.get(f"score_{cid}"))
        w = _weight(view, cid)
        if math.isfinite(s) and math.isfinite(w) and w > 0 and s < below:
            items.append((w * (1 - s), cid, s, w))
    items.sort(key=lambda t: (-t[0], t[1]))
    return [
        Driver(cid, view.criterion_label(cid), math.nan, math.nan, s, w)
        for _, cid, s, w in items[:n]
    ]


def _names(value: object) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []


def _weight(view: RunView, cid: str) -> float:
    return view.criterion_weight(cid)


def _float(value: object) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return x


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def read_run_record(folder: str | Path) -> dict[str, Any]:
    """``run.json`` of a run folder, validated as a whole (:func:`check_run_record`).

    Raises
    ------
    OutputError
        If the folder is not a finished run folder, or ``run.json`` is not valid JSON or
        not a valid run record.
    """
    path = Path(folder) / "run.json"
    if not path.is_file():
        msg = (
            f"{str(folder)!r} is not a finished run folder: it has no run.json. "
            "Give the folder `planner run` wrote (maps/<scenario> by default)."
        )
        raise OutputError(msg)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        msg = f"{str(path)!r} is not valid JSON ({exc}); run `planner run` again."
        raise OutputError(msg) from None
    except OSError as exc:
        msg = f"Cannot read {str(path)!r}: {exc.strerror or exc}."
        raise OutputError(msg) from None
    if not isinstance(record, dict) or record.get("planner_run") != 1:
        msg = f"{str(path)!r} was not written by `planner run`."
        raise OutputError(msg)
    check_run_record(record, path)
    return record


_NUMBER = "a number or null"

# Fields of run.json: (kind, required). Kinds: "text", "number" (or null), "int",
# "bool", "table" (JSON object), "list", and the record lists checked item by item.
_RECORD_FIELDS: dict[str, tuple[str, bool]] = {
    "scenario": ("scenario", True),
    "status": ("text", True),
    "objective": ("number", False),
    "bound": ("number", False),
    "gap": ("number", False),
    "backend": ("text", False),
    "solve_time_s": ("number", False),
    "message": ("text", False),
    "conflicts": ("list", False),
    "must_relax": ("list", False),
    "centres": ("centres", False),
    "constraints": ("constraints", False),
    "candidates": ("int", False),
    "weights": ("weights", False),
    "industries": ("industries", False),
    "layers": ("table", False),
    "versions": ("table", False),
    "layer_overrides": ("overrides", False),
    "robustness_runs": ("int", False),
    "robustness_same_plan": ("number", False),
    "warnings": ("texts", False),
    "timings_s": ("weights", False),
    "languages": ("texts", False),
    "outputs": ("outputs", False),
}


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _field_problems(key: str, kind: str, value: Any) -> list[str]:
    """What is wrong with ``value`` as the field ``key`` of a run record."""
    if kind == "text":
        return [] if isinstance(value, str) else [f"{key!r} must be text, got {value!r}"]
    if kind == "number":
        return [] if _is_number(value) else [f"{key!r} must be {_NUMBER}, got {value!r}"]
    if kind == "int":
        ok = _is_int(value) and value >= 0
        return [] if ok else [f"{key!r} must be a whole number >= 0, got {value!r}"]
    if kind == "table":
        return [] if isinstance(value, dict) else [f"{key!r} must be an object, got {value!r}"]
    if kind in ("list", "texts"):
        if not isinstance(value, list):
            return [f"{key!r} must be a list, got {value!r}"]
        if kind == "texts" and not all(isinstance(v, str) for v in value):
            return [f"{key!r} must be a list of texts"]
        return []
    if kind == "scenario":
        if not isinstance(value, dict):
            return [f"'scenario' must be the run's scenario as an object, got {value!r}"]
        if not isinstance(value.get("name"), str) or not value.get("name"):
            return ["'scenario.name' must be text"]
        return []
    if kind == "outputs":
        # language code -> the files written in that language
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(f, str) for f in v)
            for k, v in value.items()
        )
        return [] if ok else [f"{key!r} must map language codes to lists of file names"]
    if kind in ("weights", "overrides"):
        if not isinstance(value, dict):
            return [f"{key!r} must be an object, got {value!r}"]
        check = _is_number if kind == "weights" else (lambda v: isinstance(v, str))
        bad = [k for k, v in value.items() if not check(v)]
        want = "numbers" if kind == "weights" else "file paths (text)"
        return [f"{key!r} must map names to {want}; {bad[0]!r} does not"] if bad else []
    # lists of records
    if not isinstance(value, list):
        return [f"{key!r} must be a list, got {value!r}"]
    item_fields = {
        "centres": {"city_id": _is_int, "name": lambda v: isinstance(v, str)},
        "constraints": {
            "name": lambda v: isinstance(v, str),
            "limit": _is_number,
            "slack": _is_number,
            "binds": lambda v: isinstance(v, bool),
        },
        "industries": {
            "industry_id": lambda v: isinstance(v, str),
            "name": lambda v: isinstance(v, str),
            "weight": _is_number,
            "centres": lambda v: isinstance(v, list) and all(isinstance(c, str) for c in v),
        },
    }[kind]
    optional = {"limit", "slack", "binds"} if kind == "constraints" else set()
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            out.append(f"'{key}[{i}]' must be an object, got {item!r}")
            continue
        for name, check in item_fields.items():
            if name not in item:
                if name not in optional:
                    out.append(f"'{key}[{i}].{name}' is missing")
            elif not check(item[name]):
                out.append(f"'{key}[{i}].{name}' has a wrong value {item[name]!r}")
    return out


def check_run_record(record: dict[str, Any], path: str | Path = "run.json") -> dict[str, Any]:
    """Check a ``run.json`` record as a whole: every field, with every problem listed.

    The fields are those :func:`planner.runfolder.run_record` writes; ``scenario`` and
    ``status`` are required, the others are checked when present (older run folders
    may lack them).

    Raises
    ------
    OutputError
        Naming the file and each wrong or missing field.
    """
    problems: list[str] = []
    for key, (kind, required) in _RECORD_FIELDS.items():
        if key not in record:
            if required:
                problems.append(f"{key!r} is missing")
            continue
        problems += _field_problems(key, kind, record[key])
    if problems:
        shown = problems[:8] + ([f"and {len(problems) - 8} more"] if len(problems) > 8 else [])
        listing = "\n".join(f"  - {p}" for p in shown)
        msg = (
            f"{str(path)!r} is not a complete run record ({len(problems)} problem(s)):\n"
            f"{listing}\nThe folder was changed after `planner run` wrote it; run "
            "`planner run` again to rewrite it."
        )
        raise OutputError(msg)
    return record


def read_run_table(
    folder: str | Path, name: str, *, columns: Sequence[str] = (), required: bool = True
) -> pd.DataFrame | None:
    """A CSV file of a run folder (``plan.csv``, ``candidates.csv``, ...), checked.

    Parameters
    ----------
    name
        File name inside the folder.
    columns
        Columns the file must have.
    required
        When false, a missing file gives ``None``.

    Raises
    ------
    OutputError
        When the file is missing (and required), empty, not CSV or lacks a column.
    """
    path = Path(folder) / name
    again = "run `planner run` again to rewrite the folder"
    if not path.is_file():
        if not required:
            return None
        msg = f"The run folder {str(folder)!r} has no {name}; {again}."
        raise OutputError(msg)
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        msg = f"{str(path)!r} is empty (not even a header row); {again}."
        raise OutputError(msg) from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        msg = f"Cannot read {str(path)!r} as CSV ({exc}); {again}."
        raise OutputError(msg) from None
    lacking = [c for c in columns if c not in frame.columns]
    if lacking:
        msg = f"{str(path)!r} lacks the column(s) {', '.join(lacking)}; {again}."
        raise OutputError(msg)
    return frame


# The layers the map and the brief show around the plan, when the run has them.
_CONTEXT_LAYERS = ("countries", "corridors", "rail_lines", "cooperation_zones", "ports", "airports")


def context_layers(layers: Mapping[str, Any]) -> dict[str, Any]:
    """The context layers (:data:`_CONTEXT_LAYERS`) of ``layers`` that can be read; one
    that cannot is left off the map, with a warning that says why."""
    context = {}
    for name in _CONTEXT_LAYERS:
        try:
            context[name] = layers[name]
        except PlannerError as exc:
            log.warning("layer %s is left off the map: %s", name, exc)
    return context


def _points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    frame = frame.drop(columns=["geometry"], errors="ignore")
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=geometry, crs="EPSG:4326")

