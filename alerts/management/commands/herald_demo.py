"""`manage.py herald_demo`: the demo content `make run` shows.

Real recall records shipped in `alerts/data/demo/` (attribution in the
NOTICE file there), a few Chinese demo recalls and fictional blacklist
entries in our import template, warnings in Chinese and English across
levels and kinds (published, so notices are issued), demo subscribers, and
a search index rebuilt over all of it. Run twice, it adds nothing: imports
find every row unchanged and existing warnings are left alone.
"""

import logging
from datetime import timedelta
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from alerts.importers import RECALL_FORMATS
from alerts.importers.base import ImportSummary, run_import
from alerts.importers.template import import_blacklist
from alerts.models import ProductCategory, WarningIndexPage, WarningPage

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
RECALL_FILES = (
    ("healthcanada_consumer.csv", "healthcanada"),
    ("safetygate.json", "safetygate"),
    ("fda_usda_food.json", "fda"),
    ("recalls_zh.csv", "csv"),
)

# Demo warnings: (slug, level, kind, categories, days ago, zh, en). Fictional.
DEMO_WARNINGS = (
    (
        "demo-electric-toy-batteries",
        2,
        "public_announcement",
        ("toys-electric",),
        1,
        {
            "title": "关于儿童电动玩具电池过热的风险警示（示例）",
            "summary": "部分进口儿童电动玩具的锂电池在充电时过热，存在起火风险。",
            "advice": "请立即停止充电并使用，联系销售者退货。",
            "sms": "部分儿童电动玩具电池充电时过热，请立即停止使用。",
        },
        {
            "title": "Electric toy batteries overheat while charging (demo)",
            "summary": "Lithium batteries in some imported electric toys overheat "
            "while charging and may catch fire.",
            "advice": "Stop charging and using the toy and return it to the seller.",
        },
    ),
    (
        "demo-power-banks",
        1,
        "public_announcement",
        ("electrical-chargers",),
        3,
        {
            "title": "移动电源（充电宝）起火风险警示（示例）",
            "summary": (
                "多批次进口移动电源（充电宝）电芯容量虚标、过充保护失效，"
                "已发生起火事故。"
            ),
            "advice": "请勿在无人看管时充电，立即停止使用相关批次产品。",
            "sms": "多批次充电宝存在起火风险，请立即停用。",
        },
        {
            "title": "Power banks may catch fire (demo)",
            "summary": "Several batches of imported power banks overstate capacity "
            "and lack overcharge protection; fires have been reported.",
            "advice": "Do not charge unattended; stop using the batches named.",
        },
    ),
    (
        "demo-infant-formula",
        3,
        "trade_advisory",
        ("food-infant",),
        10,
        {
            "title": "进口婴幼儿配方食品微生物污染风险警示通告（示例）",
            "summary": "境外部分婴幼儿配方食品检出克罗诺杆菌，请进口商排查库存。",
            "advice": "进口商应暂停销售相关批次并配合追溯调查。",
            "sms": "部分进口婴幼儿配方食品检出致病菌，请排查库存。",
        },
        {
            "title": "Imported infant formula: microbial contamination (demo)",
            "summary": "Cronobacter was found in some infant formula abroad; "
            "importers should check their stock.",
            "advice": "Suspend sales of the batches named and support tracing.",
        },
    ),
    (
        "demo-cosmetics-mercury",
        4,
        "public_announcement",
        ("cosmetics-skin",),
        30,
        {
            "title": "部分进口美白护肤品汞含量超标（示例）",
            "summary": "抽检发现部分进口美白霜汞含量超过限值。",
            "advice": "请勿购买和使用来源不明的美白产品。",
            "sms": "部分进口美白霜汞超标，请勿使用。",
        },
        {
            "title": "Mercury in some imported whitening creams (demo)",
            "summary": "Tests found mercury above the limit in some imported "
            "whitening creams.",
            "advice": "Do not buy or use whitening products of unknown origin.",
        },
    ),
    (
        "demo-port-strollers",
        2,
        "port_bulletin",
        ("childcare-strollers",),
        5,
        {
            "title": "婴儿推车制动失效口岸风险警示通报（示例）",
            "summary": "请各口岸加严查验进口婴儿推车制动装置。",
            "advice": "加严查验，逐批检测制动性能。",
            "sms": "进口婴儿推车加严查验。",
        },
        {
            "title": "Port bulletin: stroller brakes fail (demo)",
            "summary": "Ports are to tighten inspection of imported strollers' brakes.",
            "advice": "Inspect every batch for braking performance.",
        },
    ),
)


class Command(BaseCommand):
    help = "Load the demo content: recalls, blacklist, warnings, subscribers."

    def handle(self, *args, **options):
        logging.getLogger("wagtail").setLevel(logging.WARNING)
        summary = ImportSummary()
        for name, format_name in RECALL_FILES:
            rows = list(RECALL_FORMATS[format_name].read(DEMO / name, summary.problems))
            run_import(rows, summary)
        self.stdout.write(f"Demo recalls: {summary}")
        blacklist = import_blacklist(DEMO / "blacklist.csv")
        self.stdout.write(f"Demo blacklist: {blacklist}")
        for problem in summary.problems + blacklist.problems:
            self.stderr.write(str(problem))

        call_command("herald_demo_subscribers")
        added = self._warnings()
        self.stdout.write(f"Demo warnings: {added} published.")

        call_command("search_reindex", no_progress=True)

    def _warnings(self):
        index = WarningIndexPage.objects.first()
        if index is None:
            self.stderr.write("No warning index page: run `manage.py migrate` first.")
            return 0
        added = 0
        for slug, level, kind, codes, days_ago, zh, en in DEMO_WARNINGS:
            if WarningPage.objects.filter(slug=slug).exists():
                continue
            page = WarningPage(
                slug=slug,
                title=zh["title"],
                title_en=en["title"],
                level=level,
                kind=kind,
                summary_zh=zh["summary"],
                summary_en=en["summary"],
                advice_zh=zh["advice"],
                advice_en=en["advice"],
                sms_text=zh["sms"],
                origins=["CN"] if kind != "trade_advisory" else ["NZ"],
                start_time=timezone.now() - timedelta(days=days_ago),
            )
            index.add_child(instance=page)
            page.categories.set(ProductCategory.objects.filter(code__in=codes))
            page.save_revision().publish()
            added += 1
        return added
