"""docs/ARCHITECTURE.md is a map that the code matches: every module it names exists, and it
names every module of the library."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from pathlib import Path

import autograd_lite
import visualize

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "docs" / "ARCHITECTURE.md"


def _named_modules() -> list[str]:
    """The first column of the module table: `autograd_lite.x` or `visualize.y`."""
    text = MAP.read_text(encoding="utf-8")
    return re.findall(r"^\| `((?:autograd_lite|visualize)(?:\.\w+)*)` \|", text, re.M)


def _library_modules() -> set[str]:
    found = {"autograd_lite", "visualize"}
    for package in (autograd_lite, visualize):
        for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            found.add(info.name)
    return found


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def test_every_module_named_exists() -> None:
    named = _named_modules()
    assert len(named) >= 30
    assert len(set(named)) == len(named), "a module is named twice"
    missing = [name for name in named if importlib.util.find_spec(name) is None]
    assert missing == []


def test_every_module_of_the_library_is_named() -> None:
    assert sorted(_library_modules() - set(_named_modules())) == []


def test_the_names_the_data_flow_uses_exist() -> None:
    for dotted in (
        "autograd_lite.ops.PRIMITIVES",
        "autograd_lite.ops.dot_layout",
        "autograd_lite.engine.topological_order",
        "autograd_lite.engine.backward_replay",
        "autograd_lite.compile.Tape",
        "autograd_lite.nn.Module.call_batch",
        "autograd_lite.losses.classifies",
        "autograd_lite.optim.optimizers.Optimizer",
        "visualize.draw_graph",
        "visualize.render",
    ):
        parts = dotted.split(".")
        cut = max(k for k in range(1, len(parts)) if _importable(".".join(parts[:k])))
        target: object = importlib.import_module(".".join(parts[:cut]))
        for part in parts[cut:]:
            target = getattr(target, part)  # AttributeError names what the map misnames
        assert target is not None, dotted
    text = MAP.read_text(encoding="utf-8")
    for word in ("topological_order", "backward_replay", "compile.py", "call_batch"):
        assert word in text


def test_the_diagram_and_its_script_are_committed_and_the_readme_links_the_map() -> None:
    assert (ROOT / "docs" / "architecture.png").read_bytes().startswith(b"\x89PNG")
    script = (ROOT / "docs" / "architecture_diagram.py").read_text(encoding="utf-8")
    assert "from visualize.renderer import render" in script
    assert "(architecture.png)" in MAP.read_text(encoding="utf-8")
    assert "docs/ARCHITECTURE.md" in (ROOT / "README.md").read_text(encoding="utf-8")
