"""autograd_lite.checks: one home for input checks, one message style."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from autograd_lite import Value
from autograd_lite.checks import (
    as_value,
    as_vector,
    count,
    flag,
    hyper_parameter,
    items,
    make_rng,
    number,
    real,
    shown,
)


@pytest.mark.parametrize(
    ("kwargs", "good", "bad", "words"),
    [
        ({}, -1e300, math.inf, "must be finite"),
        ({"low": 0.0}, 0.0, -0.1, "must be a finite number >= 0"),
        ({"low": 0.0, "low_open": True}, 1e-300, 0.0, "must be a finite number > 0"),
        ({"high": 1.0}, 1.0, 1.5, "must be a finite number <= 1"),
        ({"low": 0.0, "high": 1.0}, 1.0, 1.01, r"must be in \[0, 1\]"),
        ({"low": 0.0, "high": 1.0, "high_open": True}, 0.0, 1.0, r"must be in \[0, 1\)"),
    ],
)
def test_real_says_what_a_number_must_be_and_what_it_got(
    kwargs: dict[str, float | bool], good: float, bad: float, words: str
) -> None:
    assert real(good, "p", **kwargs) == good  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=rf"^p {words}, got {bad!r}$"):
        real(bad, "p", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["1", None, True, 1j, [1.0]])
def test_the_wrong_kind_is_a_type_error_naming_the_type(bad: object) -> None:
    with pytest.raises(TypeError, match=rf"^p must be a real number, got {type(bad).__name__}: "):
        real(bad, "p")


def test_an_int_too_large_for_a_float_is_refused_once_here() -> None:
    with pytest.raises(ValueError, match=r"^p is an int too large for a float$"):
        real(10**400, "p")
    with pytest.raises(ValueError, match=r"^p is a number too large for a float$"):
        real(Fraction(10**400, 3), "p")
    with pytest.raises(ValueError, match=r"Invalid learning rate: .* \(lr is an int too large"):
        hyper_parameter(10**400, "lr", what="learning rate", low=0.0)
    assert "16610 bits" in shown(10**5000)  # more digits than Python prints: still a message


def test_counts_flags_seeds_and_values() -> None:
    assert count(3, "n") == 3
    with pytest.raises(ValueError, match=r"^n must be at least 2, got 1$"):
        count(1, "n", minimum=2)
    with pytest.raises(TypeError, match=r"^n must be an int, got bool: True$"):
        count(True, "n")
    assert flag(False, "shuffle") is False
    with pytest.raises(TypeError, match=r"^shuffle must be True or False, got int: 1$"):
        flag(1, "shuffle")
    shared = random.Random(0)
    assert make_rng(shared) is shared and make_rng(1).random() == random.Random(1).random()
    with pytest.raises(TypeError, match=r"^seed must be an int, None or a random\.Random"):
        make_rng(1.5)  # type: ignore[arg-type]
    v = Value(2.0)
    assert as_value(v, "x") is v and as_value(3, "x").requires_grad is False
    assert number(v, "x") == 2.0 and number(4, "x") == 4.0
    with pytest.raises(TypeError, match=r"^x must be a number or a Value, got str: 'a'$"):
        as_value("a", "x")


def test_vectors_name_the_bad_entry() -> None:
    v = Value(1.0)
    out = as_vector([v, 2.0], "input")
    assert out[0] is v and out[1].data == 2.0
    assert items(3.0, "xs") == [3.0] and items((1, 2), "xs") == [1, 2]
    with pytest.raises(ValueError, match=r"^input\[1\] must be finite, got nan$"):
        as_vector([1.0, math.nan], "input")
    with pytest.raises(TypeError, match=r"^xs must be a sequence of numbers or Values, got str$"):
        items("12", "xs")
