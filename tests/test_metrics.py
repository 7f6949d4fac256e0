"""Tests for autograd_lite.metrics against hand-computed examples and counting properties."""

from __future__ import annotations

import doctest
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import metrics
from autograd_lite.metrics import (
    MAX_CLASSES,
    ClassScores,
    accuracy,
    confusion_matrix,
    format_confusion_matrix,
    precision_recall_f1,
)

# Three classes, ten examples; counted by hand:
#            predicted 0  1  2
Y_TRUE = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]
Y_PRED = [0, 0, 1, 1, 1, 1, 2, 0, 2, 2]
MATRIX = [
    [2, 1, 0],  # true 0
    [0, 3, 1],  # true 1
    [1, 0, 2],  # true 2
]


def test_docstring_examples() -> None:
    result = doctest.testmod(metrics)
    assert result.attempted > 5
    assert result.failed == 0


def test_hand_computed_example() -> None:
    assert accuracy(Y_TRUE, Y_PRED) == 0.7
    assert confusion_matrix(Y_TRUE, Y_PRED) == MATRIX
    scores = precision_recall_f1(Y_TRUE, Y_PRED)
    # class 0: TP 2, predicted 3, support 3; class 1: TP 3, predicted 4, support 4;
    # class 2: TP 2, predicted 3, support 3.
    expected = [(2 / 3, 2 / 3, 3), (3 / 4, 3 / 4, 4), (2 / 3, 2 / 3, 3)]
    for s, (p, r, n) in zip(scores, expected, strict=True):
        assert s.precision == pytest.approx(p) and s.recall == pytest.approx(r)
        assert s.f1 == pytest.approx(2 * p * r / (p + r)) and s.support == n
    assert [s.label for s in scores] == [0, 1, 2]


def test_binary_precision_differs_from_recall() -> None:
    # TP = 1 (index 0), FP = 2 (indices 2, 3), FN = 1 (index 1).
    (neg, pos) = precision_recall_f1([1, 1, 0, 0, 0], [1, 0, 1, 1, 0])
    assert pos == ClassScores(1, 1 / 3, 1 / 2, 2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2), 2)
    assert (neg.precision, neg.recall, neg.support) == (0.5, 1 / 3, 3)


def test_zero_division_gives_zero_and_num_classes_pads() -> None:
    scores = precision_recall_f1([0, 0, 1], [0, 0, 0], num_classes=3)
    assert scores[1] == ClassScores(1, 0.0, 0.0, 0.0, 1)  # never predicted
    assert scores[2] == ClassScores(2, 0.0, 0.0, 0.0, 0)  # absent entirely
    assert confusion_matrix([1], [1], num_classes=3) == [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    assert accuracy([True, False], [1, 1]) == 0.5  # bools count as 0/1


labels = st.integers(0, 4)


@given(st.lists(st.tuples(labels, labels), min_size=1, max_size=80))
def test_counting_properties(pairs: list[tuple[int, int]]) -> None:
    y_true = [a for a, _ in pairs]
    y_pred = [b for _, b in pairs]
    m = confusion_matrix(y_true, y_pred)
    k = len(m)
    assert k == max(y_true + y_pred) + 1
    assert sum(map(sum, m)) == len(pairs)
    assert sum(m[i][i] for i in range(k)) / len(pairs) == accuracy(y_true, y_pred)
    for c, s in enumerate(precision_recall_f1(y_true, y_pred)):
        tp = sum(a == b == c for a, b in pairs)
        n_pred = y_pred.count(c)
        assert s.support == y_true.count(c) == sum(m[c])
        assert s.precision == (tp / n_pred if n_pred else 0.0)
        assert s.recall == (tp / s.support if s.support else 0.0)
        assert 0.0 <= s.f1 <= 1.0
        assert min(s.precision, s.recall) - 1e-12 <= s.f1 <= max(s.precision, s.recall) + 1e-12


def test_format_confusion_matrix() -> None:
    text = format_confusion_matrix(MATRIX)
    assert text.splitlines() == [
        "true \\ predicted | 0  1  2",
        "-----------------+--------",
        "               0 | 2  1  0",
        "               1 | 0  3  1",
        "               2 | 1  0  2",
    ]
    wide = format_confusion_matrix([[1234, 5], [6, 7]], labels=["negative", "positive"])
    lines = wide.splitlines()
    assert lines[0] == "true \\ predicted | negative  positive"
    assert lines[2] == "        negative |     1234         5"
    assert len({len(line) for line in lines}) == 1  # every line the same width


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: accuracy([0, 1], [0]), ValueError, "same length, got 2 and 1"),
        (lambda: accuracy([], []), ValueError, "must not be empty"),
        (lambda: accuracy([0, 1], [0.0, 1.0]), TypeError, r"y_pred\[0\] must be a class index"),
        (lambda: accuracy("01", "01"), TypeError, "y_true must be a sequence"),
        (lambda: confusion_matrix([0, -1], [0, 0]), ValueError, r"y_true\[1\] must be .* >= 0"),
        (lambda: confusion_matrix([0, 3], [0, 0], num_classes=3), ValueError, "num_classes=3"),
        (lambda: confusion_matrix([0], [0], num_classes=0), ValueError, "num_classes must be"),
        (lambda: format_confusion_matrix([[1, 2]]), ValueError, "square"),
        (lambda: format_confusion_matrix([[1]], labels=["a", "b"]), ValueError, "labels has 2"),
        (lambda: format_confusion_matrix([[1.5]]), TypeError, r"matrix\[0\]\[0\] must be a count"),
        (lambda: format_confusion_matrix([[-1]]), ValueError, "must be a count >= 0"),
    ],
)
def test_bad_input_is_named(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call()


# -- sizes from labels are bounded (issue 9) -----------------------------------------


@pytest.mark.parametrize(
    ("y_true", "y_pred", "num_classes", "message"),
    [
        ([0, 10**7], [0, 1], None, "a label is 10000000: a confusion matrix has at most"),
        ([0, 1], [0, MAX_CLASSES], None, f"a label is {MAX_CLASSES}: .* at most {MAX_CLASSES}"),
        ([0, 10**5000], [0, 1], None, "a label is an int of about 5000 digits"),
        ([0, 1], [0, 1], 10**7, f"num_classes=10000000 is more than the {MAX_CLASSES}"),
        ([0, -(10**5000)], [0, 1], None, r"y_true\[1\] must be a class index >= 0, got an int"),
        ([0, "x" * 10**6], [0, 1], None, r"got str 'x+\.\.\.; turn scores"),
    ],
)
def test_absurd_labels_are_refused_before_anything_is_allocated(
    y_true: list[Any], y_pred: list[Any], num_classes: int | None, message: str
) -> None:
    for fn in (confusion_matrix, precision_recall_f1):
        with pytest.raises((ValueError, TypeError), match=message) as info:
            fn(y_true, y_pred, num_classes=num_classes)
        assert len(str(info.value)) < 300


def test_the_largest_allowed_matrix_is_built() -> None:
    matrix = confusion_matrix([MAX_CLASSES - 1], [0])
    assert len(matrix) == MAX_CLASSES and matrix[MAX_CLASSES - 1][0] == 1
    assert len(confusion_matrix([0], [0], num_classes=MAX_CLASSES)) == MAX_CLASSES
