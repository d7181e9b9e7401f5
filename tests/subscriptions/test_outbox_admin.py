from subscriptions.models import Channel, OutboxMessage

OUTBOX = "/admin/snippets/subscriptions/outboxmessage/"


def kept_sms():
    return OutboxMessage.objects.create(
        channel=Channel.SMS,
        to="+8613800000001",
        body="【产品安全预警】[III级] 部分磁力积木玩具磁铁易脱落，请停止使用。",
    )


def test_staff_read_the_text_of_each_kept_message_in_the_outbox_list(admin_client):
    message = kept_sms()

    response = admin_client.get(OUTBOX, HTTP_ACCEPT_LANGUAGE="en")
    inspect = admin_client.get(f"{OUTBOX}inspect/{message.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Kept at" in html and "Message" in html
    assert "部分磁力积木玩具磁铁易脱落" in html
    assert inspect.status_code == 200
    assert "部分磁力积木玩具磁铁易脱落" in inspect.content.decode()


def test_no_one_can_write_change_or_delete_a_message_in_the_outbox(admin_client):
    message = kept_sms()

    add = admin_client.get(f"{OUTBOX}add/")
    edit = admin_client.post(f"{OUTBOX}edit/{message.pk}/", {"body": "changed"})
    delete = admin_client.post(f"{OUTBOX}delete/{message.pk}/")

    assert {add.status_code, edit.status_code, delete.status_code} <= {302, 403}
    message.refresh_from_db()
    assert message.body.startswith("【产品安全预警】")
    assert OutboxMessage.objects.count() == 1
    assert f"{OUTBOX}add/" not in admin_client.get(OUTBOX).content.decode()
