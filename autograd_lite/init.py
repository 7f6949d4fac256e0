"""Weight initialisation: where the first weights of a layer come from.

A scheme draws each weight from a distribution whose spread depends on the
layer's *fan-in* (inputs per unit) and *fan-out* (units fed by each input):

* ``"uniform"``: U(-1, 1), whatever the layer's size (micrograd's choice).
* ``"xavier_uniform"`` / ``"xavier_normal"`` (Glorot & Bengio, 2010): keeps
  the variance of signals steady for tanh and sigmoid layers;
  std = sqrt(2 / (fan_in + fan_out)), which is PyTorch's formula with its
  default gain of 1 (no gain is applied here: ``calculate_gain`` only reports one).
* ``"he_uniform"`` / ``"he_normal"`` (He et al., 2015; PyTorch's "kaiming"):
  made for ReLU layers; std = sqrt(2) / sqrt(fan_in).

Short names: ``"xavier"`` and ``"glorot"`` mean ``"xavier_uniform"``,
``"he"`` and ``"kaiming"`` mean ``"he_normal"``. Biases always start at 0.

Every draw comes from a ``random.Random`` built from the seed you pass, never
from the global generator, so a seed gives the same weights on every run.

>>> from autograd_lite.init import sample_weights, make_rng
>>> w = sample_weights("he_normal", 4, fan_in=2, fan_out=3, rng=make_rng(0))
>>> len(w), w == sample_weights("he_normal", 4, fan_in=2, fan_out=3, rng=make_rng(0))
(4, True)
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from autograd_lite.checks import make_rng

__all__ = ["ALIASES", "SCHEMES", "calculate_gain", "make_rng", "resolve", "sample_weights"]

# ``make_rng(seed)`` (from ``checks``) turns a ``seed`` argument into a private
# ``random.Random``; it is offered here too, where weights are drawn.


def calculate_gain(nonlinearity: str | None, param: float | None = None) -> float:
    """PyTorch's recommended gain for an activation (``torch.nn.init.calculate_gain``).

    >>> round(calculate_gain("relu"), 4), round(calculate_gain("tanh"), 4)
    (1.4142, 1.6667)
    """
    if nonlinearity in (None, "linear", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1.0 + slope * slope))
    raise ValueError(f"no gain is known for nonlinearity {nonlinearity!r}")


# Each scheme: (fan_in, fan_out, rng) -> one weight.
_Draw = Callable[[int, int, random.Random], float]


def _xavier_std(fan_in: int, fan_out: int) -> float:
    return math.sqrt(2.0 / (fan_in + fan_out))


def _he_std(fan_in: int, fan_out: int) -> float:
    return calculate_gain("relu") / math.sqrt(fan_in)  # sqrt(2 / fan_in)


# A uniform U(-a, a) has std a / sqrt(3), so a = sqrt(3) * std.
SCHEMES: dict[str, _Draw] = {
    "uniform": lambda fi, fo, rng: rng.uniform(-1.0, 1.0),
    "xavier_uniform": lambda fi, fo, rng: (
        rng.uniform(-1.0, 1.0) * math.sqrt(3) * _xavier_std(fi, fo)
    ),
    "xavier_normal": lambda fi, fo, rng: rng.gauss(0.0, _xavier_std(fi, fo)),
    "he_uniform": lambda fi, fo, rng: rng.uniform(-1.0, 1.0) * math.sqrt(3) * _he_std(fi, fo),
    "he_normal": lambda fi, fo, rng: rng.gauss(0.0, _he_std(fi, fo)),
}

ALIASES: dict[str, str] = {
    "xavier": "xavier_uniform",
    "glorot": "xavier_uniform",
    "he": "he_normal",
    "kaiming": "he_normal",
}


def resolve(scheme: str) -> str:
    """The full name of ``scheme``, or a ``ValueError`` listing the known ones."""
    if not isinstance(scheme, str):
        raise TypeError(f"init must be a str, got {type(scheme).__name__}")
    name = ALIASES.get(scheme, scheme)
    if name not in SCHEMES:
        known = ", ".join(sorted([*SCHEMES, *ALIASES]))
        raise ValueError(f"unknown init scheme {scheme!r}; choose one of: {known}")
    return name


def sample_weights(
    scheme: str, n: int, *, fan_in: int, fan_out: int, rng: random.Random
) -> list[float]:
    """``n`` initial weights drawn with ``scheme`` for a layer of the given fans."""
    draw = SCHEMES[resolve(scheme)]
    if fan_in < 1 or fan_out < 1:
        raise ValueError(f"fan_in and fan_out must be >= 1, got {fan_in} and {fan_out}")
    return [draw(fan_in, fan_out, rng) for _ in range(n)]
