from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin
from wagtail.search import index

from ..choices import Hazard
from ..codes import validate_credit_code, validate_gtin


class CreditCodeField(models.CharField):
    """A unified social credit code, kept in upper case however it was typed:
    the check accepts lower case, and one company must not be stored twice."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 18)
        kwargs.setdefault("validators", [validate_credit_code])
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value or not value.strip():
            return None if self.null else ""
        return value.strip().upper()

    def pre_save(self, model_instance, add):
        value = self.to_python(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


class Company(models.Model):
    """A company named by warnings, recall entries or the blacklist."""

    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    credit_code = CreditCodeField(
        _("unified social credit code"), blank=True, null=True, unique=True
    )
    country = CountryField(_("country"), blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self):
        return self.name


class RecallEntry(
    DraftStateMixin, LockableMixin, RevisionMixin, index.Indexed, ClusterableModel
):
    """缺陷召回: a recall of a defective product, found by the public through
    search. Imported in bulk from official sources or written by staff."""

    class Remedy(models.TextChoices):
        REPAIR = "repair", _("Repair")
        REPLACE = "replace", _("Replace")
        REFUND = "refund", _("Refund")
        OTHER = "other", _("Other")

    class RecallType(models.TextChoices):
        VOLUNTARY = "voluntary", _("Voluntary")
        ORDERED = "ordered", _("Ordered")

    class Status(models.TextChoices):
        ONGOING = "ongoing", _("Ongoing")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn by the source")

    class DatePrecision(models.TextChoices):
        DAY = "day", _("Exact day")
        YEAR = "year", _("Year only")

    source = models.CharField(_("source"), max_length=32, default="herald")
    source_id = models.CharField(_("identifier at the source"), max_length=128)
    source_alias = models.CharField(
        _("other identifier at the source"),
        max_length=128,
        blank=True,
        db_index=True,
        help_text=_(
            "How an export that lacks the identifier above names the same "
            "recall, so that importing it updates this entry."
        ),
    )
    source_url = models.URLField(_("source link"), max_length=500, blank=True)
    product = models.CharField(_("product"), max_length=500)
    brand = models.CharField(_("brand"), max_length=255, blank=True)
    model = models.CharField(_("model"), max_length=500, blank=True)
    batch = models.CharField(_("batch"), max_length=500, blank=True)
    barcode = models.CharField(
        _("barcode (GTIN)"), max_length=32, blank=True, validators=[validate_gtin]
    )
    other_barcodes = models.TextField(
        _("other barcodes"),
        blank=True,
        help_text=_("Further GTINs of the same recall, one per line."),
    )
    category = models.ForeignKey(
        "alerts.ProductCategory",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recalls",
    )
    origin = CountryField(_("country of origin"), blank=True)
    companies = models.ManyToManyField(
        Company,
        verbose_name=_("companies"),
        blank=True,
        related_name="recalls",
        through="alerts.RecallCompany",
    )
    company_text = models.TextField(_("companies as published"), blank=True)
    defect = models.TextField(_("defect"), blank=True)
    hazard = models.CharField(
        _("hazard"), max_length=16, choices=Hazard.choices, blank=True
    )
    hazard_text = models.TextField(_("hazard as published"), blank=True)
    remedy = models.CharField(
        _("remedy"), max_length=16, choices=Remedy.choices, blank=True
    )
    remedy_text = models.TextField(_("remedy as published"), blank=True)
    units = models.PositiveIntegerField(_("units affected"), null=True, blank=True)
    recall_type = models.CharField(
        _("voluntary or ordered"),
        max_length=16,
        choices=RecallType.choices,
        default=RecallType.VOLUNTARY,
    )
    recall_date = models.DateField(_("recall date"), null=True, blank=True)
    recall_date_precision = models.CharField(
        _("precision of the recall date"),
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text=_(
            "Year only: the source gives no day, and the date is the 1st of "
            "January of the year it names."
        ),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ONGOING
    )
    language = models.CharField(_("language of the text"), max_length=8, default="en")
    warnings = models.ManyToManyField(
        "alerts.WarningPage",
        verbose_name=_("related warnings"),
        blank=True,
        related_name="recalls",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("product"),
                FieldRowPanel([FieldPanel("brand"), FieldPanel("model")]),
                FieldPanel("batch"),
                FieldRowPanel([FieldPanel("barcode"), FieldPanel("other_barcodes")]),
                FieldRowPanel([FieldPanel("category"), FieldPanel("origin")]),
            ],
            heading=_("Product"),
        ),
        InlinePanel("company_roles", heading=_("Companies"), label=_("Company")),
        FieldPanel("company_text"),
        MultiFieldPanel(
            [
                FieldPanel("defect"),
                FieldRowPanel([FieldPanel("hazard"), FieldPanel("hazard_text")]),
                FieldRowPanel([FieldPanel("remedy"), FieldPanel("remedy_text")]),
                FieldPanel("units"),
            ],
            heading=_("Defect and remedy"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("recall_date"), FieldPanel("recall_date_precision")]
                ),
                FieldRowPanel([FieldPanel("recall_type"), FieldPanel("status")]),
                FieldPanel("language"),
                FieldPanel("warnings"),
            ],
            heading=_("Recall"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("source"), FieldPanel("source_id")]),
                FieldPanel("source_alias"),
                FieldPanel("source_url"),
            ],
            heading=_("Source"),
        ),
    ]

    # Wagtail's own index serves the admin's search box; the public searches
    # through `search/`.
    search_fields = [
        index.SearchField("product", boost=4),
        index.SearchField("brand", boost=2),
        index.SearchField("model"),
        index.SearchField("company_text"),
        index.SearchField("defect"),
        index.SearchField("hazard_text"),
        index.SearchField("barcode"),
        index.SearchField("source_id"),
        index.AutocompleteField("product"),
        index.FilterField("live"),
        index.FilterField("category_id"),
        index.FilterField("status"),
        index.FilterField("recall_date"),
    ]

    class Meta:
        ordering = ["-recall_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], name="recall_unique_source_id"
            )
        ]
        verbose_name = _("recall entry")
        verbose_name_plural = _("recall entries")

    def __str__(self):
        return self.product

    def clean(self):
        super().clean()
        errors = {}
        for line in self.other_barcodes.split():
            try:
                validate_gtin(line)
            except ValidationError as error:
                errors.setdefault("other_barcodes", []).extend(error.messages)
        if errors:
            raise ValidationError(errors)

    @property
    def barcodes(self):
        return [c for c in [self.barcode, *self.other_barcodes.split()] if c]

    @property
    def date_is_year_only(self):
        return self.recall_date_precision == self.DatePrecision.YEAR


class RecallCompany(models.Model):
    """A company a recall names, and the part it plays in it."""

    class Role(models.TextChoices):
        MANUFACTURER = "manufacturer", _("Manufacturer")
        IMPORTER = "importer", _("Importer")
        DISTRIBUTOR = "distributor", _("Distributor")
        RETAILER = "retailer", _("Retailer")
        OTHER = "other", _("Other")

    recall = ParentalKey(
        RecallEntry, on_delete=models.CASCADE, related_name="company_roles"
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="recall_roles",
    )
    # "Other" where the source names a company without saying what it did
    # (a recalling firm, an exporter).
    role = models.CharField(
        _("role"), max_length=16, choices=Role.choices, default=Role.OTHER
    )

    panels = [FieldPanel("company"), FieldPanel("role")]

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recall", "company", "role"], name="recall_company_role_once"
            )
        ]
        verbose_name = _("company of a recall")
        verbose_name_plural = _("companies of recalls")

    def __str__(self):
        return f"{self.company} ({self.get_role_display()})"


class BlacklistQuerySet(models.QuerySet):
    def listed(self, on=None):
        """Live entries on the public list on a day (today, in the site's
        zone, unless told): a removal dated later has not happened yet."""
        on = on or timezone.localdate()
        return self.filter(live=True).filter(
            Q(removed_on__isnull=True) | Q(removed_on__gt=on)
        )

    def due_for_removal(self, on=None):
        """Entries whose listing period has run out but which nobody has
        removed: staff decide, nothing removes them by itself."""
        on = on or timezone.localdate()
        return self.filter(removal_due_on__lte=on, removed_on__isnull=True)


class BlacklistEntry(
    DraftStateMixin, LockableMixin, RevisionMixin, index.Indexed, models.Model
):
    """黑名单: a company listed for a serious quality-safety violation.

    A removed entry leaves the public list and search but stays here."""

    class RemovalReason(models.TextChoices):
        EXPIRY = "expiry", _("Listing period expired")
        CREDIT_REPAIR = "credit_repair", _("Credit repaired")
        COURT_DECISION = "court_decision", _("Court decision")

    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="blacklist_entries",
    )
    company_name = models.CharField(_("company name as listed"), max_length=255)
    credit_code = CreditCodeField(_("unified social credit code"))
    region = models.CharField(_("region"), max_length=100, blank=True)
    violation = models.TextField(_("violation"))
    legal_basis = models.TextField(_("legal basis"), blank=True)
    decision_number = models.CharField(
        _("decision number"), max_length=100, unique=True
    )
    penalty = models.TextField(_("penalty"), blank=True)
    listed_on = models.DateField(_("listed on"))
    removal_due_on = models.DateField(_("due for removal on"), null=True, blank=True)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removal_reason = models.CharField(
        _("reason for removal"),
        max_length=16,
        choices=RemovalReason.choices,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BlacklistQuerySet.as_manager()

    search_fields = [
        index.SearchField("company_name", boost=4),
        index.SearchField("credit_code"),
        index.SearchField("decision_number"),
        index.SearchField("region"),
        index.SearchField("violation"),
        index.AutocompleteField("company_name"),
        index.FilterField("live"),
        index.FilterField("removed_on"),
        index.FilterField("listed_on"),
    ]

    class Meta:
        ordering = ["-listed_on", "-id"]
        verbose_name = _("blacklist entry")
        verbose_name_plural = _("blacklist entries")

    def __str__(self):
        return f"{self.company_name} ({self.decision_number})"

    def clean(self):
        super().clean()
        if self.removed_on and not self.removal_reason:
            raise ValidationError(
                {"removal_reason": _("Say why the entry was removed.")}
            )
        if self.removal_reason and not self.removed_on:
            raise ValidationError(
                {"removed_on": _("Give the date the entry was removed.")}
            )
        if self.removed_on and self.listed_on and self.removed_on < self.listed_on:
            raise ValidationError(
                {"removed_on": _("An entry cannot be removed before it was listed.")}
            )

    @property
    def is_listed(self):
        return self.live and not self.is_removed()

    def is_removed(self, on=None):
        """Removed by `on` (today unless told): a removal dated in the future
        leaves the entry listed until that day."""
        on = on or timezone.localdate()
        return self.removed_on is not None and self.removed_on <= on

    @property
    def is_due_for_removal(self):
        return (
            self.removed_on is None
            and self.removal_due_on is not None
            and self.removal_due_on <= timezone.localdate()
        )
