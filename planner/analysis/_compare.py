"""What changed between two run folders.

A run folder (written by ``planner run``) holds, among other files:

``run.json``
    An object with at least ``status`` (solver status text) and ``objective`` (number or
    null). Read when present: ``scenario`` (the scenario's name, or the resolved scenario
    as an object with a ``name``), ``bound``, ``gap``, ``backend``, and ``constraints``: a
    list of objects ``{"name", "limit", "value", "slack", "binds"}`` (``binds`` a bool).
``plan.csv``
    One row per chosen centre, with at least ``city_id`` and ``name``; read when present:
    ``iso3``, ``score_total``, ``rank``, ``industries`` (``"; "``-joined industry names or
    ids), a cost column (``cost_musd``, else ``value_cost``) and, when the scenario has
    kinds of centre, ``kind`` (the kind id) and ``kind_name``.
``candidates.csv``
    Optional: one row per scored candidate with ``city_id``, ``rank`` and ``score_total``;
    it gives the rank and score in the other run of a centre that run did not choose.

With kinds of centre, every centre in or out carries its kind, and a city both runs
chose as different kinds is a change (``"kind changed"``), not a kept centre. A run
without a ``kind`` column has no kinds: against it, no city changes kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner._errors import PlannerError
from planner._run import read_run_record, read_run_table

COST_COLUMNS = ("cost_musd", "value_cost")


@dataclass(frozen=True)
class RunSummary:
    """The facts of one run folder that a comparison uses."""

    folder: Path
    scenario: str
    status: str
    objective: float
    bound: float
    gap: float
    backend: str
    centres: pd.DataFrame
    candidates: pd.DataFrame | None
    constraints: pd.DataFrame
    cost_column: str | None


@dataclass(frozen=True)
class Comparison:
    """Differences between run A and run B.

    Attributes
    ----------
    a, b
        The two runs' facts (:class:`RunSummary`).
    centres
        One row per city chosen in either run: ``city_id``, ``name``, ``iso3``,
        ``change`` (``"kept"``, ``"in"``: only in B, ``"out"``: only in A, ``"kind
        changed"``: in both, as different kinds of centre), ``kind_a``, ``kind_b`` (the
        kind id in each run, ``""`` when not chosen or the run has no kinds),
        ``score_a``, ``score_b``, ``rank_a``, ``rank_b`` (from the plan, else from
        ``candidates.csv``; NaN when unknown), ``cost_a``, ``cost_b``, ``industries_a``,
        ``industries_b``.
    constraints
        One row per constraint named in either run: ``name``, ``limit_a``, ``value_a``,
        ``slack_a``, ``binds_a``, the same for B, and ``change``: ``"binds in both"``,
        ``"binds in A only"``, ``"binds in B only"``, ``"binds in neither"``, ``"only in
        A"``, ``"only in B"``.
    total_score_a, total_score_b, total_cost_a, total_cost_b
        Sums over each plan's centres (NaN when the column is missing).
    """

    a: RunSummary
    b: RunSummary
    centres: pd.DataFrame
    constraints: pd.DataFrame
    total_score_a: float
    total_score_b: float
    total_cost_a: float
    total_cost_b: float

    @property
    def added(self) -> tuple[int, ...]:
        """City ids chosen in B and not in A."""
        return tuple(self.centres.loc[self.centres["change"] == "in", "city_id"].tolist())

    @property
    def removed(self) -> tuple[int, ...]:
        """City ids chosen in A and not in B."""
        return tuple(self.centres.loc[self.centres["change"] == "out", "city_id"].tolist())

    @property
    def kept(self) -> tuple[int, ...]:
        """City ids chosen in both."""
        return tuple(self.centres.loc[self.centres["change"] == "kept", "city_id"].tolist())

    @property
    def kind_changed(self) -> tuple[int, ...]:
        """City ids chosen in both runs as different kinds of centre."""
        rows = self.centres["change"] == "kind changed"
        return tuple(self.centres.loc[rows, "city_id"].tolist())

    @property
    def kind_names(self) -> dict[str, str]:
        """Kind id -> the name the runs give it (empty without kinds of centre)."""
        out: dict[str, str] = {}
        for run in (self.a, self.b):
            if {"kind", "kind_name"} <= set(run.centres.columns):
                for kid, name in zip(run.centres["kind"], run.centres["kind_name"]):
                    if isinstance(kid, str) and kid:
                        out.setdefault(kid, str(name) if isinstance(name, str) else kid)
        return out

    @property
    def same_plan(self) -> bool:
        """True when both runs chose the same centres, each as the same kind."""
        return not self.added and not self.removed and not self.kind_changed


def _float(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def read_run_summary(folder: str | Path) -> RunSummary:
    """Read ``run.json``, ``plan.csv`` and (when present) ``candidates.csv`` of a run folder.

    Raises
    ------
    PlannerError
        When the folder, ``run.json`` or ``plan.csv`` is missing or malformed.
    """
    path = Path(folder)
    if not path.is_dir():
        msg = f"The run folder {str(path)!r} does not exist; pass a folder `planner run` wrote."
        raise PlannerError(msg)
    meta = read_run_record(path)
    plan_csv = path / "plan.csv"
    if not plan_csv.is_file():
        msg = (
            f"The run folder {str(path)!r} has no plan.csv; pass a folder written by "
            "`planner run` (it writes run.json and plan.csv)."
        )
        raise PlannerError(msg)
    scenario = meta.get("scenario", "")
    if isinstance(scenario, dict):
        scenario = scenario.get("name", "")
    centres = read_run_table(path, "plan.csv", columns=("city_id", "name"))
    candidates = read_run_table(path, "candidates.csv", required=False)
    if candidates is not None and "city_id" not in candidates.columns:
        candidates = None
    cons = meta.get("constraints") or []
    if isinstance(cons, dict):  # tolerate {name: {...}}
        cons = [{"name": k, **v} for k, v in cons.items()]
    rows = [
        {
            "name": str(c.get("name", "")),
            "limit": _float(c.get("limit")),
            "value": _float(c.get("value")),
            "slack": _float(c.get("slack")),
            "binds": bool(c.get("binds", False)),
        }
        for c in cons
        if isinstance(c, dict)
    ]
    constraints = pd.DataFrame(rows, columns=["name", "limit", "value", "slack", "binds"])
    cost_column = next((c for c in COST_COLUMNS if c in centres.columns), None)
    return RunSummary(
        folder=path,
        scenario=str(scenario),
        status=str(meta.get("status", "")),
        objective=_float(meta.get("objective")),
        bound=_float(meta.get("bound")),
        gap=_float(meta.get("gap")),
        backend=str(meta.get("backend", "")),
        centres=centres,
        candidates=candidates,
        constraints=constraints,
        cost_column=cost_column,
    )


def _lookup(run: RunSummary, ids: np.ndarray, column: str) -> np.ndarray:
    """``column`` of each city: from the plan, else from the candidates, else NaN."""
    out = np.full(ids.size, np.nan)
    for frame in (run.candidates, run.centres):  # the plan wins: read it last
        if frame is None or column not in frame.columns:
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        lookup = pd.Series(values.to_numpy(), index=frame["city_id"].to_numpy())
        lookup = lookup[~lookup.index.duplicated()]
        got = lookup.reindex(ids).to_numpy(dtype=float)
        out = np.where(np.isnan(got), out, got)
    return out


def compare_runs(run_a: str | Path, run_b: str | Path) -> Comparison:
    """What changed from run folder ``run_a`` to ``run_b``.

    Parameters
    ----------
    run_a, run_b
        Run folders written by ``planner run`` (see the module docstring for the fields
        read).

    Returns
    -------
    Comparison
    """
    a = read_run_summary(run_a)
    b = read_run_summary(run_b)
    ids_a = a.centres["city_id"].astype(np.int64).tolist()
    ids_b = b.centres["city_id"].astype(np.int64).tolist()
    set_a, set_b = set(ids_a), set(ids_b)
    ids = np.array(
        ids_a + [i for i in ids_b if i not in set_a], dtype=np.int64
    )  # A's order, then B's new ones
    info = pd.concat([a.centres, b.centres], ignore_index=True).drop_duplicates("city_id")
    info = info.set_index("city_id").reindex(ids)

    def kinds(run: RunSummary) -> list[str]:
        if "kind" not in run.centres.columns:
            return [""] * ids.size
        lookup = run.centres.set_index("city_id")["kind"].fillna("").astype(str)
        lookup = lookup[~lookup.index.duplicated()]
        return [str(lookup.get(i, "")) for i in ids]

    kind_a, kind_b = kinds(a), kinds(b)
    # a change of kind needs both runs to say kinds (a run without them has none to change)
    both = "kind" in a.centres.columns and "kind" in b.centres.columns
    change = [
        ("kind changed" if both and ka != kb else "kept")
        if (i in set_a and i in set_b)
        else ("out" if i in set_a else "in")
        for i, ka, kb in zip(ids, kind_a, kind_b)
    ]

    def industries(run: RunSummary) -> list[str]:
        if "industries" not in run.centres.columns:
            return [""] * ids.size
        lookup = run.centres.set_index("city_id")["industries"].fillna("").astype(str)
        return [lookup.get(i, "") for i in ids]

    centres = pd.DataFrame(
        {
            "city_id": ids,
            "name": info["name"].astype(str).to_numpy(),
            "iso3": info["iso3"].astype(str).to_numpy() if "iso3" in info else "",
            "change": change,
            "kind_a": kind_a,
            "kind_b": kind_b,
            "score_a": _lookup(a, ids, "score_total"),
            "score_b": _lookup(b, ids, "score_total"),
            "rank_a": _lookup(a, ids, "rank"),
            "rank_b": _lookup(b, ids, "rank"),
            "cost_a": _lookup(a, ids, a.cost_column) if a.cost_column else np.nan,
            "cost_b": _lookup(b, ids, b.cost_column) if b.cost_column else np.nan,
            "industries_a": industries(a),
            "industries_b": industries(b),
        }
    )

    def total(run: RunSummary, column: str | None) -> float:
        if column is None or column not in run.centres.columns:
            return math.nan
        return float(pd.to_numeric(run.centres[column], errors="coerce").sum(min_count=1))

    ca = a.constraints.set_index("name")
    cb = b.constraints.set_index("name")
    names = list(dict.fromkeys([*ca.index, *cb.index]))
    rows = []
    for name in names:
        row: dict[str, Any] = {"name": name}
        for tag, frame in (("a", ca), ("b", cb)):
            hit = frame.loc[name] if name in frame.index else None
            if isinstance(hit, pd.DataFrame):
                hit = hit.iloc[0]
            for col in ("limit", "value", "slack"):
                row[f"{col}_{tag}"] = float(hit[col]) if hit is not None else math.nan
            row[f"binds_{tag}"] = bool(hit["binds"]) if hit is not None else pd.NA
        in_a, in_b = name in ca.index, name in cb.index
        if not in_b:
            row["change"] = "only in A"
        elif not in_a:
            row["change"] = "only in B"
        else:
            ba, bb = bool(row["binds_a"]), bool(row["binds_b"])
            row["change"] = {
                (True, True): "binds in both",
                (True, False): "binds in A only",
                (False, True): "binds in B only",
                (False, False): "binds in neither",
            }[(ba, bb)]
        rows.append(row)
    cols = ["name", "limit_a", "value_a", "slack_a", "binds_a",
            "limit_b", "value_b", "slack_b", "binds_b", "change"]  # fmt: skip
    constraints = pd.DataFrame(rows, columns=cols)
    return Comparison(
        a=a,
        b=b,
        centres=centres,
        constraints=constraints,
        total_score_a=total(a, "score_total"),
        total_score_b=total(b, "score_total"),
        total_cost_a=total(a, a.cost_column),
        total_cost_b=total(b, b.cost_column),
    )


def _num(x: float, digits: int = 3) -> str:
    return "unknown" if not math.isfinite(x) else f"{x:,.{digits}f}"


def _delta(a: float, b: float, digits: int = 3) -> str:
    if not (math.isfinite(a) and math.isfinite(b)):
        return f"{_num(a, digits)} -> {_num(b, digits)}"
    return f"{_num(a, digits)} -> {_num(b, digits)} ({b - a:+,.{digits}f})"


def format_comparison(comparison: Comparison) -> str:
    """Text for ``planner compare``: status and objective, centres in and out, score and
    cost differences, and the constraints whose binding changed."""
    from planner._table import format_table

    c = comparison
    a, b = c.a, c.b
    lines = [
        f"A: {a.folder} (scenario {a.scenario or 'unnamed'})",
        f"B: {b.folder} (scenario {b.scenario or 'unnamed'})",
        "",
        f"Status: {a.status} -> {b.status}"
        if a.status != b.status
        else f"Status: {a.status} in both",
        f"Objective: {_delta(a.objective, b.objective, 4)}",
    ]
    if math.isfinite(a.gap) or math.isfinite(b.gap):
        lines.append(f"Gap: {_num(a.gap, 4)} -> {_num(b.gap, 4)}")
    rekinded = f", {len(c.kind_changed)} changed kind" if c.kind_changed else ""
    lines.append(
        f"Centres: {len(c.kept)} kept, {len(c.added)} in, {len(c.removed)} out{rekinded}"
        + (" (the same plan)" if c.same_plan else "")
    )
    lines.append(f"Sum of centre scores: {_delta(c.total_score_a, c.total_score_b)}")
    if math.isfinite(c.total_cost_a) or math.isfinite(c.total_cost_b):
        what = (
            "Sum of centre costs (million USD)"
            if a.cost_column == "cost_musd"
            else "Sum of centre price levels (GDP per capita, USD; a cost proxy)"
        )
        lines.append(f"{what}: {_delta(c.total_cost_a, c.total_cost_b, 1)}")
    lines.append("")
    table = c.centres.assign(
        score=[_delta(x, y) for x, y in zip(c.centres["score_a"], c.centres["score_b"])],
        rank=[
            f"{_num(x, 0)} -> {_num(y, 0)}"
            for x, y in zip(c.centres["rank_a"], c.centres["rank_b"])
        ],
    )
    order = {"out": 0, "in": 1, "kind changed": 2, "kept": 3}
    table = table.sort_values("change", key=lambda s: s.map(order), kind="stable")
    columns = ["change", "name", "iso3", "score", "rank"]
    kinds = c.kind_names
    if kinds or (c.centres["kind_a"] != "").any() or (c.centres["kind_b"] != "").any():
        # the kind in the run that chose the city; "a -> b" when it changed
        table["kind"] = [
            ka if ka == kb or not kb else (kb if not ka else f"{ka} -> {kb}")
            for ka, kb in zip(table["kind_a"], table["kind_b"])
        ]
        columns.insert(3, "kind")
        lines.append(
            "Kinds of centre: " + "; ".join(f"{k} = {n}" for k, n in kinds.items()) + "."
        )
    lines.append(format_table(table, columns=columns, max_width=50))
    moved = c.centres[
        (c.centres["change"] == "kept") & (c.centres["industries_a"] != c.centres["industries_b"])
    ]
    if len(moved):
        lines.append("")
        lines.append("Industries reallocated among kept centres:")
        for r in moved.itertuples(index=False):
            lines.append(f"  {r.name}: {r.industries_a or 'none'} -> {r.industries_b or 'none'}")
    if len(c.constraints):
        lines.append("")
        changed = c.constraints[
            ~c.constraints["change"].isin(["binds in both", "binds in neither"])
        ]
        if len(changed):
            lines.append("Constraints whose binding changed:")
            cols = ["name", "change"] + [
                col
                for col in ("value_a", "limit_a", "value_b", "limit_b")
                if c.constraints[col].notna().any()
            ]
            lines.append(format_table(changed, columns=cols, floatfmt=",.3g"))
        else:
            both = int((c.constraints["change"] == "binds in both").sum())
            lines.append(f"No constraint changed binding ({both} bind in both runs).")
        la, lb = c.constraints["limit_a"], c.constraints["limit_b"]
        moved = c.constraints[la.notna() & lb.notna() & (la != lb)]
        for r in moved.itertuples(index=False):
            lines.append(f"Limit of {r.name} changed: {r.limit_a:g} -> {r.limit_b:g}")
    return "\n".join(lines) + "\n"
