"""The numpy backend's convolution block against the per-position layers it replaces.

    python benchmarks/bench_conv.py            # the digits lesson's CNN, batch 32: ~1 minute

The workload is the ``digits`` lesson's network (its ``make_model()``: two
``Conv2d``, ReLU, ``Linear``), its first 32 training digits as one batch,
the lesson's loss (cross-entropy on one-hot targets). Two compiled numpy
steps of the same model, from the same weights:

* ``conv``: as the backend compiles today, each convolution one ``_Conv``
  block (one im2col product forward, two backward, a precomputed scatter);
* ``layers``: the same backend with convolution families switched off
  (``numpy_conv._families`` returning none), so that each position of a
  convolution is a layer of its own, as before the block existed.

Each step is ``step(X, Y)`` (forward and backward replayed over the batch,
the gradient added to every ``.grad``) and ``zero_grad``; the weights do
not move, so both replay the same numbers, and their losses and gradients
are compared at every step. The two take turns, ``--rounds`` rounds of
``--block`` steps, the first one changing from round to round; each step is
timed with CPU time (``time.process_time``), the figure is the median, and
the first call (the check against the eager engine) is left out. The
replay alone (the generated function on the batch, without reading the
parameters' ``.data`` or writing ``.grad``, which both steps do alike, once
per parameter) is timed the same way, in turns of its own. Also printed:
each step's statements in ``step.source`` and its compile time.
One thread for BLAS (set before numpy is imported), as in bench_scaling.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import ast  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from autograd_lite import lessons  # noqa: E402
from autograd_lite.compile import compile, numpy_backend  # noqa: E402


def statements(source: str) -> int:
    return sum(isinstance(node, ast.stmt) for node in ast.walk(ast.parse(source)))


def make(conv: bool) -> tuple[Any, Any, float]:
    """(model, compiled step, compile seconds), with or without the convolution block."""
    digits: Any = lessons.load("digits")
    model = digits.make_model()
    fn = digits.per_sample(model)
    images, labels = digits.load_digits()
    example = (digits.as_image(images[0]), digits.one_hot(labels[0]))
    families = numpy_backend._families
    if not conv:
        numpy_backend._families = lambda tape, batched: []  # type: ignore[assignment]
    try:
        started = time.process_time()
        step = compile(fn, model.parameters(), example=example, backend="numpy")
        seconds = time.process_time() - started
    finally:
        numpy_backend._families = families
    return model, step, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds of turns (default 20)")
    parser.add_argument("--block", type=int, default=10, help="steps per turn (default 10)")
    args = parser.parse_args()

    digits: Any = lessons.load("digits")
    images, labels = digits.load_digits()
    X = np.array([digits.as_image(im) for im in images[:32]])
    Y = np.array([digits.one_hot(k) for k in labels[:32]])
    runs: dict[str, tuple[Any, Any, float]] = {"conv": make(True), "layers": make(False)}
    times: dict[str, list[float]] = {name: [] for name in runs}
    replays: dict[str, list[float]] = {name: [] for name in runs}
    XT, YT = X.reshape(len(X), -1).T, Y.reshape(len(Y), -1).T
    worst = 0.0

    def turn(name: str) -> tuple[float, list[float]]:
        model, step, _ = runs[name]
        start = time.process_time()
        loss = step(X, Y)
        grads = [p.grad for p in model.parameters()]
        model.zero_grad()
        times[name].append(time.process_time() - start)
        return loss, grads

    for name in runs:  # the first calls: checked against the eager engine, left out
        turn(name)
        times[name].clear()
    for r in range(args.rounds):
        names = list(runs)[r % 2 :] + list(runs)[: r % 2]
        results = {}
        for name in names:
            for _ in range(args.block):
                results[name] = turn(name)
        for name in names:
            model, step, _ = runs[name]
            P = [p.data for p in model.parameters()]
            for _ in range(args.block):
                start = time.process_time()
                step._replay(P, XT, YT)
                replays[name].append(time.process_time() - start)
        (la, ga), (lb, gb) = results["conv"], results["layers"]
        scale = max(abs(la), *map(abs, gb), 1e-300)
        worst = max(
            worst, abs(la - lb) / scale, *(abs(a - b) / scale for a, b in zip(ga, gb, strict=True))
        )

    print(f"digits CNN, batch 32: {args.rounds} rounds x {args.block} steps, CPU ms per step")
    print(f"load average {os.getloadavg()[0]:.2f} at the end; 1 BLAS thread")
    print("  step     statements  compile s  step ms  replay ms  eager runs")
    for name, (_, step, seconds) in runs.items():
        ms, replay = (1e3 * statistics.median(t[name]) for t in (times, replays))
        print(
            f"  {name:<7}  {statements(step.source):>10,}  {seconds:>9.2f}  {ms:>7.3f}  "
            f"{replay:>9.3f}  {step.eager_runs:>10}"
        )
    for what, t in (("step", times), ("replay", replays)):
        ratio = statistics.median(t["layers"]) / statistics.median(t["conv"])
        print(f"  layers / conv, median {what}: {ratio:.2f}x")
    print(f"  largest difference of losses and gradients / the largest of them: {worst:.1e}")


if __name__ == "__main__":
    main()
