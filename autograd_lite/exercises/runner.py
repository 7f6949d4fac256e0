"""Checking a learner's file: in a child process, with limits, the outcome read back as JSON.

``check_file(name, path)`` never imports the learner's file here. It reads the
file (a regular file, at most ``MAX_BYTES``), refuses one that imports an
engine (``child.refusal``), copies it to a private folder and runs
``autograd_lite.exercises.child.main`` on the copy in a new ``python -I``, with
``resource`` limits on CPU time, address space and file size, no stdin, in
a session of its own that is killed whole when the wall-clock timeout
passes. A file that hangs or allocates without bound is stopped, and the
report says which limit stopped it.

>>> from autograd_lite.exercises.track import exercise
>>> report = check_source("derivative", exercise("derivative").solution())
>>> report.passed, report.text()
(True, 'passed derivative: the central difference of five functions at random points and steps')
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograd_lite.checks import count, read_regular_file, real
from autograd_lite.exercises.child import refusal
from autograd_lite.exercises.track import exercise

#: The largest learner's file the checker reads.
MAX_BYTES = 200_000
#: Limits on one check: CPU seconds, wall-clock seconds, address space (bytes), output (bytes).
CPU_S, WALL_S, MEMORY, OUTPUT = 30, 60, 1 << 30, 1 << 20
#: The child's program: ``child.main`` (run with -c, not -m: the package imports the module).
_CHILD = "import sys; from autograd_lite.exercises.child import main; sys.exit(main(sys.argv[1:]))"
#: How much of the learner's own printed output a failure report shows.
SHOWN_OUTPUT = 2000


@dataclass
class Report:
    """The result of checking one file: passed, or the first failing part, and why."""

    name: str
    passed: bool
    shows: list[str] = field(default_factory=list)
    part: int = 0
    message: str = ""
    hint: str = ""
    graph: dict[str, Any] | None = None
    output: str = ""

    def text(self) -> str:
        """The report as the command prints it: one line when passed, a few when not."""
        if self.passed:
            return f"passed {self.name}: " + "; ".join(self.shows)
        where = f", part {self.part}" if self.part else ""
        lines = [f"not yet: {self.name}{where}: {self.message}"]
        if self.hint:
            lines.append(f"hint: {self.hint}")
        if self.output.strip():
            lines.append("your code printed:\n" + self.output.rstrip()[-SHOWN_OUTPUT:])
        return "\n".join(lines)


def check_source(
    name: str,
    source: str,
    *,
    upto: int | None = None,
    cpu: float = CPU_S,
    wall: float = WALL_S,
    memory: int = MEMORY,
) -> Report:
    """Check ``source``, the text of a learner's file, against exercise ``name``'s parts
    (the first ``upto`` of them, or all)."""
    parts = len(exercise(name).parts)
    real(cpu, "cpu", low=1.0)
    real(wall, "wall", low=1.0)
    count(memory, "memory", minimum=64 << 20)
    if upto is not None and (
        isinstance(upto, bool) or not isinstance(upto, int) or not 1 <= upto <= parts
    ):
        raise ValueError(f"upto must be a part number from 1 to {parts}, got {upto!r}")
    why = refusal(source)
    if why:
        return Report(name, False, message=f"the checker will not run this file: {why}")
    with tempfile.TemporaryDirectory(prefix="autograd_lite_check_") as folder:
        copy = Path(folder) / f"{name}.py"
        copy.write_text(source, encoding="utf-8")
        return _run_child(name, copy, upto or 0, cpu, wall, memory)


def check_file(name: str, path: str | os.PathLike[str], **limits: Any) -> Report:
    """Check the learner's file ``path`` against exercise ``name`` (see ``check_source``)."""
    exercise(name)  # an unknown name is a ValueError before the file is read
    data, size = read_regular_file(os.fspath(path), "Python file", MAX_BYTES)
    if len(data) > MAX_BYTES:
        raise ValueError(
            f"{os.fspath(path)} has {size:,} bytes; an exercise file may have at most "
            f"{MAX_BYTES:,}: is it the right file?"
        )
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{os.fspath(path)} is not UTF-8 text: {error.reason}") from None
    return check_source(name, source, **limits)


#: The environment variable that marks every process of one check (see ``_stop_leftovers``).
_RUN_VAR = "AUTOGRAD_LITE_EXERCISE_RUN"


def _stop_leftovers(token: str, rounds: int = 10) -> None:
    """Kill what the learner's code started outside the child's process group.

    A process that called ``setsid()`` leaves the group that ``killpg`` stops;
    it still carries the check's token in its environment, which Linux shows
    in ``/proc/PID/environ``. (Elsewhere, or for a process that wiped its
    environment on purpose, nothing is found.)
    """
    mark = f"{_RUN_VAR}={token}".encode()
    for _ in range(rounds):  # a process may start another while it is looked for
        found = False
        with contextlib.suppress(OSError):
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry.name}/environ", "rb") as environ:
                        variables = environ.read(1 << 20).split(b"\0")
                except OSError:
                    continue
                if mark in variables:
                    found = True
                    with contextlib.suppress(OSError):
                        os.kill(int(entry.name), signal.SIGKILL)
        if not found:
            return


def _run_child(name: str, copy: Path, upto: int, cpu: float, wall: float, memory: int) -> Report:
    folder = copy.parent
    limits = [str(max(1, math.ceil(cpu))), str(memory), str(OUTPUT)]
    command = [sys.executable, "-I", "-c", _CHILD, name, str(copy), str(upto), *limits]
    with open(folder / "out", "w+b") as out, open(folder / "err", "w+b") as err:
        token = secrets.token_hex(16)
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=folder,
            env={**os.environ, _RUN_VAR: token},  # inherited by whatever the learner starts
            start_new_session=True,  # its own process group: killed whole, helpers too
        )
        try:
            code = child.wait(timeout=wall)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            code = None
        finally:
            with contextlib.suppress(ProcessLookupError):  # anything it started is stopped too
                os.killpg(child.pid, signal.SIGKILL)
            _stop_leftovers(token)
        out.seek(0)
        result = out.read(OUTPUT).decode("utf-8", "replace")
        err.seek(0)
        printed = err.read(OUTPUT).decode("utf-8", "replace")
    if code is None:
        message = (
            f"stopped after {wall:g} s: your code did not finish "
            "(an endless loop, or waiting for something that never comes?)"
        )
        return Report(name, False, message=message, output=printed)
    if code != 0 or not result.strip():
        return Report(name, False, message=_crash(code, cpu, memory), output=printed)
    try:
        outcome = json.loads(result.strip().splitlines()[-1])
        return Report(
            name,
            outcome["passed"] is True,
            [str(x) for x in outcome["shows"]],
            int(outcome["part"]),
            str(outcome["message"]),
            str(outcome["hint"]),
            outcome["graph"] if isinstance(outcome["graph"], dict) else None,
            printed,
        )
    except (ValueError, KeyError, TypeError):
        message = "the check's report could not be read: did your code write to its output?"
        return Report(name, False, message=message, output=printed)


def _crash(code: int, cpu: float, memory: int) -> str:
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return (
            f"stopped: your code used more than {cpu:g} s of CPU time "
            "(an endless loop, or far more work than the exercise needs?)"
        )
    if code == -signal.SIGXFSZ:
        return f"stopped: your code printed more than {OUTPUT >> 20} MB"
    if code == 1:  # Python's own exit: most often out of memory before the checks could report
        return (
            f"stopped: your code ran out of memory (the limit is {memory >> 20} MB)"
            " or crashed the checker; see what it printed below"
        )
    return f"stopped: the check's process ended with code {code}"
