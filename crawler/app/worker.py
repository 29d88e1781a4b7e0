"""The private entry point of crawl child processes, `python -m crawler.app.worker` (its command line is built
and read in `crawler.app.workerargs`). It is not a `duwang` command: users crawl with `duwang crawl`.

A crawl runs in a child process for two reasons. Scrapy's Twisted reactor cannot restart in one process, so
the service (`duwang serve`) crawls each inspection in a child; and a crawl spread over several processes
(`crawler.app.parallel`) crawls each group of sites in a child that joins the run its parent recorded
(`--join-run`), the last one sweeping the link targets the others left unfetched (`--sweep`).

Exit codes, as `duwang crawl`'s: 0 the run completed (a joining child: it crawled its share), 1 it did not or
the database cannot be used (one line on stderr says why), 3 a configuration error.
"""

from __future__ import annotations

import sys

from checks.errors import ConfigError
from crawler.app.crawl import run_crawl, run_summary
from crawler.app.workerargs import parser
from crawler.store import StoreError
from crawler.vocab import RunStatus

EXIT_RUNTIME = 1
EXIT_CONFIG = 3


def main(argv: list[str] | None = None) -> int:
    """Crawl as the command line says; return the exit code."""
    args = parser().parse_args(argv)
    settings = dict(setting.partition("=")[::2] for setting in args.settings)
    try:
        if args.join_run is not None:  # the parent closes the run and reports it
            run_crawl(
                args.config,
                args.db,
                args.site_ids,
                settings,
                args.join_run,
                args.run_sites.split(","),
                args.sweep,
            )
            return 0
        run_id = run_crawl(args.config, args.db, args.site_ids, settings)
        run, _ = run_summary(args.db, run_id)
    except ConfigError as error:
        print(f"duwang: 配置错误 configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except StoreError as error:
        print(f"duwang: 数据库错误 database error: {error}", file=sys.stderr)
        return EXIT_RUNTIME
    if run["status"] != RunStatus.COMPLETED:
        print(
            f"duwang: 运行 run {run_id}: {run['status']} {run.get('error') or ''}".rstrip(), file=sys.stderr
        )
        return EXIT_RUNTIME
    return 0


if __name__ == "__main__":
    sys.exit(main())
