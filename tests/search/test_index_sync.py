"""The index follows publish, unpublish, edits of live records and deletes,
after commit; an outage of the search server queues the change."""

import logging

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
