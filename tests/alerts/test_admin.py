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


def test_a_level_i_warning_goes_live_through_another_approver_and_the_log_says_who(
    warning_index,
    client,
    django_user_model,
    warning_form_data,
    django_capture_on_commit_callbacks,
):
    from django.contrib.auth.models import Group

    from alerts.models import Notice

    author = django_user_model.objects.create_user("author", password="pw-author-1")
    # The author is an approver too, and still may not approve their own.
    author.groups.add(
        Group.objects.get(name="Editors"), Group.objects.get(name="Approvers")
    )
    approver = django_user_model.objects.create_user("approver", password="pw-app-1")
    approver.groups.add(Group.objects.get(name="Approvers"))
    page = factories.warning(publish=False, level=1, user=author, slug="level-one")

    client.force_login(author)
    data = warning_form_data(level="1", slug="level-one")
    data["action-submit"] = "action-submit"
    client.post(f"/admin/pages/{page.pk}/edit/", data)
    page.refresh_from_db()
    task_state = page.current_workflow_state.current_task_state
    action_url = f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/"
    client.post(action_url, {})
    page.refresh_from_db()
    live_after_author_tried = page.live
    client.force_login(approver)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action_url, {})
    page.refresh_from_db()

    assert not live_after_author_tried
    assert page.live
    assert Notice.objects.get(warning=page).issued_by == approver
    steps = {
        entry.action: entry.user.username
        for entry in PageLogEntry.objects.filter(page_id=page.pk).select_related("user")
        if entry.user
    }
    assert steps["wagtail.workflow.start"] == "author"
    assert steps["wagtail.workflow.approve"] == "approver"
    assert steps["wagtail.publish"] == "approver"
