"""Search benchmark: 100,000 recall and blacklist entries built from the real
records in ../shared/data/recalls (varied: model suffixes, dates, origins,
barcodes) and fictional Chinese blacklist entries, on each embedded engine
this machine runs (SQLite FTS5 and PostgreSQL), against Wagtail's built-in
database search backend over the same records in the same process.

Measured: median and 95th percentile latency of a fixed query mix (Chinese
words, English words, company names, filters, exact codes), recall at 10 of
fixed Chinese queries against a hand-labelled answer list, and the time to
index the whole set. Figures go to bench/results/search.txt.

    .venv/bin/python bench/bench_search.py [--records N] [--engines sqlite,postgresql]

PostgreSQL: BENCH_POSTGRES_URL (default: DEFAULT_POSTGRES below); its public
schema is dropped and rebuilt, so point it at a scratch database.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "recalls"
RESULTS = ROOT / "bench" / "results" / "search.txt"
SCRATCH = ROOT / "var" / "bench"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/herald_d"
REPEATS = 5

# Hand-written Chinese records hidden among the 100,000, and for each
# Chinese query the ones a person would expect in the first ten: the
# hand-labelled answer list recall@10 is measured against.
TARGETS = {
    "T1": ("recall", "儿童电动玩具召回：遥控赛车电池过热", "toys-electric"),
    "T2": ("recall", "進口兒童玩具召回：毛絨熊眼睛脫落", "toys-plush"),
    "T3": ("recall", "塑胶玩具邻苯二甲酸酯超标召回", "toys-plastic"),
    "T4": ("recall", "移动电源（充电宝）召回：电芯容量虚标", "electrical-chargers"),
    "T5": ("recall", "充电宝过充保护失效召回", "electrical-chargers"),
    "T6": ("recall", "婴儿推车制动失效召回", "childcare-strollers"),
    "T7": ("recall", "电热水壶温控器失效召回", "electrical-household"),
    "T8": ("recall", "美白霜汞含量超标召回", "cosmetics-skin"),
    "T9": ("recall", "婴幼儿配方奶粉阪崎肠杆菌召回", "food-infant"),
    "T10": ("recall", "儿童安全座椅卡扣断裂召回", "childcare-car-seats"),
    "T11": ("recall", "自行车头盔抗冲击性能不合格召回", "sports-helmets"),
    "T12": ("recall", "电动自行车锂电池起火召回", "electrical-e-bikes"),
    "B1": ("blacklist", "宁波华东精工玩具有限公司", "出口玩具小零件脱落存在窒息风险"),
    "B2": ("blacklist", "深圳市迅充电子科技有限公司", "生产销售不合格充电宝"),
}
LABELLED = {
    "玩具": ["T1", "T2", "T3", "B1"],
    "充电宝": ["T4", "T5", "B2"],
    "兒童玩具": ["T1", "T2"],
    "婴儿推车": ["T6"],
    "电热水壶": ["T7"],
    "汞含量": ["T8"],
    "奶粉": ["T9"],
    "安全座椅": ["T10"],
    "头盔": ["T11"],
    "电动自行车": ["T12"],
    "锂电池起火": ["T12"],
    "华东精工": ["B1"],
    "迅充电子": ["B2"],
}

CITIES = [
    "杭州",
    "宁波",
    "温州",
    "苏州",
    "无锡",
    "广州",
    "佛山",
    "东莞",
    "厦门",
    "青岛",
    "天津",
    "成都",
    "武汉",
    "长沙",
    "合肥",
    "郑州",
    "济南",
    "南昌",
    "昆明",
    "沈阳",
]
NAMES = [
    "恒达",
    "宏远",
    "金源",
    "瑞丰",
    "华信",
    "新embed",
    "永盛",
    "嘉禾",
    "鼎力",
    "福田",
    "德润",
    "安信",
    "明辉",
    "顺昌",
    "正泰",
    "海纳",
    "卓越",
    "天成",
    "和美",
    "光大",
]
TRADES = [
    "贸易",
    "实业",
    "机械",
    "服饰",
    "日化",
    "食品",
    "家居",
    "五金",
    "塑胶制品",
    "电器",
    "纺织",
    "包装",
    "建材",
    "照明",
    "厨具",
    "文具",
    "鞋业",
    "化工",
    "箱包",
    "陶瓷",
]
VIOLATIONS = [
    "产品抽查不合格且拒不整改",
    "伪造产品质量检验报告",
    "出口产品标签与实际不符",
    "生产销售国家明令淘汰的产品",
    "以假充真、以次充好",
    "未按规定实施召回",
]
REGIONS = [
    "330100",
    "330200",
    "330300",
    "320500",
    "320200",
    "440100",
    "440600",
    "441900",
    "350200",
    "370200",
    "120000",
    "510100",
    "420100",
    "430100",
]
ORIGINS = ["CN", "DE", "FR", "IT", "US", "GB", "KR", "JP", "PL", "TR", "VN", "IN"]
SUFFIXES = ["Model", "Series", "Batch", "Lot", "Type", "Edition"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--engine", help=argparse.SUPPRESS)  # child process
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --engine: measure queries on the records and indices an "
        "earlier run left in the database (no load, no reindex timing)",
    )
    parser.add_argument(
        "--baseline-cap",
        type=float,
        default=0,
        help="seconds after which one Wagtail query is stopped (PostgreSQL's "
        "statement_timeout, SQLite's progress handler); 0: no cap. Capped queries "
        "run once, not REPEATS times",
    )
    parser.add_argument(
        "--append-report",
        metavar="ENGINE",
        help="append the figures of an earlier run of ENGINE (var/bench/ENGINE.json) "
        "to the results file",
    )
    args = parser.parse_args()
    if args.engine:
        figures = run_engine_once(
            args.engine, args.records, args.reuse, args.baseline_cap
        )
        print(json.dumps(figures, ensure_ascii=False))
        return
    if args.append_report:
        saved = json.loads((SCRATCH / f"{args.append_report}.json").read_text())
        section = "\n".join(render_engine(args.append_report, saved)) + "\n"
        with RESULTS.open("a", encoding="utf-8") as results:
            results.write(section)
        print(section)
        return

    figures = {}
    for engine in args.engines.split(","):
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="herald.settings.test")
        env.pop("REDIS_URL", None)
        if engine == "sqlite":
            path = ROOT / "var" / "bench" / "search.sqlite3"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
            env["DATABASE_URL"] = f"sqlite:///{path}"
        else:
            env["DATABASE_URL"] = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
        print(f"== {engine}: {args.records} records", flush=True)
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--engine",
                engine,
                "--records",
                str(args.records),
                "--baseline-cap",
                str(args.baseline_cap),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if child.returncode != 0:
            print(child.stderr[-4000:], file=sys.stderr)
            figures[engine] = {"error": child.stderr.strip().splitlines()[-1]}
            continue
        figures[engine] = json.loads(child.stdout.strip().splitlines()[-1])
    report = render(figures, args.records)
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")


def run_engine_once(engine, records, reuse=False, cap=0):
    """Run one engine, keeping its figures in var/bench/ENGINE.json. Two runs
    never share the PostgreSQL database: its schema is dropped at the start."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    lock = SCRATCH / f"{engine}.lock"
    try:
        descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        raise SystemExit(f"another bench run holds var/bench/{lock.name}") from None
    try:
        figures = run_engine(engine, records, reuse, cap)
    finally:
        os.close(descriptor)
        lock.unlink()
    (SCRATCH / f"{engine}.json").write_text(json.dumps(figures, ensure_ascii=False))
    return figures


def run_engine(engine, records, reuse=False, cap=0):
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    from search.backends.database import DatabaseBackend
    from search.documents import public_documents

    backend = DatabaseBackend()
    timings = {"load_s": None, "ours_index_s": None, "wagtail_index_s": None}
    if reuse:
        answers = answers_in_database()
    else:
        if engine == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        call_command("migrate", verbosity=0)

        started = time.perf_counter()
        answers = load_records(records)
        timings["load_s"] = time.perf_counter() - started

        started = time.perf_counter()
        backend.rebuild(public_documents())
        timings["ours_index_s"] = time.perf_counter() - started

        started = time.perf_counter()
        call_command("update_index", verbosity=0, chunk_size=2000)
        timings["wagtail_index_s"] = time.perf_counter() - started

    mix = query_mix(answers)
    ours = measure(lambda q: ours_search(backend, q), mix)
    if cap and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(cap * 1000)}")
    capped.seconds = cap
    wagtail = measure(
        lambda q: capped(wagtail_search, q), mix, repeats=1 if cap else None
    )
    return {
        "records": records,
        **timings,
        "reused": reuse,
        "cap_s": cap,
        "ours": ours,
        "wagtail": wagtail,
        "ours_recall": recall_at_10(lambda q: ours_top10(backend, q), answers),
        "wagtail_recall": recall_at_10(lambda q: capped(wagtail_top10, q, []), answers),
        "mix": [m["label"] for m in mix],
        "vendor": connection.vendor,
        "version": _version(connection),
    }


def capped(function, argument, on_timeout=-1):
    """`function(argument)`, or `on_timeout` when the database stopped it."""
    from django.db import OperationalError, connection, transaction

    seconds = getattr(capped, "seconds", 0)
    if seconds and connection.vendor == "sqlite":
        connection.ensure_connection()
        deadline = time.perf_counter() + seconds
        # SQLite calls this every 100,000 steps; a true answer interrupts.
        connection.connection.set_progress_handler(
            lambda: time.perf_counter() > deadline, 100_000
        )
    try:
        with transaction.atomic():
            return function(argument)
    except OperationalError:
        if not seconds:
            raise
        return on_timeout
    finally:
        if seconds and connection.vendor == "sqlite":
            connection.connection.set_progress_handler(None, 0)


def answers_in_database():
    """The answer list and codes of an earlier load, found again."""
    from alerts.models import BlacklistEntry, RecallEntry

    answers = {
        entry.source_id: ("recall", entry.pk)
        for entry in RecallEntry.objects.filter(source="bench")
    }
    for name, (kind, title, _violation) in TARGETS.items():
        if kind == "blacklist":
            answers[name] = (
                "blacklist",
                BlacklistEntry.objects.get(company_name=title).pk,
            )
    first = RecallEntry.objects.exclude(source="bench").order_by("pk")
    alert = (
        first.filter(source="safetygate", source_id__contains="/")
        .values_list("source_id", flat=True)
        .first()
    )
    answers["_codes"] = {
        "barcode": gtin13(3),
        "credit_code": credit_code(5),
        "alert": alert,
        "reference": first.values_list("source_id", flat=True).first(),
    }
    return answers


def _version(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
        else:
            cursor.execute("show server_version")
        return cursor.fetchone()[0]


def real_records():
    """Every record of the shared exports, as importer records."""
    from alerts.importers import fda, healthcanada, safetygate

    problems = []
    sources = [
        (healthcanada, SHARED / "health-canada" / "rawdata_consumer.csv"),
        (healthcanada, SHARED / "health-canada" / "food_cleaned.csv"),
        (safetygate, SHARED / "eu-safety-gate" / "safety_gate_f363684.json"),
        (safetygate, SHARED / "eu-safety-gate" / "safety_gate_42f2ca7.json"),
        (fda, SHARED / "us-fda-usda-food" / "food_safety_recalls.json"),
    ]
    records = []
    for module, path in sources:
        records.extend(
            r for _n, r in module.read(path, problems) if isinstance(r, dict)
        )
    return records


def gtin13(number):
    from alerts.codes import gtin_check_digit

    body = f"690{number % 10**9:09d}"
    return body + gtin_check_digit(body)


def credit_code(number):
    from alerts.codes import CREDIT_CODE_CHARACTERS, credit_code_check_character

    region = REGIONS[number % len(REGIONS)]
    tail, n = "", number * 7919 + 13
    for _ in range(9):
        n, rest = divmod(n, 31)
        tail += CREDIT_CODE_CHARACTERS[rest]
    body = "91" + region + tail
    return body + credit_code_check_character(body)


def load_records(total):
    """Insert `total` entries (nine in ten recalls) in bulk; return the answer
    list keyed by target name, and the codes the query mix looks up."""
    from alerts.models import BlacklistEntry, Company, ProductCategory, RecallEntry

    categories = {c.code: c for c in ProductCategory.objects.all()}
    base = real_records()
    n_blacklist = total // 10
    n_recalls = total - n_blacklist - len(TARGETS)
    start = datetime.date(2018, 1, 1)

    batch, codes, seen = [], {}, set()
    for i in range(n_recalls):
        record = base[i % len(base)]
        variant = i // len(base)
        product = record["product"]
        if variant:
            product = f"{product} {SUFFIXES[variant % len(SUFFIXES)]} {variant}"
        barcode = gtin13(i) if i % 3 == 0 else ""
        date = record.get("recall_date") or start + datetime.timedelta(days=i % 2900)
        if variant:
            date = start + datetime.timedelta(days=(i * 37) % 2900)
        key = (record["source"], record["source_id"])
        source_id = record["source_id"] if key not in seen else f"{key[1]}~{i}"
        seen.add(key)
        if record["source"] == "safetygate" and "/" in source_id:
            codes.setdefault("alert", source_id)
        batch.append(
            RecallEntry(
                source=record["source"],
                source_id=source_id,
                product=product[:500],
                brand=record.get("brand", "")[:255],
                model=record.get("model", "")[:500],
                barcode=barcode,
                category=categories.get(record.get("category_code") or "other"),
                origin=record.get("origin") or ORIGINS[i % len(ORIGINS)],
                company_text=record.get("company_text", ""),
                defect=record.get("defect", ""),
                hazard=record.get("hazard", ""),
                hazard_text=record.get("hazard_text", ""),
                recall_type=record.get("recall_type", "voluntary"),
                recall_date=date,
                status="completed" if i % 5 == 0 else "ongoing",
                live=True,
            )
        )
        if i == 3:
            codes["barcode"] = barcode
        if i == 0:
            codes["reference"] = source_id
        if len(batch) >= 5000:
            RecallEntry.objects.bulk_create(batch)
            batch = []
    answers = {}
    for name, (kind, title, extra) in TARGETS.items():
        if kind == "recall":
            batch.append(
                RecallEntry(
                    source="bench",
                    source_id=name,
                    product=title,
                    brand="示例",
                    category=categories[extra],
                    origin="CN",
                    defect=title,
                    recall_date=datetime.date(2025, 6, 1),
                    language="zh-hans",
                    live=True,
                )
            )
    RecallEntry.objects.bulk_create(batch)
    for entry in RecallEntry.objects.filter(source="bench"):
        answers[entry.source_id] = ("recall", entry.pk)

    companies, entries = [], []
    for i in range(n_blacklist):
        name = (
            f"{CITIES[i % 20]}{NAMES[(i // 20) % 20]}{TRADES[(i // 400) % 20]}"
            f"有限公司{'' if i < 8000 else f'第{i // 8000}分公司'}"
        ).replace("embed", "锐")
        companies.append(Company(name=name, credit_code=credit_code(i), country="CN"))
    for kind, title, _violation in TARGETS.values():
        if kind == "blacklist":
            companies.append(
                Company(name=title, credit_code=credit_code(10**6 + len(companies)))
            )
    Company.objects.bulk_create(companies, batch_size=5000)
    by_code = dict(Company.objects.values_list("credit_code", "pk"))
    for i, company in enumerate(companies):
        target = next(
            (k for k, (kind, t, _v) in TARGETS.items() if t == company.name), None
        )
        entries.append(
            BlacklistEntry(
                company_id=by_code[company.credit_code],
                company_name=company.name,
                credit_code=company.credit_code,
                region=company.name[:2],
                violation=TARGETS[target][2] if target else VIOLATIONS[i % 6],
                decision_number=f"市监黑〔{2019 + i % 7}〕{i:05d}号",
                listed_on=start + datetime.timedelta(days=(i * 13) % 2900),
                live=True,
            )
        )
        if i == 5:
            codes["credit_code"] = company.credit_code
    BlacklistEntry.objects.bulk_create(entries, batch_size=5000)
    for entry in BlacklistEntry.objects.filter(
        company_name__in=[t for k, t, _v in TARGETS.values() if k == "blacklist"]
    ):
        name = next(
            k for k, (_kind, t, _v) in TARGETS.items() if t == entry.company_name
        )
        answers[name] = ("blacklist", entry.pk)
    answers["_codes"] = codes
    return answers


def query_mix(answers):
    codes = answers["_codes"]
    plain = [
        ("zh 玩具", "玩具", {}),
        ("zh 充电宝", "充电宝", {}),
        ("zh-Hant 兒童玩具", "兒童玩具", {}),
        ("zh 婴儿推车", "婴儿推车", {}),
        ("zh 化妆品", "化妆品", {}),
        ("en fire hazard", "fire hazard", {}),
        ("en stroller", "stroller", {}),
        ("en salmonella", "salmonella", {}),
        ("en undeclared milk", "undeclared milk", {}),
        ("company Laundress", "Laundress", {}),
        ("company ByHeart", "ByHeart", {}),
        ("company 华东精工", "华东精工", {}),
        ("company 恒达贸易", "恒达贸易", {}),
        (
            "filter recall+toys 'recalled'",
            "recalled",
            {"kind": "recall", "category": "toys"},
        ),
        ("filter blacklist 2023", "", {"kind": "blacklist", "year": "2023"}),
        (
            "filter recall ongoing 'battery'",
            "battery",
            {"kind": "recall", "status": "ongoing"},
        ),
        ("code barcode", codes["barcode"], {}),
        ("code credit code", codes["credit_code"], {}),
        ("code alert number", codes["alert"], {}),
        ("code reference", codes["reference"], {}),
    ]
    return [
        {"label": label, "text": text, "filters": filters}
        for label, text, filters in plain
    ]


def _search_query(item, per_page=10):
    from search.backends.base import SearchQuery

    filters = dict(item["filters"])
    kind = filters.pop("kind", "")
    return SearchQuery(text=item["text"], kind=kind, filters=filters, per_page=per_page)


def ours_search(backend, item):
    return backend.search(_search_query(item)).total


def ours_top10(backend, text):
    results = backend.search(_search_query({"text": text, "filters": {}}))
    return [(hit.kind, hit.object_id) for hit in results.hits]


def _wagtail_querysets(item):
    from alerts.models import BlacklistEntry, ProductCategory, RecallEntry

    filters = item["filters"]
    kind = filters.get("kind", "")
    recalls = RecallEntry.objects.filter(live=True)
    listed = BlacklistEntry.objects.filter(live=True, removed_on__isnull=True)
    if filters.get("category"):
        ids = ProductCategory.objects.filter(
            code=filters["category"]
        ).with_descendants()
        recalls = recalls.filter(category_id__in=list(ids.values_list("pk", flat=True)))
    if filters.get("status"):
        recalls = recalls.filter(status=filters["status"])
    if filters.get("year"):
        year = int(filters["year"])
        recalls = recalls.filter(recall_date__year=year)
        listed = listed.filter(
            listed_on__gte=datetime.date(year, 1, 1),
            listed_on__lte=datetime.date(year, 12, 31),
        )
    sets = []
    if kind in ("", "recall"):
        sets.append(("recall", recalls))
    if kind in ("", "blacklist"):
        sets.append(("blacklist", listed))
    return sets


def wagtail_search(item):
    """The same query on Wagtail's database backend: a search per model, the
    first page of each, and a count, as a results page needs."""
    from wagtail.search.backends import get_search_backend

    backend = get_search_backend("default")
    total = 0
    for _kind, queryset in _wagtail_querysets(item):
        if item["text"]:
            results = backend.search(item["text"], queryset)
            list(results[:10])
            total += results.count()
        else:
            list(queryset.order_by("-pk")[:10])
            total += queryset.count()
    return total


def wagtail_top10(text):
    from wagtail.search.backends import get_search_backend

    backend = get_search_backend("default")
    scored = []
    for kind, queryset in _wagtail_querysets({"filters": {}}):
        for obj in backend.search(text, queryset).annotate_score("_score")[:10]:
            scored.append((obj._score or 0, kind, obj.pk))
    scored.sort(key=lambda s: -s[0])
    return [(kind, pk) for _score, kind, pk in scored[:10]]


def measure(run, mix, repeats=None):
    if repeats is None:
        for item in mix:  # warm caches: the first query loads jieba's dictionary
            run(item)
    times, per_query = [], {}
    for item in mix:
        spent = []
        for _ in range(repeats or REPEATS):
            started = time.perf_counter()
            total = run(item)
            spent.append((time.perf_counter() - started) * 1000)
        times.extend(spent)
        per_query[item["label"]] = {
            "median_ms": statistics.median(spent),
            "total": total,
        }
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[int(len(times) * 0.95) - 1],
        "per_query": per_query,
    }


def recall_at_10(top10, answers):
    scores = {}
    for query, expected in LABELLED.items():
        found = set(top10(query))
        wanted = [answers[name] for name in expected]
        scores[query] = sum(1 for w in wanted if w in found) / len(wanted)
    return {"mean": statistics.mean(scores.values()), "per_query": scores}


def _uname():
    try:
        return subprocess.run(
            ["uname", "-a"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except OSError:
        return " ".join(platform.uname())


def render(figures, records):
    lines = [
        "Search benchmark (bench/bench_search.py)",
        f"date: {datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds')}",
        f"machine: {_uname()}",
        f"nproc: {os.cpu_count()}",
        f"records: {records} (90% recalls from the real exports, varied; "
        "10% blacklist)",
        f"query mix: {REPEATS} runs of each query, after one warm-up run",
        "targets: p95 < 50 ms and recall@10 >= 0.9 on the embedded backend",
        "",
    ]
    for engine, f in figures.items():
        lines += render_engine(engine, f)
    return "\n".join(lines) + "\n"


def render_engine(engine, f):
    if "error" in f:
        return [f"[{engine}] failed: {f['error']}", ""]
    ours, wagtail = f["ours"], f["wagtail"]
    lines = [f"[{engine} {f['version']}, {f['records']} records]"]
    if f.get("reused"):
        lines.append(
            "  queries on the records and indices of an earlier run (load and "
            "reindex times not measured in this run)"
        )
    else:
        lines += [
            f"  load of the records: {f['load_s']:.1f} s",
            f"  reindex, ours:    {f['ours_index_s']:.1f} s",
            f"  reindex, Wagtail: {f['wagtail_index_s']:.1f} s",
        ]
    if f.get("cap_s"):
        lines.append(
            f"  Wagtail queries: one run each, stopped after {f['cap_s']:.0f} s "
            "(matches -1 = stopped); its latencies are lower bounds"
        )
    lines += [
        f"  latency, ours:    median {ours['median_ms']:.1f} ms, "
        f"p95 {ours['p95_ms']:.1f} ms",
        f"  latency, Wagtail: median {wagtail['median_ms']:.1f} ms, "
        f"p95 {wagtail['p95_ms']:.1f} ms",
        "  ratio Wagtail/ours: "
        f"median {wagtail['median_ms'] / ours['median_ms']:.2f}x, "
        f"p95 {wagtail['p95_ms'] / ours['p95_ms']:.2f}x",
        f"  recall@10 (Chinese, {len(LABELLED)} queries): ours "
        f"{f['ours_recall']['mean']:.2f}, "
        f"Wagtail {f['wagtail_recall']['mean']:.2f}",
        "  per query (median ms / matches): ours | Wagtail",
    ]
    for label in f["mix"]:
        o, w = ours["per_query"][label], wagtail["per_query"][label]
        lines.append(
            f"    {label:34} {o['median_ms']:7.1f} / {o['total']:6} | "
            f"{w['median_ms']:7.1f} / {w['total']:6}"
        )
    lines.append("  recall@10 per query: ours | Wagtail")
    for query in LABELLED:
        lines.append(
            f"    {query:10} {f['ours_recall']['per_query'][query]:.2f} | "
            f"{f['wagtail_recall']['per_query'][query]:.2f}"
        )
    lines.append("")
    return lines


if __name__ == "__main__":
    main()
