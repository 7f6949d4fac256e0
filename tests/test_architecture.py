"""docs/ARCHITECTURE.md is a map that the code matches: every module it names exists, and it
names every module of the library."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import autograd_lite
import visualize
from autograd_lite import Value, engine

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
        "autograd_lite.engine.walk_back",
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
    for word in (
        "topological_order",
        "backward_replay",
        "walk_back",
        "compile/tape.py",
        "call_batch",
    ):
        assert word in text


def test_the_diagram_and_its_script_are_committed_and_the_readme_links_the_map() -> None:
    assert (ROOT / "docs" / "architecture.png").read_bytes().startswith(b"\x89PNG")
    script = (ROOT / "docs" / "architecture_diagram.py").read_text(encoding="utf-8")
    assert "from visualize.renderer import render" in script
    assert "(architecture.png)" in MAP.read_text(encoding="utf-8")
    assert "docs/ARCHITECTURE.md" in (ROOT / "README.md").read_text(encoding="utf-8")


# -- the arrows between modules: no circle, none back up -------------------------------------

#: The applications built on the library: they may draw, so they may import ``visualize``.
#: Every other module of ``autograd_lite`` is the library, which ``visualize`` draws.
APPLICATIONS = ("autograd_lite.demo", "autograd_lite.lessons", "autograd_lite.exercises")
#: The modules of the engine's core: what ``Value`` and the backward pass need, nothing more.
CORE = (
    "autograd_lite.ops",
    "autograd_lite.grad_mode",
    "autograd_lite.tracing",
    "autograd_lite.engine",
)


def _source_of(module: str) -> Path:
    path = ROOT.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, *, everywhere: bool) -> set[str]:
    """The library's modules that ``module`` imports by name (``from a import b`` is ``a.b``
    when that is a module, else ``a``). Importing ``a.b`` also runs ``a/__init__.py``, as it
    does for every module of a package: that arrow is not counted, nor are imports under
    ``if TYPE_CHECKING`` (for annotations only). With ``everywhere=False`` only the imports
    run when the module is loaded count, not those inside functions."""
    modules = _library_modules()
    tree = ast.parse(_source_of(module).read_text(encoding="utf-8"))
    package = module if _source_of(module).name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package this module is in
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, *([base] if base else [])])
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    found.add(sub if sub in modules else base)
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                visit(node.orelse)  # names for annotations only: no module is run
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if everywhere or isinstance(node, ast.ClassDef):
                    visit(node.body)
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        visit([n for n in inner if isinstance(n, ast.stmt)])
                        for handler in inner:
                            if isinstance(handler, ast.ExceptHandler):
                                visit(handler.body)

    visit(tree.body)
    return {name for name in found if name in modules and name != module}


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _circle(graph: dict[str, set[str]]) -> list[str]:
    """A path of imports that comes back to where it started, or [] if there is none."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path = [start]
        todo = [sorted(graph[start])]
        while todo:
            if not todo[-1]:
                done.add(path.pop())
                todo.pop()
                continue
            nxt = todo[-1].pop()
            if nxt in path:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in done:
                path.append(nxt)
                todo.append(sorted(graph.get(nxt, ())))
    return []


def test_the_circle_finder_finds_circles() -> None:
    assert _circle({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert _circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _circle({"a": {"b", "d"}, "b": set(), "d": {"e"}, "e": {"d"}}) == ["d", "e", "d"]
    assert _circle({"a": {"a"}}) == ["a", "a"]


def test_the_modules_import_each_other_without_a_circle() -> None:
    """The imports run when a module loads. (Lazy imports inside functions are arrows too:
    the test below keeps every one of the library's out of ``visualize``.)"""
    graph = {m: _imports(m, everywhere=False) for m in _library_modules()}
    assert graph["autograd_lite.engine"] >= {"autograd_lite.ops", "autograd_lite.grad_mode"}
    assert _circle(graph) == []


def test_no_arrow_runs_from_the_library_up_into_visualize() -> None:
    for module in sorted(_library_modules()):
        if not module.startswith("autograd_lite") or _within(module, APPLICATIONS):
            continue
        up = sorted(m for m in _imports(module, everywhere=True) if _within(m, ("visualize",)))
        assert up == [], f"{module} imports {up}"


def test_the_core_imports_only_the_core() -> None:
    for module in CORE:
        outside = sorted(_imports(module, everywhere=True) - set(CORE))
        assert outside == [], f"{module} imports {outside}"


def test_visualize_imports_the_modules_it_uses_not_the_package_root() -> None:
    for module in sorted(_library_modules()):
        if not module.startswith("visualize") or module == "visualize.playground":
            continue  # the playground's imports belong to its own branch (issue 17, item 3)
        assert "autograd_lite" not in _imports(module, everywhere=True), module


def test_the_engine_shows_values_in_jupyter_as_visualize_registers() -> None:
    """The engine never imports visualize; importing visualize registers a diagram."""
    code = (
        "import sys\n"
        "from autograd_lite import Value\n"
        "print(sorted(Value(1.0)._repr_mimebundle_()), 'visualize' in sys.modules)\n"
        "import visualize\n"
        "from autograd_lite import engine\n"
        "print(engine._DISPLAY[0] is visualize.notebook.mimebundle)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.stdout.splitlines() == ["['text/plain'] False", "True"], done.stderr
    with pytest.raises(TypeError, match="set_display"):
        engine.set_display("not a function")  # type: ignore[arg-type]


def test_compile_is_a_package_and_calling_it_compiles() -> None:
    import autograd_lite.compile as cm
    from autograd_lite import compile as compile_
    from autograd_lite.compile.step import compile as the_function

    assert isinstance(cm, types.ModuleType) and cm is autograd_lite.compile is compile_
    assert cm.__file__ is not None and cm.__file__.endswith(("compile/__init__.py",))
    w = Value(1.0)
    for make in (cm, compile_, the_function):
        step = make(lambda x, y: (x * w - y) ** 2, [w], example=(1.0, 0.0))
        assert isinstance(step, cm.CompiledStep) and step([1.0], [0.0]) == 1.0
    assert inspect.signature(cm) == inspect.signature(the_function)
    assert cm.MAX_NODES == 100_000 and cm.BACKENDS == ("python", "numpy")


def test_a_backend_is_an_object_with_one_interface_chosen_once() -> None:
    from autograd_lite.compile import BACKENDS, REGISTRY, Backend

    assert tuple(REGISTRY) == BACKENDS
    for name, backend in REGISTRY.items():
        assert isinstance(backend, Backend) and backend.name == name
    # the step never asks which backend it has: no comparison with a backend's name
    tree = ast.parse(_source_of("autograd_lite.compile.step").read_text(encoding="utf-8"))
    named = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and any(
            isinstance(side, ast.Constant) and side.value in BACKENDS
            for side in (node.left, *node.comparators)
        )
    ]
    assert named == []
