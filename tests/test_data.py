"""Tests for autograd_lite.data: generators, splitting, scaling, batching."""

from __future__ import annotations

import doctest
import gzip
import math
import random
import statistics
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import data
from autograd_lite.data import (
    Standardizer,
    batches,
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    train_test_split,
    xor,
)

GENERATORS: list[tuple[Callable[..., data.Dataset], dict[str, Any], int]] = [
    (make_moons, {"noise": 0.1}, 2),
    (make_circles, {"noise": 0.05}, 2),
    (make_blobs, {"centers": 4}, 4),
    (make_spirals, {"n_classes": 3, "noise": 0.01}, 3),
    (xor, {"noise": 0.05}, 2),
]
IDS = [g.__name__ for g, _, _ in GENERATORS]


def test_docstring_examples() -> None:
    result = doctest.testmod(data)
    assert result.attempted > 10
    assert result.failed == 0


@pytest.mark.parametrize(("gen", "kwargs", "k"), GENERATORS, ids=IDS)
def test_shapes_labels_and_balance(gen: Callable[..., data.Dataset], kwargs: Any, k: int) -> None:
    for n in (1, 7, 101):
        X, y = gen(n, seed=3, **kwargs)
        assert len(X) == len(y) == n
        assert all(len(p) == 2 and all(isinstance(c, float) for c in p) for p in X)
        assert all(type(label) is int and 0 <= label < k for label in y)
        counts = Counter(y)
        if n >= k:
            assert sorted(counts) == list(range(k))
        assert max(counts.values()) - min(counts.values()) <= 1 + (k == 2 and n % 2)


@pytest.mark.parametrize(("gen", "kwargs", "k"), GENERATORS, ids=IDS)
def test_seeded_generators_repeat_and_leave_the_global_rng_alone(
    gen: Callable[..., data.Dataset], kwargs: Any, k: int
) -> None:
    random.seed(1234)
    before = random.getstate()
    assert gen(50, seed=7, **kwargs) == gen(50, seed=7, **kwargs)
    assert gen(50, seed=7, **kwargs) != gen(50, seed=8, **kwargs)
    gen(50, seed=None, **kwargs)
    assert random.getstate() == before
    # A shared Random continues: two calls differ, and replaying the Random repeats them.
    rng = random.Random(5)
    first, second = gen(20, seed=rng, **kwargs), gen(20, seed=rng, **kwargs)
    assert first != second
    replay = random.Random(5)
    assert gen(20, seed=replay, **kwargs) == first


def test_moons_are_two_interleaving_half_circles() -> None:
    X, y = make_moons(200, seed=0)
    for (a, b), label in zip(X, y, strict=True):
        if label == 0:  # upper half of the unit circle
            assert math.isclose(a * a + b * b, 1.0) and b >= -1e-12
        else:  # lower half of the unit circle centred at (1, 0.5)
            assert math.isclose((a - 1) ** 2 + (b - 0.5) ** 2, 1.0) and b <= 0.5 + 1e-12
    xs = sorted(a for (a, _), label in zip(X, y, strict=True) if label == 0)
    assert math.isclose(xs[0], -1.0) and math.isclose(xs[-1], 1.0)
    assert Counter(y) == {0: 100, 1: 100}
    assert make_moons(3, shuffle=False)[1] == [0, 1, 1]


def test_noise_is_gaussian_with_the_given_spread() -> None:
    clean, y0 = make_moons(2000, seed=4)
    noisy, y1 = make_moons(2000, noise=0.1, seed=4)
    assert y0 == y1  # shuffling comes before the noise, so the points line up
    residuals = [
        n - c for p, q in zip(noisy, clean, strict=True) for n, c in zip(p, q, strict=True)
    ]
    assert abs(statistics.fmean(residuals)) < 0.01
    assert 0.095 < statistics.pstdev(residuals) < 0.105


def test_circles_radii() -> None:
    X, y = make_circles(50, factor=0.3, seed=0)
    for (a, b), label in zip(X, y, strict=True):
        assert math.isclose(math.hypot(a, b), 0.3 if label else 1.0)


def test_blobs_centres_dimensions_and_box() -> None:
    X, y = make_blobs(10, centers=[[1.0, 2.0, 3.0], [-1.0, 0.0, 0.5]], noise=0.0, seed=0)
    assert all(
        p == ([1.0, 2.0, 3.0] if label == 0 else [-1.0, 0.0, 0.5])
        for p, label in zip(X, y, strict=True)
    )
    X, y = make_blobs(30, centers=3, n_features=5, noise=0.0, center_box=(2.0, 3.0), seed=1)
    assert all(len(p) == 5 and all(2.0 <= c <= 3.0 for c in p) for p in X)
    assert len({tuple(p) for p in X}) == 3


def test_spirals_and_xor_geometry() -> None:
    X, y = make_spirals(60, n_classes=3, turns=2.0, seed=0)
    radii = sorted(math.hypot(a, b) for a, b in X)
    assert math.isclose(radii[0], 0.0, abs_tol=1e-12) and math.isclose(radii[-1], 1.0)
    X, y = xor(400, margin=0.2, seed=2)
    for (a, b), label in zip(X, y, strict=True):
        assert label == int((a > 0) != (b > 0))
        assert 0.2 <= abs(a) <= 1.0 and 0.2 <= abs(b) <= 1.0
    assert Counter(y) == {0: 200, 1: 200}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_moons(0), "n_samples must be at least 1"),
        (lambda: make_moons(2.5), "n_samples must be an int"),  # type: ignore[arg-type]
        (lambda: make_moons(10, noise=-0.1), "noise must be a finite number >= 0"),
        (lambda: make_moons(10, noise=math.nan), "noise"),
        (lambda: make_moons(10, seed=1.5), "seed must be an int"),  # type: ignore[arg-type]
        (lambda: make_circles(10, factor=1.0), "factor must be in"),
        (lambda: make_blobs(10, centers=0), "centers must be at least 1"),
        (lambda: make_blobs(10, centers=[[0.0], [1.0, 2.0]]), r"centers\[1\] has 2"),
        (lambda: make_blobs(10, center_box=(1.0, 1.0)), "center_box must have low < high"),
        (lambda: make_spirals(10, n_classes=0), "n_classes must be at least 1"),
        (lambda: xor(10, margin=1.0), "margin must be in"),
    ],
)
def test_generator_arguments_are_checked(call: Callable[[], object], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# -- train_test_split ------------------------------------------------------------


def test_split_sizes_partition_and_seed() -> None:
    X, y = make_blobs(40, centers=2, seed=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, seed=1)
    assert (len(X_tr), len(X_te)) == (30, 10)
    pairs = sorted(map(repr, zip(X, y, strict=True)))
    assert sorted(map(repr, zip(X_tr + X_te, y_tr + y_te, strict=True))) == pairs
    assert train_test_split(X, y, seed=1) == (X_tr, X_te, y_tr, y_te)
    assert train_test_split(X, y, seed=2) != (X_tr, X_te, y_tr, y_te)
    assert len(train_test_split(X, y, test_size=7)[1]) == 7
    assert len(train_test_split(X, y, test_size=0.01)[1]) == 1  # ceil, like scikit-learn
    assert train_test_split(X, y, test_size=5, shuffle=False)[3] == y[-5:]


def test_split_copies_rows() -> None:
    X, y = [[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1]
    X_tr, _, _, _ = train_test_split(X, y, seed=0)
    X_tr[0][0] = 99.0
    assert 99.0 not in [row[0] for row in X]


@given(st.lists(st.integers(0, 3), min_size=4, max_size=60), st.floats(0.05, 0.9), st.integers())
def test_stratified_split_keeps_class_shares(labels: list[int], size: float, seed: int) -> None:
    X = [[float(i)] for i in range(len(labels))]
    n_test = math.ceil(size * len(labels))
    if not 0 < n_test < len(labels):
        return
    X_tr, X_te, y_tr, y_te = train_test_split(X, labels, test_size=size, seed=seed, stratify=True)
    assert len(X_te) == n_test
    assert Counter(y_tr) + Counter(y_te) == Counter(labels)
    for label, count in Counter(labels).items():
        assert abs(Counter(y_te)[label] - n_test * count / len(labels)) < 1.0
    for row, label in zip(X_tr + X_te, y_tr + y_te, strict=True):
        assert labels[int(row[0])] == label


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"test_size": 0.0}, "leaves 0 of 8"),
        ({"test_size": 8}, "leaves 8 of 8"),
        ({"test_size": 1.5}, r"test_size must be in \[0, 1\)"),
        ({"test_size": "a"}, "test_size must be a real number"),
    ],
)
def test_split_arguments_are_checked(kwargs: Any, message: str) -> None:
    X, y = xor(8, seed=0)
    with pytest.raises((ValueError, TypeError), match=message):
        train_test_split(X, y, **kwargs)
    with pytest.raises(ValueError, match="same length, got 8 and 7"):
        train_test_split(X, y[:-1])
    with pytest.raises(ValueError, match="must not be empty"):
        train_test_split([], [])


# -- Standardizer ----------------------------------------------------------------


def test_standardizer_statistics_zero_std_and_inverse() -> None:
    X, _ = make_blobs(50, centers=2, n_features=3, seed=0)
    X = [[a, b, 4.2] for a, b, _ in X]  # a constant third feature
    scaler = Standardizer()
    Z = scaler.fit_transform(X)
    for j in range(2):
        col = [row[j] for row in Z]
        assert math.isclose(statistics.fmean(col), 0.0, abs_tol=1e-12)
        assert math.isclose(statistics.pstdev(col), 1.0)
    assert scaler.std[2] == 0.0 and all(row[2] == 0.0 for row in Z)
    back = scaler.inverse_transform(Z)
    assert all(
        math.isclose(a, b) for r, s in zip(back, X, strict=True) for a, b in zip(r, s, strict=True)
    )
    assert scaler.mean[0] == pytest.approx(statistics.fmean(row[0] for row in X))


def test_standardizer_state_and_errors() -> None:
    scaler = Standardizer()
    assert "not fitted" in repr(scaler)
    with pytest.raises(ValueError, match="not fitted"):
        scaler.transform([[1.0]])
    scaler.fit([[1.0, 2.0], [3.0, 6.0]])
    other = Standardizer()
    other.load_state_dict(scaler.state_dict())
    assert other.transform([[2.0, 2.0]]) == scaler.transform([[2.0, 2.0]]) == [[0.0, -1.0]]
    with pytest.raises(ValueError, match=r"X\[0\] has 3 features, expected 2"):
        scaler.transform([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match=r"X\[1\]\[0\] must be"):
        Standardizer().fit([[1.0], [math.inf]])
    with pytest.raises(TypeError, match=r"X\[0\] must be a non-empty sequence"):
        Standardizer().fit([5.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="std must not be negative"):
        other.load_state_dict({"mean": [0.0], "std": [-1.0]})
    with pytest.raises(ValueError, match="exactly 'mean' and 'std'"):
        other.load_state_dict({"mean": [0.0]})
    assert other.mean == [2.0, 4.0]  # failed loads changed nothing


# -- batches ---------------------------------------------------------------------


@given(st.integers(1, 50), st.integers(1, 20), st.booleans(), st.booleans(), st.integers())
def test_batches_cover_each_example_once(
    n: int, size: int, shuffle: bool, drop_last: bool, seed: int
) -> None:
    X = [[float(i), -float(i)] for i in range(n)]
    y = list(range(n))
    out = list(batches(X, y, batch_size=size, shuffle=shuffle, drop_last=drop_last, seed=seed))
    sizes = [len(yb) for _, yb in out]
    expected = [size] * (n // size) + ([] if drop_last or n % size == 0 else [n % size])
    assert sizes == expected
    seen = [label for _, yb in out for label in yb]
    assert len(set(seen)) == len(seen)
    assert all(
        xb_row == [float(t), -float(t)] for xb, yb in out for xb_row, t in zip(xb, yb, strict=True)
    )
    if not shuffle:
        assert seen == list(range(len(seen)))


def test_batches_seeding_across_epochs() -> None:
    X, y = [[float(i)] for i in range(30)], list(range(30))

    def epoch(seed: data.Seed) -> list[int]:
        return [t for _, yb in batches(X, y, batch_size=8, seed=seed) for t in yb]

    assert epoch(3) == epoch(3) != epoch(4)
    rng = random.Random(0)
    first, second = epoch(rng), epoch(rng)
    assert first != second and sorted(first) == sorted(second) == y
    replay = random.Random(0)
    assert [epoch(replay), epoch(replay)] == [first, second]


def test_batches_check_arguments_at_the_call() -> None:
    X, y = [[1.0], [2.0]], [0, 1]
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        batches(X, y, batch_size=0)
    with pytest.raises(TypeError, match="batch_size must be an int"):
        batches(X, y, batch_size=2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same length"):
        batches(X, [0], batch_size=1)
    with pytest.raises(TypeError, match="seed must be"):
        batches(X, y, batch_size=1, shuffle=False, seed="x")  # type: ignore[arg-type]
    assert list(batches(X, y, batch_size=5, drop_last=True)) == []


# -- Standardizer at the edges of the floats (issue 9) ----------------------------------


def test_standardizer_names_an_int_too_large_for_a_float() -> None:
    for bad in ([[10**400], [1]], [[1], [-(10**400)]]):
        with pytest.raises(ValueError, match=r"X\[\d\]\[0\] is an int too large for a float"):
            Standardizer().fit(bad)
    scaler = Standardizer()
    with pytest.raises(ValueError, match=r"X\[0\]\[1\] is an int too large"):
        scaler.load_state_dict({"mean": [0.0, 10**400], "std": [1.0, 1.0]})
    assert scaler.mean == []  # unchanged


def test_standardizer_fits_data_near_the_float_limit_without_overflow() -> None:
    big = 1.7e308
    scaler = Standardizer().fit([[big], [-big]])  # the plain sum of squares is inf
    assert (scaler.mean, scaler.std) == ([0.0], [big])
    assert scaler.transform([[big], [-big]]) == [[1.0], [-1.0]]
    scaler.fit([[big], [big], [1e308]])  # the plain sum is inf, the mean is not
    assert math.isfinite(scaler.mean[0]) and math.isfinite(scaler.std[0])
    assert scaler.mean[0] == pytest.approx(big / 3 * 2 + 1e308 / 3, rel=1e-15)


def test_standardizer_scaling_is_exact_so_ordinary_data_gets_the_plain_formula() -> None:
    rng = random.Random(0)
    for _ in range(300):
        col = [rng.uniform(-1e3, 1e3) * 10 ** rng.randint(-8, 8) for _ in range(rng.randint(2, 9))]
        n = len(col)
        mean = math.fsum(col) / n
        std = math.sqrt(math.fsum((c - mean) ** 2 for c in col) / n)
        scaler = Standardizer().fit([[c] for c in col])
        assert (scaler.mean, scaler.std) == ([mean], [std])


def test_standardizer_refuses_a_transform_that_overflows() -> None:
    scaler = Standardizer().fit([[1.0], [2.0]])
    with pytest.raises(ValueError, match=r"X\[1\]\[0\]: \(x - mean\) / std overflows"):
        scaler.transform([[1.0], [1.7e308]])
    wide = Standardizer().fit([[1.7e308], [-1.7e308]])
    with pytest.raises(ValueError, match=r"X\[0\]\[0\]: x \* std \+ mean overflows"):
        wide.inverse_transform([[2.0]])


# -- load_digits: the data set shipped with the package ----------------------------


def test_load_digits_count_shape_and_ranges() -> None:
    images, labels = data.load_digits()
    assert len(images) == len(labels) == 1797  # the UCI test set, as NOTICE describes it
    assert all(isinstance(row, list) and len(row) == 64 for row in images)  # 8x8, row by row
    pixels = [p for row in images for p in row]
    assert all(isinstance(p, float) and p.is_integer() for p in pixels)
    assert (min(pixels), max(pixels)) == (0.0, 16.0)
    assert all(type(label) is int for label in labels)
    counts = Counter(labels)
    assert sorted(counts) == list(range(10))
    assert min(counts.values()) == 174 and max(counts.values()) == 183  # about 180 of each digit
    assert all(any(row) for row in images)  # no blank image


def test_load_digits_returns_fresh_lists() -> None:
    images, labels = data.load_digits()
    images[0][0], labels[0] = 99.0, 99
    again_images, again_labels = data.load_digits()
    assert again_images[0][0] == 0.0 and again_labels[0] == 0


def test_load_digits_reads_another_file_in_the_same_format(tmp_path: Path) -> None:
    rows = [[*([0] * 63), 16, 7], [*range(17), *([3] * 47), 2]]
    text = "\n".join(",".join(map(str, row)) for row in rows) + "\n\n"
    plain = tmp_path / "few.csv"
    plain.write_text(text, encoding="ascii")
    packed = tmp_path / "few.csv.gz"
    packed.write_bytes(gzip.compress(text.encode("ascii")))
    for path in (plain, packed, str(packed)):
        images, labels = data.load_digits(path=path)
        assert labels == [7, 2]
        assert images[0][-1] == 16.0 and images[1][:3] == [0.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,2,3\n", "line 1: expected 64 pixels and a label, got 3 fields"),
        (",".join(["0"] * 64) + ",x\n", "line 1: every field must be a whole number"),
        (",".join(["17"] * 64) + ",1\n", "line 1: pixels must be in 0..16"),
        (",".join(["0"] * 64) + ",1\n" + ",".join(["0"] * 64) + ",10\n", "line 2: the label"),
        ("\n\n", "holds no digits"),
        ("é", "not plain text"),
    ],
)
def test_load_digits_refuses_a_malformed_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        data.load_digits(path=path)


def test_load_digits_refuses_files_too_large_or_not_gzip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_gzip = tmp_path / "digits.csv.gz"
    not_gzip.write_bytes(b"0,1,2\n")
    with pytest.raises(ValueError, match="cannot decompress"):
        data.load_digits(path=not_gzip)
    monkeypatch.setattr(data, "DIGITS_MAX_BYTES", 1000)  # the shipped file has ~260 kB of text
    with pytest.raises(ValueError, match="more than 1,000 bytes"):
        data.load_digits()
    with pytest.raises(TypeError, match="path must be a str or a path"):
        data.load_digits(path=3)  # type: ignore[arg-type]


def test_load_digits_reads_regular_files_only(tmp_path: Path) -> None:
    """A FIFO, /dev/zero or a folder is refused at once: no blocking, no endless read."""
    import os

    fifo = tmp_path / "digits.csv"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    for path, kind in (
        (fifo, "a FIFO"),
        (Path("/dev/zero"), "a character device"),
        (tmp_path, "a directory"),
    ):
        with pytest.raises(ValueError, match=f"is not a digits file: it is {kind}"):
            data.load_digits(path=path)
    with pytest.raises(FileNotFoundError, match="no digits file at"):
        data.load_digits(path=tmp_path / "missing.csv")
