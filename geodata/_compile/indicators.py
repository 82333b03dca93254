"""Compile ``geodata/indicators.csv`` from the public reference copies.

Long format, one row per country and indicator: the latest year with a value.

Run from the repository root::

    python geodata/_compile/indicators.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import GEODATA, iso3_codes, iso3_from_name, reference_path

# indicator id -> (WDI series code, unit)
WDI_SERIES: dict[str, tuple[str, str]] = {
    "gdp_usd": ("NY.GDP.MKTP.CD", "current US$"),
    "gdp_per_capita_usd": ("NY.GDP.PCAP.CD", "current US$"),
    "population": ("SP.POP.TOTL", "persons"),
    "rd_pct_gdp": ("GB.XPD.RSDV.GD.ZS", "% of GDP"),
    "researchers_per_million": ("SP.POP.SCIE.RD.P6", "researchers per million people"),
    "tertiary_enrolment_pct": ("SE.TER.ENRR", "% gross"),
    "hightech_exports_usd": ("TX.VAL.TECH.CD", "current US$"),
    "lpi_score": ("LP.LPI.OVRL.XQ", "score 1-5"),
    # evidence that differs by industry (the industries layer maps each industry to some)
    "hightech_share_pct": ("TX.VAL.TECH.MF.ZS", "% of manufactured exports"),
    "ip_receipts_usd": ("BX.GSR.ROYL.CD", "current US$"),
    "patents_resident": ("IP.PAT.RESD", "patent applications by residents"),
    "journal_articles": ("IP.JRN.ARTC.SC", "scientific and technical journal articles"),
    "secure_servers_per_million": ("IT.NET.SECR.P6", "secure Internet servers per million people"),
    "container_port_teu": ("IS.SHP.GOOD.TU", "TEU (20-foot equivalent units) a year"),
}

WGI_DIMENSIONS: dict[str, tuple[str, str]] = {
    "va": ("wgi_voice_accountability", "Voice and Accountability"),
    "pv": ("wgi_political_stability", "Political Stability and Absence of Violence/Terrorism"),
    "ge": ("wgi_government_effectiveness", "Government Effectiveness"),
    "rq": ("wgi_regulatory_quality", "Regulatory Quality"),
    "rl": ("wgi_rule_of_law", "Rule of Law"),
    "cc": ("wgi_control_of_corruption", "Control of Corruption"),
}

# Legacy World Bank codes used by WGI -> ISO 3166 alpha-3 (ANT, the Netherlands Antilles,
# dissolved in 2010, is dropped).
WB_LEGACY_CODES = {
    "ZAR": "COD",
    "ROM": "ROU",
    "TMP": "TLS",
    "WBG": "PSE",
    "ADO": "AND",
    "KSV": "XKX",
}

# Hofstede's own country codes -> ISO3. Regional aggregates (Africa East/West, Arab
# countries) and sub-national samples (Belgium French/Netherl, Canada French, Germany East,
# South Africa white, Switzerland French/German) have no ISO3 and are left out.
HOFSTEDE_CODES = {
    "ALB": "ALB", "ALG": "DZA", "AND": "AND", "ARG": "ARG", "ARM": "ARM", "AUL": "AUS",
    "AUT": "AUT", "AZE": "AZE", "BAN": "BGD", "BLR": "BLR", "BEL": "BEL", "BOS": "BIH",
    "BRA": "BRA", "BUL": "BGR", "BUF": "BFA", "CAN": "CAN", "CHL": "CHL", "CHI": "CHN",
    "COL": "COL", "COS": "CRI", "CRO": "HRV", "CYP": "CYP", "CZE": "CZE", "DEN": "DNK",
    "ECA": "ECU", "EGY": "EGY", "ETH": "ETH", "SAL": "SLV", "EST": "EST", "FIN": "FIN",
    "FRA": "FRA", "GEO": "GEO", "GER": "DEU", "GHA": "GHA", "GBR": "GBR", "GRE": "GRC",
    "GUA": "GTM", "HOK": "HKG", "HUN": "HUN", "ICE": "ISL", "IND": "IND", "IDO": "IDN",
    "IRA": "IRN", "IRQ": "IRQ", "IRE": "IRL", "ISR": "ISR", "ITA": "ITA", "JAM": "JAM",
    "JPN": "JPN", "JOR": "JOR", "KOR": "KOR", "KYR": "KGZ", "LAT": "LVA", "LIT": "LTU",
    "LUX": "LUX", "MAC": "MKD", "MAL": "MYS", "MLI": "MLI", "MLT": "MLT", "MEX": "MEX",
    "MOL": "MDA", "MNG": "MNE", "MOR": "MAR", "NET": "NLD", "NZL": "NZL", "NIG": "NGA",
    "NOR": "NOR", "PAK": "PAK", "PAN": "PAN", "PER": "PER", "PHI": "PHL", "POL": "POL",
    "POR": "PRT", "PUE": "PRI", "ROM": "ROU", "RUS": "RUS", "RWA": "RWA", "SAU": "SAU",
    "SER": "SRB", "SIN": "SGP", "SLK": "SVK", "SLV": "SVN", "SAF": "ZAF", "SPA": "ESP",
    "SUR": "SUR", "SWE": "SWE", "SWI": "CHE", "TAI": "TWN", "TAN": "TZA", "THA": "THA",
    "TRI": "TTO", "TUR": "TUR", "USA": "USA", "UGA": "UGA", "UKR": "UKR", "URU": "URY",
    "VEN": "VEN", "VIE": "VNM", "ZAM": "ZMB", "ZIM": "ZWE",
}  # fmt: skip
HOFSTEDE_NON_COUNTRIES = {"AFE", "AFW", "ARA", "BEF", "BEN", "CAF", "GEE", "SAW", "SWF", "SWG"}
HOFSTEDE_DIMENSIONS = {
    "pdi": "hofstede_pdi",
    "idv": "hofstede_idv",
    "mas": "hofstede_mas",
    "uai": "hofstede_uai",
    "ltowvs": "hofstede_lto",
    "ivr": "hofstede_ivr",
}
MIN_SHARED_DIMENSIONS = 4

# Names in the GII panel (and the former NBS trade table) that the ISO/UN/CLDR names do
# not cover.
NAME_OVERRIDES = {
    "Cote dIvoire": "CIV",
    "North Macedonia*": "MKD",
    "Swaziland - Eswatini": "SWZ",
    "Hong Kong (China)": "HKG",
    "Republic of Korea (the)": "KOR",
    "Republic of Moldova (the)": "MDA",
    "United Republic of Tanzania (the)": "TZA",
    "Venezuela, Bolivarian Republic of": "VEN",
    "Vietnam": "VNM",
    "United Kingdom": "GBR",
    "Czech Republic": "CZE",
    "Turkey": "TUR",
    "Bosnia and Herz.": "BIH",
    "Czech Rep.": "CZE",
    "Lao PDR": "LAO",
    "Macedonia": "MKD",
    "Palestine": "PSE",
    "Brunei": "BRN",
    "Iran": "IRN",
    "Syria": "SYR",
    "Russia": "RUS",
    "Moldova": "MDA",
}

COLUMNS = ["iso3", "indicator", "value", "unit", "year", "source"]


def _latest(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep, per country and indicator, the row of the latest year."""
    frame = frame.dropna(subset=["value"])
    frame = frame.sort_values(["iso3", "indicator", "year"])
    return frame.groupby(["iso3", "indicator"], as_index=False).tail(1)


def wdi_rows() -> pd.DataFrame:
    iso3 = iso3_codes()
    parts = []
    for indicator, (code, unit) in WDI_SERIES.items():
        raw = pd.read_csv(reference_path("wb_wdi_datahub", f"{code.lower()}.csv"))
        raw = raw[raw["Country Code"].isin(iso3)]  # drops World Bank aggregates
        parts.append(
            pd.DataFrame(
                {
                    "iso3": raw["Country Code"],
                    "indicator": indicator,
                    "value": raw["Value"].astype(float),
                    "unit": unit,
                    "year": raw["Year"].astype(int),
                    "source": f"World Bank, World Development Indicators, series {code}",
                }
            )
        )
    return _latest(pd.concat(parts, ignore_index=True))


def wgi_rows() -> pd.DataFrame:
    raw = pd.read_csv(
        reference_path("wgi_worldbank", "wgidataset.csv"),
        encoding="utf-8-sig",
        dtype=str,
        keep_default_na=False,
    )
    raw["iso3"] = raw["code"].replace(WB_LEGACY_CODES)
    raw = raw[raw["iso3"].isin(iso3_codes())]
    raw = raw[raw["estimate"].str.strip().isin(["", ".."]) == False]  # noqa: E712
    frame = pd.DataFrame(
        {
            "iso3": raw["iso3"],
            "indicator": raw["indicator"].map(lambda d: WGI_DIMENSIONS[d][0]),
            "value": raw["estimate"].astype(float),
            "unit": "estimate, about -2.5 (weak) to 2.5 (strong)",
            "year": raw["year"].astype(int),
            "source": raw["indicator"].map(
                lambda d: (
                    "World Bank, Worldwide Governance Indicators 2024 update, "
                    f"{WGI_DIMENSIONS[d][1]}: estimate"
                )
            ),
        }
    )
    return _latest(frame)


def gii_rows() -> pd.DataFrame:
    raw = pd.read_csv(
        reference_path("gii_wipo_panel", "global_innovation_index_2011_2022.csv"),
        sep=";",
        decimal=",",
        encoding="utf-8-sig",
    )
    raw["iso3"] = [iso3_from_name(name, NAME_OVERRIDES) for name in raw["Economies"]]
    unmapped = sorted(set(raw.loc[raw["iso3"].isna(), "Economies"]))
    if unmapped:
        msg = f"GII economies without an ISO3 code: {unmapped}; add them to NAME_OVERRIDES."
        raise ValueError(msg)
    frame = pd.DataFrame(
        {
            "iso3": raw["iso3"],
            "indicator": "gii_score",
            "value": raw["Global Innovation Index"].astype(float),
            "unit": "score 0-100",
            "year": raw["Year"].astype(int),
            "source": raw["Year"].map(
                lambda y: (
                    f"WIPO, Global Innovation Index {y}, overall score "
                    "(edition panel, Mendeley Data cvkdzr8tv3)"
                )
            ),
        }
    )
    return _latest(frame)


def internet_rows() -> pd.DataFrame:
    raw = pd.read_csv(
        reference_path("internet_users_owid", "share-of-individuals-using-the-internet.csv"),
        sep=";",
    )
    raw = raw[raw["Code"].isin(iso3_codes())]
    frame = pd.DataFrame(
        {
            "iso3": raw["Code"],
            "indicator": "internet_users_pct",
            "value": raw["Individuals using the Internet (% of population)"].astype(float),
            "unit": "% of population",
            "year": raw["Year"].astype(int),
            "source": "ITU, individuals using the Internet (World Bank WDI series "
            "IT.NET.USER.ZS), via Our World in Data",
        }
    )
    return _latest(frame)


# Partners of the IMF table that are not countries today: the Netherlands Antilles
# (dissolved in 2010, a withdrawn ISO code) has values to 2020 but no current territory.
DOTS_DROPPED = {"ANT"}


def china_trade_rows() -> pd.DataFrame:
    """China's own reported merchandise trade with each partner, latest year.

    One publisher for every partner: the IMF's Direction of Trade Statistics, China,
    P.R.: Mainland as reporter (exports FOB plus imports CIF). The partner-reported
    (mirror) file of the same reference folder is not read: partners value and attribute
    trade differently (Hong Kong re-exports above all), so the two cannot share a ranking.
    """
    raw = pd.read_csv(
        reference_path("china_trade_all_partners", "china_trade_by_partner_imf_dots_2013_2020.csv")
    )
    raw = raw[~raw["partner_iso3"].isin(DOTS_DROPPED)]
    unknown = sorted(set(raw["partner_iso3"]) - iso3_codes())
    if unknown:
        msg = f"IMF DOTS partners without a current ISO3 code: {unknown}; add them to DOTS_DROPPED."
        raise ValueError(msg)
    frame = pd.DataFrame(
        {
            "iso3": raw["partner_iso3"],
            "indicator": "china_trade_usd",
            # blank total = one flow not published: the total is unknown, not the other flow
            "value": raw["total_usd"].astype(float),
            "unit": "current US$ (China's exports FOB plus imports CIF, as China reports them)",
            "year": raw["year"].astype(int),
            "source": raw["year"].map(
                lambda y: (
                    "IMF, Direction of Trade Statistics (DOTS), reporter China, P.R.: Mainland, "
                    f"exports FOB to and imports CIF from the partner, {y}"
                )
            ),
        }
    )
    return _latest(frame)


def hofstede_scores() -> pd.DataFrame:
    """Hofstede's published scores, one row per ISO3 country, one column per dimension.

    The scores are read here only to derive the cultural distance; they are not shipped
    (Hofstede publishes them for research use with citation, under no open licence). They
    are indices, mostly 0-100, but not bounded at 100: six published scores exceed it (up
    to 112, Greece's uncertainty avoidance).
    """
    raw = pd.read_csv(
        reference_path("hofstede_6d", "6-dimensions-for-website-2015-08-16.csv"),
        sep=";",
        na_values=["#NULL!"],
    )
    raw = raw[~raw["ctr"].isin(HOFSTEDE_NON_COUNTRIES)]
    unmapped = sorted(set(raw["ctr"]) - set(HOFSTEDE_CODES))
    if unmapped:
        msg = f"Hofstede codes without an ISO3 code: {unmapped}; add them to HOFSTEDE_CODES."
        raise ValueError(msg)
    scores = raw.set_index(raw["ctr"].map(HOFSTEDE_CODES))[list(HOFSTEDE_DIMENSIONS)]
    scores.index.name = "iso3"
    return scores.astype(float).rename(columns=HOFSTEDE_DIMENSIONS)


def kogut_singh_from_china(scores: pd.DataFrame) -> pd.Series:
    """Kogut-Singh distance of every country's Hofstede profile from China's.

    KS_j = (1 / D_j) sum_d (I_dj - I_d,CHN)^2 / V_d over the D_j dimensions that country j
    and China both have, V_d the sample variance (ddof 1) of dimension d across every
    country that has it; missing where fewer than 4 dimensions are shared. The same
    formula as ``planner.criteria._values.kogut_singh`` with China as home.
    """
    home = scores.loc["CHN"]
    dims = [d for d in scores.columns if pd.notna(home[d])]
    terms = (scores[dims] - home[dims]) ** 2 / scores[dims].var(axis=0, ddof=1)
    n = terms.notna().sum(axis=1)
    return (terms.sum(axis=1, min_count=1) / n).where(n >= MIN_SHARED_DIMENSIONS).dropna()


def cultural_distance_rows() -> pd.DataFrame:
    distance = kogut_singh_from_china(hofstede_scores())
    return pd.DataFrame(
        {
            "iso3": distance.index,
            "indicator": "cultural_distance_chn",
            "value": distance.to_numpy(),
            "unit": "Kogut-Singh index from China (0 = China's profile; mean over the shared "
            "Hofstede dimensions of the squared difference over the dimension's variance)",
            "year": 2015,
            "source": "Derived by the project from Hofstede, G., Hofstede, G. J. & Minkov, M., "
            "Cultures and Organizations (3rd ed., 2010), dimension data matrix of 2015-08-16 "
            "(geerthofstede.com); the scores themselves are not shipped",
        }
    )


def compile_indicators() -> pd.DataFrame:
    frame = pd.concat(
        [
            wdi_rows(),
            internet_rows(),
            gii_rows(),
            wgi_rows(),
            china_trade_rows(),
            cultural_distance_rows(),
        ],
        ignore_index=True,
    )[COLUMNS]
    frame["year"] = frame["year"].astype(int)
    duplicated = frame.duplicated(["iso3", "indicator"])
    if duplicated.any():
        msg = f"duplicate country-indicator rows: {frame[duplicated].head().to_dict('records')}"
        raise ValueError(msg)
    return frame.sort_values(["iso3", "indicator"]).reset_index(drop=True)


def main() -> None:
    frame = compile_indicators()
    out = GEODATA / "indicators.csv"
    frame.to_csv(out, index=False)
    print(
        f"wrote {out}: {len(frame):,} rows, {frame['iso3'].nunique()} countries, "
        f"{frame['indicator'].nunique()} indicators"
    )
    print(frame.groupby("indicator")["iso3"].nunique().to_string())


if __name__ == "__main__":
    main()
