"""Input checks that the whole library shares: one place, one message style.

Each check takes a value and the name the caller knows it by, and returns
the value in its plain form (an ``int``, a ``float``, a ``Value``), or
raises an error that names the argument and says what it must be:

- the wrong kind of thing is a ``TypeError``:
  ``batch_size must be an int, got float: 1.5``;
- the right kind with a wrong value is a ``ValueError``:
  ``noise must be a finite number >= 0, got -0.1``.

An int too large for a float (``10**400``) is refused here, once, with
``<name> is an int too large for a float``: it never turns into ``inf``
further in.

>>> count(3, "batch_size"), real(0.5, "p", low=0.0, high=1.0)
(3, 0.5)
>>> real(-0.1, "noise", low=0.0)
Traceback (most recent call last):
ValueError: noise must be a finite number >= 0, got -0.1
"""

from __future__ import annotations

import math
import numbers
import os
import random
import reprlib
import stat
from collections.abc import Iterable, Sized
from itertools import islice
from typing import Any, TypeVar

from autograd_lite.engine import Value

__all__ = [
    "MAX_ITEMS",
    "Seed",
    "as_value",
    "as_vector",
    "bounded_list",
    "count",
    "flag",
    "hyper_parameter",
    "items",
    "make_rng",
    "number",
    "plain_list",
    "real",
    "short",
    "shown",
]

_T = TypeVar("_T")

#: ``seed`` arguments accept an int, an existing generator (shared, so that
#: several layers draw one sequence), or ``None`` for fresh randomness.
Seed = int | random.Random | None


def short(value: object) -> str:
    """A repr cut short for a message (``reprlib``), safe for any int."""
    try:
        return reprlib.repr(value)
    except ValueError:  # an int with more digits than Python will print
        bits = value.bit_length() if isinstance(value, int) else "?"
        return f"<an int of {bits} bits>"


def shown(value: object) -> str:
    """A value's type and a short repr, for a message: ``str: 'a'``, ``float: 1.5``."""
    return f"{type(value).__name__}: {short(value)}"


def make_rng(seed: Seed) -> random.Random:
    """A private generator for ``seed`` (an int, None, or a ``random.Random`` used as is)."""
    if isinstance(seed, random.Random):
        return seed
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool)):
        return random.Random(seed)
    raise TypeError(f"seed must be an int, None or a random.Random, got {shown(seed)}")


def count(value: object, name: str, *, minimum: int = 1) -> int:
    """``value`` as an int of at least ``minimum`` (a bool is not a count)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {shown(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def flag(value: object, name: str) -> bool:
    """``value`` if it is ``True`` or ``False`` (not 0, 1 or a string)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {shown(value)}")
    return value


def _requirement(low: float, high: float, low_open: bool, high_open: bool) -> str:
    """What a number must be, in words: ``finite``, ``a finite number >= 0``, ``in [0, 1)``."""
    if low == -math.inf and high == math.inf:
        return "finite"
    if high == math.inf:
        return f"a finite number {'>' if low_open else '>='} {low:g}"
    if low == -math.inf:
        return f"a finite number {'<' if high_open else '<='} {high:g}"
    return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def real(
    value: object,
    name: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a finite float between ``low`` and ``high`` (each end closed unless open).

    A bool is not a number here; an int too large for a float is refused.
    """
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got {shown(value)}")
    try:
        x = float(value)
    except OverflowError:  # an int such as 10**400
        kind = "an int" if isinstance(value, numbers.Integral) else "a number"
        raise ValueError(f"{name} is {kind} too large for a float") from None
    too_low = x <= low if low_open else x < low
    too_high = x >= high if high_open else x > high
    if not math.isfinite(x) or too_low or too_high:
        need = _requirement(low, high, low_open, high_open)
        raise ValueError(f"{name} must be {need}, got {x!r}")
    return x


def hyper_parameter(value: object, name: str, *, what: str, **bounds: Any) -> float:
    """``real(value, name, **bounds)``, with PyTorch's words for a bad optimiser setting first.

    >>> hyper_parameter(-1, "lr", what="learning rate", low=0.0)
    Traceback (most recent call last):
    ValueError: Invalid learning rate: -1 (lr must be a finite number >= 0, got -1.0)
    """
    try:
        return real(value, name, **bounds)
    except ValueError as error:
        raise ValueError(f"Invalid {what}: {short(value)} ({error})") from None


def number(value: object, name: str) -> float:
    """A finite float from a number or a ``Value`` (its ``data``), as a point to evaluate at."""
    if isinstance(value, Value):
        return value.data
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number or a Value, got {shown(value)}")
    return real(value, name)


def as_value(value: object, name: str) -> Value:
    """``value`` as a Value; a plain number becomes a constant (no gradient)."""
    if isinstance(value, Value):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return Value(real(value, name), requires_grad=False)
    raise TypeError(f"{name} must be a number or a Value, got {shown(value)}")


def items(value: object, name: str) -> list[object]:
    """One number or Value as a list of one; a sequence (not a string) as a list."""
    if isinstance(value, (Value, numbers.Real)) and not isinstance(value, bool):
        return [value]
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(
            f"{name} must be a sequence of numbers or Values, got {type(value).__name__}"
        )
    return bounded_list(value, name)


#: The most items a function takes from an iterable that is not a list or a tuple
#: (a generator, ``itertools.count()``, a ``range``) before refusing it: an endless
#: one would otherwise run until memory is gone.
MAX_ITEMS = 1_000_000


def bounded_list(value: Iterable[_T], name: str, *, limit: int | None = None) -> list[_T]:
    """``value``'s items as a new list, refusing an endless or huge iterable early.

    A list or a tuple is in memory already and is copied whole. Anything else
    is refused at once if its ``len()`` is over ``limit`` (``MAX_ITEMS`` unless
    given), and is read at most ``limit + 1`` items far: ``ValueError`` if
    there are more (an endless generator, ``itertools.count()``).
    ``TypeError`` if it is not iterable.

    >>> bounded_list((x * x for x in range(3)), "xs")
    [0, 1, 4]
    >>> import itertools
    >>> bounded_list(itertools.count(), "xs")
    Traceback (most recent call last):
    ValueError: xs: more than 1,000,000 items (an endless iterator?); pass a list
    """
    if isinstance(value, (list, tuple)):
        return list(value)
    limit = MAX_ITEMS if limit is None else limit
    too_many = f"{name}: more than {limit:,} items (an endless iterator?); pass a list"
    if isinstance(value, Sized):
        try:
            size = len(value)
        except (TypeError, ValueError, OverflowError):  # len() of range(10**20) overflows
            raise ValueError(too_many) from None
        if size > limit:
            raise ValueError(too_many)
    try:
        iterator = iter(value)
    except TypeError:
        raise TypeError(f"{name} must be iterable, got {type(value).__name__}") from None
    out = list(islice(iterator, limit + 1))
    if len(out) > limit:
        raise ValueError(too_many)
    return out


def plain_list(value: Any) -> list[Any]:
    """A new list of ``value``'s items; a numpy array's (anything with ``tolist``) as nested
    lists of Python numbers, which is what the engine computes with: a float32 or an int8
    would keep its own narrow type. ``TypeError`` if ``value`` is no sequence.

    >>> plain_list((1, 2)), plain_list(range(2))
    ([1, 2], [0, 1])
    """
    return list(value.tolist() if hasattr(value, "tolist") else value)


def as_vector(value: object, name: str) -> list[Value]:
    """One example's numbers as a list of Values (a lone number or Value is a list of one)."""
    return [
        v if isinstance(v, Value) else as_value(v, f"{name}[{i}]")  # names only when needed
        for i, v in enumerate(items(value, name))
    ]


#: What a path can be instead of a regular file, in words.
_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_regular_file(path: str, noun: str, max_bytes: int) -> tuple[bytes, int]:
    """(at most ``max_bytes + 1`` bytes of ``path``, its size): a regular file only.

    Opened without blocking (a FIFO never waits for a writer), checked to be a
    regular file (not ``/dev/zero``, a directory or a socket), and read only
    up to one byte past the limit, so the caller can tell "too large" without
    reading it all. ``FileNotFoundError`` if there is nothing there;
    ``ValueError`` saying what the path is instead of a ``noun``, otherwise.
    """
    if not path:
        raise FileNotFoundError(f"no {noun} at '' (the path is empty)")
    try:  # O_NONBLOCK: opening a FIFO must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise FileNotFoundError(f"no {noun} at {path}") from None
    except IsADirectoryError:
        raise ValueError(f"{path} is not a {noun}: it is a directory") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((k for test, k in _FILE_KINDS if test(info.st_mode)), "special")
            raise ValueError(f"{path} is not a {noun}: it is {kind}, not a regular file")
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(max_bytes + 1)  # never more, even if the file grows meanwhile
    finally:
        os.close(fd)
    return data, info.st_size
