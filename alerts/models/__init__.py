"""Warnings, the notices issued about them, categories and the registers."""

from .categories import ProductCategory
from .notices import Notice
from .registers import BlacklistEntry, Company, RecallEntry
from .warnings import HomePage, ReferenceCounter, WarningIndexPage, WarningPage

__all__ = [
    "BlacklistEntry",
    "Company",
    "HomePage",
    "Notice",
    "ProductCategory",
    "RecallEntry",
    "ReferenceCounter",
    "WarningIndexPage",
    "WarningPage",
]
