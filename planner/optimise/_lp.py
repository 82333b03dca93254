"""A small sparse-matrix description of a mixed-integer linear programme.

Every model in :mod:`planner.optimise` is built once, vectorised with numpy and scipy,
as a :class:`LinearModel`; each backend in :mod:`planner.optimise._backends` translates
that one description to its solver. Rows are ranged (``row_lb <= A x <= row_ub``),
named by block so that callers can report slacks per constraint family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp

Sense = Literal["min", "max"]


@dataclass
class LinearModel:
    """``sense c @ x + offset`` subject to ``row_lb <= A @ x <= row_ub`` and ``lb <= x <= ub``.

    Attributes
    ----------
    c, lb, ub, integer
        Per-variable objective coefficient, bounds and integrality flag.
    A, row_lb, row_ub
        Constraint matrix (CSR) and row bounds; ``-inf``/``inf`` for open sides.
    sense
        ``"min"`` or ``"max"``.
    offset
        Constant added to the objective.
    var_blocks, row_blocks
        Name -> slice of the variables / rows that make up one family.
    start
        Optional full feasible starting point (a heuristic incumbent).
    implied_integer
        Continuous variables that take integral values in every optimal solution once the
        integer variables are integral (CP-SAT may treat them as integers).
    """

    c: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    integer: np.ndarray
    A: sp.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    sense: Sense = "min"
    offset: float = 0.0
    var_blocks: dict[str, slice] = field(default_factory=dict)
    row_blocks: dict[str, slice] = field(default_factory=dict)
    start: np.ndarray | None = None
    implied_integer: np.ndarray | None = None

    @property
    def n_vars(self) -> int:
        return int(self.c.size)

    @property
    def n_rows(self) -> int:
        return int(self.row_lb.size)

    def objective_of(self, x: np.ndarray) -> float:
        """Objective value of ``x`` in the model's own units."""
        # an elementwise product and sum, not a BLAS dot: OpenBLAS starts its threads for
        # a dot product, which costs milliseconds on a busy machine for every re-solve
        return float(np.multiply(self.c, x).sum() + self.offset)

    def row_activity(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.A @ x).ravel()


class ModelBuilder:
    """Collects variable and row blocks as COO triplets, then assembles a :class:`LinearModel`."""

    def __init__(self, *, sense: Sense = "min") -> None:
        self.sense: Sense = sense
        self._c: list[np.ndarray] = []
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self._n = 0
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._vals: list[np.ndarray] = []
        self._rlb: list[np.ndarray] = []
        self._rub: list[np.ndarray] = []
        self._m = 0
        self.offset = 0.0
        self.var_blocks: dict[str, slice] = {}
        self.row_blocks: dict[str, slice] = {}

    def add_vars(
        self,
        name: str,
        n: int,
        *,
        lb: float | np.ndarray = 0.0,
        ub: float | np.ndarray = 1.0,
        integer: bool = True,
        cost: float | np.ndarray = 0.0,
    ) -> np.ndarray:
        """Add ``n`` variables; return their column indices."""
        idx = np.arange(self._n, self._n + n)
        self._c.append(np.broadcast_to(np.asarray(cost, dtype=float), (n,)).copy())
        self._lb.append(np.broadcast_to(np.asarray(lb, dtype=float), (n,)).copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, dtype=float), (n,)).copy())
        self._int.append(np.full(n, integer, dtype=bool))
        self.var_blocks[name] = slice(self._n, self._n + n)
        self._n += n
        return idx

    def add_rows(
        self,
        name: str,
        n_rows: int,
        rows: np.ndarray,
        cols: np.ndarray,
        vals: np.ndarray | float,
        *,
        lo: float | np.ndarray = -np.inf,
        hi: float | np.ndarray = np.inf,
    ) -> np.ndarray:
        """Add ``n_rows`` rows given by local row numbers ``rows`` (0..n_rows-1); return row ids."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        self._rows.append(rows + self._m)
        self._cols.append(cols)
        self._vals.append(np.broadcast_to(np.asarray(vals, dtype=float), rows.shape).copy())
        self._rlb.append(np.broadcast_to(np.asarray(lo, dtype=float), (n_rows,)).copy())
        self._rub.append(np.broadcast_to(np.asarray(hi, dtype=float), (n_rows,)).copy())
        self.row_blocks[name] = slice(self._m, self._m + n_rows)
        ids = np.arange(self._m, self._m + n_rows)
        self._m += n_rows
        return ids

    def build(self) -> LinearModel:
        cat = np.concatenate
        empty_f = np.zeros(0)
        empty_i = np.zeros(0, dtype=np.int64)
        rows = cat(self._rows) if self._rows else empty_i
        cols = cat(self._cols) if self._cols else empty_i
        vals = cat(self._vals) if self._vals else empty_f
        A = sp.csr_matrix((vals, (rows, cols)), shape=(self._m, self._n))
        A.sum_duplicates()
        A.sort_indices()
        return LinearModel(
            c=cat(self._c) if self._c else empty_f,
            lb=cat(self._lb) if self._lb else empty_f,
            ub=cat(self._ub) if self._ub else empty_f,
            integer=cat(self._int) if self._int else np.zeros(0, dtype=bool),
            A=A,
            row_lb=cat(self._rlb) if self._rlb else empty_f,
            row_ub=cat(self._rub) if self._rub else empty_f,
            sense=self.sense,
            offset=self.offset,
            var_blocks=dict(self.var_blocks),
            row_blocks=dict(self.row_blocks),
        )
