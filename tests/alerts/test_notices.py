from alerts.models import Notice
from tests import factories


def test_publishing_a_warning_records_one_publication_notice(
    warning_index, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning()

    assert list(Notice.objects.filter(warning=page).values_list("kind", flat=True)) == [
        "publication"
    ]


def test_a_republish_that_changes_nothing_issues_no_notice(warning_index):
    page = factories.warning()

    page.save_revision().publish()

    assert Notice.objects.filter(warning=page).count() == 1


def test_a_level_change_and_a_lifting_are_notices_of_their_own(warning_index):
    page = factories.warning(level=3)

    factories.change_level(page, 1)
    factories.lift(page)

    notices = Notice.objects.filter(warning=page).order_by("sequence")
    assert [(n.kind, n.level, n.previous_level) for n in notices] == [
        ("publication", 3, None),
        ("adjustment", 1, 3),
        ("lifting", 1, 1),
    ]


def test_a_draft_issues_no_notice(warning_index):
    page = factories.warning(publish=False)

    assert not Notice.objects.filter(warning=page).exists()
