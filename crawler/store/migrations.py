"""The schema: numbered migrations m001…m018 that build and upgrade a duwang database. The refusal of a
database that a newer duwang wrote is `crawler.store.connection.refuse_newer_schema`.

sqlite-utils records each applied migration by name in `_sqlite_migrations`; a database holding a name this
module does not know came from a newer duwang. New migrations append (m019, ...) and never change one
already shipped: databases in use have applied them.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from crawler.store.rectification import create_rectification_tables

MIGRATIONS = Migrations("duwang")


@MIGRATIONS()
def m001_facts(db: Database) -> None:
    _create_run_tables(db)
    _create_page_table(db)
    _create_seen_tables(db)


def _create_run_tables(db: Database) -> None:
    db.table("runs").create(
        {
            "id": int,
            "started_at": str,
            "ended_at": str,
            "status": str,
            "sites": str,
            "config": str,
            "pid": int,
            "hostname": str,
            "duwang_version": str,
            "stats": str,
        },
        pk="id",
    )
    db.table("run_sites").create(
        {
            "run_id": int,
            "site_id": str,
            "name": str,
            "kind": str,
            "status": str,
            "started_at": str,
            "ended_at": str,
            "pages": int,
            "checks": int,
            "links": int,
            "errors": int,
            "bytes": int,
        },
        pk=("run_id", "site_id"),
        foreign_keys=[("run_id", "runs", "id")],
    )


def _create_page_table(db: Database) -> None:
    db.table("pages").create(
        {
            "run_id": int,
            "url": str,
            "site_id": str,
            "role": str,
            "depth": int,
            "referer": str,
            "status": int,
            "final_url": str,
            "content_type": str,
            "size": int,
            "elapsed": float,
            "title": str,
            "content_hash": str,
            "fetched_at": str,
            "error": str,
            "error_detail": str,
            "encoding": str,
            "text_excerpt": str,
            "script_count": int,
        },
        pk=("run_id", "url"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("pages").create_index(["run_id", "site_id"])


def _create_seen_tables(db: Database) -> None:
    """What a crawled page showed: its links, list entries, meta tags and footer."""
    db.table("links").create(
        {
            "id": int,
            "run_id": int,
            "site_id": str,
            "source_url": str,
            "target_url": str,
            "tag": str,
            "attr": str,
            "kind": str,
            "anchor_text": str,
            "in_scope": int,
            "fetchable": int,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("links").create_index(["run_id", "site_id"])
    db.table("links").create_index(["run_id", "target_url"])
    db.table("list_items").create(
        {
            "id": int,
            "run_id": int,
            "site_id": str,
            "page_url": str,
            "container": str,
            "position": int,
            "title": str,
            "url": str,
            "date_text": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("list_items").create_index(["run_id", "page_url"])
    db.table("page_meta").create(
        {"run_id": int, "page_url": str, "name": str, "content": str},
        pk=("run_id", "page_url", "name"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("footers").create(
        {"run_id": int, "site_id": str, "page_url": str, "text": str, "forms": str},
        pk=("run_id", "page_url"),
        foreign_keys=[("run_id", "runs", "id")],
    )


@MIGRATIONS()
def m002_rendering_reprobes_probes(db: Database) -> None:
    db.table("pages").add_column("render_state", str)
    db.table("pages").add_column("reprobe_status", int)
    db.table("pages").add_column("reprobe_error", str)
    db.table("probes").create(
        {
            "id": int,
            "site_id": str,
            "url": str,
            "probed_at": str,
            "ok": int,
            "status": int,
            "elapsed": float,
            "error": str,
        },
        pk="id",
    )
    db.table("probes").create_index(["site_id", "probed_at"])


@MIGRATIONS()
def m003_findings(db: Database) -> None:
    db.table("findings").create(
        {
            "id": int,
            "run_id": int,
            "site_id": str,
            "check": str,
            "severity": str,
            "url": str,
            "page": str,
            "column": str,
            "section": str,
            "element": str,
            "detail": str,
            "evidence": str,
            "checked_at": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("findings").create_index(["run_id", "site_id"])


@MIGRATIONS()
def m004_mail_and_jobs(db: Database) -> None:
    db.table("mail_log").create(
        {
            "run_id": int,
            "site_id": str,
            "recipient": str,
            "status": str,
            "message_id": str,
            "attempts": int,
            "error": str,
            "updated_at": str,
        },
        pk=("run_id", "site_id", "recipient"),
    )
    db.table("job_runs").create(
        {
            "id": int,
            "job": str,
            "started_at": str,
            "ended_at": str,
            "outcome": str,
            "error": str,
            "detail": str,
        },
        pk="id",
    )
    db.table("job_runs").create_index(["job", "started_at"])


@MIGRATIONS()
def m005_revalidation(db: Database) -> None:
    db.table("pages").add_column("etag", str)
    db.table("pages").add_column("last_modified", str)
    db.table("pages").add_column("revalidated", int)
    db.table("links").create_index(["run_id", "source_url"])  # a 304 reads its page's links back


@MIGRATIONS()
def m006_site_entries(db: Database) -> None:
    db.table("list_items").create_index(["run_id", "site_id"])  # the checks load one site at a time


@MIGRATIONS()
def m007_page_kinds(db: Database) -> None:
    db.table("pages").add_column("kind", str)  # crawler/pages/pagekind.py
    db.table("pages").add_column("kind_evidence", str)  # JSON: the signals behind `kind`
    db.table("list_items").add_column("list_name", str)  # the heading or tab label of the item's list


@MIGRATIONS()
def m008_extract_errors(db: Database) -> None:
    # Attributes a page's markup broke (a malformed <base href>, a full-width '／' in a form action): the
    # page is stored without them, and the run counts them per site.
    db.table("pages").add_column("extract_errors", str)
    db.table("run_sites").add_column("extract_errors", int)


@MIGRATIONS()
def m009_checked_sites(db: Database) -> None:
    # A site with no findings and a site never checked both have no findings rows: only this tells them apart.
    db.table("checked_sites").create(
        {"run_id": int, "site_id": str, "checked_at": str},
        pk=("run_id", "site_id"),
        foreign_keys=[("run_id", "runs", "id")],
    )


@MIGRATIONS()
def m010_crawl_limits(db: Database) -> None:
    # What a crawl's limits left out, per site (crawler/pipelines.py): the checks report it as info.
    db.table("run_sites").add_column("outside_checks", int)  # status checks of outside links made
    db.table("run_sites").add_column("outside_skipped", int)  # outside links left unchecked: budget spent
    db.table("run_sites").add_column("outside_budget", int)  # the site's max_outside_checks
    db.table("run_sites").add_column("stopped_by", str)  # "deadline": ended before the site was done
    db.table("run_sites").add_column("unfinished", int)  # URLs requested but not fetched when it ended
    db.table("run_sites").add_column("max_minutes", float)  # the crawl's deadline


@MIGRATIONS()
def m011_run_errors(db: Database) -> None:
    db.table("runs").add_column("error", str)  # why a failed run failed (e.g. the database refused a write)


@MIGRATIONS()
def m012_shared_facts(db: Database) -> None:
    # The run whose links, list_items, page_meta and footers rows hold what this page showed: its own run
    # when read afresh, the run that read it when a 304 carried it over. An unchanged page's facts are then
    # stored once, however many inspections see it unchanged.
    db.table("pages").add_column("facts_run", int)
    db.execute("update pages set facts_run = run_id")


@MIGRATIONS()
def m013_retention(db: Database) -> None:
    db.table("runs").add_column(
        "pruned_at", str
    )  # when `duwang prune` deleted the run's facts (findings stay)


@MIGRATIONS()
def m014_tech_probes(db: Database) -> None:
    # Site technical probes (crawler/probes/tech.py): HTTPS and certificate, IPv6 reachability.
    db.table("tech_probes").create(
        {
            "id": int,
            "site_id": str,
            "probed_at": str,
            "https_url": str,
            "https": str,
            "https_error": str,
            "cert_verified": int,
            "verify_error": str,
            "cert_not_after": str,
            "cert_subject": str,
            "cert_issuer": str,
            "cert_names": str,  # JSON list
            "hostname_match": int,
            "ipv6": str,
            "ipv6_addresses": str,  # JSON list
            "ipv6_error": str,
        },
        pk="id",
    )
    db.table("tech_probes").create_index(["site_id", "probed_at"])


@MIGRATIONS()
def m015_page_text(db: Database) -> None:
    # Each page's main text (title and body, or a list's entry titles) for the content check, zlib-compressed:
    # keyed like the other facts, so a page carried over unchanged (facts_run) is stored once.
    db.table("page_texts").create(
        {"run_id": int, "page_url": str, "text": bytes}, pk=("run_id", "page_url"), if_not_exists=True
    )
    # A person's decision on one content finding (`duwang confirm`), by the finding's key, so that it
    # survives `duwang check` run again; who, when and why are kept.
    db.table("confirmations").create(
        {
            "key": str,
            "site_id": str,
            "check_id": str,
            "severity": str,
            "confirmed_by": str,
            "confirmed_at": str,
            "reason": str,
            "finding": str,
        },
        pk="key",
        if_not_exists=True,
    )


@MIGRATIONS()
def m016_alert_log(db: Database) -> None:
    # One row per alert and channel (crawler/app/alerts.py): what was said, to which channel (its name, never
    # its URL: that holds the robot's key), whether it went. `key` keeps a veto or an outage from being
    # alerted again on every probe or re-run.
    db.table("alert_log").create(
        {
            "id": int,
            "event": str,
            "key": str,
            "site_id": str,
            "run_id": int,
            "channel": str,
            "status": str,
            "error": str,
            "text": str,
            "sent_at": str,
        },
        pk="id",
    )
    db.table("alert_log").create_index(["key", "sent_at"])


@MIGRATIONS()
def m017_rectification(db: Database) -> None:
    # Finding identity, history and 复查 : crawler/store/rectification.py.
    create_rectification_tables(db)


@MIGRATIONS()
def m018_messages(db: Database) -> None:
    # Consultation messages (crawler/pages/mailbox.py): a list table's rows, or a message's own page.
    db.table("messages").create(
        {
            "id": int,
            "run_id": int,
            "site_id": str,
            "page_url": str,
            "position": int,
            "title": str,
            "url": str,
            "asked_text": str,
            "replied_text": str,
            "state": str,
            "source": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("messages").create_index(["run_id", "page_url"])
