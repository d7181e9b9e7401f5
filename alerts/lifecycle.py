"""Which go-live of a warning is a notice, and recording it exactly once.

A notice is issued when a warning first goes live (or goes live again after
it was unpublished), when the level of a live warning changes, and when it is
lifted. Any other republish updates the pages, feeds and search but tells no
subscriber again: editors fix typos without alarming anyone. A draft save
publishes nothing, and a publish scheduled for later issues its notice when
the schedule makes it live (`alerts.tasks.publish_scheduled_pages`).
"""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from wagtail.models import PageLogEntry, Revision
from wagtail.signals import page_published, page_unpublished

from .choices import NoticeKind
from .models import Notice, WarningPage
from .signals import notice_issued, public_record_changed

logger = logging.getLogger(__name__)


def notice_kind_for(page, last_notice):
    """The kind of notice this go-live issues, or None when it issues none."""
    if last_notice is None:
        return NoticeKind.LIFTING if page.lifted_at else NoticeKind.PUBLICATION
    if last_notice.kind == NoticeKind.LIFTING:
        return None
    if page.lifted_at:
        return NoticeKind.LIFTING
    if page.level != last_notice.level:
        return NoticeKind.ADJUSTMENT
    if _unpublished_since(page, last_notice):
        return NoticeKind.PUBLICATION
    return None


def _unpublished_since(page, notice):
    # By hand ("wagtail.unpublish") or by Wagtail's schedule
    # ("wagtail.unpublish.scheduled").
    return PageLogEntry.objects.filter(
        page_id=page.pk,
        action__startswith="wagtail.unpublish",
        timestamp__gt=notice.issued_at,
    ).exists()


def record_notice(page, revision=None, user=None):
    """Record the notice this go-live of `page` issues, if any, and announce
    it once the transaction commits. Returns the notice or None."""
    with transaction.atomic():
        WarningPage.objects.select_for_update().filter(pk=page.pk).first()
        last = page.notices.order_by("-sequence").first()
        kind = notice_kind_for(page, last)
        if kind is None:
            return None

        issued_at = timezone.now()
        reason = ""
        if kind == NoticeKind.ADJUSTMENT:
            reason = page.change_reason
        elif kind == NoticeKind.LIFTING:
            reason = page.lifting_reason
            if page.lifted_at < issued_at:
                _lift_at(page, revision, issued_at)
        notice = Notice.objects.create(
            warning=page,
            sequence=(last.sequence + 1) if last else 1,
            kind=kind,
            level=page.level,
            previous_level=last.level if last else None,
            reason=reason,
            title_zh=page.title,
            title_en=page.title_en,
            summary_zh=page.summary_zh,
            summary_en=page.summary_en,
            sms_text=page.sms_text,
            issued_at=issued_at,
            revision=revision,
            issued_by=user,
        )

        notice_id = notice.pk
        transaction.on_commit(lambda: _record_issuer(notice_id))
        transaction.on_commit(lambda: notice_issued.send(Notice, notice_id=notice_id))
    logger.info(
        "Notice issued: warning %s notice %s (%s)",
        page.reference,
        notice.sequence,
        kind,
        extra={"warning_id": page.pk, "notice_id": notice.pk},
    )
    return notice


def _lift_at(page, revision, when):
    """Record `when` as the lifting time of `page`, on the page and in the
    revision that went live.

    The lifting time an editor types cannot lie ahead (the form refuses it),
    but a scheduled publish or an approval makes the lifting go live later: it
    takes effect only then, and the page, the API and the CAP `<effective>`
    (read from the revision) all say so.
    """
    page.lifted_at = when
    WarningPage.objects.filter(pk=page.pk).update(lifted_at=when)
    if revision is not None:
        content = {**revision.content, "lifted_at": when.isoformat()}
        Revision.objects.filter(pk=revision.pk).update(content=content)
        revision.content = content


# The audit log entries that name who made a revision go live: a publish by
# hand or by approval, or the scheduling of a publish that Wagtail's
# scheduler (no user) carries out later.
ISSUER_ACTIONS = ("wagtail.publish", "wagtail.publish.schedule")
PUBLISH_ACTIONS = ("wagtail.publish", "wagtail.publish.scheduled")


def _record_issuer(notice_id):
    """Name as issuer whoever the audit log says published the revision, or
    scheduled it for publishing.

    Wagtail's signal does not say who published; its log entry, written just
    after the signal, does. After a workflow approval that is the approver,
    not the author of the revision. This runs after commit and again when the
    log entry is written (`_on_publish_logged`), whichever sees the entry.
    """
    notice = Notice.objects.filter(pk=notice_id, revision__isnull=False).first()
    if notice is None:
        return
    entry = (
        PageLogEntry.objects.filter(
            page_id=notice.warning_id,
            action__in=ISSUER_ACTIONS,
            revision_id=notice.revision_id,
            user__isnull=False,
        )
        .order_by("-timestamp", "-pk")
        .first()
    )
    if entry and entry.user_id != notice.issued_by_id:
        Notice.objects.filter(pk=notice_id).update(issued_by_id=entry.user_id)


@receiver(post_save, sender=PageLogEntry)
def _on_publish_logged(sender, instance, created, **kwargs):
    # Outside one transaction (an approval, the scheduler) the after-commit
    # run comes before this entry exists; this run comes after.
    if not created or instance.action not in PUBLISH_ACTIONS:
        return
    if not instance.revision_id:
        return
    for notice_id in Notice.objects.filter(
        warning_id=instance.page_id, revision_id=instance.revision_id
    ).values_list("pk", flat=True):
        _record_issuer(notice_id)


@receiver(page_published, sender=WarningPage)
def _on_warning_published(sender, instance, revision=None, **kwargs):
    if kwargs.get("alias"):
        return
    if not instance.live:
        # A first publish scheduled for later: Wagtail announces it now, but
        # nobody is told until the scheduled publish makes it live.
        return
    user = getattr(revision, "user", None) if revision else None
    record_notice(instance, revision=revision, user=user)
    _announce_change(instance, live=True)


@receiver(page_unpublished, sender=WarningPage)
def _on_warning_unpublished(sender, instance, **kwargs):
    _announce_change(instance, live=False)


def _announce_change(page, live):
    pk = page.pk
    transaction.on_commit(
        lambda: public_record_changed.send(
            WarningPage, model_label="alerts.warningpage", pk=pk, live=live
        )
    )
