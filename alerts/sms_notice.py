"""What the SMS about a notice says, piece by piece, and the most it can cost.

A subscriber's SMS is, in the subscriber's language: the signature, a prefix
naming a level change or a lifting, the level tag, the editor's SMS text (the
title when there is none), the warning's short link and how to stop, e.g.

    【产品安全预警】等级调整: [III级] 儿童电动玩具电池过热…
    http://…/w/2026-0042/ 回复TD退订

(on one line).

`subscriptions.messages.render_sms` sends what `notice_sms` composes, and the
editor's segment budget counts the longest message `notice_sms` can compose
around a text (`worst_case_count`): both read this one layout. The admin's
counter script (static/js/sms-counter.js) receives the same frames around the
text (`worst_case_frames`) and counts as the server does.
"""

import re

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from .choices import LEVEL_NUMERALS, NoticeKind
from .sms_segments import count_segments

# Runs of these characters become one space; the counter script uses the same
# class, so neither counts a newline the other would send as a space.
SPACES = re.compile("[ \t\n\r\f\v\u00a0\u3000]+")

# Reference numbers are `YYYY-NNNN`; one of that length stands in for the
# reference a draft does not have yet.
REFERENCE_FOR_COUNTING = "0000-0000"

# Marks where the text goes when the frames around it are worked out: no
# piece of the layout holds it, and it is no space.
_TEXT = "\x00"


def collapse_spaces(text):
    return SPACES.sub(" ", text or "").strip(" ")


def short_path(reference):
    """The short ASCII address an SMS carries; it redirects to the warning."""
    return f"/w/{reference}/"


def kind_prefix(kind):
    if kind == NoticeKind.LIFTING:
        return gettext("Lifted") + ": "
    if kind == NoticeKind.ADJUSTMENT:
        return gettext("Level changed") + ": "
    return ""


def level_tag(level):
    label = gettext("Level %(level_numeral)s") % {
        "level_numeral": LEVEL_NUMERALS[level]
    }
    return f"[{label}]"


def stop_wording():
    return gettext("Reply STOP to opt out")


def notice_sms(kind, level, text, link):
    """The SMS of a notice in the active language, signature first."""
    pieces = (kind_prefix(kind) + level_tag(level), collapse_spaces(text), link)
    return settings.HERALD_SMS_SIGNATURE + " ".join((*pieces, stop_wording()))


def worst_case_frames(languages=None):
    """Each (before, after) the layout can put around an SMS text: every
    language, every kind of notice, every level, and a short link as long as
    any the site's HERALD_BASE_URL gives."""
    link = settings.HERALD_BASE_URL + short_path(REFERENCE_FOR_COUNTING)
    frames = set()
    for language in languages or [code for code, _name in settings.LANGUAGES]:
        with translation.override(language):
            for kind in NoticeKind:
                for level in LEVEL_NUMERALS:
                    before, after = notice_sms(kind, level, _TEXT, link).split(_TEXT)
                    frames.add((before, after))
    return sorted(frames)


def worst_case_count(text, languages=None):
    """The `SegmentCount` of the longest SMS that `text` can go out in."""
    text = collapse_spaces(text)
    return max(
        (
            count_segments(before + text + after)
            for before, after in worst_case_frames(languages)
        ),
        key=lambda count: (count.segments, count.units),
    )
