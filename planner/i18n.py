"""The languages planner writes its outputs in, and the text of each.

Every sentence the map and the brief show a reader lives in one file per language,
``planner/locales/<lang>.toml``, under dotted keys (``[map]`` ``legend_title = ...`` is
the key ``map.legend_title``). Text is a :meth:`str.format` template: ``{name}`` fields are
filled by :func:`text`. Every language must have the same keys
(:func:`missing_keys`, checked by the tests), so no sentence falls back to English
unnoticed.

English is the default. A run may ask for several languages (``--lang zh,en``); each
output file then carries its language in its name unless it is English
(:func:`output_name`: ``brief.md`` and ``brief.zh.md``), so the files never collide and an
English-only run folder looks as it always did.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path, PurePath
from typing import Any

from ._errors import ScenarioError

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "missing_keys",
    "output_name",
    "parse_languages",
    "strings",
    "text",
]

#: Languages with a full set of strings: English and Simplified Chinese.
LANGUAGES: tuple[str, ...] = ("en", "zh")
DEFAULT_LANGUAGE = "en"

_LOCALES = Path(__file__).with_name("locales")


def parse_languages(value: str | Sequence[str] | None, *, where: str = "--lang") -> tuple[str, ...]:
    """``"zh,en"`` or ``["zh", "en"]`` -> ``("zh", "en")``; ``None`` or empty -> ``("en",)``.

    Order is kept and repeats are dropped. An unknown code is a :class:`ScenarioError`
    naming ``where`` and the languages there are.
    """
    if value is None:
        return (DEFAULT_LANGUAGE,)
    parts = value.split(",") if isinstance(value, str) else list(value)
    out: list[str] = []
    for part in parts:
        if not isinstance(part, str):
            raise ScenarioError(f"{where}: a language is a text code such as 'zh', got {part!r}")
        code = part.strip().lower().replace("_", "-")
        if code in ("zh-hans", "zh-cn"):
            code = "zh"
        if not code:
            continue
        if code not in LANGUAGES:
            raise ScenarioError(
                f"{where}: unknown language {part.strip()!r}; planner writes "
                f"{', '.join(LANGUAGES)} (several with commas, e.g. 'zh,en')"
            )
        if code not in out:
            out.append(code)
    return tuple(out) or (DEFAULT_LANGUAGE,)


def output_name(filename: str, lang: str) -> str:
    """The run-folder name of ``filename`` in ``lang``: ``brief.md`` stays ``brief.md`` in
    English and becomes ``brief.zh.md`` in Chinese (the language before the last suffix)."""
    if lang == DEFAULT_LANGUAGE:
        return filename
    path = PurePath(filename)
    return f"{path.stem}.{lang}{path.suffix}"


def _flatten(table: Mapping[str, Any], prefix: str, out: dict[str, str], source: Path) -> None:
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, f"{name}.", out, source)
        elif isinstance(value, str):
            out[name] = value
        else:
            raise ValueError(f"{source}: {name} must be text, got {type(value).__name__}")


@cache
def strings(lang: str) -> Mapping[str, str]:
    """Every string of ``lang`` under its dotted key (read once, then cached)."""
    if lang not in LANGUAGES:
        raise ScenarioError(f"unknown language {lang!r}; planner writes {', '.join(LANGUAGES)}")
    source = _LOCALES / f"{lang}.toml"
    with source.open("rb") as fh:
        data = tomllib.load(fh)
    out: dict[str, str] = {}
    _flatten(data, "", out, source)
    return out


def text(lang: str, key: str, /, **values: Any) -> str:
    """The string ``key`` in ``lang`` with its ``{fields}`` filled from ``values``.

    A key that does not exist is a programming error (``KeyError`` naming the key and the
    file), not a reason to fall back to English.
    """
    table = strings(lang)
    try:
        template = table[key]
    except KeyError:
        raise KeyError(f"no string {key!r} in planner/locales/{lang}.toml") from None
    return template.format(**values) if values else template


def missing_keys(languages: Iterable[str] = LANGUAGES) -> dict[str, list[str]]:
    """For each language, the keys another language has and it lacks (empty when in step)."""
    tables = {lang: set(strings(lang)) for lang in languages}
    every = set().union(*tables.values()) if tables else set()
    return {lang: sorted(every - keys) for lang, keys in tables.items()}
