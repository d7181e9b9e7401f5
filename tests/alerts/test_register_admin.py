import pytest

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
