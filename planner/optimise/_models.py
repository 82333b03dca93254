"""Generic location-allocation models on a plain cost matrix (demand points x candidate sites).

Each ``solve_*`` function validates its input in one helper, refuses a model that cannot
be feasible (:class:`~planner._errors.InfeasibleError`, quoting the numbers), builds one
:class:`~planner.optimise._lp.LinearModel` with numpy/scipy, hands it to a backend and
returns a frozen :class:`~planner.optimise._solution.Solution`.

Indices in ``open`` and ``assignment`` are 0-based positions of the cost matrix's columns
(sites); ``required``/``excluded`` take positions for arrays and column labels for
DataFrames.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from planner._errors import InfeasibleError, PlannerError
from planner.optimise._backends import RawResult, check_backend, lp_relaxation, solve_linear
from planner.optimise._lp import LinearModel, ModelBuilder
from planner.optimise._solution import Solution, relative_gap

log = logging.getLogger(__name__)

CostLike = np.ndarray | pd.DataFrame


class ModelInputError(PlannerError, ValueError):
    """An argument of a model (cost matrix, weights, p, ...) is malformed."""


# --------------------------------------------------------------------------- validation


def _cost_matrix(cost: CostLike, *, allow_inf: bool = False) -> np.ndarray:
    C = np.asarray(cost.to_numpy() if isinstance(cost, pd.DataFrame) else cost, dtype=float)
    if C.ndim != 2 or C.shape[0] == 0 or C.shape[1] == 0:
        msg = (
            f"cost has shape {C.shape!r}; pass a 2-D matrix with one row per demand point "
            "and one column per candidate site."
        )
        raise ModelInputError(msg)
    if np.isnan(C).any():
        r, c = np.argwhere(np.isnan(C))[0]
        msg = f"cost[{r}, {c}] is NaN; fill missing costs (or use inf where allowed) first."
        raise ModelInputError(msg)
    if not allow_inf and not np.isfinite(C).all():
        r, c = np.argwhere(~np.isfinite(C))[0]
        msg = f"cost[{r}, {c}] is {C[r, c]!r}; this model needs finite costs everywhere."
        raise ModelInputError(msg)
    if (C < 0).any():
        r, c = np.argwhere(C < 0)[0]
        msg = f"cost[{r}, {c}] is {C[r, c]!r}; costs and distances must be non-negative."
        raise ModelInputError(msg)
    return C


def _vector(
    values: Any, n: int, name: str, *, default: float | None = 1.0, positive: bool = False
) -> np.ndarray:
    if values is None:
        if default is None:
            msg = f"{name} is required for this model; pass one value per row/site ({n})."
            raise ModelInputError(msg)
        return np.full(n, float(default))
    v = np.asarray(values, dtype=float).ravel()
    if v.size == 1 and n != 1:
        v = np.full(n, float(v[0]))
    if v.size != n:
        msg = f"{name} has {v.size} values but the cost matrix needs {n}."
        raise ModelInputError(msg)
    if not np.isfinite(v).all() or (v < 0).any() or (positive and (v <= 0).any()):
        bad = v[~np.isfinite(v) | (v < 0) | ((v <= 0) if positive else False)][:3]
        kind = "positive" if positive else "non-negative"
        msg = f"{name} must be finite and {kind}; got {bad.tolist()!r} among its values."
        raise ModelInputError(msg)
    return v


def _site_positions(cost: CostLike, sites: Sequence[Any], name: str, m: int) -> np.ndarray:
    sites = list(sites)
    if not sites:
        return np.zeros(0, dtype=np.int64)
    if isinstance(cost, pd.DataFrame):
        cols = pd.Index(cost.columns)
        missing = [s for s in sites if s not in cols]
        if missing:
            msg = f"{name} names sites {missing[:5]!r} that are not columns of cost."
            raise ModelInputError(msg)
        return np.array([cols.get_loc(s) for s in sites], dtype=np.int64)
    pos = np.asarray(sites)
    if pos.dtype.kind not in "iu" or (pos < 0).any() or (pos >= m).any():
        msg = f"{name}={sites[:5]!r}... must be column positions in 0..{m - 1}."
        raise ModelInputError(msg)
    return pos.astype(np.int64)


def _site_masks(
    cost: CostLike, m: int, required: Sequence[Any], excluded: Sequence[Any]
) -> tuple[np.ndarray, np.ndarray]:
    req = np.zeros(m, dtype=bool)
    req[_site_positions(cost, required, "required", m)] = True
    exc = np.zeros(m, dtype=bool)
    exc[_site_positions(cost, excluded, "excluded", m)] = True
    both = np.flatnonzero(req & exc)
    if both.size:
        msg = f"sites {both[:5].tolist()!r} are both required and excluded; drop one of the two."
        raise InfeasibleError(msg)
    return ~exc, req


def _check_p(p: int, allowed: np.ndarray, required: np.ndarray, *, exact: bool = True) -> int:
    if isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 1:
        msg = f"p={p!r} must be a positive integer number of sites to open."
        raise ModelInputError(msg)
    n_allowed = int(allowed.sum())
    if exact and p > n_allowed:
        msg = (
            f"p={p} sites cannot be opened: only {n_allowed} of {allowed.size} sites are "
            "allowed (not excluded); lower p or exclude fewer sites."
        )
        raise InfeasibleError(msg)
    n_req = int(required.sum())
    if n_req > p:
        msg = f"{n_req} required sites exceed p={p}; raise p to at least {n_req} or require fewer."
        raise InfeasibleError(msg)
    return int(p)


def _solution(
    raw: RawResult,
    model: LinearModel,
    *,
    backend: str,
    name: str,
    formulation: str,
    build_time_s: float,
    open_sites: np.ndarray,
    assignment: np.ndarray | None,
    n_demand: int,
    heuristic: float | None = None,
    shares: tuple[tuple[int, int, float], ...] = (),
    covered: tuple[int, ...] = (),
    objective: float | None = None,
) -> Solution:
    has = raw.status in ("optimal", "feasible")
    assign = tuple(int(a) for a in assignment) if has and assignment is not None else ()
    if not has:
        assign = (-1,) * n_demand
    sol = Solution(
        status=raw.status,
        objective=raw.objective if objective is None else objective,
        bound=raw.bound,
        gap=raw.gap,
        open=tuple(int(j) for j in open_sites) if has else (),
        assignment=assign,
        solve_time_s=raw.solve_time_s,
        backend=backend,
        model=name,
        formulation=formulation,
        build_time_s=build_time_s,
        message=raw.message,
        objective_scale=raw.objective_scale,
        heuristic_objective=heuristic,
        shares=shares,
        covered=covered,
        n_vars=model.n_vars,
        n_rows=model.n_rows,
    )
    log.info("%s: %s", name, sol.status_line())
    return sol


def _nearest_open(C: np.ndarray, open_sites: np.ndarray) -> np.ndarray:
    if open_sites.size == 0:
        return np.full(C.shape[0], -1)
    return open_sites[np.argmin(C[:, open_sites], axis=1)]


# --------------------------------------------------------------------------- heuristics


def greedy_interchange(
    weighted_cost: np.ndarray, p: int, *, fixed: Sequence[int] = (), max_sweeps: int = 50
) -> np.ndarray:
    """Greedy-add then vertex-substitution (Teitz-Bart) local search for the p-median.

    Parameters
    ----------
    weighted_cost
        ``w_i * d_ij`` (demand x sites); every column is a candidate.
    p
        Number of sites to open.
    fixed
        Column positions that must stay open.
    max_sweeps
        Upper limit on improvement sweeps over the open sites.

    Returns
    -------
    numpy.ndarray
        Sorted column positions of the ``p`` open sites (a heuristic, not proven optimal).
    """
    W = weighted_cost
    n, m = W.shape
    is_open = np.zeros(m, dtype=bool)
    is_open[list(fixed)] = True
    d1 = W[:, is_open].min(axis=1) if is_open.any() else np.full(n, np.inf)
    while is_open.sum() < p:
        tot = np.minimum(d1[:, None], W).sum(axis=0)
        tot[is_open] = np.inf
        j = int(np.argmin(tot))
        is_open[j] = True
        d1 = np.minimum(d1, W[:, j])
    fixed_mask = np.zeros(m, dtype=bool)
    fixed_mask[list(fixed)] = True
    is_open, _ = _interchange(W, is_open, fixed_mask, max_sweeps=max_sweeps)
    return np.flatnonzero(is_open)


def _interchange(
    W: np.ndarray, is_open: np.ndarray, fixed_mask: np.ndarray, *, max_sweeps: int = 50
) -> tuple[np.ndarray, float]:
    """Vertex substitution from ``is_open``: for each open site, the best swap, while any helps."""
    n = W.shape[0]
    is_open = is_open.copy()
    current = float(W[:, is_open].min(axis=1).sum()) if is_open.any() else math.inf
    for _ in range(max_sweeps):
        improved = False
        for r in np.flatnonzero(is_open & ~fixed_mask):
            sites = np.flatnonzero(is_open)
            rest = sites[sites != r]
            others = W[:, rest].min(axis=1) if rest.size else np.full(n, np.inf)
            tot = np.minimum(others[:, None], W).sum(axis=0)
            tot[is_open] = np.inf
            j = int(np.argmin(tot))
            if tot[j] < current - 1e-9 * max(1.0, abs(current)):
                is_open[r] = False
                is_open[j] = True
                current = float(tot[j])
                improved = True
        if not improved:
            break
    return is_open, current


# --------------------------------------------------------------------------- p-median


def solve_p_median(
    cost: CostLike,
    p: int,
    *,
    weights: Any = None,
    required: Sequence[Any] = (),
    excluded: Sequence[Any] = (),
    backend: str = "cbc",
    time_limit_s: float | None = None,
    gap: float = 0.0,
    heuristic_start: bool = True,
    threads: int = 1,
) -> Solution:
    r"""Open ``p`` sites minimising the weighted distance from each demand point to its nearest.

    Formulation (radius formulation over sorted distinct distances, after Cornuéjols,
    Nemhauser and Wolsey 1980, Elloumi 2010 and García, Labbé and Marín 2011, with its
    covering rows written as a chain so each site appears once per demand point). For
    demand point i let :math:`D_{i1} < D_{i2} < \dots` be the distinct distances to the
    sites in the model, and :math:`T_i` its truncation distance (below). :math:`K_i`
    counts the levels :math:`D_{ik} < T_i`; set :math:`D_{i,K_i+1} = T_i`. Binary
    :math:`y_j` opens site j; :math:`z_{ik} \in [0, 1]` is 1 when no open site lies within
    :math:`D_{ik}` of i.

    .. math::

        \min \sum_i w_i \Big(D_{i1} + \sum_{k=1}^{K_i} (D_{i,k+1} - D_{ik}) z_{ik}\Big)

    subject to

    (1) :math:`\sum_j y_j = p`
    (2) :math:`z_{i1} + \sum_{j: d_{ij} = D_{i1}} y_j \ge 1` for every i with :math:`K_i \ge 1`
    (3) :math:`z_{ik} - z_{i,k-1} + \sum_{j: d_{ij} = D_{ik}} y_j \ge 0`, k = 2..K_i
    (4) :math:`y_j = 1` for required j; excluded sites and sites fixed closed by (F)
        have no variable
    (5) :math:`y_j \in \{0, 1\}`, :math:`0 \le z_{ik} \le 1`
    (6) :math:`\sum_{j: d_{ij} = T_i} y_j - z_{iK_i} \ge 0` (or :math:`\ge 1` when
        :math:`K_i = 0`) for every point i whose :math:`T_i` is its cap :math:`U_i` from
        (F): i must be served within :math:`U_i`

    Summing (2)-(3) gives the usual radius rows :math:`z_{ik} + \sum_{d_{ij} \le D_{ik}}
    y_j \ge 1`; at any optimum :math:`z_{ik} = \max(0, 1 - \sum_{d_{ij} \le D_{ik}} y_j)` in
    both forms, so the LP bound is the same while the matrix holds each (i, j) pair at most
    once. z is integral once y is (CP-SAT treats it as integer). Without (F), :math:`T_i`
    is at most the distance to the :math:`(m'-p+1)`-th nearest of the ``m'`` sites (p open
    sites always include one of them) or to the nearest required site.

    With ``heuristic_start`` (the default) the model is made small before it is built:

    (H) Start: greedy + vertex substitution (Teitz and Bart 1968), improved inside (LR).
    (LR) Lagrangian relaxation (Beasley 1993) of the assignment rows
        :math:`\sum_j x_{ij} = 1` of the classic formulation with multipliers
        :math:`\lambda_i`: with :math:`\rho_j = \sum_i \min(0, w_i d_{ij} - \lambda_i)`,
        :math:`L(\lambda) = \sum_i \lambda_i + ` the sum of the p smallest
        :math:`\rho_j` (required sites always counted) is a lower bound on the optimum;
        :math:`\lambda` is improved by subgradient steps, and every new set of p sites the
        relaxation picks is evaluated and, when promising, improved by (H).
    (F) Reduced-cost fixing against the incumbent's cost UB, "improving" meaning cheaper
        than UB (at least 1 cheaper when every :math:`w_i d_{ij}` is an integer). Opening
        a site j outside the relaxation's choice costs at least
        :math:`L_j = L - \rho_{(p)} + \rho_j` (:math:`\rho_{(p)}` the largest chosen
        free :math:`\rho`), and serving i from j at least
        :math:`L_{ij} = L_j + \max(0, w_i d_{ij} - \lambda_i)`. A site with
        :math:`L_j` above the improving threshold is fixed closed (never an incumbent
        site); point i's cap :math:`U_i` is the largest :math:`d_{ij}` over the pairs
        that stay below it, or its incumbent distance if larger. Every improving
        solution, and the incumbent, survive, so the reduced model's optimum is the
        optimum. (LR)-(F) repeat on the reduced problem (the pairs fixed to 0 left out)
        while they remove sites; when :math:`L` alone proves the incumbent optimal, no
        model is solved.
    (R) Level refinement. The first model truncates each point at :math:`T_i` = the next
        distance level above its incumbent distance (a point farther away is charged
        :math:`T_i`), which is a relaxation: its bound is a valid lower bound. If the
        relaxed optimum serves every point within its :math:`T_i`, its cost is exact and
        it is optimal; otherwise the points beyond get their levels up to their new
        distance (at most :math:`U_i`, where (6) closes them) and the model is solved
        again, the best solution so far as the start.
    (L) Before (R), the levels of every point whose last level the LP relaxation leaves
        fractionally uncovered are widened until none is (then the truncation costs the
        LP bound nothing).

    The reported bound is the larger of the solver's bound and :math:`L` (rounded up when
    the costs are integers).

    Parameters
    ----------
    cost
        Distances or costs, demand points x candidate sites, finite and non-negative.
    p
        Number of sites to open.
    weights
        Demand weight per row (default 1).
    required, excluded
        Sites that must / must not open (positions, or column labels of a DataFrame).
    backend
        "cbc", "highs", "cpsat" or "scip".
    time_limit_s
        Wall-clock limit for the whole call (heuristic, Lagrangian, level refinement and
        solves); a run stopped by it returns its best solution as "feasible" with the
        bound and gap.
    gap
        Relative gap at which the solver may stop (0 = prove optimality).
    heuristic_start
        Use (H), (LR), (F), (L) and (R) and hand the incumbent to the solver as a start;
        ``False`` solves the untruncated model (1)-(5) on every allowed site directly.
    threads
        Solver threads.

    Notes
    -----
    ``build_time_s`` covers validation, (H), (LR), (F), (L) and building the models;
    ``solve_time_s`` the solver calls. ``message`` says what (LR) and (F) achieved.
    """
    check_backend(backend)
    t0 = time.perf_counter()
    C = _cost_matrix(cost)
    n, m = C.shape
    w = _vector(weights, n, "weights")
    allowed, req = _site_masks(cost, m, required, excluded)
    p = _check_p(p, allowed, req)
    if not 0.0 <= gap < 1.0:
        msg = f"gap={gap!r} must be a relative gap in [0, 1), e.g. 0.0 for proven optimality."
        raise ModelInputError(msg)
    if time_limit_s is not None and not time_limit_s > 0:
        msg = f"time_limit_s={time_limit_s!r} must be a positive number of seconds or None."
        raise ModelInputError(msg)
    sites = np.flatnonzero(allowed)
    demand = np.flatnonzero(w > 0)
    Cd, wd = C[np.ix_(demand, sites)], w[demand]
    req_local = np.flatnonzero(req[sites])
    deadline = None if time_limit_s is None else t0 + time_limit_s

    note = ""
    lagr_bound = -math.inf
    heuristic = None
    best_open: np.ndarray | None = None  # positions in ``sites``
    keep = np.arange(sites.size)  # sites left in the model (positions in ``sites``)
    cap = None
    if heuristic_start and demand.size:
        W = wd[:, None] * Cd
        integral = bool(np.all(np.round(W) == W))
        best_open = greedy_interchange(W, p, fixed=req_local.tolist())
        heuristic = float(W[:, best_open].min(axis=1).sum())
        red = _lagrangian_reduction(W, Cd, p, req_local, best_open, integral, deadline=deadline)
        best_open, lagr_bound, keep, cap = red.open_sites, red.bound, red.keep, red.cap
        note = red.note
        upper = float(W[:, best_open].min(axis=1).sum())
        if red.proven or _within_gap(upper, lagr_bound, gap):
            status = "optimal" if red.proven else "feasible"
            why = "proved optimal" if red.proven else f"within gap={gap!r}"
            raw = RawResult(status, None, upper, lagr_bound, 0.0, 0.0, f"{note}; {why}")
            formulation = "Lagrangian bound (LR) on the start (H); no model solved"
            empty = ModelBuilder().build()
            return _p_median_result(
                raw, C, w, sites[best_open], backend, t0, 0.0, empty, heuristic, formulation
            )

    # ------------------------------------------------------------ radius model on ``keep``
    ks = keep.size
    Ck = Cd[:, keep]
    req_k = np.flatnonzero(np.isin(keep, req_local))
    order = np.argsort(Ck, axis=1, kind="stable")
    Ds = np.take_along_axis(Ck, order, axis=1)
    T_full = Ds[:, ks - p] if demand.size else np.zeros(0)
    if req_k.size:
        T_full = np.minimum(T_full, Ck[:, req_k].min(axis=1))
    U = T_full if cap is None else np.minimum(cap, T_full)  # (6) applies where U < T_full
    capped_by_f = T_full > U
    open_k = None
    if best_open is not None:
        open_k = np.flatnonzero(np.isin(keep, best_open))
        # (R) start from the levels the incumbent needs; (L) widen them with the LP
        T = np.minimum(_next_level(Ds, Ck[:, open_k].min(axis=1)), U)
        T = _refine_with_lp(Ds, order, wd, T, U, capped_by_f, ks, p, req_k, deadline=deadline)
    else:
        T = U.copy()
    best_cost = math.inf if open_k is None else float((wd * Ck[:, open_k].min(axis=1)).sum())
    solve_time_s = 0.0
    rounds = 0
    bound = lagr_bound
    while True:
        rounds += 1
        closed = capped_by_f & (T >= U)
        model, y, z, dval, si = _p_median_model(Ds, order, wd, T, closed, ks, p, req_k)
        if open_k is not None:
            model.start = _p_median_start(model, y, z, dval, si, Ck, open_k)
        left = None if deadline is None else max(deadline - time.perf_counter(), 1e-3)
        raw = solve_linear(model, backend=backend, time_limit_s=left, gap=gap, threads=threads)
        solve_time_s += raw.solve_time_s
        log.debug(
            "p-median round %d: %d variables, %d rows, %s in %.2f s (bound %.6g)",
            rounds,
            model.n_vars,
            model.n_rows,
            raw.status,
            raw.solve_time_s,
            raw.bound,
        )
        if raw.x is None:
            break
        found = np.flatnonzero(raw.x[y] > 0.5)
        serv = Ck[:, found].min(axis=1) if demand.size else np.zeros(0)
        cost_true = float((wd * serv).sum())
        if cost_true < best_cost - 1e-9 * max(1.0, abs(cost_true)) or open_k is None:
            open_k, best_cost = found, cost_true
        beyond = serv > T + 1e-12
        if not beyond.any() or (T >= U).all():
            break
        if deadline is not None and time.perf_counter() >= deadline:
            raw = _demote(raw, "time limit reached while refining the distance levels")
            break
        # (R) relaxation too coarse for these points: add their levels up to the new distance
        T = np.where(beyond, np.minimum(_next_level(Ds, serv), U), T)

    if math.isfinite(raw.bound):
        bound = max(bound, raw.bound)
    open_sites = None
    if open_k is not None and (raw.x is not None or raw.status == "time_limit_no_solution"):
        open_sites = sites[keep[open_k]]
        if raw.x is None:
            raw = _demote(raw, "returning the best solution found before the solver")
    raw = replace(raw, bound=bound)
    if note:
        raw = replace(raw, message=f"{raw.message}; {note}")
    formulation = (
        f"radius formulation, chained rows, on {ks} of {sites.size} sites, "
        f"{rounds} level refinement round(s)"
    )
    return _p_median_result(
        raw, C, w, open_sites, backend, t0, solve_time_s, model, heuristic, formulation
    )


def _within_gap(upper: float, bound: float, gap: float) -> bool:
    return gap > 0 and math.isfinite(bound) and upper - bound <= gap * max(abs(upper), 1e-10)


def _p_median_result(
    raw: RawResult,
    C: np.ndarray,
    w: np.ndarray,
    open_sites: np.ndarray | None,
    backend: str,
    t0: float,
    solve_time_s: float,
    model: LinearModel,
    heuristic: float | None,
    formulation: str,
) -> Solution:
    n = C.shape[0]
    if open_sites is None:
        open_sites = np.zeros(0, dtype=np.int64)
    raw = _with_time(raw, solve_time_s)
    assignment = _nearest_open(C, open_sites)
    objective = None
    if raw.status in ("optimal", "feasible"):
        # weighted distance recomputed on the original matrix
        objective = float((w * C[np.arange(n), assignment]).sum())
        raw = _regap(raw, objective)
    return _solution(
        raw,
        model,
        backend=backend,
        name="p-median",
        formulation=formulation,
        build_time_s=time.perf_counter() - t0 - solve_time_s,
        open_sites=np.sort(open_sites),
        assignment=assignment,
        n_demand=n,
        heuristic=heuristic,
        objective=objective,
    )


@dataclass(frozen=True)
class _Reduction:
    """What (LR) and (F) leave: the incumbent, the bound, the sites kept and the caps."""

    open_sites: np.ndarray
    bound: float
    proven: bool
    keep: np.ndarray
    cap: np.ndarray
    note: str


def _lagrangian_reduction(
    W: np.ndarray,
    D: np.ndarray,
    p: int,
    req_local: np.ndarray,
    open_sites: np.ndarray,
    integral: bool,
    *,
    deadline: float | None,
    max_passes: int = 6,
) -> _Reduction:
    """(LR) and (F) of :func:`solve_p_median` on weighted costs ``W`` and distances ``D``."""
    n, m = W.shape
    fixed = np.zeros(m, dtype=bool)
    fixed[req_local] = True
    incumbent = np.zeros(m, dtype=bool)
    incumbent[open_sites] = True
    upper = float(W[:, incumbent].min(axis=1).sum())
    keep = np.arange(m)
    allowed_pair = np.ones((n, m), dtype=bool)
    lam = np.partition(W, min(1, m - 1), axis=1)[:, min(1, m - 1)].astype(float)
    best = -math.inf
    iterations = 0
    for pass_no in range(max_passes):
        Wk = np.where(allowed_pair, W[:, keep], np.inf)
        out = _subgradient(
            Wk,
            W[:, keep],
            p,
            fixed[keep],
            incumbent[keep],
            lam,
            upper,
            integral,
            max_iter=3000 if pass_no == 0 else 1000,
            deadline=deadline,
        )
        iterations += out.iterations
        lam = out.lam
        if out.upper < upper:
            upper = out.upper
            incumbent[:] = False
            incumbent[keep[out.open_mask]] = True
        best = max(best, out.bound)
        cut = _improving_cut(upper, integral)
        if best > cut or _proven(upper, best, integral):
            break
        # (F) reduced-cost fixing at the best multipliers of this pass
        lb_site, slack = _site_and_pair_bounds(Wk, p, fixed[keep], out.best_lam)
        site_ok = (lb_site <= cut) | incumbent[keep] | fixed[keep]
        pair_ok = (lb_site[None, :] + slack <= cut) & site_ok[None, :]
        serve = np.argmin(np.where(incumbent[keep][None, :], W[:, keep], np.inf), axis=1)
        pair_ok[np.arange(n), serve] = True
        shrink = site_ok.sum() < 0.9 * keep.size or pair_ok.sum() < 0.9 * allowed_pair.sum()
        keep = keep[site_ok]
        allowed_pair = pair_ok[:, site_ok]
        lam = out.best_lam
        if not shrink or (deadline is not None and time.perf_counter() > deadline):
            break
    proven = best > _improving_cut(upper, integral) or _proven(upper, best, integral)
    if integral and math.isfinite(best):
        best = float(math.ceil(best - max(1e-6, 1e-9 * abs(best))))
    best = min(best, upper)
    open_sites = np.flatnonzero(incumbent)
    Dk = np.where(allowed_pair, D[:, keep], -np.inf)
    cap = np.maximum(Dk.max(axis=1), D[:, open_sites].min(axis=1))
    note = f"Lagrangian bound {best:,.6g} after {iterations} subgradient steps"
    note += f"; incumbent {upper:,.6g}"
    if not proven or keep.size < m:
        pairs = allowed_pair.sum() / max(n * m, 1)
        note += (
            f"; reduced-cost fixing kept {keep.size} of {m} sites and {pairs:.1%} of the "
            "point-site pairs"
        )
    log.debug("p-median: %s", note)
    return _Reduction(open_sites, best, proven, keep, cap, note)


def _improving_cut(upper: float, integral: bool) -> float:
    """A lower bound above this proves that no solution is cheaper than ``upper``."""
    if integral:
        return upper - 1.0 + max(1e-6, 1e-9 * abs(upper))
    return upper + 1e-9 * max(1.0, abs(upper))


def _proven(upper: float, bound: float, integral: bool) -> bool:
    """The incumbent is optimal within the tolerance every backend uses (1e-9 relative)."""
    return bound > _improving_cut(upper, integral) or relative_gap(upper, bound) == 0.0


@dataclass(frozen=True)
class _Subgradient:
    bound: float
    best_lam: np.ndarray
    lam: np.ndarray
    upper: float
    open_mask: np.ndarray
    iterations: int


def _lagrangian_choice(rho: np.ndarray, fixed: np.ndarray, p: int) -> np.ndarray:
    """The sites the relaxation opens: the fixed ones and the smallest free ``rho``."""
    chosen = fixed.copy()
    free = np.flatnonzero(~fixed)
    k = p - int(fixed.sum())
    if k > 0:
        chosen[free[np.argpartition(rho[free], k - 1)[:k]]] = True
    return chosen


def _subgradient(
    Wr: np.ndarray,
    W: np.ndarray,
    p: int,
    fixed: np.ndarray,
    incumbent: np.ndarray,
    lam: np.ndarray,
    upper: float,
    integral: bool,
    *,
    max_iter: int,
    deadline: float | None,
    max_searches: int = 20,
) -> _Subgradient:
    """(LR): Polyak steps towards the incumbent's cost; halve the step after 30 idle steps.

    At most ``max_searches`` interchange searches (H) per call: with large p nearly every
    step picks a new set of sites, and a search costs p passes over the matrix.
    """
    best, best_lam = -math.inf, lam
    theta, idle = 2.0, 0
    seen: set[bytes] = set()
    steps = searches = 0
    while steps < max_iter:
        if deadline is not None and time.perf_counter() > deadline:
            break
        steps += 1
        R = np.minimum(Wr - lam[:, None], 0.0)
        rho = R.sum(axis=0)
        chosen = _lagrangian_choice(rho, fixed, p)
        value = float(lam.sum() + rho[chosen].sum())
        key = np.packbits(chosen).tobytes()
        if key not in seen:  # (H) inside (LR): the relaxation's own choice, then swaps
            seen.add(key)
            cost = float(W[:, chosen].min(axis=1).sum())
            if cost < upper * 1.02 and searches < max_searches:
                searches += 1
                mask, cost = _interchange(W, chosen, fixed)
                if cost < upper - 1e-9 * max(1.0, abs(upper)):
                    upper, incumbent = cost, mask
        if value > best + 1e-12 * max(1.0, abs(value)):
            best, best_lam, idle = value, lam, 0
        else:
            idle += 1
            if idle >= 30:
                theta, idle = theta / 2, 0
        if theta < 1e-4 or _proven(upper, best, integral):
            break
        g = 1.0 - (R[:, chosen] < 0).sum(axis=1)
        norm = float(g @ g)
        if norm == 0:  # the relaxed solution is feasible: its value is the bound
            break
        lam = lam + theta * max(upper - value, 1e-9 * max(1.0, abs(upper))) / norm * g
    return _Subgradient(best, best_lam, lam, upper, incumbent, steps)


def _site_and_pair_bounds(
    Wr: np.ndarray, p: int, fixed: np.ndarray, lam: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(F): :math:`L_j` per site and :math:`\\max(0, w_i d_{ij} - \\lambda_i)` per pair."""
    R = np.minimum(Wr - lam[:, None], 0.0)
    rho = R.sum(axis=0)
    chosen = _lagrangian_choice(rho, fixed, p)
    value = float(lam.sum() + rho[chosen].sum())
    free_chosen = chosen & ~fixed
    lb = np.full(rho.size, value)
    if free_chosen.any():
        marginal = float(rho[free_chosen].max())
        lb[~chosen] = value - marginal + rho[~chosen]
    else:  # every open site is fixed: no other site can open
        lb[~chosen] = np.inf
    slack = np.maximum(Wr - lam[:, None], 0.0)
    return lb, slack


def _refine_with_lp(
    Ds: np.ndarray,
    order: np.ndarray,
    wd: np.ndarray,
    T: np.ndarray,
    U: np.ndarray,
    capped_by_f: np.ndarray,
    ms: int,
    p: int,
    req_local: np.ndarray,
    *,
    max_rounds: int = 30,
    deadline: float | None = None,
) -> np.ndarray:
    """(L): while a point's last kept level is fractionally uncovered in the LP, widen it.

    When no cap is reached, the truncated LP's optimum is feasible for the full LP at the
    same cost, so both LP bounds are equal; the truncation then loses no bound.
    """
    newlev = np.ones_like(Ds, dtype=bool)
    newlev[:, 1:] = Ds[:, 1:] != Ds[:, :-1]
    lev = np.cumsum(newlev, axis=1) - 1
    for _ in range(max_rounds):
        if deadline is not None and time.perf_counter() > deadline:
            return T
        closed = capped_by_f & (T >= U)
        model, _y, z, _dval, si = _p_median_model(Ds, order, wd, T, closed, ms, p, req_local)
        x = lp_relaxation(model)[1]
        if x is None or z.size == 0:
            return T
        zv = x[z]
        last = np.r_[si[1:] != si[:-1], True]
        capped = np.zeros(Ds.shape[0], dtype=bool)
        capped[si[last]] = zv[last] > 1e-6
        capped &= U > T
        if not capped.any():
            return T
        # double the number of levels of the capped points
        n_lev = (newlev & (Ds < T[:, None])).sum(axis=1)
        target = 2 * n_lev + 1
        reach = lev >= target[:, None]
        pos = np.argmax(reach, axis=1)
        wider = np.where(reach.any(axis=1), Ds[np.arange(Ds.shape[0]), pos], np.inf)
        T = np.where(capped, np.minimum(wider, U), T)
    return T


def _next_level(Ds: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Per row, the smallest sorted distance strictly above ``dist`` (inf when none)."""
    above = Ds > dist[:, None] + 1e-12
    idx = np.argmax(above, axis=1)
    out = Ds[np.arange(Ds.shape[0]), idx]
    return np.where(above.any(axis=1), out, np.inf)


def _p_median_model(
    Ds: np.ndarray,
    order: np.ndarray,
    wd: np.ndarray,
    T: np.ndarray,
    closed: np.ndarray,
    ms: int,
    p: int,
    req_local: np.ndarray,
) -> tuple[LinearModel, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows (1)-(6) of :func:`solve_p_median` for per-point truncation distances ``T``.

    ``closed`` marks the points whose ``T`` is a distance level they must be served
    within (6); the others are charged ``T`` when served farther away.
    """
    nd = Ds.shape[0]
    newlev = np.ones_like(Ds, dtype=bool)
    newlev[:, 1:] = Ds[:, 1:] != Ds[:, :-1]
    lev = np.cumsum(newlev, axis=1) - 1
    kept = Ds < T[:, None]
    L = (newlev & kept).sum(axis=1)
    zoff = np.concatenate([[0], np.cumsum(L)[:-1]]).astype(np.int64)
    nz = int(L.sum())
    si, sr = np.nonzero(newlev & kept)  # row-major: z order
    dval = Ds[si, sr]
    dnext = np.empty(nz)
    if nz:
        dnext[:-1] = dval[1:]
        last = np.r_[si[1:] != si[:-1], True]
        dnext[last] = T[si[last]]
    b = ModelBuilder(sense="min")
    y = b.add_vars("y", ms, integer=True)
    z = b.add_vars("z", nz, integer=False, cost=wd[si] * (dnext - dval))
    b.offset = float((wd * Ds[:, 0]).sum()) if nd else 0.0
    # (1) open exactly p
    b.add_rows("open_p", 1, np.zeros(ms, dtype=np.int64), y, 1.0, lo=p, hi=p)
    # (2)-(3) chained covering rows, one per z
    ii, rr = np.nonzero(kept)
    rows_y = zoff[ii] + lev[ii, rr]
    cols_y = y[order[ii, rr]]
    k = np.arange(nz) - zoff[si]
    prev = np.flatnonzero(k > 0)
    rows = np.concatenate([rows_y, np.arange(nz), prev])
    cols = np.concatenate([cols_y, z, z[prev - 1]])
    vals = np.concatenate([np.ones(rows_y.size), np.ones(nz), -np.ones(prev.size)])
    b.add_rows("cover", nz, rows, cols, vals, lo=np.where(k == 0, 1.0, 0.0))
    # (6) closed points: some open site within T_i
    pts = np.flatnonzero(closed)
    if pts.size:
        ci, cr = np.nonzero((Ds == T[:, None]) & closed[:, None])
        local = np.searchsorted(pts, ci)
        has_z = L[pts] > 0
        zl = pts[has_z]
        last_z = z[zoff[zl] + L[zl] - 1]
        rows = np.concatenate([local, np.flatnonzero(has_z)])
        cols = np.concatenate([y[order[ci, cr]], last_z])
        vals = np.concatenate([np.ones(ci.size), -np.ones(zl.size)])
        b.add_rows("cap", pts.size, rows, cols, vals, lo=np.where(has_z, 0.0, 1.0))
    model = b.build()
    model.lb[y[req_local]] = 1.0  # (4)
    model.implied_integer = np.r_[np.zeros(ms, dtype=bool), np.ones(nz, dtype=bool)]
    return model, y, z, dval, si


def _p_median_start(
    model: LinearModel,
    y: np.ndarray,
    z: np.ndarray,
    dval: np.ndarray,
    si: np.ndarray,
    Cd: np.ndarray,
    open_local: np.ndarray,
) -> np.ndarray:
    serv = Cd[:, open_local].min(axis=1)
    start = np.zeros(model.n_vars)
    start[y[open_local]] = 1.0
    start[z] = (dval < serv[si]).astype(float)
    return start


def _demote(raw: RawResult, why: str) -> RawResult:
    status = (
        "feasible"
        if raw.status in ("optimal", "feasible", "time_limit_no_solution")
        else raw.status
    )
    return replace(raw, status=status, message=f"{raw.message}; {why}")


def _with_time(raw: RawResult, solve_time_s: float) -> RawResult:
    return replace(raw, solve_time_s=solve_time_s)


def _regap(raw: RawResult, objective: float) -> RawResult:
    """Objective of the returned solution against the (relaxation's) proven bound."""
    bound = raw.bound if math.isfinite(raw.bound) else math.nan
    if math.isfinite(bound):
        bound = min(bound, objective)
    gap = relative_gap(objective, bound)
    status = raw.status
    if status == "optimal" and not (math.isfinite(gap) and gap <= 1e-9):
        status = "feasible"
    if status == "optimal":
        bound, gap = objective, 0.0
    return replace(raw, objective=objective, bound=bound, gap=gap, status=status)


# --------------------------------------------------------------------------- facility location


def solve_facility_location(
    cost: CostLike,
    fixed_cost: Any,
    *,
    capacity: Any = None,
    demand: Any = None,
    single_source: bool = False,
    p: int | None = None,
    required: Sequence[Any] = (),
    excluded: Sequence[Any] = (),
    backend: str = "cbc",
    time_limit_s: float | None = None,
    gap: float = 0.0,
    threads: int = 1,
) -> Solution:
    r"""Open sites and assign demand, minimising fixed plus assignment cost.

    ``cost[i, j]`` is the cost of serving *all* of demand point i from site j (the
    OR-Library convention); a share :math:`x_{ij}` costs :math:`c_{ij} x_{ij}`.

    Formulation (strong facility location, Akinc and Khumawala; Beasley 1988)::

        min  sum_j f_j y_j + sum_ij c_ij x_ij

    (1) :math:`\sum_j x_{ij} = 1` for every demand point i
    (2) :math:`\sum_i d_i x_{ij} \le s_j y_j` for every site j (only with ``capacity``)
    (3) :math:`x_{ij} \le y_j` for every pair (the strong linking rows)
    (4) :math:`\sum_j s_j y_j \ge \sum_i d_i` (aggregate capacity, only with ``capacity``)
    (5) :math:`\sum_j y_j = p` (only with ``p``)
    (6) :math:`y_j = 1` for required sites; excluded sites have no variable
    (7) :math:`y_j \in \{0,1\}`; :math:`x_{ij} \in [0,1]`, or binary with ``single_source``

    Without ``capacity`` the model is uncapacitated; ``demand`` then only matters if costs
    are per unit (they are not: pass total costs).

    Raises
    ------
    InfeasibleError
        When the allowed sites' capacity (or the ``p`` largest) falls short of total
        demand, or, single-source, when a demand exceeds every capacity.
    """
    check_backend(backend)
    t0 = time.perf_counter()
    C = _cost_matrix(cost)
    n, m = C.shape
    f = _vector(fixed_cost, m, "fixed_cost")
    allowed, req = _site_masks(cost, m, required, excluded)
    if p is not None:
        p = _check_p(p, allowed, req)
    capacitated = capacity is not None
    s = _vector(capacity, m, "capacity", default=None) if capacitated else None
    d = _vector(demand, n, "demand", default=None if capacitated else 1.0)
    sites = np.flatnonzero(allowed)
    ms = sites.size
    if ms == 0:
        msg = "every site is excluded; allow at least one site."
        raise InfeasibleError(msg)
    if s is not None:
        ss = s[sites]
        total = float(d.sum())
        top = np.sort(ss)[::-1][: p if p is not None else ms]
        if top.sum() < total - 1e-9:
            which = f"the {p} largest allowed sites" if p is not None else "all allowed sites"
            msg = (
                f"{which} hold {top.sum():,.6g} in total, below the total demand of "
                f"{total:,.6g}; raise capacities, allow more sites or lower demand."
            )
            raise InfeasibleError(msg)
        if single_source and d.max() > ss.max():
            i = int(np.argmax(d))
            msg = (
                f"single_source=True: demand point {i} needs {d[i]:,.6g}, more than the "
                f"largest allowed capacity {ss.max():,.6g}; allow split demand."
            )
            raise InfeasibleError(msg)
    Cs = C[:, sites]
    b = ModelBuilder(sense="min")
    y = b.add_vars("y", ms, integer=True, cost=f[sites])
    x = b.add_vars("x", n * ms, integer=single_source, cost=Cs.ravel())
    X = x.reshape(n, ms)
    rows_i = np.repeat(np.arange(n), ms)
    b.add_rows("assign", n, rows_i, X.ravel(), 1.0, lo=1.0, hi=1.0)  # (1)
    if s is not None:
        ss = s[sites]
        cols_j = np.tile(np.arange(ms), n)
        rows = np.concatenate([cols_j, np.arange(ms)])
        cols = np.concatenate([X.ravel(), y])
        vals = np.concatenate([np.repeat(d, ms), -ss])
        b.add_rows("capacity", ms, rows, cols, vals, hi=0.0)  # (2)
    pairs = np.arange(n * ms)
    b.add_rows(
        "link",
        n * ms,
        np.concatenate([pairs, pairs]),
        np.concatenate([X.ravel(), np.tile(y, n)]),
        np.concatenate([np.ones(n * ms), -np.ones(n * ms)]),
        hi=0.0,
    )  # (3)
    if s is not None:
        b.add_rows("total_capacity", 1, np.zeros(ms, int), y, s[sites], lo=float(d.sum()))  # (4)
    if p is not None:
        b.add_rows("open_p", 1, np.zeros(ms, int), y, 1.0, lo=p, hi=p)  # (5)
    model = b.build()
    model.lb[y[np.flatnonzero(req[sites])]] = 1.0  # (6)
    build_time_s = time.perf_counter() - t0

    raw = solve_linear(model, backend=backend, time_limit_s=time_limit_s, gap=gap, threads=threads)
    open_sites = np.zeros(0, dtype=np.int64)
    assignment = None
    shares: tuple[tuple[int, int, float], ...] = ()
    if raw.x is not None:
        open_sites = sites[np.flatnonzero(raw.x[y] > 0.5)]
        share = raw.x[x].reshape(n, ms)
        assignment = sites[np.argmax(share, axis=1)]
        ii, jj = np.nonzero(share > 1e-9)
        shares = tuple(
            (int(i), int(sites[j]), float(share[i, j])) for i, j in zip(ii.tolist(), jj.tolist())
        )
    kind = "capacitated" if capacitated else "uncapacitated"
    src = "single-source" if single_source else "splittable"
    return _solution(
        raw,
        model,
        backend=backend,
        name=f"{kind} facility location ({src})",
        formulation="strong formulation with x_ij <= y_j rows",
        build_time_s=build_time_s,
        open_sites=open_sites,
        assignment=assignment,
        n_demand=n,
        shares=shares,
    )


# --------------------------------------------------------------------------- coverage models


def _coverage(dist: np.ndarray, radius: float, allowed: np.ndarray) -> np.ndarray:
    if not (isinstance(radius, int | float | np.number) and radius >= 0):
        msg = f"radius={radius!r} must be a non-negative number in the units of cost."
        raise ModelInputError(msg)
    # 1e-9 tolerance: a point at exactly the radius is covered
    return (dist <= radius + 1e-9 * max(1.0, abs(radius))) & allowed[None, :]


def solve_max_coverage(
    cost: CostLike,
    radius: float,
    p: int,
    *,
    weights: Any = None,
    required: Sequence[Any] = (),
    excluded: Sequence[Any] = (),
    backend: str = "cbc",
    time_limit_s: float | None = None,
    gap: float = 0.0,
    threads: int = 1,
) -> Solution:
    r"""Maximal covering location (Church and ReVelle 1974): open ``p`` sites covering most weight.

    Demand point i is covered by site j when :math:`d_{ij} \le S` (``radius``, inclusive).
    :math:`N_i` is the set of allowed sites covering i.

    .. math:: \max \sum_i w_i z_i

    (1) :math:`z_i \le \sum_{j \in N_i} y_j` for every i
    (2) :math:`\sum_j y_j = p`
    (3) :math:`y_j = 1` for required sites; excluded sites have no variable
    (4) :math:`y_j \in \{0,1\}`, :math:`0 \le z_i \le 1` (integral at an optimum);
        points no allowed site covers have no :math:`z_i`.

    ``assignment`` gives each covered point its nearest open covering site, -1 otherwise;
    ``covered`` lists the covered points.
    """
    check_backend(backend)
    t0 = time.perf_counter()
    C = _cost_matrix(cost, allow_inf=True)
    n, m = C.shape
    w = _vector(weights, n, "weights")
    allowed, req = _site_masks(cost, m, required, excluded)
    p = _check_p(p, allowed, req)
    sites = np.flatnonzero(allowed)
    cov = _coverage(C, radius, allowed)[:, sites]
    coverable = np.flatnonzero(cov.any(axis=1) & (w > 0))
    b = ModelBuilder(sense="max")
    y = b.add_vars("y", sites.size, integer=True)
    z = b.add_vars("z", coverable.size, integer=False, cost=w[coverable])
    ii, jj = np.nonzero(cov[coverable])
    rows = np.concatenate([np.arange(coverable.size), ii])
    cols = np.concatenate([z, y[jj]])
    vals = np.concatenate([np.ones(coverable.size), -np.ones(ii.size)])
    b.add_rows("cover", coverable.size, rows, cols, vals, hi=0.0)  # (1)
    b.add_rows("open_p", 1, np.zeros(sites.size, int), y, 1.0, lo=p, hi=p)  # (2)
    model = b.build()
    model.lb[y[np.flatnonzero(req[sites])]] = 1.0  # (3)
    model.implied_integer = np.r_[np.zeros(sites.size, bool), np.ones(coverable.size, bool)]
    # greedy start: add the site covering the most uncovered weight
    start = np.zeros(model.n_vars)
    covered_w = np.zeros(coverable.size, dtype=bool)
    chosen = list(np.flatnonzero(req[sites]))
    for j in chosen:
        covered_w |= cov[coverable, j]
    while len(chosen) < p:
        gain = (w[coverable, None] * (cov[coverable] & ~covered_w[:, None])).sum(axis=0)
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        covered_w |= cov[coverable, j]
    start[y[chosen]] = 1.0
    start[z] = covered_w.astype(float)
    model.start = start
    heuristic = model.objective_of(start)
    build_time_s = time.perf_counter() - t0

    raw = solve_linear(model, backend=backend, time_limit_s=time_limit_s, gap=gap, threads=threads)
    open_sites = np.zeros(0, dtype=np.int64)
    assignment = None
    covered: tuple[int, ...] = ()
    objective = None
    if raw.x is not None:
        open_sites = sites[np.flatnonzero(raw.x[y] > 0.5)]
        is_cov = np.zeros(n, dtype=bool)
        if open_sites.size:
            is_cov = (C[:, open_sites] <= radius + 1e-9 * max(1.0, abs(radius))).any(axis=1)
        assignment = np.where(is_cov, _nearest_open(C, open_sites), -1)
        covered = tuple(np.flatnonzero(is_cov).tolist())
        objective = float(w[is_cov].sum())
    return _solution(
        raw,
        model,
        backend=backend,
        name="maximal covering",
        formulation="Church-ReVelle MCLP",
        build_time_s=build_time_s,
        open_sites=open_sites,
        assignment=assignment,
        n_demand=n,
        heuristic=heuristic,
        covered=covered,
        objective=objective,
    )


def solve_set_cover(
    cost: CostLike,
    radius: float,
    *,
    site_cost: Any = None,
    required: Sequence[Any] = (),
    excluded: Sequence[Any] = (),
    backend: str = "cbc",
    time_limit_s: float | None = None,
    gap: float = 0.0,
    threads: int = 1,
) -> Solution:
    r"""Location set covering (Toregas et al. 1971): fewest (or cheapest) sites covering all.

    Demand point i is covered by site j when :math:`d_{ij} \le S` (``radius``, inclusive).

    .. math:: \min \sum_j c_j y_j \quad (c_j = 1 \text{ unless ``site_cost`` is given})

    (1) :math:`\sum_{j \in N_i} y_j \ge 1` for every demand point i
    (2) :math:`y_j = 1` for required sites; excluded sites have no variable
    (3) :math:`y_j \in \{0,1\}`

    Raises
    ------
    InfeasibleError
        When some demand point has no allowed site within the radius (they are listed).
    """
    check_backend(backend)
    t0 = time.perf_counter()
    C = _cost_matrix(cost, allow_inf=True)
    n, m = C.shape
    cj = _vector(site_cost, m, "site_cost")
    allowed, req = _site_masks(cost, m, required, excluded)
    cov = _coverage(C, radius, allowed)
    bare = np.flatnonzero(~cov.any(axis=1))
    if bare.size:
        msg = (
            f"{bare.size} demand points (rows {bare[:10].tolist()!r}) have no allowed site "
            f"within radius={radius!r}; raise the radius or allow more sites."
        )
        raise InfeasibleError(msg)
    sites = np.flatnonzero(allowed)
    covs = cov[:, sites]
    b = ModelBuilder(sense="min")
    y = b.add_vars("y", sites.size, integer=True, cost=cj[sites])
    ii, jj = np.nonzero(covs)
    b.add_rows("cover", n, ii, y[jj], 1.0, lo=1.0)  # (1)
    model = b.build()
    model.lb[y[np.flatnonzero(req[sites])]] = 1.0  # (2)
    build_time_s = time.perf_counter() - t0
    raw = solve_linear(model, backend=backend, time_limit_s=time_limit_s, gap=gap, threads=threads)
    open_sites = sites[np.flatnonzero(raw.x[y] > 0.5)] if raw.x is not None else np.zeros(0, int)
    assignment = _nearest_open(C, open_sites) if raw.x is not None else None
    return _solution(
        raw,
        model,
        backend=backend,
        name="set covering",
        formulation="Toregas LSCP",
        build_time_s=build_time_s,
        open_sites=open_sites,
        assignment=assignment,
        n_demand=n,
        covered=tuple(range(n)) if raw.x is not None else (),
    )


# --------------------------------------------------------------------------- p-center


def _gonzalez(C: np.ndarray, p: int, fixed: np.ndarray) -> np.ndarray:
    """Farthest-first start for the p-center: repeatedly open the site nearest the worst point."""
    chosen = list(fixed.tolist())
    if not chosen:
        chosen.append(int(np.argmin(C.max(axis=0))))
    while len(chosen) < p:
        d = C[:, chosen].min(axis=1)
        i = int(np.argmax(d))
        order = np.argsort(C[i], kind="stable")
        j = next(int(j) for j in order if j not in chosen)
        chosen.append(j)
    return np.array(sorted(chosen))


def solve_p_center(
    cost: CostLike,
    p: int,
    *,
    required: Sequence[Any] = (),
    excluded: Sequence[Any] = (),
    backend: str = "cbc",
    time_limit_s: float | None = None,
    gap: float = 0.0,
    threads: int = 1,
) -> Solution:
    r"""Open ``p`` sites minimising the largest distance from a demand point to its nearest.

    Formulation (Elloumi, Labbé and Pochet 2004, over sorted distinct distances, with
    per-point chained rows). Let :math:`D_1 < \dots < D_K` be the distinct distances with
    :math:`LB \le D_k \le UB`, where :math:`LB = \max_i \min_j d_{ij}` (no radius can be
    smaller) and UB is the radius of a farthest-first heuristic solution (an optimal one is
    no larger). Binary :math:`u_k` (k = 2..K) is 1 when the radius is at least
    :math:`D_k`; :math:`v_{ik} \in [0,1]` is 1 when point i has no open site closer than
    :math:`D_k`.

    .. math:: \min D_1 + \sum_{k=2}^{K} (D_k - D_{k-1}) u_k

    (0) :math:`\sum_{j: d_{ij} \le UB} y_j \ge 1` for every i (no point beyond UB, so
        the levels above UB are not needed)
    (1) :math:`\sum_j y_j = p`
    (2) :math:`v_{i2} + \sum_{j: d_{ij} < D_2} y_j \ge 1`
    (3) :math:`v_{ik} - v_{i,k-1} + \sum_{j: D_{k-1} \le d_{ij} < D_k} y_j \ge 0`, k = 3..K
    (4) :math:`u_k \ge v_{ik}` for every i and k
    (5) :math:`u_k \ge u_{k+1}`
    (6) :math:`y_j = 1` for required sites; excluded sites have no variable
    (7) :math:`y, u` binary, :math:`0 \le v \le 1`
    """
    check_backend(backend)
    t0 = time.perf_counter()
    C = _cost_matrix(cost)
    n, m = C.shape
    allowed, req = _site_masks(cost, m, required, excluded)
    p = _check_p(p, allowed, req)
    sites = np.flatnonzero(allowed)
    Cs = C[:, sites]
    req_local = np.flatnonzero(req[sites])
    open_h = _gonzalez(Cs, p, req_local)
    ub = float(Cs[:, open_h].min(axis=1).max())
    lb = float(Cs.min(axis=1).max())
    levels = np.unique(Cs[(Cs >= lb) & (Cs <= ub)])
    K = levels.size
    b = ModelBuilder(sense="min")
    y = b.add_vars("y", sites.size, integer=True)
    u = b.add_vars("u", K - 1, integer=True, cost=np.diff(levels))
    b.offset = float(levels[0])
    nv = n * (K - 1)
    v = b.add_vars("v", nv, integer=False).reshape(n, K - 1) if K > 1 else np.zeros((n, 0), int)
    b.add_rows("open_p", 1, np.zeros(sites.size, int), y, 1.0, lo=p, hi=p)  # (1)
    ii, jj = np.nonzero(Cs <= ub)
    b.add_rows("within_ub", n, ii, y[jj], 1.0, lo=1.0)  # (0)
    if K > 1:
        # level of each (i, j): k such that levels[k-1] <= d < levels[k]; d < levels[0] -> 0
        band = np.searchsorted(levels, Cs, side="right")  # d < levels[band]
        # y_j enters row (i, k) (k = 1..K-1 indexes u/v) when levels[k-1] <= d_ij < levels[k],
        # and the first row takes every d_ij < levels[1]
        band = np.maximum(band, 1)
        ii, jj = np.nonzero(band <= K - 1)
        rows_y = ii * (K - 1) + (band[ii, jj] - 1)
        kk = np.tile(np.arange(K - 1), n)
        vflat = v.ravel()
        prev = np.flatnonzero(kk > 0)
        rows = np.concatenate([rows_y, np.arange(nv), prev])
        cols = np.concatenate([y[jj], vflat, vflat[prev - 1]])
        vals = np.concatenate([np.ones(rows_y.size), np.ones(nv), -np.ones(prev.size)])
        b.add_rows("cover", nv, rows, cols, vals, lo=np.where(kk == 0, 1.0, 0.0))  # (2)-(3)
        b.add_rows(
            "radius",
            nv,
            np.concatenate([np.arange(nv), np.arange(nv)]),
            np.concatenate([np.tile(u, n), vflat]),
            np.concatenate([np.ones(nv), -np.ones(nv)]),
            lo=0.0,
        )  # (4)
        if K > 2:
            r = np.arange(K - 2)
            b.add_rows(
                "monotone",
                K - 2,
                np.concatenate([r, r]),
                np.concatenate([u[:-1], u[1:]]),
                np.concatenate([np.ones(K - 2), -np.ones(K - 2)]),
                lo=0.0,
            )  # (5)
    model = b.build()
    model.lb[y[req_local]] = 1.0  # (6)
    model.implied_integer = np.r_[np.zeros(sites.size + K - 1, bool), np.ones(nv, bool)]
    start = np.zeros(model.n_vars)
    start[y[open_h]] = 1.0
    serv = Cs[:, open_h].min(axis=1)
    if K > 1:
        start[u] = (levels[1:] <= ub).astype(float)
        start[v.ravel()] = (levels[None, 1:] <= serv[:, None]).astype(float).ravel()
    model.start = start
    heuristic = ub
    build_time_s = time.perf_counter() - t0
    raw = solve_linear(model, backend=backend, time_limit_s=time_limit_s, gap=gap, threads=threads)
    open_sites = sites[np.flatnonzero(raw.x[y] > 0.5)] if raw.x is not None else np.zeros(0, int)
    assignment = _nearest_open(C, open_sites)
    objective = None
    if raw.x is not None:
        objective = float(C[np.arange(n), assignment].max())
    return _solution(
        raw,
        model,
        backend=backend,
        name="p-center",
        formulation="Elloumi-Labbé-Pochet radius levels, chained rows",
        build_time_s=build_time_s,
        open_sites=open_sites,
        assignment=assignment,
        n_demand=n,
        heuristic=heuristic,
        objective=objective,
    )
