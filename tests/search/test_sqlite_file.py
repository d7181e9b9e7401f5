"""The embedded backend on an SQLite file, as `make run` uses it: a reindex
in one connection does not stop searches in another."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_searches_and_writes_go_on_while_a_reindex_runs(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "herald.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'herald.sqlite3'}",
    }
    environment.pop("REDIS_URL", None)

    finished = subprocess.run(
        [sys.executable, "-m", "tests.search.sqlite_reindex_probe"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert finished.returncode == 0, finished.stderr[-2000:]
    seen = json.loads(finished.stdout.strip().splitlines()[-1])
    assert seen["error"] == "", seen
    assert seen["during"] == ["oldkettle"]  # the old index, whole and alone
    assert seen["seconds"] < 2
    assert seen["write_error"] == ""
    assert seen["write_seconds"] < 2
    assert seen["after"] == 4000
    assert seen["journal"] == "wal"
