"""``autograd-lite demo``: the main job (a placeholder until the training stack lands).

Builds a small neuron by hand, runs backward, and prints every gradient.
"""

from __future__ import annotations

import argparse

from autograd_lite import Value

HELP = "show backpropagation through one neuron"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--x", type=float, default=2.0, help="the input (default 2.0)")


def run(args: argparse.Namespace) -> int:
    x = Value(args.x, label="x")
    w = Value(-3.0, label="w")
    b = Value(6.8813735870195432, label="b")
    o = (x * w + b).tanh()
    o.label = "o"
    o.backward()
    print(f"o = tanh(x*w + b) = {o.data:.4f}")
    for v in (x, w, b):
        print(f"  d o / d {v.label} = {v.grad:+.4f}")
    return 0
