"""Sampling the server with py-spy while it serves a scenario, and summing where the time went.

py-spy's ``raw`` output is one line per distinct stack (``frame;frame;... count``); the summary
gives each function's share of the samples at the top of the stack (self) and anywhere in it
(inclusive), which is what docs/benchmarks.md quotes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.harness import LOADGEN_CORE, pin


def py_spy() -> str | None:
    here = Path(sys.executable).with_name("py-spy")
    return str(here) if here.exists() else shutil.which("py-spy")


def start(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    binary = py_spy()
    if binary is None:
        return None
    argv = [*pin(LOADGEN_CORE), binary, "record", "--pid", str(pid), "--duration",
            str(int(seconds)), "--rate", "200", "--format", "raw", "--nonblocking",
            "--output", str(out)]  # fmt: skip
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def _name(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m["file"]
    for marker in ("site-packages/", "/src/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m['func']} ({path})"


def summarise(path: Path, top: int = 40) -> dict[str, Any]:
    """Self and inclusive shares of the samples, the ``top`` largest of each."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    if not path.exists():
        return {"samples": 0, "self": [], "inclusive": []}
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_name(f) for f in stack.split(";") if f]
        if not frames:
            continue
        total += n
        own[frames[-1]] += n
        for name in set(frames):
            inclusive[name] += n
    pct = (lambda c: [(name, 100 * n / total) for name, n in c.most_common(top)]) if total else (
        lambda c: []
    )  # fmt: skip
    return {"samples": total, "self": pct(own), "inclusive": pct(inclusive)}
