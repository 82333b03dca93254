"""Weight sensitivity by Monte Carlo: how often would each city be chosen if the weights moved?"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from planner._errors import PlannerError
from planner.analysis._draws import draw_weights, ranks, totals, weight_mode
from planner.analysis._reopt import DEFAULT_POOL, DrawPlan, Reoptimiser, plan_reoptimiser
from planner.analysis._sweep import check_workers, run_sweep

log = logging.getLogger("planner.analysis")

#: Draws per task sent to a worker: large enough that the task overhead (tens of
#: milliseconds on Dask) stays small beside the solves, small enough to balance the load.
DEFAULT_CHUNK = 50


@dataclass(frozen=True)
class Sensitivity:
    """What a weight-sensitivity run found.

    Attributes
    ----------
    draws, seed
        Number of weight draws and the root seed.
    mode
        ``"dirichlet"`` or ``"spread"``; ``concentration`` / ``spread`` hold the setting
        used (the other is ``None``).
    method
        Scoring method re-applied to each draw (``"weighted_sum"`` or ``"topsis"``).
    interval
        Quantiles of the rank interval, e.g. ``(0.05, 0.95)``.
    weights
        One row per draw (index ``draw``), one column per criterion: the weights drawn.
    candidates
        One row per scored candidate, most often chosen first: ``city_id``, ``name``,
        ``iso3``, ``base_rank`` and ``base_chosen`` (in the scenario's own plan; with kinds
        of centre also ``base_kind``, the kind id of each of its centres, else ""),
        ``chosen_share`` in [0, 1] (share of the draws with a plan that chose the city),
        ``chosen_se`` (its binomial standard error, ``sqrt(p (1 - p) / n)``),
        ``rank_low``, ``rank_median``, ``rank_high`` (quantiles ``interval`` of the
        city's rank over the draws; 1 = best).
    allocation
        Long table: ``industry_id``, ``city_id``, ``name``, ``share`` (share of the draws
        with a plan in which that centre serves the industry), for every pair seen.
    allocation_modal
        One row per industry: ``industry_id``, ``city_id``, ``name`` of the centre that
        serves it most often and its ``share``; ``base_city_ids`` (the centres serving it
        in the scenario's own plan, ``"; "``-joined) and ``modal_in_base`` (bool).
    plans
        One row per draw: ``draw``, ``status``, ``objective``, ``centres`` (city ids,
        ``"; "``-joined), ``same_as_base`` (bool: the same set of centres), ``method``
        (``"lp"`` when the LP relaxation proved the plan, ``"lp-branch"`` when a branch and
        bound on it did, else the backend that solved it).
    base
        The scenario's own plan (:class:`DrawPlan`, positions of ``candidates`` rows in
        scoring order).
    base_city_ids
        City ids of the scenario's own centres.
    statuses
        Status -> number of draws.
    timings_s
        Seconds spent drawing and scoring, optimising, and summarising.
    workers, scheduler
        How the draws ran (scheduler address, or ``None`` for local processes).
    """

    draws: int
    seed: int
    mode: str
    concentration: float | None
    spread: float | None
    method: str
    interval: tuple[float, float]
    weights: pd.DataFrame
    candidates: pd.DataFrame
    allocation: pd.DataFrame
    allocation_modal: pd.DataFrame
    plans: pd.DataFrame
    base: DrawPlan
    base_city_ids: tuple[int, ...]
    statuses: Mapping[str, int]
    timings_s: Mapping[str, float] = field(default_factory=dict)
    workers: int = 1
    scheduler: str | None = None

    @property
    def n_with_plan(self) -> int:
        """Draws that returned a plan."""
        return int(self.plans["centres"].ne("").sum())

    @property
    def base_share(self) -> float:
        """Share of the draws with a plan whose centres equal the scenario's own."""
        n = self.n_with_plan
        return float(self.plans["same_as_base"].sum() / n) if n else math.nan

    def robustness(self) -> pd.DataFrame:
        """``city_id``, ``chosen_share``, ``rank_low``, ``rank_high``: what the map and
        the brief show (``planner._run.RunView.robustness``)."""
        cols = ["city_id", "chosen_share", "rank_low", "rank_high"]
        return self.candidates[cols].reset_index(drop=True)


@dataclass(frozen=True)
class _Task:
    start: int
    weights: np.ndarray


@dataclass(frozen=True)
class _State:
    scores: np.ndarray
    method: str
    reoptimiser: Any


def _solve_task(state: _State, task: _Task) -> list[DrawPlan]:
    total = totals(state.scores, task.weights, state.method)
    # one solver session per task: each draw starts from the previous draw's solver state
    # (LP basis, plan), and a task's results depend on its draws only, not on which
    # worker ran it or what that worker solved before
    session = getattr(state.reoptimiser, "session", None)
    solver = session() if callable(session) else state.reoptimiser
    return [solver.solve(total[:, d]) for d in range(total.shape[1])]


def check_draws(draws: int, seed: int) -> None:
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        msg = f"draws={draws!r} must be a positive whole number of weight draws, e.g. 1000."
        raise PlannerError(msg)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        msg = f"seed={seed!r} must be a non-negative whole number, e.g. 0."
        raise PlannerError(msg)


def run_sensitivity(
    *,
    scores: pd.DataFrame,
    score_columns: Sequence[str],
    base_weights: pd.Series,
    method: str,
    industries: Sequence[str],
    reoptimiser: Reoptimiser,
    draws: int,
    seed: int,
    concentration: float | None = None,
    spread: float | None = None,
    workers: int | None = 1,
    scheduler: Any = None,
    chunk: int = DEFAULT_CHUNK,
    interval: tuple[float, float] = (0.05, 0.95),
) -> Sensitivity:
    """The engine behind :func:`planner.analysis.sensitivity`, on plain inputs.

    Parameters
    ----------
    scores
        The scored candidates in scoring order (``Scores.frame``): ``city_id``, ``name``,
        ``iso3``, ``rank`` and the ``score_<criterion>`` columns.
    score_columns
        The ``score_<criterion>`` columns, in the order of ``base_weights``.
    base_weights
        Criterion -> the scenario's weight (sum 1).
    method
        ``"weighted_sum"`` or ``"topsis"``.
    industries
        Industry ids, in the order of :attr:`DrawPlan.allocation`.
    reoptimiser
        Solves the plan for a vector of totals (see :class:`Reoptimiser`).
    draws, seed, concentration, spread
        See :func:`planner.analysis.draw_weights`.
    workers, scheduler
        Local worker processes, or a Dask scheduler address / client.
    chunk
        Draws per task.
    interval
        Lower and upper quantile of the rank interval.
    """
    check_draws(draws, seed)
    mode, value = weight_mode(concentration, spread)
    n_workers = check_workers(workers)
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        msg = f"chunk={chunk!r} must be a positive whole number of draws per task, e.g. 50."
        raise PlannerError(msg)
    lo_q, hi_q = (float(q) for q in interval)
    if not 0.0 <= lo_q <= hi_q <= 1.0:
        msg = f"interval={interval!r} must be two quantiles 0 <= low <= high <= 1."
        raise PlannerError(msg)
    t0 = time.perf_counter()
    s = scores[list(score_columns)].to_numpy(dtype=float)
    w0 = base_weights.to_numpy(dtype=float)
    weights = draw_weights(w0, draws=draws, seed=seed, concentration=concentration, spread=spread)
    total = totals(s, weights, method)
    rank = ranks(total)
    t1 = time.perf_counter()

    base_total = totals(s, w0[None, :], method)[:, 0]
    base = reoptimiser.solve(base_total)
    state = _State(s, method, reoptimiser)
    tasks = [_Task(a, weights[a : a + chunk]) for a in range(0, draws, chunk)]
    results = run_sweep(_solve_task, state, tasks, workers=n_workers, scheduler=scheduler)
    plans: list[DrawPlan] = [p for part in results for p in part]
    t2 = time.perf_counter()

    out = _summarise(
        scores=scores,
        industries=industries,
        plans=plans,
        base=base,
        rank=rank,
        interval=(lo_q, hi_q),
    )
    t3 = time.perf_counter()
    ids = scores["city_id"].to_numpy()
    address = None
    if isinstance(scheduler, str):
        address = scheduler
    elif scheduler is not None:  # a distributed.Client
        address = str(getattr(getattr(scheduler, "scheduler", None), "address", "") or "")
    result = Sensitivity(
        draws=draws,
        seed=seed,
        mode=mode,
        concentration=value if mode == "dirichlet" else None,
        spread=value if mode == "spread" else None,
        method=method,
        interval=(lo_q, hi_q),
        weights=pd.DataFrame(
            weights, columns=list(base_weights.index), index=pd.RangeIndex(draws, name="draw")
        ),
        candidates=out["candidates"],
        allocation=out["allocation"],
        allocation_modal=out["allocation_modal"],
        plans=out["plans"],
        base=base,
        base_city_ids=tuple(int(ids[i]) for i in base.centres),
        statuses=out["statuses"],
        timings_s={"draw_and_score": t1 - t0, "optimise": t2 - t1, "summarise": t3 - t2},
        workers=n_workers,
        scheduler=address,
    )
    n_plan = result.n_with_plan
    log.info(
        "sensitivity: %s weight draws (%s), %s with a plan, %s kept the scenario's own "
        "centres; %d cities chosen at least once (%.1f s)",
        f"{draws:,}",
        f"Dirichlet K={value:g}" if mode == "dirichlet" else f"spread ±{value:.0%}",
        f"{n_plan:,}",
        f"{result.base_share:.0%}" if n_plan else "none",
        int((result.candidates["chosen_share"] > 0).sum()),
        t3 - t0,
    )
    return result


def _summarise(
    *,
    scores: pd.DataFrame,
    industries: Sequence[str],
    plans: Sequence[DrawPlan],
    base: DrawPlan,
    rank: np.ndarray,
    interval: tuple[float, float],
) -> dict[str, Any]:
    n = len(scores)
    ids = scores["city_id"].to_numpy()
    names = scores["name"].astype(str).to_numpy()
    ok = [p for p in plans if p.has_plan]
    n_ok = len(ok)
    chosen = np.zeros(n, dtype=np.int64)
    serve = np.zeros((len(industries), n), dtype=np.int64)
    for p in ok:
        chosen[list(p.centres)] += 1
        for j, cs in enumerate(p.allocation):
            serve[j, list(cs)] += 1
    share = chosen / n_ok if n_ok else np.full(n, np.nan)
    se = np.sqrt(share * (1.0 - share) / n_ok) if n_ok else np.full(n, np.nan)
    lo = np.quantile(rank, interval[0], axis=1, method="lower")
    med = np.quantile(rank, 0.5, axis=1, method="lower")
    hi = np.quantile(rank, interval[1], axis=1, method="higher")
    base_set = set(base.centres)
    cand = pd.DataFrame(
        {
            "city_id": ids,
            "name": names,
            "iso3": scores["iso3"].astype(str).to_numpy(),
            "base_rank": scores["rank"].to_numpy(dtype=np.int64),
            "base_chosen": [i in base_set for i in range(n)],
            "chosen_share": share,
            "chosen_se": se,
            "rank_low": lo.astype(np.int64),
            "rank_median": med.astype(np.int64),
            "rank_high": hi.astype(np.int64),
        }
    )
    if base.kinds:  # the kind each centre of the scenario's own plan is of
        kind_of = dict(zip(base.centres, base.kinds))
        cand["base_kind"] = [kind_of.get(i, "") for i in range(n)]
    cand = cand.sort_values(
        ["chosen_share", "base_rank", "city_id"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)

    rows = []
    modal = []
    for j, ind in enumerate(industries):
        hit = np.flatnonzero(serve[j])
        order = hit[np.lexsort((ids[hit], -serve[j, hit]))]
        for i in order:
            rows.append((ind, int(ids[i]), names[i], serve[j, i] / n_ok))
        base_ids = [int(ids[i]) for i in base.allocation[j]] if base.allocation else []
        if len(order):
            top = order[0]
            modal.append(
                (ind, int(ids[top]), names[top], serve[j, top] / n_ok,
                 "; ".join(map(str, base_ids)), int(ids[top]) in base_ids)
            )  # fmt: skip
        else:
            modal.append((ind, pd.NA, "", math.nan, "; ".join(map(str, base_ids)), False))
    allocation = pd.DataFrame(rows, columns=["industry_id", "city_id", "name", "share"])
    allocation_modal = pd.DataFrame(
        modal,
        columns=["industry_id", "city_id", "name", "share", "base_city_ids", "modal_in_base"],
    )

    plan_rows = []
    for d, p in enumerate(plans):
        cs = "; ".join(str(int(ids[i])) for i in p.centres) if p.has_plan else ""
        same = p.has_plan and set(p.centres) == base_set
        plan_rows.append((d, p.status, p.objective, cs, same, getattr(p, "method", "")))
    plan_frame = pd.DataFrame(
        plan_rows, columns=["draw", "status", "objective", "centres", "same_as_base", "method"]
    )
    statuses = dict(plan_frame["status"].value_counts().sort_index().astype(int).items())
    return {
        "candidates": cand,
        "allocation": allocation,
        "allocation_modal": allocation_modal,
        "plans": plan_frame,
        "statuses": statuses,
    }


def format_sensitivity(
    result: Sensitivity,
    *,
    fmt: Literal["table", "csv"] = "table",
    top: int | None = 20,
) -> str:
    """Text for ``planner sensitivity``.

    Parameters
    ----------
    fmt
        ``"table"``: a header (draws, weights, how often the scenario's own plan came
        back), the candidates chosen at least once or in the scenario's plan (at most
        ``top``), then the industry allocation's stability. ``"csv"``: the
        ``candidates`` table, every row.
    top
        Rows of the candidate table; ``None`` or 0 for all.
    """
    from planner._table import format_table

    if fmt == "csv":
        return result.candidates.to_csv(index=False, lineterminator="\n", float_format="%.6g")
    if fmt != "table":
        msg = f"fmt={fmt!r} is not a format of the sensitivity table; use 'table' or 'csv'."
        raise PlannerError(msg)
    if result.mode == "dirichlet":
        how = f"Dirichlet around the scenario's weights, concentration {result.concentration:g}"
    else:
        how = f"each weight moved by up to ±{result.spread:.0%} of itself, then renormalised"
    lo, hi = result.interval
    n_ok = result.n_with_plan
    lines = [
        f"Weight sensitivity: {result.draws:,} draws (seed {result.seed}; {how}); "
        f"scores re-aggregated by {result.method.replace('_', ' ')} and the plan re-optimised "
        "for each draw.",
        f"Draws with a plan: {n_ok:,} of {result.draws:,}"
        + (
            ""
            if n_ok == result.draws
            else " (" + ", ".join(f"{k}: {v:,}" for k, v in result.statuses.items()) + ")"
        ),
    ]
    if n_ok:
        lines.append(f"The scenario's own centres came back in {result.base_share:.1%} of them.")
    lines.append("")
    cand = result.candidates
    shown = cand[(cand["chosen_share"] > 0) | cand["base_chosen"]]
    if top:
        shown = shown.head(top)
    chosen = [f"{p:.1%} ± {e:.1%}" for p, e in zip(shown["chosen_share"], shown["chosen_se"])]
    interval = [f"{a}-{b}" for a, b in zip(shown["rank_low"], shown["rank_high"])]
    table = pd.DataFrame(
        {
            "city": shown["name"],
            "country": shown["iso3"],
            "in plan": [
                (k.replace("_", " ") if k else "yes") if c else "no"
                for c, k in zip(shown["base_chosen"], shown.get("base_kind", [""] * len(shown)))
            ],
            "chosen": chosen,
            "rank": shown["base_rank"],
            f"rank {lo:.0%}-{hi:.0%}": interval,
        }
    )
    lines.append(format_table(table))
    lines.append("")
    lines.append("Industry allocation: the centre that serves each industry most often")
    modal = result.allocation_modal
    mtable = pd.DataFrame(
        {
            "industry": modal["industry_id"],
            "centre": modal["name"],
            "share": [f"{x:.1%}" if pd.notna(x) else "" for x in modal["share"]],
            "as in plan": modal["modal_in_base"],
        }
    )
    lines.append(format_table(mtable))
    return "\n".join(lines) + "\n"


def sensitivity(
    prepared: Any,
    *,
    draws: int = 1000,
    seed: int = 0,
    concentration: float | None = None,
    spread: float | None = None,
    backend: str | None = None,
    workers: int | None = 1,
    scheduler: Any = None,
    time_limit_s: float | None = None,
    chunk: int = DEFAULT_CHUNK,
    pool: int = DEFAULT_POOL,
    interval: tuple[float, float] = (0.05, 0.95),
    reoptimiser: Reoptimiser | None = None,
) -> Sensitivity:
    """Draw criteria weights around the scenario's, re-score and re-optimise each draw.

    For each draw the criteria weights are drawn (see :func:`draw_weights`), the total
    score of every candidate is recomputed from the stored normalised score matrix (the
    weighted sum is one matrix product; TOPSIS is recomputed on the same matrix), and the
    plan model is solved again with those totals; criterion values, accessibility, fits
    and constraints are computed once and reused.

    Parameters
    ----------
    prepared
        :func:`planner.pipeline.prepare` of a scenario, up to ``"criteria"``.
    draws
        Number of weight draws.
    seed
        Root seed; draw ``d`` always uses the ``d``-th child of ``SeedSequence(seed)``,
        so the result does not depend on ``workers`` or ``scheduler``.
    concentration
        Dirichlet concentration ``K`` (weights ~ Dirichlet(K w0); larger is closer to
        the scenario's weights; ``inf`` keeps them). Default 100 when ``spread`` is not
        given.
    spread
        Plus-or-minus range as a fraction, e.g. 0.2: each weight is multiplied by a
        uniform factor in [0.8, 1.2], then the weights are renormalised. 0 keeps them.
    backend, time_limit_s
        Solver backend and per-draw time limit; the scenario's ``[solver]`` by default.
    workers
        Local worker processes (1 = this process).
    scheduler
        Dask distributed scheduler address (``"tcp://host:8786"``) or ``Client``; the
        draws then run on that cluster. When ``None``, the scenario's
        ``[analysis] scheduler`` if it has one.
    chunk
        Draws per task sent to a worker.
    pool
        Candidates per ranking in the first pooled solve of each draw (0 = every
        candidate that dominance keeps); the result is exact either way (see
        :class:`PlanReoptimiser`).
    interval
        Quantiles of the rank interval.
    reoptimiser
        Solve with this instead of the scenario's plan model (any object with
        ``industries`` and ``solve(total) -> DrawPlan``).

    Returns
    -------
    Sensitivity
    """
    setting = getattr(prepared.scenario, "analysis", None)
    if scheduler is None and isinstance(setting, Mapping) and setting.get("scheduler"):
        scheduler = str(setting["scheduler"])  # the scenario's [analysis] scheduler
    scores = getattr(prepared, "scores", None)
    if scores is None:
        msg = (
            "prepared has no scores; call planner.pipeline.prepare(scenario, "
            "until='criteria') before the sensitivity analysis."
        )
        raise PlannerError(msg)
    if reoptimiser is None:
        reoptimiser = plan_reoptimiser(
            prepared, backend=backend, time_limit_s=time_limit_s, pool=pool
        )
    ids = [c.id for c in scores.criteria] if scores.criteria else list(scores.weights.index)
    weights = scores.weights[ids]
    return run_sensitivity(
        scores=scores.frame,
        score_columns=[f"score_{c}" for c in ids],
        base_weights=weights,
        method=scores.method,
        industries=reoptimiser.industries,
        reoptimiser=reoptimiser,
        draws=draws,
        seed=seed,
        concentration=concentration,
        spread=spread,
        workers=workers,
        scheduler=scheduler,
        chunk=chunk,
        interval=interval,
    )


def render_robustness_chart(result: Sensitivity, *, top: int = 15) -> bytes:
    """A PNG bar chart: how often each of the most chosen cities was chosen, with its
    binomial standard error; the scenario's own centres in a darker colour."""
    cand = result.candidates
    shown = cand[(cand["chosen_share"] > 0) | cand["base_chosen"]].head(top)
    return robustness_chart_png(
        [f"{n} ({i})" for n, i in zip(shown["name"], shown["iso3"])],
        shown["chosen_share"].to_numpy(float),
        shown["chosen_se"].to_numpy(float),
        shown["base_chosen"].to_numpy(bool),
        xlabel=f"share of {result.n_with_plan:,} weight draws that chose the city",
        title="How often each city is chosen when the weights move (dark: in the plan)",
    )


def robustness_chart_png(
    labels: Sequence[str],
    shares: np.ndarray,
    errors: np.ndarray,
    in_plan: np.ndarray,
    *,
    xlabel: str,
    title: str,
    legend: tuple[str, str] | None = None,
    font: Any = None,
) -> bytes:
    """The bar chart of :func:`render_robustness_chart` from its parts, most chosen first.

    Parameters
    ----------
    labels, shares, errors, in_plan
        Per city: its label, the share of draws that chose it, the standard error of
        that share, and whether the scenario's own plan holds it (drawn darker).
    xlabel, title
        The axis label and the title, in the chart's language.
    legend
        Labels of the dark and the light bars, when the chart has a legend.
    font
        A matplotlib ``FontProperties`` for every text (one with the glyphs of the
        labels' script), or None for matplotlib's default.
    """
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    n = len(labels)
    fig = Figure(figsize=(7, 0.35 * n + 1.4 + (0.3 if legend else 0.0)), dpi=120)
    ax = fig.add_subplot()
    colours = ["#1f4e79" if b else "#9dc3e6" for b in in_plan[::-1]]
    ax.barh(
        list(labels)[::-1],
        shares[::-1],
        xerr=errors[::-1],
        color=colours,
        ecolor="0.3",
    )
    ax.set_xlim(0, 1)
    text = {} if font is None else {"fontproperties": font}
    ax.set_xlabel(xlabel, **text)
    ax.set_title(title, **text)
    if font is not None:
        for label in ax.get_yticklabels():
            label.set_fontproperties(font)
    if legend:
        from matplotlib.patches import Patch

        handles = [Patch(color="#1f4e79", label=legend[0]), Patch(color="#9dc3e6", label=legend[1])]
        prop = {"size": 8} if font is None else font.copy()
        if font is not None:
            prop.set_size(8)
        ax.legend(handles=handles, loc="lower right", prop=prop)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def save_robustness_chart(result: Sensitivity, path: str | Path, *, top: int = 15) -> Path:
    """Write :func:`render_robustness_chart` to ``path`` (atomically); returns the path."""
    from planner._io import write_bytes

    return write_bytes(path, render_robustness_chart(result, top=top))
