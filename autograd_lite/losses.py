"""Loss functions: how far one example's output is from its target.

Each function takes the output of a model for *one* example (a ``Value``, a
number, or a list of them) and its target, and returns a ``Value`` built
from engine operations, so ``backward()`` and second derivatives go through
it. Names, arguments and formulas follow ``torch.nn.functional``.

A batch's loss is the mean (or sum) of its examples' losses:

>>> from autograd_lite import Value, functional as F
>>> from autograd_lite.losses import cross_entropy
>>> logits = [[Value(2.0), Value(0.5)], [Value(-1.0), Value(1.0)]]
>>> targets = [0, 1]
>>> loss = F.sum(cross_entropy(z, t) for z, t in zip(logits, targets)) / len(targets)
>>> round(loss.data, 4)
0.1642

Classification losses are computed where they cannot overflow:
``cross_entropy`` and ``log_softmax`` through log-sum-exp (logits of +-1000
give finite losses and gradients), the with-logits binary cross-entropy
through softplus.

A classification loss says how its outputs and targets read as classes, in
its ``classes`` attribute (``Classes``), so that ``fit`` can report accuracy
for it, also through ``functools.partial``; mark a loss of your own with
``@classifies(...)``:

>>> classes_of(hinge_loss), classes_of(mse_loss)
(Classes(score_cut=0.0, target_cut=0.0, argmax=True), None)
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar

from autograd_lite import functional as F
from autograd_lite.checks import as_value, as_vector
from autograd_lite.engine import Value, is_tracing
from autograd_lite.nn import label_inputs

__all__ = [
    "Classes",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "classes_of",
    "classifies",
    "cross_entropy",
    "hinge_loss",
    "l1_loss",
    "log_softmax",
    "mse_loss",
    "softmax",
]


class Classes(NamedTuple):
    """How a classification loss's outputs and targets read as classes (for accuracy).

    With one output, the predicted class is 1 where the output is above
    ``score_cut`` (``None``: the loss does not classify with one output),
    and the true class is 1 where the target is above ``target_cut``. With
    several outputs the class is the largest score, if ``argmax``.
    """

    score_cut: float | None
    target_cut: float
    argmax: bool


L = TypeVar("L", bound=Callable[..., Value])


def classifies(
    *, score_cut: float | None, target_cut: float = 0.5, argmax: bool
) -> Callable[[L], L]:
    """Mark a loss function as a classification loss: ``fit`` then reports accuracy."""

    def mark(loss: L) -> L:
        vars(loss)["classes"] = Classes(score_cut, target_cut, argmax)
        return loss

    return mark


def classes_of(loss: object) -> Classes | None:
    """The ``Classes`` of a loss function, looked for through ``functools.partial`` and wrappers."""
    for _ in range(100):  # a chain of wrappers, bounded
        found = getattr(loss, "classes", None)
        if isinstance(found, Classes):
            return found
        inner: Any = getattr(loss, "func", None) or getattr(loss, "__wrapped__", None)
        if inner is None:
            return None
        loss = inner
    return None


Output = Value | float | Sequence[Value | float]
Target = Value | float | Sequence[Value | float]


def _pairs(output: Output, target: Target, name: str) -> tuple[list[Value], list[Value]]:
    xs = as_vector(output, f"{name}: input")
    named = "target" if isinstance(target, (Value, numbers.Real)) else "t"
    ts = as_vector(label_inputs(target, named, f"{name}: target"), f"{name}: target")
    if len(xs) != len(ts):
        raise ValueError(f"{name}: input has {len(xs)} values but target has {len(ts)}")
    if not xs:
        raise ValueError(f"{name}: input is empty")
    return xs, ts


def _reduce(terms: list[Value], reduction: str, name: str) -> Value:
    if reduction == "mean":
        return F.sum(terms) / len(terms)
    if reduction == "sum":
        return F.sum(terms)
    raise ValueError(f"{name}: reduction must be 'mean' or 'sum', got {reduction!r}")


def mse_loss(input: Output, target: Target, *, reduction: str = "mean") -> Value:
    """Mean squared error: mean of (x_i - t_i)^2 over the example's outputs.

    >>> mse_loss([Value(1.0), Value(3.0)], [0.0, 1.0]).data
    2.5
    """
    xs, ts = _pairs(input, target, "mse_loss")
    return _reduce([(x - t) ** 2 for x, t in zip(xs, ts, strict=True)], reduction, "mse_loss")


def l1_loss(input: Output, target: Target, *, reduction: str = "mean") -> Value:
    """Mean absolute error: mean of |x_i - t_i|.

    >>> l1_loss([Value(1.0), Value(3.0)], [0.0, 1.0]).data
    1.5
    """
    xs, ts = _pairs(input, target, "l1_loss")
    return _reduce([abs(x - t) for x, t in zip(xs, ts, strict=True)], reduction, "l1_loss")


@classifies(score_cut=0.5, target_cut=0.5, argmax=False)  # a probability
def binary_cross_entropy(input: Output, target: Target, *, reduction: str = "mean") -> Value:
    """-(t log p + (1 - t) log(1 - p)) for probabilities p in [0, 1] (e.g. after a sigmoid).

    Prefer ``binary_cross_entropy_with_logits`` on the raw score: it is
    exact where the sigmoid saturates.

    The loss equals PyTorch's everywhere (log is clamped at -100), but the
    gradient near p = 0 and p = 1 does not. Here a clamped log term is a
    constant, so it adds no gradient, and an unclamped one gives the exact
    derivative -t/p + (1 - t)/(1 - p). PyTorch instead uses
    (p - t) / max(p (1 - p), 1e-12): at p = 0 with t = 1 it gives about -1e12
    where this gives 0, at p = 0 with t = 0 it gives 0 where this gives the
    exact 1, and for 0 < p(1 - p) < 1e-12 its gradient is the smaller one.

    >>> round(binary_cross_entropy(Value(0.8), 1.0).data, 4)
    0.2231
    """
    ps, ts = _pairs(input, target, "binary_cross_entropy")
    if not is_tracing():  # a compiled replay that leaves [0, 1] fails in log and reruns eagerly
        for i, (p, t) in enumerate(zip(ps, ts, strict=True)):
            if not 0.0 <= p.data <= 1.0:
                raise ValueError(
                    f"binary_cross_entropy: input[{i}] = {p.data} is not a probability in [0, 1]"
                )
            if not 0.0 <= t.data <= 1.0:
                raise ValueError(f"binary_cross_entropy: target[{i}] = {t.data} is not in [0, 1]")
    # log is clamped at -100, as in PyTorch, so p = 0 or 1 gives a finite loss
    terms = [
        -(t * F.log_clamped(p) + (1.0 - t) * F.log_clamped(1.0 - p))
        for p, t in zip(ps, ts, strict=True)
    ]
    return _reduce(terms, reduction, "binary_cross_entropy")


@classifies(score_cut=0.0, target_cut=0.5, argmax=False)  # logit > 0 <=> p > 1/2
def binary_cross_entropy_with_logits(
    input: Output, target: Target, *, reduction: str = "mean"
) -> Value:
    """Binary cross-entropy of sigmoid(x), computed as softplus(x) - t x (never overflows).

    >>> round(binary_cross_entropy_with_logits(Value(0.0), 1.0).data, 4)   # log 2
    0.6931
    >>> binary_cross_entropy_with_logits(Value(1000.0), 0.0).data
    1000.0
    """
    xs, ts = _pairs(input, target, "binary_cross_entropy_with_logits")
    # -(t log s(x) + (1-t) log(1-s(x))) = log(1 + e^x) - t x
    terms = [F.softplus(x) - t * x for x, t in zip(xs, ts, strict=True)]
    return _reduce(terms, reduction, "binary_cross_entropy_with_logits")


def _logits(logits: Sequence[Value | float], name: str) -> list[Value]:
    zs = as_vector(logits, f"{name}: logits")
    if not zs:
        raise ValueError(f"{name}: logits is empty")
    return zs


def log_softmax(logits: Sequence[Value | float]) -> list[Value]:
    """log(softmax(z))_i = z_i - log sum_j e^z_j, through log-sum-exp.

    >>> [round(v.data, 4) for v in log_softmax([0.0, 0.0])]
    [-0.6931, -0.6931]
    """
    zs = _logits(logits, "log_softmax")
    lse = F.logsumexp(zs)
    return [z - lse for z in zs]


def softmax(logits: Sequence[Value | float]) -> list[Value]:
    """e^z_i / sum_j e^z_j: probabilities that sum to 1 (finite for any logits).

    >>> [round(p.data, 4) for p in softmax([1.0, 2.0, 3.0])]
    [0.09, 0.2447, 0.6652]
    """
    zs = _logits(logits, "softmax")
    lse = F.logsumexp(zs)  # e^(z_i - lse) never overflows
    return [F.exp(z - lse) for z in zs]


def _class_index(target: object, k: int, name: str) -> int:
    if isinstance(target, Value):
        raise TypeError(
            f"{name}: target must be a class index (an int), got a Value; a traced target "
            "cannot pick a logit by index: give it as one-hot class probabilities "
            "([1.0 if j == c else 0.0 for j in range(k)] for class c of k), which "
            "fit(compile=...) does for you"
        )
    if not isinstance(target, numbers.Integral) or isinstance(target, bool):
        raise TypeError(f"{name}: target must be a class index (an int), got {target!r}")
    index = int(target)
    if not 0 <= index < k:
        raise ValueError(f"{name}: target {index} is not a class index for {k} logits (0..{k - 1})")
    return index


def _probabilities(target: Sequence[Value | float], k: int, name: str) -> list[Value]:
    ts = as_vector(target, f"{name}: target")
    if len(ts) != k:
        raise ValueError(f"{name}: target has {len(ts)} class probabilities for {k} logits")
    return ts


@classifies(score_cut=None, argmax=True)
def cross_entropy(logits: Sequence[Value | float], target: int | Sequence[Value | float]) -> Value:
    """-log softmax(z)[target] = log sum_j e^z_j - z_target, for one example.

    ``logits`` are the raw scores of the k classes; ``target`` is the index
    of the true class (0 .. k-1), as in ``torch.nn.functional.cross_entropy``,
    or k class probabilities (a one-hot list for a hard label), which gives
    log sum_j e^z_j - sum_i t_i z_i: the same loss, and the form a compiled
    step can replay (a class index picks a logit by Python indexing).

    >>> round(cross_entropy([Value(1000.0), Value(-1000.0)], 1).data, 1)
    2000.0
    >>> round(cross_entropy([Value(1000.0), Value(-1000.0)], [0.0, 1.0]).data, 1)
    2000.0
    """
    zs = _logits(logits, "cross_entropy")
    if isinstance(target, Sequence) and not isinstance(target, (str, bytes)):
        ts = _probabilities(target, len(zs), "cross_entropy")
        return F.logsumexp(zs) - F.dot(ts, zs)
    t = _class_index(target, len(zs), "cross_entropy")
    return F.logsumexp(zs) - zs[t]


@classifies(score_cut=0.0, target_cut=0.0, argmax=True)  # score sign; targets +1 / -1 (or 0)
def hinge_loss(
    input: Value | float | Sequence[Value | float],
    target: Value | float | Sequence[Value | float],
    *,
    margin: float = 1.0,
) -> Value:
    """Max-margin loss: zero once the right answer wins by ``margin``.

    * One score (a Value, or a list of one): binary, ``max(0, margin - t x)``
      with target t = +1 or -1 (0 also means the negative class, so labels
      from ``autograd_lite.data`` can be used as they are). This is the loss
      of micrograd's demo.
    * Several scores and a class index: multi-class, as PyTorch's
      ``multi_margin_loss``: ``sum over j != t of max(0, margin - x_t + x_j) / k``.
      The class may also be given one-hot, as for ``cross_entropy``.

    >>> hinge_loss(Value(0.25), 1).data, hinge_loss(Value(-3.0), -1).data
    (0.75, 0.0)
    >>> hinge_loss([Value(1.0), Value(1.5), Value(0.0)], 0).data   # (1.5 + 0) / 3
    0.5
    """
    xs = as_vector(input, "hinge_loss: input")
    if not xs:
        raise ValueError("hinge_loss: input is empty")
    k = len(xs)
    if k == 1:
        return (margin - _sign(target) * xs[0]).relu()
    if isinstance(target, Sequence) and not isinstance(target, (str, bytes)):
        # one-hot t: x_c = t . x, and the j = c term is weighted by 1 - t_c = 0
        ts = _probabilities(target, k, "hinge_loss")
        score = F.dot(ts, xs)
        terms = [(1.0 - t) * (margin - score + x).relu() for x, t in zip(xs, ts, strict=True)]
        return F.sum(terms) / k
    c = _class_index(target, k, "hinge_loss")
    terms = [(margin - xs[c] + xs[j]).relu() for j in range(k) if j != c]
    return F.sum(terms) / k


def _sign(target: object) -> Value | float:
    """A binary target as +1 or -1 (0 counts as the negative class)."""
    if isinstance(target, Value):
        if not is_tracing() and target.data not in (-1.0, 0.0, 1.0):
            raise ValueError(f"hinge_loss: a binary target must be +1 or -1 (or 0), got {target!r}")
        return target + abs(target) - 1.0  # +1 -> +1, -1 -> -1, 0 -> -1, without a branch
    t = as_value(target, "hinge_loss: target").data
    if t not in (-1.0, 0.0, 1.0):
        raise ValueError(f"hinge_loss: a binary target must be +1 or -1 (or 0), got {target!r}")
    return 1.0 if t > 0 else -1.0
