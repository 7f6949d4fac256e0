"""engine.walk_back: the one reverse walk that the Value backward, the diagrams and the compiler's
code generators share; and compile flattens a graph once."""

from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from autograd_lite import Value, compile, grad, losses, nn
from autograd_lite.engine import _Failed, apply, topological_order, walk_back
from autograd_lite.ops import Primitive
from autograd_lite.testing import expressions_with_inputs
from visualize.graph import Analysis

ROOT = Path(__file__).resolve().parent.parent


def float_edges(node: Value, g: float) -> list[tuple[int, Value, float]]:
    """Each input's contribution from the node's row, on floats (the rule alone)."""
    if node.op is None:
        return []
    gs = node.op.vjp(g, node.data, *[p.data for p in node.parents])
    return [(k, p, c) for k, (p, c) in enumerate(zip(node.parents, gs, strict=True))]


def test_the_walk_sums_a_node_used_twice_and_a_diamond() -> None:
    x = Value(3.0)
    a = x * x  # x used twice
    d = a.tanh() + a * 2.0  # a diamond: a feeds two paths that rejoin
    walked = {node: g for node, g, _ in walk_back(topological_order(d), {d: 1.0}, float_edges)}
    (want,) = grad(d, [x])
    assert walked[x] == want
    assert walked[a] == (1 - math.tanh(9.0) ** 2) + 2.0


def test_the_walk_visits_output_first_and_skips_nodes_without_a_gradient() -> None:
    x, unused = Value(2.0), Value(5.0)
    y = x * 3.0
    order = [*topological_order(y), unused]  # a node nothing sends a gradient to
    seen = [node for node, _, _ in walk_back(order, {y: 1.0}, float_edges)]
    assert seen[0] is y and unused not in seen and x in seen


def test_the_walk_hands_every_edge_to_the_hook_in_order() -> None:
    x = Value(2.0)
    y = x * x
    sent: list[tuple[Any, float]] = []

    def send(grads: dict[Any, Any], p: Any, c: Any) -> None:
        sent.append((p, c))
        grads[p] = grads.get(p, 0.0) + c

    steps = list(walk_back(topological_order(y), {y: 1.0}, float_edges, send))
    assert sent == [(x, 2.0), (x, 2.0)]
    assert [(k, c) for k, _, c in steps[0][2]] == [(0, 2.0), (1, 2.0)]


def test_a_failing_rule_names_its_node() -> None:
    x = Value(0.0)
    y = x.sqrt()  # d/dx sqrt(x) at 0 divides by zero
    with pytest.raises(_Failed) as info:
        list(walk_back(topological_order(y), {y: 1.0}, float_edges))
    assert info.value.args[0] is y and isinstance(info.value.args[1], ZeroDivisionError)


@settings(max_examples=60, deadline=None)
@given(sample=expressions_with_inputs(("x", "y")))
def test_the_walk_gives_what_the_engine_gives(sample: Any) -> None:
    leaves = {name: Value(v) for name, v in sample.inputs.items()}
    root = sample.expression.evaluate(leaves)
    if not root.requires_grad:
        return
    order = topological_order(root, constants=False)
    try:
        want = grad(root, order)
    except (ArithmeticError, ValueError):
        return  # a derivative that is not finite here: nothing to compare
    walked = {n: g for n, g, _ in walk_back(order, {root: 1.0}, float_edges)}
    for node, w in zip(order, want, strict=True):
        assert walked[node] == pytest.approx(w, rel=1e-12, abs=1e-300)


def test_every_backward_pass_but_the_float_one_is_the_walk() -> None:
    """The reverse loops the issue counted, by their source: each walks with walk_back. The
    engine's float loop stays its own (written out for speed: benchmarks/bench_walk.py)."""
    for path, function in (
        ("autograd_lite/engine.py", "_backprop_values"),
        ("visualize/graph.py", "steps"),
        ("autograd_lite/compile/python_backend.py", "_python_backward"),
        ("autograd_lite/compile/numpy_backend.py", "_numpy_backward"),
    ):
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        [body] = [
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function
        ]
        assert "walk_back(" in ast.unparse(body), (path, function)
        # and no loop of its own over the nodes backwards
        assert not any(_reverse(n) for n in ast.walk(body) if isinstance(n, ast.For)), path


def _reverse(loop: ast.stmt) -> bool:
    """Whether a loop runs over something reversed (a second backward loop)."""
    text = ast.unparse(loop.iter) if isinstance(loop, ast.For) else ""
    return "reversed(" in text or "-1, -1" in text


def test_the_diagram_calls_each_rule_twice_per_node() -> None:
    """Once in the walk, once for the local derivative of the edge labels (it was three:
    a replay of the backward pass, then twice more per node)."""
    calls = [0]

    def vjp(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
        calls[0] += 1
        return g * b, g * a

    times = Primitive("times", "×", 2, lambda a, b: a * b, vjp, lambda a, b: True, "a times b")
    x, w = Value(0.5), Value(-1.5)
    y = apply(times, apply(times, x, w), w)
    steps = Analysis(y).steps
    assert calls[0] == 4 and len(steps) == 4


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_compile_flattens_the_graph_once(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each node's inputs are read once while a step is made (the tape), not walked again."""
    model = nn.MLP(2, [4, 1], seed=0)
    reads: dict[int, int] = {}
    parents = Value.parents

    def counted(self: Value) -> tuple[Value, ...]:
        reads[id(self)] = reads.get(id(self), 0) + 1
        return parents.fget(self)  # type: ignore[no-any-return, misc]

    monkeypatch.setattr(Value, "parents", property(counted))
    step = compile(
        lambda x, y: losses.hinge_loss(model(x), y),
        model.parameters(),
        example=([0.5, -1.0], 1.0),
        backend=backend,
    )
    assert step.nodes > 30 and reads and max(reads.values()) == 1
