"""Health Canada recalls and safety alerts, as CSV.

Reads the raw consumer-product export (with Brand, Product and Companies
blocks) and the cleaned consumer and food exports (Date, Item, Issue,
Category). A record's identifier is its RA- number where it has one,
otherwise a hash of its date and title, which do not change between exports.
"""

import csv
import datetime

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
    companies, origin = _companies(row.get("Companies", ""))
    product = clean_text(row.get("Product")) or title
    kind = clean_text(row.get("Recall type") or row.get("Alert / recall type"))
    return {
        "source": SOURCE,
        "source_id": identifier or "hc-" + stable_id(date, title),
        "product": product,
        "brand": clean_text(row.get("Brand")),
        "category_code": guess_category(
            category.split(" - ", 1)[-1], product, title, row.get("Recall Category")
        ),
        "origin": origin,
        "companies": companies,
        "company_text": clean_text(row.get("Companies", "")),
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
    """Company names and the manufacturer's country from the Companies
    column: blocks of role, name, address lines."""
    lines = [clean_text(line) for line in (block or "").splitlines()]
    lines = [line for line in lines if line]
    names, origin, role = [], "", None
    for index, line in enumerate(lines):
        if line.lower() in COMPANY_ROLES:
            role = line.lower()
            if index + 1 < len(lines):
                names.append(lines[index + 1])
            continue
        if role == "manufacturer" and not origin:
            origin = country_code(line)
    return names, origin
