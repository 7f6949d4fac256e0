"""Review of the one reverse walk (``engine.walk_back``) on deep graphs (issue 17, item 2).

A chain of 100,000 nodes: the Value backward with ``create_graph`` and the
diagrams' backward steps walk it without recursion and within bounded
memory, and the diagrams still refuse a graph over ``max_nodes`` before any
rule runs.
"""

from __future__ import annotations

import math
import tracemalloc

import pytest

import visualize
import visualize.graph as graph
from autograd_lite import Value

NODES = 100_000


def _chain(n: int) -> tuple[Value, Value]:
    """x, then n nodes, each the tanh of the one before (so every gradient is a Value)."""
    x = Value(0.5)
    y = x
    for _ in range(n):
        y = y.tanh()
    return x, y


def _expected_grad(n: int) -> float:
    """d/dx of tanh applied n times, at 0.5, by the chain rule on floats."""
    v, g = 0.5, 1.0
    for _ in range(n):
        v = math.tanh(v)
        g *= 1.0 - v * v
    return g


@pytest.mark.slow
def test_create_graph_backward_walks_a_100000_node_chain_in_bounded_memory() -> None:
    x, y = _chain(NODES)
    tracemalloc.start()
    try:
        y.backward(create_graph=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(x.grad, Value)
    assert x.grad.data == pytest.approx(_expected_grad(NODES), rel=1e-9)
    # the new graph holds a few nodes per node walked: 50 MB measured at 100,000 (tracemalloc)
    assert peak < 400 * 2**20, f"peak {peak / 2**20:.0f} MB"
    g = x.grad
    x.grad = 0.0
    g.backward()  # and the gradient's own graph, just as deep, walks back too
    assert isinstance(x.grad, float)


@pytest.mark.slow
def test_the_diagrams_backward_steps_walk_a_100000_node_chain() -> None:
    _, y = _chain(NODES)
    steps = graph.Analysis(y).steps
    assert len(steps) == NODES + 1
    assert steps[-1].grad == pytest.approx(_expected_grad(NODES), rel=1e-9)


def test_the_diagrams_refuse_a_big_graph_before_any_rule_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, y = _chain(5_000)

    def no_rule(*args: object) -> object:
        raise AssertionError("a rule ran before max_nodes refused the graph")

    monkeypatch.setattr(graph, "_vjp", no_rule)
    monkeypatch.setattr(graph, "walk_back", no_rule)
    with pytest.raises(visualize.GraphTooLargeError, match="max_nodes=500"):
        visualize.draw_graph(y)
    with pytest.raises(visualize.GraphTooLargeError, match="max_nodes=100"):
        visualize.draw_graph(y, backward_view=True, max_nodes=100)
