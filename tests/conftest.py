"""Shared fixtures: one inspected demo farm (crawled, probed, checked through the CLI) for the end-to-end
tests of checks and reports, so the farm is crawled once per test session for both."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from crawler.farm import FarmServer, build_farm
from tests.builders import cli

TODAY = date(2026, 11, 28)
PROBE_ROUNDS = 4


def duwang(*args: str) -> subprocess.CompletedProcess:
    """Run the CLI as an operator would; fail the test with its output when it fails."""
    result = cli(*args, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@dataclass
class InspectedFarm:
    server: FarmServer
    truth: dict
    registry: Path
    db: Path
    check_output: str

    @property
    def common(self) -> list[str]:
        return ["--config", str(self.registry), "--db", str(self.db)]


@pytest.fixture(scope="session")
def inspected_farm(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inspected")
    registry, db = tmp / "registry.toml", tmp / "facts.db"
    with FarmServer(build_farm(seed=2018, today=TODAY), port=0) as server:
        server.write_registry(registry)
        common = ["--config", str(registry), "--db", str(db)]
        duwang("crawl", *common, "--quiet")
        server.reset_log()  # the flaky homepage's failures start again with the probes
        for _ in range(PROBE_ROUNDS):
            duwang("probe", *common)
        output = duwang("check", *common, "--today", TODAY.isoformat()).stdout
        yield InspectedFarm(server, server.ground_truth(), registry, db, output)
