"""US FDA and USDA-FSIS food recalls, as the JSON list the shared data holds.

A USDA (FSIS) record is identified by its recall number ("013-2025",
"PHA-05012025-01"), which is also kept with the batch so it can be looked up
exactly; the export gives two different FSIS recalls the same `uid`. An FDA
record has no recall number in the export and is identified by its `uid`.

The export has no country field: the origin is taken from a title that says
where the product was imported from, and is otherwise left unknown (the
impacted states say where it was sold, not where it was made).
"""

import datetime
import re

from .base import (
    RowError,
    clean_text,
    country_code,
    guess_category,
    guess_hazard,
    json_items,
)

SOURCE = "fda"


def read(path, problems):
    for number, item in json_items(path, "FDA or USDA recalls"):
        try:
            yield number, record_from(item)
        except RowError as error:
            yield number, error


def record_from(item):
    if not isinstance(item, dict):
        raise RowError("recall", "the entry is not an object")
    uid = clean_text(item.get("uid"))
    if not uid:
        raise RowError("uid", "the recall has no uid")
    title = clean_text(item.get("title"))
    description = clean_text(item.get("product_description")).replace("\t", " ")
    reason = clean_text(item.get("recall_reason"))
    company = clean_text(item.get("company_name"))
    classification = clean_text(item.get("recall_classification"))
    notice = clean_text(item.get("notice_id_number"))
    return {
        "source": SOURCE,
        "source_id": notice if item.get("agency") == "USDA" and notice else uid,
        "source_url": clean_text(item.get("recall_url"))[:500],
        "product": title or description[:200],
        "brand": clean_text(item.get("brand_name")),
        "model": description,
        "batch": notice,
        "barcodes": [],
        "category_code": guess_category("food " + title, description),
        "origin": _imported_from(title),
        # The firm that announced the recall; the export does not say whether
        # it made, imported or sold the product.
        "companies": [(company, "other")] if company else [],
        "company_text": company,
        "defect": reason,
        "hazard": guess_hazard(reason),
        "hazard_text": " · ".join(
            v for v in (classification, clean_text(item.get("risk_level"))) if v
        ),
        "remedy": "refund" if "refund" in description.lower() else "",
        "recall_type": "ordered" if item.get("agency") == "USDA" else "voluntary",
        "recall_date": _date(
            item.get("company_announce_dttm") or item.get("notification_dttm")
        ),
        "status": "completed"
        if "closed" in clean_text(item.get("recall_type")).lower()
        else "ongoing",
        "language": "en",
    }


def _imported_from(title):
    """The country a title says the product was imported from, or ''."""
    found = re.search(r"imported from (.+)", title, re.IGNORECASE)
    if not found:
        return ""
    words = re.sub(
        r"(?i)^(the\s+)?(republic\s+of\s+(the\s+)?)?(union\s+of\s+)?",
        "",
        found.group(1),
    ).split()
    # The longest run of leading words that names a country.
    for end in range(min(len(words), 4), 0, -1):
        code = country_code(" ".join(words[:end]).strip(".,;"))
        if code:
            return code
    return ""


def _date(value):
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(value).date()
    except ValueError as error:
        raise RowError("notification_dttm", f"{value!r} is not a date") from error
