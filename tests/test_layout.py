"""dot's layout (weights, inputs, an optional bias) is one fact that every reader uses.

The rule, the printer, the Hypothesis strategies, the renderer and the
compiler each meet a biased neuron here, and each must read its bias as a
bias: not as a weight, not dropped.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import find

from autograd_lite import PRIMITIVES, Value, compile, grad
from autograd_lite import functional as F
from autograd_lite.engine import apply
from autograd_lite.expression import expression_text
from autograd_lite.gradcheck import GradcheckError, gradcheck
from autograd_lite.ops import dot_layout
from autograd_lite.testing import Apply, expressions
from visualize.graph import Analysis

DOT = PRIMITIVES["dot"]


@pytest.mark.parametrize("count", range(8))
def test_the_layout_splits_weights_inputs_and_a_bias_when_the_count_is_odd(count: int) -> None:
    xs = list(range(count))
    w, x, b = dot_layout(count)
    assert DOT.layout is dot_layout
    assert len(xs[w]) == len(xs[x]) == count // 2
    assert xs[w] + xs[x] + ([] if b is None else [xs[b]]) == xs  # every input has one part
    assert (b is not None) == (count % 2 == 1)


@pytest.mark.parametrize("bad", [-1, 2.0, True, "3"])
def test_a_count_that_is_not_one_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="count of inputs"):
        dot_layout(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bias", [None, 0.25])
def test_the_rule_reads_the_bias_as_a_bias(bias: float | None) -> None:
    ws, xs = [0.5, -1.0, 2.0], [3.0, 0.5, -0.5]
    args = [*ws, *xs] + ([] if bias is None else [bias])
    b = 0.0 if bias is None else bias
    assert DOT.forward(*args) == b + sum(w * x for w, x in zip(ws, xs, strict=True))
    want = (*xs, *ws) + (() if bias is None else (1.0,))  # d/dw = x, d/dx = w, d/db = 1
    assert DOT.vjp(2.0, 0.0, *args) == tuple(2.0 * d for d in want)


def test_the_printer_and_a_gradcheck_message_keep_the_bias() -> None:
    w1, w2, x1, x2, b = (
        Value(v, label=n)
        for v, n in zip([0.5, -1.0, 2.0, 3.0, 0.25], ["w1", "w2", "x1", "x2", "b"], strict=True)
    )
    assert expression_text(F.dot([w1, w2], [x1, x2], b)) == "dot([w1, w2], [x1, x2], b)"
    wrong = dataclasses.replace(DOT, name="bad_dot", vjp=lambda g, out, *xs: (g,) * len(xs))

    def neuron(w1: Value, w2: Value, x1: Value, x2: Value, b: Value) -> Value:
        return apply(wrong, w1, w2, x1, x2, b)

    with pytest.raises(GradcheckError, match=r"bad_dot\(\[w1, w2\], \[x1, x2\], b\)"):
        gradcheck(neuron, [0.5, -1.0, 2.0, 3.0, 0.25])


@pytest.mark.slow
def test_the_strategies_draw_biased_neurons() -> None:
    biased = find(
        expressions(ops=["dot"]),
        lambda e: isinstance(e, Apply) and len(e.args) % 2 == 1,
    )
    assert isinstance(biased, Apply) and len(biased.args) == 3
    assert str(biased).count("[") == 2  # dot([a], [b], c): two lists and a bias


def test_the_renderer_names_a_biased_neuron_with_its_bias() -> None:
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(0.25, label="b")
    analysis = Analysis(F.dot([w], [x], b).tanh())
    assert "dot([w], [x], b)" in analysis.names


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_the_compiler_replays_a_biased_neuron(backend: str, n: int) -> None:
    ws = [Value(0.1 * (k + 1)) for k in range(n)]
    bias = Value(-0.3)

    def loss(x: list[Value], y: Value) -> Value:
        return (F.dot(ws, x, bias).tanh() - y) ** 2

    X = [[0.5 * k - 1.0 + j for k in range(n)] for j in range(4)]
    Y = [0.5, -0.5, 1.0, 0.0]
    step = compile(loss, [*ws, bias], example=(X[0], Y[0]), backend=backend)
    for p in [*ws, bias]:
        p.grad = 0.0
    got = step(X, Y)
    mean = F.sum([loss(x, y) for x, y in zip(X, Y, strict=True)]) / len(X)
    want = grad(mean, [*ws, bias])
    assert math.isclose(got, mean.data, rel_tol=1e-12)
    for p, g in zip([*ws, bias], want, strict=True):
        assert math.isclose(p.grad, float(g), rel_tol=1e-12, abs_tol=1e-15)
    assert bias.grad != 0.0  # the bias took its own gradient, not a weight's
