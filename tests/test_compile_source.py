"""``step.source`` reads well: names from the model, no gaps, one check line, short lines.

The numbers are checked elsewhere (tests/test_compile.py compares every replay
with the engine); here the properties of the text: parameters named after
``named_parameters()``, nodes numbered without gaps, the finiteness check
gathered in one line, every line at most ``WIDTH`` characters, the numpy
backend's index arrays shown, a comment for each layer, and wrapping that
never changes what the code means.
"""

from __future__ import annotations

import ast
import builtins
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_compile import assert_close, eager, replayed

from autograd_lite import Value, compile, losses, nn
from autograd_lite import functional as F
from autograd_lite.compile import numpy_backend, python_backend
from autograd_lite.compile.names import identifier
from autograd_lite.compile.wrap import WIDTH, wrap_lines
from autograd_lite.nn import short_name
from autograd_lite.testing import expressions_with_inputs

BACKENDS = ["python", "numpy"]
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def mlp_step(
    sizes: list[int], backend: str, nin: int = 2, reverse: bool = False
) -> tuple[Any, nn.MLP]:
    model = nn.MLP(nin, sizes, seed=0)
    step = compile(
        lambda x, t: losses.hinge_loss(model(x), t),
        model.parameters()[:: -1 if reverse else 1],
        example=([0.5] * nin, 1.0),
        backend=backend,
    )
    return step, model


def names_in(source: str) -> list[str]:
    return [n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)]


def numbers_of(source: str) -> set[int]:
    """The k of every ``vk`` in the code (not in comments)."""
    return {int(n[1:]) for n in names_in(source) if re.fullmatch(r"v\d+", n)}


def code_lines(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if not line.strip().startswith("#")]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_2_2_1_mlp_reads_like_the_model(backend: str) -> None:
    step, model = mlp_step([2, 1], backend)
    source = step.source
    names = set(names_in(source))
    # every line short; the nodes numbered 1, 2, 3, ... without a gap
    assert max(len(line) for line in source.splitlines()) <= WIDTH
    assert numbers_of(source) == set(range(1, len(numbers_of(source)) + 1))
    # every identifier safe, none shadowing a builtin that the code assigns
    assert all(IDENTIFIER.fullmatch(n) for n in names)
    tree = ast.parse(source)
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and type(n.ctx) is ast.Store}
    assert not stored & set(dir(builtins))
    # no "x0, x1, = x": tuples unpacked without a trailing comma
    assert not [line for line in code_lines(source) if re.search(r",\s*\)?\s*=[^=]", line)]
    # the layers named in comments, the neurons' weighted sums after the neurons
    assert "# layer L0" in source and "# layer L1" in source
    assert {"L1_n0", "loss", "abs_y0"} <= names  # (numpy: L0's neurons are rows of H0 only)
    if backend == "python":
        # the parameters after named_parameters(), in its order, unpacked from P
        want = [identifier(short_name(name)) for name, _ in model.named_parameters()]
        assert want[:3] == ["L0_n0_w0", "L0_n0_w1", "L0_n0_b"]
        assert f"{', '.join(want)} = P" in code_lines(source)
        assert "L0_n0 = L0_n0_b + L0_n0_w0 * x0 + L0_n0_w1 * x1" in code_lines(source)
        assert "relu_L0_n0 = L0_n0 if L0_n0 > 0.0 else 0.0" in code_lines(source)
        assert {"G_" + w for w in want} <= names  # their gradients, summed over the batch
        # the finiteness bookkeeping in one place: one line, after the backward pass
        checks = [k for k, line in enumerate(code_lines(source)) if line.startswith("check +=")]
        assert len(checks) == 1
        assert checks[0] > code_lines(source).index("G_L0_n0_b += g_L0_n0")
    else:  # the layers' weights and biases: views of P, where the neurons lie in rows
        assert "M0 = Pa[0:6].reshape(2, 3)[:, :2]" in code_lines(source)
        assert "H0 += Pa[2:6:3, None]" in code_lines(source)
        assert "# layer L0: 2 neurons (L0.n0 .. L0.n1)" in source
        assert "check" not in names  # numpy raises on overflow instead


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_demo_network_has_no_line_longer_than_the_width(backend: str) -> None:
    step, _ = mlp_step([16, 16, 1], backend)
    lines = step.source.splitlines()
    assert max(len(line) for line in lines) <= WIDTH  # 2,256 characters before
    assert numbers_of(step.source) == set(range(1, len(numbers_of(step.source)) + 1))
    assert [line.strip() for line in lines if line.strip().startswith("# layer L")][:3] == (
        ["# layer L0", "# layer L1", "# layer L2"]
        if backend == "python"
        else [
            "# layer L0: 16 neurons (L0.n0 .. L0.n15)",
            "# layer L1: 16 neurons (L1.n0 .. L1.n15)",
            "# layer L2: 1 neuron (L2.n0)",
        ]
    )


def test_a_large_index_array_is_elided_with_its_shape() -> None:
    step, model = mlp_step([300, 1], "numpy", reverse=True)  # not in rows: index arrays
    assert "# W0: an array of shape (300, 2): [[1200, 1199], ..., [303, 302]]" in step.source
    assert "W0 = " not in step.source  # given to the code, not written in it
    assert "W1 = np.array(" not in step.source  # 300 weights: also too many to show
    assert "H1 += Pa[0:1, None]" in code_lines(step.source)  # one bias: a view still
    params = model.parameters()[::-1]
    xs, ys = [[0.5, -1.0], [1.0, 2.0]], [1.0, -1.0]

    def fn(x: Any, t: Any) -> Value:
        return losses.hinge_loss(model(x), t)

    assert_close(replayed(step, params, xs, ys), eager(fn, params, xs, ys))


@pytest.mark.parametrize("backend", BACKENDS)
def test_labels_in_comments_are_escaped_and_in_names_sanitized(backend: str) -> None:
    evil = "a\nimport os; os.remove('x')"
    w = [Value(0.5, label=f"{evil}.w{k}") for k in range(2)]
    b = Value(0.1, label=f"{evil}.b")
    params = [*w, b]

    def fn(x: Any, y: Any) -> Value:
        return (F.dot(w, x, b).tanh() - y) ** 2

    step = compile(fn, params, example=([1.0, 2.0], 0.0), backend=backend)
    for line in step.source.splitlines():
        assert line.isascii() and line.isprintable() and not line.lstrip().startswith("import")
    if backend == "python":  # the neuron's weighted sum, named through the sanitizer
        assert "a_import_os_os_remove_x" in names_in(step.source)
    assert "# layer a\\nimport os; os" in step.source  # its layer, escaped in a comment
    xs, ys = [[1.0, 2.0], [0.5, -0.5]], [0.0, 1.0]
    assert_close(replayed(step, params, xs, ys), eager(fn, params, xs, ys))


@pytest.mark.parametrize("backend", BACKENDS)
def test_unlabelled_parameters_keep_their_numbers(backend: str) -> None:
    w, b = Value(2.0), Value(0.5)
    step = compile(lambda x, y: (w * x + b - y) ** 2, [w, b], example=(1.0, 0.0), backend=backend)
    if backend == "python":
        assert "p0, p1 = P" in code_lines(step.source)
        assert {"G0", "G1"} <= set(names_in(step.source))
    assert numbers_of(step.source) == set(range(1, len(numbers_of(step.source)) + 1))


def _unwrapped(monkeypatch: pytest.MonkeyPatch, make: Any) -> tuple[str, str]:
    """(the source as written, the same source with no line broken)."""
    wrapped = make().source
    with monkeypatch.context() as m:
        for module in (python_backend, numpy_backend):
            m.setattr(module, "wrap_lines", lambda lines, width=WIDTH: list(lines))
        whole = make().source
    return wrapped, whole


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape", [(2, [16, 16, 1]), (150, [3, 1]), (2, [1])])
def test_wrapping_changes_the_layout_and_never_the_code(
    backend: str, shape: tuple[int, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    nin, sizes = shape  # 150 inputs: a dot of more than LONGEST_EXPRESSION terms, a call

    def make() -> Any:
        return mlp_step(sizes, backend, nin)[0]

    wrapped, whole = _unwrapped(monkeypatch, make)
    assert ast.dump(ast.parse(wrapped)) == ast.dump(ast.parse(whole))
    assert max(len(line) for line in wrapped.splitlines()) <= WIDTH
    assert wrapped.count("\n") >= whole.count("\n")


#: pieces of the lines the backends write: names, products, calls, literals
TERMS = st.sampled_from(
    [
        "x0",
        "L0_n12_w3",
        "g_relu_L0_n1",
        "(-1.5)",
        "2.0",
        "a * b",
        "f3(a, b)",
        "np.stack([a, b])",
        "tanh(0.79 * (w + 0.04 * (w * w)))",
        "(1.0 - out * out)",
        "-g1",
        "a / b",
    ]
)


@st.composite
def long_lines(draw: st.DrawFn) -> str:
    terms = draw(st.lists(TERMS, min_size=1, max_size=80))
    shape = draw(
        st.sampled_from(
            ["sum", "call", "tuple", "unpack", "list", "return", "augmented", "product", "one"]
        )
    )
    name = draw(st.sampled_from(["v1", "relu_L0_n3", "G_L1_n0_w12"]))
    if shape == "sum":
        return f"{name} = {' + '.join(terms)}"
    if shape == "product":  # a long template: products and differences of nested calls
        return f"{name} = {' * '.join(terms[:-1]) or '1.0'} - {terms[-1]}"
    if shape == "one":  # a tuple of one sum: its comma must stay
        return f"{name} = fsum(({' + '.join(terms)},))"
    if shape == "augmented":
        return f"{name} += {' + '.join(terms)}  # a comment"
    if shape == "call":
        return f"{name} = fsum(({', '.join(terms)},))"
    if shape == "tuple":
        return f"grads = ({', '.join(terms)},)"
    if shape == "list":
        return f"outs = [{', '.join(f'np.broadcast_to({t}, (n,))' for t in terms)}]"
    if shape == "return":
        return f"return fsum(losses), ({', '.join(terms)},), check, outs  # summed"
    names = [f"p{k}" for k in range(len(terms) + 1)]
    return f"{', '.join(names)} = P"


@settings(max_examples=200, deadline=None)
@given(line=long_lines(), indent=st.sampled_from(["", "    ", "        "]))
def test_wrap_lines_keeps_the_meaning_and_the_width(line: str, indent: str) -> None:
    def body(text: str) -> str:  # in a function, so that return parses
        return "def f():\n" + "\n".join("    " + t for t in text.splitlines()) + "\n"

    lines = wrap_lines([indent + line])
    assert ast.dump(ast.parse(body("\n".join(lines)))) == ast.dump(ast.parse(body(indent + line)))
    if ",))" not in line:  # (a tuple of one long sum has nowhere to break: meaning only)
        assert all(len(out) <= WIDTH for out in lines), lines


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=30, deadline=None)
@given(sample=expressions_with_inputs(("x", "w"), max_leaves=12))
def test_random_graphs_number_their_nodes_without_gaps(backend: str, sample: Any) -> None:
    expr = sample.expression
    w = Value(sample.inputs["w"], label="w")

    def fn(x: list[Value], y: Value) -> Value:
        return expr.evaluate({"x": x[0], "w": w}) + y * 0.5

    step = compile(fn, [w], example=([sample.inputs["x"]], 1.0), backend=backend)
    numbers = numbers_of(step.source)
    assert numbers == set(range(1, len(numbers) + 1))
    assert all(len(line) <= WIDTH for line in step.source.splitlines())


def test_a_long_chain_gathers_its_check_in_one_line_python_can_compile() -> None:
    w = Value(0.5, label="w")

    def chain(x: Any, y: Any) -> Value:
        v = x
        for _ in range(1600):  # 3,200 watched values: too deep for Python as a + b + ...
            v = (v * w).tanh()
        return (v - y) ** 2

    step = compile(chain, [w], example=(1.0, 0.0))
    assert [line.strip()[:18] for line in step.source.splitlines() if "check +=" in line] == [
        "check += sum(("
    ]
    assert_close(
        replayed(step, [w], [1.0, -0.5], [0.0, 1.0]), eager(chain, [w], [1.0, -0.5], [0.0, 1.0])
    )


def test_parameters_that_share_a_label_get_a_suffix_each() -> None:
    ws = [Value(0.1 * k, label="w") for k in range(4)]
    ws[3].label = "w_2"  # already the name the second w would get
    step = compile(lambda x, y: (F.sum([w * x for w in ws]) - y) ** 2, ws, example=(1.0, 0.0))
    assert "w, w_2, w_3, w_2_2 = P" in code_lines(step.source)
    assert_close(
        replayed(step, ws, [1.0, 2.0], [0.0, 1.0]),
        eager(lambda x, y: (F.sum([w * x for w in ws]) - y) ** 2, ws, [1.0, 2.0], [0.0, 1.0]),
    )


def test_the_readme_states_the_width_the_code_has() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = " ".join(
        text.split("## Compiling a training step", 1)[1].split("\n## ", 1)[0].split()
    )
    assert f"lines of at most {WIDTH} characters" in section
    assert "`layers.0.neurons.0.w.0` is labelled `L0.n0.w0`" in section
    assert short_name("layers.0.neurons.0.w.0") == "L0.n0.w0"
