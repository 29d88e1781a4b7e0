"""Writing a report folder: each document of an inspection (HTML, Excel, JSON) side by side, every inspection
kept in a folder of its own, and the history refreshed.

A report folder holds, for `duwang report --out DIR` and the service's `[schedule] reports` folder alike:
`index.html`, `sites/`, `report.xlsx` and `report.json` of the inspection (or period) asked for; the same in
`<key>/` (`reports.history.archive_key`: the date the checks used, e.g. `2026-12-01/`, or the period,
`2026Q4/`), kept when later inspections are written; and `history/` (`index.html`: every inspection of the
database; `sites/<site>.html`: a site's scores and open findings over time).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reports.excel import write_excel
from reports.history import History, archive_key, archived
from reports.html import write_history, write_html
from reports.jsonout import dumps
from reports.model import Bulletin, Report

HISTORY = "history"


def write_documents(report: Report, folder: Path, *, bulletin: Bulletin, history: str | None = None) -> Path:
    """index.html, sites/, report.xlsx and report.json of `report` in `folder`; `history`: the history
    folder's path from `folder`, linked from the pages. Returns the overview's path."""
    folder.mkdir(parents=True, exist_ok=True)
    index = write_html(report, folder, bulletin=bulletin, history=history)
    write_excel(report, folder / "report.xlsx")
    (folder / "report.json").write_text(dumps(report) + "\n", encoding="utf-8")
    return index


def publish(
    report: Report,
    root: Path,
    history: Callable[[dict[int, str]], History],
    *,
    bulletin: Bulletin | None = None,
    top: bool = True,
) -> Path:
    """Write `report` into the report folder `root`: at its top (`top`, the layout `duwang report --out` has
    always had), in its own `<key>/` folder, and the history built by `history` from the inspections kept.
    Returns the path of the overview written (at the top, or in `<key>/`)."""
    root = Path(root)
    bulletin = bulletin or Bulletin()
    kept = write_documents(
        report,
        root / archive_key(report.inspection, report.period),
        bulletin=bulletin,
        history=f"../{HISTORY}",
    )
    index = write_documents(report, root, bulletin=bulletin, history=HISTORY) if top else kept
    write_history(history(archived(root)), root / HISTORY, bulletin=bulletin)
    return index
