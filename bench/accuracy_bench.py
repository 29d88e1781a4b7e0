"""Accuracy benchmark (not a test): precision and recall of duwang's checks against the demo farm's ground
truth, per check and per template family, plus the false vetoes, and the real-page check's TOTAL line.

    .venv/bin/python bench/accuracy_bench.py [--seed 2018] [--today 2026-11-28] [--json FILE]

Starts the demo farm in this process (loopback only, 127.0.0.x), then runs the CLI as an operator would:
`duwang crawl`, four `duwang probe` rounds (the flaky homepage), `duwang check --today`, and reads
`duwang findings --format json`. Each finding is keyed by crawler.farm.expected.observed() and compared with
crawler.farm.expected.expected_findings() of its site, the same definition tests/test_checks_e2e.py uses.
A finding the truth expects is a true positive; one it does not expect is a false positive (a false veto
when its severity is "veto"); an expected one not reported is a false negative.
If ../shared/realpages/extract_check.py exists (the saved real government pages), it is run and its TOTAL
line printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from crawler.farm import FarmServer, build_farm  # noqa: E402
from crawler.farm.expected import expected_findings, observed  # noqa: E402

PROBE_ROUNDS = 4
# The saved real pages' checker: where DUWANG_REALPAGES says, else beside the checkout (../shared/realpages).
_REALPAGES_DIR = os.environ.get("DUWANG_REALPAGES")
REALPAGES = (
    *((Path(_REALPAGES_DIR) / "extract_check.py",) if _REALPAGES_DIR else ()),
    ROOT.parent / "shared" / "realpages" / "extract_check.py",
)
FAMILY_ORDER = ("standard", "trs_table", "hanweb", "tabs")


def duwang(*args: str) -> str:
    """One CLI command; its stdout. A failing command stops the benchmark with its output."""
    result = subprocess.run(
        [sys.executable, "-m", "crawler.app.cli", *args],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=ROOT,
    )
    if result.returncode != 0:
        sys.exit(f"duwang {args[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def inspect(seed: int, today: date, work: Path) -> tuple[dict, list[dict], float]:
    """Crawl, probe and check the farm; (ground truth, findings, seconds)."""
    registry, db = work / "registry.toml", work / "duwang.db"
    common = ["--config", str(registry), "--db", str(db)]
    started = time.monotonic()
    with FarmServer(build_farm(seed=seed, today=today), port=0) as server:
        server.write_registry(registry)
        duwang("crawl", *common, "--quiet")
        server.reset_log()  # the flaky homepage's failures start again with the probes
        for _ in range(PROBE_ROUNDS):
            duwang("probe", *common)
        duwang("check", *common, "--today", today.isoformat())
        truth = server.ground_truth()
    findings = json.loads(duwang("findings", *common, "--format", "json"))["findings"]
    return truth, findings, time.monotonic() - started


def score(truth: dict, findings: list[dict], today: date) -> dict:
    """Counts per (family, check) and the false vetoes, with the differences per site."""
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    false_vetoes: list[dict] = []
    missed_vetoes: list[dict] = []
    differences: dict[str, dict] = {}
    for site_id, site in truth["sites"].items():
        family = site["template"]
        expected = expected_findings(site, today)
        actual = {observed(f) for f in findings if f["site_id"] == site_id} - {None}
        for key in expected | actual:
            kind = "tp" if key in expected and key in actual else ("fp" if key in actual else "fn")
            counts[(family, key[0])][kind] += 1
            if kind != "tp" and key[1] == "veto":
                entry = {"site": site_id, "template": family, "finding": list(key)}
                (false_vetoes if kind == "fp" else missed_vetoes).append(entry)
        if expected != actual:
            differences[site_id] = {
                "template": family,
                "missed": sorted(map(list, expected - actual)),
                "false": sorted(map(list, actual - expected)),
            }
    return {
        "counts": counts,
        "false_vetoes": false_vetoes,
        "missed_vetoes": missed_vetoes,
        "differences": differences,
    }


def ratio(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


def table(counts: dict[tuple[str, str], dict[str, int]]) -> list[dict]:
    """Rows per family and check, then an "all" row per check."""
    rows = []
    checks = sorted({check for _, check in counts})
    families = [f for f in FAMILY_ORDER if any(fam == f for fam, _ in counts)]
    families += sorted({fam for fam, _ in counts} - set(families))
    for family in [*families, "all"]:
        for check in checks:
            if family == "all":
                c = {
                    k: sum(counts[(f, check)][k] for f in families if (f, check) in counts)
                    for k in ["tp", "fp", "fn"]
                }
            elif (family, check) in counts:
                c = counts[(family, check)]
            else:
                continue
            rows.append(
                {
                    "template": family,
                    "check": check,
                    **c,
                    "precision": ratio(c["tp"], c["tp"] + c["fp"]),
                    "recall": ratio(c["tp"], c["tp"] + c["fn"]),
                }
            )
    return rows


def fmt(value: float | None) -> str:
    return "  –  " if value is None else f"{value:.2f}"


def print_table(rows: list[dict], false_vetoes: list[dict], missed_vetoes: list[dict]) -> None:
    print(f"{'template':10} {'check':20} {'TP':>4} {'FP':>4} {'FN':>4} {'P':>5} {'R':>5}")
    last = None
    for r in rows:
        if r["template"] != last and last is not None:
            print()
        last = r["template"]
        flag = "" if (r["precision"] in (None, 1.0) and r["recall"] in (None, 1.0)) else "  <"
        print(
            f"{r['template']:10} {r['check']:20} {r['tp']:4} {r['fp']:4} {r['fn']:4} "
            f"{fmt(r['precision']):>5} {fmt(r['recall']):>5}{flag}"
        )
    for label, vetoes in (("false vetoes", false_vetoes), ("missed vetoes", missed_vetoes)):
        print(f"\n{label}: {len(vetoes)}")
        for v in vetoes:
            print(f"  {v['site']} ({v['template']}): {' '.join(map(str, v['finding']))}")


def real_pages() -> dict | None:
    """Run the real-page check if it is there; its TOTAL line (None when absent)."""
    script = next((p for p in REALPAGES if p.exists()), None)
    if script is None:
        return None
    result = subprocess.run(
        [sys.executable, str(script), "--quiet"], capture_output=True, text=True, timeout=600, cwd=ROOT
    )
    total = next((line.strip() for line in result.stdout.splitlines() if "TOTAL" in line), None)
    return {"script": str(script), "returncode": result.returncode, "total": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2018, help="farm seed (varies content, not defects)")
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 28), help="check date")
    parser.add_argument("--json", type=Path, help="also write the figures and differences to this file")
    parser.add_argument("--keep", type=Path, help="keep the registry and database in this directory")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="duwang-accuracy-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        truth, findings, seconds = inspect(args.seed, args.today, work)
    result = score(truth, findings, args.today)
    rows = table(result["counts"])
    print(f"duwang accuracy on the demo farm: seed {args.seed}, today {args.today}, {seconds:.0f} s\n")
    print_table(rows, result["false_vetoes"], result["missed_vetoes"])
    real = real_pages()
    if real is None:
        print("\nreal pages: extract_check.py not found (../shared/realpages)")
    else:
        print("\nreal pages (OK MISS DIFF n/a):", real["total"])
    if args.json:
        document = {
            "seed": args.seed,
            "today": args.today.isoformat(),
            "seconds": round(seconds, 1),
            "rows": rows,
            "false_vetoes": result["false_vetoes"],
            "missed_vetoes": result["missed_vetoes"],
            "differences": result["differences"],
            "real_pages": real,
        }
        args.json.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
