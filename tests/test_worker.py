"""The crawl child's entry point (`python -m crawler.app.worker`): its command line is built in one place and
read back as built; a configuration error ends it with exit code 3, as `duwang crawl`."""

from __future__ import annotations

from checks.errors import ConfigError
from checks.rules import RubricError
from crawler.app.cli import main
from crawler.app.mailserver import MailConfigError
from crawler.app.worker import main as worker_main
from crawler.app.workerargs import parser, worker_command
from crawler.registry import RegistryError


def test_the_command_a_parent_builds_is_the_one_the_child_reads(tmp_path):
    command = worker_command(
        tmp_path / "sites.toml",
        tmp_path / "facts.db",
        site_ids=["lxz", "jyj"],
        settings={"DUWANG_PROGRESS": False, "DUWANG_BATCH_SIZE": 50},
        join_run=7,
        run_sites=["lxz", "jyj", "sgj"],
        sweep=True,
        python="/usr/bin/python3",
    )
    assert command[:3] == ["/usr/bin/python3", "-m", "crawler.app.worker"]
    args = parser().parse_args(command[3:])
    assert (args.config, args.db) == (tmp_path / "sites.toml", tmp_path / "facts.db")
    assert args.site_ids == ["lxz", "jyj"]
    assert args.settings == ["DUWANG_PROGRESS=False", "DUWANG_BATCH_SIZE=50"]
    assert (args.join_run, args.run_sites, args.sweep) == (7, "lxz,jyj,sgj", True)


def test_a_whole_crawl_child_joins_no_run_and_sweeps_nothing(tmp_path):
    args = parser().parse_args(worker_command("sites.toml", "facts.db")[3:])
    assert (args.site_ids, args.settings, args.join_run, args.sweep) == ([], [], None, False)


def test_a_bad_registry_ends_the_child_with_exit_code_3_before_any_database(tmp_path, capsys):
    config = tmp_path / "sites.toml"
    config.write_text("[[sites]]\nid = 'lxz'\n", encoding="utf-8")
    db = tmp_path / "facts.db"
    assert worker_main(["--config", str(config), "--db", str(db)]) == 3
    assert capsys.readouterr().err.startswith(f"duwang: 配置错误 configuration error: {config}")
    assert not db.exists()


def test_the_user_facing_crawl_command_has_no_child_options():
    options = {name for param in main.commands["crawl"].params for name in param.opts}
    assert not options & {"--join-run", "--run-sites", "--sweep"}


def test_every_configuration_error_is_one_config_error():
    assert all(issubclass(error, ConfigError) for error in (RegistryError, RubricError, MailConfigError))
