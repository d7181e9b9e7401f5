"""Forms of the public subscription pages: what a person may choose, and
the addresses they give, checked and normalised."""

from datetime import time

import phonenumbers
from django import forms
from django.conf import settings
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from alerts.choices import Level
from alerts.models import ProductCategory

from .models import Audience, Frequency

LEVEL_THRESHOLDS = [
    (Level.IV, _("All levels (I–IV)")),
    (Level.II, _("Only levels I and II")),
    (Level.I, _("Only level I")),
]
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Audiences a person may choose for themselves. Port bulletins go only to the
# recipient lists staff keep, never to a self-subscriber.
SELF_AUDIENCES = [
    (Audience.PUBLIC, _("Consumer")),
    (Audience.BUSINESS, _("Producer or importer")),
]
DIGEST_TIMES = [(f"{hour:02d}:00", f"{hour:02d}:00") for hour in range(24)]
# The largest id a 64-bit integer column holds (SQLite, PostgreSQL bigint).
LARGEST_ID = 2**63 - 1


def normalise_phone(value, region="CN"):
    """The number in E.164, or a ValidationError that says what is wrong."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise forms.ValidationError(
            _("Enter a mobile number, such as 13812345678 or +44 7911 123456.")
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(
            _(
                "This is not a valid phone number: check the digits, and start "
                "a number outside China with + and its country code."
            )
        )
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise forms.ValidationError(
            _("This number cannot receive text messages: enter a mobile number.")
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value):
    """The address with its domain in lower case (the part before @ may be
    case-sensitive, so it is kept as typed)."""
    value = value.strip()
    validate_email(value)
    local, _at, domain = value.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise forms.ValidationError(_("Enter a valid email address.")) from None
    return f"{local}@{domain.lower()}"


def optional_email(value):
    """A typed email address normalised, None when left empty, or a
    ValidationError that shows what an address looks like."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return normalise_email(value)
    except forms.ValidationError:
        raise forms.ValidationError(
            _("Enter an email address such as name@example.com.")
        ) from None


def optional_phone(value):
    """A typed mobile number in E.164, None when left empty."""
    value = (value or "").strip()
    return normalise_phone(value) if value else None


class CategoryTreeField(forms.ModelMultipleChoiceField):
    """Product categories, shown as a tree. A chosen parent covers all its
    children, present and future, so a child chosen with its parent is
    dropped: storing the parent is enough."""

    widget = forms.CheckboxSelectMultiple

    def _check_values(self, value):
        # Django lets the driver's OverflowError through for an id no column
        # can hold; such a value is as invalid as one that is no number.
        for pk in value:
            try:
                too_large = abs(int(pk)) > LARGEST_ID
            except (ValueError, TypeError):
                continue
            if too_large:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)

    def clean(self, value):
        chosen = super().clean(value)
        paths = [category.path for category in chosen]
        return [
            category
            for category in chosen
            if not any(
                category.path != path and category.path.startswith(path)
                for path in paths
            )
        ]


def category_tree(field, chosen=()):
    """[(parent, checked, [(child, checked), ...]), ...] for the template."""
    chosen = {str(value) for value in chosen or ()}
    categories = list(field.queryset.order_by("path"))
    children = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    tree = []
    for parent in children.get(None, []):
        parent_checked = str(parent.pk) in chosen
        tree.append(
            (
                parent,
                parent_checked,
                [
                    (child, parent_checked or str(child.pk) in chosen)
                    for child in children.get(parent.pk, [])
                ],
            )
        )
    return tree


class PreferencesForm(forms.Form):
    """What a subscriber chooses, on the subscribe and the manage pages."""

    categories = CategoryTreeField(
        label=_("Product categories"),
        queryset=ProductCategory.objects.all(),
        help_text=_("Choosing a category covers everything under it."),
        error_messages={"required": _("Choose at least one product category.")},
    )
    max_level = forms.TypedChoiceField(
        label=_("Levels"),
        choices=LEVEL_THRESHOLDS,
        coerce=int,
        initial=Level.IV,
        widget=forms.RadioSelect,
        help_text=_("Level I is the most serious."),
    )
    audience = forms.ChoiceField(
        label=_("I am a"),
        choices=SELF_AUDIENCES,
        initial=Audience.PUBLIC,
        widget=forms.RadioSelect,
    )
    wants_public_announcements = forms.BooleanField(
        label=_("Public announcements (advice and mandatory measures)"),
        required=False,
        initial=True,
    )
    wants_trade_advisories = forms.BooleanField(
        label=_("Trade advisories for producers and importers"), required=False
    )
    origins = forms.MultipleChoiceField(
        label=_("Countries of origin (optional)"),
        choices=lambda: list(countries),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Leave empty to hear of goods from every country."),
    )
    language = forms.ChoiceField(label=_("Language of messages"), choices=LANGUAGES)
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=[
            (Frequency.IMMEDIATE, _("Immediately")),
            (Frequency.DAILY, _("A daily digest")),
        ],
        initial=Frequency.IMMEDIATE,
        widget=forms.RadioSelect,
        help_text=_("Level I and II warnings are always sent at once."),
    )
    digest_time = forms.ChoiceField(
        label=_("Digest time (Beijing time)"), choices=DIGEST_TIMES, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["digest_time"].initial = settings.HERALD_DIGEST_TIME

    def category_tree(self):
        if self.is_bound:
            chosen = self.data.getlist(self.add_prefix("categories"))
        else:
            chosen = [
                getattr(value, "pk", value)
                for value in self.initial.get("categories", [])
            ]
        return category_tree(self.fields["categories"], chosen)

    def clean_digest_time(self):
        value = self.cleaned_data.get("digest_time") or settings.HERALD_DIGEST_TIME
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("audience") != Audience.BUSINESS:
            cleaned["wants_trade_advisories"] = False
            cleaned["wants_public_announcements"] = True
        elif not (
            cleaned.get("wants_public_announcements")
            or cleaned.get("wants_trade_advisories")
        ):
            self.add_error(
                "wants_trade_advisories",
                _("Choose public announcements, trade advisories or both."),
            )
        return cleaned


class SubscribeForm(PreferencesForm):
    field_order = ["email", "phone"]

    email = forms.CharField(
        label=_("Email address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("A number outside China starts with + and its country code."),
    )

    def clean_email(self):
        return optional_email(self.cleaned_data["email"])

    def clean_phone(self):
        return optional_phone(self.cleaned_data["phone"])

    def clean(self):
        cleaned = super().clean()
        has_address_errors = "email" in self.errors or "phone" in self.errors
        if (
            not has_address_errors
            and not cleaned.get("email")
            and not cleaned.get("phone")
        ):
            raise forms.ValidationError(
                _("Give an email address, a mobile number, or both.")
            )
        return cleaned


class ManageForm(PreferencesForm):
    """The manage page: preferences, each channel on or off, and a new
    address for a channel (confirmed before anything is sent to it)."""

    field_order = ["email_active", "sms_active", "new_email", "new_phone"]

    email_active = forms.BooleanField(label=_("Send me emails"), required=False)
    sms_active = forms.BooleanField(label=_("Send me text messages"), required=False)
    new_email = forms.CharField(
        label=_("New email address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    new_phone = forms.CharField(
        label=_("New mobile number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args, subscriber=None, **kwargs):
        super().__init__(*args, **kwargs)
        if subscriber is not None and subscriber.audience == Audience.PORT:
            # Staff made this a port contact; the person keeps that audience.
            self.fields["audience"].choices = [
                *SELF_AUDIENCES,
                (Audience.PORT, _("Port or inspection staff")),
            ]

    def clean_new_email(self):
        return optional_email(self.cleaned_data["new_email"])

    def clean_new_phone(self):
        return optional_phone(self.cleaned_data["new_phone"])


class ConfirmCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("6-digit code"),
        regex=r"^\d{6}$",
        strip=True,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}
        ),
        error_messages={
            "invalid": _("Enter the 6 digits from the text message."),
            "required": _("Enter the 6 digits from the text message."),
        },
    )
