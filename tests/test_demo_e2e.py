"""End to end: `duwang demo`, the README's first command, as a newcomer runs it: farm, crawl, checks and
reports, every file under its working directory, whatever DUWANG_DB and DUWANG_CONFIG the shell holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# Starts the farm in a child process and crawls all 25 sites: `pytest -m "not e2e"` leaves it out.
pytestmark = pytest.mark.e2e


def test_demo_runs_the_whole_job_inside_its_working_directory(tmp_path):
    production = {"DUWANG_DB": str(tmp_path / "production.db"), "DUWANG_CONFIG": str(tmp_path / "sites.toml")}
    result = subprocess.run(
        [sys.executable, "-m", "crawler.app.cli", "demo", "--out", "work", "--quiet"],
        cwd=tmp_path,
        env={**os.environ, **production},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    work = tmp_path / "work"
    assert (work / "duwang.db").is_file() and (work / "registry.toml").is_file()
    assert not (tmp_path / "production.db").exists() and not (tmp_path / "sites.toml").exists()
    document = json.loads((work / "report" / "report.json").read_text(encoding="utf-8"))
    assert len(document["sites"]) == 25
    assert (work / "report" / "index.html").is_file() and (
        work / "report" / "history" / "index.html"
    ).is_file()
    # what the closing lines tell the newcomer to type next names the demo's own files
    assert f"--db {os.path.join('work', 'duwang.db')}" in result.stdout
