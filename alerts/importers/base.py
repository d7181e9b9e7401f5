"""What every recall import shares: a row becomes a `RecallEntry`, found by
(source, identifier at the source), so a rerun updates and never duplicates.

A bad row is reported by its number and field and skipped; the good rows
around it are kept. Each row is saved in its own savepoint.
"""

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django_countries import countries

from ..codes import is_valid_gtin
from ..models import Company, ProductCategory, RecallCompany, RecallEntry

logger = logging.getLogger(__name__)

# Words of a product's description that place it in the category tree,
# most specific first. English, because the official sources are.
CATEGORY_WORDS = (
    ("electrical-chargers", ("power bank", "charger", "battery pack", "powerbank")),
    ("electrical-e-bikes", ("e-bike", "electric bicycle", "e-scooter", "scooter")),
    ("childcare-car-seats", ("car seat", "booster seat")),
    ("childcare-strollers", ("stroller", "pram", "pushchair", "buggy")),
    ("childcare-cots", ("crib", "cot ", "bassinet", "playard", "playpen")),
    ("childcare-feeding", ("soother", "pacifier", "baby bottle", "teether")),
    ("food-infant", ("infant formula", "baby food")),
    ("toys-magnetic", ("magnet",)),
    ("toys-plush", ("plush", "stuffed", "soft toy")),
    ("toys-electric", ("electric toy", "remote control", "rc car")),
    ("toys-ride-on", ("ride-on", "tricycle", "balance bike")),
    ("toys", ("toy", "slime", "doll", "puzzle", "game")),
    ("textiles-children", ("children's clothing", "hoodie", "pyjama", "sleepwear")),
    ("textiles-footwear", ("footwear", "shoe", "boot", "sandal")),
    ("textiles-bedding", ("bedding", "blanket", "pillow", "duvet")),
    ("textiles", ("clothing", "garment", "jacket", "sweater", "textile")),
    ("vehicles-tyres", ("tyre", "tire")),
    ("vehicles-cars", ("passenger car", "motor vehicle", "vehicle")),
    ("electrical-lighting", ("lighting", "lamp", "light chain", "led ")),
    ("electrical-plugs", ("plug", "socket", "extension cord", "cable", "adapter")),
    ("electrical-household", ("appliance", "heater", "kettle", "dryer", "toaster")),
    ("electrical", ("electric", "electronic")),
    ("cosmetics-hair", ("hair", "shampoo")),
    ("cosmetics-makeup", ("make-up", "makeup", "lipstick", "mascara")),
    ("cosmetics-skin", ("cream", "lotion", "sunscreen", "skin")),
    ("cosmetics", ("cosmetic", "perfume", "beauty")),
    ("food-contact-tableware", ("tableware", "cup", "mug", "plate", "bowl")),
    ("food-contact-kitchenware", ("kitchenware", "cookware", "pan", "kitchen")),
    ("sports-helmets", ("helmet",)),
    ("sports-bicycles", ("bicycle", "bike")),
    ("sports", ("sport", "fitness", "outdoor", "camping")),
    ("furniture", ("furniture", "chair", "table", "dresser", "shelf")),
    ("ppe", ("protective", "mask", "glove")),
    ("jewellery", ("jewel", "necklace", "bracelet", "earring")),
    ("chemicals", ("chemical", "detergent", "cleaner", "conditioner")),
    ("food-meat", ("meat", "beef", "pork", "chicken", "sausage", "ham")),
    ("food-dairy", ("cheese", "milk", "dairy", "yogurt")),
    ("food-seafood", ("fish", "seafood", "shrimp", "oyster", "clam", "tuna")),
    ("food-produce", ("fruit", "vegetable", "salad", "sprout", "produce")),
    ("food-snacks", ("chocolate", "candy", "snack", "cookie", "confection", "chips")),
    ("food-beverages", ("beverage", "drink", "juice", "cider", "beer", "wine")),
    ("food-supplements", ("supplement", "vitamin")),
    ("food", ("food", "sauce", "flour", "bread", "nut", "spice", "frozen")),
)

HAZARD_WORDS = (
    ("counterfeit", ("counterfeit", "fraud")),
    ("biological", ("microb", "bacteria", "listeria", "salmonella", "e. coli")),
    ("biological", ("botulinum", "mould", "mold")),
    ("health", ("allergen", "undeclared", "health")),
    ("chemical", ("chemical", "lead", "phthalate", "toxic", "poison")),
    ("environmental", ("environment",)),
    ("physical", ("fire", "burn", "shock", "injur", "chok", "strangul", "fall")),
    ("physical", ("laceration", "entrapment", "crash", "suffocation", "cut")),
)

COUNTRY_ALIASES = {
    "peoples republic of china": "CN",
    "people's republic of china": "CN",
    "china": "CN",
    "hong kong": "HK",
    "taiwan": "TW",
    "republic of korea": "KR",
    "south korea": "KR",
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "united kingdom": "GB",
    "uk": "GB",
    "türkiye": "TR",
    "turkey": "TR",
    "czechia": "CZ",
    "vietnam": "VN",
    "russia": "RU",
}

# How sources name a company's part in a recall, and the role Herald keeps.
COMPANY_ROLES = {
    "manufacturer": "manufacturer",
    "importer": "importer",
    "distributor": "distributor",
    "retailer": "retailer",
    "recalling firm": "other",
    "exporter": "other",
}


class RowError(Exception):
    """A row that cannot be imported: which field, and what to fix."""

    def __init__(self, field_name, message):
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass
class RowProblem:
    row: int
    field: str
    message: str
    skipped: bool = True  # False: the row was kept without the bad value

    def __str__(self):
        what = "row skipped" if self.skipped else "value left out"
        return f"row {self.row}, {self.field}: {self.message} ({what})"


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list = field(default_factory=list)

    @property
    def skipped(self):
        return sum(1 for p in self.problems if p.skipped)

    def __str__(self):
        return (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped} rows skipped, "
            f"{len(self.problems)} problems"
        )


def json_items(path, what):
    """(position from 1, item) of a JSON file holding a list of records."""
    with open(path, encoding="utf-8") as file:
        try:
            items = json.load(file)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not JSON: {error}") from error
    if not isinstance(items, list):
        raise ValueError(f"{path} is not a list of {what}")
    return enumerate(items, start=1)


def stable_id(*parts):
    """An identifier for a record its source does not number."""
    text = "\x1f".join(str(p or "").strip() for p in parts)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def clean_text(value):
    return re.sub(r"[ \t]+", " ", str(value or "")).strip()


def guess_category(*texts):
    text = " ".join(t or "" for t in texts).lower() + " "
    for code, words in CATEGORY_WORDS:
        if any(word in text for word in words):
            return code
    return "other"


def guess_hazard(*texts):
    text = " ".join(t or "" for t in texts).lower()
    for hazard, words in HAZARD_WORDS:
        if any(word in text for word in words):
            return hazard
    return ""


def country_code(name):
    """ISO 3166 code of a country name as sources write it, or ''."""
    name = clean_text(name)
    if not name or name.lower() in ("unknown", "none"):
        return ""
    if len(name) == 2 and name.upper() in dict(countries):
        return name.upper()
    return COUNTRY_ALIASES.get(name.lower()) or countries.by_name(name) or ""


def split_barcodes(value, row, problems, field_name="barcode"):
    """The valid GTINs in `value`; each invalid one is reported and left out."""
    valid = []
    for code in re.split(r"[\s,;/]+", str(value or "")):
        code = code.strip()
        if not code:
            continue
        if is_valid_gtin(code):
            valid.append(code)
        else:
            problems.append(
                RowProblem(
                    row,
                    field_name,
                    f"{code} is not a GTIN with a valid check digit",
                    skipped=False,
                )
            )
    return valid


_categories = {}


def category_for(code):
    if code not in _categories:
        _categories[code] = ProductCategory.objects.filter(code=code).first()
    return _categories[code]


RECALL_FIELDS = (
    "source_url",
    "product",
    "brand",
    "model",
    "batch",
    "origin",
    "company_text",
    "defect",
    "hazard",
    "hazard_text",
    "remedy",
    "remedy_text",
    "units",
    "recall_type",
    "status",
    "language",
)

DATE_PRECISION_RANK = {"year": 0, "day": 1}


def save_recall(record):
    """Create or update the entry `record` describes; return "created",
    "updated" or "unchanged".

    A record is a dict of model field values plus `category_code`,
    `barcodes`, `companies` (a list of (name, role) pairs) and, optionally:
    `source_alias`, the weaker identifier an export without the source's own
    number uses for the same recall; `fallback`, values that only fill a
    field nothing better has filled (a title standing in for the product
    name); and `recall_date_precision`.

    Exports of one source differ in what they carry, so an import only ever
    adds: an empty value never overwrites a filled one, and a date known to
    the year never replaces one known to the day.
    """
    _check_record(record)
    values = {name: record[name] for name in RECALL_FIELDS if name in record}
    fallback = dict(record.get("fallback") or {})
    for group in (values, fallback):
        for name, value in group.items():
            if isinstance(value, str):
                limit = RecallEntry._meta.get_field(name).max_length
                group[name] = value[:limit] if limit else value
    companies = [
        (name[:255], role)
        for name, role in dict.fromkeys(record.get("companies", []))
        if name
    ]

    entry = _find_entry(record)
    outcome = "created" if entry is None else "updated"
    if entry is None:
        entry = RecallEntry(
            source=record["source"], source_id=record["source_id"], live=False
        )
    before = _state(entry)
    if record.get("source_alias"):
        # This export knows the source's own number: it becomes the key, and
        # the weaker one is kept for the exports that only know that.
        entry.source_id = record["source_id"]
        entry.source_alias = record["source_alias"]
    for name, value in values.items():
        if not _blank(value):
            setattr(entry, name, value)
    for name, value in fallback.items():
        if _blank(getattr(entry, name)) and not _blank(value):
            setattr(entry, name, value)
    _merge_date(entry, record)
    barcodes = record.get("barcodes") or []
    if barcodes:
        entry.barcode = barcodes[0]
        entry.other_barcodes = "\n".join(barcodes[1:])
    category = category_for(record.get("category_code") or "other")
    # "other" is what a description that names no category gets: it never
    # replaces a category an earlier export found.
    if entry.category_id is None or (category and category.code != "other"):
        entry.category = category
    if companies:
        entry.company_roles = [
            RecallCompany(company=company, role=role)
            for company, role in zip(
                _companies(name for name, _role in companies),
                (role for _name, role in companies),
                strict=True,
            )
        ]
    if outcome == "updated" and entry.live and _state(entry) == before:
        return "unchanged"

    try:
        entry.full_clean(
            exclude=["companies", "warnings", "company_roles"], validate_unique=False
        )
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise RowError(name, "; ".join(messages)) from error
    entry.save()
    entry.save_revision(log_action=True).publish()
    return outcome


def _find_entry(record):
    """The entry a record describes, under whichever identifier it was first
    stored."""
    entries = RecallEntry.objects.filter(source=record["source"])
    key, alias = record["source_id"], record.get("source_alias")
    entry = entries.filter(source_id=key).first()
    if entry is None and alias:
        # Stored earlier from an export that knew only the weaker identifier.
        entry = entries.filter(source_id=alias).first()
    if entry is None:
        # Stored under the source's number; this export only knows the alias.
        entry = entries.filter(source_alias=key).first()
    return entry


def _state(entry):
    names = (
        "source_id",
        "source_alias",
        *RECALL_FIELDS,
        "barcode",
        "other_barcodes",
        "category_id",
        "recall_date",
        "recall_date_precision",
    )
    fields = tuple(str(getattr(entry, name) or "") for name in names)
    roles = sorted((link.company.name, link.role) for link in entry.company_roles.all())
    return fields, roles


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _merge_date(entry, record):
    date = record.get("recall_date")
    if date is None:
        return
    precision = record.get("recall_date_precision") or "day"
    current = DATE_PRECISION_RANK.get(entry.recall_date_precision, 1)
    if entry.recall_date is None or DATE_PRECISION_RANK[precision] >= current:
        entry.recall_date = date
        entry.recall_date_precision = precision


def _companies(names):
    companies = []
    for name in names:
        company = Company.objects.filter(name=name).first()
        if company is None:
            company = Company.objects.create(name=name)
        companies.append(company)
    return companies


def _check_record(record):
    if not clean_text(record.get("source_id")):
        raise RowError("source_id", "the record has no identifier")
    fallback = record.get("fallback") or {}
    if not clean_text(record.get("product") or fallback.get("product")):
        raise RowError("product", "the product name is empty")


def run_import(rows, summary=None, progress=None):
    """Save each (row number, record or RowError) from `rows`; return the
    summary. A bad row is rolled back alone."""
    summary = summary or ImportSummary()
    rows = list(rows)
    # A file that lists one record twice: the last row wins and the earlier
    # ones are reported, so a rerun finds every record unchanged.
    last_row = {}
    for number, record in rows:
        if isinstance(record, dict):
            last_row[(record["source"], record["source_id"])] = number
    for number, record in rows:
        if progress:
            progress.update(1)
        if isinstance(record, dict):
            latest = last_row[(record["source"], record["source_id"])]
            if latest != number:
                summary.problems.append(
                    RowProblem(
                        number,
                        "source_id",
                        f"{record['source_id']} appears again in row {latest}, "
                        "which is imported instead",
                    )
                )
                continue
        if isinstance(record, RowError):
            summary.problems.append(RowProblem(number, record.field, record.message))
            continue
        try:
            with transaction.atomic():
                outcome = save_recall(dict(record))
        except RowError as error:
            summary.problems.append(RowProblem(number, error.field, error.message))
            continue
        setattr(summary, outcome, getattr(summary, outcome) + 1)
    logger.info("Recall import finished: %s", summary)
    return summary
