"""The jobs of an inspection, one API that both shells call: the command line (`crawler.app.cli`) and the
service (`crawler.app.service`).

`crawl` runs a crawl in this process; `start_crawl` starts one in a child process (the service: Scrapy's
reactor cannot restart in one process). `Jobs` holds one registry and one rubric, read once by its caller, and
runs the stages over a database: probe, check, report (one inspection or a period), mail, each opening the
store for its own work. `prune` and `stored_findings` need no registry.

Configuration problems are raised as `checks.errors.ConfigError` (the command line maps them to exit code 3);
a stored crawl or report that is not there, as `LookupError` (or `ValueError` for a malformed period).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.childenv import scrubbed_env
from crawler.registry import Registry
from crawler.store import PruneResult, Store

if TYPE_CHECKING:
    from checks.findings import Finding
    from checks.rules import Rules
    from crawler.app.delivery import MailResult
    from crawler.app.mailserver import SmtpSettings
    from crawler.probes.availability import ProbeResult
    from reports.history import History
    from reports.mail import Outgoing
    from reports.model import Report
    from reports.scoring import Scoring


def crawl(
    config: Path, db: Path, site_ids: Iterable[str] = (), settings: Mapping[str, Any] | None = None
) -> int:
    """Crawl the sites of the registry file `config` (all when none named) into `db`; return the run's id.

    Once per process (Scrapy's reactor); over several cores the sites are crawled by child processes."""
    from crawler.app.crawl import run_crawl

    return run_crawl(config, db, list(site_ids), dict(settings or {}))


def start_crawl(
    config: Path, db: Path, python: str, progress_fd: int | None = None
) -> subprocess.Popen[bytes]:
    """A whole crawl in a child process (`crawler.app.worker`), its stderr piped for the reason of a failure,
    its progress reported as JSON lines on the pipe `progress_fd` if given (`crawler.app.progress`). The
    child's environment holds no secret: a crawl needs no SMTP password."""
    from crawler.app.workerargs import worker_command

    settings: dict[str, object] = {"DUWANG_PROGRESS": False, "LOG_LEVEL": "WARNING"}
    if progress_fd is not None:
        settings["DUWANG_PROGRESS_FD"] = progress_fd
    command = worker_command(config, db, settings=settings, python=python)
    return subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=scrubbed_env(PYTHONUNBUFFERED="1"),
        pass_fds=() if progress_fd is None else (progress_fd,),
    )


def prune(db: Path, keep: int, dry_run: bool = False) -> PruneResult:
    """Delete the crawl facts of runs older than the latest `keep` completed ones and compact the database."""
    with Store(db) as store:
        return store.prune(keep, dry_run=dry_run)


def stored_findings(
    db: Path, run_id: int | None, site_ids: Iterable[str] = ()
) -> tuple[int, list[dict[str, Any]]]:
    """The findings stored for a checked crawl (the latest checked by default), of the named sites or all."""
    wanted = set(site_ids)
    with Store(db, create=False) as store:
        checked = store.checked_runs()
        if run_id is None and not checked:
            raise LookupError(f"{db}：还没有检查过的抓取 no checked crawl；先运行 `duwang check`")
        run_id = run_id if run_id is not None else checked[-1]
        return run_id, [row for row in store.findings(run_id) if not wanted or row["site_id"] in wanted]


def previous_period(kind: str, today: date) -> str:
    """The period that just ended: '2026-10' (monthly), '2026Q3' (quarterly) or '2025' (yearly)."""
    if kind == "monthly":
        last = today.replace(day=1) - timedelta(days=1)
        return f"{last.year}-{last.month:02d}"
    if kind == "quarterly":
        quarter = (today.month - 1) // 3  # the quarter before the current one, 0 meaning last year's Q4
        return f"{today.year - 1}Q4" if quarter == 0 else f"{today.year}Q{quarter}"
    return str(today.year - 1)


class Jobs:
    """The stages of an inspection over the database `db`, with one registry and one rubric override.

    The rubric is read when a stage first needs it (`rules()`, `scoring()`): a caller that wants a bad rubric
    reported before anything else calls them first."""

    def __init__(self, db: Path, registry: Registry, rubric: Path | None = None) -> None:
        self.db = Path(db)
        self.registry = registry
        self.rubric = rubric
        self._rules: Rules | None = None
        self._scoring: Scoring | None = None

    def rules(self) -> Rules:
        from checks.rules import load_rules

        if self._rules is None:
            self._rules = load_rules(self.rubric)
        return self._rules

    def scoring(self) -> Scoring:
        from reports.scoring import load_scoring

        if self._scoring is None:
            self._scoring = load_scoring(self.rubric)
        return self._scoring

    def probe(
        self,
        site_ids: Iterable[str] = (),
        timeout: float = 15.0,
        on_result: Callable[[ProbeResult], None] | None = None,
        echo: Callable[[str], None] | None = None,
    ) -> list[ProbeResult]:
        """Probe each selected site's homepage once; each result is stored as its site completes (one hung
        site cannot cost the others theirs), then handed to `on_result`. Then the technical round (HTTPS and
        IPv6, `crawler/probes/tech.py`), whose one-line results go to `echo`."""
        from crawler.app.techround import probe_and_store
        from crawler.probes.availability import probe_sites

        selected = list(site_ids)
        self.registry.select(selected)  # an unknown site is a configuration error before the database opens
        with Store(self.db) as store:

            def stored(result: ProbeResult) -> None:
                store.add_probes([result])
                if on_result is not None:
                    on_result(result)

            results = probe_sites(self.registry, selected, timeout, on_result=stored)
            probe_and_store(self.registry, store, selected, timeout, echo=echo)
            return results

    def check(self, run_id: int | None = None, now: datetime | None = None) -> tuple[int, list[Finding]]:
        """Check a crawl (the latest completed by default) as of `now`; store and return its findings."""
        from crawler.app.inspection import run_checks

        return run_checks(self.db, self.registry, self.rules(), run_id, now)

    def report(self, run_id: int | None = None, period: str | None = None) -> Report:
        """The report of a checked crawl (the latest by default) or a period ('2026-11', '2026Q4', '2026')."""
        from crawler.app.reportdata import load_stored
        from reports.build import build_period_report, build_report

        scoring = self.scoring()
        with Store(self.db, create=False) as store:
            stored = load_stored(store, self.registry, until=None if period else run_id)
        if period:
            return build_period_report(stored, scoring, period)
        return build_report(stored, scoring, run_id)

    def write_reports(
        self, folder: Path, run_id: int | None = None, period: str | None = None, top: bool = True
    ) -> Path:
        """Write index.html, sites/, report.xlsx and report.json into `folder` (`top`) and into its own
        `folder/<date or period>/`, and refresh `folder/history/` (every inspection, a page per site); return
        the overview's path (`reports.publish`)."""
        from dataclasses import asdict

        from crawler.app.reportdata import load_stored
        from reports.history import build_history
        from reports.model import Bulletin
        from reports.publish import publish

        document = self.report(run_id, period)

        def history(folders: dict[int, str]) -> History:
            with Store(self.db, create=False) as store:
                stored = load_stored(store, self.registry)
            return build_history(stored, self.scoring(), folders)

        bulletin = Bulletin(**asdict(self.registry.report))
        return publish(document, folder, history, bulletin=bulletin, top=top).resolve()

    def compose_mail(self, run_id: int | None = None) -> tuple[Report, list[Outgoing]]:
        """The report of a checked crawl and its messages: each site's findings to its owners, the ranking to
        the info center."""
        from crawler.app.delivery import messages

        document = self.report(run_id)
        return document, messages(document, self.registry)

    def send_mail(
        self, document: Report, outgoing: list[Outgoing], smtp: SmtpSettings, resend_unconfirmed: bool = False
    ) -> MailResult:
        """Send the messages not yet sent for the report's crawl, recording each in the mail log."""
        from crawler.app.delivery import send

        with Store(self.db, create=False) as store:
            return send(
                outgoing, store, document.inspection.run_id, smtp, resend_unconfirmed=resend_unconfirmed
            )

    def prune(self, keep: int | None = None, dry_run: bool = False) -> PruneResult:
        """Retention by the registry's [storage] keep_runs (or `keep`)."""
        return prune(self.db, keep if keep is not None else self.registry.storage.keep_runs, dry_run)
