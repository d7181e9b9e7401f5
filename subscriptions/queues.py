"""Queue names. `make worker` listens to every one (a test proves it)."""

URGENT = "notices-urgent"  # level I and II notices
ROUTINE = "notices-routine"  # level III and IV notices, digests
VERIFICATION = "verification"  # confirmations and codes, never behind a fan-out
DISPATCH = "dispatch"  # matching subscribers to a notice, sweepers

ALL = (URGENT, ROUTINE, VERIFICATION, DISPATCH)


def for_level(level):
    return URGENT if level <= 2 else ROUTINE


_TASK_QUEUES = {
    "subscriptions.tasks.dispatch_notice": DISPATCH,
    "subscriptions.tasks.sweep_pending_notices": DISPATCH,
    "subscriptions.tasks.send_deliveries": ROUTINE,
    "subscriptions.confirmations.send_email_confirmation": VERIFICATION,
    "subscriptions.confirmations.send_phone_code": VERIFICATION,
}


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery router (CELERY_TASK_ROUTES): the queue of each task. A queue
    given to apply_async explicitly wins."""
    queue = _TASK_QUEUES.get(name)
    return {"queue": queue} if queue else None
