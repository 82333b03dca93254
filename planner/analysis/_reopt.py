r"""The optimiser as the analyses see it: scores in, one plan out.

A *re-optimiser* is built once per analysis from the prepared scenario (the candidates,
their per-industry fit, the constraints) and then solves the plan model for many score
vectors. It is picklable: sweeps send it once to every worker.

:class:`PlanReoptimiser` solves the plan model of :func:`planner.optimise.solve_plan`
exactly, in process, on a :class:`planner.optimise.PlanModel` built once (on every
candidate) and re-solved with only the centres' objective coefficients changed. A
*session* (:meth:`PlanReoptimiser.session`) keeps the solver's state from one solve to the
next: each solve first re-optimises the LP relaxation from the previous basis, on a
working set of candidates with an LP-duality proof for the others, which proves the plan
optimal whenever its optimum is integral, and otherwise branches on that warm LP
(:class:`planner.optimise.PlanModel`; on the default scenario with its kinds of centre,
about half the draws each way, tens of milliseconds a draw). Only when that branching
stops at its node limit is the MIP solved with the backend, started from the session's
previous plan, on fewer candidates:

1. *Dominance* (always, for the MIP; not with kinds of centre, whose scores it does not
   rank). Candidates are grouped by country and by which of the counting
   constraints (near a rail-line node, near a cooperation zone, in a leading science and
   technology country) they meet. A candidate that at least ``q = min(n_centres,
   max_per_country)`` admissible candidates of its group match or beat in score, in every
   industry's fit x access, in cost and in political stability (and beat in one) is
   left out: an optimal plan never needs it (see :meth:`PlanReoptimiser._undominated`).
   Under a minimum separation, a dominator must also conflict with no candidate that the
   dominated one does not (apart from the dominated one itself), so that the swap keeps
   the separation.
   Candidates the documented rows hold closed (excluded cities and countries, below the
   political-stability floor) are left out too. On the default scenario this keeps about
   380 of 1,595 candidates; the others are held closed in the MIP.
2. *Pool with stand-ins* (``pool > 0``). Of those, it keeps the ``pool`` best by value
   :math:`\lambda s_c + \text{(the } C \text{ largest } \omega_k f_{ck} a_c)`, by score,
   in each industry and among the candidates meeting each counting constraint (the best
   few per country when a per-country cap applies), plus every required city and every
   candidate of a required country; and adds *stand-ins* that dominate the candidates
   left out: for each group of them (same counting-constraint membership, and same
   country under a per-country cap), as many copies as could open, with the group's best
   score, best fit x access per industry, lowest cost, shortest distances and highest
   stability. The pooled model is then a relaxation of the full one: if its optimum
   opens no stand-in it is optimal for the full model; otherwise the pool is doubled.
   Pooled solves go through :func:`planner.optimise.solve_plan` (a new model each).
   Under a minimum separation the pool is not used (a stand-in has no location), and
   every solve is on the full model.

A session's result depends only on the scores it was given and the order of its solves;
the sensitivity analysis opens one session per task, so its results do not depend on how
the tasks are spread over workers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import pandas as pd

from planner._errors import PlannerError
from planner._inputs import plan_constraints, plan_inputs_from

#: Candidates kept per ranking in the first pooled solve; 0 (the default) solves the model
#: on every candidate that dominance does not rule out, which measured faster on the
#: default scenario (0.35 s against 0.76 s a draw with CBC).
DEFAULT_POOL = 0

_PLAN_COLUMNS = (
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


@dataclass(frozen=True)
class DrawPlan:
    """One plan, in positions of the scored candidates (rows of ``Scores.frame``).

    Attributes
    ----------
    status
        Solver status ("optimal", "feasible", "infeasible", ...).
    objective
        Objective value of the plan (NaN without one).
    centres
        Positions of the chosen centres, ascending.
    allocation
        For each industry (in the re-optimiser's ``industries`` order), the positions of
        the centres serving it, ascending.
    solves, pool
        Models solved for this plan, and the candidates the last one could open.
    method
        ``"lp"`` when the LP relaxation proved the plan, ``"lp-branch"`` when a branch and
        bound on it did, else the backend that solved it.
    kinds
        With kinds of centre: the kind id of each centre, in the order of ``centres``.
    """

    status: str
    objective: float
    centres: tuple[int, ...]
    allocation: tuple[tuple[int, ...], ...]
    solves: int = 1
    pool: int = 0
    method: str = ""
    kinds: tuple[str, ...] = ()

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible") and len(self.centres) > 0


class Reoptimiser(Protocol):
    """Solves the plan model for a vector of total scores (one per candidate, in [0, 1])."""

    industries: tuple[str, ...]

    def solve(self, total: np.ndarray) -> DrawPlan:  # pragma: no cover - protocol
        ...


@dataclass(frozen=True, eq=False)
class PlanReoptimiser:
    """Re-solves :func:`planner.optimise.solve_plan` for new scores, exactly, on a pool.

    Attributes
    ----------
    candidates
        The plan model's candidate table (columns of ``PlanInputs.candidates``), one row
        per scored candidate in scoring order; ``score_total`` is replaced per solve.
    fit
        Industry fit, same rows, columns ``industries``.
    industry_weights
        Industry id -> weight.
    constraints
        A :class:`planner.optimise.PlanConstraints`.
    backend, time_limit_s, gap
        Solver settings handed to ``solve_plan``.
    suitability_weight
        The plan model's weight of ``score_total`` against the fit term.
    pool
        Candidates kept per ranking in the first pooled solve; 0 solves on every
        candidate dominance keeps.
    relaxation_first
        Try the LP relaxation first (it proves most plans); ``False`` always solves the
        MIP (on the candidates dominance keeps).
    existing
        The province's existing centres (``PlanInputs.existing``), open in every solve;
        they only lower per-country caps, so the dominance argument still holds (a group
        opens at most ``min(n_centres, max_per_country)`` centres).
    """

    candidates: pd.DataFrame
    fit: np.ndarray
    industries: tuple[str, ...]
    industry_weights: Mapping[str, float]
    constraints: Any
    backend: str = "cbc"
    time_limit_s: float | None = None
    gap: float = 0.0
    suitability_weight: float = 1.0
    pool: int = DEFAULT_POOL
    relaxation_first: bool = True
    existing: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        c = self.candidates
        n = len(c)
        w = np.array([float(self.industry_weights[k]) for k in self.industries])
        omega = w / w.sum()
        access = c["access"].to_numpy(dtype=float) if "access" in c.columns else np.ones(n)
        value = self.fit * omega[None, :] * np.nan_to_num(access, nan=0.0)[:, None]
        cap = self.constraints.max_industries_per_centre or len(self.industries)
        object.__setattr__(self, "_value", value)
        object.__setattr__(self, "_fit_access", self.fit * np.nan_to_num(access, nan=0.0)[:, None])
        object.__setattr__(self, "_top_fit", -np.sort(-value, axis=1)[:, :cap].sum(axis=1))
        object.__setattr__(self, "_eligible", self._eligible_mask())
        object.__setattr__(self, "_always", self._always_mask())
        object.__setattr__(self, "_special", self._special_masks())
        object.__setattr__(self, "_country", pd.factorize(c["iso3"].astype(str))[0])
        self._prepare_dominance()
        object.__setattr__(self, "_by_id", {int(i): p for p, i in enumerate(c["city_id"])})
        object.__setattr__(self, "_model", None)

    def plan_model(self) -> Any:
        """The :class:`planner.optimise.PlanModel` on every candidate, built on first use
        and shared (sessions solve copies of it)."""
        model = self.__dict__.get("_model")
        if model is None:
            from planner.optimise import PlanInputs, build_plan_model

            ids = self.candidates["city_id"].to_numpy()
            fit = pd.DataFrame(
                self.fit, index=pd.Index(ids, name="city_id"), columns=list(self.industries)
            )
            inputs = PlanInputs(
                self.candidates.reset_index(drop=True),
                fit,
                dict(self.industry_weights),
                self.suitability_weight,
                existing=self.existing,
            )
            model = build_plan_model(
                inputs,
                self.constraints,
                backend=self.backend,
                time_limit_s=self.time_limit_s,
                gap=self.gap,
            )
            object.__setattr__(self, "_model", model)
        return model

    def session(self) -> ReoptSession:
        """A solver session: solves in it start from the previous one's state."""
        # kinds of centre: the dominance and stand-in arguments rank candidates by one
        # score, so the pool is not used and no candidate is closed by dominance
        kinds = bool(getattr(self.constraints, "kinds", ()))
        exact = self.pool <= 0 or bool(self.constraints.min_separation_km) or kinds
        return ReoptSession(self, self.plan_model().copy() if exact else None)

    # ---------------------------------------------------------------- masks

    def _prepare_dominance(self) -> None:
        c, k = self.candidates, self.constraints
        bounds = [b for b in (k.n_centres, k.max_per_country) if b is not None]
        q = min(bounds) if bounds else None
        cost = c["cost_musd"].to_numpy(dtype=float)
        stab = c["political_stability"].to_numpy(dtype=float)
        static = np.column_stack(
            [
                self._fit_access,
                np.where(np.isnan(cost), -np.inf, -cost),  # lower cost is better
                np.where(np.isnan(stab), -np.inf, stab),
            ]
        )
        signature = np.zeros(len(c), dtype=np.int64)
        for bit, mask in enumerate(self._special):
            signature |= mask.astype(np.int64) << bit
        key = signature * (int(self._country.max()) + 1) + self._country
        order = np.argsort(key, kind="stable")
        cuts = np.flatnonzero(np.diff(key[order])) + 1
        groups = [g for g in np.split(order, cuts) if q is not None and g.size > q]
        object.__setattr__(self, "_q", q)
        object.__setattr__(self, "_static", static)
        object.__setattr__(self, "_groups", groups)
        object.__setattr__(self, "_swappable", [self._swappable_in(g) for g in groups])

    def _swappable_in(self, idx: np.ndarray) -> np.ndarray | None:
        """[i, j]: under the separation, j can take i's place in any plan (j conflicts
        with no candidate other than i that i does not conflict with); None without one."""
        d = self.constraints.min_separation_km
        if not d:
            return None
        conflict = self.__dict__.get("_conflict")
        if conflict is None:
            import scipy.sparse as sp

            from planner.optimise import conflict_pairs

            c = self.candidates
            pairs = conflict_pairs(c["lon"].to_numpy(float), c["lat"].to_numpy(float), d)
            n = len(c)
            ones = np.ones(2 * len(pairs))
            rows = np.r_[pairs[:, 0], pairs[:, 1]]
            cols = np.r_[pairs[:, 1], pairs[:, 0]]
            conflict = sp.csr_matrix((ones, (rows, cols)), shape=(n, n))
            object.__setattr__(self, "_conflict", conflict)
        M = conflict[idx]
        shared = (M @ M.T).toarray()  # [i, j]: |N(i) & N(j)|
        degree = np.asarray(M.sum(axis=1)).ravel()
        inner = M[:, idx].toarray()  # [i, j]: i and j conflict
        # N(j) minus {i} within N(i), where i is never in N(i)
        return shared == (degree[None, :] - inner.T)

    def _eligible_mask(self) -> np.ndarray:
        """Candidates the constraints do not rule out (used to rank the pool only)."""
        c, k = self.candidates, self.constraints
        ok = ~c["city_id"].isin(list(k.excluded_cities)).to_numpy().copy()
        ok &= ~c["iso3"].isin(list(k.excluded_countries)).to_numpy()
        if k.min_political_stability is not None:
            r = c["political_stability"].to_numpy(dtype=float)
            ok &= np.nan_to_num(r, nan=-np.inf) >= k.min_political_stability
        if k.min_separation_km:
            # row (15) holds closed those without coordinates or near an existing centre
            from planner.optimise import near_points

            lon = c["lon"].to_numpy(dtype=float)
            lat = c["lat"].to_numpy(dtype=float)
            ok &= np.isfinite(lon) & np.isfinite(lat)
            e = self.existing
            if e is not None and len(e):
                ok &= ~near_points(lon, lat, e["lon"], e["lat"], k.min_separation_km)
        return ok

    def _always_mask(self) -> np.ndarray:
        c, k = self.candidates, self.constraints
        # every candidate a requirement names, eligible or not: the stand-ins count for no
        # required city or country, so the pool itself must hold them
        keep = c["city_id"].isin(list(k.required_cities)).to_numpy().copy()
        keep |= c["iso3"].isin(list(k.required_countries)).to_numpy()
        return keep

    def _special_masks(self) -> list[np.ndarray]:
        c, k = self.candidates, self.constraints
        masks = []
        if k.min_on_rail_lines:
            d = np.nan_to_num(c["dist_rail_node_km"].to_numpy(dtype=float), nan=np.inf)
            masks.append(d <= k.rail_node_radius_km)
        if k.min_near_coop_zones:
            d = np.nan_to_num(c["dist_coop_zone_km"].to_numpy(dtype=float), nan=np.inf)
            masks.append(d <= k.coop_zone_radius_km)
        if k.min_st_leading:
            masks.append(c["st_leading"].to_numpy(dtype=bool))
        return masks

    # ---------------------------------------------------------------- solve

    def solve(self, total: np.ndarray) -> DrawPlan:
        """The optimal plan for the scores ``total`` (one per candidate, in [0, 1]), in a
        session of its own (so the result does not depend on earlier solves)."""
        return self.session().solve(total)

    def _scores(self, total: np.ndarray) -> np.ndarray:
        s = np.clip(np.asarray(total, dtype=float), 0.0, 1.0)
        n = len(self.candidates)
        if s.shape != (n,):
            msg = f"total has shape {s.shape!r}; pass one score per candidate ({n})."
            raise PlannerError(msg)
        return s

    def _solve_pooled(self, s: np.ndarray) -> DrawPlan:
        """Solve on a pool with stand-ins, doubling it until no stand-in opens."""
        universe = self._undominated(s)
        m = self.pool
        solves = 0
        last = -1
        size = int(universe.sum())
        while True:
            chosen = self._pool_mask(s, m) & universe
            solves += 1
            if chosen.sum() <= last or chosen.sum() >= size - 1:
                # the pool holds (nearly) everyone, or doubling added nobody
                return self._solve_on(s, universe, out=None, solves=solves)
            last = int(chosen.sum())
            plan = self._solve_on(s, chosen, out=universe & ~chosen, solves=solves)
            if plan is not None:
                return plan
            m *= 2

    def _undominated(self, s: np.ndarray) -> np.ndarray:
        """Candidates that fewer than ``q`` admissible others dominate in their group.

        Group: same country and the same membership of the counting constraints. ``c`` is
        dominated by ``d`` when ``d`` is at least as good in score, in every industry's
        fit x access, in cost and in political stability, and better in one. With
        ``q = min(n_centres, max_per_country)`` such ``d`` (and ``c`` not required), an
        optimal plan never needs ``c``: a plan opening ``c`` leaves at least one of them
        closed, and swapping ``c`` for it keeps every constraint and does not lower the
        objective. (Taking the dominators in a topological order, the first ``q`` each
        have fewer than ``q`` dominators themselves, so they are all kept.)
        """
        # a candidate the documented rows (10), (12), (13) hold closed never opens
        keep = self._eligible.copy()
        q = self._q
        if q is None:
            return keep | self._always
        X = self._static
        for idx, swappable in zip(self._groups, self._swappable):
            Y = np.column_stack([s[idx], X[idx]])
            ge = (Y[None, :, :] >= Y[:, None, :]).all(axis=2)  # [i, j]: j >= i everywhere
            gt = (Y[None, :, :] > Y[:, None, :]).any(axis=2)
            better = ge & gt & self._eligible[idx][None, :]
            if swappable is not None:
                better &= swappable
            dominators = better.sum(axis=1)
            keep[idx[dominators >= q]] = False
        keep |= self._always
        return keep

    def _pool_mask(self, s: np.ndarray, m: int) -> np.ndarray:
        n = s.size
        elig = self._eligible
        keep = self._always.copy()
        value = self.suitability_weight * s + self._top_fit
        rankings = [value, s, *self._value.T]
        cap = self.constraints.max_per_country
        if cap:  # the per-country share of the pool grows as the pool does
            cap = cap * max(1, m // self.pool)
        for key in rankings:
            # with a cap per country, the best few of each country compete
            pool = elig & _top_per_group(key, self._country, cap) if cap else elig
            keep[_top(key, pool, m)] = True
        for mask in self._special:
            pool = elig & mask
            if cap:
                pool &= _top_per_group(value, self._country, cap, mask=mask)
            keep[_top(value, pool, m)] = True
        if keep.sum() >= n - 1:
            keep[:] = True
        return keep

    def _n_stand_ins(self, out: np.ndarray) -> int:
        k = self.constraints
        outside = int(out.sum())
        if k.n_centres is not None:
            return min(int(k.n_centres), outside)
        return outside if outside <= 64 else 64

    def _solve_on(
        self, s: np.ndarray, pool: np.ndarray, *, out: np.ndarray | None, solves: int
    ) -> DrawPlan | None:
        """Solve on ``pool``, with stand-ins for the candidates ``out`` (None: exact)."""
        from planner.optimise import PlanInputs, solve_plan

        idx = np.flatnonzero(pool)
        cand = self.candidates.iloc[idx].copy()
        cand["score_total"] = s[idx]
        fit = self.fit[idx]
        ids = cand["city_id"].to_numpy()
        if "access" in cand.columns:
            cand["access"] = cand["access"].to_numpy(dtype=float)
        stand_ins = self._n_stand_ins(out) if out is not None and out.any() else 0
        if stand_ins:
            extra, extra_fit = self._stand_ins(s, out, stand_ins, has_access="access" in cand)
            cand = pd.concat([cand, extra], ignore_index=True)
            fit = np.vstack([fit, extra_fit])
            ids = cand["city_id"].to_numpy()
        fit_frame = pd.DataFrame(fit, index=pd.Index(ids, name="city_id"), columns=self.industries)
        k = self.constraints
        if stand_ins and k.n_centres is None and k.budget_musd is None:  # pragma: no cover
            msg = "The plan constraints need n_centres or budget_musd."
            raise PlannerError(msg)
        plan = solve_plan(
            PlanInputs(cand.reset_index(drop=True), fit_frame, dict(self.industry_weights),
                       self.suitability_weight, existing=self.existing),
            k,
            backend=self.backend,
            time_limit_s=self.time_limit_s,
            gap=self.gap,
            diagnose=False,
            assess_binding=False,
        )  # fmt: skip
        has = plan.status in ("optimal", "feasible")
        opened = [int(i) for i in plan.centres["city_id"]] if has else []
        if stand_ins and any(i < 0 for i in opened):
            return None
        pos = sorted(self._by_id[i] for i in opened)
        alloc: list[tuple[int, ...]] = []
        if has:
            table = plan.allocation
            for ind in self.industries:
                got = table.loc[table["industry_id"] == ind, "city_id"]
                alloc.append(tuple(sorted(self._by_id[int(i)] for i in got)))
        else:
            alloc = [() for _ in self.industries]
        return DrawPlan(
            status=str(plan.status),
            objective=float(plan.objective),
            centres=tuple(pos),
            allocation=tuple(alloc),
            solves=solves,
            pool=int(idx.size),
            method=self.backend,
        )

    def _stand_ins(
        self, s: np.ndarray, out: np.ndarray, count: int, *, has_access: bool
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """``count`` stand-ins for each group of left-out candidates that share which of the
        counting constraints (rail line, cooperation zone, leading country) they meet."""
        c = self.candidates
        signature = np.zeros(len(c), dtype=np.int64)
        for bit, mask in enumerate(self._special):
            signature |= mask.astype(np.int64) << bit
        cap = self.constraints.max_per_country
        if cap:
            # with a cap per country, a stand-in stays in its group's country so the cap
            # still applies to it; at most ``cap`` of a country can open
            signature = signature * (int(self._country.max()) + 1) + self._country
        frames = []
        fits = []
        for sig in np.unique(signature[out]):
            group = out & (signature == sig)
            o = c[group]
            copies = min(count, int(group.sum()), cap or count)

            def best(col: str, fn: Any, o: pd.DataFrame = o) -> float:
                v = o[col].to_numpy(dtype=float)
                v = v[np.isfinite(v)]
                return float(fn(v)) if v.size else math.nan

            row = {
                "name": "(candidates left out of the pool)",
                "score_total": float(s[group].max()),
                "cost_musd": best("cost_musd", np.min),
                "dist_rail_node_km": best("dist_rail_node_km", np.min),
                "dist_coop_zone_km": best("dist_coop_zone_km", np.min),
                "st_leading": bool(o["st_leading"].astype(bool).any()),
                "political_stability": best("political_stability", np.max),
            }
            first = -sum(len(f) for f in frames) - 1
            if cap:
                iso = [str(o["iso3"].iloc[0])] * copies
            else:  # a country each: nothing binds stand-ins together
                iso = [f"#{-first + d}" for d in range(copies)]
            frames.append(
                pd.DataFrame([{"city_id": first - d, "iso3": iso[d], **row} for d in range(copies)])
            )
            fits.append(np.tile(self._fit_access[group].max(axis=0), (copies, 1)))
        extra = pd.concat(frames, ignore_index=True)
        for col in self.candidates.columns:
            if col not in extra.columns:
                extra[col] = pd.NA
        if has_access:
            extra["access"] = 1.0
        extra = extra[list(self.candidates.columns)]
        return extra, np.clip(np.vstack(fits), 0.0, 1.0)


class ReoptSession:
    """Solves of one :class:`PlanReoptimiser` that share solver state (see the module
    docstring). Not thread-safe: one session per thread or task."""

    def __init__(self, reopt: PlanReoptimiser, model: Any) -> None:
        self.reopt = reopt
        self.industries = reopt.industries
        self._model = model
        self._last: Any = None

    @property
    def model(self) -> Any:
        """The session's own :class:`planner.optimise.PlanModel` (None on a pool)."""
        return self._model

    def solve_solution(self, total: np.ndarray) -> tuple[Any, int]:
        """The :class:`planner.optimise.PlanSolution` for ``total`` on the session's own
        model, and the candidates the MIP could open (all when the LP proved it).

        Needs an exact session (``pool`` 0 or a minimum separation)."""
        reopt = self.reopt
        s = reopt._scores(total)
        if self._model is None:
            msg = "solve_solution needs an exact session; build the re-optimiser with pool=0."
            raise PlannerError(msg)
        sol = None
        if reopt.relaxation_first:
            sol = self._model.solve_relaxation(s, branch=True, start=self._last)
        pool = len(s)
        if sol is None:
            if getattr(reopt.constraints, "kinds", ()):
                keep = np.ones(len(s), dtype=bool)  # kinds: dominance does not hold
            else:
                keep = reopt._undominated(s)
            pool = int(keep.sum())
            sol = self._model.solve(s, start=self._last, closed=~keep, relaxation_first=False)
        if sol.x is not None:
            self._last = sol
        return sol, pool

    def solve(self, total: np.ndarray) -> DrawPlan:
        """The optimal plan for the scores ``total`` (one per candidate, in [0, 1])."""
        reopt = self.reopt
        if self._model is None:
            return reopt._solve_pooled(reopt._scores(total))
        sol, pool = self.solve_solution(total)
        has = sol.status in ("optimal", "feasible")
        return DrawPlan(
            status=str(sol.status),
            objective=float(sol.objective),
            centres=sol.centres if has else (),
            allocation=sol.allocation if has else tuple(() for _ in reopt.industries),
            solves=1,
            pool=pool,
            method=sol.method,
            kinds=tuple(sol.kinds) if has else (),
        )


def _top_per_group(
    key: np.ndarray, group: np.ndarray, k: int, *, mask: np.ndarray | None = None
) -> np.ndarray:
    """Mask of the ``k`` largest ``key`` in each group (among ``mask``)."""
    idx = np.arange(key.size) if mask is None else np.flatnonzero(mask)
    order = idx[np.lexsort((-key[idx], group[idx]))]
    g = group[order]
    first = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
    start = np.repeat(first, np.diff(np.r_[first, g.size]))
    out = np.zeros(key.size, dtype=bool)
    out[order[np.arange(g.size) - start < k]] = True
    return out


def _top(key: np.ndarray, mask: np.ndarray, m: int) -> np.ndarray:
    """Positions of the ``m`` largest ``key`` among ``mask`` (ties by position)."""
    idx = np.flatnonzero(mask)
    if idx.size <= m:
        return idx
    part = np.argpartition(-key[idx], m - 1)[:m]
    return idx[part]


def plan_reoptimiser(
    prepared: Any,
    *,
    backend: str | None = None,
    time_limit_s: float | None = None,
    gap: float | None = None,
    constraints: Any = None,
    pool: int = DEFAULT_POOL,
) -> PlanReoptimiser:
    """A :class:`PlanReoptimiser` for a prepared scenario (``until="criteria"``).

    Parameters
    ----------
    prepared
        From :func:`planner.pipeline.prepare`.
    backend, time_limit_s, gap
        Solver settings; the scenario's ``[solver]`` when ``None``.
    constraints
        A :class:`planner.optimise.PlanConstraints` to use instead of the scenario's.
    pool
        Candidates kept per ranking in the first pooled solve; 0 solves on every
        candidate dominance keeps.
    """
    scores = prepared.scores
    if scores is None:
        msg = (
            "prepared has no scores; call planner.pipeline.prepare(scenario, "
            "until='criteria') first."
        )
        raise PlannerError(msg)
    scenario = prepared.scenario
    cons = constraints
    if cons is None:
        cons = plan_constraints(scenario)
    solver = scenario.solver
    inputs = plan_inputs_from(
        scores, prepared.access, existing=prepared.existing, kinds=cons.kinds
    )
    frame = inputs.candidates.reset_index(drop=True)
    # industries without weight are left out of the plan model, as solve_plan requires
    industries = tuple(str(k) for k, v in inputs.industry_weights.items() if v > 0)
    fit = inputs.fit.reindex(index=frame["city_id"].to_numpy(), columns=list(industries))
    return PlanReoptimiser(
        candidates=frame,
        fit=fit.to_numpy(dtype=float),
        industries=industries,
        industry_weights={k: float(inputs.industry_weights[k]) for k in industries},
        suitability_weight=float(inputs.suitability_weight),
        constraints=cons,
        backend=backend or solver.backend,
        time_limit_s=time_limit_s if time_limit_s is not None else solver.time_limit_s,
        gap=gap if gap is not None else solver.gap,
        pool=pool,
        existing=inputs.existing,
    )


def with_constraints(reopt: PlanReoptimiser, **changes: Any) -> PlanReoptimiser:
    """A copy of ``reopt`` whose constraints have ``changes`` applied."""
    return replace(reopt, constraints=replace(reopt.constraints, **changes))
