"""Would a numba backend reach the numba floor? The python backend's own code, jitted, measured.

    pip install -e . numba && python benchmarks/bench_numba_backend.py   # ~1-2 minutes

Issue 18 asks whether a third backend, numba, would bring a compiled step of
micrograd's demo network (2-16-16-1, hinge loss, SGD) down to what a numba
kernel written by hand takes, and what it would take. The python backend
already writes one sample's loss and backward pass as straight-line scalar
code in a loop over the batch: that is what numba compiles best. This script
makes the backend's likely core: the python backend's source with the batch
loop over array rows, the rows' helper functions jitted, the losses handed
back for ``math.fsum`` outside (numba has no ``fsum``), compiled by
``numba.njit``. For each batch size it measures, in one process:

* numba's compile time (the first call), as a backend would pay it at every
  recording;
* the jitted replay's median CPU time per call, and whether its numbers are
  the python backend's bit for bit (loss sum and every gradient sum);
* our numpy backend's fused step (``step.fused(opt)``), median per call;
* the same fused call with its replay replaced by one that returns a saved
  result: what the call path around any backend's replay costs (checking the
  batch, the update, the bookkeeping), the floor a numba backend would stand on.

Then ``a numba backend's step``, about the call path plus the kernel, over the
numpy backend's step: the ratio a numba backend could give. Periodic checks
are off for the timed calls. Exit status 0 whatever the figures.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one thread, as bench_scaling.py: before numpy loads

import argparse  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from autograd_lite import nn, optim  # noqa: E402
from autograd_lite.compile import compile  # noqa: E402
from autograd_lite.data import make_moons  # noqa: E402
from autograd_lite.losses import hinge_loss  # noqa: E402

BATCHES = (1, 10, 100)


def jitted_replay(step: Any, numba: Any) -> Callable[..., Any]:
    """The python backend's ``replay`` of ``step`` as a numba function of arrays
    ``(P, X, Y) -> (losses, gradient sums, check)``."""
    body = step.source[step.source.index("def replay(P, X, Y):") :]
    loop = "    for x, y in zip(X, Y):\n"
    if loop not in body or "    outs = []\n" not in body:
        raise SystemExit("the python backend's source has changed shape: update this script")
    rows = "    for i in range(X.shape[0]):\n        x = X[i]\n        y = Y[i]\n"
    body = body.replace(loop, rows)
    body = body.replace("    outs = []\n", "")  # the demo has no outputs: an untyped list
    ending = r"return fsum\(losses\), grads, check, outs.*"
    body = re.sub(ending, "return losses, grads, check", body)
    namespace: dict[str, Any] = {"math": math}
    for name, value in step._replay.__globals__.items():  # the rows' helpers: f0, d0, ...
        if re.fullmatch(r"[fd]\d+", name):
            plain = type(value).__name__ == "function"  # builtins (abs, operator.add) as they are
            namespace[name] = numba.njit(value) if plain else value
    exec(body, namespace)  # our own generated code, not user text
    jitted: Callable[..., Any] = numba.njit(namespace["replay"])
    return jitted


def cpu_median(call: Callable[[], Any], calls: int) -> float:
    times = []
    for _ in range(calls):
        start = time.process_time()
        call()
        times.append(time.process_time() - start)
    return statistics.median(times)


def measure(batch: int, numba: Any, calls: int) -> dict[str, Any]:
    X, labels = make_moons(batch, noise=0.1, seed=0)
    Xa = np.array(X, dtype=np.float64)
    Ya = np.array([1.0 if t else -1.0 for t in labels], dtype=np.float64)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()

    def fn(x: Any, t: Any) -> Any:
        return hinge_loss(model(x), t)

    example = (X[0], 1.0)
    python = compile(fn, params, example=example, backend="python")
    jitted = jitted_replay(python, numba)
    P = np.array([p.data for p in params], dtype=np.float64)
    start = time.process_time()
    losses, grads, _ = jitted(P, Xa, Ya)
    compiling = time.process_time() - start
    total, G, _, _ = python._replay(P.tolist(), Xa.tolist(), Ya.tolist())
    same = math.fsum(losses) == total and list(grads) == list(G)
    kernel = cpu_median(lambda: jitted(P, Xa, Ya), calls)

    step = compile(fn, params, example=example, backend="numpy", check_every=None)
    run = step.fused(optim.SGD(params, lr=0.1))
    fused = cpu_median(lambda: run(Xa, Ya), calls)
    real = step._replay
    saved = real(run._data, *step._inputs(Xa, Ya)[2:])
    step._replay = lambda P, X, Y: saved  # the call path alone (checks are off)
    path = cpu_median(lambda: run(Xa, Ya), calls)
    step._replay = real
    run.close()
    return {
        "batch": batch,
        "lines": python.source.count("\n"),
        "compile": compiling,
        "kernel": kernel,
        "same": same,
        "fused": fused,
        "path": path,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per figure")
    args = parser.parse_args(argv)
    if not 1 <= args.calls <= 100_000:
        parser.error(f"--calls must be from 1 to 100,000, got {args.calls}")
    try:
        import numba
    except ImportError:
        print("numba is not installed: pip install numba", file=sys.stderr)
        return 0
    print(
        f"bench_numba_backend.py: Python {platform.python_version()}, numpy {np.__version__}, "
        f"numba {numba.__version__}; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}; one thread; median CPU ms per call of {args.calls}"
    )
    head = (
        f"{'batch':>6} {'lines':>6} {'numba compile s':>16} {'kernel':>8} {'same':>5} "
        f"{'call path':>10} {'numba step':>11} {'numpy step':>11} {'numba/numpy':>12}"
    )
    print(head)
    for batch in BATCHES:
        r = measure(batch, numba, args.calls)
        step = r["path"] + r["kernel"]
        print(
            f"{r['batch']:>6} {r['lines']:>6,} {r['compile']:>16.1f} {r['kernel'] * 1e3:>8.4f} "
            f"{'yes' if r['same'] else 'NO':>5} {r['path'] * 1e3:>10.4f} {step * 1e3:>11.4f} "
            f"{r['fused'] * 1e3:>11.4f} {step / r['fused']:>11.2f}x"
        )
    print(
        "kernel: the jitted replay alone; same: its loss and gradient sums are the python\n"
        "backend's bit for bit; call path: our fused numpy call with a replay that returns a\n"
        "saved result; numba step: call path + kernel, what a numba backend's fused step would\n"
        "about take; numpy step: the numpy backend's fused step; numba compile s: CPU s of the\n"
        "first call (numba's typing and LLVM), paid again at every recording"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
