"""The science and technology cooperation agreements of ``belt_and_road.csv``.

Two documented sets, each row with its own source:

- the intergovernmental S&T cooperation agreements read one by one from public treaty texts
  and news in ``../shared/reference/china_st_agreements_partial`` (15 rows; the Belgium-
  Luxembourg row covers both countries). The year is the agreement's own signing year as
  the treaty text gives it (empty where the page did not give a date);
- the nine countries whose science ministries signed cooperation documents with China's
  Ministry of Science and Technology at the second Belt and Road Forum, April 2019 (seed
  003, abstract). 2019 is the date of those documents, not of an intergovernmental
  agreement: the year stays empty unless the partial list dates the agreement itself.

Every other country is unknown (empty), never "no": the Ministry of Science and Technology
counts 116 intergovernmental agreements (February 2023) but publishes no list. Imported
by ``tables.py``; not a script of its own.
"""

from __future__ import annotations

import pandas as pd
from _common import iso_table, reference_path

# Seed 003 (abstract): at the second Belt and Road Forum, April 2019, China signed science
# and technology cooperation documents with the science ministries of these countries.
ST_2019 = {
    "AUT": "Austria",
    "JPN": "Japan",
    "MEX": "Mexico",
    "ISR": "Israel",
    "GRC": "Greece",
    "UZB": "Uzbekistan",
    "ZAF": "South Africa",
    "MLT": "Malta",
    "IDN": "Indonesia",
}
ST_2019_SOURCE = (
    "Ministry of Science and Technology of the PRC: science and technology cooperation "
    "document signed with the host's science ministry at the second Belt and Road Forum, "
    "April 2019 (as cited in seed 003); the date of an intergovernmental agreement is not "
    "documented here"
)
ST_2019_ALSO = (
    "a science and technology cooperation document with the Ministry of Science and "
    "Technology of the PRC at the second Belt and Road Forum, April 2019 (seed 003)"
)
PARTIAL = ("china_st_agreements_partial", "china_intergov_st_agreements_partial.csv")
TOTALS = ("china_st_agreements_partial", "china_st_agreement_totals.csv")


def _year(date: str) -> int | None:
    """The year of an ISO date given as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    text = (date or "").strip()
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


def documented_agreements() -> pd.DataFrame:
    """One row per country with a documented agreement or 2019 S&T document.

    Columns: ``iso3``, ``country``, ``st_agreement`` (True), ``st_agreement_year`` (the
    agreement's own signing year; missing when not documented), ``st_agreement_date`` (as
    precise as the source: year, year-month or day), ``st_agreement_source``.
    """
    partial = pd.read_csv(reference_path(*PARTIAL), dtype=str, keep_default_na=False)
    table = iso_table()
    names = dict(zip(table["ISO3166-1-Alpha-3"], table["official_name_en"], strict=True))
    rows: dict[str, dict[str, object]] = {}
    for r in partial.to_dict("records"):
        date = r["signed_date"].strip()
        place = f" in {r['signed_place'].strip()}" if r["signed_place"].strip() else ""
        signed = f"signed {date}{place}" if date else "signing date not given by the page read"
        note = " Not an S&T-only agreement: " if r["iso3"] == "BEL;LUX" else ""
        if note:
            note += "an economic, industrial, scientific and technical cooperation agreement."
        source = (
            f"{r['agreement_as_titled'].strip()}, {signed}; read from "
            f"{r['source_title'].strip()}, {r['source_url'].strip()}.{note}"
        )
        for iso3 in r["iso3"].split(";"):
            rows[iso3] = {
                "iso3": iso3,
                "country": names.get(iso3, r["country"]),
                "st_agreement": True,
                "st_agreement_year": _year(date),
                "st_agreement_date": date or None,
                "st_agreement_source": source,
            }
    for iso3, name in ST_2019.items():
        if iso3 in rows:
            rows[iso3]["st_agreement_source"] = (
                f"{rows[iso3]['st_agreement_source']} Also: {ST_2019_ALSO}."
            )
            continue
        rows[iso3] = {
            "iso3": iso3,
            "country": name,
            "st_agreement": True,
            "st_agreement_year": None,
            "st_agreement_date": None,
            "st_agreement_source": ST_2019_SOURCE + ".",
        }
    frame = pd.DataFrame(list(rows.values()))
    frame["st_agreement_year"] = frame["st_agreement_year"].astype("Int64")
    return frame.sort_values("iso3").reset_index(drop=True)


def ministry_total() -> tuple[int, str]:
    """The ministry's latest count of intergovernmental S&T agreements and its date."""
    totals = pd.read_csv(reference_path(*TOTALS), dtype=str, keep_default_na=False)
    totals = totals[totals["as_of"].str.match(r"^\d{4}-\d{2}$")]
    last = totals.sort_values("as_of").iloc[-1]
    return int(str(last["intergov_st_agreements"]).split()[0]), str(last["as_of"])
