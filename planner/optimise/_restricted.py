r"""The plan model solved on a working set of candidates, with a proof for the rest.

The warm re-solve of the plan model (:meth:`planner.optimise.PlanModel.solve`) spends its
time in the LP relaxation, and the LP's time grows with the candidates: on the default
scenario with kinds of centre (1,281 candidates, about 22,000 variables) a warm dual
simplex re-solve takes 15-250 ms, on 200 candidates about 5 ms. Yet a plan opens eight
centres, and most candidates could never be among them. This module solves the model on a
*working set* :math:`W` of candidates and proves, by LP duality, that no candidate outside
:math:`W` can improve the result; a candidate that might is added to :math:`W` and the
model solved again (column generation with whole candidates as columns).

**The proof.** Let :math:`\pi` be the optimal row duals of the LP relaxation on
:math:`W` (value :math:`z^{LP}_W`), taken as 0 on the rows that hold no variable of
:math:`W`, and :math:`d = c - A^\top \pi` the reduced profits of every variable of the full
model. For any feasible :math:`x` of the full model, :math:`c^\top x = \pi^\top A x +
d^\top x`; the row term and the terms of :math:`W`'s variables add up to at most the dual
objective of the LP on :math:`W`, which is :math:`z^{LP}_W`. A candidate :math:`c` outside
:math:`W` adds :math:`\sum_{j \in c} d_j x_j`, which its own rows bound by
:math:`B_c\, y_c` with

.. math::

    B_c = d_{y_c} + \max_{j\ \text{eligible}} d_{z_{cj}}
          + \text{the } M \text{ largest of } \max(0,\ d_{x_{ck}} + \max(0, d_{u_{ck}}))

(open it: one kind, at most :math:`M` industries, the best-centre mark only where the
industry is served; the coupling of industries to kinds is relaxed, so this is an upper
bound). Hence :math:`c^\top x \le z^{LP}_W + \sum_{c \notin W} B_c y_c`. If the model's
optimum on :math:`W` is :math:`z^*_W` and every outside candidate has
:math:`B_c \le z^*_W - z^{LP}_W` (which is :math:`\le 0`), no plan that opens an outside
candidate beats :math:`z^*_W`, so :math:`z^*_W` is the optimum of the full model. The
comparison keeps a margin of :data:`PRICING_TOLERANCE` (relative) on the safe side: a
candidate within it is added to :math:`W`, never ruled out.

:math:`z^*_W` comes from the LP on :math:`W` when it is integral, else from the small
branch and bound of :mod:`planner.optimise._branch` on the same warm LP. The working set
persists from one solve to the next (the sweep's draws and the explorer's re-plans need
much the same candidates), grows when the pricing asks for it, and is rebuilt from the
current scores when it has grown past :data:`MAX_WORKING`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from ._backends import HighsSession, RawResult
from ._branch import branch_and_bound
from ._lp import LinearModel

#: Relative margin of the pricing test: a candidate whose bound comes within it of
#: improving the plan is added to the working set rather than ruled out.
PRICING_TOLERANCE = 1e-7

#: Candidates per ranking in a fresh working set. Small is fast: the pricing adds what a
#: plan needs, and the set persists between solves. On the default scenario's weight sweep
#: 5 gave 28 ms a draw (working set about 100 candidates) against 57 ms with 40 (about
#: 250), the same plans (measured side by side in one process, load average 4).
SEED_PER_RANKING = 5

#: A working set larger than this is rebuilt from the current scores.
MAX_WORKING = 450

#: Rounds of pricing before giving up (the caller then solves the full model).
MAX_ROUNDS = 8


@dataclass(frozen=True)
class Blocks:
    """The plan model's variables by candidate: ``y`` (n,), ``x`` and ``u`` (n, K), ``z``
    (n, J); ``u`` and ``z`` may be None. ``max_industries`` is the per-centre cap M."""

    y: np.ndarray
    x: np.ndarray
    z: np.ndarray | None
    u: np.ndarray | None
    max_industries: int


@dataclass(frozen=True)
class RestrictedResult:
    """What :meth:`RestrictedSolver.solve` found: a proof (or None), the method that made
    it ("lp" or "lp-branch"), an incumbent of the full model when there is no proof, and
    the figures of the search (working-set size, pricing rounds, branch nodes)."""

    proof: RawResult | None
    method: str
    incumbent: np.ndarray | None
    working: int
    rounds: int
    nodes: int


class RestrictedSolver:
    """Solves one plan model's structure on a working set of its candidates (see the module
    docstring). Holds a HiGHS LP session; not thread-safe."""

    def __init__(self, full: LinearModel, blocks: Blocks) -> None:
        if full.sense != "max":  # pragma: no cover - the plan model maximises
            msg = "RestrictedSolver needs a maximisation model"
            raise ValueError(msg)
        n = blocks.y.size
        owner = np.full(full.n_vars, -1, dtype=np.int64)
        owner[blocks.y] = np.arange(n)
        for block in (blocks.x, blocks.z, blocks.u):
            if block is not None:
                owner[block.ravel()] = np.repeat(np.arange(n), block.shape[1])
        if (owner < 0).any():  # pragma: no cover - every plan-model variable is a candidate's
            msg = "every variable of the plan model must belong to a candidate"
            raise ValueError(msg)
        self.blocks = blocks
        self.n = n
        self._owner = owner
        self._A = full.A.tocsc()
        self._AT = full.A.T.tocsr()
        self.working: np.ndarray | None = None
        self._cols: np.ndarray | None = None
        self._rows: np.ndarray | None = None
        self._sub: LinearModel | None = None
        self._session: HighsSession | None = None
        prio = np.zeros(full.n_vars)
        prio[blocks.y] = 3.0
        if blocks.z is not None:
            prio[blocks.z.ravel()] = 2.0
        prio[blocks.x.ravel()] = 1.0
        self._prio = prio

    # ---------------------------------------------------------------- working set

    def _set_working(self, model: LinearModel, working: np.ndarray) -> None:
        cols = np.flatnonzero(working[self._owner])
        A = self._A[:, cols].tocsr()
        used = np.diff(A.indptr) > 0
        # a row with none of W's variables stays only if 0 breaks it (W is then infeasible)
        rows = np.flatnonzero(used | (model.row_lb > 0) | (model.row_ub < 0))
        self.working = working
        self._cols = cols
        self._rows = rows
        self._sub = LinearModel(
            c=model.c[cols],
            lb=model.lb[cols],
            ub=model.ub[cols],
            integer=model.integer[cols],
            A=A[rows],
            row_lb=model.row_lb[rows],
            row_ub=model.row_ub[rows],
            sense=model.sense,
            offset=model.offset,
        )
        self._session = None

    def _sub_for(self, model: LinearModel) -> LinearModel:
        assert self._sub is not None and self._cols is not None and self._rows is not None
        cols, rows = self._cols, self._rows
        return replace(
            self._sub,
            c=model.c[cols],
            lb=model.lb[cols],
            ub=model.ub[cols],
            row_lb=model.row_lb[rows],
            row_ub=model.row_ub[rows],
        )

    # ---------------------------------------------------------------- pricing

    def bounds(self, model: LinearModel, pi_rows: np.ndarray) -> np.ndarray:
        """:math:`B_c` of every candidate for the duals ``pi_rows`` of the working set's
        rows (``-inf`` for a candidate that cannot open)."""
        assert self._rows is not None
        b = self.blocks
        pi = np.zeros(model.n_rows)
        pi[self._rows] = pi_rows
        d = model.c - self._AT @ pi
        open_ok = model.ub[b.y] > 0
        bound = d[b.y].copy()
        if b.z is not None:
            dz = np.where(model.ub[b.z] > 0, d[b.z], -np.inf)
            best = dz.max(axis=1)
            open_ok &= np.isfinite(best)
            bound += np.where(np.isfinite(best), best, 0.0)
        gain = d[b.x]
        if b.u is not None:
            gain = gain + np.maximum(0.0, np.where(model.ub[b.u] > 0, d[b.u], 0.0))
        gain = np.where(model.ub[b.x] > 0, np.maximum(gain, 0.0), 0.0)
        m = min(b.max_industries, gain.shape[1])
        if m > 0:
            bound += -np.sort(-gain, axis=1)[:, :m].sum(axis=1)
        return np.where(open_ok, bound, -np.inf)

    # ---------------------------------------------------------------- solve

    def solve(
        self,
        model: LinearModel,
        seed: np.ndarray,
        *,
        start: np.ndarray | None = None,
        node_limit: int,
        time_limit_s: float | None = None,
    ) -> RestrictedResult:
        """Solve ``model`` (the full plan model with this solve's costs and bounds).

        ``seed`` (one bool per candidate) is the working set to start from when there is
        none yet or the current one has grown past :data:`MAX_WORKING`; the current one is
        kept otherwise (and ``seed`` added to it). ``start`` is a feasible point of the
        full model (an incumbent for the branching).
        """
        t0 = time.perf_counter()
        can_open = model.ub[self.blocks.y] > 0
        forced = np.zeros(self.n, dtype=bool)
        lb_pos = model.lb > 0
        if lb_pos.any():
            forced[self._owner[lb_pos]] = True
        working = self.working
        if working is None or working.sum() > MAX_WORKING:
            working = seed | forced
        else:
            working = working | seed | forced
        working &= can_open | forced
        if self.working is None or not np.array_equal(working, self.working):
            self._set_working(model, working)
        rounds = nodes = 0
        incumbent: np.ndarray | None = None
        while rounds < MAX_ROUNDS:
            rounds += 1
            sub = self._sub_for(model)
            if self._session is None:
                self._session = HighsSession(sub, integer=False)
            session = self._session
            status, x, value, _ = session.solve_lp(sub)
            if status == "infeasible":
                if self.working.all() or (self.working | ~can_open).all():
                    message = "HiGHS: the LP relaxation is infeasible, so is the model"
                    seconds = time.perf_counter() - t0
                    raw = RawResult("infeasible", None, math.nan, math.nan, math.nan, seconds,
                                    message)  # fmt: skip
                    return RestrictedResult(raw, "lp", None, int(self.working.sum()), rounds,
                                            nodes)  # fmt: skip
                # the working set cannot meet the rows: solve on every candidate that can open
                self._set_working(model, self.working | can_open)
                continue
            if status != "optimal" or x is None:
                break
            pi, _ = session.duals()
            bound = self.bounds(model, pi)
            sub_start = start[self._cols] if start is not None else None
            found = branch_and_bound(
                session,
                sub,
                root=(status, x, value),
                priority=self._prio[self._cols],
                start=sub_start,
                node_limit=node_limit,
                time_limit_s=time_limit_s,
            )
            nodes += found.nodes
            if found.incumbent is not None:
                incumbent = self._full(model, found.incumbent)
            if found.proof is None:
                break
            if found.proof.status == "infeasible":
                # infeasible on W; the rest might make it feasible: solve on everything
                if (self.working | ~can_open).all():
                    return RestrictedResult(found.proof, "lp", None, int(self.working.sum()),
                                            rounds, nodes)  # fmt: skip
                self._set_working(model, self.working | can_open)
                continue
            best = found.proof.objective
            margin = PRICING_TOLERANCE * max(1.0, abs(best))
            threshold = best - value
            outside = ~self.working & can_open
            add = outside & (bound > threshold - margin)
            if not add.any():
                x_full = self._full(model, found.proof.x)
                if x_full is None:  # pragma: no cover - the dropped rows hold no variable of W
                    break
                method = "lp" if found.nodes == 0 else "lp-branch"
                seconds = time.perf_counter() - t0
                if found.nodes == 0:
                    message = "HiGHS: the LP relaxation's optimum is integral, hence optimal"
                else:
                    message = found.proof.message
                message += (
                    f" (on {int(self.working.sum())} of {self.n} candidates; LP duality "
                    "proves the others cannot improve it)"
                )
                raw = replace(found.proof, x=x_full, solve_time_s=seconds, message=message)
                return RestrictedResult(raw, method, None, int(self.working.sum()), rounds,
                                        nodes)  # fmt: skip
            self._set_working(model, self.working | add)
        return RestrictedResult(None, "lp-branch", incumbent, int(self.working.sum()), rounds,
                                nodes)  # fmt: skip

    def _full(self, model: LinearModel, x_sub: np.ndarray | None) -> np.ndarray | None:
        """A point of the working set as a point of the full model (None if it breaks a
        row of the full model, which the construction rules out)."""
        if x_sub is None:
            return None
        x = np.zeros(model.n_vars)
        x[self._cols] = x_sub
        act = model.row_activity(x)
        if not ((act >= model.row_lb - 1e-9).all() and (act <= model.row_ub + 1e-9).all()):
            return None
        return x
