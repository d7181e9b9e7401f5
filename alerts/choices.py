"""The fixed vocabularies of a warning: levels, kinds, hazards, measures."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """预警等级. I is the most serious. Always shown with its text."""

    I = 1, _("Level I · particularly serious (red)")  # noqa: E741
    II = 2, _("Level II · serious (orange)")
    III = 3, _("Level III · relatively serious (yellow)")
    IV = 4, _("Level IV · general (blue)")


LEVEL_NUMERALS = {1: "I", 2: "II", 3: "III", 4: "IV"}
LEVEL_COLOURS = {1: "red", 2: "orange", 3: "yellow", 4: "blue"}
LEVEL_NAMES_ZH = {1: "特别严重", 2: "严重", 3: "较重", 4: "一般"}
LEVEL_NAMES_EN = {
    1: "Particularly serious",
    2: "Serious",
    3: "Relatively serious",
    4: "General",
}
LEVEL_COLOUR_NAMES_ZH = {1: "红色", 2: "橙色", 3: "黄色", 4: "蓝色"}


class WarningKind(models.TextChoices):
    PORT_BULLETIN = "port_bulletin", _("Port bulletin (ports and inspection staff)")
    TRADE_ADVISORY = "trade_advisory", _("Trade advisory (producers and importers)")
    PUBLIC_ANNOUNCEMENT = "public_announcement", _("Public announcement")


PUBLIC_KINDS = (WarningKind.TRADE_ADVISORY, WarningKind.PUBLIC_ANNOUNCEMENT)


class Direction(models.TextChoices):
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")


class Hazard(models.TextChoices):
    HEALTH = "health", _("Health")
    PHYSICAL = "physical", _("Physical")
    CHEMICAL = "chemical", _("Chemical")
    BIOLOGICAL = "biological", _("Biological")
    ENVIRONMENTAL = "environmental", _("Environmental")
    COUNTERFEIT = "counterfeit", _("Counterfeit or fraud")


class Measure(models.TextChoices):
    """快速反应措施, the rapid-response measures."""

    CREDIT_DOWNGRADE = "credit_downgrade", _("Credit downgrade")
    TRACE_INVESTIGATION = "trace_investigation", _("Trace investigation")
    RECALL = "recall", _("Recall")
    TIGHTENED_INSPECTION = "tightened_inspection", _("Tightened inspection")
    RESTRICTION = "restriction", _("Import or export restriction")
    BAN = "ban", _("Import or export ban")
    SEAL_AND_SEIZURE = "seal_and_seizure", _("Seal and seizure")
    RETURN_SHIPMENT = "return_shipment", _("Return shipment")
    SALES_SUSPENSION = "sales_suspension", _("Sales suspension")
    DESTRUCTION = "destruction", _("Destruction")


class NoticeKind(models.TextChoices):
    PUBLICATION = "publication", _("Publication")
    ADJUSTMENT = "adjustment", _("Level change")
    LIFTING = "lifting", _("Lifting notice")


# Levels that go live only after an approver other than the author approves.
APPROVAL_LEVELS = (1, 2)

# CAP 1.2 <severity> for each level.
CAP_SEVERITY = {1: "Extreme", 2: "Severe", 3: "Moderate", 4: "Minor"}

# CAP 1.2 <category> values a hazard adds to the always-present "Safety".
CAP_CATEGORY_FOR_HAZARD = {
    "health": "Health",
    "chemical": "Health",
    "biological": "Health",
    "environmental": "Env",
}
