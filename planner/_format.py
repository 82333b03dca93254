"""Numbers and lists formatted for people, shared by the map and the brief.

Every function returns plain text (not escaped); callers escape it for HTML or Markdown.
Missing values (None, NaN, pandas NA) come back as the ``missing`` text, never as 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd


def is_missing(value: object) -> bool:
    """True for None, NaN, pandas NA/NaT and empty strings."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value: object, *, digits: int = 0, missing: str = "unknown") -> str:
    """``1234.5`` -> ``"1,235"`` (``digits`` decimals, thousands separators)."""
    if is_missing(value):
        return missing
    x = float(value)  # type: ignore[arg-type]
    if not math.isfinite(x):
        return missing
    return f"{x:,.{digits}f}"


def hours(value: object, *, missing: str = "not reachable") -> str:
    """Travel time in hours for people: ``"9.5 h"``, ``"13 days (312 h)"``."""
    if is_missing(value):
        return missing
    h = float(value)  # type: ignore[arg-type]
    if not math.isfinite(h):
        return missing
    if h < 10:
        return f"{h:.1f} h"
    if h < 48:
        return f"{h:.0f} h"
    return f"{h / 24:.0f} days ({h:,.0f} h)"


def air_trip(row: Mapping[str, Any], *, missing: str = "not reachable") -> str:
    """An air trip from a row of the accessibility table: ``"7.1 h, nonstop HGH-KIX"``,
    ``"20 h, 1 connection HGH-AMS-BUD"`` (OpenFlights 2014 routes); hours alone when the
    row has no ``air_route``."""
    text = hours(row.get("air_time_h"), missing=missing)
    route = row.get("air_route")
    if text == missing or is_missing(route) or not str(route):
        return text
    stops = str(route).count("-") - 1
    kind = "nonstop" if stops == 0 else f"{stops} connection{'s' if stops > 1 else ''}"
    return f"{text}, {kind} {route}"


def km(value: object, *, missing: str = "unknown") -> str:
    """Distance: ``"12 km"``, ``"1,234 km"``."""
    if is_missing(value):
        return missing
    return f"{number(value)} km"


def score(value: object, *, missing: str = "unknown") -> str:
    """A score in [0, 1] with two decimals."""
    return number(value, digits=2, missing=missing)


def percent(value: object, *, digits: int = 0, missing: str = "unknown") -> str:
    """A share in [0, 1] as a percentage: ``0.834`` -> ``"83%"``."""
    if is_missing(value):
        return missing
    return f"{float(value) * 100:.{digits}f}%"  # type: ignore[arg-type]


def money_usd(value: object, *, missing: str = "unknown") -> str:
    """US dollars with a word for the scale: ``"US$ 1.2 trillion"``, ``"US$ 34 billion"``."""
    if is_missing(value):
        return missing
    x = float(value)  # type: ignore[arg-type]
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(x) >= size:
            return f"US$ {x / size:,.1f} {word}"
    return f"US$ {x:,.0f}"


def join_words(items: Iterable[object], *, empty: str = "none") -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    words = [str(i) for i in items if not is_missing(i)]
    if not words:
        return empty
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def as_list(value: object) -> list[str]:
    """A list of names from a list, a tuple, an array or a ``"a; b"`` string."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    if isinstance(value, Sequence | pd.Series) or hasattr(value, "tolist"):
        return [str(v) for v in list(value) if not is_missing(v)]  # type: ignore[call-overload]
    return []


def yes_no(value: object, *, missing: str = "unknown") -> str:
    """``True`` -> ``"yes"``, ``False`` -> ``"no"``, missing -> ``missing``."""
    if is_missing(value):
        return missing
    return "yes" if bool(value) else "no"
