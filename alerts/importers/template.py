"""Herald's own import template, as CSV (UTF-8) or Excel (.xlsx).

The first row names the columns (any order, case ignored); every later row
is one entry. Dates are YYYY-MM-DD. A row with a bad value is skipped and
reported with its row number and column; fix it and import the file again:
rows already imported are updated, never duplicated.

Recalls (`import_recalls FILE --format csv`), keyed by `reference`:

| column | required | what |
|---|---|---|
| reference | yes | our reference for the recall, unique; a rerun updates it |
| product | yes | product name |
| recall_date | yes | date the recall was announced |
| category | yes | a product-category code, e.g. `toys-electric` |
| brand, model, batch | | as printed on the product |
| barcode | | GTIN-8/12/13/14 with a valid check digit; several separated by spaces |
| origin | | country of origin: ISO code (`CN`) or English name |
| manufacturer, importer, distributor, retailer | | company names, in that role |
| defect | | what is wrong with the product |
| hazard | | health, physical, chemical, biological, environmental or counterfeit |
| remedy | | repair, replace, refund or other |
| remedy_text | | what the consumer should do |
| units | | number of units affected |
| recall_type | | voluntary (default) or ordered |
| status | | ongoing (default), completed or withdrawn |
| source_url | | link to the original notice |
| language | | language of the texts: zh-hans (default) or en |

Blacklist (`import_blacklist FILE`), keyed by `decision_number`:

| column | required | what |
|---|---|---|
| decision_number | yes | number of the listing decision, unique |
| company_name | yes | company name as listed |
| credit_code | yes | unified social credit code: 18 characters, checked |
| violation | yes | the violation |
| listed_on | yes | date listed |
| region | | province or city |
| legal_basis, penalty | | as decided |
| removal_due_on | | date the listing is due to end |
| removed_on, removal_reason | | both or neither (see below) |

A removal reason is expiry, credit_repair or court_decision.
"""

import csv
import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from ..choices import Hazard
from ..codes import validate_credit_code, validate_gtin
from ..models import BlacklistEntry, Company, ProductCategory, RecallEntry
from .base import ImportSummary, RowError, RowProblem, clean_text, country_code

SOURCE = "herald"
RECALL_REQUIRED = ("reference", "product", "recall_date", "category")
BLACKLIST_REQUIRED = (
    "decision_number",
    "company_name",
    "credit_code",
    "violation",
    "listed_on",
)


def rows_of(path, required):
    """(row number, {column: text}) for each data row of a CSV or .xlsx file;
    row 1 is the header."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        table = _excel_rows(path)
    else:
        table = _csv_rows(path)
    header = [clean_text(h).lower() for h in next(table, [])]
    missing = [name for name in required if name not in header]
    if missing:
        raise ValueError(
            f"{path.name} lacks the column(s) {', '.join(missing)}; "
            "see alerts/importers/template.py for the template"
        )
    for number, values in enumerate(table, start=2):
        if not any(clean_text(v) for v in values):
            continue
        yield (
            number,
            {name: _text(value) for name, value in zip(header, values, strict=False)},
        )


def _csv_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as file:
        yield from csv.reader(file)


def _excel_rows(path):
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        yield from workbook.active.iter_rows(values_only=True)
    finally:
        workbook.close()


def _text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value)


def read(path, problems):
    """Recall rows of the template, as records for `base.save_recall`."""
    for number, row in rows_of(path, RECALL_REQUIRED):
        try:
            yield number, recall_record(row)
        except RowError as error:
            yield number, error


def recall_record(row):
    for name in RECALL_REQUIRED:
        if not row.get(name):
            raise RowError(name, "is required")
    if not ProductCategory.objects.filter(code=row["category"]).exists():
        raise RowError("category", f"{row['category']!r} is no category code")
    barcodes = row.get("barcode", "").split()
    for code in barcodes:
        try:
            validate_gtin(code)
        except ValidationError as error:
            raise RowError("barcode", error.messages[0]) from error
    hazard = row.get("hazard", "").lower()
    if hazard and hazard not in Hazard.values:
        raise RowError("hazard", f"{hazard!r} is not one of {', '.join(Hazard.values)}")
    remedy = row.get("remedy", "").lower()
    if remedy and remedy not in RecallEntry.Remedy.values:
        raise RowError("remedy", f"{remedy!r} is not repair, replace, refund or other")
    recall_type = row.get("recall_type", "").lower() or "voluntary"
    if recall_type not in RecallEntry.RecallType.values:
        raise RowError("recall_type", f"{recall_type!r} is not voluntary or ordered")
    status = row.get("status", "").lower() or "ongoing"
    if status not in RecallEntry.Status.values:
        raise RowError("status", f"{status!r} is not ongoing, completed or withdrawn")
    origin = row.get("origin", "")
    if origin and not country_code(origin):
        raise RowError("origin", f"{origin!r} is no country we know")
    roles = ("manufacturer", "importer", "distributor", "retailer")
    return {
        "source": SOURCE,
        "source_id": row["reference"],
        "source_url": row.get("source_url", ""),
        "product": row["product"],
        "brand": row.get("brand", ""),
        "model": row.get("model", ""),
        "batch": row.get("batch", ""),
        "barcodes": barcodes,
        "category_code": row["category"],
        "origin": country_code(origin),
        "companies": [(row[r], r) for r in roles if row.get(r)],
        "company_text": "\n".join(f"{r}: {row[r]}" for r in roles if row.get(r)),
        "defect": row.get("defect", ""),
        "hazard": hazard,
        "hazard_text": row.get("hazard_text", ""),
        "remedy": remedy,
        "remedy_text": row.get("remedy_text", ""),
        "units": _integer(row, "units"),
        "recall_type": recall_type,
        "recall_date": _date(row, "recall_date"),
        "status": status,
        "language": row.get("language", "") or "zh-hans",
    }


def _integer(row, name):
    value = row.get(name, "").replace(",", "")
    if not value:
        return None
    if not value.isdigit():
        raise RowError(name, f"{value!r} is not a whole number")
    return int(value)


def _date(row, name):
    value = row.get(name, "")
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError as error:
        raise RowError(name, f"{value!r} is not a date (YYYY-MM-DD)") from error


def import_blacklist(path, progress=None):
    """Create or update the blacklist entries of a template file."""
    summary = ImportSummary()
    for number, row in rows_of(path, BLACKLIST_REQUIRED):
        if progress:
            progress.update(1)
        try:
            with transaction.atomic():
                outcome = save_blacklist_row(row)
        except RowError as error:
            summary.problems.append(RowProblem(number, error.field, error.message))
            continue
        setattr(summary, outcome, getattr(summary, outcome) + 1)
    return summary


BLACKLIST_FIELDS = (
    "company_name",
    "credit_code",
    "region",
    "violation",
    "legal_basis",
    "penalty",
    "listed_on",
    "removal_due_on",
    "removed_on",
    "removal_reason",
)


def save_blacklist_row(row):
    for name in BLACKLIST_REQUIRED:
        if not row.get(name):
            raise RowError(name, "is required")
    code = row["credit_code"].upper()
    try:
        validate_credit_code(code)
    except ValidationError as error:
        raise RowError("credit_code", error.messages[0]) from error
    reason = row.get("removal_reason", "").lower()
    if reason and reason not in BlacklistEntry.RemovalReason.values:
        raise RowError(
            "removal_reason",
            f"{reason!r} is not expiry, credit_repair or court_decision",
        )
    values = {
        "company_name": row["company_name"],
        "credit_code": code,
        "region": row.get("region", ""),
        "violation": row["violation"],
        "legal_basis": row.get("legal_basis", ""),
        "penalty": row.get("penalty", ""),
        "listed_on": _date(row, "listed_on"),
        "removal_due_on": _date(row, "removal_due_on"),
        "removed_on": _date(row, "removed_on"),
        "removal_reason": reason,
    }

    entry = BlacklistEntry.objects.filter(
        decision_number=row["decision_number"]
    ).first()
    if entry is not None and all(
        str(getattr(entry, k) or "") == str(v or "") for k, v in values.items()
    ):
        return "unchanged"
    outcome = "created" if entry is None else "updated"
    if entry is None:
        entry = BlacklistEntry(decision_number=row["decision_number"], live=False)
    company = Company.objects.filter(credit_code=code).first()
    if company is None:
        company = Company.objects.create(
            name=row["company_name"],
            credit_code=code,
            country="CN",
            region=values["region"],
        )
    entry.company = company
    for name, value in values.items():
        setattr(entry, name, value)
    try:
        entry.full_clean(validate_unique=False)
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise RowError(name, "; ".join(messages)) from error
    entry.save()
    entry.save_revision(log_action=True).publish()
    return outcome
