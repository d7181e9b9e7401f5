"""The admin form of a warning: choices as checkboxes, and validation that
tells the editor what to fix before anything reaches a subscriber."""

import json
import re
from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from .choices import (
    APPROVAL_LEVELS,
    PUBLIC_KINDS,
    Hazard,
    Level,
    Measure,
    NoticeKind,
)
from .sms_notice import worst_case_count, worst_case_frames

# How far ahead of the server clock a lifting time typed by hand may be.
LIFTING_CLOCK_SKEW = timedelta(minutes=5)
HS_CODE = re.compile(r"^\d{4,10}$")
HS_SEPARATORS = re.compile(r"[\s,，;；、]+")
# Django's own message for a NUL typed into any text input, on every form of
# the site (the public ones of subscriptions too). Herald's catalogue comes
# first in LOCALE_PATHS and gives it a clearer Chinese wording than Django's;
# naming it here keeps makemessages from dropping that entry.
NULL_CHARACTERS = _("Null characters are not allowed.")
ENGLISH_HELP = _(
    "Required for trade advisories and public announcements, which are "
    "published in Chinese and English (the CAP message carries both). A port "
    "bulletin may be Chinese only: it goes to port and inspection staff."
)


def sms_segment_budget():
    """How many segments the SMS about a notice of a warning may take, as
    sent: signature, prefix, level, text, link and how to stop."""
    return settings.HERALD_SMS_MAX_SEGMENTS


def parse_hs_codes(text):
    """The HS codes in `text` and the entries that are not 4 to 10 digits."""
    entries = [entry for entry in HS_SEPARATORS.split(text or "") if entry]
    good = [entry for entry in entries if HS_CODE.match(entry)]
    bad = [entry for entry in entries if not HS_CODE.match(entry)]
    return good, bad


class SmsTextarea(forms.Textarea):
    """A textarea whose segment count the admin shows while the editor types:
    the count of the longest message the text can go out in.

    The count is worked out again on the server when the form is saved; the
    script only helps and the form works without it.
    """

    class Media:
        js = ["js/sms-counter.js"]

    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 3, **(attrs or {})})

    def get_context(self, name, value, attrs):
        attrs = {
            **(attrs or {}),
            "data-sms-counter": "",
            "data-sms-frames": json.dumps(worst_case_frames(), ensure_ascii=False),
            "data-max-segments": str(sms_segment_budget()),
            "data-counter-text": gettext(
                "As sent at the longest, with the signature, level, link and how "
                "to stop: {units} characters ({encoding}), {segments} of at "
                "most {budget} SMS segments."
            ),
            "data-empty-text": gettext(
                "Without an SMS text the title is sent in its place."
            ),
            "data-over-text": gettext("Too long: shorten the text."),
        }
        return super().get_context(name, value, attrs)


class WarningPageForm(WagtailAdminPageForm):
    hazards = forms.MultipleChoiceField(
        label=_("Hazards"),
        choices=Hazard.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    measures = forms.MultipleChoiceField(
        label=_("Measures taken"),
        choices=Measure.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The rapid-response measures taken; tick every one that applies."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title_en", "summary_en"):
            if name in self.fields:
                self.fields[name].help_text = ENGLISH_HELP
        if "sms_text" in self.fields:
            self.fields["sms_text"].widget = SmsTextarea()
            self.fields["sms_text"].help_text = _(
                "Sent to SMS subscribers between the signature %(signature)s, "
                "the kind of notice and its level in front, and the warning's "
                "short link and how to stop after it. The whole message may "
                "take at most %(budget)s segments (70 characters in one, 67 per "
                "segment when split, as soon as it holds one Chinese character; "
                "160 / 153 for plain Latin text); the count below is of the "
                "longest it can be. Left empty, the title is sent instead."
            ) % {
                "signature": settings.HERALD_SMS_SIGNATURE,
                "budget": sms_segment_budget(),
            }

    def clean_hs_codes(self):
        good, bad = parse_hs_codes(self.cleaned_data.get("hs_codes", ""))
        if bad:
            raise forms.ValidationError(
                _("An HS code is 4 to 10 digits. Correct or remove: %(codes)s."),
                params={"codes": ", ".join(bad)},
                code="hs_code",
            )
        return ", ".join(good)

    def clean_sms_text(self):
        text = self.cleaned_data.get("sms_text", "")
        if not text:
            return text
        budget = sms_segment_budget()
        count = worst_case_count(text)
        if count.segments > budget:
            raise forms.ValidationError(
                _(
                    "As sent at the longest (signature, kind of notice, level, "
                    "link and how to stop included) this SMS takes "
                    "%(segments)s segments (%(units)s %(encoding)s characters); "
                    "at most %(budget)s are allowed. Shorten it."
                ),
                params={
                    "segments": count.segments,
                    "units": count.units,
                    "encoding": count.encoding,
                    "budget": budget,
                },
                code="sms_too_long",
            )
        return text

    def save(self, commit=True):
        # Warnings end by being lifted, never by expiring (the admin offers
        # no expiry); one left from before is cleared here.
        self.instance.expire_at = None
        return super().save(commit=commit)

    def clean(self):
        cleaned = super().clean()
        self._check_english(cleaned)
        self._check_title_as_sms(cleaned)
        self._check_dates(cleaned)
        self._check_level_change(cleaned)
        self._check_lifting(cleaned)
        self._check_approval(cleaned)
        return cleaned

    def _check_english(self, cleaned):
        if cleaned.get("kind") not in PUBLIC_KINDS:
            return
        missing = {
            "title_en": _(
                "A trade advisory or public announcement is published in "
                "English too: give its English title."
            ),
            "summary_en": _(
                "A trade advisory or public announcement is published in "
                "English too: give its English summary."
            ),
        }
        for name, message in missing.items():
            if name in self.fields and not (cleaned.get(name) or "").strip():
                self.add_error(name, message)

    def _check_title_as_sms(self, cleaned):
        """Without an SMS text, each subscriber gets the title of his
        language: it must fit the budget as the text would."""
        if "sms_text" not in self.fields or cleaned.get("sms_text"):
            return
        if "sms_text" in self.errors:
            return
        title = cleaned.get("title") or ""
        sent = {"zh-hans": title, "en": cleaned.get("title_en") or title}
        budget = sms_segment_budget()
        segments = max(
            worst_case_count(text, [language]).segments
            for language, text in sent.items()
        )
        if segments > budget:
            self.add_error(
                "sms_text",
                _(
                    "Without an SMS text the title is sent, and as sent it takes "
                    "%(segments)s segments; at most %(budget)s are allowed. Write "
                    "a shorter SMS text."
                )
                % {"segments": segments, "budget": budget},
            )

    def _check_dates(self, cleaned):
        start, review = cleaned.get("start_time"), cleaned.get("review_date")
        if start and review and review <= start:
            self.add_error(
                "review_date",
                _("The review date must come after the start time (%(start)s).")
                % {"start": start.strftime("%Y-%m-%d %H:%M")},
            )

    def _last_notice(self):
        if not self.instance.pk:
            return None
        return self.instance.notices.order_by("-sequence").first()

    def _check_level_change(self, cleaned):
        level, reason = cleaned.get("level"), cleaned.get("change_reason", "")
        last = self._last_notice()
        if last is None or level is None or int(level) == last.level:
            return
        if last.kind == NoticeKind.LIFTING:
            self.add_error(
                "level",
                _(
                    "This warning has been lifted; its level no longer changes. "
                    "Copy it to publish a new warning."
                ),
            )
            return
        if not reason.strip() or reason.strip() == last.reason.strip():
            self.add_error(
                "change_reason",
                _(
                    "The level of this published warning changes from %(old)s to "
                    "%(new)s: say why. Everyone already told will receive it."
                )
                % {"old": last.get_level_display(), "new": Level(int(level)).label},
            )

    def _check_lifting(self, cleaned):
        lifted_at = cleaned.get("lifted_at")
        reason = cleaned.get("lifting_reason", "").strip()
        last = self._last_notice()
        if last is None and lifted_at:
            self.add_error(
                "lifted_at",
                _(
                    "This warning has issued no notice yet, so there is nothing "
                    "to lift: clear the lifting time and reason. A draft that "
                    "should never go live can be deleted."
                ),
            )
            return
        if last is not None and last.kind == NoticeKind.LIFTING and not lifted_at:
            self.add_error(
                "lifted_at",
                _(
                    "A lifted warning cannot be reopened: everyone was told it "
                    "ended. Copy it to publish a new warning."
                ),
            )
            return
        if lifted_at and not reason:
            self.add_error(
                "lifting_reason", _("Say why the warning is lifted, or clear the time.")
            )
        if reason and not lifted_at:
            self.add_error(
                "lifted_at",
                _("Give the time the warning is lifted, or clear the reason."),
            )
        if lifted_at and lifted_at > timezone.now() + LIFTING_CLOCK_SKEW:
            self.add_error(
                "lifted_at",
                _(
                    "The lifting time cannot be in the future: to lift the warning "
                    "later, schedule this publish for that time."
                ),
            )
        start = cleaned.get("start_time")
        if lifted_at and start and lifted_at < start:
            self.add_error(
                "lifted_at", _("A warning cannot be lifted before its start time.")
            )

    def _check_approval(self, cleaned):
        """Level I and II go live only through the approval workflow."""
        level = cleaned.get("level")
        if level is None or int(level) not in APPROVAL_LEVELS:
            return
        if "action-publish" in self.data:
            self.add_error(
                "level",
                _(
                    "A level I or II warning goes live only once an approver other "
                    "than its author approves it: submit it to the "
                    "approval workflow instead of publishing it."
                ),
            )
