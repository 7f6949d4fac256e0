"""The batch checks of a compiled step: a batch is refused early, with a message, when it is
not what the step was compiled for (its order, its length, each sample's shape and numbers)."""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Sequence
from typing import Any

from autograd_lite.compile.tape import _flat
from autograd_lite.engine import Value

__all__ = ["MAX_BATCH"]


#: The most samples a batch may have when it is not already a list, tuple or array (a
#: ``range``, say): beyond that it is refused rather than read.
MAX_BATCH = 10_000_000


def _mismatch(what: str, i: int, sample: object, shape: tuple[int, ...]) -> str:
    return (
        f"{what} {i} of the batch does not have the shape the step was compiled for "
        f"({'a number' if not shape else 'a list of shape ' + str(shape)}): {sample!r:.80}"
    )


_TWO_SEQUENCES = "a compiled step takes two sequences: inputs and targets"


def _ordered(batch: Any, what: str) -> Any:
    """``batch`` if it is a list, a tuple or an array; another sequence (a ``range``) as a
    list, up to ``MAX_BATCH`` samples; a set, an iterator or a string refused: a batch needs
    an order (to pair inputs with targets) and an end."""
    if isinstance(batch, (list, tuple)) or (
        hasattr(batch, "tolist") and getattr(batch, "ndim", 0) >= 1  # an array, not a scalar
    ):
        return batch
    if isinstance(batch, Sequence) and not isinstance(batch, (str, bytes)):
        if len(batch) > MAX_BATCH:
            raise ValueError(f"the {what} hold {len(batch):,} samples, more than {MAX_BATCH:,}")
        return list(batch)
    raise TypeError(
        f"{_TWO_SEQUENCES}: the {what} must be a list, tuple or array, got "
        f"{type(batch).__name__} (a set or an iterator has no order to pair inputs with "
        "targets, nor always an end)"
    )


def _plain_samples(batch: list[Any], shape: tuple[int, ...], what: str) -> list[Any]:
    """Each sample of ``batch`` as the replay reads it: a float for a number, a flat list of
    floats for a (nested) list. Numbers of other types (numpy's float32, int8) become Python
    floats, as the engine computes; bools, strings and the wrong shape are refused."""
    if not shape:
        return [v if type(v) is float else _number(v, what, i) for i, v in enumerate(batch)]
    size, depth = math.prod(shape), len(shape)
    flats = []
    for i, s in enumerate(batch):
        if depth == 1 and type(s) in (list, tuple) and len(s) == size:
            flat = s  # the common case, read as it is when it holds floats only
        else:
            try:
                flat = list(_flat(s, depth)) if _nested_shape(s, shape) else None
            except TypeError:
                flat = None
            if flat is None or len(flat) != size:
                raise ValueError(_mismatch(what, i, s, shape))
        for v in flat:
            if type(v) is not float:
                flat = [_number(v, what, i) for v in flat]
                break
        flats.append(flat)
    return flats


def _finite(batch: Any, what: str) -> None:
    """A ``ValueError`` naming the first sample of ``batch`` (from ``_plain_samples``, or an
    array) that holds an inf or a NaN."""
    for i, s in enumerate(batch if isinstance(batch, list) else []):
        for v in s if isinstance(s, (list, tuple)) else (s,):
            if not math.isfinite(v):
                raise ValueError(f"{what} {i} of the batch is not finite: {v!r}")


def _nested_shape(sample: Any, shape: tuple[int, ...]) -> bool:
    """Whether ``sample`` is nested lists (or tuples) of exactly ``shape``, to the numbers."""
    if not shape:
        return not isinstance(sample, (list, tuple))
    if not isinstance(sample, (list, tuple)) or len(sample) != shape[0]:
        return False
    return all(_nested_shape(s, shape[1:]) for s in sample)


def _number(v: Any, what: str, i: int) -> float:
    if type(v) is float:
        return v
    if isinstance(v, numbers.Real) and not isinstance(v, (bool, Value)):
        if hasattr(v, "item") and type(v.item()) is bool:  # numpy's bool_
            v = v.item()
        else:
            try:
                return float(v)
            except OverflowError:
                raise ValueError(
                    f"{what} {i} of the batch holds an int too large for a float"
                ) from None
    why = " (the engine takes int and float, not bool)" if isinstance(v, bool) else ""
    raise TypeError(
        f"the {what}s of the batch must all be numbers: {what} {i} holds "
        f"{type(v).__name__} {reprlib.repr(v)}{why}"
    )


def _one_length(xs: Sequence[Any], ys: Sequence[Any]) -> None:
    """As many inputs as targets, and at least one."""
    if len(xs) != len(ys):
        raise ValueError(f"the batch has {len(xs)} inputs but {len(ys)} targets")
    if len(xs) == 0:
        raise ValueError("the batch is empty")
