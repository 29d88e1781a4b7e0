"""The demo farm in a child process (`duwang farm`), for the `duwang demo` command and the benchmarks: the
farm and the crawler each get a core."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import click

from crawler.childenv import scrubbed_env


class FarmProcess:
    """The demo farm in a child process, so that it and the crawler each have a core."""

    def __init__(self, out_dir: Path, timeout: float = 120.0, scale: int = 1, port: int = 0) -> None:
        self.out_dir = out_dir
        self.timeout = timeout
        self.scale = scale
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Path:
        registry = self.out_dir / "registry.toml"
        registry.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crawler.app.cli",
                "farm",
                "--port",
                str(self.port),
                "--out",
                str(self.out_dir),
                "--scale",
                str(self.scale),
            ],
            stdout=subprocess.DEVNULL,
            env=scrubbed_env(PYTHONUNBUFFERED="1"),
        )
        deadline = time.monotonic() + self.timeout
        while not registry.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise click.ClickException("the demo farm did not start; run `duwang farm` to see why")
            time.sleep(0.1)
        return registry

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
