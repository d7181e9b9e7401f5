"""Health Canada recalls and safety alerts, as CSV.

Reads the raw consumer-product export (with Brand, Product and Companies
blocks) and the cleaned consumer and food exports (Date, Item, Issue,
Category). A record's identifier is its RA- number where it has one,
otherwise a hash of its date and title, which do not change between exports.

The cleaned exports drop the RA- number (and have no link or other number
to recover it from), so every record also carries that hash as its alias:
an entry first imported from the raw export under its RA- number is found
again by the cleaned one, and the other way round.
"""

import csv
import datetime
import re

from .base import (
    COMPANY_ROLES,
    RowError,
    clean_text,
    country_code,
    guess_category,
    guess_hazard,
    stable_id,
)

SOURCE = "healthcanada"
RECALL_TYPES_ORDERED = ("foreign product alert",)


def read(path, problems):
    with open(path, newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        missing = {"Date", "Item"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(
                f"{path} is not a Health Canada export: no column "
                + ", ".join(sorted(missing))
            )
        # Row 1 is the header, so the first record is row 2, as in a spreadsheet.
        for number, row in enumerate(reader, start=2):
            try:
                yield number, record_from(row)
            except RowError as error:
                yield number, error


def record_from(row):
    title = clean_text(row.get("Item")).replace("\n", " ")
    if not title:
        raise RowError("Item", "the recall has no title")
    date = _date(row.get("Date"))
    identifier = clean_text(
        row.get("Identification number:") or row.get("Identification number")
    )
    issue = clean_text(row.get("Issue") or row.get("Food_Issue") or row.get("Issue:"))
    category = clean_text(row.get("Category"))
    block = row.get("Companies", "")
    companies, origin = _companies(block)
    if not companies and _companies(row.get("Published by", ""))[0]:
        # A few rows of the raw export are shifted one column to the right.
        block = row.get("Published by", "")
        companies, origin = _companies(block)
    product = clean_text(row.get("Product"))
    kind = clean_text(row.get("Recall type") or row.get("Alert / recall type"))
    # The same in every export of the record.
    alias = "hc-" + stable_id(date, title)
    return {
        "source": SOURCE,
        "source_id": identifier or alias,
        "source_alias": alias if identifier else "",
        "product": product,
        # An export without the product column names the recall by its title
        # alone; that never replaces the product name another export gave.
        "fallback": {"product": title},
        "brand": clean_text(row.get("Brand")),
        "category_code": guess_category(
            category.split(" - ", 1)[-1],
            product or title,
            title,
            row.get("Recall Category"),
        ),
        "origin": origin,
        "companies": companies,
        "company_text": clean_text(block),
        "defect": title,
        "hazard": guess_hazard(issue, title),
        "hazard_text": issue.replace("Consumer products - ", ""),
        "units": _units(row.get("Nb_affected_models")),
        "recall_type": "ordered"
        if kind.lower() in RECALL_TYPES_ORDERED
        else "voluntary",
        "recall_date": date,
        "language": "en",
    }


def _date(value):
    try:
        return datetime.date.fromisoformat(clean_text(value)[:10])
    except ValueError as error:
        raise RowError("Date", f"{value!r} is not a date (YYYY-MM-DD)") from error


def _units(value):
    # The exports count affected models, not units sold; kept empty rather
    # than mislabelled.
    return None


def _companies(block):
    """(name, role) pairs and the manufacturer's country from a Companies
    block: a role line ("Importer", "Distributor & Importer"), then one or
    more companies, each a name and its address lines, apart by blank lines.
    """
    pairs, origin = [], ""
    roles, expect_name = [], False
    for raw_line in (block or "").splitlines():
        line = clean_text(raw_line)
        if not line:
            expect_name = bool(roles)
            continue
        named = _roles(line)
        if named is not None:
            roles, expect_name = named, True
            continue
        if line.lower() == "place of origin":
            roles, expect_name = ["origin"], False
            continue
        if roles == ["origin"]:
            origin = origin or _place_of_origin(line)
            continue
        if expect_name and roles:
            pairs.extend((line, COMPANY_ROLES[role]) for role in roles)
            expect_name = False
            continue
        if "manufacturer" in roles and not origin:
            origin = country_code(line)
    return list(dict.fromkeys(pairs)), origin


def _roles(line):
    """The roles a line of a Companies block names, or None if it names
    none: "Distributors", "Distributor & Importer", "Importer:"."""
    parts = re.split(r"\s*(?:/|&|,|\band\b)\s*", line.lower().rstrip(":").strip())
    roles = []
    for part in parts:
        part = part.strip()
        if part.endswith("s") and part[:-1] in COMPANY_ROLES:
            part = part[:-1]
        if part not in COMPANY_ROLES:
            return None
        roles.append(part)
    return roles or None


def _place_of_origin(line):
    return country_code(re.sub(r"(?i)^(manufactured|made) in\s+", "", line))
