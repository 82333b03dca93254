"""Numbers and lists formatted for people, shared by the map and the brief.

Every function returns plain text (not escaped); callers escape it for HTML or Markdown.
Missing values (None, NaN, pandas NA) come back as the ``missing`` text, never as 0.

The helpers that write units or words take ``lang`` (``"en"``, the default, or ``"zh"``):
in Chinese, units follow the number without a space (``12公里``, ``9.5小时``), large
amounts use 万 and 亿 (``3,188亿美元``), lists use the enumeration comma (``甲、乙和丙``)
and dates read ``2025年10月3日``. English output does not depend on the parameter.
"""

from __future__ import annotations

import datetime as dt
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


def hours(value: object, *, missing: str = "not reachable", lang: str = "en") -> str:
    """Travel time in hours for people: ``"9.5 h"``, ``"13 days (312 h)"``
    (Chinese: ``"9.5小时"``, ``"13天（312小时）"``)."""
    if is_missing(value):
        return missing
    h = float(value)  # type: ignore[arg-type]
    if not math.isfinite(h):
        return missing
    if lang == "zh":
        if h < 10:
            return f"{h:.1f}小时"
        if h < 48:
            return f"{h:.0f}小时"
        return f"{h / 24:.0f}天（{h:,.0f}小时）"
    if h < 10:
        return f"{h:.1f} h"
    if h < 48:
        return f"{h:.0f} h"
    return f"{h / 24:.0f} days ({h:,.0f} h)"


def air_trip(
    row: Mapping[str, Any], *, missing: str = "not reachable", lang: str = "en"
) -> str:
    """An air trip from a row of the accessibility table: ``"7.1 h, nonstop HGH-KIX"``,
    ``"20 h, 1 connection HGH-AMS-BUD"`` (OpenFlights 2014 routes); hours alone when the
    row has no ``air_route``."""
    text = hours(row.get("air_time_h"), missing=missing, lang=lang)
    route = row.get("air_route")
    if text == missing or is_missing(route) or not str(route):
        return text
    stops = str(route).count("-") - 1
    if lang == "zh":
        return f"{text}，{'直飞' if stops == 0 else f'经停{stops}次'} {route}"
    kind = "nonstop" if stops == 0 else f"{stops} connection{'s' if stops > 1 else ''}"
    return f"{text}, {kind} {route}"


def km(value: object, *, missing: str = "unknown", lang: str = "en") -> str:
    """Distance: ``"12 km"``, ``"1,234 km"`` (Chinese: ``"1,234公里"``)."""
    if is_missing(value):
        return missing
    return f"{number(value)}公里" if lang == "zh" else f"{number(value)} km"


def score(value: object, *, missing: str = "unknown") -> str:
    """A score in [0, 1] with two decimals."""
    return number(value, digits=2, missing=missing)


def percent(value: object, *, digits: int = 0, missing: str = "unknown") -> str:
    """A share in [0, 1] as a percentage: ``0.834`` -> ``"83%"``."""
    if is_missing(value):
        return missing
    return f"{float(value) * 100:.{digits}f}%"  # type: ignore[arg-type]


def money_usd(value: object, *, missing: str = "unknown", lang: str = "en") -> str:
    """US dollars with a word for the scale: ``"US$ 1.2 trillion"``, ``"US$ 34 billion"``
    (Chinese: ``"3,188亿美元"``, ``"1.2万亿美元"``, ``"450万美元"``)."""
    if is_missing(value):
        return missing
    x = float(value)  # type: ignore[arg-type]
    if lang == "zh":
        return f"{large_zh(x)}美元"
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(x) >= size:
            return f"US$ {x / size:,.1f} {word}"
    return f"US$ {x:,.0f}"


def large_zh(value: float) -> str:
    """A large amount the Chinese way: ``318.8e9`` -> ``"3,188亿"``, ``1.2e12`` ->
    ``"1.2万亿"``, ``4.5e6`` -> ``"450万"``; under 10,000 as it is."""
    x = float(value)
    for size, word in ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")):
        if abs(x) >= size:
            v = x / size
            if abs(v) >= 100:
                return f"{v:,.0f}{word}"
            return f"{v:,.1f}".rstrip("0").rstrip(".") + word
    return f"{x:,.0f}"


def date(value: object, *, missing: str = "unknown", lang: str = "en") -> str:
    """A date: ISO ``"2025-10-03"`` in English, ``"2025年10月3日"`` in Chinese (also a
    year-month ``"2025-10"`` -> ``"2025年10月"``); text that is no date stays as it is."""
    if is_missing(value):
        return missing
    text = str(value).strip()
    if lang != "zh":
        return text
    try:
        d = dt.date.fromisoformat(text[:10])
    except ValueError:
        parts = text.split("-")
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            return f"{int(parts[0])}年{int(parts[1])}月"
        if text.isdigit() and len(text) == 4:
            return f"{text}年"
        return text
    return f"{d.year}年{d.month}月{d.day}日"


def join_words(items: Iterable[object], *, empty: str = "none", lang: str = "en") -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"`` (Chinese: ``"a、b和c"``)."""
    words = [str(i) for i in items if not is_missing(i)]
    if not words:
        return empty
    if len(words) == 1:
        return words[0]
    if lang == "zh":
        return "、".join(words[:-1]) + "和" + words[-1]
    return ", ".join(words[:-1]) + " and " + words[-1]


def as_list(value: object) -> list[str]:
    """A list of names from a list, a tuple, an array or a ``"a; b"`` string."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    if isinstance(value, Sequence | pd.Series) or hasattr(value, "tolist"):
        return [str(v) for v in list(value) if not is_missing(v)]  # type: ignore[call-overload]
    return []


def yes_no(value: object, *, missing: str = "unknown", lang: str = "en") -> str:
    """``True`` -> ``"yes"``, ``False`` -> ``"no"`` (Chinese 是/否), missing -> ``missing``."""
    if is_missing(value):
        return missing
    if lang == "zh":
        return "是" if bool(value) else "否"
    return "yes" if bool(value) else "no"
