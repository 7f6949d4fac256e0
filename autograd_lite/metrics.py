"""How good is a classifier? Accuracy, the confusion matrix, precision, recall and F1.

Labels and predictions are class indices (ints ``0 .. k-1``; ``bool`` counts
as 0/1), not scores: turn a network's outputs into classes first, e.g.
``int(out.data > 0)`` for one output unit or the index of the largest logit.

>>> from autograd_lite.metrics import accuracy, confusion_matrix, format_confusion_matrix
>>> y_true = [0, 0, 1, 1, 1]
>>> y_pred = [0, 1, 1, 1, 0]
>>> accuracy(y_true, y_pred)
0.6
>>> confusion_matrix(y_true, y_pred)      # rows: true class, columns: predicted class
[[1, 1], [1, 2]]
>>> print(format_confusion_matrix(confusion_matrix(y_true, y_pred)))
true \\ predicted | 0  1
-----------------+-----
               0 | 1  1
               1 | 1  2
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import NamedTuple

__all__ = [
    "MAX_CLASSES",
    "ClassScores",
    "accuracy",
    "confusion_matrix",
    "format_confusion_matrix",
    "precision_recall_f1",
]

_CORNER = "true \\ predicted"

#: The most classes a confusion matrix may have (it holds k x k counts), so that
#: one stray label such as 10**7 is refused instead of allocating 10**14 counts.
MAX_CLASSES = 1000


def _labels(values: Sequence[int], name: str, what: str = "class index") -> list[int]:
    """``values`` as a list of non-negative ints, or an error naming the bad entry."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a sequence of class indices, got {type(values).__name__}")
    out: list[int] = []
    for i, v in enumerate(values):
        if not isinstance(v, numbers.Integral):
            hint = "; turn scores into classes first (threshold or argmax)"
            shown = repr(v) if len(repr(v)) <= 60 else repr(v)[:57] + "..."
            raise TypeError(
                f"{name}[{i}] must be a {what} (an int), got {type(v).__name__} {shown}"
                + (hint if what == "class index" else "")
            )
        if v < 0:
            raise ValueError(f"{name}[{i}] must be a {what} >= 0, got {_number(int(v))}")
        out.append(int(v))
    return out


def _number(n: int) -> str:
    """An int for a message: its digits, or how many there are when that is too many to show."""
    digits = len(str(n)) if n.bit_length() < 4000 else None
    if digits is not None and digits <= 30:
        return str(n)
    return f"an int of about {n.bit_length() * 0.30103:.0f} digits"


def _pair(y_true: Sequence[int], y_pred: Sequence[int]) -> tuple[list[int], list[int]]:
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if len(t) != len(p):
        raise ValueError(f"y_true and y_pred must have the same length, got {len(t)} and {len(p)}")
    if not t:
        raise ValueError("y_true and y_pred must not be empty")
    return t, p


def accuracy(y_true: Sequence[int], y_pred: Sequence[int]) -> float:
    """The fraction of predictions equal to the true class, in [0, 1].

    >>> accuracy([1, 0, 1, 1], [1, 1, 1, 1])
    0.75
    """
    t, p = _pair(y_true, y_pred)
    return sum(a == b for a, b in zip(t, p, strict=True)) / len(t)


def confusion_matrix(
    y_true: Sequence[int], y_pred: Sequence[int], *, num_classes: int | None = None
) -> list[list[int]]:
    """Counts ``matrix[true][predicted]``: row i is true class i, column j predicted class j.

    The diagonal holds the correct predictions; a row sums to the number of
    examples of that class. ``num_classes`` defaults to the largest label
    seen plus one (pass it so that a class never predicted still gets a row
    and a column). This is scikit-learn's orientation. At most
    ``MAX_CLASSES`` classes: a larger label or ``num_classes`` is refused
    before anything is allocated.

    >>> confusion_matrix([0, 2, 2], [0, 2, 1])
    [[1, 0, 0], [0, 0, 0], [0, 1, 1]]
    """
    t, p = _pair(y_true, y_pred)
    top = max(max(t), max(p))
    if num_classes is not None:
        if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
            raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
        if num_classes > MAX_CLASSES:
            raise ValueError(
                f"num_classes={num_classes} is more than the {MAX_CLASSES} classes a confusion "
                "matrix may have (it holds num_classes x num_classes counts)"
            )
        if top >= num_classes:
            raise ValueError(f"a label is {_number(top)} but num_classes={num_classes}")
        k = num_classes
    elif top >= MAX_CLASSES:
        raise ValueError(
            f"a label is {_number(top)}: a confusion matrix has at most {MAX_CLASSES} classes "
            f"(labels 0 .. {MAX_CLASSES - 1}); are these class indices?"
        )
    else:
        k = top + 1
    matrix = [[0] * k for _ in range(k)]
    for a, b in zip(t, p, strict=True):
        matrix[a][b] += 1
    return matrix


def _check_matrix(matrix: Sequence[Sequence[int]]) -> list[list[int]]:
    """A square matrix of non-negative counts, as lists."""
    rows = [_labels(row, f"matrix[{i}]", "count") for i, row in enumerate(matrix)]
    if not rows or any(len(r) != len(rows) for r in rows):
        raise ValueError("matrix must be square and non-empty (k rows of k counts)")
    return rows


def format_confusion_matrix(
    matrix: Sequence[Sequence[int]], labels: Sequence[object] | None = None
) -> str:
    """A text table of a confusion matrix: true classes down, predicted classes across.

    ``labels`` names the classes (default: their indices).

    >>> print(format_confusion_matrix([[48, 2], [1, 49]], labels=["cat", "dog"]))
    true \\ predicted | cat  dog
    -----------------+---------
                 cat |  48    2
                 dog |   1   49
    """
    rows = _check_matrix(matrix)
    names = [str(i) for i in range(len(rows))] if labels is None else [str(x) for x in labels]
    if len(names) != len(rows):
        raise ValueError(f"labels has {len(names)} names for a {len(rows)}-class matrix")
    head = max(len(_CORNER), *map(len, names))
    cell = max(*map(len, names), *(len(str(c)) for r in rows for c in r))
    columns = "  ".join(name.rjust(cell) for name in names)
    lines = [
        f"{_CORNER.rjust(head)} | {columns}",
        "-" * (head + 1) + "+" + "-" * (len(columns) + 1),
    ]
    for name, row in zip(names, rows, strict=True):
        lines.append(f"{name.rjust(head)} | " + "  ".join(str(c).rjust(cell) for c in row))
    return "\n".join(lines)


class ClassScores(NamedTuple):
    """Precision, recall and F1 of one class, and its support (how many true examples).

    >>> ClassScores(label=1, precision=0.5, recall=1.0, f1=2 / 3, support=2).f1 > 0.6
    True
    """

    label: int
    precision: float
    recall: float
    f1: float
    support: int


def precision_recall_f1(
    y_true: Sequence[int], y_pred: Sequence[int], *, num_classes: int | None = None
) -> list[ClassScores]:
    """Per-class scores, one ``ClassScores`` per class ``0 .. k-1``.

    precision = TP / (TP + FP): of the examples predicted as this class, the share right.
    recall    = TP / (TP + FN): of the examples of this class, the share found.
    F1        = 2 * precision * recall / (precision + recall), their harmonic mean.
    A ratio whose denominator is 0 (a class never predicted, or absent) is
    reported as 0.0, as scikit-learn does with ``zero_division=0``.

    >>> for s in precision_recall_f1([0, 0, 1, 1, 1], [0, 1, 1, 1, 0]):
    ...     print(s.label, round(s.precision, 3), round(s.recall, 3), round(s.f1, 3), s.support)
    0 0.5 0.5 0.5 2
    1 0.667 0.667 0.667 3
    """
    matrix = confusion_matrix(y_true, y_pred, num_classes=num_classes)
    scores: list[ClassScores] = []
    for c, row in enumerate(matrix):
        tp = row[c]
        predicted = sum(r[c] for r in matrix)  # column sum: TP + FP
        support = sum(row)  # row sum: TP + FN
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        both = precision + recall
        f1 = 2.0 * precision * recall / both if both else 0.0
        scores.append(ClassScores(c, precision, recall, f1, support))
    return scores
