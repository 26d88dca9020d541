"""Make the sample organisation units of the Republic of Kivuland, a made-up
bilingual (English and French) country: country, 4 provinces, 16 districts,
40 sectors and about 300 health facilities, plus six facility groups.

Writes `orgunits.csv` and `dhis2_metadata.json` next to this script. Both
describe the same units with the same DHIS2-style ids, so either can be
imported and re-imported over the other. The random generator is seeded:
running the script again gives the same files, so they can be committed.

    .venv/bin/python portal/sample_data/make_samples.py
"""

from __future__ import annotations

import csv
import io
import json
import random
import string
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20240611

# (name, code, language, district towns). A district is named after its town.
PROVINCES = [
    ("Lakeshore Province", "LK", "en", ["Kasenga", "Mbala", "Lwandi", "Port-Hélène"]),
    ("Province des Collines", "CO", "fr", ["Nyarugé", "Kabéya", "Mont-Kilémbe", "Bukama"]),
    ("Highlands Province", "HI", "en", ["Kitobo", "Mwanzé", "Ngoma", "Tshilenge"]),
    ("Province du Fleuve", "FL", "fr", ["Rivière-Noire", "Bel-Air", "Sainte-Thérèse", "Lubaya"]),
]
# Eight of the sixteen districts get a third sector: 40 sectors in all.
SECTORS_PER_DISTRICT = [3, 2] * 8
PRIVATE_CLINICS = [
    "Clinique Privée La Providence",
    "St. Luke's Private Clinic",
    "Polyclinique de l'Espoir",
    "Good Shepherd Medical Centre",
    "Clinique Privée Bon Samaritain",
    "Hope Family Clinic",
    "Clinique Médicale Saint-Raphaël",
    "Lakeview Private Clinic",
]
FRENCH_PLACES = [
    "Saint-Joseph",
    "Sainte-Marie",
    "Bonne-Espérance",
    "Mont-Carmel",
    "Belle-Vue",
    "Côte-Rouge",
    "Grand-Étang",
    "Petit-Bassin",
    "Val-Fleuri",
    "Haut-Plateau",
    "Îlot-Vert",
    "Pointe-Noire-du-Lac",
]
SYLLABLES = [
    "ka",
    "ba",
    "mu",
    "nya",
    "ru",
    "ki",
    "lu",
    "ma",
    "nge",
    "bo",
    "to",
    "sa",
    "ze",
    "wa",
    "ndi",
    "mbe",
    "go",
    "shi",
    "la",
    "tu",
    "bé",
    "ré",
    "lé",
    "mé",
    "se",
    "ko",
    "ny",
    "ra",
    "mi",
]


@dataclass
class Unit:
    id: str
    name: str
    code: str
    level: int
    parent: Unit | None = None
    groups: list[str] = field(default_factory=list)


def _uid(rng: random.Random, taken: set[str]) -> str:
    """A DHIS2 uid: 11 letters and digits, starting with a letter."""
    while True:
        uid = rng.choice(string.ascii_letters) + "".join(
            rng.choices(string.ascii_letters + string.digits, k=10)
        )
        if uid not in taken:
            taken.add(uid)
            return uid


def _village(rng: random.Random, taken: set[str], language: str) -> str:
    while True:
        if rng.random() < 0.05:
            name = rng.choice(FRENCH_PLACES)
        else:
            name = "".join(rng.choices(SYLLABLES, k=rng.choice((2, 2, 3)))).capitalize()
            if language == "en":  # accents are the francophone provinces' spelling
                name = name.replace("é", "e")
        if name not in taken:
            taken.add(name)
            return name


def _of(place: str) -> str:
    """French "de X" or, before a vowel, "d'X"."""
    return f"d'{place}" if place[0] in "AEIOUÉÈÎ" else f"de {place}"


def _facility_name(kind: str, place: str, language: str) -> str:
    english = {
        "hospital": f"{place} District Hospital",
        "mission": f"{place} Mission Hospital",
        "centre": f"{place} Health Centre",
        "post": f"{place} Health Post",
    }
    french = {
        "hospital": f"Hôpital de District {_of(place)}",
        "mission": f"Hôpital de la Mission {_of(place)}",
        "centre": f"Centre de Santé {_of(place)}",
        "post": f"Dispensaire {_of(place)}",
    }
    return (english if language == "en" else french)[kind]


def build() -> tuple[list[Unit], list[tuple[str, str, str]]]:
    """The units, parents first, and the groups as (uid, name, code)."""
    rng = random.Random(SEED)  # noqa: S311 - made-up data wants repeatability, not secrecy
    uids: set[str] = set()
    places: set[str] = {town for *_, towns in PROVINCES for town in towns}
    groups = {
        key: (_uid(rng, uids), name, code)
        for key, name, code in [
            ("hospital", "Hospitals", "HOSP"),
            ("centre", "Health centres", "HC"),
            ("post", "Health posts and dispensaries", "HP"),
            ("urban", "Urban", "URBAN"),
            ("rural", "Rural", "RURAL"),
            ("private", "Private facilities", "PRIVATE"),
        ]
    }
    clinics = iter(PRIVATE_CLINICS)
    country = Unit(_uid(rng, uids), "Republic of Kivuland", "KV", 1)
    units = [country]
    sector_sizes = iter(SECTORS_PER_DISTRICT)
    for province_name, abbr, language, towns in PROVINCES:
        province = Unit(_uid(rng, uids), province_name, f"KV-{abbr}", 2, country)
        units.append(province)
        for d, town in enumerate(towns, start=1):
            name = f"{town} District" if language == "en" else f"District {_of(town)}"
            district = Unit(_uid(rng, uids), name, f"{province.code}-{d:02}", 3, province)
            units.append(district)
            for s in range(1, next(sector_sizes) + 1):
                urban = s == 1  # the district town's own sector
                place = town if urban else _village(rng, places, language)
                name = f"{place} Sector" if language == "en" else f"Secteur {_of(place)}"
                sector = Unit(_uid(rng, uids), name, f"{district.code}-{s:02}", 4, district)
                units.append(sector)
                kinds = ["post" if rng.random() < 0.45 else "centre" for _ in range(9)]
                if urban:
                    kinds[:3] = ["hospital", "centre", "private"]
                elif rng.random() < 0.15:
                    kinds[0] = "mission"
                for f, kind in enumerate(kinds[: rng.randint(6, 9)], start=1):
                    units.append(
                        _facility(rng, uids, places, kind, place, language, sector, f, clinics)
                    )
                    facility = units[-1]
                    facility.groups.append(groups["urban" if urban else "rural"][0])
                    if kind in ("hospital", "mission"):
                        facility.groups.append(groups["hospital"][0])
                    if kind in ("centre", "post"):
                        facility.groups.append(groups[kind][0])
                    if kind in ("private", "mission"):
                        facility.groups.append(groups["private"][0])
    return units, list(groups.values())


def _facility(rng, uids, places, kind, place, language, sector, number, clinics) -> Unit:
    # A town's first health centre carries the town's name; the rest a village's.
    if kind == "private":
        name = next(clinics, None) or f"{_village(rng, places, 'en')} Private Clinic"
    elif kind in ("hospital", "mission") or number == 2:
        name = _facility_name(kind, place, language)
    else:
        name = _facility_name(kind, _village(rng, places, language), language)
    return Unit(_uid(rng, uids), name, f"{sector.code}-{number:02}", 5, sector)


def write_csv(units: list[Unit], path: Path) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "name", "code", "parent"])
    for unit in units:
        writer.writerow([unit.id, unit.name, unit.code, unit.parent.id if unit.parent else ""])
    path.write_text(buffer.getvalue(), encoding="utf-8")


# The programme's DHIS2 data sets (uid, name, short name, code, period type):
# what partners report on or are paid on (portal/assignments).
DATA_SETS = [
    ("QX4ZTUbOt3a", "Reproductive health", "RH", "DS_RH", "Monthly"),
    ("BfMAe6Itzgt", "Child health", "Child health", "DS_CH", "Monthly"),
    ("eZDhcZi6FLP", "Community health workers", "CHW", "DS_CHW", "Monthly"),
    ("lyLU2wR22tC", "Facility quality assessment", "FQA", "DS_FQA", "Quarterly"),
    ("Y8gAn9DfAGU", "Performance-based financing invoice", "PBF invoice", "DS_PBF", "Quarterly"),
]


def write_dhis2(units: list[Unit], groups: list[tuple[str, str, str]], path: Path) -> None:
    """As DHIS2's /api/metadata export gives it, one unit per line to stay small
    and readable (and so a JSON error's line number points at one unit)."""

    def line(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    entries = []
    for unit in units:
        entry = {"id": unit.id, "name": unit.name, "shortName": unit.name[:50]}
        entry |= {"code": unit.code, "level": unit.level}
        if unit.parent:
            entry["parent"] = {"id": unit.parent.id}
        entries.append(line(entry))
    group_entries = []
    for uid, name, code in groups:
        members = [{"id": u.id} for u in units if uid in u.groups]
        head = line({"id": uid, "name": name, "code": code})[:-1]
        group_entries.append(f'{head}, "organisationUnits": {line(members)}}}')
    data_sets = [
        line({"id": uid, "name": name, "shortName": short, "code": code, "periodType": period})
        for uid, name, short, code, period in DATA_SETS
    ]
    system = {"id": "kivuland-hmis", "version": "2.40.3", "date": "2024-06-11T08:00:00.000"}
    text = (
        f'{{\n  "system": {line(system)},\n'
        '  "organisationUnits": [\n    ' + ",\n    ".join(entries) + "\n  ],\n"
        '  "organisationUnitGroups": [\n    ' + ",\n    ".join(group_entries) + "\n  ],\n"
        '  "dataSets": [\n    ' + ",\n    ".join(data_sets) + "\n  ]\n}\n"
    )
    json.loads(text)  # it must stay valid JSON
    path.write_text(text, encoding="utf-8")


def main() -> None:
    units, groups = build()
    write_csv(units, HERE / "orgunits.csv")
    write_dhis2(units, groups, HERE / "dhis2_metadata.json")
    levels = [sum(u.level == n for u in units) for n in range(1, 6)]
    print(f"{len(units)} units (per level {levels}), {len(groups)} groups")


if __name__ == "__main__":
    main()
