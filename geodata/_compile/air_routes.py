"""Compile ``air_routes.csv`` and ``airports.csv`` from the OpenFlights route database.

Input: the public copy of OpenFlights' data in ``../shared/reference/openflights_routes_2014``
(``routes.csv``, ``airports.csv``, ``countries.csv``; read its PROVENANCE.txt). The route
database is a June 2014 snapshot ("OpenFlights 2014"): routes opened since are missing and
routes closed since are still in it, so it is a proxy of air connectivity, not a timetable.

- ``air_routes.csv``: the distinct directed airport pairs that some airline operated
  nonstop: route rows with ``codeshare`` not ``"Y"`` (a codeshare is marketed by one
  airline and flown by another, which has its own row) and ``stops`` 0, whose two airport
  ids both match the airport table. Columns ``from_iata``, ``to_iata`` (the codes the
  route rows give) and ``airlines`` (how many airlines flew the pair).
- ``airports.csv``: every airport those routes touch: ``iata``, ``name``, ``city``,
  ``iso3``, ``lon``, ``lat`` from the OpenFlights airport table, matched on the airport id
  (ids are stable; a few codes were reassigned after 2014, so the code comes from the
  route rows and the position from the id).

Countries: OpenFlights' English country name is mapped to ISO 3166-1 alpha-3 through the
ISO alpha-2 code of OpenFlights' own ``countries.csv`` and the datahub.io country-codes
table, with the explicit :data:`NAME_TO_ISO3` for the names that ``countries.csv`` spells
differently. Hong Kong, Macau and Taiwan keep their own ISO 3166 codes (HKG, MAC, TWN), as
in the GeoNames cities layer; the planner uses an airport's country only for display.

Both files are a derived database of OpenFlights' and so are under the ODbL 1.0 (share-
alike); each starts with comment lines (``#``) that say so. Run from the repository
root::

    python geodata/_compile/air_routes.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import GEODATA, iso2_to_iso3, iso3_codes, reference_path

FOLDER = "openflights_routes_2014"

HEADER = (
    "# OpenFlights 2014: {what}.",
    "# Contains information from OpenFlights, which is made available under the ODbL 1.0",
    "# (https://opendatacommons.org/licenses/odbl/1-0/); route database as of June 2014,",
    "# airports as of January 2017 (https://openflights.org/data.php).",
    "# This file is a derived database and is itself under the ODbL 1.0 (share-alike).",
    "# Compiled by geodata/_compile/air_routes.py; see geodata/SOURCES.md.",
)

# OpenFlights airport country names that its countries.csv spells otherwise (or lacks).
NAME_TO_ISO3 = {
    "Brunei": "BRN",
    "Burma": "MMR",
    "Cape Verde": "CPV",
    "Congo (Brazzaville)": "COG",
    "Congo (Kinshasa)": "COD",
    "East Timor": "TLS",
    "Faroe Islands": "FRO",
    "Kyrgyzstan": "KGZ",
    "Macau": "MAC",
    "Micronesia": "FSM",
    "Saint Kitts and Nevis": "KNA",
    "Saint Lucia": "LCA",
    "Saint Pierre and Miquelon": "SPM",
    "Saint Vincent and the Grenadines": "VCT",
    # OpenFlights lists the British Virgin Islands by that name; "Virgin Islands" holds
    # St. Thomas and St. Croix, the US Virgin Islands.
    "Virgin Islands": "VIR",
    "Wallis and Futuna": "WLF",
}
# OpenFlights still files these airports under the Netherlands Antilles, dissolved in 2010
# into Curacao, Sint Maarten and the Caribbean Netherlands (Bonaire, Sint Eustatius, Saba).
IATA_TO_ISO3 = {"BON": "BES", "EUX": "BES", "SAB": "BES", "CUR": "CUW", "SXM": "SXM"}


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(reference_path(FOLDER, name), dtype=str, keep_default_na=False)


def _iso3(iata: pd.Series, country: pd.Series, countries: pd.DataFrame) -> pd.Series:
    iso2 = dict(zip(countries["name"], countries["iso_code"], strict=True))
    to3 = iso2_to_iso3()
    by_name = country.map(lambda name: NAME_TO_ISO3.get(name) or to3.get(iso2.get(name, ""), ""))
    codes = iata.map(IATA_TO_ISO3).fillna(by_name)
    unknown = sorted(set(country[codes == ""]))
    if unknown:
        msg = f"no ISO3 code for the OpenFlights countries {unknown!r}; add them to NAME_TO_ISO3."
        raise ValueError(msg)
    bad = sorted(set(codes) - iso3_codes())
    if bad:
        msg = f"the ISO3 codes {bad!r} are not ISO 3166-1 alpha-3 codes."
        raise ValueError(msg)
    return codes


def compile_air() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """The route pairs, the airports they touch, and counts of what was left out."""
    routes = _read("routes.csv")
    airports = _read("airports.csv").set_index("airport_id")
    countries = _read("countries.csv")
    stats = {"route rows": len(routes)}
    flown = routes[(routes["codeshare"] != "Y") & (routes["stops"] == "0")]
    stats["operated nonstop rows"] = len(flown)
    matched = flown["source_airport_id"].isin(airports.index) & flown[
        "destination_airport_id"
    ].isin(airports.index)
    stats["rows without a matching airport id"] = int((~matched).sum())
    flown = flown[matched]

    # One code per airport id and one id per code, as the route rows give them.
    ends = pd.concat(
        [
            flown[["source_airport", "source_airport_id"]].set_axis(["iata", "id"], axis=1),
            flown[["destination_airport", "destination_airport_id"]].set_axis(
                ["iata", "id"], axis=1
            ),
        ]
    ).drop_duplicates()
    clash = ends[ends["iata"].duplicated(keep=False) | ends["id"].duplicated(keep=False)]
    if len(clash):
        msg = f"route rows give more than one code per airport or id:\n{clash}"
        raise ValueError(msg)
    if not ends["iata"].str.fullmatch(r"[A-Z0-9]{3}").all():
        msg = "route rows hold airport codes that are not three-letter IATA codes."
        raise ValueError(msg)

    pairs = (
        flown.groupby(["source_airport", "destination_airport"])["airline_id"]
        .nunique()
        .reset_index()
        .set_axis(["from_iata", "to_iata", "airlines"], axis=1)
    )
    pairs = pairs[pairs["from_iata"] != pairs["to_iata"]]
    stats["distinct directed pairs"] = len(pairs)

    info = airports.loc[ends["id"]]
    table = pd.DataFrame(
        {
            "iata": ends["iata"].to_numpy(),
            "name": info["name"].to_numpy(),
            "city": info["city"].to_numpy(),
            "iso3": _iso3(
                pd.Series(ends["iata"].to_numpy()),
                pd.Series(info["country"].to_numpy()),
                countries,
            ).to_numpy(),
            "lon": pd.to_numeric(info["longitude"]).round(5).to_numpy(),
            "lat": pd.to_numeric(info["latitude"]).round(5).to_numpy(),
        }
    ).sort_values("iata")
    stats["airports"] = len(table)
    return pairs.sort_values(["from_iata", "to_iata"]), table.reset_index(drop=True), stats


def _write(frame: pd.DataFrame, name: str, what: str) -> None:
    path = GEODATA / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("\n".join(HEADER).format(what=what) + "\n")
        frame.to_csv(fh, index=False, lineterminator="\n")


def main() -> None:
    pairs, airports, stats = compile_air()
    _write(pairs, "air_routes.csv", "airport pairs some airline flew nonstop (codeshares left out)")
    _write(airports, "airports.csv", "the airports of air_routes.csv, with position and country")
    for key, value in stats.items():
        print(f"{key}: {value:,}")


if __name__ == "__main__":
    main()
