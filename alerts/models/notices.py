from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import Level, NoticeKind


class NoticeQuerySet(models.QuerySet):
    def public(self):
        from ..choices import PUBLIC_KINDS

        return self.filter(warning__kind__in=PUBLIC_KINDS, warning__live=True)

    def pending_dispatch(self):
        return self.filter(dispatch_status=Notice.DispatchStatus.PENDING)


class Notice(models.Model):
    """One issued message about a warning: its publication, a level change
    or its lifting. What is delivered to subscribers, fed and sent as CAP.

    A notice is written in the same transaction as the page it records (the
    transactional outbox) and dispatched to subscribers after commit; a
    sweeper dispatches any left pending.
    """

    class DispatchStatus(models.TextChoices):
        PENDING = "pending", _("Waiting to be matched")
        MATCHED = "matched", _("Deliveries written")

    warning = models.ForeignKey(
        "alerts.WarningPage",
        verbose_name=_("warning"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    sequence = models.PositiveIntegerField(_("number within the warning"))
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    previous_level = models.PositiveSmallIntegerField(
        _("previous level"), choices=Level.choices, null=True, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=255)
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    summary_zh = models.TextField(_("summary (Chinese)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    sms_text = models.CharField(_("SMS text"), max_length=640, blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dispatch_status = models.CharField(
        max_length=16, choices=DispatchStatus.choices, default=DispatchStatus.PENDING
    )
    matched_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["warning", "sequence"], name="notice_unique_sequence"
            )
        ]
        indexes = [models.Index(fields=["dispatch_status", "issued_at"])]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self):
        return f"{self.warning.reference} #{self.sequence} {self.get_kind_display()}"

    @property
    def cap_identifier(self):
        """Stable, never reused: the warning's reference and this number."""
        return f"herald-{self.warning.reference}-{self.sequence}"
