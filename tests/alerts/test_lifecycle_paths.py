"""Exactly one notice per real go-live, whatever the path to it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from freezegun import freeze_time

from alerts.models import Notice
from alerts.tasks import publish_scheduled_pages
from tests import factories


def kinds(page):
    return list(
        Notice.objects.filter(warning=page)
        .order_by("sequence")
        .values_list("kind", flat=True)
    )


@pytest.fixture
def author(django_user_model):
    return django_user_model.objects.create_user("author", password="pw-author-1")


@pytest.fixture
def approver(django_user_model):
    user = django_user_model.objects.create_user("approver", password="pw-approv-1")
    user.groups.add(Group.objects.get(name="Approvers"))
    return user


def test_publishing_issues_one_publication_and_announces_it_after_commit(
    warning_index, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        page = factories.warning()

    assert kinds(page) == ["publication"]
    assert callbacks, "the notice is announced once the transaction commits"


def test_a_draft_save_issues_no_notice(warning_index):
    page = factories.warning(publish=False)

    page.summary_zh = "草稿修改"
    page.save_revision()

    assert kinds(page) == []


def test_a_scheduled_warning_issues_nothing_until_its_time_then_exactly_one(
    warning_index,
):
    go_live = timezone.now() + timedelta(hours=2)
    page = factories.warning(publish=False)
    page.go_live_at = go_live
    page.save_revision().publish()
    page.refresh_from_db()

    publish_scheduled_pages()
    before = kinds(page)
    with freeze_time(go_live + timedelta(minutes=1)):
        publish_scheduled_pages()
        publish_scheduled_pages()
    page.refresh_from_db()

    assert before == []
    assert page.live
    assert kinds(page) == ["publication"]


def test_the_issuer_of_a_scheduled_notice_is_who_scheduled_it_not_its_author(
    warning_index, author, admin_user, django_capture_on_commit_callbacks
):
    page = factories.warning(publish=False, user=author)
    go_live = timezone.now() + timedelta(hours=2)
    page.go_live_at = go_live
    page.save_revision(user=author).publish(user=admin_user)

    with (
        freeze_time(go_live + timedelta(minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        publish_scheduled_pages()

    assert page.notices.get().issued_by == admin_user


def test_the_issuer_is_known_when_after_commit_work_runs_before_the_log_entry(
    warning_index, author, approver, monkeypatch
):
    # In production an approval is no single transaction: work deferred to
    # the commit of the notice runs at once, before Wagtail writes the log
    # entry that names who published.
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda work, **kwargs: work())
    page = factories.warning(publish=False, level=1, user=author)
    page.get_workflow().start(page, author)
    task_state = page.current_workflow_state.current_task_state

    task_state.task.specific.on_action(task_state, approver, "approve")

    assert page.notices.get().issued_by == approver


def test_a_scheduled_level_change_of_a_live_warning_is_told_when_it_goes_live(
    warning_index,
):
    page = factories.warning(level=3)
    go_live = timezone.now() + timedelta(hours=1)
    page.level = 4
    page.change_reason = "风险降低"
    page.go_live_at = go_live
    page.save_revision().publish()

    waiting = kinds(page)
    with freeze_time(go_live + timedelta(minutes=1)):
        publish_scheduled_pages()

    assert waiting == ["publication"]
    assert kinds(page) == ["publication", "adjustment"]


def test_a_scheduled_lift_takes_effect_when_it_goes_live_not_when_it_was_typed(
    warning_index, client
):
    from alerts.cap import cap_time, render_alert

    page = factories.warning(level=3)
    typed = timezone.now()
    go_live = typed + timedelta(hours=3)
    page.lifted_at = typed
    page.lifting_reason = "问题产品已全部召回"
    page.go_live_at = go_live
    page.save_revision().publish()

    with freeze_time(go_live + timedelta(minutes=1)):
        publish_scheduled_pages()
    page.refresh_from_db()
    lifting = page.notices.get(kind="lifting")
    cap = render_alert(lifting).decode()
    html = client.get(page.public_path()).content.decode()

    assert page.lifted_at >= go_live
    assert page.lifted_at == lifting.issued_at
    assert f"<effective>{cap_time(page.lifted_at)}</effective>" in cap
    assert timezone.localtime(page.lifted_at).strftime("%Y-%m-%d %H:%M") in html


def test_a_lift_waiting_for_approval_takes_effect_when_it_is_approved(
    warning_index, author, approver
):
    page = factories.warning(level=1)
    page.lifted_at = timezone.now()
    page.lifting_reason = "风险已消除"
    page.save_revision(user=author)
    page.get_workflow().start(page, author)
    approved_at = timezone.now() + timedelta(hours=5)

    with freeze_time(approved_at):
        task_state = page.current_workflow_state.current_task_state
        task_state.task.specific.on_action(task_state, approver, "approve")
    page.refresh_from_db()

    assert kinds(page) == ["publication", "lifting"]
    assert page.lifted_at >= approved_at
    assert page.get_latest_revision_as_object().lifted_at == page.lifted_at


def test_a_republish_that_changes_nothing_a_reader_is_told_issues_no_notice(
    warning_index,
):
    page = factories.warning()

    page.summary_zh = page.summary_zh + "（修正错别字）"
    page.save_revision().publish()
    page.save_revision().publish()

    assert kinds(page) == ["publication"]


def test_a_republish_after_an_unpublish_issues_a_new_publication(warning_index):
    page = factories.warning()

    page.unpublish()
    page.refresh_from_db()
    page.save_revision().publish()

    assert kinds(page) == ["publication", "publication"]


def test_a_republish_after_a_scheduled_expiry_issues_a_new_publication(
    warning_index,
):
    # Warnings no longer offer an expiry in the admin, but one set before
    # (or by code) still unpublishes them through Wagtail's schedule.
    page = factories.warning()
    page.expire_at = timezone.now() + timedelta(hours=1)
    page.save_revision().publish()

    with freeze_time(timezone.now() + timedelta(hours=2)):
        publish_scheduled_pages()
        page.refresh_from_db()
        expired = not page.live
        page.expire_at = None
        page.save_revision().publish()

    assert expired
    assert kinds(page) == ["publication", "publication"]


def test_copy_and_publish_issues_one_publication_for_the_copy_with_its_own_number(
    warning_index,
):
    original = factories.warning(level=3)
    factories.lift(original)

    copy = original.copy(
        update_attrs={"slug": "copy-of-warning", "title": "复制的预警"},
        keep_live=True,
    ).specific

    assert copy.live
    assert copy.reference and copy.reference != original.reference
    assert copy.lifted_at is None
    assert kinds(copy) == ["publication"]
    assert kinds(original) == ["publication", "lifting"]


def test_workflow_approval_by_another_approver_publishes_with_one_notice(
    warning_index, author, approver
):
    page = factories.warning(publish=False, level=1, user=author)
    page.get_workflow().start(page, author)

    task_state = page.current_workflow_state.current_task_state
    task_state.task.specific.on_action(task_state, approver, "approve")
    page.refresh_from_db()

    assert page.live
    assert kinds(page) == ["publication"]


def test_the_author_of_a_level_i_warning_cannot_approve_it(
    warning_index, author, approver
):
    author.groups.add(Group.objects.get(name="Approvers"))
    page = factories.warning(publish=False, level=1, user=author)
    page.get_workflow().start(page, author)
    task_state = page.current_workflow_state.current_task_state
    task = task_state.task.specific

    with pytest.raises(PermissionDenied):
        task.on_action(task_state, author, "approve")

    page.refresh_from_db()
    assert not page.live
    assert task.get_actions(page, author) == []
    assert [name for name, *_ in task.get_actions(page, approver)] == [
        "reject",
        "approve",
        "approve",
    ]
    assert not task.get_task_states_user_can_moderate(author).exists()
    assert task.get_task_states_user_can_moderate(approver).exists()
    assert kinds(page) == []


def test_every_periodic_task_of_alerts_in_the_beat_schedule_exists():
    from django.conf import settings

    from herald.celery import app

    app.loader.import_default_modules()
    names = {
        entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"].startswith("alerts.")
    }

    assert names == {
        "alerts.tasks.publish_scheduled_pages",
        "alerts.tasks.announce_blacklist_removals",
    }
    assert names <= set(app.tasks)
