"""What a normal install gives: the sdist and the wheel, built and inspected, and the wheel
installed into a fresh virtual environment and used from an empty folder.

The package is built as pip builds it: an sdist from a copy of the source tree,
then the wheel from the unpacked sdist (so a file missing from the sdist is
missing from the wheel too), with setuptools (a test extra) and no network. The
fresh environment takes the wheel alone; its dependencies come from this
environment's site-packages through a ``.pth`` file, so nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import site
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from autograd_lite import lessons

ROOT = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: Never copied into the build: environments, caches, outputs of earlier runs.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
    ".hypothesis", "autograd_lite_output", "autograd_lite_demo",
)  # fmt: skip

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("setuptools") is None,
        reason="setuptools is not installed (test extras): cannot build the package",
    ),
]


def _run(args: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _backend(hook: str, source: Path, dist: Path) -> Path:
    """Run setuptools' PEP 517 ``hook`` in ``source``; the file it wrote in ``dist``."""
    code = f"import sys, setuptools.build_meta as b; print(b.{hook}(sys.argv[1]))"
    name = _run([sys.executable, "-c", code, dist], cwd=source).strip().splitlines()[-1]
    return dist / name


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``(sdist, wheel)`` of the source tree as it is now."""
    tmp = tmp_path_factory.mktemp("build")
    source, dist = tmp / "source", tmp / "dist"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    dist.mkdir()
    sdist = _backend("build_sdist", source, dist)
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp / "unpacked", filter="data")
    (unpacked,) = (tmp / "unpacked").iterdir()
    wheel = _backend("build_wheel", unpacked, dist)
    return sdist, wheel


def _source_files(*folders: str) -> set[str]:
    return {
        p.relative_to(ROOT).as_posix()
        for folder in folders
        for p in (ROOT / folder).rglob("*.py")
        if "__pycache__" not in p.parts
    }


def test_wheel_holds_the_package_lessons_data_and_licences(built: tuple[Path, Path]) -> None:
    _, wheel = built
    names = set(zipfile.ZipFile(wheel).namelist())
    library = _source_files("autograd_lite", "visualize")
    assert library <= names, f"missing from the wheel: {sorted(library - names)}"
    lesson_files = {f"autograd_lite/{name}" for name in _source_files("examples")}
    assert lesson_files <= names, f"lessons missing: {sorted(lesson_files - names)}"
    assert "autograd_lite/examples/toast_robot.py" in names  # the lessons, inside the package
    assert {"autograd_lite/py.typed", "autograd_lite/datasets/digits.csv.gz"} <= names
    licences = {n.split("/", 1)[1] for n in names if n.split("/")[0].endswith(".dist-info")}
    assert {"licenses/LICENSE", "licenses/NOTICE"} <= licences
    # development tools and tests stay in the source tree
    assert not [n for n in names if n.startswith(("tools/", "tests/", "examples/"))]
    assert not [n for n in names if n.endswith(("browser.py", "make_pictures.py", "images.py"))]
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: MIT" in text and "License-File: NOTICE" in text


def test_sdist_holds_the_licences_the_data_and_the_lessons(built: tuple[Path, Path]) -> None:
    sdist, _ = built
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "NOTICE", "README.md", "pyproject.toml"} <= names
    assert "autograd_lite/datasets/digits.csv.gz" in names
    assert _source_files("examples", "autograd_lite", "visualize") <= names
    assert not [n for n in names if n.startswith("tools/")]


def test_installed_wheel_runs_a_lesson_from_an_empty_folder(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    _, wheel = built
    # nothing from the source tree: no PYTHONPATH (pip would take an autograd_lite.egg-info
    # left there by `pip install -e .` for an installed copy and skip the wheel)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", lessons.ENV_VAR)}
    env["MPLCONFIGDIR"] = str(tmp_path / "mpl")
    env_dir = tmp_path / "env"
    _run([sys.executable, "-m", "venv", "--without-pip", env_dir], cwd=tmp_path, env=env)
    python = env_dir / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps"]
    _run([*install, "--no-index", wheel], cwd=tmp_path, env=env)
    # the dependencies (matplotlib, graphviz, ...) from this environment, after the new one's own
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                   cwd=tmp_path, env=env).strip()  # fmt: skip
    Path(purelib, "_deps_from_the_test_environment.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    empty = tmp_path / "empty"
    empty.mkdir()

    where = _run(
        [python, "-c", "import autograd_lite; print(autograd_lite.__file__)"], cwd=empty, env=env
    )
    assert Path(where.strip()).is_relative_to(env_dir)  # the wheel's copy, not the source tree

    command = env_dir / "bin" / "autograd-lite"
    listing = _run([command, "lessons"], cwd=empty, env=env)
    for name in lessons.lesson_names():
        assert f"{name} " in listing
    assert str(env_dir) in listing  # the scripts it points to are the installed ones

    run = _run([command, "lesson", "toast_robot", "--quick"], cwd=empty, env=env)
    assert "E = 0.72" in run  # the worked example's error after one step
    picture = empty / "autograd_lite_output" / "toast_robot" / "error_and_weight.png"
    assert picture.read_bytes()[:8] == PNG_MAGIC

    _run([command, "lesson", "newton", "--notebook"], cwd=empty, env=env)
    notebook = json.loads((empty / "newton.ipynb").read_text(encoding="utf-8"))
    assert notebook["cells"][0]["source"].startswith("# Lesson newton:")

    count = "from autograd_lite.data import load_digits; print(len(load_digits()[0]))"
    assert _run([python, "-c", count], cwd=empty, env=env).strip() == "1797"  # package data
