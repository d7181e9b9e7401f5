"""Real services for integration tests: PostgreSQL and Redis (already
running), a Celery worker subprocess, an SMTP server on loopback (aiosmtpd),
and Prism serving Twilio's OpenAPI description (installed from npm into
`.cache/node/` on first use).

Run with DATABASE_URL=postgres://... REDIS_URL=redis://... pytest -m integration.
"""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path

import pytest

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]
TWILIO_SPEC = ROOT.parent / "shared" / "data" / "twilio" / "twilio_api_v2010.json"
NODE_DIR = ROOT / ".cache" / "node"
PRISM = NODE_DIR / "node_modules" / ".bin" / "prism"
PRISM_VERSION = "5.14.2"
ARTIFACTS = ROOT / "test-artifacts"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "integration-auth-token"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, seconds, process=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def wait_until(condition, seconds, every=0.2, step=None):
    """Poll `condition` until it is true or time runs out; returns its value."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        if step:
            step()
        time.sleep(every)


@pytest.fixture(scope="session")
def services():
    """PostgreSQL and Redis, named by DATABASE_URL and REDIS_URL."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    need(
        database_url.startswith("postgres"),
        "integration tests need DATABASE_URL=postgres://...",
    )
    need(bool(redis_url), "integration tests need REDIS_URL")
    import redis

    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.RedisError:
        need(False, f"Redis does not answer at {redis_url}")
    return {"redis_url": redis_url}


@pytest.fixture
def clean_redis(services):
    """An empty Redis database: no queued task of an earlier test is left."""
    import redis

    redis.Redis.from_url(services["redis_url"]).flushdb()
    return services["redis_url"]


class SmtpSink:
    """Records every message it accepts; can refuse the next N recipients."""

    def __init__(self):
        self.messages = []
        self.refuse_next = 0
        self.refused = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt, envelope.content))
        return "250 Message accepted for delivery"

    def count(self):
        with self.lock:
            return len(self.messages)

    def per_recipient(self):
        with self.lock:
            return Counter(rcpt for rcpt, _content in self.messages)

    def parsed(self):
        with self.lock:
            return [(rcpt, message_from_bytes(raw)) for rcpt, raw in self.messages]

    def clear(self):
        with self.lock:
            self.messages.clear()
            self.refuse_next = self.refused = 0


@pytest.fixture
def smtp_sink():
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.port = port
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def prism():
    """Prism mocking Twilio's REST API on loopback."""
    need(TWILIO_SPEC.is_file(), f"the Twilio OpenAPI file is not at {TWILIO_SPEC}")
    need(shutil.which("npm") is not None, "npm is needed to install Prism")
    if not PRISM.exists():
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                f"@stoplight/prism-cli@{PRISM_VERSION}",
            ],
            cwd=NODE_DIR,
            check=True,
            timeout=600,
            capture_output=True,
        )
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "prism.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(TWILIO_SPEC)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        need(wait_for_port(port, 90, process), "Prism did not start listening")
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        log.close()


class Workers:
    """Starts Celery workers on the test database; kills them at teardown."""

    def __init__(self, database_url, redis_url):
        self.database_url = database_url
        self.redis_url = redis_url
        self.processes = []
        self.env = {}

    def start(self, redis_url=None, beat=False, concurrency=2, **env):
        from subscriptions import queues

        ARTIFACTS.mkdir(exist_ok=True)
        number = len(self.processes) + 1
        log_path = ARTIFACTS / f"worker-{os.getpid()}-{number}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "herald.settings.test",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": redis_url or self.redis_url,
            "HERALD_SEND_RETRY_BASE_SECONDS": "0.5",
            "HERALD_SEND_RETRY_MAX_SECONDS": "2",
            "LOG_LEVEL": "INFO",
            **self.env,
            **{key: str(value) for key, value in env.items()},
        }
        command = [
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "herald",
            "worker",
            "-Q",
            ",".join(queues.ALL),
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"test{number}-{os.getpid()}@%h",
        ]
        if beat:
            command += ["--beat", "--schedule", str(ARTIFACTS / f"beat-{number}")]
        log = open(log_path, "wb")  # noqa: SIM115
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log_path = log_path
        self.processes.append(process)
        ready = wait_until(lambda: b" ready." in log_path.read_bytes(), 60)
        assert ready, f"the worker did not start: see {log_path}"
        return process

    def kill(self, process):
        """SIGKILL the worker and its pool processes, as a crash would."""
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=20)

    def stop_all(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.kill(process)


@pytest.fixture
def workers(transactional_db, clean_redis, settings):
    """Celery workers sharing the pytest-django test database."""
    from django.db import connection

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    pool = Workers(f"{base}/{connection.settings_dict['NAME']}", clean_redis)
    yield pool
    pool.stop_all()


@pytest.fixture
def email_and_sms_worker_env(workers, smtp_sink, prism, settings):
    """Workers send email to the sink and SMS to Prism."""
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    workers.env.update(
        {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_sink.port),
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_FROM": "+15005550006",
            "TWILIO_API_BASE_URL": prism,
        }
    )
    return workers
