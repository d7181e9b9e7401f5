"""Plain factory functions for tests: each makes one realistic record."""

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


def sms_delivery():
    """The id of one SMS delivery row of a published warning's matched
    notice, written but not yet queued for sending."""
    from subscriptions import queries

    subscriber(email=False)
    notice = warning().notices.get()
    notice.dispatch_status = "matched"
    notice.save()
    (row_id, _digest), *_ = queries.write_deliveries(notice)
    return row_id


def recall(live=True, category="toys-electric", companies=(), **fields):
    """A recall entry, live unless told otherwise; `category` is a code or a
    ProductCategory."""

    number = next(_numbers)
    values = {
        "source": "herald",
        "source_id": f"TEST-R-{number}",
        "product": f"儿童电动玩具召回 {number}",
        "brand": "示例牌",
        "defect": "电池充电时过热。",
        "recall_date": timezone.localdate(),
        "live": live,
        "category": category
        if isinstance(category, ProductCategory)
        else ProductCategory.objects.filter(code=category).first(),
    }
    values.update(fields)
    entry = RecallEntry.objects.create(**values)
    entry.companies.set(
        [Company.objects.get_or_create(name=name)[0] for name in companies]
    )
    return entry


def blacklist_entry(live=True, credit_code="91330100MA2DEM001H", **fields):
    """A blacklist entry of a fictional company."""

    number = next(_numbers)
    name = fields.pop("company_name", f"杭州示例电子科技有限公司 {number}")
    company, _created = Company.objects.get_or_create(
        credit_code=credit_code, defaults={"name": name}
    )
    values = {
        "company": company,
        "company_name": name,
        "credit_code": credit_code,
        "violation": "生产销售不合格移动电源（充电宝）",
        "decision_number": f"示例黑〔2025〕{number:03d}号",
        "listed_on": timezone.localdate(),
        "live": live,
    }
    values.update(fields)
    return BlacklistEntry.objects.create(**values)
