"""Warnings, the notices issued about them, categories and the registers."""

from ..workflows import AnotherApproverTask  # noqa: E402  (a model of this app)
from .categories import ProductCategory
from .notices import Notice
from .registers import BlacklistEntry, Company, RecallCompany, RecallEntry
from .warnings import HomePage, ReferenceCounter, WarningIndexPage, WarningPage

__all__ = [
    "AnotherApproverTask",
    "BlacklistEntry",
    "Company",
    "HomePage",
    "Notice",
    "ProductCategory",
    "RecallCompany",
    "RecallEntry",
    "ReferenceCounter",
    "WarningIndexPage",
    "WarningPage",
]
