"""One flattening: the engine, the diagrams and the compiler walk a graph the same way."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import example, given, settings

from autograd_lite import Value, compile, topological_order
from autograd_lite.engine import backward_replay
from autograd_lite.ops import PRIMITIVES
from autograd_lite.testing import Apply, Sample, Variable, expressions_with_inputs
from visualize.graph import Analysis

_X = Variable("x")
#: x's three contributions add up to 1 + a - a, which rounds away from 1 in one order
X_PLUS_X_OVER_X = Apply(PRIMITIVES["add"], (_X, Apply(PRIMITIVES["div"], (_X, _X))))


@settings(max_examples=80, deadline=None)
@given(sample=expressions_with_inputs(("x", "y")))
@example(sample=Sample(X_PLUS_X_OVER_X, {"x": 0.88419388784002, "y": 1.0}))
def test_the_diagram_replay_is_the_engines_backward_pass(sample: Any) -> None:
    leaves = {name: Value(v) for name, v in sample.inputs.items()}
    root = sample.expression.evaluate(leaves)
    if not root.requires_grad:
        return
    steps = Analysis(root).steps
    root.backward()
    order = topological_order(root)
    got = {order[s.node]: s.grad for s in steps}
    for node in order:
        if node.requires_grad:
            assert got[node] == node.grad  # bit for bit: the engine's own loop
    # every edge adds upstream x local into its input, and those add up to the input's total
    # (to rounding: the engine may add them in another order, and x + x / x has 1 + a - a)
    sums: dict[int, float] = {}
    sizes: dict[int, float] = {}
    for s in steps:
        for c in s.contributions:
            sums[c.parent] = sums.get(c.parent, 0.0) + c.value
            sizes[c.parent] = sizes.get(c.parent, 0.0) + abs(c.value)
    for s in steps:
        if s.node in sums:
            assert abs(sums[s.node] - s.grad) <= 1e-12 * sizes[s.node], (sums[s.node], s.grad)


def test_a_failing_derivative_is_nan_in_the_diagram_and_an_error_in_backward() -> None:
    x = Value(0.0)
    y = x.sqrt() + x
    order = topological_order(y, constants=False)
    grads = backward_replay(order, strict=False)
    assert math.isnan(grads[0])  # d sqrt(x)/dx at 0 is not finite
    with pytest.raises(ZeroDivisionError, match="backward through sqrt"):
        backward_replay(order)
    assert x.grad == 0.0  # nothing written


def test_the_compiler_records_the_engines_order() -> None:
    w = Value(0.5)
    step = compile(lambda x, t: (w * x[0] + w).tanh() * t, [w], example=([1.0], 1.0))
    nodes = step.tape.nodes
    assert [n.kind for n in nodes] == ["param", "x", "op", "op", "op", "y", "op"]
    assert nodes[step.tape.root].op is not None and nodes[step.tape.root].op.name == "mul"
