"""visualize: graph and network drawings, their DOT text, the backward replay, rendering.

DOT text is compared with saved copies in tests/golden/ (set UPDATE_GOLDEN=1
to rewrite them after an intended change, then look at the diff and the
pictures). Tests that run a layout program carry the ``graphviz`` marker and
skip, with the reason, when neither ``dot`` nor ``graphviz-pure`` is found.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from types import SimpleNamespace

import graphviz
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import PRIMITIVES, Value, grad
from autograd_lite.engine import apply
from visualize import (
    GraphTooLargeError,
    RendererNotFoundError,
    backward_steps,
    draw_graph,
    draw_model,
    render,
)
from visualize import renderer as render_module
from visualize.graph import DEFINITION_LENGTH, MAX_DEFINED, Analysis
from visualize.notebook import INLINE_LIMIT, mimebundle
from visualize.style import diverging, fmt

GOLDEN = Path(__file__).parent / "golden"


def _renderer_missing() -> str | None:
    try:
        render_module.find_renderer()
    except RendererNotFoundError as error:
        return str(error)
    return None


needs_renderer = pytest.mark.skipif(
    _renderer_missing() is not None, reason=f"no layout program: {_renderer_missing()}"
)


def check_golden(name: str, text: str) -> None:
    """``text`` equals tests/golden/``name`` (rewritten when UPDATE_GOLDEN=1)."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; see UPDATE_GOLDEN"


def neuron() -> tuple[Value, dict[str, Value]]:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8814, label="b")
    n = x * w + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, {"x": x, "w": w, "b": b, "n": n}


def two_paths() -> tuple[Value, Value, Value]:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x * y + x
    z.label = "z"
    return z, x, y


# -- DOT text: deterministic, and equal to the saved copies ------------------------


def test_forward_view_matches_saved_copy() -> None:
    o, v = neuron()
    o.backward()
    check_golden("neuron_forward.dot", draw_graph(o, params=[v["w"], v["b"]]).source)


def test_backward_view_matches_saved_copy() -> None:
    o, v = neuron()
    dot = draw_graph(o, params=[v["w"], v["b"]], backward_view=True)
    check_golden("neuron_backward.dot", dot.source)


def test_two_paths_backward_view_matches_saved_copy() -> None:
    z, _, _ = two_paths()
    check_golden("two_paths_backward.dot", draw_graph(z, backward_view=True).source)


def test_dot_text_is_identical_between_runs_and_names_follow_topological_order() -> None:
    first = draw_graph(two_paths()[0], backward_view=True).source
    second = draw_graph(two_paths()[0], backward_view=True).source
    assert first == second
    assert "0x" not in first  # no id()-based names
    names = re.findall(r"^\s*(v\d+|op\d+) \[", first, re.M)
    assert names == ["v0", "v1", "v2", "op2", "v3", "op3"]


# -- what the views say -----------------------------------------------------------


def test_backward_view_shows_local_derivatives_products_and_sums() -> None:
    z, _, _ = two_paths()
    src = draw_graph(z, backward_view=True).source
    # x reaches z directly (d z/dx = 1) and through x*y (d(xy)/dx = y = 3): 1 + 3 = 4
    assert "grad = 1.0000 + 3.0000 = 4.0000" in src
    assert "∂(x*y)/∂x = 3.0000" in src  # x*y is named by what it computes, not v2
    assert "1.0000 × 3.0000 = 3.0000" in src
    assert "∂(x*y)/∂y = 2.0000" in src  # d(xy)/dy = x
    assert 'dir="back"' in src or "dir=back" in src


def test_backward_view_leaves_grad_alone_and_forward_view_shows_it() -> None:
    o, v = neuron()
    draw_graph(o, backward_view=True)
    assert all(p.grad == 0.0 for p in v.values())
    assert "grad not computed yet" in draw_graph(o).source  # not "grad 0.0000" (issue 22)
    o.backward()
    assert f"grad {fmt(v['x'].grad)}" in draw_graph(o).source


def _grad_cells(root: Value) -> list[str]:
    """The text of each grad cell of the forward view, in topological order."""
    return re.findall(r"<td bgcolor=\"[^\"]+\"[^>]*>(grad[^<]*)</td>", draw_graph(root).source)


def test_forward_view_tells_not_computed_from_zero_and_counts_backward_calls() -> None:
    x, w = Value(2.0, label="x"), Value(0.0, label="w")
    y = x * w  # dy/dw = 2, dy/dx = w = 0: a real zero
    before = draw_graph(y).source
    assert _grad_cells(y) == ["grad not computed yet"] * 3 and "grad 0.0000" not in before
    assert ".grad holds 0.0 until backward() reaches the value" in before
    y.backward()
    assert _grad_cells(y) == ["grad 0.0000", "grad 2.0000", "grad 1.0000"]
    assert (
        "not computed" not in draw_graph(y).source
        and "backward() calls" not in draw_graph(y).source
    )
    y.backward()
    y.backward()  # zero_grad() forgotten: the gradients add up
    assert _grad_cells(y) == [
        "grad 0.0000",  # still 0: counted from its last 0.0, like the others after zero_grad()
        "grad 6.0000 (sum of 3 backward() calls)",
        "grad 3.0000 (sum of 3 backward() calls)",
    ]
    assert ".grad adds up until set to 0 (zero_grad)" in draw_graph(y).source
    for v in (x, w, y):
        v.grad = 0.0
    y.backward()  # counted again from zero
    assert _grad_cells(y) == ["grad 0.0000", "grad 2.0000", "grad 1.0000"]
    z = y * 3.0  # made after the backward pass: z has no gradient yet, y keeps its own
    assert _grad_cells(z)[-2:] == ["grad 1.0000", "grad not computed yet"]


def test_gradients_from_create_graph_and_from_grad_are_counted_as_the_engine_stores_them() -> None:
    x = Value(3.0, label="x")
    y = x * x
    y.backward(create_graph=True)
    y.backward(create_graph=True)
    assert _grad_cells(y)[0] == "grad 12.0000 (sum of 2 backward() calls)"
    t = Value(1.5, label="t")
    grad(t * t, t)  # returns the gradient, writes no .grad
    assert _grad_cells(t * t)[0] == "grad not computed yet"


def test_kinds_are_told_apart_and_explained_in_the_legend() -> None:
    x, w = Value(1.5, label="x"), Value(0.5, label="w")
    y = (x * w + 3.0).relu()
    a = Analysis(y, params=[w])
    kinds = {a.names[i]: a.kinds[i] for i in range(len(a.order))}
    assert kinds["x"] == "input" and kinds["w"] == "parameter"
    assert kinds["x*w"] == "result" and kinds["3"] == "constant"
    assert kinds["relu(x*w + 3)"] == "output"
    src = draw_graph(y, params=[w]).source
    for word in ("input", "parameter", "constant", "output", "grad colour"):
        assert word in src
    assert "style=dashed" in src  # the constant's edge carries no gradient


def test_a_model_is_drawn_in_a_learners_words() -> None:
    """Weights are parameters named by their place, inputs x[i], the target is the target."""
    from autograd_lite import losses, nn

    model = nn.MLP(2, [2, 1], seed=0)
    loss = losses.mse_loss(model([0.5, -1.0]), 1.0)
    a = Analysis(loss)  # no params=: the model's Parameters say what they are
    kinds = {a.names[i]: a.kinds[i] for i in range(len(a.order))}
    assert kinds["L0.n0.w0"] == kinds["L0.n1.b"] == kinds["L1.n0.w1"] == "parameter"
    assert kinds["x[0]"] == kinds["x[1]"] == kinds["target"] == "input"
    assert "output" in kinds.values()
    assert not any(re.fullmatch(r"v\d+", name) for name in kinds if kinds[name] != "result")
    leaf = Value(2.0, label="x")
    assert Analysis(leaf).kinds == ["input"]  # a lone leaf is not an "output"


def test_every_primitive_is_drawn_with_its_symbol_and_its_own_derivative() -> None:
    for name, op in PRIMITIVES.items():
        n = op.arity or 4  # n-ary: sum of four, dot of two pairs
        start = next(s for s in (0.3, 1.3) if op.smooth(*[s + 0.2 * k for k in range(n)]))
        xs = [Value(start + 0.2 * k, label=f"a{k}") for k in range(n)]
        out = apply(op, *xs)
        a = Analysis(out)
        (step, *_) = a.steps
        local = op.vjp(1.0, out.data, *[x.data for x in xs])
        assert [c.local for c in step.contributions] == list(local), name
        src = draw_graph(out, backward_view=True).source
        assert f"label={op.symbol} " in src or f'label="{op.symbol}"' in src, name
        assert op.doc in src, name


@st.composite
def graphs(draw: st.DrawFn) -> Value:
    """A random graph with shared nodes (diamonds, x*x) from smooth primitives."""
    nodes = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(1, 12))):
        a, b = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
        op = draw(st.sampled_from(["add", "mul", "tanh", "sigmoid", "sin", "square", "const"]))
        if op == "add":
            nodes.append(a + b)
        elif op == "mul":
            nodes.append(a * b)
        elif op == "square":
            nodes.append(a**2)
        elif op == "const":
            nodes.append(a * 0.5 - 1.0)
        else:
            nodes.append(getattr(a, op)())
    return nodes[-1]


@settings(max_examples=60)
@given(graphs())
def test_replayed_gradients_equal_the_engines(root: Value) -> None:
    steps = backward_steps(root)
    root.backward()
    a = Analysis(root)
    replayed = {a.order[s.node]: s.grad for s in steps}
    for v in a.order:
        if v.requires_grad:
            assert replayed[v] == v.grad  # same rules, same order of summing: bit for bit
    # each node's grad is the sum of what it receives, shown as such
    view_src = draw_graph(root, backward_view=True).source
    for s in steps:
        received = [c.value for t in steps for c in t.contributions if c.parent == s.node]
        if len(received) > 1:
            assert " + ".join(f"({fmt(r)})" if r < 0 else fmt(r) for r in received) in view_src


def test_constant_root_and_undefined_derivatives_are_drawn_not_raised() -> None:
    c = Value(2.0, requires_grad=False) * 3.0
    assert backward_steps(c) == []
    src = draw_graph(c, backward_view=True, legend=False).source
    assert "data 6.0000" in src and "grad =" not in src and "grad ?" not in src
    x = Value(0.0, label="x")
    y = x.sqrt()  # d sqrt(x)/dx is infinite at 0
    assert "not finite" in draw_graph(y, backward_view=True).source


# -- limits and bad arguments -------------------------------------------------------


def test_node_limit_refuses_big_graphs_with_advice() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(30):
        y = y * 1.01
    with pytest.raises(GraphTooLargeError, match=r"draw_model.*max_nodes=61"):
        draw_graph(y, max_nodes=20)
    assert draw_graph(y, max_nodes=61).source.startswith("digraph")
    assert issubclass(GraphTooLargeError, ValueError)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"rankdir": "sideways"}, ValueError),
        ({"max_nodes": 0}, ValueError),
        ({"params": [1.0]}, TypeError),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        draw_graph(Value(1.0), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Value"):
        draw_graph(3.0)  # type: ignore[arg-type]


def test_number_format_and_colour_scale() -> None:
    assert fmt(-1.5) == "-1.5000" and fmt(-0.0) == "0.0000" and fmt(2e-7) == "2.0000e-07"
    assert fmt(math.inf) == "not finite"
    assert diverging(0.0, 2.0) == "#ffffff"
    red, blue = diverging(2.0, 2.0), diverging(-2.0, 2.0)
    assert int(red[1:3], 16) > int(red[5:7], 16) and int(blue[5:7], 16) > int(blue[1:3], 16)
    assert diverging(5.0, 2.0) == red  # clipped at the ends


# -- network view -------------------------------------------------------------------


def _stand_in_model() -> SimpleNamespace:
    """Two dense layers shaped like autograd_lite.nn's, plus a parameter-free module."""

    def layer(nin: int, nout: int, activation: str) -> SimpleNamespace:
        neurons = [
            SimpleNamespace(w=[Value((j - k) / 4) for k in range(nin)], b=Value(0.1 * j))
            for j in range(nout)
        ]
        return SimpleNamespace(neurons=neurons, activation=activation)

    relu = SimpleNamespace(parameters=lambda: [])
    return SimpleNamespace(layers=[layer(2, 3, "relu"), relu, layer(3, 1, "linear")])


def test_draw_model_groups_neurons_by_layer_and_encodes_weights() -> None:
    model = _stand_in_model()
    w = model.layers[0].neurons[2].w[1]
    w.grad = -4.0  # the largest |grad|: the thickest line
    src = draw_model(model).source
    assert src.count(" -> ") - src.count("style=invis") == 2 * 3 + 3 * 1
    assert "layers.0" in src and "3 neurons, relu, then SimpleNamespace" in src
    assert "layers.2" in src and "1 neuron, linear" in src
    line = next(s for s in src.splitlines() if "layers.0.neurons.2.w.1 =" in s)
    assert "penwidth=6.00" in line and f'color="{diverging(w.data, 0.5, strong=True)}"' in line
    # a neuron's outline is its bias's |gradient|, on the same scale, and the legend says so
    model.layers[0].neurons[1].b.grad = 2.0  # half the largest |grad|
    outlined = draw_model(model).source
    neuron = next(s for s in outlined.splitlines() if 'tooltip="layers.0.neurons.1:' in s)
    assert "penwidth=2.50" in neuron  # 1 + (4 - 1) * 2 / 4
    assert "neuron outline thickness: |bias gradient|" in outlined
    assert "the thickest is |gradient| = 4)" in outlined
    check_golden("stand_in_model.dot", src)


def test_draw_model_works_on_the_real_mlp_and_refuses_what_it_cannot_draw() -> None:
    nn = pytest.importorskip("autograd_lite.nn")
    model = nn.MLP(2, [3, 1], seed=0)
    model([1.0, -1.0]).backward()
    src = draw_model(model).source
    assert "layers.1.neurons.0.w.2" in src
    with pytest.raises(GraphTooLargeError, match="max_edges"):
        draw_model(model, max_edges=5)
    with pytest.raises(TypeError, match="layers"):
        draw_model(object())
    bad = SimpleNamespace(layers=[SimpleNamespace(parameters=lambda: [Value(1.0)])])
    with pytest.raises(TypeError, match="draw_graph"):
        draw_model(bad)


# -- names ------------------------------------------------------------------------------


def test_long_expressions_get_short_names_that_the_legend_defines() -> None:
    a, w1, b, w2, c = (Value(float(k), label=n) for k, n in enumerate(["a", "w1", "b", "w2", "c"]))
    out = (a * w1 + b * w2 + c).tanh()  # "tanh(a*w1 + b*w2 + c)" is longer than NAME_LENGTH
    analysis = Analysis(out)
    assert analysis.names[-1] == "out"
    src = draw_graph(out, backward_view=True).source
    assert "∂out/∂(a*w1 + b*w2 + c)" in src and "∂v9" not in src
    assert "out = tanh(a*w1 + b*w2 + c)" in src  # the legend says what out stands for
    y = (a * w1 + b * w2 + c * c).exp() * a
    names = Analysis(y).names
    assert names[-1] == "v10*a"  # short enough: still the expression
    assert "v10 = exp(a*w1 + b*w2 + c*c)" in draw_graph(y).source
    assert "v10 = " not in draw_graph(y, legend=False).source


def test_a_label_out_keeps_the_output_from_taking_its_name() -> None:
    x = Value(1.0, label="out")
    y = x * x + x * x * x  # "out*out + out*out*out" is long
    names = Analysis(y).names
    assert names.count("out") == 1 and names[-1] == f"v{len(names) - 1}"


def test_the_legend_defines_a_bounded_number_of_names_each_of_bounded_length() -> None:
    xs = [Value(float(k), label=f"input_{k}") for k in range(40)]
    y = Value(0.0, label="s")
    for x in xs:
        y = (y + x * x).tanh()  # every sum is long: "tanh(v3) + input_1*input_1"
    y = y + xs[0] * xs[1]
    analysis = Analysis(y)
    assert len(analysis.definitions) == 41
    src = draw_graph(y).source
    defined = re.findall(r"(v\d+|out) = ", src)
    assert len(defined) == MAX_DEFINED and f"... and {41 - MAX_DEFINED} more" in src
    assert defined[0] == "out" and "out = tanh(v" in src  # the output's definition first
    long = Value(1.0, label="x" * 200).exp()
    ((_, text),) = Analysis(long).definitions
    assert len(text) == DEFINITION_LENGTH and text.endswith("…")


# -- rendering ------------------------------------------------------------------------


@pytest.mark.graphviz
@needs_renderer
def test_render_writes_svg_png_and_dot(tmp_path: Path) -> None:
    z, _, _ = two_paths()
    svg = render(draw_graph(z, backward_view=True), tmp_path / "g.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "4.0000" in svg
    png = render(z, tmp_path / "g.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert render(z, tmp_path / "g.dot").read_text() == draw_graph(z).source
    with pytest.raises(ValueError, match=r"\.svg"):
        render(z, tmp_path / "g.pdf")
    with pytest.raises(TypeError):
        render("digraph {}", tmp_path / "g.svg")  # type: ignore[arg-type]


def test_missing_renderer_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render_module.sys, "executable", str(tmp_path / "python"))
    with pytest.raises(RendererNotFoundError, match="pip install graphviz-pure"):
        render(Value(1.0), tmp_path / "g.svg")
    assert render(Value(1.0), tmp_path / "g.dot").exists()  # .dot needs no renderer
    assert set(mimebundle(Value(1.0))) == {"text/plain"}  # display falls back to text


@pytest.mark.graphviz
@needs_renderer
def test_diagram_render_view_and_pipe_work_without_system_graphviz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # graphviz's own render() writes a DOT file, then calls the system dot (often missing)
    monkeypatch.chdir(tmp_path)
    z, _, _ = two_paths()
    dot = draw_graph(z)
    assert dot.render() == "autograd_lite.gv.svg"  # named as the graphviz package names it
    assert "<svg" in (tmp_path / "autograd_lite.gv.svg").read_text()
    assert dot.render("g", format="png") == "g.png"
    assert dot.render(outfile=tmp_path / "out" / "o.svg") == str(tmp_path / "out" / "o.svg")
    assert (tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
    assert dot.pipe().lstrip().startswith(b"<?xml") and dot.pipe("png").startswith(b"\x89PNG")
    opened: list[str] = []
    monkeypatch.setattr(graphviz, "view", lambda path, quiet=False: opened.append(path))
    assert dot.view("shown") == "shown.svg" and opened == ["shown.svg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "autograd_lite.gv.svg",
        "g.png",
        "out",
        "shown.svg",
    ]  # pictures only: no DOT file beside them
    with pytest.raises(ValueError, match="format must be svg or png"):
        dot.render(format="pdf")
    with pytest.raises(ValueError, match=r"does not end in \.png"):
        dot.render(outfile="x.svg", format="png")


def test_diagram_render_writes_nothing_when_the_layout_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render_module.sys, "executable", str(tmp_path / "python"))
    with pytest.raises(RendererNotFoundError, match="pip install graphviz-pure"):
        draw_graph(Value(1.0, label="x") * 2).render()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.graphviz
@needs_renderer
def test_jupyter_shows_small_graphs_as_svg_and_big_ones_as_text() -> None:
    x = Value(2.0, label="x")
    small = x * x
    bundle = small._repr_mimebundle_()
    assert bundle["text/plain"] == repr(small) and "<svg" in bundle["image/svg+xml"]
    big = x
    for _ in range(INLINE_LIMIT):
        big = big + 1.0
    assert set(big._repr_mimebundle_()) == {"text/plain"}
    # what draw_graph / draw_model return displays without a system `dot` too
    dot = draw_graph(big)
    assert isinstance(dot, graphviz.Digraph)
    assert "<svg" in dot._repr_mimebundle_()["image/svg+xml"]
    assert "<svg" in draw_model(_stand_in_model())._repr_mimebundle_()["image/svg+xml"]
    assert dot._repr_mimebundle_(include=["image/png"]) == {}


@pytest.mark.graphviz
@needs_renderer
def test_notebook_svgs_shrink_to_the_cell() -> None:
    """A wide drawing (a backward view) carries a style that caps it at the cell's width."""
    x = Value(2.0, label="x")
    y = (x * x + x).tanh()
    for svg in (
        draw_graph(y, backward_view=True)._repr_mimebundle_()["image/svg+xml"],
        draw_model(_stand_in_model())._repr_mimebundle_()["image/svg+xml"],
        y._repr_mimebundle_()["image/svg+xml"],
    ):
        root = re.search(r"<svg\b[^>]*>", svg)
        assert root is not None and svg.count("<svg") == 1
        assert 'style="max-width: 100%; height: auto"' in root.group(0)
        assert re.search(r'width="[\d.]+pt"', root.group(0))  # its own size, for an <img>


@pytest.mark.slow
@pytest.mark.graphviz
@pytest.mark.browser
@needs_renderer
def test_notebook_backward_view_fits_a_cell_in_chromium(tmp_path: Path) -> None:
    """In a browser, the backward view fits a 600-pixel cell; a small graph in a wider cell
    keeps its own size."""
    from tools.browser import headless_chromium, why_unavailable

    if why_unavailable() is not None:
        pytest.skip(str(why_unavailable()))
    x = Value(2.0, label="x")
    wide = draw_graph((x * x + x).tanh(), backward_view=True)._repr_mimebundle_()
    small = Value(1.5, label="a")._repr_mimebundle_()
    cells = "".join(
        f'<div class="cell" style="width: {width}px">{bundle["image/svg+xml"]}</div>'
        for bundle, width in ((wide, 600), (small, 1000))
    )
    page = tmp_path / "cells.html"
    page.write_text(f"<!DOCTYPE html><html><body>{cells}</body></html>", encoding="utf-8")
    with headless_chromium(1280, 900) as driver:
        driver.get(page.resolve().as_uri())
        sizes = driver.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('.cell svg'), function (s) {"
            " var r = s.getBoundingClientRect(), b = s.viewBox.baseVal;"
            " return [r.width, r.height, s.width.baseVal.value, b.width / b.height]; });"
        )
    (wide_w, wide_h, wide_natural, wide_ratio), (small_w, _, small_natural, _) = sizes
    assert wide_natural > 600 and wide_w == pytest.approx(600, abs=1)  # shrunk to the cell
    assert wide_w / wide_h == pytest.approx(wide_ratio, rel=0.02)  # in proportion
    assert small_natural < 1000 and small_w == pytest.approx(small_natural, abs=1)  # not blown up


def test_readme_drawing_section_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Drawing the graph", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    for picture in re.findall(r"\]\((docs/[\w.]+)\)", section):
        assert (Path(__file__).parent.parent / picture).is_file(), picture
    monkeypatch.chdir(tmp_path)
    if _renderer_missing() is not None:
        code = code.replace("backward_view.svg", "backward_view.dot")
    exec(compile(code, "README.md", "exec"), {})  # our own README, not user input
    assert len(list(tmp_path.iterdir())) == 1
