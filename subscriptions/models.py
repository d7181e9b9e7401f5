import secrets

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from alerts.choices import Level


def new_key():
    return secrets.token_urlsafe(24)


class Audience(models.TextChoices):
    PUBLIC = "public", _("Consumer")
    BUSINESS = "business", _("Producer or importer")
    PORT = "port", _("Port or inspection staff")


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DAILY = "daily", _("Daily digest")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class SubscriberQuerySet(models.QuerySet):
    def with_email(self, email):
        """Whoever holds this address in any case. The part before @ is kept
        as typed, but mail servers treat it alike, so one mailbox is one
        subscriber (the unique constraint below says the same)."""
        return self.alias(email_folded=Lower("email")).filter(
            email_folded=Lower(models.Value(email))
        )


class Subscriber(models.Model):
    """A person or organisation told of notices by email, SMS or both.

    No account: the subscriber manages everything through a signed link.
    A channel receives notices only once confirmed (double opt-in)."""

    email = models.EmailField(_("email address"), null=True, blank=True)
    phone = models.CharField(
        _("mobile number (E.164)"), max_length=20, null=True, blank=True, unique=True
    )
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    phone_confirmed_at = models.DateTimeField(null=True, blank=True)
    email_active = models.BooleanField(_("email on"), default=True)
    sms_active = models.BooleanField(_("SMS on"), default=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
    )
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default="public"
    )
    categories = models.ManyToManyField(
        "alerts.ProductCategory",
        verbose_name=_("product categories"),
        related_name="subscribers",
    )
    max_level = models.PositiveSmallIntegerField(
        _("least serious level wanted"),
        choices=Level.choices,
        default=Level.IV,
        help_text=_("IV: every level; II: levels I and II; I: level I only."),
    )
    wants_public_announcements = models.BooleanField(default=True)
    wants_trade_advisories = models.BooleanField(default=False)
    origins = CountryField(_("countries of origin"), multiple=True, blank=True)
    frequency = models.CharField(
        _("frequency"), max_length=16, choices=Frequency.choices, default="immediate"
    )
    digest_time = models.TimeField(_("digest time (local)"), null=True, blank=True)
    manage_key = models.CharField(max_length=64, default=new_key, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    left_at = models.DateTimeField(
        _("left at"),
        null=True,
        blank=True,
        help_text=_("Set when the subscriber leaves everything; erased 30 days on."),
    )
    erased_at = models.DateTimeField(
        _("personal data erased at"),
        null=True,
        blank=True,
        help_text=_("Addresses and choices removed; delivery counts are kept."),
    )

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email__isnull=False)
                | models.Q(phone__isnull=False)
                | models.Q(erased_at__isnull=False),
                name="subscriber_has_address_unless_erased",
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="subscriber_email_unique_any_case",
                violation_error_message=_("Another subscriber has this email address."),
            ),
        ]

    def __str__(self):
        return f"Subscriber {self.pk}"


class PhoneVerification(models.Model):
    """A 6-digit code sent by SMS to confirm a number: 10 minutes, 5 tries."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="verifications"
    )
    code_hash = models.CharField(max_length=128)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Code for subscriber {self.subscriber_id}"


class RecipientList(models.Model):
    """A named list of port and inspection contacts kept by staff. Port
    bulletins go only to the members of these lists."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        Subscriber, verbose_name=_("members"), blank=True, related_name="lists"
    )

    class Meta:
        verbose_name = _("port recipient list")
        verbose_name_plural = _("port recipient lists")

    def __str__(self):
        return self.name


class SmsOptOut(models.Model):
    """A number that texted STOP (or 退订) to one of our senders."""

    phone = models.CharField(max_length=20)
    sender = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["phone", "sender"], name="optout_unique")
        ]

    def __str__(self):
        return f"Opt-out {self.pk} from {self.sender}"


class Suppression(models.Model):
    """An address no message may go to: bounced, complained, or blocked."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(max_length=254)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address"], name="suppression_unique"
            )
        ]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppression list")

    def __str__(self):
        return f"{self.get_channel_display()} {self.pk}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    UNDELIVERABLE = "undeliverable", _("Undeliverable")
    SUPPRESSED = "suppressed", _("Suppressed")


# The order a delivery's status may move in; it never moves back.
STATUS_RANK = {
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.FAILED: 2,
    DeliveryStatus.UNDELIVERABLE: 2,
    DeliveryStatus.SUPPRESSED: 2,
}
TERMINAL_STATUSES = (
    DeliveryStatus.DELIVERED,
    DeliveryStatus.FAILED,
    DeliveryStatus.UNDELIVERABLE,
    DeliveryStatus.SUPPRESSED,
)


class Delivery(models.Model):
    """One message of one notice to one subscriber on one channel."""

    # A notice's deliveries are found through the unique key, which starts
    # with the notice: a second index on it would only slow the writes.
    notice = models.ForeignKey(
        "alerts.Notice",
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
    )
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default="queued"
    )
    digest = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Indexed only once set (see Meta): a fan-out writes every row without it.
    provider_id = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    # When a send task was last queued for this delivery; the sweeper queues
    # again any delivery whose task was lost.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # Set by the one attempt that hands the message to the provider (an
    # atomic claim), so two workers never both send it.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When the message was handed to the provider. Set just before the hand
    # over (a worker that dies after it may have sent the message) and
    # cleared when the provider refuses the message outright: a delivery
    # that never reached the provider was never sent.
    sent_at = models.DateTimeField(null=True, blank=True)
    # A digest delivery that failed for a reason a retry can mend is tried
    # again no earlier than this (the back-off of `failures.retry_countdown`).
    retry_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "subscriber", "channel"], name="delivery_unique"
            )
        ]
        indexes = [
            models.Index(fields=["notice", "status"]),
            models.Index(
                fields=["enqueued_at"],
                condition=models.Q(status="queued"),
                name="delivery_queued_enqueued",
            ),
            # The indexes below hold only the rows that have the value, so a
            # fan-out writing its queued rows does not touch them.
            models.Index(
                fields=["notice", "sent_at"],
                condition=models.Q(sent_at__isnull=False),
                name="delivery_notice_sent",
            ),
            models.Index(
                fields=["provider_id"],
                condition=~models.Q(provider_id=""),
                name="delivery_provider_id",
            ),
        ]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self):
        return f"Delivery {self.pk} ({self.channel}, {self.status})"


class PendingStatusCallback(models.Model):
    """A Twilio status callback for a message id no delivery holds yet.
    Twilio may call back before the worker that sent the message has stored
    its id, and it does not call again; the sweeper applies the status once
    the id is stored."""

    provider_id = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices)
    error_code = models.CharField(max_length=32, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Pending status {self.status} ({self.pk})"


class OutboxMessage(models.Model):
    """A message kept instead of sent, when no SMTP server or Twilio account
    is configured, so staff can read what would have gone out."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=500, blank=True)
    body = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")

    def __str__(self):
        return f"{self.get_channel_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def excerpt(self, length=80):
        """The start of the text, for the outbox list."""
        text = " ".join(self.body.split())
        return text if len(text) <= length else text[: length - 1] + "…"


class UrgentNoticeAlarm(models.Model):
    """Raised by the scheduled check when a level I or II notice has matching
    subscribers but no message went out within five minutes; shown to staff
    on the admin dashboard until the notice's messages go out."""

    notice = models.OneToOneField(
        "alerts.Notice", on_delete=models.CASCADE, related_name="urgent_alarm"
    )
    matching = models.PositiveIntegerField(_("matching subscribers"), default=0)
    raised_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("unsent urgent notice")
        verbose_name_plural = _("unsent urgent notices")

    def __str__(self):
        return f"Alarm for notice {self.notice_id}"
