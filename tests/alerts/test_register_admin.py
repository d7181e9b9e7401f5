"""The registers in the Wagtail admin: search, edits with their revisions and
log entries, company roles, the entries due for removal."""

from datetime import timedelta

import lxml.html
import pytest
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from wagtail.models import ModelLogEntry

from alerts.models import Company
from tests import factories


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "e@example.com", "pw")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("path", "make", "words"),
    [
        ("recallentry", lambda: factories.recall(product="儿童电动滑板车"), "滑板"),
        (
            "blacklistentry",
            lambda: factories.blacklist_entry(company_name="示例玩具厂"),
            "玩具厂",
        ),
    ],
)
def test_staff_find_register_entries_by_words_in_the_admin(
    staff_client, categories, path, make, words
):
    entry = make()

    response = staff_client.get(f"/admin/snippets/alerts/{path}/", {"q": words})

    assert response.status_code == 200
    assert (
        f"/admin/snippets/alerts/{path}/edit/{entry.pk}/" in response.content.decode()
    )


def edit_form(client, url):
    """The fields of an admin edit form as the browser would send them."""
    page = lxml.html.fromstring(client.get(url).content.decode())
    form = next(f for f in page.forms if f.get("data-edit-form") is not None)
    data = MultiValueDict()
    for name, value in form.form_values():
        # A browser drops the newline that opens a textarea's content.
        data.appendlist(name, value.removeprefix("\n"))
    return data


def test_an_admin_edit_of_a_recall_leaves_a_revision_and_a_log_naming_the_editor(
    staff_client, categories
):
    recall = factories.recall(product="示例电动车")
    recall.save_revision().publish()
    url = f"/admin/snippets/alerts/recallentry/edit/{recall.pk}/"
    data = edit_form(staff_client, url)
    data["defect"] = "刹车失灵。"

    response = staff_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    revision = recall.revisions.order_by("-created_at").first()
    assert recall.revisions.count() == 2
    assert revision.user.username == "editor"
    assert revision.content["defect"] == "刹车失灵。"
    log = ModelLogEntry.objects.for_instance(recall).filter(action="wagtail.edit")
    assert [entry.user.username for entry in log] == ["editor"]


def test_staff_give_a_recall_company_its_role_in_the_admin(staff_client, categories):
    recall = factories.recall(product="示例推车")
    recall.save_revision().publish()
    importer = Company.objects.create(name="示例进口商")
    url = f"/admin/snippets/alerts/recallentry/edit/{recall.pk}/"
    data = edit_form(staff_client, url)
    for name, value in {
        "company_roles-TOTAL_FORMS": "1",
        "company_roles-0-id": "",
        "company_roles-0-ORDER": "1",
        "company_roles-0-DELETE": "",
        "company_roles-0-company": str(importer.pk),
        "company_roles-0-role": "importer",
        "action-publish": "publish",
    }.items():
        data[name] = value

    response = staff_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    assert [(c.company, c.role) for c in recall.company_roles.all()] == [
        (importer, "importer")
    ]
    assert ModelLogEntry.objects.for_instance(recall).filter(
        action="wagtail.publish", user__username="editor"
    )


def test_an_admin_edit_of_a_blacklist_entry_leaves_a_revision_and_a_log(
    staff_client, categories
):
    entry = factories.blacklist_entry()
    entry.save_revision().publish()
    url = f"/admin/snippets/alerts/blacklistentry/edit/{entry.pk}/"
    data = edit_form(staff_client, url)
    data["penalty"] = "罚款十万元"
    data["credit_code"] = "91330100ma2dem001h"

    response = staff_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    revision = entry.revisions.order_by("-created_at").first()
    assert (revision.user.username, revision.content["penalty"]) == (
        "editor",
        "罚款十万元",
    )
    assert revision.content["credit_code"] == "91330100MA2DEM001H"
    assert ModelLogEntry.objects.for_instance(entry).filter(
        action="wagtail.edit", user__username="editor"
    )


def test_staff_list_the_entries_due_for_removal_and_nothing_removes_them(
    staff_client, categories
):
    today = timezone.localdate()
    due = factories.blacklist_entry(
        company_name="示例到期公司", removal_due_on=today - timedelta(days=1)
    )
    factories.blacklist_entry(
        company_name="示例未到期公司", removal_due_on=today + timedelta(days=30)
    )
    factories.blacklist_entry(
        company_name="示例已移出公司",
        removal_due_on=today - timedelta(days=10),
        removed_on=today - timedelta(days=2),
        removal_reason="expiry",
    )

    response = staff_client.get(
        "/admin/snippets/alerts/blacklistentry/", {"due_for_removal": "true"}
    )

    listing = response.content.decode()
    assert "示例到期公司" in listing
    assert "示例未到期公司" not in listing and "示例已移出公司" not in listing
    due.refresh_from_db()
    assert due.removed_on is None and due.is_listed


def form_errors(response):
    form = response.context["form"]
    return form.errors, [f.errors for f in getattr(form, "formsets", {}).values()]
