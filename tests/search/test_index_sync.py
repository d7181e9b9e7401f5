"""The index follows publish, unpublish, edits of live records and deletes,
after commit; an outage of the search server queues the change."""

import datetime
import logging

from django.utils import timezone
from freezegun import freeze_time

from alerts.tasks import announce_blacklist_removals
from search.backends.base import SearchQuery
from search.models import PendingIndexUpdate
from search.tasks import retry_pending_index_updates
from tests import factories


def found(backend, text):
    return [hit.title for hit in backend.search(SearchQuery(text=text)).hits]


def test_publishing_a_recall_makes_it_findable_after_commit(
    categories, backend, django_capture_on_commit_callbacks
):
    entry = factories.recall(product="草稿中的电动玩具", live=False)
    assert found(backend, "草稿中的电动玩具") == []

    with django_capture_on_commit_callbacks(execute=True):
        entry.save_revision().publish()

    assert found(backend, "草稿中的电动玩具") == ["草稿中的电动玩具"]


def test_a_draft_edit_of_a_live_recall_leaves_the_public_text_in_the_index(
    categories, backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = factories.recall(product="已发布的玩具")
        entry.save_revision().publish()

    with django_capture_on_commit_callbacks(execute=True):
        entry.product = "尚未发布的新名称"
        entry.save_revision()

    assert found(backend, "已发布的玩具") == ["已发布的玩具"]
    assert found(backend, "尚未发布的新名称") == []


def test_unpublishing_and_deleting_take_a_record_out_of_the_index(
    categories, backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = factories.recall(product="撤下的玩具")
        second = factories.recall(product="删除的玩具")

    with django_capture_on_commit_callbacks(execute=True):
        first.unpublish()
        second.delete()

    assert found(backend, "玩具") == []


def test_removing_a_blacklist_entry_takes_it_out_of_public_search(
    categories, backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = factories.blacklist_entry(company_name="示例移出公司")
    assert found(backend, "示例移出公司") == ["示例移出公司"]

    with django_capture_on_commit_callbacks(execute=True):
        entry.removed_on = entry.listed_on
        entry.removal_reason = "court_decision"
        entry.save_revision().publish()

    assert found(backend, "示例移出公司") == []
    assert entry.revisions.count() == 1


def test_a_removal_dated_later_leaves_the_blacklist_entry_in_public_search(
    categories, backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = factories.blacklist_entry(company_name="示例稍后移出公司")

    with django_capture_on_commit_callbacks(execute=True):
        entry.removed_on = timezone.localdate() + datetime.timedelta(days=3)
        entry.removal_reason = "expiry"
        entry.save_revision().publish()

    assert found(backend, "示例稍后移出公司") == ["示例稍后移出公司"]


def test_a_blacklist_entry_leaves_search_when_its_removal_day_is_announced(
    categories, backend, django_capture_on_commit_callbacks
):
    with freeze_time("2026-03-09 15:00:00"):  # 23:00 on 9 March in Shanghai
        with django_capture_on_commit_callbacks(execute=True):
            factories.blacklist_entry(
                company_name="十日移出示例公司",
                listed_on=datetime.date(2025, 1, 1),
                removed_on=datetime.date(2026, 3, 10),
                removal_reason="expiry",
            )
        announce_blacklist_removals()
        on_the_eve = found(backend, "十日移出示例公司")

    with freeze_time("2026-03-09 16:30:00"):  # 00:30 on 10 March in Shanghai
        before_the_task = found(backend, "十日移出示例公司")
        announce_blacklist_removals()
        announce_blacklist_removals()

    assert on_the_eve == ["十日移出示例公司"]
    assert before_the_task == ["十日移出示例公司"]
    assert found(backend, "十日移出示例公司") == []


def test_a_removal_missed_while_the_worker_was_down_is_announced_days_later(
    categories, backend, django_capture_on_commit_callbacks
):
    with freeze_time("2026-03-09 15:00:00"):  # 23:00 on 9 March in Shanghai
        with django_capture_on_commit_callbacks(execute=True):
            factories.blacklist_entry(
                company_name="停机错过示例公司",
                listed_on=datetime.date(2025, 1, 1),
                removed_on=datetime.date(2026, 3, 10),
                removal_reason="expiry",
            )

    with freeze_time("2026-03-12 02:00:00"):  # 10:00 on 12 March in Shanghai
        announce_blacklist_removals()

    assert found(backend, "停机错过示例公司") == []


def test_announcing_removals_leaves_entries_removed_later_in_search(
    categories, backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        factories.blacklist_entry(
            company_name="下月移出示例公司",
            removed_on=timezone.localdate() + datetime.timedelta(days=30),
            removal_reason="expiry",
        )

    announce_blacklist_removals()

    assert found(backend, "下月移出示例公司") == ["下月移出示例公司"]


def test_an_outage_queues_the_change_and_a_retry_applies_it(
    categories, settings, django_capture_on_commit_callbacks, caplog
):
    settings.HERALD_SEARCH_BACKEND = "tests.search.failing.DownBackend"
    with caplog.at_level(logging.WARNING, logger="search.sync"):
        with django_capture_on_commit_callbacks(execute=True):
            entry = factories.recall(product="停电期间发布的玩具")

    assert entry.pk is not None
    pending = PendingIndexUpdate.objects.get()
    assert (pending.model_label, pending.object_id) == ("alerts.recallentry", entry.pk)
    assert "queued for retry" in caplog.text

    retry_pending_index_updates()
    assert PendingIndexUpdate.objects.get().attempts == 1

    settings.HERALD_SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    retry_pending_index_updates()
    retry_pending_index_updates()

    assert not PendingIndexUpdate.objects.exists()
    from search.backends.database import DatabaseBackend

    assert found(DatabaseBackend(), "停电期间发布的玩具") == ["停电期间发布的玩具"]


def test_publishing_a_warning_indexes_it_and_a_port_bulletin_never(
    warning_index, backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        factories.warning(title="公开的玩具警示")
        factories.warning(title="口岸的玩具通报", kind="port_bulletin")

    assert found(backend, "玩具") == ["公开的玩具警示"]


def test_a_change_queued_again_while_its_retry_runs_stays_queued(
    categories, settings, monkeypatch
):
    from search import sync

    settings.HERALD_SEARCH_BACKEND = "tests.search.failing.DownBackend"
    entry = factories.recall(product="重试期间再次改动的玩具")
    sync.sync_record("alerts.recallentry", entry.pk)
    assert PendingIndexUpdate.objects.count() == 1

    def retried_while_a_newer_change_fails(model_label, pk):
        # The retry took the old change; meanwhile another edit of the same
        # record failed and was queued again.
        sync._queue(model_label, pk, RuntimeError("connection refused"))
        return True

    monkeypatch.setattr(sync, "sync_record", retried_while_a_newer_change_fails)
    done, left = sync.retry_pending()

    assert (done, left) == (0, 1)
    assert PendingIndexUpdate.objects.get().attempts == 1


def test_the_retry_task_is_on_the_beat_schedule_under_its_registered_name():
    from django.conf import settings

    from herald.celery import app

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert (
        retry_pending_index_updates.name == "search.tasks.retry_pending_index_updates"
    )
    assert retry_pending_index_updates.name in scheduled
    assert retry_pending_index_updates.name in app.tasks


def test_a_live_edit_of_a_warning_replaces_its_text_in_the_index(
    warning_index, backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning(title="旧标题的玩具警示")

    with django_capture_on_commit_callbacks(execute=True):
        page.title = "新标题的玩具警示"
        page.save_revision().publish()

    assert found(backend, "旧标题") == []
    assert found(backend, "新标题") == ["新标题的玩具警示"]


def test_a_draft_edit_of_a_live_warning_leaves_the_public_text_in_the_index(
    warning_index, backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning(title="已发布的玩具警示")

    with django_capture_on_commit_callbacks(execute=True):
        page.title = "草稿中的玩具警示"
        page.save_revision()

    assert found(backend, "已发布") == ["已发布的玩具警示"]
    assert found(backend, "草稿中") == []


def test_unpublishing_and_deleting_take_a_warning_out_of_the_index(
    warning_index, backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = factories.warning(title="撤下的玩具警示")
        second = factories.warning(title="删除的玩具警示")
    assert sorted(found(backend, "玩具警示")) == ["删除的玩具警示", "撤下的玩具警示"]

    with django_capture_on_commit_callbacks(execute=True):
        first.unpublish()
    with django_capture_on_commit_callbacks(execute=True):
        second.delete()

    assert found(backend, "玩具警示") == []


def test_a_changed_category_of_a_live_warning_moves_it_in_the_facets(
    warning_index, backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning(title="改类别的警示", categories=("toys-electric",))

    with django_capture_on_commit_callbacks(execute=True):
        page.categories.set(
            factories.categories()[code] for code in ("food", "toys-plush")
        )
        page.save_revision().publish()

    facets = backend.search(SearchQuery(text="改类别")).facets
    assert dict(facets["category"]) == {"food": 1, "toys-plush": 1}


def test_changes_made_while_a_rebuild_read_the_records_are_in_the_new_index(
    categories, backend, django_capture_on_commit_callbacks
):
    from search.documents import public_documents

    with django_capture_on_commit_callbacks(execute=True):
        kept = factories.recall(product="重建期间保留的玩具")
        removed = factories.recall(product="重建期间撤下的玩具")
    # What a long rebuild read before editors changed things.
    read_before_the_changes = list(public_documents())
    with django_capture_on_commit_callbacks(execute=True):
        removed.unpublish()
        factories.recall(product="重建期间新增的玩具")
        kept.product = "重建期间改名的玩具"
        kept.save_revision().publish()

    backend.rebuild(read_before_the_changes)

    assert sorted(found(backend, "重建期间")) == [
        "重建期间改名的玩具",
        "重建期间新增的玩具",
    ]
