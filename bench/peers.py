"""Peer link checkers for bench/inspection_bench.py: install, command lines, timed runs, output parsing.

Each peer runs as a child process; `run_timed` measures it with os.wait4, which gives the wall time, the
CPU time (user + sys) and the peak RSS (ru_maxrss) of that child alone. Nothing here talks to the network
except the package registries during installation (pip, npm), and the peers are only given loopback URLs.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

LC_VENV = Path("/tmp/bench-venv")
LC_HOME = Path("/tmp/bench-lc")  # config + XDG dirs; LinkChecker drops root to `nobody`, so world-readable
NODE_PREFIX = Path("/tmp/bench-node")
LINKINATOR = NODE_PREFIX / "node_modules" / ".bin" / "linkinator"
LOOPBACK = re.compile(r"^http://127\.")

# LinkChecker throttles every host to one request per uniform(0.1, 0.6) s (aggregator.Aggregate
# wait_time_*_default) unless the server answers with a `LinkChecker` response header; the
# `maxrequestspersecond` option only takes effect above that floor (man linkcheckerrc: "To use values
# greater than 10, the HTTP server must return a LinkChecker response header"). The demo farm cannot send
# that header, so the tuned run lowers the floor in-process, which is what the header would do.
LC_UNTHROTTLE = (
    "import sys, re\n"
    "import linkcheck.director.aggregator as a\n"
    "a.Aggregate.wait_time_min_default = 0.0\n"
    "a.Aggregate.wait_time_max_default = 0.0\n"
    "from linkcheck.command.linkchecker import linkchecker\n"
    "sys.argv[0] = 'linkchecker'\n"
    "sys.exit(linkchecker())\n"
)


@dataclass
class Timed:
    cmd: list[str]
    returncode: int | None = None
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0
    timed_out: bool = False
    farm_cpu_s: float = 0.0
    error: str | None = None
    sampled_hwm_mb: float = 0.0  # max VmHWM of the child seen by polling /proc (cross-check of ru_maxrss)
    sampled_tree_rss_mb: float = 0.0  # max sum of VmRSS over the child and its descendants
    # max VmHWM of any one process of the tree, by kind: "python" (the tool's own processes), "node",
    # "chromium", or the command name
    hwm_by_kind_mb: dict[str, float] = field(default_factory=dict)


@dataclass
class PeerResult:
    name: str
    version: str | None = None
    cmd: str | None = None
    wall_s: float | None = None
    cpu_s: float | None = None
    peak_rss_mb: float | None = None
    farm_cpu_s: float | None = None
    urls_checked: int | None = None
    dead: set[str] = field(default_factory=set)
    returncode: int | None = None
    timed_out: bool = False
    error: str | None = None
    notes: list[str] = field(default_factory=list)


def farm_cpu(pid: int) -> float:
    """CPU seconds (user + sys) so far of the farm process and its descendants (from /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def _tree(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        p = stack.pop()
        pids.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            pass
    return pids


def _kind(pid: int) -> str:
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"
    if name.startswith(("python", "duwang", "linkchecker")):
        return "python"
    return "chromium" if name.startswith(("chrom", "headless")) else name


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def run_timed(
    cmd: list[str],
    timeout: float,
    stdout: Path | None = None,
    stderr: Path | None = None,
    env: dict | None = None,
    farm_pid: int | None = None,
    cwd: Path | None = None,
) -> Timed:
    """Run `cmd` as a child (its own session), killed after `timeout` s; measure it with wait4."""
    result = Timed(cmd=cmd)
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115 (closed in `finally`)
    err = open(stderr, "wb") if stderr else subprocess.DEVNULL  # noqa: SIM115
    farm_before = farm_cpu(farm_pid) if farm_pid else 0.0
    try:
        started = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True)
        except OSError as error:
            result.error = f"could not start: {error}"
            return result

        def kill() -> None:
            result.timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                hwm = _status_kb(proc.pid, "VmHWM")
                pids = _tree(proc.pid)
                tree = sum(_status_kb(p, "VmRSS") for p in pids)
                for p in pids:
                    kind, mb = _kind(p), _status_kb(p, "VmHWM") / 1024
                    result.hwm_by_kind_mb[kind] = max(result.hwm_by_kind_mb.get(kind, 0.0), mb)
                result.sampled_hwm_mb = max(result.sampled_hwm_mb, hwm / 1024)
                result.sampled_tree_rss_mb = max(result.sampled_tree_rss_mb, tree / 1024)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            done.set()
            sampler.join()
        result.wall_s = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen from waiting again
        result.returncode = proc.returncode
        result.cpu_s = usage.ru_utime + usage.ru_stime
        result.peak_rss_mb = usage.ru_maxrss / 1024  # KiB on Linux: the child (or its largest reaped child)
        # leftovers of the child's own session (none expected), so nothing outlives the run
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    finally:
        for handle in (out, err):
            if handle is not subprocess.DEVNULL:
                handle.close()
    if farm_pid:
        result.farm_cpu_s = farm_cpu(farm_pid) - farm_before
    return result


def normalize(url: str) -> str:
    """Comparable form of a URL: lower-case scheme and host, no default port, no fragment, '/' for an empty
    path, percent-encoding made uniform."""
    parts = urlsplit(url.strip())
    netloc = parts.netloc.lower()
    if parts.scheme.lower() == "http" and netloc.endswith(":80"):
        netloc = netloc[:-3]
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~")
    query = quote(unquote(parts.query), safe="=&/:@!$'()*+,;-._~?")
    return urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


# --- installation -------------------------------------------------------------------------------------


def ensure_linkchecker(timeout: float = 900) -> tuple[str | None, str | None]:
    """Create /tmp/bench-venv with LinkChecker if missing. Returns (version, error)."""
    exe = LC_VENV / "bin" / "linkchecker"
    if not exe.exists():
        try:
            subprocess.run(
                ["python3", "-m", "venv", str(LC_VENV)], check=True, timeout=timeout, capture_output=True
            )
            subprocess.run(
                [str(LC_VENV / "bin" / "pip"), "install", "-q", "linkchecker"],
                check=True,
                timeout=timeout,
                capture_output=True,
            )
        except (OSError, subprocess.SubprocessError) as error:
            detail = getattr(error, "stderr", b"") or b""
            return None, f"install failed: {error} {detail.decode(errors='replace')[-500:]}"
    try:
        out = subprocess.run(
            [str(exe), "--version"], capture_output=True, timeout=60, text=True, env=lc_env()
        )
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"linkchecker --version failed: {error}"
    return out.stdout.splitlines()[0].strip() if out.stdout else "unknown", None


def ensure_linkinator(timeout: float = 900) -> tuple[str | None, str | None]:
    """npm-install linkinator into /tmp/bench-node if missing. Returns (version, error)."""
    if not LINKINATOR.exists():
        try:
            NODE_PREFIX.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["npm", "install", "--prefix", str(NODE_PREFIX), "linkinator"],
                check=True,
                timeout=timeout,
                capture_output=True,
            )
        except (OSError, subprocess.SubprocessError) as error:
            detail = getattr(error, "stderr", b"") or b""
            return None, f"npm install failed: {error} {detail.decode(errors='replace')[-500:]}"
    try:
        package = json.loads((NODE_PREFIX / "node_modules" / "linkinator" / "package.json").read_text())
        node = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, timeout=60
        ).stdout.strip()
    except (OSError, ValueError, subprocess.SubprocessError) as error:
        return None, f"linkinator not usable: {error}"
    return f"linkinator {package['version']} (node {node})", None


# --- LinkChecker --------------------------------------------------------------------------------------


def lc_env() -> dict:
    LC_HOME.mkdir(parents=True, exist_ok=True)
    LC_HOME.chmod(0o755)
    return {
        **os.environ,
        "HOME": str(LC_HOME),
        "XDG_CONFIG_HOME": str(LC_HOME),
        "XDG_DATA_HOME": str(LC_HOME),
        "LANG": "C.UTF-8",
    }


def linkchecker_config(max_depth: int, timeout: int, threads: int) -> Path:
    """The linkcheckerrc of the benchmark (world-readable: LinkChecker run as root drops to `nobody`)."""
    lc_env()
    path = LC_HOME / "bench-linkcheckerrc"
    path.write_text(
        "# written by bench/peers.py\n"
        "[checking]\n"
        f"threads={threads}\n"
        f"timeout={timeout}\n"
        f"recursionlevel={max_depth}\n"
        "maxrequestspersecond=1000\n"
        "robotstxt=1\n"
        "[filtering]\n"
        "checkextern=1\n"
        "# never fetch anything off loopback: only syntax-check it\n"
        "ignore=\n"
        "  !^http://127\\.\n",
        encoding="utf-8",
    )
    path.chmod(0o644)
    return path


def linkchecker_cmd(
    urls: list[str], config: Path, max_depth: int, timeout: int, threads: int, unthrottled: bool
) -> list[str]:
    python = str(LC_VENV / "bin" / "python")
    head = [python, "-c", LC_UNTHROTTLE] if unthrottled else [str(LC_VENV / "bin" / "linkchecker")]
    return [
        *head,
        "-f",
        str(config),
        "--threads",
        str(threads),
        "--timeout",
        str(timeout),
        "--recursion-level",
        str(max_depth),
        "--check-extern",
        "--ignore-url",
        r"!^http://127\.",
        "--no-status",
        "--verbose",
        "-o",
        "csv/utf-8",
        *urls,
    ]


def parse_linkchecker_csv(path: Path) -> tuple[int, set[str], list[str]]:
    """(distinct loopback URLs checked, distinct dead loopback URLs, notes) from LinkChecker's CSV."""
    urls: set[str] = set()
    dead: set[str] = set()
    robots: set[str] = set()
    undecodable: set[str] = set()
    lines = [
        line
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        if line and not line.startswith("#")
    ]
    for row in csv.DictReader(lines, delimiter=";"):
        url = (row.get("url") or "").strip()
        if not LOOPBACK.match(url):
            continue
        norm = normalize(url)
        urls.add(norm)
        if "robots.txt" in (row.get("infostring") or ""):
            robots.add(norm)
        if "could not get content" in (row.get("warningstring") or ""):
            undecodable.add(norm)
        if (row.get("valid") or "").strip() == "False":
            dead.add(norm)
    notes = []
    if robots:
        notes.append(f"{len(robots)} URLs denied by robots.txt (listed, not fetched)")
    if undecodable:
        notes.append(
            f"{len(undecodable)} pages not parsed ('could not get content', e.g. "
            f"{sorted(undecodable)[0]}): their links were not followed"
        )
    return len(urls - robots), dead, notes


# --- linkinator ---------------------------------------------------------------------------------------


def linkinator_cmd(urls: list[str], concurrency: int, timeout_ms: int, traps: list[str]) -> list[str]:
    cmd = [
        str(LINKINATOR),
        *urls,
        "--recurse",
        "--skip",
        r"^(?!http://127\.)",
        "--format",
        "json",
        "--concurrency",
        str(concurrency),
        "--timeout",
        str(timeout_ms),
    ]
    for trap in traps:  # no depth limit in linkinator: stop each endless calendar after 8 days
        cmd += ["--skip", "^" + re.escape(trap) + r"\?d=([9]|[1-9][0-9]+)$"]
    return cmd


def parse_linkinator_json(path: Path) -> tuple[int, set[str], list[str]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    urls: set[str] = set()
    dead: set[str] = set()
    for link in document.get("links", []):
        url = link.get("url") or ""
        if not LOOPBACK.match(url) or link.get("state") == "SKIPPED":
            continue
        urls.add(normalize(url))
        if link.get("state") == "BROKEN":
            dead.add(normalize(url))
    return len(urls), dead, []
