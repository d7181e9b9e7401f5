"""EU Safety Gate alerts, as the JSON lists the shared data holds.

Both exports are read: the one with risk descriptions and measures, and the
one with barcodes and batch numbers. A record is identified by its alert
number; a national record without one by a hash of its name and images.

Neither export names a company: there is no company field, the recall code
is the company's reference for the recall, and a brand is not a company, so
no company is linked. The economic operator's part (the measures "taken by
the manufacturer", "ordered to the distributor") is kept as published.
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
    split_barcodes,
    stable_id,
)

SOURCE = "safetygate"


def read(path, problems):
    # Numbered from 1, the position of the alert in the list.
    for number, item in json_items(path, "Safety Gate alerts"):
        try:
            yield number, record_from(item, number, problems)
        except RowError as error:
            yield number, error


def record_from(item, number, problems):
    if not isinstance(item, dict):
        raise RowError("alert", "the entry is not an object")
    product = clean_text(item.get("product_name"))
    if not product:
        raise RowError("product_name", "the alert names no product")
    alert_number = clean_text(item.get("alert_number"))
    description = clean_text(item.get("product_description"))
    risk = clean_text(item.get("risk_description"))
    measures = clean_text(
        item.get("measures_authorities")
        or item.get("compulsory_measures")
        or item.get("voluntary_measures")
    )
    recall_date, precision = _recall_date(item, alert_number, measures)
    operator = [
        line
        for line in measures.splitlines()
        if line.lower().startswith("type of economic operator")
    ]
    recall_code = clean_text(item.get("company_recall_code"))
    return {
        "source": SOURCE,
        # The hash once took the publication date too, always empty then; ""
        # keeps the identifiers entries were first stored under.
        "source_id": alert_number or "sk-" + stable_id(product, item.get("images"), ""),
        "source_url": clean_text(item.get("case_url"))[:500],
        "product": product,
        "brand": clean_text(item.get("brand")),
        "model": clean_text(item.get("model_type_number") or description),
        "batch": clean_text(item.get("batch_number") or item.get("production_dates")),
        "barcodes": split_barcodes(item.get("barcode"), number, problems),
        "category_code": guess_category(
            item.get("product_category"), product, description
        ),
        "origin": country_code(item.get("country_of_origin")),
        "companies": [],
        "company_text": "\n".join(
            operator + ([f"Company recall code: {recall_code}"] if recall_code else [])
        ),
        "defect": risk,
        "hazard": guess_hazard(item.get("risk_type"), risk),
        "hazard_text": clean_text(item.get("risk_type")),
        "remedy": _remedy(measures),
        "remedy_text": measures,
        "recall_type": _recall_type(item, measures),
        "recall_date": recall_date,
        "recall_date_precision": precision,
        # Only where no export had more to say.
        "fallback": {
            "defect": clean_text(item.get("risk_type")),
            "recall_type": "voluntary",
        },
        "language": "en",
    }


def _recall_type(item, measures):
    """Ordered where the authorities ordered the measures, voluntary where an
    operator took them; '' where the export does not say."""
    text = measures.lower()
    if item.get("compulsory_measures") or "compulsory" in text:
        return "ordered"
    if "were ordered" in text:
        return "ordered"
    if item.get("voluntary_measures") or "taking notified measure" in text:
        return "voluntary"
    return ""


def _recall_date(item, alert_number, measures):
    """(date, precision): the publication date, else the day the measures
    took effect, else only a year."""
    published = _day(item.get("published_on"), r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})")
    if published:
        return published, "day"
    in_force = re.search(r"date of entry into force:\s*(\S+)", measures, re.IGNORECASE)
    if in_force:
        day = _day(in_force.group(1), r"(\d{1,2})/(\d{1,2})/(\d{4})")
        if day:
            return day, "day"
    # Nothing better: the year an alert number ends with ("A12/00328/22"),
    # or the year folder of a national record's images, as the 1st of
    # January, marked as known to the year only.
    year = re.search(r"/(\d{2})$", alert_number)
    if year:
        return datetime.date(2000 + int(year.group(1)), 1, 1), "year"
    folder = re.search(r"(?:/|%20)(20\d{2})/", clean_text(item.get("images")))
    if folder:
        return datetime.date(int(folder.group(1)), 1, 1), "year"
    return None, "day"


def _day(value, pattern):
    """A date written day first, or None."""
    found = re.fullmatch(pattern, clean_text(value))
    if not found:
        return None
    day, month, year = (int(part) for part in found.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _remedy(measures):
    text = measures.lower()
    if "recall" in text:
        return "other"
    return ""
