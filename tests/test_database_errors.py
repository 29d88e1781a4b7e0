"""A database duwang cannot use (issue 11 #11): missing, damaged, read-only, or written by a newer duwang.

Each is refused with one line naming the file (exit code 1), never a traceback; a newer schema is never used;
the commands that only read facts (or add findings to a crawl) never create an empty database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.app.cli import main
from crawler.items import PageFact
from crawler.store import MIGRATIONS, Store, StoreError
from crawler.vocab import FetchRole, RunStatus
from tests.builders import CLI, LOOPBACK_NETWORK, registry_toml, site_toml, write_registry

REGISTRY = registry_toml(
    site_toml(
        "lxz", "临夏回族自治州人民政府", "127.0.0.2:8800", owners=[("信息中心", "xxzx@lxz.example.gov.cn")]
    ),
    head=LOOPBACK_NETWORK,
)
# Every command that reads facts, or adds findings to a crawl, with its own arguments.
READERS = {
    "findings": [],
    "report": ["--out", "{tmp}/report"],
    "runs": [],
    "columns": [],
    "mail": ["--dry-run", "{tmp}/eml"],
    "check": [],
}


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    return write_registry(tmp_path, REGISTRY)


def run_cli(command: str, registry: Path, db: Path, *extra: str):
    args = [command, "--config", str(registry), "--db", str(db), *extra]
    return CliRunner().invoke(main, args, catch_exceptions=False)


def reader_args(command: str, tmp_path: Path) -> list[str]:
    return [arg.format(tmp=tmp_path) for arg in READERS[command]]


def crawled_db(path: Path) -> Path:
    store = Store(path)
    run_id = store.begin_run(["lxz"], "sites.toml")
    store.write_facts(
        run_id,
        [PageFact(url="http://127.0.0.2:8800/", site_id="lxz", role=FetchRole.PAGE, depth=0, status=200)],
    )
    store.end_run(run_id, RunStatus.COMPLETED, {})
    store.close()
    return path


def assert_one_line_naming(result, db: Path, reason: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(db) in lines[0] and reason in lines[0], lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", sorted(READERS))
def test_a_reading_command_refuses_a_missing_database_and_creates_none(command, registry, tmp_path):
    db = tmp_path / "nowhere" / "facts.db"
    result = run_cli(command, registry, db, *reader_args(command, tmp_path))
    assert_one_line_naming(result, db, "数据库不存在 no such database")
    assert not db.exists() and not db.parent.exists()


def test_only_commands_that_write_facts_create_a_database(tmp_path):
    db = tmp_path / "facts.db"
    with pytest.raises(StoreError, match="no such database"):
        Store(db, create=False)
    assert not db.exists()
    Store(db).close()  # crawl, demo, probe and serve open it this way
    assert db.exists()
    Store(db, create=False).close()


@pytest.mark.parametrize("command", ["runs", "findings", "report", "crawl"])
def test_a_file_that_is_not_sqlite_is_refused_by_name(command, registry, tmp_path):
    db = tmp_path / "facts.db"
    garbage = bytes(range(256)) * 64
    db.write_bytes(garbage)
    args = reader_args(command, tmp_path) if command in READERS else ["--quiet"]
    result = run_cli(command, registry, db, *args)
    assert_one_line_naming(result, db, "损坏")
    assert db.read_bytes() == garbage  # nothing written into it


def test_a_truncated_database_is_refused_by_name(registry, tmp_path):
    db = crawled_db(tmp_path / "facts.db")
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    result = run_cli("runs", registry, db)
    assert_one_line_naming(result, db, "database damaged")


def test_damage_met_after_opening_is_one_line_naming_the_file(registry, tmp_path):
    db = crawled_db(tmp_path / "facts.db")
    # The header and schema are intact, so the file opens; the table `runs` reads its rows from a page
    # that is no longer a b-tree page.
    connection = sqlite3.connect(db)
    root = connection.execute("select rootpage from sqlite_master where name = 'runs'").fetchone()[0]
    page_size = connection.execute("pragma page_size").fetchone()[0]
    connection.close()
    with db.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xff" * page_size)
    result = run_cli("runs", registry, db)
    assert_one_line_naming(result, db, "database damaged")


def test_a_database_from_a_newer_duwang_is_refused_not_used(registry, tmp_path):
    db = crawled_db(tmp_path / "facts.db")
    connection = sqlite3.connect(db)
    with connection:
        connection.execute(
            "insert into _sqlite_migrations (migration_set, name, applied_at) values (?, ?, ?)",
            ["duwang", "m999_from_the_future", "2027-01-01 00:00:00"],
        )
    connection.close()
    with pytest.raises(StoreError, match="m999_from_the_future"):
        Store(db)
    for command in ("runs", "findings", "crawl"):
        args = ["--quiet"] if command == "crawl" else []
        result = run_cli(command, registry, db, *args)
        assert_one_line_naming(result, db, "newer duwang")
    connection = sqlite3.connect(db)
    assert connection.execute("select count(*) from runs").fetchone()[0] == 1  # no run was added
    connection.close()


def test_every_known_migration_is_accepted(tmp_path):
    db = crawled_db(tmp_path / "facts.db")
    store = Store(db, create=False)
    assert {m.name for m in MIGRATIONS.applied(store.db)} == {m.name for m in MIGRATIONS._migrations}
    store.close()


def run_unprivileged(*args: str) -> subprocess.CompletedProcess:
    """The CLI as a user whom file modes bind: root writes any file, so it runs without the capability."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv (util-linux): cannot make a file read-only for root")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    return subprocess.run([*prefix, *CLI, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("file_mode", "folder_mode", "reason"),
    [(0o444, 0o755, "the file"), (0o644, 0o555, "the folder")],
    ids=["file", "folder"],
)
def test_a_read_only_database_is_refused_by_name(registry, tmp_path, file_mode, folder_mode, reason):
    folder = tmp_path / "data"
    folder.mkdir()
    db = crawled_db(folder / "facts.db")
    before = db.read_bytes()
    db.chmod(file_mode)
    folder.chmod(folder_mode)
    try:
        for command in ("runs", "findings", "crawl"):
            extra = ["--quiet"] if command == "crawl" else []
            result = run_unprivileged(command, "--config", str(registry), "--db", str(db), *extra)
            assert result.returncode == 1, result.stdout + result.stderr
            line = result.stderr.strip()
            assert "\n" not in line and "Traceback" not in line, line
            assert str(db) in line and "数据库只读 database is read-only" in line and reason in line, line
        assert db.read_bytes() == before
    finally:
        folder.chmod(0o755)
