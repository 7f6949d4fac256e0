"""Code written along micrograd's lecture runs unchanged on our Values.

That code reads ``v._prev`` (the set of a node's inputs) and ``v._op`` (the
operation's symbol as a string, ``''`` for a leaf) to draw the graph. The
drawing function below is written in that style (our own code): it walks
``_prev`` and builds a ``graphviz.Digraph`` with a small node for each
operation.
"""

import pickle
from typing import Any

import graphviz
import pytest

from autograd_lite import Value, functional


def walk(root: Any) -> tuple[set[Any], set[tuple[Any, Any]]]:
    """Every node behind ``root`` and every (input, node) edge, through ``_prev`` only."""
    seen: set[Any] = set()
    links: set[tuple[Any, Any]] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for src in node._prev:
            links.add((src, node))
            todo.append(src)
    return seen, links


def draw_dot(root: Any) -> graphviz.Digraph:
    """A micrograd-style drawing: a record per value, an oval per operation."""
    g = graphviz.Digraph(graph_attr={"rankdir": "LR"})
    seen, links = walk(root)
    for node in seen:
        key = str(id(node))
        g.node(key, label=f"{{ data {node.data:.4f} | grad {node.grad:.4f} }}", shape="record")
        if node._op:
            g.node(key + node._op, label=node._op)
            g.edge(key + node._op, key)
    for src, dst in links:
        g.edge(str(id(src)), str(id(dst)) + dst._op)
    return g


def counts(g: graphviz.Digraph) -> tuple[int, int, list[str]]:
    """(value nodes, edges, sorted op labels) read back from the DOT text."""
    lines = [line.strip() for line in g.body]
    edges = [line for line in lines if "->" in line]
    records = [line for line in lines if "shape=record" in line]
    ops = sorted(
        line.split("label=", 1)[1].strip('"]').strip()
        for line in lines
        if "->" not in line and "shape=record" not in line
    )
    return len(records), len(edges), ops


def lecture_graph() -> Value:
    a, b, c = Value(2.0), Value(-3.0), Value(10.0)
    e = a * b
    d = e + c
    f = Value(-2.0)
    return d * f


def test_the_lecture_expression_is_drawn_with_its_nodes_edges_and_ops() -> None:
    loss = lecture_graph()
    loss.backward()
    # 7 values; 3 ops; each op node has one edge out and one per input (2 each)
    assert counts(draw_dot(loss)) == (7, 3 + 6, ["*", "*", "+"])


def test_a_node_used_twice_is_one_input() -> None:
    x = Value(3.0)
    y = x * x
    assert y._prev == {x}
    assert counts(draw_dot(y)) == (2, 1 + 1, ["*"])


def test_a_diamond_is_drawn_once_per_node() -> None:
    a = Value(0.5)
    top, bottom = a.tanh(), a.exp()
    d = top + bottom
    assert d._prev == {top, bottom}
    assert (top._op, bottom._op, d._op, a._op) == ("tanh", "exp", "+", "")
    # a feeds both paths: 4 values, 3 ops, edges 3 (op -> value) + 4 (inputs)
    assert counts(draw_dot(d)) == (4, 3 + 4, ["+", "exp", "tanh"])


def test_ops_read_as_micrograd_writes_them() -> None:
    x = Value(-1.5)
    assert (x**2)._op == "**2"
    assert (x**-1)._op == "**-1"
    assert (Value(4.0) ** 0.5)._op == "**0.5"
    assert x.relu()._op == "ReLU"
    assert (x + 1)._op == "+"
    assert (2 * x)._op == "*"
    # rows micrograd builds from others keep their own symbol (documented on Value._op)
    assert ((x - 1)._op, (x / 2)._op, (-x)._op) == ("-", "/", "neg")
    assert (Value(2.0) ** Value(3.0))._op == "**"  # a Value exponent is an input
    assert functional.sum([x, x, 1.0])._op == "sum"


def test_a_constant_exponent_is_not_an_input_but_a_constant_operand_is() -> None:
    x = Value(2.0)
    assert (x**3)._prev == {x}  # micrograd: the exponent is a plain number
    y = x * 2  # micrograd: 2 becomes a Value and an input
    assert len(y._prev) == 2 and x in y._prev
    e = Value(3.0)
    assert (x**e)._prev == {x, e}
    assert Value(1.0)._prev == set()


def test_same_drawing_as_micrograd_for_the_same_expression() -> None:
    micrograd = pytest.importorskip("micrograd.engine", reason="micrograd is not installed")

    def build(cls: Any) -> Any:
        a, b = cls(2.0), cls(-3.0)
        c = a * b + a  # a shared node
        h = (c**2).relu() + c * 0.5  # a diamond through c, a constant operand
        return h * h + b

    ours, theirs = build(Value), build(micrograd.Value)
    assert ours.data == theirs.data
    assert counts(draw_dot(ours)) == counts(draw_dot(theirs))


def test_prev_and_op_are_read_only() -> None:
    y = Value(1.0) + 2
    with pytest.raises(AttributeError):
        y._op = "*"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        y._prev = set()  # type: ignore[misc]
    assert y._op == "+"


def test_a_leaf_pickled_with_the_old_slot_name_still_loads() -> None:
    # the slot that holds the primitive used to be named _op: protocol 2 writes each slot
    # name as BINUNICODE (b"X", a 4-byte length, the text), so renaming it in the bytes
    # gives what an old version pickled
    new = pickle.dumps(Value(1.5, label="w"), protocol=2)
    assert new.count(b"X\x04\x00\x00\x00_row") == 1
    old = new.replace(b"X\x04\x00\x00\x00_row", b"X\x03\x00\x00\x00_op")
    v = pickle.loads(old)
    assert type(v) is Value
    assert (v.data, v.grad, v.label, v.is_leaf, v._op, v._prev) == (1.5, 0.0, "w", True, "", set())
    (v * 2).backward()
    assert v.grad == 2.0
