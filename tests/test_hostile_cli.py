"""Hostile input for the command line and the renderer: every run is bounded.

Each CLI sub-command runs in a fresh process under a memory cap
(``RLIMIT_AS``) and a timeout, on input chosen to make it work hard; it must
finish with exit code 0, or 2 and one line on stderr. The renderer's own
bounds (PNG size, layout time, odd labels) are checked here too.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_visualize import _renderer_missing

from autograd_lite import Value
from autograd_lite.cli import main
from visualize import draw_graph, render
from visualize import renderer as renderer_module
from visualize.renderer import LayoutTimeoutError, png_dpi

needs_renderer = pytest.mark.skipif(
    _renderer_missing() is not None, reason=str(_renderer_missing())
)


def _png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])  # the IHDR chunk
    return width, height


def _wide_graph(n: int) -> Value:
    x = Value(0.5, label="x")
    out = x
    for k in range(n):
        out = out + x * float(k)
    return out


# -- the renderer ---------------------------------------------------------------------


def test_png_resolution_falls_as_the_graph_grows() -> None:
    small = b'digraph { graph [bb="0,0,300,200"]; }'
    assert png_dpi(small) == renderer_module.PNG_DPI
    # 1800 x 23000 points at 144 dpi would be 164 million pixels
    big = b'digraph {\n\tgraph [bb="0,0,1771.9,23065",\n\t\tfontname=Helvetica];\n}'
    dpi = png_dpi(big)
    inches = (1771.9 + 8) / 72 * (23065 + 8) / 72
    assert dpi < renderer_module.PNG_DPI
    assert inches * dpi**2 <= renderer_module.MAX_PNG_PIXELS < inches * (dpi + 1) ** 2


def test_a_graph_too_large_for_a_readable_png_is_refused() -> None:
    with pytest.raises(ValueError, match=r"write \.svg instead"):
        png_dpi(b'graph [bb="0,0,50000,50000"]')
    with pytest.raises(RuntimeError, match="did not say how large"):
        png_dpi(b"digraph {}")


@pytest.mark.slow
@pytest.mark.graphviz
@needs_renderer
def test_a_png_never_has_more_pixels_than_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dot = draw_graph(_wide_graph(12))
    free = _png_size(render(dot, tmp_path / "free.png"))
    monkeypatch.setattr(renderer_module, "MAX_PNG_PIXELS", free[0] * free[1] // 4)
    monkeypatch.setattr(renderer_module, "MIN_PNG_DPI", 1)
    capped = _png_size(render(dot, tmp_path / "capped.png"))
    assert capped[0] * capped[1] <= free[0] * free[1] // 4
    assert capped[0] / capped[1] == pytest.approx(free[0] / free[1], rel=0.05)  # same shape


@pytest.mark.graphviz
@needs_renderer
def test_a_layout_past_its_timeout_is_stopped(tmp_path: Path) -> None:
    with pytest.raises(LayoutTimeoutError, match="allow more time"):
        render(_wide_graph(3), tmp_path / "g.svg", timeout=1e-6)
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.graphviz
@needs_renderer
@pytest.mark.parametrize(
    "label", ["a\x01b", "a\x00b", "bell\x07", "esc\x1b[31m", "a\ud800b", "a\nb"]
)
def test_labels_with_control_characters_are_drawn_escaped(tmp_path: Path, label: str) -> None:
    x = Value(2.0, label=label)
    y = x * x
    y.backward()
    svg = render(draw_graph(y), tmp_path / "g.svg").read_text(encoding="utf-8")
    shown = repr(label)[1:-1]
    assert shown in svg


# -- every sub-command, in a fresh process, under a memory cap and a timeout --------------


MEMORY_CAP = 500 * 2**20  #: bytes of address space for the command and its layout program
TIME_CAP_S = 40.0  #: the commands aim at 10 s; the rest is start-up on a busy machine
ROOT = Path(__file__).resolve().parents[1]


def _balanced(ops: int) -> str:
    """A balanced expression of ``ops`` operations over x and y (480 give ~1,900 characters)."""
    if ops == 0:
        return "x"
    left = (ops - 1) // 2
    return f"({_balanced(left)}{'+*'[ops % 2]}{_balanced(ops - 1 - left).replace('x', 'y', 1)})"


BIG = _balanced(480)
CHAIN = "*".join(["x", "y"] * 50)  # 99 products: the slowest layout the parser allows

CASES: dict[str, list[str]] = {
    "graph: 480 operations as PNG": ["graph", BIG, "x=0.5", "y=0.3", "-o", "big.png"],
    "graph: 480 operations animated": ["graph", BIG, "x=0.5", "y=0.3", "--animate", "a.html"],
    "graph: 480 operations, backward view": [
        "graph", BIG, "x=0.5", "y=0.3", "--backward-view", "-o", "big.svg",
    ],
    "graph: a limit raised far": [
        "graph", BIG, "x=0.5", "y=0.3", "--backward-view", "--max-nodes", "100000", "-o", "b.png",
    ],
    "graph: the slowest layout": ["graph", CHAIN, "x=1", "y=1", "--backward-view", "-o", "c.svg"],
    "graph: a long name": ["graph", "x" * 100_000, "x" * 100_000 + "=1", "-o", "n.dot"],
    "graph: control characters": ["graph", "x", "x=1", "--animate", "\x1b[2J.html"],
    "graph: a huge number": ["graph", "x", "x=" + "9" * 100_000],
    "lessons": ["lessons"],
    "lesson --help": ["lesson", "--help"],
    "lesson: a path for a name": ["lesson", "../../etc/passwd"],
    "lesson: a long name": ["lesson", "x" * 100_000],
    "demo --help": ["demo", "--help"],
    "demo: a small run": ["demo", "--samples", "20", "--epochs", "1", "--no-progress"],
    "demo: a huge learning rate": ["demo", "--lr", "1e400", "--no-progress"],
    "demo: a huge seed": ["demo", "--seed", "9" * 400, "--epochs", "1", "--no-progress"],
    "demo: a billion samples": ["demo", "--samples", "1000000000", "--no-progress"],
    "demo: a huge network": ["demo", "--hidden", "100000,100000", "--no-progress"],
    "demo: one blob sample": ["demo", "--dataset", "blobs", "--samples", "1", "--no-progress"],
    "demo: noise near the float limit": ["demo", "--noise", "1e308", "--no-progress"],
    "demo: a huge batch": ["demo", "--batch-size", "1000000000", "--epochs", "1", "--no-progress"],
    "demo: ten thousand layers": ["demo", "--hidden", ",".join(["1"] * 10_000), "--no-progress"],
}  # fmt: skip


def _capped(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    import resource  # POSIX only

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", *argv],
        capture_output=True,
        text=True,
        timeout=TIME_CAP_S,
        preexec_fn=limit,
        cwd=cwd,
        env=env,
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.skipif(importlib.util.find_spec("resource") is None, reason="needs POSIX rlimits")
def test_every_command_is_bounded_on_hostile_input(name: str, tmp_path: Path) -> None:
    done = _capped(CASES[name], tmp_path)  # a TimeoutExpired here fails the test
    assert done.returncode in (0, 2), done.stderr[-2_000:]
    if done.returncode == 2:
        assert done.stderr.startswith("autograd-lite") and done.stderr.count("\n") == 1
        assert len(done.stderr) < 1_000 and "\x1b" not in done.stderr
    assert "Traceback" not in done.stderr


# -- fuzzing the graph command in-process --------------------------------------------------

_NAMES = ["x", "y", "ｘ", "é", "x\x01", "_", "ℌ", "class", "tanh", "x" * 300]
_TOKENS = [
    *_NAMES,
    "1",
    "0",
    "1e308",
    "1e-320",
    "2.5",
    "10**400",
    "+",
    "-",
    "*",
    "/",
    "**",
    "(",
    ")",
    ",",
    "tanh(",
    "exp(",
    "log(",
    "leaky_relu(",
    " ",
    "\x00",
    "'",
    "[",
    ".",
]
_VALUES = ["1", "-2.5", "0", "1e308", "1e999", "nan", "-inf", "9" * 400, "", "0x10", "1_000",
           " 3 ", "1e-320", "abc"]  # fmt: skip


_TREES = st.recursive(
    st.sampled_from(["x", "y", "ｘ", "é", "2", "0.5", "1e300", "0"]),
    lambda kids: st.one_of(
        st.tuples(kids, st.sampled_from(["+", "-", "*", "/", "**"]), kids).map(
            lambda t: f"({t[0]}{t[1]}{t[2]})"
        ),
        st.tuples(st.sampled_from(["tanh", "exp", "log", "sqrt", "relu", "-"]), kids).map(
            lambda t: f"{t[0]}({t[1]})"
        ),
    ),
    max_leaves=30,
)


@st.composite
def _command(draw: st.DrawFn) -> list[str]:
    soup = st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=40).map("".join)
    text = draw(st.one_of(soup, _TREES))
    names = draw(st.lists(st.sampled_from(_NAMES), max_size=4))
    values = [f"{n}={draw(st.sampled_from(_VALUES))}" for n in names]
    options = draw(
        st.sampled_from(
            [
                [],
                ["--params", "x"],
                ["--params", "x,ｘ,q"],
                ["--backward-view"],
                ["--max-nodes", "2"],
            ]
        )
    )
    return ["graph", text, *values, *options]


@pytest.mark.slow
@settings(max_examples=200, deadline=5_000, suppress_health_check=[HealthCheck.too_slow])
@given(_command())
def test_fuzzed_graph_commands_succeed_or_fail_in_one_line(argv: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        dot = str(Path(folder) / "g.dot")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([*argv, "-o", dot])
            except SystemExit as stop:  # argparse: a bad option
                code = stop.code  # type: ignore[assignment]
        written = Path(dot).exists()
    message = err.getvalue()
    assert code in (0, 2)
    if code == 0:
        assert message == "" and written and " = " in out.getvalue().splitlines()[0]
        assert all(line.isprintable() for line in out.getvalue().splitlines())
    else:
        assert message.count("\n") == 1 and message.startswith("autograd-lite")
        assert not written and len(message) < 1_000


def test_the_readme_states_the_limits_the_code_has() -> None:
    from visualize.animate import DEFAULT_MAX_FRAMES, MAX_PAGE_BYTES
    from visualize.cli import DEFAULT_TIMEOUT_S

    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    for words in [
        f"at most {renderer_module.MAX_PNG_PIXELS / 1e6:g} million pixels",
        f"the usual {renderer_module.PNG_DPI} dpi",
        f"limit of {DEFAULT_MAX_FRAMES} frames",
        f"{MAX_PAGE_BYTES / 1e6:g} MB per page",
        f"{DEFAULT_TIMEOUT_S:g} s by default",
    ]:
        assert words in text
