"""The settings each environment starts with."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "SECRET_"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_SETTINGS_MODULE="herald.settings.production")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_the_deployment_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="herald.settings.production",
        SECRET_KEY="k" * 20 + "-production-secret-for-the-check-0123456789",
        HERALD_BASE_URL="https://alerts.example.gov.cn",
        ALLOWED_HOSTS="alerts.example.gov.cn",
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_without_redis_the_log_says_tasks_run_in_process():
    result = run_manage("check", DJANGO_SETTINGS_MODULE="herald.settings.dev")

    assert result.returncode == 0
    assert "No REDIS_URL is set: tasks run in-process" in result.stderr


def test_regions_of_china_are_named_as_the_authority_names_them():
    from django.utils import translation
    from django_countries import countries

    with translation.override("zh-hans"):
        chinese = [str(countries.name(code)) for code in ("TW", "HK", "MO")]
    with translation.override("en"):
        english = str(countries.name("TW"))

    assert chinese == ["中国台湾", "中国香港", "中国澳门"]
    assert english == "Taiwan, China"
    assert list(countries)[0].code == "CN"
