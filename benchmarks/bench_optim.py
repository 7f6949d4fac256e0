"""Optimiser steps against torch.optim on the same parameters, measured in the same process.

    pip install -e ".[bench]" torch==2.13.0 && python benchmarks/bench_optim.py  # ~20 s

The parameters are those of micrograd's demo network, MLP(2, [16, 16, 1]):
337 numbers, which autograd_lite holds as 337 ``Value`` leaves and PyTorch
as the six float64 tensors of three ``nn.Linear`` layers. Both start from
the same numbers and get the same fixed gradients; then each optimiser's
``step()`` is timed alone (no forward or backward pass) for plain SGD, SGD
with momentum 0.9, Adagrad, RMSprop and Adam. After the timed steps the parameters of the two
libraries are compared (exit status 1 if they differ by more than 1e-9,
relative).

These machines are shared and noisy, so timings are CPU time of this process
(time.process_time), the two libraries take turns block by block, a
figure is the median of its blocks' time per step, and only the ratio
(ours / PyTorch's, in the same run) is worth comparing between runs. PyTorch
runs on one thread. ``autograd_lite`` is imported from wherever Python finds
it first, so ``PYTHONPATH=/some/checkout python benchmarks/bench_optim.py``
measures another version of the library against the same peer (the path is
printed).
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import autograd_lite
from autograd_lite import Value, nn, optim

try:
    import torch
except ImportError:  # pragma: no cover - the benchmark needs its peer
    sys.exit('torch is missing: pip install -e ".[bench]" torch==2.13.0')

SIZES = (2, 16, 16, 1)
N_PARAMETERS = sum((a + 1) * b for a, b in itertools.pairwise(SIZES))  # 337

#: (name, our constructor, torch's constructor), the same keyword arguments for both.
OPTIMISERS: list[tuple[str, str, dict[str, Any]]] = [
    ("SGD", "SGD", {"lr": 1e-3}),
    ("SGD momentum", "SGD", {"lr": 1e-3, "momentum": 0.9}),
    ("Adagrad", "Adagrad", {"lr": 1e-2}),
    ("RMSprop", "RMSprop", {"lr": 1e-2}),
    ("Adam", "Adam", {"lr": 1e-3}),
]


def our_parameters(numbers: list[float], grads: list[float]) -> list[Value]:
    """The demo network's parameters, set to ``numbers``, with gradients ``grads``."""
    params = nn.MLP(SIZES[0], list(SIZES[1:])).parameters()
    for p, x, g in zip(params, numbers, grads, strict=True):
        p.data, p.grad = x, g
    return params


def torch_parameters(numbers: list[float], grads: list[float]) -> list[Any]:
    """The same numbers in PyTorch's layout (weight (out, in), then bias, layer by layer).

    Our MLP lists each neuron's weights then its bias; the mapping below
    follows that order, so parameter ``k`` of ours is one entry of one tensor.
    """
    layers = [torch.nn.Linear(a, b, dtype=torch.float64) for a, b in itertools.pairwise(SIZES)]
    pos = 0
    out: list[Any] = []
    for layer, nin in zip(layers, SIZES, strict=False):
        nout = layer.out_features
        rows = [numbers[pos + j * (nin + 1) : pos + (j + 1) * (nin + 1)] for j in range(nout)]
        grows = [grads[pos + j * (nin + 1) : pos + (j + 1) * (nin + 1)] for j in range(nout)]
        pos += nout * (nin + 1)
        with torch.no_grad():
            layer.weight.copy_(torch.tensor([r[:nin] for r in rows], dtype=torch.float64))
            layer.bias.copy_(torch.tensor([r[nin] for r in rows], dtype=torch.float64))
        layer.weight.grad = torch.tensor([r[:nin] for r in grows], dtype=torch.float64)
        layer.bias.grad = torch.tensor([r[nin] for r in grows], dtype=torch.float64)
        out += [layer.weight, layer.bias]
    return out


def torch_flat(params: list[Any]) -> list[float]:
    """PyTorch's parameters back in our order (each neuron's weights, then its bias)."""
    flat: list[float] = []
    for weight, bias in zip(params[::2], params[1::2], strict=True):
        for row, b in zip(weight.tolist(), bias.tolist(), strict=True):
            flat += [*row, b]
    return flat


def _timed_block(step: Callable[[], Any], steps: int) -> float:
    start = time.process_time()
    for _ in range(steps):
        step()
    return (time.process_time() - start) / steps


def measure(
    name: str, kwargs: dict[str, Any], rounds: int, block: int, seed: int
) -> tuple[float, float, float]:
    """Median seconds per step (ours, PyTorch's) and the largest relative difference after."""
    rng = random.Random(seed)
    n = N_PARAMETERS
    numbers = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    grads = [rng.gauss(0.0, 1.0) for _ in range(n)]
    ours = our_parameters(numbers, grads)
    theirs = torch_parameters(numbers, grads)
    assert torch_flat(theirs) == numbers  # the same numbers in the same order
    our_opt = getattr(optim, name)(ours, **kwargs)
    their_opt = getattr(torch.optim, name)(theirs, **kwargs)
    times: dict[str, list[float]] = {"ours": [], "torch": []}
    for _ in range(rounds):
        times["ours"].append(_timed_block(our_opt.step, block))
        times["torch"].append(_timed_block(their_opt.step, block))
    got, want = [p.data for p in ours], torch_flat(theirs)
    diff = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(got, want, strict=True))
    return statistics.median(times["ours"]), statistics.median(times["torch"]), diff


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="blocks per library (median kept)")
    parser.add_argument("--block", type=int, default=200, help="steps per block")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    n = N_PARAMETERS
    print(f"Python {sys.version.split()[0]}, torch {torch.__version__}")
    print(f"autograd_lite from {autograd_lite.__file__}")
    print(
        f"step() on the {n} parameters of MLP{SIZES}: median of {args.rounds} blocks "
        f"of {args.block} steps, CPU time"
    )
    worst = 0.0
    for label, name, kwargs in OPTIMISERS:
        ours, theirs, diff = measure(name, kwargs, args.rounds, args.block, seed=0)
        worst = max(worst, diff)
        print(
            f"  {label:13s} autograd_lite {ours * 1e6:7.1f} us ({ours * 1e9 / n:5.0f} ns/param)"
            f"  torch.optim {theirs * 1e6:6.1f} us  -> ours / torch {ours / theirs:5.2f}"
        )
    print(f"  parameters after the steps agree to {worst:.1e} (relative)")
    if worst > 1e-9:
        print("  ERROR: the parameters differ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
