"""US FDA and USDA-FSIS food recalls, as the JSON list the shared data holds.

A record is identified by its `uid`; its notice number, where FSIS gives
one, is kept with the batch so it can be looked up exactly.
"""

import datetime

from .base import RowError, clean_text, guess_category, guess_hazard, json_items

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
    return {
        "source": SOURCE,
        "source_id": uid,
        "source_url": clean_text(item.get("recall_url"))[:500],
        "product": title or description[:200],
        "brand": clean_text(item.get("brand_name")),
        "model": description,
        "batch": clean_text(item.get("notice_id_number")),
        "barcodes": [],
        "category_code": guess_category("food " + title, description),
        "origin": "US",
        "companies": [company] if company else [],
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


def _date(value):
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(value).date()
    except ValueError as error:
        raise RowError("notification_dttm", f"{value!r} is not a date") from error
