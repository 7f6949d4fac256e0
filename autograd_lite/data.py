"""Small data sets to train on, and the plumbing around them, in plain Python.

Every generator returns ``(X, y)``: ``X`` a list of points (each a list of
floats), ``y`` a list of class labels ``0 .. k-1``. Randomness comes from a
``random.Random`` of its own, never from the global one: the same ``seed``
gives the same data on every run and every machine. ``seed`` may be an int,
``None`` (fresh randomness each call) or a ``random.Random`` that you own
(each call then draws the next numbers from it).

- ``make_moons``, ``make_circles``, ``make_blobs``, ``make_spirals``, ``xor``:
  toy classification problems in the plane (blobs in any dimension).
- ``train_test_split``: hold some examples out to measure generalisation.
- ``Standardizer``: rescale each feature to mean 0 and standard deviation 1.
- ``batches``: one epoch of mini-batches, shuffled or not.
- ``load_digits``: a real data set shipped with the package, 1,797 handwritten
  digits as 8x8 images (see the package's NOTICE file for its source and licence).

>>> from autograd_lite.data import make_moons, train_test_split, batches
>>> X, y = make_moons(100, noise=0.1, seed=0)
>>> len(X), X[0].__len__(), sorted(set(y))
(100, 2, [0, 1])
>>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
>>> len(X_train), len(X_test)
(80, 20)
>>> [len(yb) for _, yb in batches(X_train, y_train, batch_size=32, seed=0)]
[32, 32, 16]
"""

from __future__ import annotations

import gzip
import io
import math
import os
import random
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import IO, TypeVar

from autograd_lite.checks import Seed, count, make_rng, read_regular_file, real

__all__ = [
    "Standardizer",
    "batches",
    "load_digits",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "train_test_split",
    "xor",
]

T = TypeVar("T")
Dataset = tuple[list[list[float]], list[int]]


# -- argument checks ------------------------------------------------------------


def _check_xy(X: Sequence[Sequence[float]], y: Sequence[T]) -> int:
    """The number of examples, after checking that ``X`` and ``y`` line up."""
    if isinstance(X, (str, bytes)) or not isinstance(X, Sequence):
        raise TypeError(f"X must be a sequence of points, got {type(X).__name__}")
    if isinstance(y, (str, bytes)) or not isinstance(y, Sequence):
        raise TypeError(f"y must be a sequence of labels, got {type(y).__name__}")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    if len(X) == 0:
        raise ValueError("X and y must not be empty")
    return len(X)


def _split_evenly(n: int, k: int) -> list[int]:
    """``n`` items over ``k`` groups: sizes differ by at most one, larger groups first."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _finish(
    points: list[list[float]], labels: list[int], noise: float, shuffle: bool, rng: random.Random
) -> Dataset:
    """Shuffle (optionally) and add Gaussian noise of standard deviation ``noise``."""
    order = list(range(len(points)))
    if shuffle:
        rng.shuffle(order)
    X = [[c + rng.gauss(0.0, noise) if noise else c for c in points[i]] for i in order]
    return X, [labels[i] for i in order]


def _linspace(start: float, stop: float, n: int, *, endpoint: bool = True) -> list[float]:
    if n <= 1:
        return [start] * n
    step = (stop - start) / (n - 1 if endpoint else n)
    return [start + i * step for i in range(n)]


# -- generators -------------------------------------------------------------------


def make_moons(
    n_samples: int = 100, *, noise: float = 0.0, seed: Seed = None, shuffle: bool = True
) -> Dataset:
    """Two interleaving half circles in the plane (the "two moons"), as in scikit-learn.

    Class 0 is the upper half of the unit circle; class 1 is the lower half
    shifted right by 1 and up by 0.5, its tip reaching into the first one's
    hollow. The first class gets ``n_samples // 2`` points. ``noise`` is the
    standard deviation of Gaussian noise added to each coordinate.

    >>> X, y = make_moons(6, seed=0, shuffle=False)
    >>> [[round(c, 3) for c in p] for p in X[:3]], y
    ([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]], [0, 0, 0, 1, 1, 1])
    """
    n = count(n_samples, "n_samples")
    sd = real(noise, "noise", low=0.0)
    rng = make_rng(seed)
    n_out = n // 2
    outer = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, n_out)]
    inner = [[1.0 - math.cos(t), 0.5 - math.sin(t)] for t in _linspace(0.0, math.pi, n - n_out)]
    return _finish(outer + inner, [0] * len(outer) + [1] * len(inner), sd, shuffle, rng)


def make_circles(
    n_samples: int = 100,
    *,
    noise: float = 0.0,
    factor: float = 0.8,
    seed: Seed = None,
    shuffle: bool = True,
) -> Dataset:
    """A small circle (class 1, radius ``factor``) inside a large one (class 0, radius 1).

    Points are evenly spaced in angle; the outer circle gets ``n_samples // 2``.

    >>> X, y = make_circles(8, factor=0.5, seed=0, shuffle=False)
    >>> [round(x * x + z * z, 6) for x, z in X], y
    ([1.0, 1.0, 1.0, 1.0, 0.25, 0.25, 0.25, 0.25], [0, 0, 0, 0, 1, 1, 1, 1])
    """
    n = count(n_samples, "n_samples")
    sd = real(noise, "noise", low=0.0)
    r = real(factor, "factor", low=0.0, high=1.0, high_open=True)
    rng = make_rng(seed)
    n_out = n // 2
    points: list[list[float]] = []
    for radius, m in ((1.0, n_out), (r, n - n_out)):
        angles = _linspace(0.0, 2.0 * math.pi, m, endpoint=False)
        points += [[radius * math.cos(t), radius * math.sin(t)] for t in angles]
    return _finish(points, [0] * n_out + [1] * (n - n_out), sd, shuffle, rng)


def make_blobs(
    n_samples: int = 100,
    *,
    centers: int | Sequence[Sequence[float]] = 3,
    n_features: int = 2,
    noise: float = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    seed: Seed = None,
    shuffle: bool = True,
) -> Dataset:
    """Gaussian clusters, one class per center (scikit-learn's ``make_blobs``).

    ``centers`` is a number of centers drawn uniformly inside ``center_box``
    in each of ``n_features`` dimensions, or the centers themselves (then
    ``n_features`` is their length). ``noise`` is each cluster's standard
    deviation (scikit-learn's ``cluster_std``). Points are shared out evenly
    (the first ``n_samples % k`` classes get one more).

    >>> X, y = make_blobs(9, centers=[[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]], noise=0.0,
    ...                   shuffle=False)
    >>> X[3], y
    ([5.0, 5.0], [0, 0, 0, 1, 1, 1, 2, 2, 2])
    """
    n = count(n_samples, "n_samples")
    sd = real(noise, "noise", low=0.0)
    rng = make_rng(seed)
    if isinstance(centers, int) and not isinstance(centers, bool):
        k = count(centers, "centers")
        d = count(n_features, "n_features")
        low, high = _box(center_box)
        means = [[rng.uniform(low, high) for _ in range(d)] for _ in range(k)]
    else:
        means = _centers(centers)
    points: list[list[float]] = []
    labels: list[int] = []
    for label, (mean, m) in enumerate(zip(means, _split_evenly(n, len(means)), strict=True)):
        points += [list(mean) for _ in range(m)]
        labels += [label] * m
    return _finish(points, labels, sd, shuffle, rng)


def _box(center_box: object) -> tuple[float, float]:
    if not isinstance(center_box, (tuple, list)) or len(center_box) != 2:
        raise TypeError(f"center_box must be a pair (low, high), got {center_box!r}")
    low = real(center_box[0], "center_box[0]")
    high = real(center_box[1], "center_box[1]")
    if not low < high:
        raise ValueError(f"center_box must have low < high, got {center_box!r}")
    return low, high


def _centers(centers: object) -> list[list[float]]:
    if isinstance(centers, (str, bytes)) or not isinstance(centers, Sequence) or not centers:
        raise TypeError(f"centers must be an int or a non-empty list of points, got {centers!r}")
    means: list[list[float]] = []
    for i, c in enumerate(centers):
        if isinstance(c, (str, bytes)) or not isinstance(c, Sequence) or not c:
            raise TypeError(f"centers[{i}] must be a non-empty list of numbers, got {c!r}")
        means.append([real(x, f"centers[{i}][{j}]") for j, x in enumerate(c)])
        if len(means[-1]) != len(means[0]):
            raise ValueError(
                f"centers[{i}] has {len(means[-1])} coordinates, centers[0] has {len(means[0])}"
            )
    return means


def make_spirals(
    n_samples: int = 100,
    *,
    n_classes: int = 2,
    noise: float = 0.0,
    turns: float = 1.0,
    seed: Seed = None,
    shuffle: bool = True,
) -> Dataset:
    """``n_classes`` spiral arms winding out from the origin, one class per arm.

    Along each arm the radius grows from 0 to 1 while the angle turns
    ``turns`` full circles; arm ``c`` starts at angle ``2*pi*c / n_classes``.
    ``noise`` is the standard deviation of Gaussian noise on each coordinate.

    >>> X, y = make_spirals(6, n_classes=3, seed=0, shuffle=False)
    >>> [round(x * x + z * z, 6) for x, z in X], y
    ([0.0, 1.0, 0.0, 1.0, 0.0, 1.0], [0, 0, 1, 1, 2, 2])
    """
    n = count(n_samples, "n_samples")
    k = count(n_classes, "n_classes")
    sd = real(noise, "noise", low=0.0)
    spin = real(turns, "turns")
    rng = make_rng(seed)
    points: list[list[float]] = []
    labels: list[int] = []
    for c, m in enumerate(_split_evenly(n, k)):
        for r in _linspace(0.0, 1.0, m):
            angle = 2.0 * math.pi * (c / k + spin * r)  # arm c, rotated by `turns` along r
            points.append([r * math.cos(angle), r * math.sin(angle)])
            labels.append(c)
    return _finish(points, labels, sd, shuffle, rng)


def xor(
    n_samples: int = 100,
    *,
    noise: float = 0.0,
    margin: float = 0.1,
    seed: Seed = None,
    shuffle: bool = True,
) -> Dataset:
    """The XOR problem: the label is 1 where exactly one coordinate is negative.

    Points fill the four quadrants of the square [-1, 1]^2 in turn (so the
    classes are balanced), each coordinate at least ``margin`` away from the
    axes; then Gaussian noise of standard deviation ``noise`` is added. No
    straight line separates the two classes: a network needs a hidden layer.

    >>> X, y = xor(4, shuffle=False, seed=0)
    >>> [(x > 0, z > 0) for x, z in X], y
    ([(True, True), (False, True), (False, False), (True, False)], [0, 1, 0, 1])
    """
    n = count(n_samples, "n_samples")
    sd = real(noise, "noise", low=0.0)
    low = real(margin, "margin", low=0.0, high=1.0, high_open=True)
    rng = make_rng(seed)
    quadrants = ((1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0), (1.0, -1.0))
    points: list[list[float]] = []
    labels: list[int] = []
    for i in range(n):
        sx, sy = quadrants[i % 4]
        points.append([sx * rng.uniform(low, 1.0), sy * rng.uniform(low, 1.0)])
        labels.append(int(sx != sy))  # (x > 0) xor (y > 0)
    return _finish(points, labels, sd, shuffle, rng)


# -- splitting, scaling, batching --------------------------------------------------


def train_test_split(
    X: Sequence[Sequence[float]],
    y: Sequence[T],
    *,
    test_size: float = 0.25,
    seed: Seed = None,
    shuffle: bool = True,
    stratify: bool = False,
) -> tuple[list[list[float]], list[list[float]], list[T], list[T]]:
    """Split into ``(X_train, X_test, y_train, y_test)``, scikit-learn's order.

    ``test_size`` is a fraction in (0, 1) (the test set gets
    ``ceil(test_size * n)`` examples) or a number of examples. With
    ``stratify=True`` each class keeps (as nearly as whole numbers allow)
    its share in both parts. Both parts must be non-empty.

    >>> X, y = xor(20, seed=1)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, seed=0, stratify=True)
    >>> sum(y_tr), sum(y_te)
    (5, 5)
    """
    n = _check_xy(X, y)
    if isinstance(test_size, int) and not isinstance(test_size, bool):
        n_test = test_size
    else:
        n_test = math.ceil(real(test_size, "test_size", low=0.0, high=1.0, high_open=True) * n)
    if not 0 < n_test < n:
        raise ValueError(
            f"test_size={test_size!r} leaves {n_test} of {n} examples for testing; "
            "both the training and the test part need at least one"
        )
    rng = make_rng(seed)
    order = list(range(n))
    if shuffle:
        rng.shuffle(order)
    if stratify:
        test = _stratified_test_indices(order, y, n_test)
    else:
        test = set(order[len(order) - n_test :])
    train_idx = [i for i in order if i not in test]
    test_idx = [i for i in order if i in test]
    return (
        [list(X[i]) for i in train_idx],
        [list(X[i]) for i in test_idx],
        [y[i] for i in train_idx],
        [y[i] for i in test_idx],
    )


def _stratified_test_indices(order: list[int], y: Sequence[T], n_test: int) -> set[int]:
    """``n_test`` indices, each class contributing in proportion to its size."""
    by_class: dict[T, list[int]] = {}
    for i in order:
        by_class.setdefault(y[i], []).append(i)
    n = len(order)
    # Largest-remainder rounding: floor every quota, then hand out the rest.
    quotas = {c: n_test * len(idx) / n for c, idx in by_class.items()}
    counts = {c: math.floor(q) for c, q in quotas.items()}
    rest = n_test - sum(counts.values())
    for c in sorted(by_class, key=lambda c: counts[c] - quotas[c])[:rest]:
        counts[c] += 1
    return {i for c, idx in by_class.items() for i in idx[len(idx) - counts[c] :]}


class Standardizer:
    """Rescale each feature to mean 0 and standard deviation 1 (scikit-learn's StandardScaler).

    ``fit(X)`` learns ``mean`` and ``std`` (population standard deviation)
    per feature; ``transform(X)`` applies ``(x - mean) / std``. A constant
    feature (``std == 0``) is only centred. Fit on the training data only,
    then transform both the training and the test data with it.

    >>> scaler = Standardizer()
    >>> scaler.fit_transform([[1.0, 5.0], [3.0, 5.0]])
    [[-1.0, 0.0], [1.0, 0.0]]
    >>> scaler.mean, scaler.std
    ([2.0, 5.0], [1.0, 0.0])
    >>> scaler.inverse_transform([[0.0, 0.0]])
    [[2.0, 5.0]]
    """

    mean: list[float]
    std: list[float]

    def __init__(self) -> None:
        self.mean = []
        self.std = []

    def __repr__(self) -> str:
        if not self.mean:
            return "Standardizer(not fitted)"
        return f"Standardizer(n_features={len(self.mean)})"

    def fit(self, X: Sequence[Sequence[float]]) -> Standardizer:
        """Learn each feature's mean and standard deviation from ``X``; returns ``self``.

        Data near the float limit is fine: each feature is scaled by a power
        of two (exactly) before summing and squaring, so nothing overflows.
        """
        rows = self._rows(X, None)
        n = len(rows)
        mean: list[float] = []
        std: list[float] = []
        for col in zip(*rows, strict=True):
            e = math.frexp(max(abs(c) for c in col))[1]  # |c| < 2**e for every c
            u = [math.ldexp(c, -e) for c in col]  # c / 2**e, exact: |u| < 1
            mu = math.fsum(u) / n  # the mean, over 2**e
            mean.append(math.ldexp(mu, e))
            var = math.fsum((v - mu) ** 2 for v in u) / n  # the variance, over 4**e
            std.append(0.0 if min(col) == max(col) else math.ldexp(math.sqrt(var), e))
        self.mean, self.std = mean, std
        return self

    def transform(self, X: Sequence[Sequence[float]]) -> list[list[float]]:
        """``(x - mean) / std`` for every point of ``X`` (a new list)."""
        rows = self._rows(X, self._width())
        scale = [s or 1.0 for s in self.std]
        return self._finite(
            [[(c - m) / s for c, m, s in zip(r, self.mean, scale, strict=True)] for r in rows],
            "(x - mean) / std",
        )

    def fit_transform(self, X: Sequence[Sequence[float]]) -> list[list[float]]:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Sequence[Sequence[float]]) -> list[list[float]]:
        """Undo ``transform``: ``x * std + mean``."""
        rows = self._rows(X, self._width())
        scale = [s or 1.0 for s in self.std]
        return self._finite(
            [[c * s + m for c, m, s in zip(r, self.mean, scale, strict=True)] for r in rows],
            "x * std + mean",
        )

    def _finite(self, rows: list[list[float]], formula: str) -> list[list[float]]:
        """``rows``, or a ``ValueError`` naming the first value that overflowed."""
        for i, row in enumerate(rows):
            for j, x in enumerate(row):
                if not math.isfinite(x):
                    raise ValueError(
                        f"X[{i}][{j}]: {formula} overflows the float range (mean "
                        f"{self.mean[j]!r}, std {self.std[j]!r}): the point lies too far "
                        "outside the data the Standardizer was fitted on"
                    )
        return rows

    def state_dict(self) -> dict[str, list[float]]:
        """``{"mean": [...], "std": [...]}``, ready for JSON."""
        return {"mean": list(self.mean), "std": list(self.std)}

    def load_state_dict(self, state: dict[str, list[float]]) -> None:
        """Restore what ``state_dict()`` returned (checked before anything changes)."""
        if not isinstance(state, dict) or set(state) != {"mean", "std"}:
            raise ValueError("a Standardizer state must be a dict with exactly 'mean' and 'std'")
        mean = self._rows([state["mean"]], None)[0]
        std = self._rows([state["std"]], len(mean))[0]
        if any(s < 0.0 for s in std):
            raise ValueError(f"std must not be negative, got {std}")
        self.mean, self.std = mean, std

    def _width(self) -> int:
        if not self.mean:
            raise ValueError("this Standardizer is not fitted yet: call fit(X) first")
        return len(self.mean)

    @staticmethod
    def _rows(X: Sequence[Sequence[float]], width: int | None) -> list[list[float]]:
        """``X`` as lists of finite floats, all of length ``width`` (or of the first row's)."""
        if isinstance(X, (str, bytes)) or not isinstance(X, Sequence) or not X:
            raise ValueError("X must be a non-empty sequence of points")
        rows: list[list[float]] = []
        for i, row in enumerate(X):
            if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or not row:
                raise TypeError(f"X[{i}] must be a non-empty sequence of numbers, got {row!r}")
            rows.append([real(c, f"X[{i}][{j}]") for j, c in enumerate(row)])
            width = len(rows[0]) if width is None else width
            if len(row) != width:
                raise ValueError(f"X[{i}] has {len(row)} features, expected {width}")
        return rows


def batches(
    X: Sequence[Sequence[float]],
    y: Sequence[T],
    *,
    batch_size: int,
    shuffle: bool = True,
    drop_last: bool = False,
    seed: Seed = None,
) -> Iterator[tuple[list[list[float]], list[T]]]:
    """One epoch of mini-batches ``(X_batch, y_batch)``, like a PyTorch ``DataLoader``.

    Each example appears in exactly one batch. The last batch is smaller
    when ``batch_size`` does not divide the number of examples, unless
    ``drop_last=True`` leaves it out. Arguments are checked at the call.

    For several epochs call ``batches`` once per epoch. To shuffle
    differently each epoch yet reproducibly, pass one ``random.Random`` as
    ``seed`` every time (or ``seed=base + epoch``); the same int every time
    repeats the same order.

    >>> import random
    >>> X, y = [[float(i)] for i in range(5)], list(range(5))
    >>> [yb for _, yb in batches(X, y, batch_size=2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    >>> rng = random.Random(0)
    >>> for epoch in range(2):
    ...     for X_batch, y_batch in batches(X, y, batch_size=2, drop_last=True, seed=rng):
    ...         pass  # forward, loss, backward, step
    """
    n = _check_xy(X, y)
    size = count(batch_size, "batch_size")
    order = list(range(n))
    if shuffle:
        make_rng(seed).shuffle(order)
    elif seed is not None:
        make_rng(seed)  # still reject a seed of the wrong type
    stop = n - n % size if drop_last else n
    return (
        ([list(X[i]) for i in order[k : k + size]], [y[i] for i in order[k : k + size]])
        for k in range(0, stop, size)
    )


# -- a real data set ----------------------------------------------------------------

#: The digits shipped with the package, inside it (NOTICE gives their source and licence).
DIGITS_RESOURCE = "datasets/digits.csv.gz"
#: Pixels per digit (8 rows of 8, row by row) and the largest pixel value.
DIGIT_PIXELS = 64
DIGIT_MAX = 16
#: The most text ``load_digits`` reads (after decompression): the shipped file
#: is about 0.26 MB and UCI's training set in the same format about 0.6 MB.
DIGITS_MAX_BYTES = 16_000_000


def load_digits(*, path: str | os.PathLike[str] | None = None) -> Dataset:
    """Handwritten digits as 8x8 images: ``(images, labels)``, like every generator here.

    ``images`` is a list with one entry per digit: a list of 64 floats, the
    8x8 pixels row by row, each a whole number from 0 (white) to 16 (every
    pixel of its 4x4 block of the original 32x32 bitmap was ink).
    ``labels`` is a list of ints, the digits 0..9. Each call returns new
    lists: change them freely.

    The digits shipped with the package are the 1,797 of the test set of
    UCI's "Optical Recognition of Handwritten Digits" (E. Alpaydin and
    C. Kaynak, 1998), under CC BY 4.0: the NOTICE file that comes with the
    package gives the citation. ``path`` reads another file in the same
    format instead (UCI's ``optdigits.tra``, say): one digit per line, 64
    pixels and then the label, comma-separated, optionally gzip-compressed
    (``.gz``). A file that is not in that format, or larger than
    ``DIGITS_MAX_BYTES`` of text, raises ``ValueError`` naming the line.

    >>> images, labels = load_digits()
    >>> len(images), len(images[0]), labels[:10]
    (1797, 64, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> images[0][:8]  # the top row of the first digit, a 0
    [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]
    """
    if path is None:
        source = resources.files("autograd_lite").joinpath(DIGITS_RESOURCE)
        with source.open("rb") as raw:
            return _parse_digits(_read_bounded(raw, gzipped=True), DIGITS_RESOURCE)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a path, got {type(path).__name__}")
    name = os.fspath(path)
    # a regular file only (a FIFO or /dev/zero is refused at once), read no further than the cap
    data, _ = read_regular_file(name, "digits file", DIGITS_MAX_BYTES)
    return _parse_digits(_read_bounded(io.BytesIO(data), gzipped=name.endswith(".gz")), name)


def _read_bounded(raw: IO[bytes], *, gzipped: bool) -> str:
    """The text of ``raw`` (decompressed), refusing more than ``DIGITS_MAX_BYTES``."""
    limit = DIGITS_MAX_BYTES + 1  # read one byte more than allowed, to tell "too large"
    try:
        data = gzip.GzipFile(fileobj=raw).read(limit) if gzipped else raw.read(limit)
    except (OSError, EOFError) as error:  # not gzip, or cut short
        raise ValueError(f"cannot decompress the digits file: {error}") from None
    if len(data) > DIGITS_MAX_BYTES:
        raise ValueError(f"the digits file has more than {DIGITS_MAX_BYTES:,} bytes of text")
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise ValueError("the digits file is not plain text (ASCII digits and commas)") from None


def _parse_digits(text: str, source: str) -> Dataset:
    """Rows of 64 pixels 0..16 and a label 0..9 into ``(images, labels)``."""
    images: list[list[float]] = []
    labels: list[int] = []
    for number, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        fields = line.split(",")
        where = f"{source}, line {number}"
        if len(fields) != DIGIT_PIXELS + 1:
            raise ValueError(
                f"{where}: expected {DIGIT_PIXELS} pixels and a label, got {len(fields)} fields"
            )
        try:
            values = [int(field) for field in fields]
        except ValueError:
            raise ValueError(f"{where}: every field must be a whole number") from None
        *pixels, label = values
        if not all(0 <= p <= DIGIT_MAX for p in pixels):
            raise ValueError(f"{where}: pixels must be in 0..{DIGIT_MAX}")
        if not 0 <= label <= 9:
            raise ValueError(f"{where}: the label must be a digit 0..9, got {label}")
        images.append([float(p) for p in pixels])
        labels.append(label)
    if not images:
        raise ValueError(f"{source} holds no digits")
    return images, labels
