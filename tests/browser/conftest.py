"""Headless Chromium for browser tests, and axe-core for accessibility checks."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import need

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "test-artifacts"
AXE_VERSION = "4.14.1"
AXE_DIR = ROOT / ".cache" / "node"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser_page(browser):
    """A fresh page in a Chinese-speaking browser."""
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1200, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot under test-artifacts/ to look at:
    `screenshot("name")` of the test's `browser_page`, or
    `screenshot("name", page)` of another page."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name, page=None):
        page = page or request.getfixturevalue("browser_page")
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="session")
def axe_script():
    """axe-core's script, installed from npm into .cache/node when absent."""
    if not AXE_SCRIPT.exists():
        npm = shutil.which("npm")
        need(npm is not None, "npm is needed to install axe-core")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(AXE_DIR),
                "--no-audit",
                "--no-fund",
                f"axe-core@{AXE_VERSION}",
            ],
            check=False,
            timeout=300,
            capture_output=True,
        )
    need(AXE_SCRIPT.exists(), f"axe-core could not be installed into {AXE_DIR}")
    return AXE_SCRIPT


@pytest.fixture
def axe_violations(axe_script):
    """Serious and critical WCAG 2.2 A/AA violations axe finds on a page."""

    def check(page):
        page.add_script_tag(path=str(axe_script))
        result = page.evaluate(
            """async () => await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
        )
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
            }
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return check


@pytest.fixture(autouse=True)
def site_tree(transactional_db):
    """The page tree, categories and approval workflow the migrations make.

    A transactional test empties every table when it ends, and restoring the
    migrations' rows by serialized rollback does not survive a session in
    which ordinary tests ran first; so they are made again when missing.
    """
    from importlib import import_module

    from django.apps import apps

    from alerts.models import WarningIndexPage

    if WarningIndexPage.objects.exists():
        return
    from django.conf import settings
    from wagtail.models import Locale, Page

    locale, _ = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if not Page.objects.filter(depth=1).exists():
        Page.add_root(title="Root", slug="root", locale=locale)
    site = import_module("alerts.migrations.0002_site_and_categories")
    workflow = import_module("alerts.migrations.0004_a_approval_workflow")
    site.create_site(apps, None)
    site.create_categories(apps, None)
    workflow.create_workflow(apps, None)


@pytest.fixture(autouse=True)
def quiet_admin_editor(settings):
    """Wagtail's editor autosaves every half second while open. These tests
    are about publishing, and a save still running when the tables are
    emptied deadlocks PostgreSQL's flush; so autosave is off here."""
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 0


@pytest.fixture(autouse=True)
def close_pages_before_the_database_is_emptied(transactional_db, browser):
    yield
    for context in browser.contexts:
        context.close()
