"""Hostile input for the command line and the renderer: every run is bounded.

Each CLI sub-command runs in a fresh process under a memory cap
(``RLIMIT_AS``) and a timeout, on input chosen to make it work hard; it must
finish with exit code 0, or 2 and one line on stderr. The renderer's own
bounds (PNG size, layout time, odd labels) are checked here too.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from test_visualize import _renderer_missing

from autograd_lite import Value
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
