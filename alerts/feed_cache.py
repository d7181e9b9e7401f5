"""The feeds' cache, and what empties it.

Each family of feeds (warnings with the CAP index, recalls, blacklist) has a
version token in Django's cache. Every cached feed body is stored under its
family's current token; a publish, level change, lifting, unpublish or
deletion replaces the token after its transaction commits, so the next
request builds the feed anew. With Redis every process shares the tokens.

Without Redis the cache is local to each process, and a publish in another
process (the worker loop publishing a scheduled page, or unpublishing an
expired one) cannot reach this one's token. Each process then keeps a
fingerprint of the family's rows with its token, read with one aggregate
query per request; when the fingerprint differs, the family is bumped here
as the signal would have done, so no process serves a stale feed and
Last-Modified moves on with the ETag.

A blacklist entry also leaves the list when its removal day comes, with no
save to send a signal. The version therefore remembers the local day it was
made on; on the first request of a later day, if a removal fell due
meanwhile, the blacklist family is bumped as if it had been edited.
"""

import hashlib
import logging
import uuid

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db.models import Count, Max, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .choices import PUBLIC_KINDS
from .models import BlacklistEntry, Notice, ProductCategory, RecallEntry, WarningPage
from .signals import notice_issued, public_record_changed

logger = logging.getLogger(__name__)

FAMILIES = ("warnings", "recalls", "blacklist")
BODY_TIMEOUT = 3600

_FAMILY_OF_MODEL = {
    "alerts.warningpage": ("warnings",),
    "alerts.notice": ("warnings",),
    "alerts.recallentry": ("recalls",),
    "alerts.blacklistentry": ("blacklist",),
    "alerts.productcategory": ("warnings", "recalls"),
}


def _version_key(family):
    return f"feeds:version:{family}"


def bump(family, seen=None):
    """Start a new version of this family's feeds: older bodies are dead.

    `changed_at` moves on by at least a whole second, because HTTP dates
    have no fractions: a change in the same second as the last one must
    still move Last-Modified, or an If-Modified-Since would match. Without
    a shared cache the version keeps the fingerprint of what it shows
    (`seen`, or read now), against which later requests compare."""
    previous = cache.get(_version_key(family))
    changed_at = timezone.now().timestamp()
    if previous is not None:
        changed_at = max(changed_at, int(previous["changed_at"]) + 1)
    if seen is None and not cache_is_shared():
        seen = fingerprint(family)
    state = {
        "token": uuid.uuid4().hex,
        "changed_at": changed_at,
        "seen": seen,
        "day": _today(),
    }
    cache.set(_version_key(family), state, timeout=None)
    logger.info("Feed cache renewed: %s", family, extra={"feed_family": family})
    return state


def current_version(family):
    """(token, changed_at) of this family's feeds. `changed_at` is when the
    feeds last changed as far as this cache knows: a Last-Modified floor."""
    shared = cache_is_shared()
    seen = None if shared else fingerprint(family)
    state = cache.get(_version_key(family))
    if state is None:
        fresh = {
            "token": uuid.uuid4().hex,
            "changed_at": timezone.now().timestamp(),
            "seen": seen,
            "day": _today(),
        }
        cache.add(_version_key(family), fresh, timeout=None)
        state = cache.get(_version_key(family)) or fresh
    if not shared and state.get("seen") != seen:
        # Changed by another process: no signal told this one.
        state = bump(family, seen=seen)
    elif family == "blacklist" and state.get("day") != _today():
        state = _turn_the_day(family, state, seen)
    return state["token"], state["changed_at"]


def _today():
    return timezone.localdate().isoformat()


def _turn_the_day(family, state, seen):
    """The first look at the blacklist's version on a new local day: bump it
    when a removal fell due since the day it was made, otherwise keep the
    cached feeds and only move the day on. One query a day, not a request."""
    today = timezone.localdate()
    since = state.get("day")
    due = BlacklistEntry.objects.filter(live=True, removed_on__lte=today)
    if since:
        due = due.filter(removed_on__gt=since)
    if since is None or due.exists():
        return bump(family, seen=seen)
    state = {**state, "day": today.isoformat()}
    cache.set(_version_key(family), state, timeout=None)
    return state


def cache_is_shared():
    """Whether every process reads the same cache (Redis), so that a token
    bumped in one process reaches the others."""
    return not isinstance(caches["default"], LocMemCache)


def fingerprint(family):
    """A short text that changes whenever what this family's feeds show can
    change: counts of what is public and the latest edit times."""
    if family == "warnings":
        pages = WarningPage.objects.live().filter(kind__in=PUBLIC_KINDS)
        values = pages.aggregate(n=Count("id"), at=Max("last_published_at"))
        values["notice"] = Notice.objects.aggregate(m=Max("id"))["m"]
        values["categories"] = ProductCategory.objects.aggregate(
            n=Count("id"), m=Max("id")
        )
    elif family == "recalls":
        values = RecallEntry.objects.aggregate(
            n=Count("id", filter=Q(live=True)), at=Max("updated_at")
        )
    else:
        # Counted on today's list: a removal falling due changes the count.
        values = BlacklistEntry.objects.aggregate(
            n=Count("id", filter=Q(pk__in=BlacklistEntry.objects.listed())),
            at=Max("updated_at"),
        )
    return hashlib.sha256(str(sorted(values.items())).encode()).hexdigest()[:16]


@receiver(notice_issued)
def _on_notice_issued(sender, **kwargs):
    bump("warnings")


@receiver(public_record_changed)
def _on_public_record_changed(sender, model_label="", **kwargs):
    for family in _FAMILY_OF_MODEL.get(model_label, FAMILIES):
        bump(family)


@receiver(post_delete, sender=WarningPage)
@receiver(post_delete, sender=Notice)
@receiver(post_delete, sender=RecallEntry)
@receiver(post_delete, sender=BlacklistEntry)
@receiver(post_save, sender=ProductCategory)
@receiver(post_delete, sender=ProductCategory)
def _on_row_gone_or_renamed(sender, **kwargs):
    for family in _FAMILY_OF_MODEL[sender._meta.label_lower]:
        bump(family)
