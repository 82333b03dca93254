"""A planning session: prepare a scenario once, then solve for new weights and constraints.

:meth:`PlanningSession.prepare` runs the slow stages once (layers, accessibility,
criteria). Each :meth:`PlanningSession.solve` then

1. resolves the weights asked for on top of the scenario's: a criterion name sets that
   criterion's weight within its group, a group name sets the group's weight; the final
   weight of a criterion is its group's weight times its share of the group, and the
   final weights are normalised to sum 1 (a group whose criteria all weigh 0 counts for
   nothing);
2. re-scores every candidate from the stored normalised ``score_<criterion>`` columns
   with those weights (the weighted sum, or TOPSIS when the scenario uses it), as the
   weight-sensitivity analysis does; the total is what :func:`planner.optimise.solve_plan`
   would be given;
3. solves the plan model on a warm :class:`planner.optimise.PlanModel`, one per set of
   constraints (built on first use, the last few kept): the LP relaxation is
   re-optimised from the previous basis on a working set of candidates, with an
   LP-duality proof that no other candidate could improve the plan; an integral optimum
   is the plan, a fractional one is settled by a short branch and bound on the same warm
   LP, and only if that stops at its node limit is the MIP solved with the scenario's
   backend (:class:`planner.analysis.PlanReoptimiser`).

A plan found infeasible is solved once more by :func:`planner.optimise.solve_plan` to
name the conflicting constraints. ``binding`` lists the constraint families at their
limit in the plan (``planner run`` additionally proves which of them change the optimum;
that takes a solve per family and is left out of a live re-plan).

A session is safe to share between threads: solves hold one lock (see :mod:`planner.serve`
for why a lock rather than a pool of models).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner._errors import PlannerError, ScenarioError
from planner.scenario import Scenario

#: Plan models kept warm, one per set of constraints, least recently used dropped first.
MAX_MODELS = 8


@dataclass(frozen=True)
class SessionPlan:
    """One re-plan of a :class:`PlanningSession`.

    Attributes
    ----------
    status
        The solver's status ("optimal" only when proven; "infeasible"; "feasible" for
        a time-limited incumbent, with its gap).
    objective, bound, gap
        Objective, the proven bound and the relative gap (NaN when unknown).
    centres
        One mapping per new centre: ``city_id``, ``name``, ``iso3``, ``lon``, ``lat``,
        ``industries`` (names), ``score`` (re-scored total in [0, 1]) and ``drivers``
        (the three criteria that add most to the score: ``criterion``, ``name``,
        ``contribution``).
    binding
        Constraint families at their limit.
    solve_ms
        Milliseconds from the request to the plan (re-scoring and solving).
    weights
        Criterion id -> final weight used (sum 1).
    constraints
        The scenario's ``[constraints]`` table with the changes asked for.
    conflicts, must_relax, message
        When infeasible: the conflicting families, the smallest set to relax, and the
        solver's message in words.
    added, removed
        City ids in this plan and not in the scenario's own plan, and the reverse.
    method
        ``"lp"`` when the LP relaxation proved the plan, ``"lp-branch"`` when a branch and
        bound on it did (see :class:`planner.optimise.PlanModel`), else the backend.
    """

    status: str
    objective: float
    bound: float
    gap: float
    centres: tuple[Mapping[str, Any], ...]
    binding: tuple[str, ...]
    solve_ms: float
    weights: Mapping[str, float]
    constraints: Mapping[str, Any]
    conflicts: tuple[str, ...] = ()
    must_relax: tuple[str, ...] = ()
    message: str = ""
    added: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()
    method: str = ""
    existing: tuple[Mapping[str, Any], ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (NaN as null)."""

        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {
            "status": self.status,
            "objective": num(self.objective),
            "bound": num(self.bound),
            "gap": num(self.gap),
            "centres": [dict(c) for c in self.centres],
            "binding": list(self.binding),
            "solve_ms": round(self.solve_ms, 3),
            "conflicts": list(self.conflicts),
            "must_relax": list(self.must_relax),
            "message": self.message,
            "added": list(self.added),
            "removed": list(self.removed),
            "method": self.method,
            "weights": dict(self.weights),
            "constraints": dict(self.constraints),
        }


class PlanningSession:
    """A prepared scenario that re-plans for new weights and constraints.

    Parameters
    ----------
    prepared
        :func:`planner.pipeline.prepare` of the scenario, up to ``"criteria"``.
    backend, time_limit_s
        Solver settings for MIP solves; the scenario's ``[solver]`` when ``None``.

    Examples
    --------
    >>> session = PlanningSession.prepare(read_scenario())            # doctest: +SKIP
    >>> session.solve(weights={"talent": 0.3}, constraints={"n_new": 6})  # doctest: +SKIP
    """

    def __init__(
        self, prepared: Any, *, backend: str | None = None, time_limit_s: float | None = None
    ) -> None:
        from planner.criteria import GROUPS, catalogue_frame

        if prepared.scores is None:
            msg = "PlanningSession needs prepare(scenario, until='criteria') with scores."
            raise ScenarioError(msg)
        self.prepared = prepared
        self.scenario: Scenario = prepared.scenario
        scores = prepared.scores
        self._ids = [str(c) for c in scores.weights.index]
        catalogue = catalogue_frame().set_index("id")
        extra = {c.id: c for c in scores.criteria}
        short = {long: key for key, long in GROUPS.items()}
        group_of = {
            c: str(catalogue.at[c, "group"]) if c in catalogue.index else str(extra[c].group)
            for c in self._ids
        }
        # groups by the ids a scenario's [criteria.group_weights] uses ("talent", "risk")
        self._group = {c: short.get(g, g) for c, g in group_of.items()}
        self._names = {
            c: str(catalogue.at[c, "name"]) if c in catalogue.index else c for c in self._ids
        }
        self._group_names = dict(GROUPS)
        self._group_alias = {long: key for key, long in GROUPS.items()}
        self._w0 = scores.weights.astype(float)
        self._g0 = pd.Series(
            {g: float(self._w0[[c for c in self._ids if self._group[c] == g]].sum())
             for g in dict.fromkeys(self._group.values())}
        )  # fmt: skip
        self._S = scores.frame[[f"score_{c}" for c in self._ids]].to_numpy(dtype=float)
        self._method = scores.method
        self._frame = scores.frame.reset_index(drop=True)
        sc = self.scenario
        self.backend = backend or sc.solver.backend
        self.time_limit_s = time_limit_s if time_limit_s is not None else sc.solver.time_limit_s
        self._lock = threading.Lock()
        self._sessions: OrderedDict[Any, Any] = OrderedDict()
        self._industry_names = _industry_names(prepared.layers)
        self._base: SessionPlan | None = None
        self._base = self.solve()

    @classmethod
    def prepare(
        cls,
        scenario: Scenario,
        *,
        overrides: Mapping[str, Path] | None = None,
        progress: Any = None,
        backend: str | None = None,
        time_limit_s: float | None = None,
    ) -> PlanningSession:
        """Run the stages up to the criteria once and open a session on them."""
        from planner.pipeline import prepare

        prepared = prepare(scenario, overrides=overrides, progress=progress)
        return cls(prepared, backend=backend, time_limit_s=time_limit_s)

    # ------------------------------------------------------------------ what it offers

    @property
    def base(self) -> SessionPlan:
        """The scenario's own plan (no changes asked for)."""
        assert self._base is not None
        return self._base

    def criteria(self) -> list[dict[str, Any]]:
        """The criteria scored: ``id``, ``name``, ``group``, ``weight`` (final, sum 1)."""
        return [
            {"id": c, "name": self._names[c], "group": self._group[c], "weight": float(self._w0[c])}
            for c in self._ids
        ]

    def groups(self) -> list[dict[str, Any]]:
        """The groups with criteria: ``id``, ``name``, ``weight`` (sum of its criteria)."""
        return [
            {"id": g, "name": self._group_names.get(g, g), "weight": float(w)}
            for g, w in self._g0.items()
        ]

    def constraint_keys(self) -> tuple[str, ...]:
        """Names a request may set in ``constraints``."""
        from planner.optimise import PlanConstraints

        return tuple(f.name for f in fields(PlanConstraints))

    # ------------------------------------------------------------------ resolving

    def resolve_weights(self, weights: Mapping[str, Any] | None) -> pd.Series:
        """Final criterion weights (sum 1) for ``weights`` on top of the scenario's.

        Raises
        ------
        ScenarioError
            Naming each unknown name, each value that is not a number >= 0, or weights
            that are all zero.
        """
        raw = self._w0.copy()
        group = self._g0.copy()
        problems = []
        for name, value in (weights or {}).items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"weights.{name} = {value!r} must be a number >= 0.")
                continue
            if not math.isfinite(value) or value < 0:
                problems.append(f"weights.{name} = {value!r} must be a finite number >= 0.")
                continue
            if name in raw.index:
                raw[name] = float(value)
            elif name in group.index or name in self._group_alias:
                group[self._group_alias.get(name, name)] = float(value)
            else:
                problems.append(
                    f"weights.{name} is not a criterion or group of this scenario; criteria: "
                    f"{', '.join(self._ids)}; groups: {', '.join(group.index)}."
                )
        if problems:
            raise ScenarioError(" ".join(problems))
        final = pd.Series(0.0, index=raw.index)
        for g, gw in group.items():
            members = [c for c in self._ids if self._group[c] == g]
            inner = float(raw[members].sum())
            if inner > 0:
                final[members] = gw * raw[members] / inner
        total = float(final.sum())
        if not total > 0:
            msg = (
                "weights: every criterion or its group weighs 0; give at least one criterion "
                "and its group a weight > 0."
            )
            raise ScenarioError(msg)
        return final / total

    def resolve_constraints(self, constraints: Mapping[str, Any] | None) -> dict[str, Any]:
        """The scenario's ``[constraints]`` with ``constraints`` applied (``None`` removes
        a key; ``n_centres`` and ``n_new`` replace each other)."""
        table = dict(self.scenario.constraints)
        changes = dict(constraints or {})
        allowed = self.constraint_keys()
        unknown = [k for k in changes if k not in allowed]
        if unknown:
            msg = (
                f"constraints.{unknown[0]} is not a known constraint; allowed keys: "
                f"{', '.join(allowed)}."
            )
            raise ScenarioError(msg)
        for a, b in (("n_centres", "n_new"), ("n_new", "n_centres")):
            if changes.get(a) is not None and b not in changes:
                table.pop(b, None)
        for key, value in changes.items():
            if value is None:
                table.pop(key, None)
            else:
                table[key] = value
        return table

    def totals(self, weights: pd.Series) -> np.ndarray:
        """The total score of every candidate (rows of the scores frame) for ``weights``."""
        from planner.analysis import totals

        w = weights[self._ids].to_numpy(dtype=float)
        return np.clip(totals(self._S, w[None, :], self._method)[:, 0], 0.0, 1.0)

    # ------------------------------------------------------------------ solving

    def constraints_from(self, table: Mapping[str, Any]) -> Any:
        """:class:`planner.optimise.PlanConstraints` of ``table``, with the scenario's kinds
        of centre (``[[kinds]]``), as :func:`planner._inputs.plan_constraints` builds them."""
        from planner._inputs import plan_constraints

        return plan_constraints(replace(self.scenario, constraints=dict(table)))

    def _session_for(self, constraints: Any) -> Any:
        from planner.analysis import plan_reoptimiser

        # PlanConstraints with kinds of centre hold dicts (their weights): key by the repr,
        # which states every field in order
        key = repr(constraints)
        session = self._sessions.get(key)
        if session is None:
            reopt = plan_reoptimiser(
                self.prepared,
                backend=self.backend,
                time_limit_s=self.time_limit_s,
                constraints=constraints,
                pool=0,
            )
            session = reopt.session()
            self._sessions[key] = session
            while len(self._sessions) > MAX_MODELS:
                self._sessions.popitem(last=False)
        self._sessions.move_to_end(key)
        return session

    def plan_inputs(self, weights: pd.Series, constraints: Any) -> Any:
        """The :class:`planner.optimise.PlanInputs` that :func:`planner.optimise.solve_plan`
        takes for the same weights (the candidates' ``score_total`` re-scored)."""
        model = self._session_for(constraints).model
        return _rescored(model.inputs, self.totals(weights), constraints)

    def solve(
        self,
        weights: Mapping[str, Any] | None = None,
        constraints: Mapping[str, Any] | None = None,
    ) -> SessionPlan:
        """Re-plan for ``weights`` (criterion or group name -> weight >= 0) and
        ``constraints`` (constraint key -> value); either may be partial or empty.

        Raises
        ------
        ScenarioError, ModelInputError
            A name or value that cannot be used, naming the field.
        """
        from planner.optimise import solve_plan

        t0 = time.perf_counter()
        w = self.resolve_weights(weights)
        table = self.resolve_constraints(constraints)
        cons = self.constraints_from(table)
        s = self.totals(w)
        with self._lock:
            session = self._session_for(cons)
            sol, _pool = session.solve_solution(s)
            model = session.model
            plan = model.to_plan(sol) if sol.has_solution else None
        conflicts: tuple[str, ...] = ()
        must: tuple[str, ...] = ()
        message = sol.message
        if sol.status == "infeasible":
            full = solve_plan(
                _rescored(model.inputs, s, cons),
                cons,
                backend=self.backend,
                time_limit_s=self.time_limit_s,
                assess_binding=False,
            )
            conflicts, must, message = full.conflicts, full.must_relax, full.message
        centres = self._centres(sol, model, s, w) if sol.has_solution else ()
        binding: tuple[str, ...] = ()
        if plan is not None:
            t = plan.constraints
            binding = tuple(str(c) for c in t.loc[t["active"].astype(bool), "constraint"])
        ids = [int(c["city_id"]) for c in centres]
        base = [] if self._base is None else [int(c["city_id"]) for c in self._base.centres]
        return SessionPlan(
            status=str(sol.status),
            objective=float(sol.objective),
            bound=float(sol.bound),
            gap=float(sol.gap),
            centres=centres,
            binding=binding,
            solve_ms=(time.perf_counter() - t0) * 1000.0,
            weights={k: float(v) for k, v in w.items()},
            constraints=table,
            conflicts=tuple(conflicts),
            must_relax=tuple(must),
            message=str(message or ""),
            added=tuple(i for i in ids if i not in base),
            removed=tuple(i for i in base if i not in ids),
            method=str(sol.method),
        )

    def _centres(
        self, sol: Any, model: Any, s: np.ndarray, w: pd.Series
    ) -> tuple[dict[str, Any], ...]:
        industries = model.industries
        frame = self._frame
        wv = w[self._ids].to_numpy(dtype=float)
        out = []
        kind_of = dict(zip(sol.centres, sol.kinds))  # empty without kinds of centre
        for pos in sol.centres:
            row = frame.iloc[pos]
            served = [
                self._industry_names.get(industries[k], industries[k])
                for k, cs in enumerate(sol.allocation)
                if pos in cs
            ]
            contrib = wv * np.nan_to_num(self._S[pos])
            top = np.argsort(-contrib, kind="stable")[:3]
            out.append(
                {
                    "city_id": int(row["city_id"]),
                    "name": str(row["name"]),
                    "iso3": str(row["iso3"]),
                    "lon": float(row["lon"]),
                    "lat": float(row["lat"]),
                    "industries": served,
                    "score": round(float(s[pos]), 6),
                    **({"kind": kind_of[pos]} if pos in kind_of else {}),
                    "drivers": [
                        {
                            "criterion": self._ids[j],
                            "name": self._names[self._ids[j]],
                            "contribution": round(float(contrib[j]), 6),
                        }
                        for j in top
                        if contrib[j] > 0
                    ],
                }
            )
        return tuple(sorted(out, key=lambda c: -c["score"]))

    # ------------------------------------------------------------------ writing

    def scenario_with(
        self, weights: Mapping[str, Any] | None = None, constraints: Mapping[str, Any] | None = None
    ) -> Scenario:
        """The scenario with these weights (as direct ``[criteria.weights]``, final and
        summing to 1) and constraints: what ``planner run`` would plan the same from."""
        w = self.resolve_weights(weights)
        table = self.resolve_constraints(constraints)
        crit = {
            k: v
            for k, v in self.scenario.criteria.items()
            if k not in ("weights", "group_weights", "group_ahp", "ahp", "weighting")
        }
        crit["weights"] = {k: float(v) for k, v in w.items()}
        return replace(self.scenario, criteria=crit, constraints=table)

    def to_toml(
        self, weights: Mapping[str, Any] | None = None, constraints: Mapping[str, Any] | None = None
    ) -> str:
        """The scenario with these weights and constraints as a scenario TOML file."""
        from planner.runfolder import _drop_empty

        data = self.scenario_with(weights, constraints).to_dict()
        data.pop("path", None)
        return _toml(_drop_empty(data))

    def write_run(
        self,
        folder: Path,
        weights: Mapping[str, Any] | None = None,
        constraints: Mapping[str, Any] | None = None,
    ) -> tuple[Path, ...]:
        """Write a run folder for these settings with ``planner run``'s writer.

        The candidates are scored again with the new weights by the criteria stage (the
        layers and accessibility are reused) and the plan is solved by
        :func:`planner.pipeline.optimise`, with the binding check of a full run.
        """
        from planner import criteria
        from planner.pipeline import optimise, run_view
        from planner.runfolder import recover_run_folder, run_record, write_run

        scenario = self.scenario_with(weights, constraints)
        p = self.prepared
        start = time.perf_counter()
        scores = criteria.score_scenario(scenario, p.candidates, access=p.access, layers=p.layers)
        prepared = replace(p, scenario=scenario, scores=scores)
        plan = optimise(prepared, backend=self.backend, time_limit_s=self.time_limit_s)
        timings = {**p.timings_s, "optimise": time.perf_counter() - start}
        view = run_view(prepared, plan, timings_s=timings)
        record = run_record(prepared, plan, view, timings)
        recover_run_folder(folder)
        return write_run(folder, view, record, top_n=scenario.outputs.map_top_n)


def _industry_names(layers: Any) -> dict[str, str]:
    try:
        table = layers["industries"]
    except PlannerError:  # the ids stand in for names without the layer
        return {}
    return dict(zip(table["industry_id"].astype(str), table["name"].astype(str)))


def _toml(data: Mapping[str, Any]) -> str:
    """A TOML document for plain scenario data (tables, arrays of tables, scalars, lists)."""
    lines: list[str] = ["# Written by planner serve: the scenario with the explorer's settings."]

    def scalar(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return repr(value) if math.isfinite(value) else '"nan"'
        if isinstance(value, str):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if isinstance(value, list | tuple):
            return "[" + ", ".join(scalar(v) for v in value) + "]"
        if isinstance(value, Mapping):
            return "{" + ", ".join(f"{_key(k)} = {scalar(v)}" for k, v in value.items()) + "}"
        msg = f"cannot write {value!r} as TOML"
        raise TypeError(msg)

    def table(prefix: str, mapping: Mapping[str, Any]) -> None:
        plain = {
            k: v for k, v in mapping.items()
            if not isinstance(v, Mapping) and not _is_table_array(v)
        }  # fmt: skip
        if prefix and (plain or not mapping):
            lines.extend(["", f"[{prefix}]"])
        lines.extend(f"{_key(k)} = {scalar(v)}" for k, v in plain.items())
        for k, v in mapping.items():
            name = f"{prefix}.{_key(k)}" if prefix else _key(k)
            if isinstance(v, Mapping):
                table(name, v)
            elif _is_table_array(v):
                for item in v:
                    lines.extend(["", f"[[{name}]]"])
                    lines.extend(f"{_key(a)} = {scalar(b)}" for a, b in item.items())

    table("", data)
    return "\n".join(lines) + "\n"


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _key(key: str) -> str:
    k = str(key)
    return k if k.replace("_", "").replace("-", "").isalnum() and k.isascii() else f'"{k}"'


def _rescored(inputs: Any, s: np.ndarray, constraints: Any) -> Any:
    """``inputs`` with the candidates' ``score_total`` set to ``s`` and each kind's score
    moved as the warm model moves it (:meth:`planner.optimise.PlanModel._kind_s`: scaled
    by the candidate's ratio of ``s`` to its built total, clipped to [0, 1])."""
    from planner.optimise import kind_score_column

    cand = inputs.candidates
    s0 = cand["score_total"].to_numpy(dtype=float)
    ratio = np.divide(s, s0, out=np.ones_like(s, dtype=float), where=s0 > 0)
    kinds = {
        col: np.clip(cand[col].to_numpy(dtype=float) * ratio, 0.0, 1.0)
        for col in (kind_score_column(k.id) for k in getattr(constraints, "kinds", ()))
    }
    return replace(inputs, candidates=cand.assign(score_total=s, **kinds))
