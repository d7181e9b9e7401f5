"""Queue names. `make worker` listens to every one (a test proves it), in
the order written here: with `queue_order_strategy = "priority"` (see
settings) a worker always takes from the first non-empty queue, so a code
or a confirmation never waits behind a fan-out, and level I and II notices
never wait behind level III and IV."""

VERIFICATION = "verification"  # confirmations and codes, never behind a fan-out
DISPATCH = "dispatch"  # matching subscribers to a notice, sweepers
URGENT = "notices-urgent"  # level I and II notices
ROUTINE = "notices-routine"  # level III and IV notices, digests

ALL = (VERIFICATION, DISPATCH, URGENT, ROUTINE)


def for_level(level):
    return URGENT if level <= 2 else ROUTINE


def levels_of(queue):
    """The notice levels whose messages go on `queue`."""
    return [level for level in (1, 2, 3, 4) if for_level(level) == queue]


def waiting(name):
    """How many messages wait in the broker's queue `name`, not counting
    those a worker has taken; None when the broker cannot be asked within
    two seconds. Tasks that run in-process (no broker) never wait."""
    from celery import current_app

    if current_app.conf.task_always_eager:
        return 0
    # A broker that does not answer (hung, or a peer lost behind a firewall)
    # would otherwise hold the sweeper for good, and one that refuses would
    # be asked again for the whole connection timeout. (Not a module
    # constant: `make worker` reads each of those as a queue name.)
    timeout = 2.0
    try:
        with current_app.connection_for_read(
            connect_timeout=timeout,
            transport_options={
                "max_retries": 0,
                "socket_connect_timeout": timeout,
                "socket_timeout": timeout,
            },
        ) as connection:
            try:
                declared = connection.default_channel.queue_declare(
                    queue=name, passive=True
                )
            except connection.channel_errors:
                return 0  # no such queue: nothing was ever left in it
            return declared.message_count
    except Exception:  # noqa: BLE001 - a broker down is "cannot say"
        return None


_TASK_QUEUES = {
    "subscriptions.tasks.dispatch_notice": DISPATCH,
    "subscriptions.tasks.sweep_pending_notices": DISPATCH,
    "subscriptions.tasks.check_unsent_urgent_notices": DISPATCH,
    "subscriptions.tasks.retry_failed_deliveries": DISPATCH,
    "subscriptions.tasks.send_deliveries": ROUTINE,
    "subscriptions.digests.send_due_digests": ROUTINE,
    "subscriptions.tasks.send_due_digests": ROUTINE,
    "subscriptions.confirmations.send_email_confirmation": VERIFICATION,
    "subscriptions.confirmations.send_phone_code": VERIFICATION,
}


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery router (CELERY_TASK_ROUTES): the queue of each task. A queue
    given to apply_async explicitly wins."""
    queue = _TASK_QUEUES.get(name)
    return {"queue": queue} if queue else None
