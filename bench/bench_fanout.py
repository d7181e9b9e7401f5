"""Fan-out benchmark: publish a warning, measure the delivery pipeline.

On PostgreSQL and Redis with a real Celery worker (2 prefork processes) and
an SMS provider that accepts at once (bench/providers.py, noting the time of
each hand-off in Redis), it measures, for a population of subscribers with
realistic category mixes:

- time from the publish commit to every delivery row written;
- time from the publish commit to the first message handed to the provider;
- the whole fan-out rate;
- with a provider limit (100/s): the achieved rate and the busiest second;
- peak memory (RSS) of the worker processes and of this (web) process;
- the ratio to a naive baseline (one query and one task per subscriber) on a
  smaller set, run in the same process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/herald_bench \\
    REDIS_URL=redis://127.0.0.1:6379/14 \\
    .venv/bin/python bench/bench_fanout.py [--subscribers 300000] [--matching 100000]

The population is kept between runs of the same size (loading it takes a
while); the database is created and migrated when missing.
"""

import argparse
import datetime
import io
import os
import platform
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "fanout.txt"
PROVIDER = "bench.providers.InstantSmsProvider"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=300_000)
    parser.add_argument("--matching", type=int, default=100_000)
    parser.add_argument("--limited", type=int, default=2_000, help="sent at 100/s")
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--baseline", type=int, default=2_000)
    parser.add_argument("--timeout", type=float, default=900.0)
    return parser.parse_args()


def configure():
    database_url = os.environ.setdefault(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/herald_bench"
    )
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
    if not database_url.startswith("postgres"):
        sys.exit("bench_fanout needs PostgreSQL: set DATABASE_URL=postgres://...")
    os.environ["DJANGO_SETTINGS_MODULE"] = "herald.settings.test"
    os.environ["HERALD_SMS_PROVIDER"] = PROVIDER
    os.environ["LOG_LEVEL"] = "WARNING"
    _create_database(database_url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_database(url):
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


# --- the population -------------------------------------------------------


def branches():
    """The category branches the runs use, by top-level category."""
    from alerts.models import ProductCategory

    tops = list(ProductCategory.objects.filter(parent__isnull=True).order_by("path"))
    main = next(top for top in tops if top.code == "toys")
    rest = [top for top in tops if top != main]
    limited, baseline, small, others = rest[-1], rest[-2], rest[-3], rest[:-3]

    def branch(top):
        return list(ProductCategory.objects.filter(path__startswith=top.path))

    return {
        "main": branch(main),
        "limited": branch(limited),
        "baseline": branch(baseline),
        "small": branch(small),
        "others": [c for top in others for c in branch(top)],
    }


def populate(args):
    """Subscribers by SMS: `matching` follow toys (the branch or one kind of
    toy, often with other interests), a few thousand follow the branches the
    smaller runs use, the rest follow other goods."""
    from django.db import connection

    from subscriptions.models import Subscriber

    groups = branches()
    expected = (
        f"{args.subscribers}:{args.matching}:{args.limited}:{args.baseline}:"
        f"{len(groups['others'])}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_population (shape text PRIMARY KEY)"
        )
        cursor.execute("SELECT shape FROM bench_population")
        row = cursor.fetchone()
    if row and row[0] == expected and Subscriber.objects.count() == args.subscribers:
        print(f"population of {args.subscribers:,} subscribers kept from a last run")
        return
    started = time.monotonic()
    random.seed(2026)
    main_parent, *main_kinds = groups["main"]
    now = datetime.datetime.now(datetime.UTC).isoformat()
    fields = [
        f
        for f in Subscriber._meta.concrete_fields
        if not f.primary_key and f.name != "id"
    ]
    overrides = {
        "email": None,
        "phone_confirmed_at": now,
        "created_at": now,
        "updated_at": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE subscriptions_delivery, subscriptions_subscriber_categories, "
            "subscriptions_subscriber RESTART IDENTITY CASCADE"
        )
        columns = ", ".join(f.column for f in fields)
        with cursor.cursor.copy(
            f"COPY subscriptions_subscriber ({columns}) FROM STDIN"
        ) as copy:
            for number in range(args.subscribers):
                values = dict(overrides, phone=f"+8613{number:09d}")
                copy.write_row(
                    [
                        _db_value(f, values[f.name] if f.name in values else None)
                        for f in fields
                    ]
                )
        cursor.execute("SELECT id FROM subscriptions_subscriber ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        random.shuffle(ids)
        links = []
        offset = 0
        for group, size in (
            ("main", args.matching),
            ("limited", args.limited),
            ("baseline", args.baseline),
            ("small", args.baseline),
        ):
            for person in ids[offset : offset + size]:
                if group == "main":
                    chosen = {main_parent if random.random() < 0.4 else None}
                    chosen.add(random.choice(main_kinds))
                else:
                    chosen = {random.choice(groups[group])}
                chosen |= set(random.sample(groups["others"], random.randint(0, 2)))
                links += [(person, c.pk) for c in chosen if c is not None]
            offset += size
        for person in ids[offset:]:
            chosen = random.sample(groups["others"], random.randint(1, 3))
            links += [(person, c.pk) for c in chosen]
        with cursor.cursor.copy(
            "COPY subscriptions_subscriber_categories "
            "(subscriber_id, productcategory_id) FROM STDIN"
        ) as copy:
            for link in links:
                copy.write_row(link)
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM bench_population")
        cursor.execute("INSERT INTO bench_population VALUES (%s)", [expected])
    print(
        f"loaded {args.subscribers:,} subscribers and {len(links):,} category links "
        f"in {time.monotonic() - started:.0f} s"
    )


def _db_value(field, value):
    from django.db import connection

    if value is None and not field.null:
        value = field.get_default()
    if value is None:
        return None
    prepared = field.get_db_prep_save(value, connection)
    if hasattr(prepared, "adapted"):
        prepared = prepared.adapted
    return prepared


# --- worker, publishing, measuring ----------------------------------------


class Worker:
    def __init__(self, **env):
        from subscriptions import queues

        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="bench-fanout-worker-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "celery"),
                "-A",
                "herald",
                "worker",
                "-Q",
                ",".join(queues.ALL),
                "--concurrency",
                "2",
                "--pool",
                "prefork",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-I",
                "bench.naive",
            ],
            cwd=ROOT,
            env={**os.environ, **{k: str(v) for k, v in env.items()}},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        time.sleep(6)  # the pool forks and connects

    def pids(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [self.process.pid, *map(int, children.read_text().split())]
        except OSError:
            return [self.process.pid]

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.log.close()


def rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


class MemorySampler(threading.Thread):
    def __init__(self, worker):
        super().__init__(daemon=True)
        self.worker = worker
        self.stop_event = threading.Event()
        self.worker_total = self.worker_largest = self.web = 0

    def run(self):
        while not self.stop_event.is_set():
            sizes = [rss_kib(pid) for pid in self.worker.pids()]
            self.worker_total = max(self.worker_total, sum(sizes))
            self.worker_largest = max(self.worker_largest, max(sizes, default=0))
            self.web = max(self.web, rss_kib(os.getpid()))
            time.sleep(0.2)

    def stop(self):
        self.stop_event.set()
        self.join()


def redis_client():
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.REDIS_URL)


def hand_offs():
    from bench.providers import SENT_KEY

    return sorted(float(value) for value in redis_client().lrange(SENT_KEY, 0, -1))


def reset_run():
    from django.db import connection

    from bench.providers import SENT_KEY

    client = redis_client()
    client.delete(SENT_KEY)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE subscriptions_delivery")
    # Tasks of an earlier, unfinished run must not be counted in this one.
    from subscriptions import queues

    for queue in queues.ALL:
        client.delete(queue)


def publish(branch_categories, level, dispatch=True):
    """Publish a warning through Wagtail; returns (notice, commit time)."""
    from alerts.models import WarningIndexPage, WarningPage
    from alerts.signals import notice_issued
    from subscriptions import receivers

    issued = {}

    def note(sender, notice_id, **kwargs):
        issued.setdefault("at", time.time())

    notice_issued.connect(note, weak=False)
    if not dispatch:
        notice_issued.disconnect(receivers._dispatch_issued_notice)
    try:
        number = secrets.token_hex(4)
        page = WarningPage(
            title=f"基准测试预警 {number}",
            title_en=f"Benchmark warning {number}",
            slug=f"bench-{number}",
            level=level,
            kind="public_announcement",
            summary_zh="基准测试。",
            sms_text="基准测试短信。",
        )
        WarningIndexPage.objects.get().add_child(instance=page)
        page.categories.set(branch_categories)
        page.save_revision().publish()
    finally:
        notice_issued.disconnect(note)
        if not dispatch:
            notice_issued.connect(receivers._dispatch_issued_notice)
    return page.notices.get(), issued["at"]


def wait_for(count, timeout):
    deadline = time.monotonic() + timeout
    client = redis_client()
    from bench.providers import SENT_KEY

    while time.monotonic() < deadline:
        if client.llen(SENT_KEY) >= count:
            return True
        time.sleep(0.05)
    return False


def expected_count(notice):
    from subscriptions.queries import matching_subscribers

    return matching_subscribers(notice, "sms").count()


def fan_out(categories, level, timeout, worker=None):
    reset_run()
    sampler = MemorySampler(worker) if worker else None
    if sampler:
        sampler.start()
    notice, committed = publish(categories, level)
    expected = expected_count(notice)
    finished = wait_for(expected, timeout)
    if sampler:
        sampler.stop()
    notice.refresh_from_db()
    times = hand_offs()
    return {
        "notice": notice,
        "expected": expected,
        "finished": finished,
        "committed": committed,
        "times": times,
        "rows_written": (
            notice.matched_at.timestamp() - committed if notice.matched_at else None
        ),
        "sampler": sampler,
    }


def naive_baseline(categories, timeout):
    """One query per subscriber to match, one task per subscriber to send."""
    from bench.naive import naive_send
    from subscriptions.models import Delivery, Subscriber
    from subscriptions.queries import matching_subscribers

    reset_run()
    notice, committed = publish(categories, 3, dispatch=False)
    candidates = list(
        Subscriber.objects.filter(categories__in=categories)
        .values_list("pk", flat=True)
        .distinct()
    )
    sent = 0
    for subscriber_id in candidates:
        if matching_subscribers(notice, "sms").filter(pk=subscriber_id).exists():
            delivery = Delivery.objects.create(
                notice=notice, subscriber_id=subscriber_id, channel="sms"
            )
            naive_send.apply_async(args=[delivery.pk], queue="notices-routine")
            sent += 1
    finished = wait_for(sent, timeout)
    times = hand_offs()
    return {
        "expected": sent,
        "finished": finished,
        "committed": committed,
        "times": times,
    }


def busiest_second(times):
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def rate(run):
    times = run["times"]
    if len(times) < 2:
        return 0.0
    return len(times) / (times[-1] - run["committed"])


def main():
    args = parse_args()
    configure()
    populate(args)
    groups = branches()
    lines = io.StringIO()

    def say(text=""):
        print(text)
        lines.write(text + "\n")

    uname = " ".join(platform.uname())
    cores = os.cpu_count()
    say(f"bench_fanout  {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}")
    say(f"machine: {uname}; nproc {cores}")
    say(
        f"population: {args.subscribers:,} SMS subscribers; PostgreSQL, Redis, "
        "1 Celery worker with 2 prefork processes, a provider that accepts at once"
    )
    say()

    worker = Worker(HERALD_SMS_RATE=0)
    try:
        main_run = fan_out(groups["main"][1:], 1, args.timeout, worker)
        small_run = fan_out(groups["small"], 3, args.timeout)
        naive_run = naive_baseline(groups["baseline"], args.timeout)
    finally:
        worker.stop()
    limited_worker = Worker(HERALD_SMS_RATE=args.rate)
    try:
        limited_run = fan_out(groups["limited"], 3, args.timeout)
    finally:
        limited_worker.stop()

    times = main_run["times"]
    sampler = main_run["sampler"]
    first = times[0] - main_run["committed"] if times else None
    last = times[-1] - main_run["committed"] if times else None
    fan_rate = rate(main_run)
    say(
        f"fan-out of {main_run['expected']:,} matching subscribers "
        f"(level I, the kinds of toy)"
        + ("" if main_run["finished"] else "  [DID NOT FINISH]")
    )
    say(
        f"  publish commit -> all delivery rows written: "
        f"{main_run['rows_written']:.2f} s (target 5 s)"
    )
    say(f"  publish commit -> first message to provider: {first:.2f} s (target 1 s)")
    say(f"  publish commit -> last message to provider:  {last:.2f} s")
    say(f"  whole fan-out rate: {fan_rate:,.0f} msg/s (target >= 1,000)")
    say(
        f"  peak RSS: worker {sampler.worker_total / 1024:.0f} MiB in all "
        f"(largest process {sampler.worker_largest / 1024:.0f} MiB); "
        f"web (publishing) process {sampler.web / 1024:.0f} MiB"
    )
    say()
    limited_times = limited_run["times"]
    achieved = (
        (len(limited_times) - 1) / (limited_times[-1] - limited_times[0])
        if len(limited_times) > 1
        else 0.0
    )
    say(
        f"provider limit {args.rate:.0f}/s, {limited_run['expected']:,} messages"
        + ("" if limited_run["finished"] else "  [DID NOT FINISH]")
    )
    say(
        f"  achieved rate: {achieved:.1f} msg/s = "
        f"{achieved / args.rate * 100:.1f} % of the limit (target >= 95 %)"
    )
    say(
        f"  busiest one-second window: {busiest_second(limited_times)} messages "
        f"(limit {args.rate:.0f})"
    )
    say()
    small_rate = rate(small_run)
    naive_rate = rate(naive_run)
    say(f"naive baseline on {naive_run['expected']:,} subscribers:")
    say(f"  pipeline on {small_run['expected']:,} subscribers: {small_rate:,.0f} msg/s")
    say(
        f"  naive (one query, one task per subscriber): {naive_rate:,.0f} msg/s "
        f"(publish -> last {naive_run['times'][-1] - naive_run['committed']:.1f} s)"
    )
    say(
        f"  ratio pipeline / naive: {small_rate / naive_rate:.1f}x on the small set; "
        f"{fan_rate / naive_rate:.1f}x for the full fan-out"
    )
    if args.subscribers != 300_000 or args.matching != 100_000:
        say()
        say(
            f"note: run at {args.subscribers:,} / {args.matching:,}, not the "
            "300,000 / 100,000 of the issue"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(lines.getvalue())
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
