"""The exceptions planner raises.

Every error the library raises on purpose is a :class:`PlannerError`; the CLI turns
these into ``Error: ...`` with exit code 1. Each subclass also subclasses the built-in
exception it refines, so ``except ValueError`` keeps working for callers who expect it.
"""

from __future__ import annotations


class PlannerError(Exception):
    """Base class of every error planner raises on purpose."""


class LayerError(PlannerError, ValueError):
    """A layer could not be loaded or failed validation."""


class ScenarioError(PlannerError, ValueError):
    """A scenario file has an unknown key, a wrong type or a bad value."""


class CriteriaError(PlannerError, ValueError):
    """Criteria, weights or scoring settings are inconsistent."""


class NetworkError(PlannerError, RuntimeError):
    """The multimodal network could not be built or routed."""


class InfeasibleError(PlannerError, ValueError):
    """A model cannot be feasible; the message quotes the numbers that show why."""


class SolverError(PlannerError, RuntimeError):
    """A solver backend failed or is not installed."""


class OutputError(PlannerError, OSError):
    """An output could not be written (the run folder exists, a path is not writable, ...)."""


def plain(value: object) -> object:
    """``value`` as plain Python, for messages: numpy scalars and arrays lose their wrapper.

    ``repr(np.int64(1880252))`` reads ``np.int64(1880252)``; ``repr(plain(...))`` reads
    ``1880252``. Tuples and lists are converted item by item; anything else is returned
    as it is.
    """
    if isinstance(value, (tuple, list)):
        return type(value)(plain(v) for v in value)
    if type(value).__module__ == "numpy":
        convert = getattr(value, "tolist", None)
        if callable(convert):
            return convert()
    return value
