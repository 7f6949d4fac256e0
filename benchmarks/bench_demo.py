"""The training benchmark: micrograd's own demo, step by step, against micrograd==0.1.0.

    pip install -e ".[bench]" && python benchmarks/bench_demo.py          # ~2 minutes
    python benchmarks/bench_demo.py --steps 20 --epochs 2                 # quicker

1. micrograd's demo: MLP(2, [16, 16, 1]), hinge loss + 1e-4 L2, the full
   batch of 100 two-moons points (our make_moons, the same data for both),
   SGD with learning rate 1.0 - 0.9 k/100. Both start from micrograd's
   initial weights (copied into ours). Each step runs in both libraries,
   alternately, in this process: the losses must agree to 1e-9 at every
   step, and each library's step is timed with CPU time (time.process_time:
   other processes on a shared machine disturb it far less than the wall
   clock), from the forward pass to the graph being freed. Freeing counts:
   micrograd's graph is full of reference cycles (closures), so it needs
   gc.collect(); ours has none and is freed when the last reference goes.
2. A bigger workload: 10 classes of Gaussian blobs in 8 dimensions, 1,000
   points, MLP(8, [32, 32, 10]), multi-class hinge loss (micrograd has no
   exp/log for cross-entropy), SGD, mini-batches of 50. Ours trains with
   fit() for whole epochs; micrograd runs the same loop for a few batches
   and its time per epoch is extrapolated from them.
3. ``autograd-lite demo`` with its defaults: training accuracy and time.

Exit status 1 if the losses ever differ by more than 1e-9 or the default
demo misses 100% training accuracy.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

from autograd_lite import functional as F
from autograd_lite import nn, optim, topological_order
from autograd_lite.data import Standardizer, batches, make_blobs, make_moons
from autograd_lite.losses import hinge_loss
from autograd_lite.train import fit

try:
    from micrograd import nn as mg_nn
    from micrograd.engine import Value as MicroValue
except ImportError:  # pragma: no cover - the benchmark needs its peer
    sys.exit('micrograd is missing: pip install -e ".[bench]"')

TOLERANCE = 1e-9
TARGET = 25.0  # the speed-up per step the project promises
PHASES = ("forward", "backward", "update", "free")


# -- one step of micrograd's demo, in each library ------------------------------------


def micrograd_step(
    model: Any, X: list[list[float]], y: list[int], k: int
) -> tuple[float, float, dict[str, float]]:
    """micrograd's demo notebook, step k: (loss, accuracy, CPU seconds per phase)."""
    t0 = time.process_time()
    inputs = [list(map(MicroValue, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    acc = sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores, strict=True)) / len(y)
    t1 = time.process_time()
    model.zero_grad()
    total.backward()
    t2 = time.process_time()
    lr = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= lr * p.grad
    t3 = time.process_time()
    loss = total.data
    del inputs, scores, losses, data_loss, reg_loss, total
    gc.collect()  # the closures make cycles: only the cyclic collector frees them
    t4 = time.process_time()
    return loss, acc, dict(zip(PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True))


def our_loss(model: nn.MLP, X: list[list[float]], y: list[int]) -> tuple[Any, list[Any]]:
    """micrograd's demo loss with autograd_lite: mean hinge loss + 1e-4 * sum of p^2."""
    params = model.parameters()
    scores = [model(x) for x in X]
    data_loss = F.sum([hinge_loss(s, yi) for s, yi in zip(scores, y, strict=True)]) / len(X)
    return data_loss + 1e-4 * F.dot(params, params), scores  # sum of p^2 as one node


def our_step(
    model: nn.MLP, opt: optim.SGD, sched: optim.LambdaLR, X: list[list[float]], y: list[int]
) -> tuple[float, float, dict[str, float]]:
    """The same step with autograd_lite: (loss, accuracy, CPU seconds per phase)."""
    t0 = time.process_time()
    total, scores = our_loss(model, X, y)
    acc = sum((yi > 0) == (s.data > 0) for yi, s in zip(y, scores, strict=True)) / len(y)
    t1 = time.process_time()
    opt.zero_grad()
    total.backward()
    t2 = time.process_time()
    opt.step()
    sched.step()
    t3 = time.process_time()
    loss = total.data
    del scores, total  # no cycles: the graph goes with its last reference
    t4 = time.process_time()
    return loss, acc, dict(zip(PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True))


def _micrograd_nodes(root: Any) -> int:
    seen: set[int] = set()
    stack = [root]
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v))
            stack.extend(v._prev)
    return len(seen)


def micrograd_demo(
    steps: int,
) -> tuple[
    list[tuple[float, float]],
    list[tuple[float, float]],
    dict[str, list[float]],
    dict[str, list[float]],
    tuple[int, int],
]:
    X, labels = make_moons(100, noise=0.1, seed=1337)
    y = [2 * t - 1 for t in labels]  # micrograd's demo uses -1 / +1
    random.seed(1337)
    theirs = mg_nn.MLP(2, [16, 16, 1])
    ours = nn.MLP(2, [16, 16, 1], seed=0)
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        p.data = float(q.data)  # start from micrograd's initial weights
    opt = optim.SGD(ours.parameters(), lr=1.0)
    sched = optim.LambdaLR(opt, lambda k: 1.0 - 0.9 * k / 100)

    node_counts = (
        len(topological_order(our_loss(ours, X, y)[0])),
        _micrograd_graph_size(theirs, X, y),
    )
    results_ours: list[tuple[float, float]] = []
    results_theirs: list[tuple[float, float]] = []
    times_ours: dict[str, list[float]] = {p: [] for p in PHASES}
    times_theirs: dict[str, list[float]] = {p: [] for p in PHASES}
    for k in range(steps):
        # alternate which library goes first, so neither always runs on a warmer machine
        first_theirs = k % 2 == 0
        if first_theirs:
            lt, at, tt = micrograd_step(theirs, X, y, k)
        lo, ao, to = our_step(ours, opt, sched, X, y)
        if not first_theirs:
            lt, at, tt = micrograd_step(theirs, X, y, k)
        results_ours.append((lo, ao))
        results_theirs.append((lt, at))
        for phase in PHASES:
            times_ours[phase].append(to[phase])
            times_theirs[phase].append(tt[phase])
        mark = "ok" if abs(lo - lt) <= TOLERANCE else "DIFFERENT"
        print(
            f"  step {k:3d}  loss {lo:.9f} / {lt:.9f}  |diff| {abs(lo - lt):.1e} {mark}  "
            f"accuracy {ao:.0%} / {at:.0%}  time {sum(to.values()) * 1e3:6.1f} ms / "
            f"{sum(tt.values()) * 1e3:6.0f} ms",
            flush=True,
        )
    return results_ours, results_theirs, times_ours, times_theirs, node_counts


def _micrograd_graph_size(model: Any, X: list[list[float]], y: list[int]) -> int:
    scores = [model(list(map(MicroValue, row))) for row in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
    total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    n = _micrograd_nodes(total)
    del scores, losses, total
    gc.collect()
    return n


# -- the bigger workload ----------------------------------------------------------------------


def _blobs() -> tuple[list[list[float]], list[int]]:
    X, y = make_blobs(1000, centers=10, n_features=8, noise=2.0, seed=0)
    return Standardizer().fit_transform(X), y


def _micrograd_multi_margin(scores: Sequence[Any], target: int) -> Any:
    k = len(scores)
    terms = [(1.0 - scores[target] + scores[j]).relu() for j in range(k) if j != target]
    return sum(terms) * (1.0 / k)


def bigger_workload(epochs: int, micro_batches: int) -> dict[str, Any]:
    X, y = _blobs()
    batch = 50
    per_epoch = len(X) // batch
    # ours: fit() for whole epochs
    model = nn.MLP(8, [32, 32, 10], init="he_uniform", seed=0)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    gc.collect()
    t = time.process_time()
    history = fit(
        model, hinge_loss, opt, (X, y), epochs=epochs, batch_size=batch, progress=False, seed=0
    )
    ours_epoch = (time.process_time() - t) / epochs
    # micrograd: the same kind of step (forward, loss, backward, SGD, free) for a few batches
    random.seed(0)
    theirs = mg_nn.MLP(8, [32, 32, 10])
    step_times = []
    for xb, yb in list(batches(X, y, batch_size=batch, seed=0))[:micro_batches]:
        t = time.process_time()
        outs = [theirs(list(map(MicroValue, row))) for row in xb]
        loss = sum(_micrograd_multi_margin(o, c) for o, c in zip(outs, yb, strict=True)) * (
            1.0 / len(xb)
        )
        theirs.zero_grad()
        loss.backward()
        for p in theirs.parameters():
            p.data -= 0.05 * p.grad
        del outs, loss
        gc.collect()
        step_times.append(time.process_time() - t)
    return {
        "ours_epoch": ours_epoch,
        "theirs_epoch": statistics.median(step_times) * per_epoch,
        "batches_per_epoch": per_epoch,
        "accuracy": history.accuracy[-1],
        "loss": history.loss[-1],
        "epochs": epochs,
        "micro_batches": micro_batches,
    }


# -- the default demo --------------------------------------------------------------------------


def default_demo() -> tuple[float, float]:
    from autograd_lite import demo
    from autograd_lite.cli import build_parser

    args = build_parser().parse_args(["demo", "--no-progress"])
    t = time.perf_counter()
    result = demo.train(args, log=lambda line: None)
    return float(result.history.accuracy[-1] or 0.0), time.perf_counter() - t


# -- report ----------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="demo steps compared (default 100)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs of the 10-class workload")
    parser.add_argument(
        "--micro-batches", type=int, default=4, help="micrograd batches timed there"
    )
    args = parser.parse_args(argv)

    print(f"1. micrograd's demo, {args.steps} steps (loss ours / micrograd, time ours / micrograd)")
    ro, rt, to, tt, (n_ours, n_theirs) = micrograd_demo(args.steps)
    worst = max(abs(a[0] - b[0]) for a, b in zip(ro, rt, strict=True))
    step_ours = statistics.median([sum(p) for p in zip(*to.values(), strict=True)])
    step_theirs = statistics.median([sum(p) for p in zip(*tt.values(), strict=True)])

    print(
        f"\n2. 10-class workload: {args.epochs} epochs of ours, "
        f"{args.micro_batches} batches of micrograd"
    )
    big = bigger_workload(args.epochs, args.micro_batches)
    print("\n3. autograd-lite demo with its defaults")
    demo_acc, demo_seconds = default_demo()

    rows: list[tuple[str, str, str, str]] = [("", "micrograd", "autograd_lite", "ratio")]
    rows.append(
        (
            "demo step (median CPU time)",
            _ms(step_theirs),
            _ms(step_ours),
            f"{step_theirs / step_ours:.1f}x",
        )
    )
    for phase in PHASES:
        a, b = statistics.median(tt[phase]), statistics.median(to[phase])
        rows.append((f"  {phase}", _ms(a), _ms(b), f"{a / b:.1f}x" if b > 0 else "-"))
    rows.append(
        ("graph nodes per step", f"{n_theirs:,}", f"{n_ours:,}", f"{n_theirs / n_ours:.1f}x")
    )
    rows.append(
        (
            f"loss after {args.steps} steps",
            f"{rt[-1][0]:.6f}",
            f"{ro[-1][0]:.6f}",
            f"|diff| max {worst:.1e}",
        )
    )
    rows.append(("training accuracy then", f"{rt[-1][1]:.0%}", f"{ro[-1][1]:.0%}", ""))
    rows.append(
        (
            "10-class epoch (1000 pts, batch 50)",
            _ms(big["theirs_epoch"]) + " (est.)",
            _ms(big["ours_epoch"]),
            f"{big['theirs_epoch'] / big['ours_epoch']:.1f}x",
        )
    )
    rows.append((f"  accuracy after {big['epochs']} epochs", "", f"{big['accuracy']:.1%}", ""))
    rows.append(
        ("`autograd-lite demo` defaults", "", f"{demo_acc:.0%} in {demo_seconds:.1f} s wall", "")
    )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    print()
    for i, row in enumerate(rows):
        print(
            "  ".join(
                cell.ljust(w) if j == 0 else cell.rjust(w)
                for j, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if i == 0:
            print("  ".join("-" * w for w in widths))

    ok = True
    print()
    if worst <= TOLERANCE:
        print(f"PASS  the losses agree at all {args.steps} steps (largest |diff| {worst:.1e})")
    else:
        print(f"FAIL  the losses differ by up to {worst:.1e} (> {TOLERANCE:g})")
        ok = False
    speedup = step_theirs / step_ours
    verdict = "PASS" if speedup >= TARGET else "BELOW TARGET"
    print(
        f"{verdict}  {speedup:.1f}x faster per step, freeing the graph included "
        f"(target {TARGET:g}x)"
    )
    if demo_acc == 1.0:
        print(f"PASS  `autograd-lite demo` reaches 100% training accuracy ({demo_seconds:.1f} s)")
    else:
        print(f"FAIL  `autograd-lite demo` reaches only {demo_acc:.0%}")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
