"""The engine's float backward loop against the shared walk (engine.walk_back), in one process.

    python benchmarks/bench_walk.py

Every backward pass but one walks the graph with ``engine.walk_back``: the
Value backward (``create_graph``), the diagrams and the compiler's code
generators. The float backward, the everyday path, keeps a loop of its own
with the commonest rules written out. This measures what walking it with
``walk_back`` would cost: both run the same rules (the written-out ones
too) on the same graph of mixed ``+``, ``*`` and ``tanh`` (bench_engine's),
with the garbage collector off; CPU time, best of ``--rounds`` alternating
rounds. Both must give the same gradients, bit for bit.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from typing import Any

from autograd_lite import Value
from autograd_lite import engine as E
from autograd_lite.ops import PRIMITIVES

_MUL, _ADD, _TANH = PRIMITIVES["mul"], PRIMITIVES["add"], PRIMITIVES["tanh"]


def float_edges(node: Any, g: float) -> Any:
    """The float loop's rules as a walk's rule: the same special cases, the same order of
    sending (a binary node's second input first)."""
    op = node._row
    if op is None:
        return ()
    a = node._a
    if a is None:
        inputs = node._inputs
        gs = op.vjp(g, node._data, *[p._data for p in inputs])
        return [(k, p, c) for k, (p, c) in enumerate(zip(inputs, gs, strict=True)) if p._rg]
    b = node._b
    if op is _TANH:
        out = node._data
        return ((0, a, g * (1 - out * out)),) if a._rg else ()
    if b is None:
        (ga,) = op.vjp(g, node._data, a._data)
        return ((0, a, ga),) if a._rg else ()
    if op is _MUL:
        ga, gb = g * b._data, g * a._data
    elif op is _ADD:
        ga = gb = g
    else:
        ga, gb = op.vjp(g, node._data, a._data, b._data)
    return [e for e in ((1, b, gb), (0, a, ga)) if e[1]._rg]


def mixed_graph(n_ops: int, seed: int = 0) -> Value:
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-1.0, 1.0)) for _ in range(32)]
    out = leaves[0]
    for _ in range(n_ops // 3):
        out = (leaves[rng.randrange(32)] * leaves[rng.randrange(32)] + out).tanh()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=100_000, help="operations in the graph")
    parser.add_argument("--rounds", type=int, default=15, help="rounds (best is kept)")
    args = parser.parse_args(argv)
    order = E.topological_order(mixed_graph(args.ops), constants=False)
    loop_found = E._backprop_floats(order, {order[-1]: 1.0})
    walked = [g for _, g, _ in E.walk_back(order, {order[-1]: 1.0}, float_edges)]
    if walked != loop_found:
        print("the walk and the float loop disagree")
        return 1
    loop, walk = [], []
    gc.disable()
    for _ in range(args.rounds):
        start = time.process_time()
        E._backprop_floats(order, {order[-1]: 1.0})
        loop.append(time.process_time() - start)
        start = time.process_time()
        for _ in E.walk_back(order, {order[-1]: 1.0}, float_edges):
            pass
        walk.append(time.process_time() - start)
    gc.enable()
    print(f"backward over {len(order):,} nodes, CPU s, best of {args.rounds}:")
    print(f"  float loop  {min(loop):.4f}")
    print(f"  walk_back   {min(walk):.4f}  ->  {min(walk) / min(loop):.2f}x the float loop's time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
