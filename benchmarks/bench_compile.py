"""Compiled training steps against the eager engine, micrograd==0.1.0 and PyTorch, in one process.

    pip install -e ".[bench]" torch==2.13.0 && python benchmarks/bench_compile.py  # ~30 s

The workload is micrograd's demo network: MLP(2, [16, 16, 1]) from
micrograd's seeded weights (``random.seed(1337)``, copied into every other
library), the 100 two-moons points of our ``make_moons`` (labels -1 / +1),
the loss ``mean(relu(1 - y * score))`` (autograd_lite's ``hinge_loss``) and
plain SGD with a constant learning rate. One training step is the forward
pass, the backward pass, the SGD update and zeroing the gradients (and, for
micrograd, freeing its graph of reference cycles with ``gc.collect()``, as
in ``bench_demo.py``). Five ways of running that step:

* micrograd 0.1.0 (about a second per step, so only the first few steps);
* autograd_lite eager: the graph rebuilt at every step;
* ``autograd_lite.compile`` with the python backend, and with the numpy one
  (run as a user runs them: the first call and every 100th are checked
  against the eager engine, which the median below leaves out; the numpy
  backend is given the batch as numpy arrays made once, as PyTorch is given
  tensors, the python backend as lists);
* PyTorch 2.13 batched: ``nn.Linear`` layers on a (100, 2) tensor, 1 thread,
  in float64 like every other library here.

All of them start from the same weights with the same learning rate and run
the same steps, and the loss of every step is compared with the eager
engine's. First every library runs ``--micrograd-steps`` steps, taking turns
step by step; then the four fast ones go on for ``--rounds`` rounds of
``--block`` steps each, taking turns round by round, so that a noisy spell on
the shared machine hurts all of them alike. Each step is timed with CPU time
(time.process_time: other processes disturb it far less than the wall
clock); a library's figure is the median of its steps. Compiling is timed
the same way: the median of ``--compiles`` compiles per backend, alternating.

Exit status 1 if the losses ever differ by more than 1e-9; the speed goals
are printed as met / NOT MET.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import numpy  # imported before any compile is timed: the numpy backend imports it lazily

from autograd_lite import functional as F
from autograd_lite import nn, optim
from autograd_lite.compile import compile
from autograd_lite.data import make_moons
from autograd_lite.losses import hinge_loss

try:
    import torch
    from micrograd import nn as mg_nn
    from micrograd.engine import Value as MicroValue
except ImportError:  # pragma: no cover - the benchmark needs its peers
    sys.exit('micrograd or torch is missing: pip install -e ".[bench]" torch==2.13.0')

SIZES = (2, 16, 16, 1)
TOLERANCE = 1e-9  # largest |loss difference| accepted at any step
GOAL_PYTHON = 10.0  # compiled python: at least this many times faster than eager
GOAL_COMPILE_MS = 50.0  # compiling this network, per backend

# one training step: (the loss before the update, time.process_time() when the update began)
Step = Callable[[], tuple[float, float]]


# -- the workload ----------------------------------------------------------------------------


def workload() -> tuple[list[list[float]], list[float], list[float]]:
    """(inputs, targets -1 / +1, micrograd's initial weights in its parameter order)."""
    X, labels = make_moons(100, noise=0.1, seed=1337)
    y = [2.0 * t - 1.0 for t in labels]
    random.seed(1337)
    weights = [p.data for p in mg_nn.MLP(SIZES[0], list(SIZES[1:])).parameters()]
    return X, y, weights


def micrograd_step(X: list[list[float]], y: list[float], weights: list[float], lr: float) -> Step:
    model = mg_nn.MLP(SIZES[0], list(SIZES[1:]))
    params = model.parameters()
    for p, w in zip(params, weights, strict=True):
        p.data = w
    scale = 1.0 / len(X)

    def step() -> float:
        scores = [model(list(map(MicroValue, row))) for row in X]
        loss = sum((1 + -t * s).relu() for t, s in zip(y, scores, strict=True)) * scale
        loss.backward()
        mark = time.process_time()
        for p in params:
            p.data -= lr * p.grad
        model.zero_grad()
        value: float = loss.data
        del scores, loss
        gc.collect()  # the backward closures make cycles: only the cyclic collector frees them
        return value, mark

    return step


def _our_model(weights: list[float], lr: float) -> tuple[nn.MLP, optim.SGD]:
    model = nn.MLP(SIZES[0], list(SIZES[1:]))
    for p, w in zip(model.parameters(), weights, strict=True):
        p.data = w  # micrograd's order: layer by layer, each neuron's weights then its bias
    return model, optim.SGD(model.parameters(), lr=lr)


def eager_step(X: list[list[float]], y: list[float], weights: list[float], lr: float) -> Step:
    model, opt = _our_model(weights, lr)

    def step() -> float:
        loss = F.sum([hinge_loss(model(x), t) for x, t in zip(X, y, strict=True)]) / len(X)
        loss.backward()
        mark = time.process_time()
        opt.step()
        opt.zero_grad()
        return loss.data, mark  # the graph goes with the last reference: no cycles

    return step


def compiled_step(
    X: list[list[float]], y: list[float], weights: list[float], lr: float, backend: str
) -> Step:
    model, opt = _our_model(weights, lr)
    replay = compile(
        lambda x, t: hinge_loss(model(x), t),
        model.parameters(),
        example=(X[0], y[0]),
        backend=backend,
    )

    # the numpy backend reads numpy arrays without a copy: made once, as torch's tensors are
    inputs, targets = (numpy.array(X), numpy.array(y)) if backend == "numpy" else (X, y)

    def step() -> float:
        loss = replay(inputs, targets)  # the mean loss; its gradient is added to each .grad
        mark = time.process_time()
        opt.step()
        opt.zero_grad()
        return loss, mark

    return step


def torch_step(X: list[list[float]], y: list[float], weights: list[float], lr: float) -> Step:
    layers: list[torch.nn.Module] = []
    at = 0
    for nin, nout in itertools.pairwise(SIZES):
        linear = torch.nn.Linear(nin, nout, dtype=torch.float64)
        rows = [weights[at + k * (nin + 1) : at + (k + 1) * (nin + 1)] for k in range(nout)]
        at += nout * (nin + 1)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([r[:-1] for r in rows], dtype=torch.float64))
            linear.bias.copy_(torch.tensor([r[-1] for r in rows], dtype=torch.float64))
        layers += [linear, torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])  # the last layer is linear
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    inputs = torch.tensor(X, dtype=torch.float64)
    targets = torch.tensor(y, dtype=torch.float64)

    def step() -> float:
        loss = torch.relu(1.0 - targets * net(inputs).squeeze(1)).mean()
        loss.backward()
        mark = time.process_time()
        opt.step()
        opt.zero_grad()
        return float(loss.item()), mark

    return step


def make_steps(
    X: list[list[float]], y: list[float], weights: list[float], lr: float
) -> dict[str, Step]:
    """Every library's training step, all from the same weights (micrograd's first)."""
    return {
        "micrograd 0.1.0": micrograd_step(X, y, weights, lr),
        "autograd_lite eager": eager_step(X, y, weights, lr),
        "compiled python": compiled_step(X, y, weights, lr, "python"),
        "compiled numpy": compiled_step(X, y, weights, lr, "numpy"),
        "torch batched": torch_step(X, y, weights, lr),
    }


# -- timing ----------------------------------------------------------------------------------


def _timed(step: Step) -> tuple[float, float, float]:
    """(loss, CPU seconds of the whole step, of which the update and zero_grad)."""
    start = time.process_time()
    loss, mark = step()
    end = time.process_time()
    return loss, end - start, end - mark


def train_all(
    steps: dict[str, Step], slow: str, slow_steps: int, rounds: int, block: int
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, list[float]]]:
    """Each library's losses, step times and update times (CPU s), in interleaved turns."""
    losses: dict[str, list[float]] = {name: [] for name in steps}
    seconds: dict[str, list[float]] = {name: [] for name in steps}
    updates: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)

    def run(name: str, count: int) -> None:
        for _ in range(count):
            loss, t, u = _timed(steps[name])
            losses[name].append(loss)
            seconds[name].append(t)
            updates[name].append(u)

    for k in range(slow_steps):  # everyone, step by step, the first library changing each time
        for name in names[k % len(names) :] + names[: k % len(names)]:
            run(name, 1)
        print(
            f"  step {k:2d}  loss {losses[slow][-1]:.12f}  {slow} "
            f"{seconds[slow][-1] * 1e3:,.0f} ms",
            flush=True,
        )
    fast = [name for name in names if name != slow]
    for r in range(rounds):  # the others, block by block, the first changing each round
        for name in fast[r % len(fast) :] + fast[: r % len(fast)]:
            run(name, block)
    return losses, seconds, updates


def compile_times(
    X: list[list[float]], y: list[float], weights: list[float], repeats: int
) -> dict[str, list[float]]:
    """CPU seconds of ``compile`` on this network, per backend, backends alternating."""
    model, _ = _our_model(weights, 0.1)
    times: dict[str, list[float]] = {"python": [], "numpy": []}
    for _ in range(repeats):
        for backend, ts in times.items():
            gc.collect()
            start = time.process_time()
            compile(
                lambda x, t: hinge_loss(model(x), t),
                model.parameters(),
                example=(X[0], y[0]),
                backend=backend,
            )
            ts.append(time.process_time() - start)
    return times


# -- report ----------------------------------------------------------------------------------


def _table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        cells = [
            c.ljust(w) if j == 0 else c.rjust(w)
            for j, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  " + "  ".join(cells))
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))


def _verdict(ok: bool) -> str:
    return "met    " if ok else "NOT MET"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--micrograd-steps", type=int, default=8, help="steps of every library")
    parser.add_argument("--rounds", type=int, default=30, help="rounds of the fast libraries")
    parser.add_argument("--block", type=int, default=10, help="steps per library per round")
    parser.add_argument("--lr", type=float, default=0.1, help="SGD learning rate (constant)")
    parser.add_argument("--compiles", type=int, default=9, help="compiles timed per backend")
    args = parser.parse_args(argv)
    for name in ("micrograd_steps", "rounds", "block", "compiles"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    torch.set_num_threads(1)

    print(
        f"Python {sys.version.split()[0]}, torch {torch.__version__} (1 thread), "
        f"numpy {numpy.__version__}, micrograd 0.1.0"
    )
    X, y, weights = workload()
    total_steps = args.micrograd_steps + args.rounds * args.block
    print(
        f"\nMLP{SIZES}, {len(X)} moons, mean hinge loss, SGD lr {args.lr:g}: {total_steps} steps "
        f"({args.micrograd_steps} for micrograd)"
    )
    steps = make_steps(X, y, weights, args.lr)
    slow = "micrograd 0.1.0"
    losses, seconds, updates = train_all(steps, slow, args.micrograd_steps, args.rounds, args.block)

    reference = losses["autograd_lite eager"]
    diffs = {
        name: max(abs(a - b) for a, b in zip(ls, reference, strict=False))
        for name, ls in losses.items()
    }
    worst = max(diffs.values())
    median = {name: statistics.median(ts) for name, ts in seconds.items()}
    mean = {name: statistics.fmean(ts) for name, ts in seconds.items()}
    eager, torch_ms = median["autograd_lite eager"], median["torch batched"]

    print(
        "\nPer training step (forward + backward + SGD update + zero_grad), "
        "CPU time (time.process_time), median of each library's steps:"
    )
    rows = [
        [
            "",
            "steps",
            "ms/step",
            "of which update",
            "mean",
            "vs micrograd",
            "vs eager",
            "vs torch",
            "max |dloss|",
        ]
    ]
    for name, ts in seconds.items():
        m = median[name]
        rows.append(
            [
                name,
                f"{len(ts)}",
                f"{m * 1e3:,.3f}",
                f"{statistics.median(updates[name]) * 1e3:,.3f}",
                f"{mean[name] * 1e3:,.3f}",
                f"{median[slow] / m:,.1f}x",
                f"{eager / m:,.2f}x",
                f"{torch_ms / m:,.2f}x",
                f"{diffs[name]:.1e}" if name != "autograd_lite eager" else "(reference)",
            ]
        )
    _table(rows)
    print(
        "  vs X: how many times faster than X. of which update: the median time of the SGD\n"
        "  update and zero_grad (and of freeing the step's graph, for micrograd and eager).\n"
        "  mean: every step, so also the noisy ones and the compiled steps' checks against\n"
        "  the eager engine (the first call and every 100th)."
    )
    finals = ", ".join(f"{name} {ls[-1]:.6f}" for name, ls in losses.items() if name != slow)
    print(f"  loss at step {total_steps - 1}: {finals}")

    compiles = compile_times(X, y, weights, args.compiles)
    compile_ms = {b: statistics.median(ts) * 1e3 for b, ts in compiles.items()}
    print(f"\nCompiling this network, CPU time, median of {args.compiles} compiles per backend:")
    for backend, ms in compile_ms.items():
        spread = f"{min(compiles[backend]) * 1e3:.1f}-{max(compiles[backend]) * 1e3:.1f}"
        print(f"  {backend:6s}  {ms:6.1f} ms  (range {spread} ms)")

    python_x = eager / median["compiled python"]
    numpy_x = torch_ms / median["compiled numpy"]
    goals = [
        (python_x >= GOAL_PYTHON, f"compiled python is {python_x:.1f}x eager (goal >= 10x)"),
        (numpy_x > 1.0, f"compiled numpy is {numpy_x:.2f}x torch batched (goal > 1x)"),
        (
            max(compile_ms.values()) <= GOAL_COMPILE_MS,
            "compiling takes "
            + " / ".join(f"{ms:.1f} ms ({b})" for b, ms in compile_ms.items())
            + f" (goal <= {GOAL_COMPILE_MS:g} ms)",
        ),
        (
            worst <= TOLERANCE,
            f"the losses agree at every step: largest |difference| {worst:.1e} "
            f"(goal <= {TOLERANCE:g}; micrograd over its {args.micrograd_steps} steps, "
            f"the others over {total_steps})",
        ),
    ]
    print("\nGoals:")
    for ok, text in goals:
        print(f"  {_verdict(ok)}  {text}")
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
