"""A warning's whole life through the admin, read back on the public site."""

import re

import pytest
from django.utils import timezone
from lxml import etree

from tests import factories
from tests.browser import admin

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser(
        "editor", "editor@example.com", EDITOR_PASSWORD
    )


EDITOR_PASSWORD = "editor-pass-1"


def log_in(page, base, username="editor", password=EDITOR_PASSWORD):
    admin.log_in(page, base, username, password)


def publish(page, slug=None):
    if slug:
        # The slug sits on the Promote tab, and Wagtail rewrites it from the
        # title when the title loses focus: set it last.
        page.evaluate(f"document.querySelector('#id_slug').value = '{slug}'")
    page.locator(".w-dropdown-button .w-dropdown__toggle").first.click()
    page.locator("button[name=action-publish]").click()
    page.wait_for_url(re.compile(r".*/admin/pages/\d+/(edit/)?$|.*/admin/pages/\d+/$"))


def start_new_warning(page, base, title, summary, level, title_en, summary_en):
    """Open the admin's new-warning form and fill what every public warning
    needs, in Chinese and English."""
    from alerts.models import ProductCategory, WarningIndexPage

    index = WarningIndexPage.objects.get()
    toys = ProductCategory.objects.get(code="toys-electric")
    page.goto(f"{base}/admin/pages/add/alerts/warningpage/{index.pk}/")
    page.fill("#id_title", title)
    page.select_option("#id_level", str(level))
    page.select_option("#id_kind", "public_announcement")
    page.fill("#id_title_en", title_en)
    page.fill("#id_summary_zh", summary)
    page.fill("#id_summary_en", summary_en)
    page.select_option("#id_categories", str(toys.pk))


def test_an_editor_publishes_adjusts_and_lifts_a_warning_that_readers_then_see(
    live_server, browser, editor, screenshot
):
    from alerts.models import WarningPage

    base = live_server.url
    page = browser.new_page(locale="en-US")
    log_in(page, base)

    # Given a new level III warning written in the admin
    start_new_warning(
        page,
        base,
        title="儿童电动玩具电池过热风险警示",
        summary="部分儿童电动玩具的锂电池在充电时过热，存在起火风险。",
        level=3,
        title_en="Electric toy batteries overheat",
        summary_en="Lithium batteries in some toys overheat while charging.",
    )
    page.check("input[name=hazards][value=physical]")
    page.check("input[name=measures][value=recall]")
    page.fill("#id_advice_zh", "立即停止给玩具充电。")
    page.fill("#id_sms_text", "部分儿童电动玩具电池过热，请停止充电使用。")
    page.locator("#id_sms_text").scroll_into_view_if_needed()
    counter = page.locator(".sms-counter").inner_text()
    screenshot("admin-1-new-warning", page)

    # When it is published, its level lowered to IV, and it is lifted
    publish(page, slug="toy-batteries")
    warning = WarningPage.objects.get(slug="toy-batteries")
    page.goto(f"{base}/admin/pages/{warning.pk}/edit/")
    page.select_option("#id_level", "4")
    page.fill("#id_change_reason", "事故调查显示风险较低")
    publish(page)
    page.goto(f"{base}/admin/pages/{warning.pk}/edit/")
    lifted_at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    page.fill("#id_lifted_at", lifted_at)
    page.fill("#id_lifting_reason", "问题产品已全部召回")
    screenshot("admin-2-lifting", page)
    publish(page)
    screenshot("admin-3-after-lifting", page)

    # Then the public page shows the three notices, and the CAP is a Cancel
    public = browser.new_page(locale="en-US")
    public.goto(f"{base}/warnings/toy-batteries/")
    screenshot("public-warning-lifted", public)
    timeline = public.locator("ol.timeline > li").all_inner_texts()
    cap = public.request.get(f"{base}/warnings/toy-batteries/cap.xml")
    document = etree.fromstring(
        cap.body(), etree.XMLParser(resolve_entities=False, no_network=True)
    )
    references = document.findtext("cap:references", namespaces=NS).split()

    # 21 characters of text in the longest frame (88 on this test server).
    assert "UCS-2" in counter and "109 characters" in counter
    assert "2 of at most 2" in counter
    assert len(timeline) == 3
    assert "Publication" in timeline[0]
    assert "Level change" in timeline[1] and "事故调查显示风险较低" in timeline[1]
    assert "Lifting notice" in timeline[2] and "问题产品已全部召回" in timeline[2]
    assert document.findtext("cap:msgType", namespaces=NS) == "Cancel"
    assert [r.split(",")[1] for r in references] == [
        f"herald-{warning.reference}-1",
        f"herald-{warning.reference}-2",
    ]


def test_public_pages_have_no_serious_accessibility_violations(
    live_server, browser, axe_violations, screenshot
):
    warning = factories.warning(
        level=1,
        hazards=["chemical"],
        measures=["recall", "sales_suspension"],
        advice_zh="立即停止使用。",
        advice_en="Stop using it at once.",
    )
    factories.change_level(warning, 2)
    factories.warning(level=3)
    found = {}

    for language in ("zh-CN", "en-US"):
        page = browser.new_page(locale=language)
        for name, path in (
            ("home", "/"),
            ("warnings", "/warnings/"),
            ("warning", warning.public_path()),
            ("notice", f"{warning.public_path()}notices/2/"),
        ):
            page.goto(f"{live_server.url}{path}")
            screenshot(f"a11y-{language}-{name}", page)
            found[(language, name)] = axe_violations(page)
        page.close()

    assert {key: v for key, v in found.items() if v} == {}


def test_the_site_works_by_keyboard_alone(live_server, browser):
    warning = factories.warning(level=2)
    page = browser.new_page(locale="en-US")
    page.goto(f"{live_server.url}/")

    page.keyboard.press("Tab")
    skip = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    tabs_to_warning = 0
    while tabs_to_warning < 40:
        page.keyboard.press("Tab")
        tabs_to_warning += 1
        if page.evaluate("document.activeElement.getAttribute('href')") == (
            warning.public_path()
        ):
            break
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{warning.public_path()}")

    assert skip.strip() == "Skip to content"
    assert tabs_to_warning < 40
    assert warning.title_en in page.content()


def test_filters_and_the_language_switch_work_without_javascript(live_server, browser):
    lifted = factories.lift(factories.warning(level=3))
    active = factories.warning(level=4)
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()

    page.goto(f"{live_server.url}/warnings/")
    page.select_option("#f-status", "lifted")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**status=lifted**")
    filtered = page.content()
    page.select_option("#language-select", "en")
    page.click(".language button[type=submit]")
    page.wait_for_load_state()
    english = page.content()
    context.close()

    assert lifted.reference in filtered and active.reference not in filtered
    assert "Warnings" in english and "status=lifted" in page.url


def test_the_admin_refuses_to_publish_a_level_ii_warning_directly_and_says_why(
    live_server, browser, editor, screenshot
):
    from alerts.models import WarningPage

    base = live_server.url
    page = browser.new_page(locale="zh-CN")
    log_in(page, base)

    start_new_warning(
        page,
        base,
        title="进口婴儿奶粉检出阪崎肠杆菌",
        summary="某批次进口婴儿配方奶粉检出阪崎肠杆菌。",
        level=2,
        title_en="Cronobacter found in imported infant formula",
        summary_en="One batch of imported infant formula holds Cronobacter.",
    )
    page.evaluate("document.querySelector('#id_slug').value = 'infant-formula'")
    page.locator(".w-dropdown-button .w-dropdown__toggle").first.click()
    page.locator("button[name=action-publish]").click()
    page.wait_for_selector("text=作者以外的审批人")
    page.locator("#id_level").scroll_into_view_if_needed()
    screenshot("admin-level-ii-refused", page)
    refusal = page.content()
    # The editor pings the server while open; close it before reading the
    # database, which SQLite would otherwise find locked.
    page.close()

    assert "请提交审批流程" in refusal
    assert not WarningPage.objects.filter(slug="infant-formula").exists()
