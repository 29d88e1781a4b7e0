"""Inspection benchmark (not a test): duwang's full inspection against peer link checkers on the demo farm.

    /tmp/venv/bin/python bench/inspection_bench.py [--scale N] [--skip-peers] [--linkchecker-stock]

Starts the demo farm (loopback only) in a child process, waits until it has written its ground truth, then,
one after the other, each as a child (in an order that rotates from one launch to the next, so no tool
always meets the flaky homepage's 503 first):
- duwang: `duwang crawl --quiet`, `duwang check`, `duwang report --out ...` (timed together, and check +
  report alone);
- LinkChecker (PyPI, own venv /tmp/bench-venv, created if missing) on the 25 start URLs;
- linkinator (npm, /tmp/bench-node, installed if missing) on the 25 start URLs.
Each is measured with os.wait4: wall time, CPU (user + sys) and peak RSS of that child. URLs checked and
dead links (distinct target URLs) come from duwang's database and the peers' CSV / JSON output; dead links
are compared as normalized URLs, and against the farm's ground truth. A peer attempt in which every start
page failed (the farm was not answering, not a finding) is rejected and tried again, at most 3 attempts.
Prints a table, appends one JSON line to bench/out/inspection.jsonl and prints a Markdown table for
bench/RESULTS.md. Peers are only ever given 127.0.0.x URLs and told to skip everything else.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sqlite3
import sys
import time
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from peers import (  # noqa: E402
    LC_VENV,
    PeerResult,
    ensure_linkchecker,
    ensure_linkinator,
    lc_env,
    linkchecker_cmd,
    linkchecker_config,
    linkinator_cmd,
    normalize,
    parse_linkchecker_csv,
    parse_linkinator_json,
    run_timed,
)

from crawler.app.farmprocess import FarmProcess  # noqa: E402

T = TypeVar("T")
ATTEMPTS = 3  # per peer: a crashed, hung or all-start-pages-failed attempt is tried again


def wait_for(
    path: Path,
    parse: Callable[[str], T],
    alive: Callable[[], bool],
    timeout: float = 120.0,
    poll: float = 0.1,
) -> T:
    """The parsed content of `path` once the farm has written it whole.

    The farm writes registry.toml and then ground_truth.json, neither atomically, and `FarmProcess` only
    waits for the registry: reading the truth at once could find no file, half a file, or (without the unlink
    before the start) the previous run's. A half-written JSON document never parses, so this polls until it
    does; it gives up when `alive()` says the writer is gone or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return parse(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError) as error:  # JSON and TOML decode errors are ValueErrors
            last = error
        if not alive():
            raise RuntimeError(f"the demo farm exited before writing {path} ({last})")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} still incomplete after {timeout:.0f} s ({last})")
        time.sleep(poll)


def rotated(names: list[str], turn: int) -> list[str]:
    """`names` starting at position `turn` (mod its length): launch n runs the tools in the n-th rotation."""
    if not names:
        return []
    shift = turn % len(names)
    return names[shift:] + names[:shift]


def previous_launches(out: Path) -> int:
    """How many results bench/out/inspection.jsonl holds: the default turn of the rotation."""
    try:
        with (out / "inspection.jsonl").open(encoding="utf-8") as jsonl:
            return sum(1 for line in jsonl if line.strip())
    except FileNotFoundError:
        return 0


def all_start_pages_failed(start_urls: list[str], urls_checked: int | None, dead: set[str]) -> bool:
    """Whether a peer's attempt saw nothing of the farm: no URL checked, or every start page dead. That is
    the farm not answering (or a peer crashing on its first request), not 25 dead homepages."""
    return not urls_checked or {normalize(url) for url in start_urls} <= dead


def duwang_cmd() -> list[str]:
    script = Path(sys.executable).parent / "duwang"
    return [str(script)] if script.exists() else [sys.executable, "-m", "crawler.app.cli"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="farm scale (1: ~4k URLs; 10: ~25k URLs)")
    parser.add_argument("--skip-peers", action="store_true", help="measure duwang only")
    parser.add_argument(
        "--linkchecker-stock",
        action="store_true",
        help="also run LinkChecker with its per-host rate floor left in place (slow)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed to each child")
    parser.add_argument("--lc-threads", type=int, default=10)
    parser.add_argument("--linkinator-concurrency", type=int, default=64)
    parser.add_argument(
        "--turn",
        type=int,
        default=None,
        help="rotation of the tools' order (default: the number of results already in out/inspection.jsonl)",
    )
    args = parser.parse_args()

    work = args.out / f"inspection-scale{args.scale}"
    work.mkdir(parents=True, exist_ok=True)
    db = work / "duwang.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)

    peers_wanted = not args.skip_peers
    versions: dict[str, str | None] = {}
    install_errors: dict[str, str] = {}
    if peers_wanted:
        for name, ensure in (("linkchecker", ensure_linkchecker), ("linkinator", ensure_linkinator)):
            versions[name], error = ensure()
            if error:
                install_errors[name] = error
                print(f"{name}: {error}", file=sys.stderr)

    farm = FarmProcess(work / "farm", scale=args.scale)
    truth_path = work / "farm" / "ground_truth.json"
    truth_path.unlink(missing_ok=True)  # never read a previous run's truth
    # the farm inherits stderr and prints a traceback per connection a client resets: send it to a file
    saved_stderr = os.dup(2)
    with open(work / "farm.err", "wb") as farm_err:
        os.dup2(farm_err.fileno(), 2)
        try:
            registry_path = farm.__enter__()
        finally:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
    try:
        process = farm.process
        assert process is not None
        farm_pid = process.pid
        # The farm writes the registry before the truth: once the truth is whole, so is the registry.
        truth = wait_for(truth_path, json.loads, alive=lambda: process.poll() is None)
        registry = tomllib.loads(registry_path.read_text(encoding="utf-8"))
        defaults = registry.get("defaults", {})
        max_depth = int(defaults.get("max_depth", 8))
        timeout = int(defaults.get("timeout", 3))
        start_urls = [site["start_urls"][0] for site in registry["sites"]]
        assert all(url.startswith("http://127.") for url in start_urls), start_urls
        traps = [site["trap"] for site in truth["sites"].values() if site.get("trap")]
        print(
            f"farm scale {args.scale}: {len(start_urls)} start URLs, max_depth {max_depth}, "
            f"timeout {timeout}s",
            file=sys.stderr,
        )

        # The peers have no page budget: neither does duwang here (the demo's 1,000 pages per site would cut
        # the largest sites at scale 10, and which pages it cut would decide which dead links it saw).
        unbudgeted = work / "registry-unbudgeted.toml"
        text = registry_path.read_text(encoding="utf-8")
        unbudgeted.write_text(re.sub(r"(?m)^max_pages = \d+$", "max_pages = 1000000", text), encoding="utf-8")
        tools: dict[str, Callable[[], object]] = {
            "duwang": lambda: run_duwang(unbudgeted, db, work, args.timeout, farm_pid)
        }
        if peers_wanted:
            tools["linkchecker"] = lambda: run_linkchecker(
                "linkchecker",
                versions,
                install_errors,
                start_urls,
                work,
                max_depth,
                timeout,
                args,
                farm_pid,
                unthrottled=True,
            )
            if args.linkchecker_stock:
                tools["linkchecker-stock"] = lambda: run_linkchecker(
                    "linkchecker-stock",
                    versions,
                    install_errors,
                    start_urls,
                    work,
                    max_depth,
                    timeout,
                    args,
                    farm_pid,
                    unthrottled=False,
                )
            tools["linkinator"] = lambda: run_linkinator(
                versions, install_errors, start_urls, work, timeout, traps, args, farm_pid
            )
        # The flaky homepage answers 503 to its 1st, 4th, 7th ... request: in a fixed order the same tool
        # would meet it every time. Launch n runs the tools in the n-th rotation of their list.
        turn = previous_launches(args.out) if args.turn is None else args.turn
        order = rotated(list(tools), turn)
        print(f"order (turn {turn}): {', '.join(order)}", file=sys.stderr)
        results = {name: tools[name]() for name in order}
    finally:
        farm.__exit__(None, None, None)

    truth_dead = {
        normalize(d["target"])
        for s in truth["sites"].values()
        for d in s["dead_links"]
        if d["kind"] != "offlist"
    }
    duwang = results.pop("duwang")
    assert isinstance(duwang, dict)
    peers = [peer for name in tools if isinstance(peer := results.get(name), PeerResult)]
    report(args, duwang, peers, truth_dead, max_depth, timeout, order)


def run_duwang(registry: Path, db: Path, work: Path, timeout: float, farm_pid: int) -> dict:
    base = duwang_cmd()
    common = ["--config", str(registry), "--db", str(db)]
    steps = {
        "crawl": [*base, "crawl", *common, "--quiet"],
        "check": [*base, "check", *common],
        "report": [*base, "report", *common, "--out", str(work / "report")],
    }
    timed = {}
    for step, cmd in steps.items():
        print(f"duwang {step} ...", file=sys.stderr)
        timed[step] = run_timed(
            cmd,
            timeout,
            stdout=work / f"duwang-{step}.out",
            stderr=work / f"duwang-{step}.err",
            farm_pid=farm_pid,
        )
        if timed[step].returncode != 0:
            print(
                f"duwang {step}: exit {timed[step].returncode}, see {work}/duwang-{step}.err", file=sys.stderr
            )
    con = sqlite3.connect(db)
    run_id = con.execute("select max(id) from runs").fetchone()[0]
    status = con.execute("select status from runs where id = ?", [run_id]).fetchone()[0]
    rows, not_fetched = con.execute(
        "select count(*), sum(coalesce(error, '') in ('offlist', 'robots')) from pages where run_id = ?",
        [run_id],
    ).fetchone()
    dead = {
        normalize(url)
        for (url,) in con.execute(
            "select distinct url from findings where run_id = ? and \"check\" = 'dead_link'", [run_id]
        )
    }
    con.close()
    crawl, check, rep = timed["crawl"], timed["check"], timed["report"]
    return {
        "run_status": status,
        "exit_codes": {step: t.returncode for step, t in timed.items()},
        "timed_out": [step for step, t in timed.items() if t.timed_out],
        "wall_s": crawl.wall_s + check.wall_s + rep.wall_s,
        "cpu_s": crawl.cpu_s + check.cpu_s + rep.cpu_s,
        # the largest of the crawl's own (Python) processes: the dispatcher and the crawl processes
        "peak_rss_mb": crawl.hwm_by_kind_mb.get("python") or crawl.sampled_hwm_mb or crawl.peak_rss_mb,
        "crawl_hwm_by_kind_mb": {kind: round(mb) for kind, mb in crawl.hwm_by_kind_mb.items() if mb >= 1},
        "crawl_ru_maxrss_mb": crawl.peak_rss_mb,  # largest process in the crawl's tree (chromium counts)
        "crawl_tree_rss_mb": crawl.sampled_tree_rss_mb,  # sum over the tree: overcounts shared pages
        "check_report_peak_rss_mb": max(
            check.sampled_hwm_mb or check.peak_rss_mb, rep.sampled_hwm_mb or rep.peak_rss_mb
        ),
        "farm_cpu_s": crawl.farm_cpu_s + check.farm_cpu_s + rep.farm_cpu_s,
        "crawl_wall_s": crawl.wall_s,
        "crawl_cpu_s": crawl.cpu_s,
        "check_report_wall_s": check.wall_s + rep.wall_s,
        "check_report_cpu_s": check.cpu_s + rep.cpu_s,
        "check_wall_s": check.wall_s,
        "report_wall_s": rep.wall_s,
        "pages_rows": rows,
        "urls_checked": rows - (not_fetched or 0),
        "dead": dead,
        "cmd": " ; ".join(" ".join(cmd) for cmd in steps.values()),
    }


def run_linkchecker(
    name, versions, install_errors, urls, work, max_depth, timeout, args, farm_pid, unthrottled: bool
) -> PeerResult:
    result = PeerResult(name=name, version=versions.get("linkchecker"))
    if "linkchecker" in install_errors:
        result.error = install_errors["linkchecker"]
        return result
    config = linkchecker_config(max_depth, timeout, args.lc_threads)
    cmd = linkchecker_cmd(urls, config, max_depth, timeout, args.lc_threads, unthrottled)
    out = work / f"{name}.csv"
    run_attempts(
        result, cmd, out, parse_linkchecker_csv, urls, work, args.timeout, farm_pid, env=lc_env(), cwd=LC_VENV
    )
    if unthrottled:
        result.notes.append(
            "per-host wait floor (0.1-0.6 s) lowered in-process, as a `LinkChecker` response header would"
        )
    return result


LINKINATOR_HANG_LIMIT = 180.0  # seconds per attempt


def run_linkinator(versions, install_errors, urls, work, timeout, traps, args, farm_pid) -> PeerResult:
    result = PeerResult(name="linkinator", version=versions.get("linkinator"))
    if "linkinator" in install_errors:
        result.error = install_errors["linkinator"]
        return result
    cmd = linkinator_cmd(urls, args.linkinator_concurrency, timeout * 1000, traps)
    out = work / "linkinator.json"
    # linkinator 7.6 sometimes dies of an unhandled body-read timeout, and sometimes hangs after one (seen
    # at 1 CPU-minute with 4 connections left, where a whole crawl takes 5 s): each attempt gets at most
    # HANG_LIMIT seconds, then the next one starts.
    limit = min(args.timeout, LINKINATOR_HANG_LIMIT)
    run_attempts(result, cmd, out, parse_linkinator_json, urls, work, limit, farm_pid)
    if traps:
        result.notes.append(f"no depth limit: {len(traps)} calendar trap(s) cut after 8 days by --skip")
    return result


Parser = Callable[[Path], tuple[int, set[str], list[str]]]


def run_attempts(
    result: PeerResult,
    cmd: list[str],
    out: Path,
    parse: Parser,
    start_urls: list[str],
    work: Path,
    limit: float,
    farm_pid: int | None,
    env: dict | None = None,
    cwd: Path | None = None,
) -> None:
    """Run a peer until an attempt counts, at most ATTEMPTS times, and fill `result` from the last one.

    An attempt counts when its output reads and it saw the farm: unreadable output (a crash or a hang
    killed after `limit` s) and an attempt in which every start page failed are noted and tried again."""
    problem: str | None = None
    for attempt in range(1, ATTEMPTS + 1):
        print(f"{result.name} (attempt {attempt}) ...", file=sys.stderr)
        err = work / f"{result.name}-{attempt}.err"
        timed = run_timed(cmd, limit, stdout=out, stderr=err, env=env, farm_pid=farm_pid, cwd=cwd)
        try:
            urls_checked, dead, notes = parse(out)
        except (OSError, ValueError) as error:
            problem = f"unreadable output: {error}"
        else:
            failed = all_start_pages_failed(start_urls, urls_checked, dead)
            problem = f"every start page failed ({urls_checked} URLs checked)" if failed else None
        if problem is None:
            break
        tail = err.read_text(errors="replace").strip().splitlines() if err.exists() else []
        crash = next((line for line in tail if "Error" in line), tail[-1] if tail else "no output")
        what = "hung (killed)" if timed.timed_out else f"exit {timed.returncode}"
        result.notes.append(
            f"attempt {attempt} rejected, {what} after {timed.wall_s:.1f} s: {problem}; {crash.strip()[:120]}"
        )
    fill(result, timed, cmd)
    if problem is None:
        result.urls_checked, result.dead, result.error = urls_checked, dead, None
        result.notes += notes
    else:
        result.error = f"{problem} (all {ATTEMPTS} attempts)"


def fill(result: PeerResult, timed, cmd: list[str]) -> None:
    shown = ["<python -c LC_UNTHROTTLE>" if part.startswith("import sys") else part for part in cmd]
    result.cmd = " ".join(shown)
    result.wall_s, result.cpu_s = timed.wall_s, timed.cpu_s
    result.peak_rss_mb = timed.sampled_hwm_mb or timed.peak_rss_mb
    result.farm_cpu_s, result.returncode, result.timed_out = (
        timed.farm_cpu_s,
        timed.returncode,
        timed.timed_out,
    )
    result.notes.append(
        f"peak RSS: polled VmHWM {timed.sampled_hwm_mb:.0f} MB, ru_maxrss "
        f"{timed.peak_rss_mb:.0f} MB, process-tree VmRSS {timed.sampled_tree_rss_mb:.0f} MB"
    )
    if timed.error:
        result.error = timed.error
    if timed.timed_out:
        result.notes.append(f"killed after {args_timeout_hint(timed)} s: figures are partial")


def args_timeout_hint(timed) -> str:
    return f"{timed.wall_s:.0f}"


def ratio(a, b):
    return round(a / b, 2) if a and b else None


def report(
    args,
    duwang: dict,
    peers: list[PeerResult],
    truth_dead: set[str],
    max_depth: int,
    timeout: int,
    order: list[str],
) -> None:
    d_dead = duwang["dead"]
    peer_json = []
    for peer in peers:
        missed = sorted(peer.dead - d_dead)
        peer_json.append(
            {
                "name": peer.name,
                "version": peer.version,
                "cmd": peer.cmd,
                "error": peer.error,
                "returncode": peer.returncode,
                "timed_out": peer.timed_out,
                "wall_s": r2(peer.wall_s),
                "cpu_s": r2(peer.cpu_s),
                "peak_rss_mb": r1(peer.peak_rss_mb),
                "farm_cpu_s": r2(peer.farm_cpu_s),
                "urls_checked": peer.urls_checked,
                "dead_links": len(peer.dead) if peer.error is None else None,
                "dead_in_truth": len(peer.dead & truth_dead),
                "wall_ratio_peer_over_duwang": ratio(peer.wall_s, duwang["wall_s"]),
                "cpu_ratio_duwang_over_peer": ratio(duwang["cpu_s"], peer.cpu_s),
                "rss_ratio_duwang_over_peer": ratio(duwang["peak_rss_mb"], peer.peak_rss_mb),
                "duwang_missed": missed,
                "only_duwang": sorted(d_dead - peer.dead),
                "notes": peer.notes,
            }
        )
    result = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()} {platform.processor()}".strip(),
        "cpus": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "scale": args.scale,
        "max_depth": max_depth,
        "timeout_s": timeout,
        "truth_dead_links": len(truth_dead),
        "order": order,
        "duwang": {
            **{k: (r2(v) if isinstance(v, float) else v) for k, v in duwang.items() if k != "dead"},
            "dead_links": len(d_dead),
            "dead_in_truth": len(d_dead & truth_dead),
            "truth_missed": sorted(truth_dead - d_dead),
        },
        "peers": peer_json,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "inspection.jsonl").open("a", encoding="utf-8") as jsonl:
        jsonl.write(json.dumps(result, ensure_ascii=False) + "\n")

    # plain side-by-side table
    head = (
        f"{'tool':<24}{'wall s':>9}{'CPU s':>9}{'RSS MB':>9}{'farm CPU s':>12}"
        f"{'URLs':>8}{'dead':>6}{'truth':>7}"
    )
    print(head)
    print("-" * len(head))
    print(
        line(
            "duwang crawl+check+report",
            duwang["wall_s"],
            duwang["cpu_s"],
            duwang["peak_rss_mb"],
            duwang["farm_cpu_s"],
            duwang["urls_checked"],
            len(d_dead),
            len(d_dead & truth_dead),
        )
    )
    print(
        line(
            "  duwang check+report",
            duwang["check_report_wall_s"],
            duwang["check_report_cpu_s"],
            duwang["check_report_peak_rss_mb"],
            None,
            None,
            None,
            None,
        )
    )
    for peer in peers:
        print(
            line(
                peer.name,
                peer.wall_s,
                peer.cpu_s,
                peer.peak_rss_mb,
                peer.farm_cpu_s,
                peer.urls_checked,
                len(peer.dead) if peer.error is None else None,
                len(peer.dead & truth_dead) if peer.error is None else None,
            )
        )
    print(
        f"duwang crawl peak RSS: largest crawl (Python) process VmHWM {duwang['peak_rss_mb']:.0f} MB "
        f"(the RSS column); largest process by kind {duwang['crawl_hwm_by_kind_mb']} (node: Playwright's "
        f"driver); tree VmRSS sum {duwang['crawl_tree_rss_mb']:.0f} MB (shared pages counted repeatedly)"
    )
    print(
        f"\nground truth: {len(truth_dead)} dead loopback links; duwang found {len(d_dead & truth_dead)}"
        + (f", missed {sorted(truth_dead - d_dead)}" if truth_dead - d_dead else "")
    )
    for pj in peer_json:
        print(f"\n{pj['name']} ({pj['version']}): {pj['cmd']}")
        if pj["error"]:
            print(f"  ERROR: {pj['error']}")
        print(
            f"  peer wall / duwang wall = {pj['wall_ratio_peer_over_duwang']}, duwang CPU / peer CPU = "
            f"{pj['cpu_ratio_duwang_over_peer']}, duwang RSS / peer RSS = {pj['rss_ratio_duwang_over_peer']}"
        )
        verdict = "yes" if not pj["duwang_missed"] else f"NO, missed {len(pj['duwang_missed'])}"
        print(f"  duwang found every dead link {pj['name']} found: {verdict}")
        for url in pj["duwang_missed"]:
            print(f"    missed by duwang: {url}{'  (in ground truth)' if url in truth_dead else ''}")
        print(f"  dead links only duwang found: {len(pj['only_duwang'])}")
        for note in pj["notes"]:
            print(f"  note: {note}")

    # Markdown for bench/RESULTS.md
    print("\n<!-- paste into bench/RESULTS.md -->")
    print(
        f"| date | scale | tool | wall | CPU | peak RSS | URLs checked | dead links (in truth of "
        f"{len(truth_dead)}) | peer wall / duwang wall | duwang CPU / peer CPU | duwang RSS / peer RSS |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    date = result["date"]
    print(
        f"| {date} | {args.scale} | duwang crawl+check+report | {duwang['wall_s']:.1f} s | "
        f"{duwang['cpu_s']:.1f} s | {duwang['peak_rss_mb']:.0f} MB | {duwang['urls_checked']:,} | "
        f"{len(d_dead)} ({len(d_dead & truth_dead)}) | 1 | 1 | 1 |"
    )
    print(
        f"| {date} | {args.scale} | duwang check+report only | {duwang['check_report_wall_s']:.1f} s | "
        f"{duwang['check_report_cpu_s']:.1f} s | {duwang['check_report_peak_rss_mb']:.0f} MB "
        "| – | – | – | – | – |"
    )
    for pj in peer_json:
        if pj["error"]:
            print(f"| {date} | {args.scale} | {pj['name']} | failed ({pj['error'][:60]}) | | | | | | | |")
            continue
        print(
            f"| {date} | {args.scale} | {pj['name']} | {pj['wall_s']:.1f} s | {pj['cpu_s']:.1f} s | "
            f"{pj['peak_rss_mb']:.0f} MB | {pj['urls_checked']:,} | "
            f"{pj['dead_links']} ({pj['dead_in_truth']}) | "
            f"{pj['wall_ratio_peer_over_duwang']} | {pj['cpu_ratio_duwang_over_peer']} | "
            f"{pj['rss_ratio_duwang_over_peer']} |"
        )


def line(name, wall, cpu, rss, farm, urls, dead, in_truth) -> str:
    def f(value, spec):
        width = int(spec.split(".")[0].rstrip("df"))
        return format(value, spec) if value is not None else "-".rjust(width)

    return (
        f"{name:<24}{f(wall, '9.1f')}{f(cpu, '9.1f')}{f(rss, '9.0f')}{f(farm, '12.1f')}"
        f"{f(urls, '8d')}{f(dead, '6d')}{f(in_truth, '7d')}"
    )


def r1(value):
    return round(value, 1) if value is not None else None


def r2(value):
    return round(value, 2) if value is not None else None


if __name__ == "__main__":
    main()
