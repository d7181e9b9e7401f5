from django.db import models, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    MultiFieldPanel,
    PublishingPanel,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Page
from wagtail.search import index

from ..choices import Direction, Hazard, Level, Measure, WarningKind
from ..forms import WarningPageForm
from ..sms_notice import short_path

NOTICE_RULES_HELP = _(
    "Which saves tell subscribers: publishing the warning for the first time, "
    "publishing it again after it was unpublished, publishing a change of its "
    "level, and publishing a lifting time. Every other publish (wording, scope, "
    "advice, attachments, SMS text) updates the public pages, feeds and search "
    "but sends nothing again. A draft save or a publish scheduled for later "
    "sends nothing until it goes live."
)


NO_EXPIRY_HELP = _(
    "Warnings do not expire: a warning ends when it is lifted, and everyone "
    "told of it is told it ended. To lift one later, fill in the lifting time "
    "and reason and schedule this publish: the lifting takes effect when it "
    "goes live."
)


class GoLivePanel(PublishingPanel):
    """Wagtail's publishing schedule without its expiry time: an expired
    warning would vanish from the site with nobody told it ended."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.children = [
            child
            for child in self.children
            if getattr(child, "field_name", None) != "expire_at"
        ]
        if not any(isinstance(child, HelpPanel) for child in self.children):
            self.children.append(HelpPanel(content=NO_EXPIRY_HELP))


class HomePage(Page):
    """The site's front page: active warnings by level, search and subscribe."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["alerts.WarningIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_context(self, request, *args, **kwargs):
        from ..queries import active_warnings_by_level

        context = super().get_context(request, *args, **kwargs)
        context["groups"] = active_warnings_by_level()
        return context


class WarningIndexPage(Page):
    """The `/warnings/` listing; every warning is published beneath it."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["alerts.HomePage"]
    subpage_types = ["alerts.WarningPage"]
    max_count = 1

    class Meta:
        verbose_name = _("warning index page")
        verbose_name_plural = _("warning index pages")

    def get_context(self, request, *args, **kwargs):
        from django.core.paginator import Paginator

        from ..queries import WARNING_FILTERS, filter_warnings, public_warnings
        from .categories import ProductCategory

        context = super().get_context(request, *args, **kwargs)
        public = public_warnings()
        warnings, date_errors = _filter_by_start_date(
            filter_warnings(public, request.GET), request.GET
        )
        context["warnings_page"] = Paginator(
            warnings.order_by("-start_time", "-id"), 20
        ).get_page(request.GET.get("page"))
        context["filters"] = {
            k: request.GET.get(k, "")
            for k in (*WARNING_FILTERS, "date_from", "date_to")
        }
        context["date_errors"] = date_errors
        context["levels"] = Level.choices
        context["kinds"] = [
            (value, label)
            for value, label in WarningKind.choices
            if value != WarningKind.PORT_BULLETIN
        ]
        context["category_choices"] = ProductCategory.objects.order_by("path")
        context["origin_choices"] = _origins_in_use(public)
        return context


def _filter_by_start_date(warnings, params):
    """Keep warnings whose start time falls in `date_from`..`date_to`
    (YYYY-MM-DD, both inclusive). A malformed date is reported, not applied."""
    from datetime import date

    errors = []
    for key, lookup in (("date_from", "gte"), ("date_to", "lte")):
        value = (params.get(key) or "").strip()
        if not value:
            continue
        try:
            day = date.fromisoformat(value)
        except ValueError:
            errors.append(key)
            continue
        warnings = warnings.filter(**{f"start_time__date__{lookup}": day})
    return warnings, errors


def _origins_in_use(warnings):
    """The countries of origin named by public warnings, sorted by name."""
    from django_countries import countries

    codes = set()
    for origins in warnings.values_list("origins", flat=True):
        if isinstance(origins, str):
            origins = origins.split(",")
        codes.update(str(code) for code in origins or () if code)
    return sorted(
        ((code, countries.name(code)) for code in codes), key=lambda item: item[1]
    )


class ReferenceCounter(models.Model):
    """The last reference number issued in a year (`2026-0042`)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"

    @classmethod
    def next_reference(cls, year):
        with transaction.atomic():
            counter, _created = cls.objects.select_for_update().get_or_create(year=year)
            counter.last += 1
            counter.save(update_fields=["last"])
        return f"{year}-{counter.last:04d}"


def body_blocks():
    return [
        ("paragraph", blocks.RichTextBlock(label=_("Paragraph"))),
        ("image", ImageChooserBlock(label=_("Image"))),
        ("document", DocumentChooserBlock(label=_("Attachment"))),
    ]


class WarningPage(RoutablePageMixin, Page):
    """风险预警: a graded warning about imported or exported goods.

    Communications staff write it in Chinese and English; publishing it, a
    later change of its level, and its lifting each issue a `Notice` that is
    delivered to subscribers, fed to media and sent as CAP.
    """

    reference = models.CharField(
        _("reference number"), max_length=16, unique=True, blank=True, editable=False
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=32, choices=WarningKind.choices)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default="import"
    )
    hazards = models.JSONField(_("hazards"), default=list, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    summary_zh = models.TextField(_("summary (Chinese)"))
    summary_en = models.TextField(_("summary (English)"), blank=True)
    categories = ParentalManyToManyField(
        "alerts.ProductCategory", verbose_name=_("product categories"), blank=False
    )
    origins = CountryField(_("countries of origin"), multiple=True, blank=True)
    ports = models.TextField(_("ports"), blank=True, help_text=_("One per line."))
    hs_codes = models.CharField(
        _("HS codes"),
        max_length=255,
        blank=True,
        help_text=_("4 to 10 digits each, separated by commas or spaces."),
    )
    companies = ParentalManyToManyField(
        "alerts.Company", verbose_name=_("companies"), blank=True
    )
    brands = models.TextField(_("brands"), blank=True, help_text=_("One per line."))
    models_and_batches = models.TextField(
        _("models and batches"), blank=True, help_text=_("One per line.")
    )
    measures = models.JSONField(_("measures"), default=list, blank=True)
    advice_zh = models.TextField(_("advice to the reader (Chinese)"), blank=True)
    advice_en = models.TextField(_("advice to the reader (English)"), blank=True)
    start_time = models.DateTimeField(_("start time"), default=timezone.now)
    review_date = models.DateTimeField(_("review date"), null=True, blank=True)
    body = StreamField(body_blocks(), verbose_name=_("body (Chinese)"), blank=True)
    body_en = StreamField(body_blocks(), verbose_name=_("body (English)"), blank=True)
    sms_text = models.CharField(
        _("SMS text"),
        max_length=640,
        blank=True,
        help_text=_("Sent to SMS subscribers; the signature is added in front."),
    )
    change_reason = models.TextField(
        _("reason for the level change"),
        blank=True,
        help_text=_("Required when the level of a published warning changes."),
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifting_reason = models.TextField(_("reason for lifting"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("title_en"),
        FieldRowPanel(
            [FieldPanel("level"), FieldPanel("kind"), FieldPanel("direction")]
        ),
        FieldPanel("start_time"),
        FieldPanel("review_date"),
        FieldPanel("summary_zh"),
        FieldPanel("summary_en"),
        MultiFieldPanel(
            [
                FieldPanel("categories"),
                FieldPanel("origins"),
                FieldPanel("ports"),
                FieldPanel("hs_codes"),
                FieldPanel("companies"),
                FieldPanel("brands"),
                FieldPanel("models_and_batches"),
            ],
            heading=_("Scope"),
        ),
        FieldPanel("hazards"),
        FieldPanel("measures"),
        FieldPanel("advice_zh"),
        FieldPanel("advice_en"),
        FieldPanel("body"),
        FieldPanel("body_en"),
        FieldPanel("sms_text"),
        MultiFieldPanel(
            [
                HelpPanel(content=NOTICE_RULES_HELP),
                HelpPanel(content=NO_EXPIRY_HELP),
                FieldPanel("change_reason"),
                FieldPanel("lifted_at"),
                FieldPanel("lifting_reason"),
            ],
            heading=_("Level change and lifting"),
        ),
    ]
    settings_panels = [GoLivePanel(), *Page.settings_panels[1:]]

    search_fields = Page.search_fields + [
        index.SearchField("title_en"),
        index.SearchField("summary_zh"),
        index.SearchField("summary_en"),
        index.FilterField("level"),
        index.FilterField("kind"),
    ]

    parent_page_types = ["alerts.WarningIndexPage"]
    subpage_types = []

    base_form_class = WarningPageForm
    # A copy is a new warning: its own reference number, not yet changed or
    # lifted.
    exclude_fields_in_copy = [
        "reference",
        "change_reason",
        "lifted_at",
        "lifting_reason",
    ]

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")

    # The admin asks for a reason before unpublishing a warning (wagtail_hooks).
    unpublish_reason_required = True

    @property
    def is_public(self):
        return self.kind != WarningKind.PORT_BULLETIN

    @property
    def is_lifted(self):
        return self.lifted_at is not None

    def public_path(self):
        """The warning's address on the public site, fixed by design; a
        Chinese slug is percent-encoded, so the address is a valid URI."""
        return iri_to_uri(f"/warnings/{self.slug}/")

    def short_path(self):
        """A short ASCII address that redirects to the warning, for SMS."""
        return short_path(self.reference)

    def hazard_labels(self):
        return [Hazard(h).label for h in self.hazards or [] if h in Hazard.values]

    def measure_labels(self):
        return [Measure(m).label for m in self.measures or [] if m in Measure.values]

    def lines_of(self, field_name):
        return [
            line.strip()
            for line in getattr(self, field_name).splitlines()
            if line.strip()
        ]

    def port_list(self):
        return self.lines_of("ports")

    def brand_list(self):
        return self.lines_of("brands")

    def model_and_batch_list(self):
        return self.lines_of("models_and_batches")

    def notice_path(self, sequence):
        return f"{self.public_path()}notices/{sequence}/"

    def public_notices(self):
        return self.notices.order_by("sequence")

    def _public_or_404(self, request):
        # Port bulletins are for ports and inspection staff only; editors
        # still preview them in the admin.
        if not self.is_public and not getattr(request, "is_preview", False):
            raise Http404("Port bulletins are not published on the public site.")

    def serve(self, request, *args, **kwargs):
        self._public_or_404(request)
        return super().serve(request, *args, **kwargs)

    @path("notices/<int:sequence>/", name="notice")
    def notice_view(self, request, sequence):
        notice = get_object_or_404(self.notices, sequence=sequence)
        return self.render(
            request,
            template="alerts/notice_page.html",
            context_overrides={"notice": notice},
        )

    # The CAP addresses end in ".xml", which Wagtail's page URLs cannot
    # carry; `alerts.urls` routes them here.
    def cap_latest_view(self, request):
        notice = self.notices.order_by("-sequence").first()
        if notice is None:
            raise Http404("This warning has issued no notice yet.")
        return _cap_response(notice)

    def cap_notice_view(self, request, sequence):
        return _cap_response(get_object_or_404(self.notices, sequence=sequence))

    def save(self, *args, **kwargs):
        if not self.reference:
            # The year of the local calendar: a warning starting just after
            # midnight on 1 January is numbered in the new year.
            year = timezone.localtime(self.start_time or timezone.now()).year
            self.reference = ReferenceCounter.next_reference(year)
        super().save(*args, **kwargs)


def _cap_response(notice):
    from ..cap import render_alert

    response = HttpResponse(
        render_alert(notice), content_type="application/cap+xml; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{notice.cap_identifier}.xml"'
    return response
