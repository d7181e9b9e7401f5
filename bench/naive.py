"""The naive baseline the benchmark compares with: one query to match and
one task to send, per subscriber."""

from celery import shared_task


@shared_task
def naive_send(delivery_id):
    from subscriptions.channels.sms import sms_provider
    from subscriptions.messages import render_sms
    from subscriptions.models import Delivery

    delivery = Delivery.objects.select_related("subscriber", "notice").get(
        pk=delivery_id
    )
    if delivery.status != "queued":
        return
    body = render_sms(delivery.notice, delivery.subscriber)
    delivery.provider_id = sms_provider().send(delivery.subscriber.phone, body) or ""
    delivery.status = "sent"
    delivery.save()
