"""How long Herald takes to serve each feed with 50 entries, cold and cached,
how many conditional requests a replay answers with 304, and the same
warnings feeds served by Django's own syndication framework over the same
rows in the same run, as the baseline.

    .venv/bin/python bench/bench_feeds.py

Runs on an in-memory SQLite database (or DATABASE_URL) with the test
settings; with REDIS_URL set the feed cache is Redis, otherwise the
process-local cache. Figures go to bench/results/feeds.txt.
"""

import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "herald.settings.test")

import django  # noqa: E402

django.setup()

from django.contrib.syndication.views import Feed  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed  # noqa: E402

from alerts import feed_cache, feed_views, feeds, queries  # noqa: E402
from alerts.models import BlacklistEntry, Company, RecallEntry  # noqa: E402

COLD_RUNS = 30
CACHED_RUNS = 300
RESULTS = ROOT / "bench" / "results" / "feeds.txt"
FEEDS = {
    "warnings.rss": (feed_views.warnings_feed, {"fmt": "rss"}),
    "warnings.atom": (feed_views.warnings_feed, {"fmt": "atom"}),
    "cap.atom": (feed_views.cap_index, {}),
    "recalls.rss": (feed_views.recalls_feed, {"fmt": "rss"}),
    "recalls.atom": (feed_views.recalls_feed, {"fmt": "atom"}),
    "blacklist.rss": (feed_views.blacklist_feed, {"fmt": "rss"}),
    "blacklist.atom": (feed_views.blacklist_feed, {"fmt": "atom"}),
}
requests = RequestFactory()


# The baseline: the same notices through django.contrib.syndication.


class SyndicationWarningsRss(Feed):
    feed_type = Rss201rev2Feed
    title = "产品安全风险预警"
    link = "/warnings/"
    description = "产品质量安全风险预警、等级调整与解除通告"

    def items(self):
        return queries.public_notices()[: feeds.FEED_SIZE]

    def item_title(self, notice):
        return feeds.xml_text(feeds.notice_title(notice))

    def item_description(self, notice):
        return feeds.xml_text(feeds.notice_summary(notice))

    def item_link(self, notice):
        return feeds.notice_path(notice)

    def item_guid(self, notice):
        return feeds.notice_guid(notice)

    item_guid_is_permalink = False

    def item_pubdate(self, notice):
        return feeds.local_time(notice.issued_at)

    def item_updateddate(self, notice):
        return feeds.local_time(notice.issued_at)

    def item_categories(self, notice):
        return [c.name_zh for c in notice.warning.categories.all()]


class SyndicationWarningsAtom(SyndicationWarningsRss):
    feed_type = Atom1Feed
    subtitle = SyndicationWarningsRss.description


BASELINES = {
    "warnings.rss": SyndicationWarningsRss(),
    "warnings.atom": SyndicationWarningsAtom(),
}


def make_rows():
    """50 notices (20 publications, 20 level changes, 10 liftings) plus port
    bulletins that must stay out; 50 recalls; 50 blacklist entries."""
    from tests import factories

    for number in range(20):
        page = factories.warning(level=3 + number % 2)
        factories.change_level(page, 1 + number % 2)
        if number < 10:
            factories.lift(page)
    for _ in range(3):
        factories.warning(kind="port_bulletin")
    for number in range(50):
        RecallEntry.objects.create(
            source="bench",
            source_id=f"B-{number}",
            product=f"儿童电动滑板车 {number}",
            brand="Zoomer",
            defect="电池在充电时可能过热，存在起火风险。",
            hazard="physical",
            recall_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=number),
            live=True,
        )
        company = Company.objects.create(name=f"某某玩具有限公司 {number}")
        BlacklistEntry.objects.create(
            company=company,
            company_name=company.name,
            credit_code="91440300MA5FXXXX0X",
            region="广东省深圳市",
            violation="生产销售不合格儿童玩具。",
            decision_number=f"深市监罚〔2026〕{number}号",
            listed_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=number),
            live=True,
        )


def timed(call, runs, before=None):
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 304), response.status_code
    return times


def summary(times):
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return statistics.median(ordered), p95


def serve(name, headers=None):
    view, kwargs = FEEDS[name]
    path = "/feeds/" + name
    response = view(requests.get(path, **(headers or {})), **kwargs)
    return response


def entries_in(name):
    import feedparser

    parsed = feedparser.parse(serve(name).content)
    assert not parsed.bozo, parsed.bozo_exception
    return len(parsed.entries)


def replay_share(shared):
    """Readers poll warnings.atom with the ETag and date they hold; a level
    change is published twice during the run. Returns (304 share, polls,
    wrong answers): a 304 for a feed that changed would be wrong."""
    from alerts.models import WarningPage
    from tests import factories

    feed_cache.cache_is_shared = (lambda: True) if shared else original_shared
    readers = [{"etag": None, "date": None} for _ in range(20)]
    polls = not_modified = wrong = 0
    live = list(WarningPage.objects.live().filter(lifted_at__isnull=True)[:2])
    for round_number in range(10):
        if round_number in (3, 7):
            page = live.pop()
            factories.change_level(page, 2 if page.level != 2 else 3)
        current = serve("warnings.atom")
        for reader in readers:
            headers = {}
            if reader["etag"]:
                headers["HTTP_IF_NONE_MATCH"] = reader["etag"]
                headers["HTTP_IF_MODIFIED_SINCE"] = reader["date"]
            response = serve("warnings.atom", headers)
            polls += 1
            if response.status_code == 304:
                not_modified += 1
                if reader["etag"] != current["ETag"]:
                    wrong += 1
            reader["etag"], reader["date"] = response["ETag"], response["Last-Modified"]
    feed_cache.cache_is_shared = original_shared
    return not_modified / polls, polls, wrong


original_shared = feed_cache.cache_is_shared


def main():
    started = time.time()
    call_command("migrate", verbosity=0)
    make_rows()
    lines = []

    def say(text=""):
        print(text)
        lines.append(text)

    say(f"bench_feeds  {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}")
    say("machine: " + " ".join(platform.uname()))
    say(
        "cpus: "
        + subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    )
    say(f"cache: {django.conf.settings.CACHES['default']['BACKEND']}")
    say(f"database: {django.db.connection.vendor}")
    say(f"runs: cold {COLD_RUNS}, cached {CACHED_RUNS}; times in ms (median / p95)")
    say()
    header = (
        f"{'feed':<16}{'entries':>8}{'cold':>16}{'cached, shared':>18}"
        f"{'cached, local':>17}{'304 answer':>14}"
    )
    say(header)
    figures = {}
    for name in FEEDS:
        count = entries_in(name)
        cold = summary(timed(lambda n=name: serve(n), COLD_RUNS, before=cache.clear))
        cache.clear()
        serve(name)
        feed_cache.cache_is_shared = lambda: True
        shared = summary(timed(lambda n=name: serve(n), CACHED_RUNS))
        feed_cache.cache_is_shared = original_shared
        serve(name)
        local = summary(timed(lambda n=name: serve(n), CACHED_RUNS))
        etag = serve(name)["ETag"]
        feed_cache.cache_is_shared = lambda: True
        not_modified = summary(
            timed(
                lambda n=name, e=etag: serve(n, {"HTTP_IF_NONE_MATCH": e}), CACHED_RUNS
            )
        )
        feed_cache.cache_is_shared = original_shared
        figures[name] = (cold, shared)
        say(
            f"{name:<16}{count:>8}{cold[0]:>9.2f} /{cold[1]:>5.2f}"
            f"{shared[0]:>11.3f} /{shared[1]:>5.3f}"
            f"{local[0]:>10.3f} /{local[1]:>5.3f}"
            f"{not_modified[0]:>7.3f} /{not_modified[1]:>5.3f}"
        )

    say()
    say(
        "baseline: the same warnings feeds by django.contrib.syndication"
        " (no cache), timed in turn with Herald cold builds so both see the"
        " same load on this shared machine"
    )
    for name, baseline_feed in BASELINES.items():
        herald_times, baseline_times = [], []
        for _ in range(COLD_RUNS):
            herald_times += timed(lambda n=name: serve(n), 1, before=cache.clear)
            baseline_times += timed(
                lambda f=baseline_feed, n=name: f(requests.get("/feeds/" + n)), 1
            )
        base, cold = summary(baseline_times), summary(herald_times)
        shared = figures[name][1]
        say(
            f"{name:<16} syndication {base[0]:.2f} / {base[1]:.2f} ms,"
            f" Herald cold {cold[0]:.2f} / {cold[1]:.2f} ms;"
            f" Herald cold / syndication = {cold[0] / base[0]:.2f}x,"
            f" Herald cached / syndication = {shared[0] / base[0]:.4f}x"
        )

    say()
    for shared in (True, False):
        share, polls, wrong = replay_share(shared)
        ideal = (polls - 20 - 2 * 20) / polls
        label = "shared cache (signals)" if shared else "local cache (fingerprint)"
        say(
            f"replay of conditional polls, {label}: {share:.1%} answered 304"
            f" of {polls} polls with 2 changes published (at most {ideal:.1%}"
            f" can be: first polls and polls after a change need the feed);"
            f" wrong 304s: {wrong}"
        )
    cache.clear()
    etags = {name: serve(name)["ETag"] for name in FEEDS}
    replayed = [
        serve(name, {"HTTP_IF_NONE_MATCH": etag}).status_code
        for name, etag in etags.items()
        for _ in range(50)
    ]
    say(
        "replay of recorded conditional requests with nothing changed: "
        f"{replayed.count(304) / len(replayed):.1%} answered 304 of {len(replayed)}"
    )
    say(f"run took {time.time() - started:.0f} s")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
