"""EU Safety Gate alerts, as the JSON lists the shared data holds.

Both exports are read: the one with risk descriptions and measures, and the
one with barcodes and batch numbers. A record is identified by its alert
number; a national record without one by a hash of its name and images.
"""

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
    compulsory = bool(item.get("compulsory_measures")) or "compulsory" in (
        measures.lower()
    )
    return {
        "source": SOURCE,
        "source_id": alert_number
        or "sk-" + stable_id(product, item.get("images"), item.get("published_on")),
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
        "company_text": clean_text(item.get("company_recall_code")),
        "defect": risk or clean_text(item.get("risk_type")),
        "hazard": guess_hazard(item.get("risk_type"), risk),
        "hazard_text": clean_text(item.get("risk_type")),
        "remedy": _remedy(measures),
        "remedy_text": measures,
        "recall_type": "ordered" if compulsory else "voluntary",
        "recall_date": None,
        "language": "en",
    }


def _remedy(measures):
    text = measures.lower()
    if "recall" in text:
        return "other"
    return ""
