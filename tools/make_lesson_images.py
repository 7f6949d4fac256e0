"""Regenerate examples/images/: each lesson's main picture, for examples/README.md.

Runs every lesson in full (not ``--quick``) into a temporary folder and
copies the first picture each one draws to ``examples/images/NAME.png``.
Run it from anywhere after changing a lesson:

    python tools/make_lesson_images.py            # all lessons
    python tools/make_lesson_images.py toast_robot newton
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the source tree
IMAGES = ROOT / "examples" / "images"


def main(argv: Sequence[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))  # the source tree's autograd_lite, installed or not
    from autograd_lite.lessons import lesson_names, load

    names = list(argv if argv is not None else sys.argv[1:]) or lesson_names()
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                outcome = load(name).main(["--out", str(Path(tmp) / name)])
            target = IMAGES / f"{name}.png"
            shutil.copyfile(outcome.pictures[0], target)
            took = time.perf_counter() - started
            print(f"{name:<22} {took:5.1f} s  -> {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
