"""Gradient clipping: rescale or clamp gradients between ``backward()`` and ``step()``.

``clip_grad_norm_`` and ``clip_grad_value_`` work as ``torch.nn.utils``'s
functions of the same names; frozen parameters (``requires_grad=False``)
are left alone, as in ``step()``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from autograd_lite.checks import hyper_parameter
from autograd_lite.engine import Value, trainable
from autograd_lite.optim.optimizers import param_list

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads_of(parameters: Value | Iterable[Value]) -> list[Value]:
    """The parameters that take a gradient (frozen ones are left out, as in ``step()``)."""
    return trainable(param_list(parameters, "parameters"))


def clip_grad_norm_(
    parameters: Value | Iterable[Value],
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale all gradients together so that their norm is at most ``max_norm``; return the norm.

    The norm is taken over every gradient as one vector
    (``(sum |g|^p)^(1/p)``, or ``max |g|`` for ``norm_type=inf`` or
    ``"inf"``), before clipping. Each gradient is multiplied by
    ``min(1, max_norm / (norm + 1e-6))``, as in
    ``torch.nn.utils.clip_grad_norm_``. The remedy for exploding gradients.
    A non-finite norm raises ``RuntimeError`` if ``error_if_nonfinite``.

    >>> from autograd_lite import Value
    >>> a, b = Value(0.0), Value(0.0)
    >>> a.grad, b.grad = 3.0, 4.0
    >>> clip_grad_norm_([a, b], max_norm=1.0)
    5.0
    >>> round(a.grad, 6), round(b.grad, 6)
    (0.6, 0.8)
    """
    params = _grads_of(parameters)
    limit = hyper_parameter(max_norm, "max_norm", what="max_norm", low=0.0)
    p = _norm_type(norm_type)
    grads = [float(q.grad) for q in params]
    if not grads:
        return 0.0
    total = _total_norm(grads, p)
    _refuse(total, p, error_if_nonfinite)
    coef = _coefficient(limit, total)
    for q, g in zip(params, grads, strict=True):
        q.grad = g * coef
    return total


def _power(t: Any, p: float) -> Any:
    """``t ** p`` for a float or an array, the squares as products (the same bits in both)."""
    return t * t if p == 2.0 else t if p == 1.0 else t**p


def _total_norm(grads: list[float], p: float) -> float:
    """The norm of order ``p`` of ``grads`` taken as one vector (at least one number)."""
    if p == math.inf:
        total = max(abs(g) for g in grads)
    else:
        scale = max(abs(g) for g in grads)
        try:
            if 0.0 < scale < math.inf:
                # ||g||_p = m ||g / m||_p with m = max |g|: the powers cannot overflow
                total = scale * math.fsum(_power(abs(g) / scale, p) for g in grads) ** (1.0 / p)
            else:  # all zero, or an inf: the plain formula gives the right 0 or inf
                total = math.fsum(abs(g) ** p for g in grads) ** (1.0 / p)
        except OverflowError:  # a tiny p: (sum |g|^p)^(1/p) is beyond the floats
            total = math.inf  # PyTorch's answer too
    return total


def _refuse(total: float, p: float, error_if_nonfinite: bool) -> None:
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"the total norm of order {p} of the gradients is {total}, so they cannot be "
            "clipped; pass error_if_nonfinite=False to scale them anyway"
        )


def _coefficient(limit: float, total: float) -> float:
    return min(limit / (total + 1e-6), 1.0)  # min(1, max_norm / (||g|| + 1e-6)); nan stays nan


def clip_norm_of_array(
    grads: NDArray[np.float64], max_norm: float, norm_type: float, error_if_nonfinite: bool
) -> tuple[NDArray[np.float64], float]:
    """``clip_grad_norm_`` on a float64 array of gradients (a fused run's): the clipped
    array and the norm, bit for bit what ``clip_grad_norm_`` makes of the same floats."""
    import numpy

    if not len(grads):
        return grads, 0.0
    a = numpy.abs(grads)
    scale = float(a.max())
    if norm_type in (1.0, 2.0) and 0.0 < scale < math.inf:  # the float code's terms, at once
        total = scale * math.fsum(_power(a / scale, norm_type).tolist()) ** (1.0 / norm_type)
    else:  # inf, NaN, another order: the float code itself
        total = _total_norm(grads.tolist(), norm_type)
    _refuse(total, norm_type, error_if_nonfinite)
    return grads * _coefficient(max_norm, total), total


def clamp_array(grads: NDArray[np.float64], clip_value: float) -> NDArray[np.float64]:
    """``clip_grad_value_`` on a float64 array of gradients: NaN stays NaN."""
    import numpy

    c = clip_value
    return numpy.where(grads > c, c, numpy.where(grads < -c, -c, grads))


def _norm_type(norm_type: object) -> float:
    if norm_type == "inf":
        return math.inf
    if not isinstance(norm_type, numbers.Real) or isinstance(norm_type, bool):
        raise TypeError(f"norm_type must be a number or 'inf', got {norm_type!r}")
    p = float(norm_type)
    if not p > 0.0:
        raise ValueError(f"norm_type must be > 0 (or inf), got {norm_type!r}")
    return p


def clip_grad_value_(parameters: Value | Iterable[Value], clip_value: float) -> None:
    """Clamp each gradient into ``[-clip_value, clip_value]`` (``torch.nn.utils.clip_grad_value_``).

    >>> from autograd_lite import Value
    >>> a, b = Value(0.0), Value(0.0)
    >>> a.grad, b.grad = 3.0, -0.5
    >>> clip_grad_value_([a, b], clip_value=1.0)
    >>> a.grad, b.grad
    (1.0, -0.5)
    """
    params = _grads_of(parameters)
    c = hyper_parameter(clip_value, "clip_value", what="clip_value", low=0.0)
    for q in params:
        g = float(q.grad)
        q.grad = c if g > c else -c if g < -c else g  # nan stays nan, as in torch.clamp
