import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
# What a worker process imports: Django and the Celery app, no URLconf.
WORKER_VIEW = """
import json, django
django.setup()
from herald.celery import app
app.loader.import_default_modules()
print(json.dumps(sorted(app.tasks)))
"""


def test_a_worker_process_knows_the_confirmation_and_erasure_tasks(settings):
    result = subprocess.run(
        [sys.executable, "-c", WORKER_VIEW],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"DJANGO_SETTINGS_MODULE": "herald.settings.test", "PATH": "/usr/bin"},
        check=True,
    )
    registered = set(json.loads(result.stdout.strip().splitlines()[-1]))

    assert {
        "subscriptions.confirmations.send_email_confirmation",
        "subscriptions.confirmations.send_phone_code",
        "subscriptions.confirmations.send_manage_link_by_email",
        "subscriptions.confirmations.send_manage_link_by_sms",
        settings.CELERY_BEAT_SCHEDULE["erase-departed-subscribers"]["task"],
    } <= registered
