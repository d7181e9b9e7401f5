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


def test_the_editor_offers_a_go_live_time_but_no_expiry_and_says_why(
    warning_index, admin_client
):
    page = factories.warning()

    html = admin_client.get(f"/admin/pages/{page.pk}/edit/").content.decode()

    assert 'name="go_live_at"' in html
    assert 'name="expire_at"' not in html
    assert "预警不会自动过期" in html


def test_an_expiry_left_on_a_warning_is_cleared_by_the_next_save(
    warning_index, admin_client, warning_form_data
):
    from datetime import timedelta

    from django.utils import timezone

    page = factories.warning(level=3, slug="toy-batteries")
    page.expire_at = timezone.now() + timedelta(days=3)
    page.save_revision().publish()

    data = warning_form_data(level="3", expire_at="2099-01-01 10:00")
    data["action-publish"] = "action-publish"
    admin_client.post(f"/admin/pages/{page.pk}/edit/", data)
    page.refresh_from_db()

    assert page.expire_at is None


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


def approver_client(client, django_user_model, username="approver-b"):
    """A client logged in as a member of Approvers (and Editors)."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(username, password="pw-appr-b-1")
    user.groups.add(
        Group.objects.get(name="Editors"), Group.objects.get(name="Approvers")
    )
    client.force_login(user)
    return user


def bulk_url(action, *pages):
    ids = "&".join(f"id={page.pk}" for page in pages)
    return f"/admin/bulk/wagtailcore/page/{action}/?{ids}&next=/admin/pages/"


def test_bulk_publishing_a_level_i_draft_is_refused_and_says_why(
    warning_index, client, django_user_model
):
    user = approver_client(client, django_user_model)
    draft = factories.warning(publish=False, level=1, user=user)

    response = client.post(bulk_url("publish", draft), {})
    draft.refresh_from_db()

    assert response.status_code == 302
    assert not draft.live
    shown = client.get(response["Location"]).content.decode()
    assert "请打开该预警并提交审批" in shown


def test_bulk_publishing_the_index_with_its_drafts_leaves_a_level_ii_draft_alone(
    warning_index, client, django_user_model
):
    user = approver_client(client, django_user_model)
    draft = factories.warning(publish=False, level=2, user=user)

    client.post(bulk_url("publish", warning_index), {"include_descendants": "on"})
    draft.refresh_from_db()

    assert not draft.live


def test_bulk_publishing_a_draft_that_raises_a_live_warning_to_level_ii_is_refused(
    warning_index, client, django_user_model
):
    user = approver_client(client, django_user_model)
    page = factories.warning(level=3, user=user)
    page.level = 2
    page.change_reason = "出现起火事故"
    page.save_revision(user=user)

    client.post(bulk_url("publish", page), {})
    page.refresh_from_db()

    assert page.level == 3
    assert page.has_unpublished_changes


def test_bulk_publishing_a_level_iii_draft_still_works(
    warning_index, client, django_user_model
):
    user = approver_client(client, django_user_model)
    draft = factories.warning(publish=False, level=3, user=user)

    client.post(bulk_url("publish", draft), {})
    draft.refresh_from_db()

    assert draft.live


def submitted_level_one_draft(client, django_user_model, warning_form_data):
    """A level I draft its author, an editor, has submitted for approval."""
    from django.contrib.auth.models import Group

    author = django_user_model.objects.create_user("author", password="pw-author-1")
    author.groups.add(Group.objects.get(name="Editors"))
    page = factories.warning(publish=False, level=1, user=author, slug="level-one")
    client.force_login(author)
    submitted = warning_form_data(level="1", slug="level-one")
    submitted["action-submit"] = "action-submit"
    client.post(f"/admin/pages/{page.pk}/edit/", submitted)
    return page


def test_an_approver_cannot_approve_a_version_he_edited_during_the_review(
    warning_index, client, django_user_model, warning_form_data
):
    page = submitted_level_one_draft(client, django_user_model, warning_form_data)
    page.refresh_from_db()
    task_state = page.current_workflow_state.current_task_state
    action_url = f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/"

    reviewer = approver_client(client, django_user_model, "reviewer")
    edited = warning_form_data(
        level="1", slug="level-one", summary_zh="审批人改写的摘要。"
    )
    client.post(f"/admin/pages/{page.pk}/edit/", edited)
    client.post(action_url, {})
    page.refresh_from_db()
    live_after_reviewer_tried = page.live
    task = task_state.task.specific
    reviewer_may_moderate = task.get_task_states_user_can_moderate(reviewer).exists()
    other = approver_client(client, django_user_model, "other-approver")
    client.post(action_url, {})
    page.refresh_from_db()

    assert page.get_latest_revision().user == reviewer
    assert not live_after_reviewer_tried
    assert not reviewer_may_moderate
    assert page.live
    assert page.summary_zh == "审批人改写的摘要。"
    assert (
        PageLogEntry.objects.get(
            page_id=page.pk, action="wagtail.workflow.approve"
        ).user
        == other
    )


def test_an_approver_who_edits_and_approves_in_one_save_publishes_nothing(
    warning_index, client, django_user_model, warning_form_data
):
    page = submitted_level_one_draft(client, django_user_model, warning_form_data)

    reviewer = approver_client(client, django_user_model, "reviewer")
    edited = warning_form_data(
        level="1", slug="level-one", summary_zh="审批人改写的摘要。"
    )
    edited["action-workflow-action"] = "true"
    edited["workflow-action-name"] = "approve"
    client.post(f"/admin/pages/{page.pk}/edit/", edited)
    page.refresh_from_db()

    # The edit is saved as a draft; the approval of it is refused.
    assert page.get_latest_revision().user == reviewer
    assert not page.live
    assert not PageLogEntry.objects.filter(
        page_id=page.pk, action="wagtail.workflow.approve"
    ).exists()


def test_bulk_unpublishing_a_warning_is_refused_and_points_to_its_own_unpublish(
    warning_index, admin_client
):
    page = factories.warning(level=3)

    response = admin_client.post(bulk_url("unpublish", page), {})
    page.refresh_from_db()
    index_response = admin_client.post(
        bulk_url("unpublish", warning_index), {"include_descendants": "on"}
    )
    page.refresh_from_db()
    warning_index.refresh_from_db()

    assert page.live and warning_index.live
    assert index_response.status_code == 302
    shown = admin_client.get(response["Location"]).content.decode()
    assert "逐条取消发布" in shown


def test_the_admin_names_herald_page_types_in_chinese(warning_index, admin_client):
    home = warning_index.get_parent()
    page = factories.warning()

    pages = {
        "home": admin_client.get(
            f"/admin/pages/{home.pk}/edit/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode(),
        "index": admin_client.get(
            f"/admin/pages/{warning_index.pk}/edit/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode(),
        "listing": admin_client.get(
            f"/admin/pages/{home.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode(),
        "warning": admin_client.get(
            f"/admin/pages/{page.pk}/edit/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode(),
    }

    for html in pages.values():
        assert "Home page" not in html
        assert "Warning index page" not in html
    assert "首页" in pages["home"]
    assert "预警列表页" in pages["index"]
    assert "预警列表页" in pages["listing"]
    assert "预警" in pages["warning"]
