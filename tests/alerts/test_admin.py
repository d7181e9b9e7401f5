from wagtail.models import PageLogEntry

from tests import factories


def test_unpublishing_a_warning_without_a_reason_is_refused(
    warning_index, admin_client
):
    page = factories.warning()

    response = admin_client.post(f"/admin/pages/{page.pk}/unpublish/", {})
    page.refresh_from_db()

    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{page.pk}/unpublish/"
    assert page.live


def test_the_unpublish_form_asks_for_a_reason(warning_index, admin_client):
    page = factories.warning()

    html = admin_client.get(f"/admin/pages/{page.pk}/unpublish/").content.decode()

    assert 'name="unpublish_reason"' in html


def test_the_reason_for_unpublishing_is_recorded_with_who_did_it(
    warning_index, admin_client, admin_user
):
    page = factories.warning()

    admin_client.post(
        f"/admin/pages/{page.pk}/unpublish/",
        {"unpublish_reason": "发布了错误的产品批次"},
    )
    page.refresh_from_db()

    entries = PageLogEntry.objects.filter(page_id=page.pk)
    reason = entries.get(action="alerts.unpublish_reason")
    assert not page.live
    assert reason.data == {"reason": "发布了错误的产品批次"}
    assert reason.user == admin_user
    assert entries.get(action="wagtail.unpublish").user == admin_user
    history = admin_client.get(f"/admin/pages/{page.pk}/history/").content.decode()
    assert "发布了错误的产品批次" in history


def test_the_editor_explains_which_edits_tell_subscribers(warning_index, admin_client):
    page = factories.warning()

    html = admin_client.get(f"/admin/pages/{page.pk}/edit/").content.decode()

    assert "Which saves tell subscribers" in html or "哪些保存会通知订阅者" in html
    assert "data-sms-counter" in html


def test_copying_a_level_ii_warning_with_publish_is_refused(
    warning_index, admin_client
):
    page = factories.warning(level=2)

    response = admin_client.post(
        f"/admin/pages/{page.pk}/copy/",
        {
            "new_title": "复制",
            "new_slug": "copy-2",
            "new_parent_page": warning_index.pk,
            "publish_copies": "on",
        },
    )

    assert response.status_code == 302
    assert not page.get_siblings().filter(slug="copy-2").exists()
