"""Engine benchmarks against micrograd==0.1.0, measured in the same process.

    pip install -e ".[bench]" && python benchmarks/bench_engine.py

Prints ratios (micrograd time / ours, ours memory / micrograd's). These
machines are shared and noisy, so timings are CPU time of this process
(time.process_time, which other processes disturb far less than the wall
clock), rounds of the two libraries alternate, each figure is the best of
its rounds, and only the ratios are worth comparing between runs.

1. A 2,000,000-operation chain: forward, backward and freeing, at the
   default recursion limit (micrograd's recursive sort fails near depth 1000).
2. A graph of about 100k mixed operations (+, *, tanh): forward, backward and
   freeing the graph, with Python's garbage collector on (the default) and
   off for both libraries. micrograd gets a raised recursion limit here.
3. Memory per graph node: tracemalloc's peak while building that graph.
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from autograd_lite import Value

try:
    from micrograd.engine import Value as MicroValue
except ImportError:  # pragma: no cover - the benchmark needs its peer
    sys.exit('micrograd is missing: pip install -e ".[bench]"')


def _micrograd_tanh(self: Any) -> Any:
    """tanh for micrograd, written its way: a closure that adds into .grad."""
    t = math.tanh(self.data)
    out = MicroValue(t, (self,), "tanh")

    def _backward() -> None:
        self.grad += (1 - t * t) * out.grad

    out._backward = _backward
    return out


MicroValue.tanh = _micrograd_tanh  # micrograd 0.1.0 has no tanh


def program(n_ops: int, seed: int = 0) -> tuple[list[float], list[tuple[int, int, int]]]:
    """The random choices of ``mixed_graph``, drawn once so that only the libraries are timed."""
    rng = random.Random(seed)
    leaves = [rng.uniform(-1.0, 1.0) for _ in range(32)]
    steps = [(rng.randrange(32), rng.randrange(32), rng.randrange(32)) for _ in range(n_ops // 3)]
    return leaves, steps


def mixed_graph(
    value: Callable[[float], Any], n_ops: int, seed: int = 0, leaves_out: list[Any] | None = None
) -> Any:
    """tanh(a * b + previous), repeated: n_ops operations of +, * and tanh.

    a and b are drawn from a pool of recent outputs and leaves, so every value
    stays in [-1, 1] and every node is reachable from the root.
    """
    leaves, steps = _PROGRAMS.get((n_ops, seed)) or _PROGRAMS.setdefault(
        (n_ops, seed), program(n_ops, seed)
    )
    pool = [value(x) for x in leaves]
    if leaves_out is not None:
        leaves_out.extend(pool)
    out = pool[0]
    for i, j, k in steps:
        out = (pool[i] * pool[j] + out).tanh()
        pool[k] = out
    return out


_PROGRAMS: dict[tuple[int, int], tuple[list[float], list[tuple[int, int, int]]]] = {}


def _timed(fn: Callable[[], Any]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def _one_round(value: Callable[[float], Any], n_ops: int, gc_enabled: bool) -> dict[str, float]:
    gc.collect()
    if gc_enabled:
        gc.enable()
    else:
        gc.disable()
    try:
        holder: list[Any] = []
        t_fwd = _timed(lambda: holder.append(mixed_graph(value, n_ops)))
        t_bwd = _timed(lambda: holder[0].backward())

        def free() -> None:
            holder.clear()
            if gc_enabled:
                gc.collect()  # whatever only the cycle collector can free

        t_free = _timed(free)
    finally:
        gc.enable()
    return {"forward": t_fwd, "backward": t_bwd, "free": t_free}


def time_graphs(
    values: dict[str, Callable[[float], Any]], n_ops: int, gc_enabled: bool, rounds: int
) -> dict[str, dict[str, float]]:
    """Best-of-rounds CPU seconds for forward, backward and freeing, per library.

    The libraries take turns round by round, so that a noisy spell on the
    machine hurts both alike.
    """
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in values}
    for _ in range(rounds):
        for name, value in values.items():
            runs[name].append(_one_round(value, n_ops, gc_enabled))
    best: dict[str, dict[str, float]] = {}
    for name, rs in runs.items():
        b = {key: min(r[key] for r in rs) for key in ("forward", "backward", "free")}
        b["total"] = min(sum(r.values()) for r in rs)
        best[name] = b
    return best


def bytes_per_node(value: Callable[[float], Any], n_ops: int) -> float:
    gc.collect()
    tracemalloc.start()
    root = mixed_graph(value, n_ops)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del root
    gc.collect()
    return peak / n_ops


def long_chain(n: int) -> dict[str, float]:
    """x -> 1 - x as x * -1 + 1: n operations, and d(out)/dx = +-1 at the end."""
    times: dict[str, float] = {}
    x = Value(0.3)
    holder: list[Value] = []

    def forward() -> None:
        y = x
        for _ in range(n // 2):
            y = y * -1.0 + 1.0
        holder.append(y)

    times["forward"] = _timed(forward)
    times["backward"] = _timed(lambda: holder[0].backward())
    times["free"] = _timed(holder.clear)
    times["grad"] = x.grad
    return times


def micrograd_chain_depth_limit() -> str:
    """Whether micrograd survives a 2,000-operation chain."""
    y = MicroValue(0.3)
    for _ in range(1000):
        y = y * -1.0 + 1.0
    try:
        y.backward()
    except RecursionError:
        return "RecursionError"
    return "ok"


def same_gradients(n_ops: int) -> float:
    """Largest relative difference between the two libraries' leaf gradients."""
    ours: list[Any] = []
    theirs: list[Any] = []
    mixed_graph(Value, n_ops, leaves_out=ours).backward()
    mixed_graph(MicroValue, n_ops, leaves_out=theirs).backward()
    return max(
        abs(a.grad - b.grad) / max(abs(b.grad), 1e-300) for a, b in zip(ours, theirs, strict=True)
    )


def _ratio(theirs: float, ours: float) -> str:
    if theirs < 1e-4:  # micrograd with gc off frees nothing: its cycles just stay
        return "   (micrograd frees nothing)"
    return f"  -> {theirs / ours:5.1f}x faster"


def main(argv: list[str] | None = None) -> int:
    # micrograd's recursive topological sort needs a deep stack for this graph;
    # the long-chain part below runs first, at the default recursion limit.
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=100_000, help="operations in the mixed graph")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per timing (best is kept)")
    parser.add_argument("--chain", type=int, default=2_000_000, help="operations in the long chain")
    args = parser.parse_args(argv)

    print(f"Python {sys.version.split()[0]}")
    print(
        f"\n1. a {args.chain:,}-op chain at the default recursion limit ({sys.getrecursionlimit()})"
    )
    chain = long_chain(args.chain)
    print(
        f"   forward {chain['forward']:.2f} s, backward {chain['backward']:.2f} s, "
        f"free {chain['free']:.2f} s; d(out)/dx = {chain['grad']:+.0f} (exact: +-1)"
    )
    print(f"   micrograd on a 2,000-op chain: {micrograd_chain_depth_limit()}")

    sys.setrecursionlimit(1_000_000)  # for micrograd only: our engine never recurses
    diff = same_gradients(args.ops)
    print(f"\n   both libraries' leaf gradients on the mixed graph agree to {diff:.1e} (relative)")
    if diff > 1e-9:
        print("   ERROR: the gradients differ")
        return 1
    print(f"\n2. mixed graph of {args.ops:,} ops (+, *, tanh): best of {args.rounds}, CPU seconds")
    for gc_enabled in (True, False):
        both = time_graphs(
            {"ours": Value, "micrograd": MicroValue}, args.ops, gc_enabled, args.rounds
        )
        ours, theirs = both["ours"], both["micrograd"]
        label = "gc on (default)" if gc_enabled else "gc off for both"
        print(f"   {label}:")
        for key in ("forward", "backward", "free", "total"):
            print(
                f"     {key:9s} autograd_lite {ours[key]:8.4f}  micrograd {theirs[key]:8.4f}"
                + _ratio(theirs[key], ours[key])
            )

    ours_b = bytes_per_node(Value, args.ops)
    theirs_b = bytes_per_node(MicroValue, args.ops)
    print("\n3. memory while building that graph (tracemalloc peak / ops)")
    print(
        f"   autograd_lite {ours_b:6.0f} B/node  micrograd {theirs_b:6.0f} B/node"
        f"  -> {100 * ours_b / theirs_b:4.1f}% of micrograd's"
    )

    return 0


if __name__ == "__main__":
    sys.exit(main())
