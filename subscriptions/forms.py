import phonenumbers
from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from alerts.choices import Level
from alerts.models import ProductCategory

LEVEL_THRESHOLDS = [
    (Level.IV, _("All levels (I–IV)")),
    (Level.II, _("Only level I and II")),
    (Level.I, _("Only level I")),
]


def normalise_phone(value, region="CN"):
    """The number in E.164, or a ValidationError that says what is wrong."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise forms.ValidationError(
            _("Enter a mobile number, such as 13812345678 or +44 7700 900123.")
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(_("This is not a valid phone number."))
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise forms.ValidationError(
            _("This number cannot receive text messages: enter a mobile number.")
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value):
    value = value.strip()
    validate_email(value)
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


class SubscribeForm(forms.Form):
    email = forms.CharField(label=_("Email address"), required=False, max_length=254)
    phone = forms.CharField(label=_("Mobile number"), required=False, max_length=32)
    categories = forms.ModelMultipleChoiceField(
        label=_("Product categories"),
        queryset=ProductCategory.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choosing a category covers everything under it."),
    )
    max_level = forms.TypedChoiceField(
        label=_("Levels"), choices=LEVEL_THRESHOLDS, coerce=int, initial=Level.IV
    )
    wants_trade_advisories = forms.BooleanField(
        label=_("Also trade advisories for producers and importers"), required=False
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("zh-hans", "简体中文"), ("en", "English")]
    )

    def clean_email(self):
        value = self.cleaned_data["email"].strip()
        if not value:
            return None
        try:
            return normalise_email(value)
        except forms.ValidationError:
            raise forms.ValidationError(
                _("Enter an email address such as name@example.com.")
            ) from None

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return normalise_phone(value) if value else None

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("email") and not cleaned.get("phone"):
            raise forms.ValidationError(
                _("Give an email address, a mobile number, or both.")
            )
        return cleaned


class ConfirmCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("6-digit code"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Enter the 6 digits from the text message.")},
    )
