"""`duwang serve`: the long-lived service that runs every job on its schedule (APScheduler 3, Asia/Shanghai).

Jobs (cron expressions from the registry's [schedule]): availability probes (alerting an outage); the weekly
inspection (crawl in a subprocess — Scrapy's Twisted reactor cannot restart in one process —, checks,
reports, alerts, mail); the monthly statistics, quarterly bulletin and year-end assessment of the period just
ended. Alerts (`crawler.app.alerts`) never fail a job: a channel that fails is logged and recorded.

- A job never overlaps itself (one instance at a time; a run due while the last still works is skipped).
- Runs missed while the service was down are coalesced: at start-up a job whose schedule fired since its last
  recorded run runs once, now.
- Every job run is a row in `job_runs` (start, end, outcome, error); logs are JSON lines on stderr. A period
  job with no checked inspection in its period (a fresh install) is `skipped`, its detail saying why.
- SIGTERM/SIGINT: no new job starts; a running crawl is asked to stop (Scrapy closes it as interrupted, its
  facts kept), running jobs finish, then the service exits.
- Each job reads the registry file once, at its start, and uses that one registry throughout: the crawl
  subprocess reads a snapshot of the same bytes, the checks, reports and mail the parsed registry. A site
  added while the service runs is crawled, checked and scored by the next inspection, all together; the
  [schedule] is read at start-up only.

The jobs themselves are the stages of `crawler.app.jobs`, the same the command line calls; this module only
schedules them, records them, and stops them.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from crawler.app.alerts import after_inspection, after_probe
from crawler.app.inspection import inspection_now
from crawler.app.jobs import Jobs, previous_period, start_crawl
from crawler.registry import Registry, RegistryError, load_registry
from crawler.registry.cron import cron_trigger
from crawler.store import Store

TIMEZONE = ZoneInfo("Asia/Shanghai")
JOBS = ("probe", "inspect", "monthly", "quarterly", "yearly")
log = logging.getLogger("duwang.service")


class JsonLines(logging.Formatter):
    """One JSON object per log line: time, level, logger, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.now(TIMEZONE).isoformat(timespec="seconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def event(message: str, level: int = logging.INFO, **fields: Any) -> None:
    log.log(level, message, extra={"fields": fields})


class Service:
    """The scheduled jobs over one database, with the registry file `config` and a rubric override."""

    def __init__(
        self,
        config: Path,
        db: Path,
        rubric: Path | None = None,
        scheduler: BaseScheduler | None = None,
        jobs: dict[str, Callable[[], str | None]] | None = None,
        python: str = sys.executable,
    ) -> None:
        self.config = Path(config)
        self.db = Path(db)
        self.rubric = rubric
        self.registry: Registry = load_registry(config)
        self._check_rubric()
        self.python = python
        self.scheduler = scheduler or BlockingScheduler(timezone=TIMEZONE)
        self.stopping = threading.Event()
        self.crawl_process: subprocess.Popen[bytes] | None = None
        self.progress_every = 60.0  # seconds between the crawl's progress lines in the log
        self.functions: dict[str, Callable[[], str | None]] = {
            "probe": self.probe,
            "inspect": self.inspect,
            "monthly": lambda: self.period("monthly"),
            "quarterly": lambda: self.period("quarterly"),
            "yearly": lambda: self.period("yearly"),
        } | (jobs or {})

    def _check_rubric(self) -> None:
        """Read the rubric once at start: a bad override stops the service (exit 3), not every job later."""
        jobs = Jobs(self.db, self.registry, self.rubric)
        jobs.rules()
        jobs.scoring()

    # -- schedule -------------------------------------------------------------------------------------

    def triggers(self) -> dict[str, CronTrigger]:
        schedule = self.registry.schedule
        return {name: cron_trigger(getattr(schedule, name), TIMEZONE) for name in JOBS}

    def schedule(self, now: datetime | None = None, triggers: dict[str, BaseTrigger] | None = None) -> None:
        """Add every job; one whose schedule fired since its last recorded run is due at once (coalesced).

        `triggers` replaces some of the registry's (tests use second intervals)."""
        now = now or datetime.now(TIMEZONE)
        with Store(self.db) as store:
            last_starts = {name: store.last_job_start(name) for name in JOBS}
        for name, trigger in (self.triggers() | (triggers or {})).items():
            options: dict[str, Any] = {}
            last = last_starts[name]
            if last is not None:
                missed = trigger.get_next_fire_time(None, datetime.fromisoformat(last).astimezone(TIMEZONE))
                if missed is not None and missed <= now:
                    options["next_run_time"] = now
                    event(
                        "missed runs coalesced: running once now",
                        job=name,
                        last_run=last,
                        first_missed=missed.isoformat(),
                    )
            self.scheduler.add_job(
                self.run_job,
                trigger,
                args=[name],
                id=name,
                name=name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
                replace_existing=True,
                **options,
            )

    def run_job(self, name: str) -> None:
        """Run one job, recording it in `job_runs` and the log."""
        if self.stopping.is_set():
            return
        with Store(self.db) as store:
            job_run = store.begin_job(name)
        event("job started", job=name, job_run=job_run)
        outcome, error, detail = "ok", None, None
        try:
            detail = self.functions[name]()
        except Interrupted as exc:
            outcome, error = "interrupted", str(exc)
        except Skipped as exc:  # e.g. a period with no inspection yet (a fresh install): nothing failed
            outcome, detail = "skipped", str(exc)
        except Exception as exc:  # a job's failure is recorded and logged; the service goes on
            outcome, error = "failed", f"{type(exc).__name__}: {exc}"
            event(
                "job failed",
                logging.ERROR,
                job=name,
                job_run=job_run,
                error=error,
                traceback=traceback.format_exc(),
            )
        with Store(self.db) as store:
            store.end_job(job_run, outcome, error, detail)
        event("job finished", job=name, job_run=job_run, outcome=outcome, error=error, detail=detail)

    def serve(self) -> None:
        """Schedule the jobs and block until SIGTERM or SIGINT."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.shutdown)
        self.schedule()
        event(
            "service started",
            jobs={job.id: str(job.trigger) for job in self.scheduler.get_jobs()},
            db=str(self.db),
            config=str(self.config),
        )
        self.scheduler.start()
        event("service stopped")

    def shutdown(self, signum: int | None = None, frame: object = None) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        event("shutting down: no new jobs; a running crawl is asked to stop", signal=signum)
        process = self.crawl_process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # Scrapy closes the run as interrupted, facts kept
        threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True}, daemon=True).start()

    # -- jobs -----------------------------------------------------------------------------------------

    @contextmanager
    def _job_registry(self) -> Iterator[tuple[Jobs, Path]]:
        """The jobs with the registry as the file says now, parsed once, and a snapshot of the very bytes it
        was parsed from (for the crawl subprocess: the operator may be editing the file meanwhile)."""
        text = self.config.read_bytes()
        with tempfile.TemporaryDirectory(prefix="duwang-registry-") as folder:
            snapshot = Path(folder) / self.config.name
            snapshot.write_bytes(text)
            try:
                registry = load_registry(snapshot)
            except RegistryError as exc:  # name the operator's file, not the snapshot
                raise RegistryError(str(exc).replace(str(snapshot), str(self.config))) from None
            yield Jobs(self.db, replace(registry, path=self.config), self.rubric), snapshot

    def probe(self) -> str:
        with self._job_registry() as (jobs, _):
            results = jobs.probe()
        failed = [r.site_id for r in results if not r.ok]
        alerted = after_probe(self.db, jobs.registry, results)  # never raises: a dead robot fails no probe
        names = f": {', '.join(failed)}" if failed else ""
        return f"{len(results)} probed, {len(failed)} failed{names}; {alerted}"

    def inspect(self) -> str:
        """Crawl (in a subprocess), check, report, mail, prune, all with one registry read at the start."""
        with self._job_registry() as (jobs, snapshot):
            self._crawl(snapshot, jobs.registry)
            run_id, findings = jobs.check(None, inspection_now())
            # The reports folder keeps every inspection in <date>/, the latest at its top, and the history.
            folder = jobs.write_reports(self._reports_folder("."), run_id=run_id).parent
            alerted = after_inspection(
                self.db, jobs.registry, self.rubric, run_id
            )  # before mail: it may raise
            mailed = self._mail(jobs)
            pruned = self._prune(jobs)
        return f"run {run_id}: {len(findings)} findings; reports in {folder}; {alerted}; {mailed}; {pruned}"

    def _crawl(self, snapshot: Path, registry: Registry) -> None:
        """The crawl in a child process (Scrapy's reactor cannot restart here); shutdown() stops it. Its
        progress is logged every `progress_every` seconds."""
        with self._crawl_progress(registry) as progress_fd:
            try:
                self.crawl_process = start_crawl(snapshot, self.db, self.python, progress_fd)
            finally:
                os.close(progress_fd)  # the child holds its copy: the feed sees the end when the child ends
            _, stderr = self.crawl_process.communicate()
        code, self.crawl_process = self.crawl_process.returncode, None
        if self.stopping.is_set():
            raise Interrupted("the service stopped during the crawl; the run is recorded as interrupted")
        if code != 0:
            raise RuntimeError(f"crawl exited with {code}: {stderr.decode(errors='replace')[-500:]}")

    @contextmanager
    def _crawl_progress(self, registry: Registry) -> Iterator[int]:
        """A pipe for the crawl's progress reports, read and logged until the crawl ends."""
        from crawler.app.progress import Feed, Tally
        from crawler.app.progress_display import LogDisplay

        with Store(self.db) as store:
            sizes = store.last_site_sizes()

        def log(line: str, fields: dict[str, Any]) -> None:
            event("crawl progress", job="inspect", text=line, **fields)

        tally = Tally([site.id for site in registry.sites], sizes)
        feed = Feed(tally, LogDisplay(log, self.progress_every), tick=1.0).start()
        try:
            yield feed.pipe("crawl")
        finally:
            feed.stop()

    def _prune(self, jobs: Jobs) -> str:
        """Retention after each inspection: facts of runs older than [storage] keep_runs go, the file shrinks.
        A failed VACUUM (no disk for the copy) is logged, not a failed job: the freed pages are reused."""
        result = jobs.prune()
        if result.vacuum_error:
            event("vacuum failed", logging.WARNING, error=result.vacuum_error)
        if not result.runs:
            return "nothing pruned"
        return f"pruned runs {', '.join(map(str, result.runs))}, {result.bytes_after / 1e6:.1f} MB in use"

    def period(self, kind: str) -> str:
        period = previous_period(kind, inspection_now().date())
        with self._job_registry() as (jobs, _):
            try:
                folder = jobs.write_reports(self._reports_folder("."), period=period, top=False).parent
            except LookupError as exc:
                if isinstance(exc, KeyError | IndexError):  # a bug, not an empty period
                    raise
                raise Skipped(
                    f"{period} 期间没有已检查的督查，不生成报告 nothing to report ({exc})"
                ) from None
        return f"{kind} report {period} in {folder}"

    def _reports_folder(self, name: str) -> Path:
        base = Path(self.registry.schedule.reports)
        if not base.is_absolute():
            base = self.config.parent / base
        return base / name

    def _mail(self, jobs: Jobs) -> str:
        from crawler.app.delivery import MailConfigError, SmtpSettings

        try:
            smtp = SmtpSettings.from_env()
        except MailConfigError as exc:
            event("mail not sent: SMTP is not configured", logging.WARNING, reason=str(exc))
            return "mail skipped (SMTP not configured)"
        result = jobs.send_mail(*jobs.compose_mail(), smtp)
        if result.error is not None or result.pending:
            # Unreachable server, refused login, a server that keeps failing: the job failed; nothing
            # unsent is marked failed, so the next `duwang mail` (or inspection) sends it.
            reason = result.error or result.pending[0][1]
            raise RuntimeError(
                f"mail: {reason}; {len(result.sent)} sent, {len(result.pending)} messages pending, "
                "sent by the next `duwang mail`"
            )
        if result.unconfirmed:
            # Possibly delivered, not sent again: an operator checks the mail server's log (README, mail).
            raise RuntimeError(
                f"mail: {len(result.unconfirmed)} messages possibly delivered, unconfirmed, not sent again "
                f"({', '.join(item.recipient for item, _ in result.unconfirmed)}); {len(result.sent)} sent"
            )
        refused = "; ".join(f"{item.recipient} ({error})" for item, error in result.failed)
        return f"mail: {len(result.sent)} sent, {len(result.failed)} refused" + (
            f": {refused}" if refused else ""
        )


class Interrupted(Exception):
    """The job was stopped by the service's shutdown."""


class Skipped(Exception):
    """The job had nothing to do; the message says why (recorded as the run's detail, outcome skipped)."""


def configure_logging() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)
