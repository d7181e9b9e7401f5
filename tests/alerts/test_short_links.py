from subscriptions.models import OutboxMessage
from tests import factories


def test_an_sms_carries_a_short_ascii_link_that_leads_to_the_warning(
    client, warning_index, django_capture_on_commit_callbacks, settings
):
    settings.HERALD_SMS_PROVIDER = "subscriptions.channels.sms.OutboxSmsProvider"
    factories.subscriber(email=False, categories=("toys",))

    with django_capture_on_commit_callbacks(execute=True):
        page = factories.warning(slug="遥控玩具车电池鼓包", level=3)

    [sms] = OutboxMessage.objects.filter(channel="sms")
    [link] = [word for word in sms.body.split() if word.startswith("http")]
    assert link.isascii() and link.endswith(f"/w/{page.reference}/")
    response = client.get(link.removeprefix(settings.HERALD_BASE_URL))
    assert response.status_code == 301
    assert response["Location"] == page.public_path()
    assert client.get(response["Location"]).status_code == 200


def test_a_chinese_slug_gives_a_percent_encoded_address(warning_index):
    page = factories.warning(slug="遥控玩具车")

    assert page.public_path() == (
        "/warnings/%E9%81%A5%E6%8E%A7%E7%8E%A9%E5%85%B7%E8%BD%A6/"
    )


def test_a_port_bulletin_has_no_short_link(client, warning_index):
    page = factories.warning(kind="port_bulletin")

    assert client.get(page.short_path()).status_code == 404
