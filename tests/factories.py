"""Plain factory functions for tests: each makes one realistic record."""

import datetime
import itertools

from django.utils import timezone

from alerts.models import (
    BlacklistEntry,
    Company,
    ProductCategory,
    RecallEntry,
    WarningIndexPage,
    WarningPage,
)
from subscriptions.models import Subscriber

_numbers = itertools.count(1)


def categories():
    """The shipped category tree, by code."""
    return {c.code: c for c in ProductCategory.objects.all()}


def warning_index():
    return WarningIndexPage.objects.get()


def warning(publish=True, categories=("toys-electric",), user=None, **fields):
    """A warning under /warnings/, published unless told otherwise."""
    number = next(_numbers)
    values = {
        "title": f"儿童电动玩具电池过热风险警示 {number}",
        "title_en": f"Electric toy batteries overheat {number}",
        "slug": f"warning-{number}",
        "level": 2,
        "kind": "public_announcement",
        "summary_zh": "部分儿童电动玩具的锂电池在充电时过热，存在起火风险。",
        "summary_en": (
            "Lithium batteries in some electric toys overheat while charging."
        ),
        "sms_text": "部分儿童电动玩具电池过热，请停止充电使用。",
        "start_time": timezone.now(),
        "live": publish,  # a draft is not on the site until it is published
    }
    values.update(fields)
    page = WarningPage(**values)
    warning_index().add_child(instance=page)
    page.categories.set(ProductCategory.objects.filter(code__in=categories))
    revision = page.save_revision(user=user)
    if publish:
        revision.publish(user=user)
        page.refresh_from_db()
    return page


def change_level(page, level, reason="新的事故报告", user=None):
    page.level = level
    page.change_reason = reason
    page.save_revision(user=user).publish(user=user)
    page.refresh_from_db()
    return page


def lift(page, reason="风险已消除", user=None):
    page.lifted_at = timezone.now()
    page.lifting_reason = reason
    page.save_revision(user=user).publish(user=user)
    page.refresh_from_db()
    return page


def subscriber(categories=("toys",), email=True, phone=True, confirmed=True, **fields):
    number = next(_numbers)
    now = timezone.now() if confirmed else None
    values = {
        "email": f"parent{number}@example.com" if email else None,
        "phone": f"+86138{number:08d}" if phone else None,
        "email_confirmed_at": now if email else None,
        "phone_confirmed_at": now if phone else None,
    }
    values.update(fields)
    person = Subscriber.objects.create(**values)
    person.categories.set(ProductCategory.objects.filter(code__in=categories))
    return person


def recall(**fields):
    """A published recall entry."""
    number = next(_numbers)
    values = {
        "source": "healthcanada",
        "source_id": f"RA-{number:05d}",
        "product": "儿童电动滑板车",
        "brand": "Zoomer",
        "defect": "电池可能过热。",
        "hazard": "physical",
        "recall_date": datetime.date(2026, 11, 20),
        "live": True,
    }
    values.update(fields)
    return RecallEntry.objects.create(**values)


def blacklist_entry(**fields):
    """A published blacklist entry of a company of its own."""
    number = next(_numbers)
    company = Company.objects.create(name=f"某某玩具有限公司 {number}")
    values = {
        "company": company,
        "company_name": company.name,
        "credit_code": "91440300MA5FXXXX0X",
        "region": "广东省深圳市",
        "violation": "生产销售不合格儿童玩具。",
        "decision_number": f"深市监罚〔2026〕{number}号",
        "listed_on": datetime.date(2026, 10, 1),
        "live": True,
    }
    values.update(fields)
    return BlacklistEntry.objects.create(**values)
