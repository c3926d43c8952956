"""Where a command's time goes: `-X importtime` (which modules it imports, against
`import click`) and cProfile of one run in a fresh interpreter."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.figures import Results
from benchmarks.sandbox import REPO
from benchmarks.timing import run

#: Profiles a command in a fresh interpreter, in-process through cli(standalone_mode=False),
#: imports included (a real run pays for them too).
_PROFILE = """\
import contextlib, cProfile, io, json, pstats, sys, time

args, out, top = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
error = None

def go():
    global error
    from ollama_client_setup.cli.main import cli
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        try:
            cli(args, prog_name="ollama-client-setup", standalone_mode=False)
        except SystemExit as exc:
            if exc.code:
                error = f"exit {exc.code}: {sink.getvalue().strip()[-200:]}"
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"

prof = cProfile.Profile()
began = time.perf_counter()
prof.runcall(go)
wall = time.perf_counter() - began
rows = [
    {"where": f"{fn}:{line}", "func": name, "ncalls": nc, "tottime_ms": tt * 1000,
     "cumtime_ms": ct * 1000}
    for (fn, line, name), (cc, nc, tt, ct, callers) in pstats.Stats(prof).stats.items()
]
by_cum = sorted(rows, key=lambda r: -r["cumtime_ms"])[:top]
by_self = sorted(rows, key=lambda r: -r["tottime_ms"])[:top]
with open(out, "w", encoding="utf-8") as fh:
    json.dump({"wall_ms": wall * 1000, "cumulative": by_cum, "self": by_self, "error": error}, fh)
"""


_IMPORTTIME = (
    "import sys\n"
    "from ollama_client_setup.cli.main import main\n"
    "sys.argv = ['ollama-client-setup', *sys.argv[1:]]\n"
    "main()\n"
)


def _importtime(env: dict[str, str], code: str, args: Sequence[str] = ()) -> list[dict[str, Any]]:
    # Whatever the command's exit code, the import lines are there.
    done = run([sys.executable, "-X", "importtime", "-c", code, *args], env, ok=range(256))
    rows = []
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if found:
            self_us, cum_us, indent, name = found.groups()
            rows.append(
                {
                    "module": name,
                    "level": (len(indent) - 1) // 2,
                    "self_ms": int(self_us) / 1000,
                    "cumulative_ms": int(cum_us) / 1000,
                }
            )
    return rows


def import_report(env: dict[str, str], args: Sequence[str]) -> dict[str, Any]:
    """Which modules dominate: the top-level imports by cumulative time, and what the tool
    adds beyond `import click` (the baseline) by own time. One run; importtime inflates."""
    floor = {r["module"] for r in _importtime(env, "import click")}
    rows = _importtime(env, _IMPORTTIME, args)
    top = sorted((r for r in rows if r["level"] == 0), key=lambda r: -r["cumulative_ms"])
    added = [r for r in rows if r["module"] not in floor]
    return {
        "args": list(args),
        "total_ms": sum(r["self_ms"] for r in rows),
        "added_ms": sum(r["self_ms"] for r in added),
        "added_count": len(added),
        "top_level": top[:6],
        "added_by_self": sorted(added, key=lambda r: -r["self_ms"])[:10],
    }


#: Frames that only pass the call on (click's dispatch, importlib's machinery, the
#: profiling wrapper): left out of the cumulative listing, which would otherwise repeat the
#: total ten times. `_find_and_load` stays: its cumulative time is all imports together.
_PASS_THROUGH = re.compile(
    r"^(click/|<string>:)|importlib\._bootstrap.*:\d+$|builtins\.(exec|__import__)"
)


def profile(res: Results, env: dict[str, str], args: list[str], top: int = 10) -> dict[str, Any]:
    """cProfile of one run, in-process in a fresh interpreter (imports included)."""
    out = Path(env["TMPDIR"]) / "profile.json"
    run([sys.executable, "-c", _PROFILE, json.dumps(args), str(out), "80"], env)
    data = json.loads(out.read_text(encoding="utf-8"))
    for key in ("cumulative", "self"):
        for row in data[key]:
            row["where"] = _short(row["where"])
    data["cumulative"] = [
        row
        for row in data["cumulative"]
        if row["func"] == "_find_and_load"
        or not (_PASS_THROUGH.search(row["where"]) or _PASS_THROUGH.search(row["func"]))
    ][:top]
    data["self"] = data["self"][:top]
    data["args"] = args
    if data.get("error"):
        res.notes.append(
            f"cProfile of `{' '.join(args[:3])} ...`: the command failed: {data['error']}"
        )
    return data


def _short(where: str) -> str:
    for prefix in (str(REPO) + os.sep, *sorted(sys.path, key=len, reverse=True)):
        if prefix and where.startswith(prefix.rstrip(os.sep) + os.sep):
            return where[len(prefix.rstrip(os.sep)) + 1 :]
    return where
