"""The per-provider token bucket: filled, never exceeded."""

import pytest

from subscriptions import throttle


@pytest.fixture
def bucket(settings):
    settings.REDIS_URL = None
    settings.HERALD_RATE_BURST = 1
    settings.HERALD_RATE_HEADROOM = 0
    throttle.reset("test-provider")
    yield "test-provider"
    throttle.reset("test-provider")


def test_slots_are_spaced_one_over_the_rate_apart(bucket):
    delays = [throttle.reserve(bucket, rate=10) for _ in range(5)]

    gaps = [later - earlier for earlier, later in zip(delays, delays[1:], strict=False)]
    assert delays[0] == pytest.approx(0, abs=0.01)
    assert all(gap == pytest.approx(0.1, abs=0.01) for gap in gaps)


def test_a_burst_lets_that_many_go_at_once_then_spaces_the_rest(bucket, settings):
    settings.HERALD_RATE_BURST = 3

    delays = [throttle.reserve(bucket, rate=10) for _ in range(5)]

    assert delays[:3] == pytest.approx([0, 0, 0], abs=0.01)
    assert delays[3] == pytest.approx(0.1, abs=0.01)


def test_a_provider_without_a_rate_is_not_limited(settings):
    settings.HERALD_RATE_LIMITS = {"sms": 0}

    assert throttle.wait_for_slot("sms") == 0.0


def test_a_chunk_another_worker_already_took_holds_no_slot_of_the_rate_limit(
    warning_index, scripted_sms, monkeypatch
):
    from subscriptions import queries, tasks
    from tests import factories

    for _ in range(3):
        factories.subscriber(email=False)
    page = factories.warning()
    ids = [pk for pk, _digest in queries.write_deliveries(page.notices.get())]
    loaded = queries.deliveries_to_send

    def loaded_then_taken_by_another_worker(ids, sms_sender=None):
        deliveries = loaded(ids, sms_sender)
        for delivery in deliveries:
            queries.claim(delivery.pk)
        return deliveries

    slots = []
    monkeypatch.setattr(
        queries, "deliveries_to_send", loaded_then_taken_by_another_worker
    )
    monkeypatch.setattr(throttle, "wait_for_slot", slots.append)

    sent = tasks.send_deliveries(ids)

    assert (sent, slots) == (0, [])
    assert scripted_sms.SENT == []


def test_codes_and_confirmations_take_their_slots_of_the_same_rate_limit(
    client, subscribe_form, monkeypatch
):
    slots = []
    monkeypatch.setattr(throttle, "wait_for_slot", slots.append)

    client.post(
        "/subscribe/",
        subscribe_form(email="parent@example.com", phone="13800138000"),
    )

    assert sorted(slots) == ["email", "sms"]
