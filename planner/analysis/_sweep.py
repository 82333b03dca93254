"""Run many independent tasks: in this process, in local worker processes, or on Dask.

A sweep is a function ``fn(state, item)`` applied to every item of a list. ``state`` is
what every task shares (a re-optimiser holding the score matrix and the model's
structure): it is sent once per worker (a process pool initialiser, or one Dask
``scatter`` broadcast), never once per task. Results come back in the order of the items,
whatever the order in which tasks finish, so a sweep's result does not depend on the
number of workers or on the scheduler.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from planner._errors import PlannerError

log = logging.getLogger("planner.analysis")

T = TypeVar("T")
R = TypeVar("R")

_STATE: Any = None

#: Seconds to wait for a Dask scheduler to answer before giving up.
CONNECT_TIMEOUT_S = 20.0


def _init_worker(state: Any) -> None:
    global _STATE
    _STATE = state


def _call_in_worker(fn: Callable[[Any, Any], Any], item: Any) -> Any:
    return fn(_STATE, item)


def check_workers(workers: int | None) -> int:
    """``workers`` as a positive int (``None`` -> 1)."""
    if workers is None:
        return 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        msg = f"workers={workers!r} must be a positive whole number of processes, e.g. 2."
        raise PlannerError(msg)
    return workers


def run_sweep(
    fn: Callable[[Any, T], R],
    state: Any,
    items: Sequence[T],
    *,
    workers: int | None = 1,
    scheduler: Any = None,
) -> list[R]:
    """``[fn(state, item) for item in items]``, spread over workers.

    Parameters
    ----------
    fn
        A module-level function (it is pickled by reference).
    state
        Shared read-only input, pickled once per worker.
    items
        One task each.
    workers
        Local worker processes; 1 runs in this process. Ignored with ``scheduler``.
    scheduler
        A Dask distributed scheduler address (``"tcp://host:8786"``) or a
        ``distributed.Client``; the tasks then run on that cluster.

    Returns
    -------
    list
        One result per item, in the order of ``items``.
    """
    n_workers = check_workers(workers)
    if scheduler is not None:
        return _run_dask(fn, state, items, scheduler)
    if n_workers == 1 or len(items) <= 1:
        return [fn(state, item) for item in items]
    # "spawn": workers start clean, safe even when this process runs threads (a Dask
    # client, a GUI); they import planner once and receive the state once.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(n_workers, len(items)),
        mp_context=context,
        initializer=_init_worker,
        initargs=(state,),
    ) as pool:
        return list(pool.map(_call_in_worker, [fn] * len(items), items))


def _run_dask(fn: Callable[[Any, T], R], state: Any, items: Sequence[T], scheduler: Any) -> list[R]:
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - the test extra installs it
        msg = (
            "Running on a Dask cluster needs dask.distributed; install it with "
            "`pip install 'planner[dask]'` (or `pip install 'dask[distributed]'`)."
        )
        raise ImportError(msg) from None
    own = not isinstance(scheduler, Client)
    if own:
        if not isinstance(scheduler, str) or not scheduler.strip():
            msg = (
                f"scheduler={scheduler!r} must be a Dask scheduler address such as "
                "'tcp://127.0.0.1:8786' or a distributed.Client."
            )
            raise PlannerError(msg)
        try:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            msg = (
                f"Cannot reach the Dask scheduler at {scheduler!r} ({exc}); start one with "
                "`dask scheduler` and workers with `dask worker ADDRESS`, or leave out "
                "--scheduler to run on local processes."
            )
            raise PlannerError(msg) from None
    else:
        client = scheduler
    try:
        [shared] = client.scatter([state], broadcast=True, hash=False)
        futures = client.map(fn, [shared] * len(items), list(items), pure=False)
        results = client.gather(futures)
        del futures, shared
        return list(results)
    finally:
        if own:
            client.close()
