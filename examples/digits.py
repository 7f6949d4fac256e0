"""Reading handwritten digits: a small convolutional network, trained compiled in minutes not hours.

The data: 1,797 handwritten digits, each an 8x8 image of pixels from 0
(white) to 16 (ink), with its label 0..9 (``autograd_lite.data.load_digits()``).
They are the test set of the UCI Machine Learning Repository's "Optical
Recognition of Handwritten Digits" by E. Alpaydin and C. Kaynak (1998),
used under the Creative Commons Attribution 4.0 licence (CC BY 4.0); the
NOTICE file beside the package gives the full citation. The lesson keeps a
stratified 20% of them aside as the test set and never trains on it.

The network, built from the library's modules:

    Conv2d(1, 16, 3) -> ReLU -> Conv2d(16, 32, 3) -> ReLU -> Flatten -> Linear(512, 10)

The first layer slides sixteen 3x3 kernels over the image (8x8 -> sixteen
6x6 maps), the second combines them into thirty-two 4x4 maps, and the last
layer turns those 512 numbers into one score per digit. The loss is the
cross-entropy of the scores against the true digit; Adam updates the
weights, and the learning rate shrinks a little every epoch. A digit moved
by one pixel is still the same digit: every epoch, 50% of the training
digits, picked at random, are shifted by -1, 0 or 1 pixel down and by -1, 0
or 1 pixel right, so that the network learns the strokes rather than their
exact places (data augmentation).

Eagerly, every training step builds the graph of every digit of the batch
(thousands of ``Value`` nodes each) and walks it backwards. The graph is
the same at every step, only the numbers change, so the lesson records it
once for one digit, ``step = compile(fn, params, example=..., backend="numpy")``,
and replays it on each batch of 32 digits as numpy arrays: ``step(xs, ys)``
returns the batch's mean loss and adds its gradient to every ``.grad``,
exactly as ``backward()`` on the eager graph would. A recorded target
cannot pick a score by index, so the targets are one-hot (``[0, 0, 1, 0,
...]`` for a 2). The lesson times a few eager batches for comparison (and
checks that their losses equal the compiled ones), trains compiled, then
reads the test digits.

The training data are held as numpy arrays too: every digit at each of its
nine places (where it is, and moved) is made once before training, an epoch picks its digits and
their moves by indexing, and the targets and the accuracy come from whole
batches at once, so no Python loop runs per digit. numpy's BLAS is kept to
one thread (``OPENBLAS_NUM_THREADS=1`` unless you set it): products this
small gain nothing from threads, and lose much when other programs keep the
cores busy.

Run: ``autograd-lite lesson digits`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import math
import os
import random
import sys
import time
from collections.abc import Sequence
from typing import Any

#: numpy's BLAS runs one thread unless the user says otherwise: on a batch of 32 digits the
#: products are small, and threads that wait for a core (other programs busy on it) cost far
#: more than they gain. Read once, when numpy loads: so before it (a no-op if it is loaded).
if "numpy" not in sys.modules:
    for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_threads, "1")

from _lesson import Outcome, pic, plt, say, section, start, tr

from autograd_lite import Value, nn, optim
from autograd_lite import functional as F
from autograd_lite.compile import compile
from autograd_lite.data import DIGIT_MAX, batches, load_digits, train_test_split
from autograd_lite.losses import cross_entropy
from autograd_lite.metrics import accuracy, confusion_matrix, format_confusion_matrix
from autograd_lite.train import predict_classes

SEED = 0
CLASSES = 10
SIDE = 8  # pixels per row and per column
TEST_SHARE = 0.2
BATCH_SIZE = 32
LEARNING_RATE = 0.003
LR_DECAY = 0.93  # the learning rate is multiplied by this after every epoch
EPOCHS = 25
#: Data augmentation: each epoch, this share of the training digits is moved by one of MOVES
#: pixels down and one of MOVES pixels right.
MOVED_SHARE = 0.5
MOVES = (-1, 0, 1)
EAGER_BATCHES = 3  # eager batches timed to estimate one eager epoch
#: The lesson's goal, judged on the full run: test accuracy and seconds of compiling + training.
GOAL_ACCURACY = 0.97
GOAL_SECONDS = 10.0
#: Quick mode (the tests): a slice of the data, a few epochs, one eager batch.
QUICK_TRAIN, QUICK_TEST, QUICK_EPOCHS = 320, 100, 4

Image = list[list[list[float]]]  # [channel][row][column]


def as_image(pixels: Sequence[float]) -> Image:
    """64 pixels (0..16, row by row) as one channel of 8 rows of 8 numbers in [0, 1]."""
    return [[[p / DIGIT_MAX for p in pixels[r * SIDE : (r + 1) * SIDE]] for r in range(SIDE)]]


def one_hot(label: int) -> list[float]:
    """The target a compiled step can replay: 1.0 for the true digit, 0.0 for the others."""
    return [1.0 if k == label else 0.0 for k in range(CLASSES)]


def make_model() -> nn.Sequential:
    """The network; the same seed gives the same starting weights every time."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, seed=SEED),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, seed=SEED + 1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, CLASSES, init="xavier_uniform", seed=SEED + 2),
    )


def per_sample(model: nn.Module) -> Any:
    """One digit's loss, and its scores: the function that gets compiled."""

    def fn(x: Image, y: list[float]) -> tuple[Value, list[Value]]:
        scores = model(x)
        return cross_entropy(scores, y), scores

    return fn


def shifted(pixels: Sequence[float], down: int, right: int) -> list[float]:
    """The digit moved ``down`` rows and ``right`` columns (may be -1), blank where it left."""
    return [
        pixels[(r - down) * SIDE + c - right]
        if 0 <= r - down < SIDE and 0 <= c - right < SIDE
        else 0.0
        for r in range(SIDE)
        for c in range(SIDE)
    ]


def shifted_copies(P: list[list[float]]) -> Any:
    """Every digit moved by every pair of MOVES, made once: an array indexed by
    ``[move, digit]`` of images ``(1, SIDE, SIDE)`` in [0, 1] (move ``i * len(MOVES) + j`` is
    ``MOVES[i]`` down and ``MOVES[j]`` right)."""
    import numpy as np

    moved = [[shifted(p, down, right) for p in P] for down in MOVES for right in MOVES]
    return np.array(moved, dtype=float).reshape(len(moved), len(P), 1, SIDE, SIDE) / DIGIT_MAX


def epoch_batches(copies: Any, y: list[int], epoch: int) -> list[tuple[Any, Any]]:
    """One epoch's shuffled batches ``(images, labels)`` as arrays, a share of the digits moved
    by one pixel (seeded by epoch), read from ``shifted_copies``' array.

    The same epoch gives the same batches, so the eager and the compiled run see the same.
    """
    import numpy as np

    rng = random.Random(SEED + epoch)
    still = MOVES.index(0) * (len(MOVES) + 1)  # the copy moved by 0 down and 0 right
    move = [
        MOVES.index(rng.choice(MOVES)) * len(MOVES) + MOVES.index(rng.choice(MOVES))
        if rng.random() < MOVED_SHARE
        else still
        for _ in y
    ]
    images = copies[move, np.arange(len(y))]
    labels = np.array(y)
    rows = [[float(i)] for i in range(len(y))]  # the batches' order, as data.batches shuffles
    return [
        (images[at], labels[at])
        for at in (
            np.array([int(r[0]) for r in xb])
            for xb, _ in batches(rows, y, batch_size=BATCH_SIZE, seed=rng)
        )
    ]


def batches_text(n: int) -> str:
    """``n`` batches, in the reader's language (English has a plural, Japanese has none)."""
    return tr("1 batch") if n == 1 else tr("{n} batches", n=n)


def mean_abs(xs: Sequence[float]) -> float:
    return sum(abs(x) for x in xs) / len(xs)


def kernels_of(conv: nn.Conv2d) -> list[list[list[float]]]:
    """The first layer's 3x3 kernels as numbers (one input channel)."""
    return [[[w.data for w in row] for row in out[0]] for out in conv.weight]


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    import numpy as np  # after the BLAS threads are chosen (above)

    quick = lesson.quick

    section("the data")
    pixels, labels = load_digits()
    P_train, P_test, y_train, y_test = train_test_split(
        pixels, labels, test_size=TEST_SHARE, seed=SEED, stratify=True
    )
    if quick:
        P_train, y_train = P_train[:QUICK_TRAIN], y_train[:QUICK_TRAIN]
        P_test, y_test = P_test[:QUICK_TEST], y_test[:QUICK_TEST]
    X_test = [as_image(p) for p in P_test]
    print(
        tr(
            "{total} digits of {side}x{side} pixels; {train} for training, {test} held out for "
            "the test (stratified, seed {seed})",
            total=len(pixels), side=SIDE, train=len(P_train), test=len(X_test), seed=SEED,
        )
    )  # fmt: skip
    counts = [y_test.count(k) for k in range(CLASSES)]
    print(tr("per class in the test set: {counts}", counts=counts))

    section("the network")
    model = make_model()
    n_params = len(model.parameters())
    print(model)
    print(tr("{n} parameters", n=n_params))
    conv1 = model[0]
    start_kernels = kernels_of(conv1)

    epochs = QUICK_EPOCHS if quick else EPOCHS
    eager_batches = 1 if quick else EAGER_BATCHES
    copies = shifted_copies(P_train)  # every move of every digit, made once, as an array
    first_batches = epoch_batches(copies, y_train, 0)
    per_epoch = len(first_batches)

    section("the eager way: {batches} of {size}, timed", batches=batches_text(eager_batches),
            size=BATCH_SIZE)  # fmt: skip
    eager_model = make_model()  # a copy with the same starting weights
    eager_fn = per_sample(eager_model)
    eager_opt = optim.Adam(eager_model.parameters(), lr=LEARNING_RATE)
    eager_losses = []
    started = time.perf_counter()
    for xa, ya in first_batches[:eager_batches]:
        xb, yb = xa.tolist(), ya.tolist()  # the eager engine reads lists
        eager_opt.zero_grad()
        loss = F.sum([eager_fn(x, one_hot(k))[0] for x, k in zip(xb, yb, strict=True)]) / len(xb)
        loss.backward()
        eager_opt.step()
        eager_losses.append(loss.data)
    eager_seconds = time.perf_counter() - started
    eager_batch = eager_seconds / eager_batches
    eager_epoch = eager_batch * per_epoch
    print(
        tr(
            "{batches}, eager, took {seconds:.2f} s: {batch:.2f} s a batch, so one epoch of "
            "{per_epoch} batches would take about {epoch:.0f} s (extrapolated, not timed whole)",
            batches=batches_text(eager_batches), seconds=eager_seconds, batch=eager_batch,
            per_epoch=per_epoch, epoch=eager_epoch,
        )
    )  # fmt: skip

    section("compiling one digit's loss")
    fn = per_sample(model)
    opt = optim.Adam(model.parameters(), lr=LEARNING_RATE)
    decay = optim.ExponentialLR(opt, gamma=LR_DECAY)
    started = time.perf_counter()
    step = compile(
        fn, model.parameters(), example=(as_image(P_train[0]), one_hot(y_train[0])), backend="numpy"
    )
    compile_seconds = time.perf_counter() - started
    print(
        tr(
            "recorded {nodes} nodes (inputs, parameters, operations) in {seconds:.2f} s; "
            "numpy backend",
            nodes=step.nodes, seconds=compile_seconds,
        )
    )  # fmt: skip

    section("training compiled: {epochs} epochs of {per_epoch} batches, Adam", epochs=epochs,
            per_epoch=per_epoch)  # fmt: skip
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    compiled_losses: list[float] = []
    started = time.perf_counter()
    # a fused run: zero_grad(), step() and opt.step() in one call, the parameters in one array
    # the batches are arrays: the step reads them as they are, with no Python loop per digit
    targets = np.eye(CLASSES)  # targets[labels]: the one-hot rows of a batch, as one_hot makes
    with step.fused(opt) as run:
        for epoch in range(epochs):
            total, right = 0.0, 0
            for xb, yb in first_batches if epoch == 0 else epoch_batches(copies, y_train, epoch):
                loss = run(xb, targets[yb])
                if epoch == 0 and len(compiled_losses) < eager_batches:
                    compiled_losses.append(loss)
                total += loss * len(xb)
                right += int((np.argmax(step.outputs, axis=1) == yb).sum())
            decay.step()
            history["loss"].append(total / len(P_train))
            history["accuracy"].append(right / len(P_train))
            if epoch in (0, epochs - 1) or (epoch + 1) % 5 == 0:
                print(
                    tr(
                        "epoch {epoch:>3}: training loss {loss:.4f}, training accuracy "
                        "{accuracy:.1%} (shifted digits included)",
                        epoch=epoch + 1, loss=history["loss"][-1],
                        accuracy=history["accuracy"][-1],
                    )
                )  # fmt: skip
    train_seconds = time.perf_counter() - started
    compiled_epoch = train_seconds / epochs
    speedup = eager_epoch / compiled_epoch
    loss_gap = max(abs(a - b) / abs(b) for a, b in zip(compiled_losses, eager_losses, strict=True))
    print(
        tr(
            "training took {train:.1f} s ({epoch:.2f} s an epoch), plus {compiling:.2f} s of "
            "compiling; {calls} calls of the step, {checks} of them checked against the eager "
            "engine (the first, then from the {every}th on, further apart), {eager_runs} re-run "
            "eagerly",
            train=train_seconds, epoch=compiled_epoch, compiling=compile_seconds,
            calls=step.calls, checks=step.checks, every=step.check_every,
            eager_runs=step.eager_runs,
        )
    )  # fmt: skip
    print(
        tr(
            "one epoch: about {eager:.1f} s eager (extrapolated) vs {compiled:.2f} s compiled: "
            "{speedup:.0f}x faster",
            eager=eager_epoch, compiled=compiled_epoch, speedup=speedup,
        )
    )  # fmt: skip
    print(
        tr(
            "the losses of the first {batches}, eager vs compiled: largest relative difference "
            "{gap:.1e}",
            batches=batches_text(eager_batches), gap=loss_gap,
        )
    )  # fmt: skip

    section("reading the test digits")
    predicted = predict_classes(model, X_test, cross_entropy)  # eager, no graph recorded
    acc = accuracy(y_test, predicted)
    matrix = confusion_matrix(y_test, predicted, num_classes=CLASSES)
    wrong = [i for i, (t, p) in enumerate(zip(y_test, predicted, strict=True)) if t != p]
    print(
        tr(
            "test accuracy {accuracy:.1%}  ({right} of {total} read right)",
            accuracy=acc, right=len(y_test) - len(wrong), total=len(y_test),
        )
    )  # fmt: skip
    print("\n" + tr("confusion matrix (rows: the true digit, columns: the digit read):"))
    print(format_confusion_matrix(matrix))
    misread = tr(", ").join(tr("{t} read as {p}", t=y_test[i], p=predicted[i]) for i in wrong)
    print("\n" + tr("misread: {digits}", digits=misread or tr("none")))
    total_seconds = compile_seconds + train_seconds
    if quick:
        print(
            tr("(quick mode: a slice of the data and a few epochs; the goal is for the full run)")
        )
    else:
        met = acc >= GOAL_ACCURACY and total_seconds < GOAL_SECONDS
        print(
            tr(
                "goal: at least {goal:.0%} test accuracy with under {limit:.0f} s of compiling "
                "and training: {accuracy:.1%} in {seconds:.1f} s, {verdict}",
                goal=GOAL_ACCURACY, limit=GOAL_SECONDS, accuracy=acc, seconds=total_seconds,
                verdict=tr("met") if met else tr("NOT met"),
            )
        )  # fmt: skip
    start_size = mean_abs([w for k in start_kernels for row in k for w in row])
    moved = mean_abs(
        [a - b for k0, k1 in zip(start_kernels, kernels_of(conv1), strict=True)
         for r0, r1 in zip(k0, k1, strict=True) for a, b in zip(r0, r1, strict=True)]
    )  # fmt: skip
    print(
        tr(
            "the first layer's kernel weights: {size:.3f} in size on average at the start, each "
            "moved by {moved:.3f} on average in training",
            size=start_size, moved=moved,
        )
    )  # fmt: skip
    pairs = [(matrix[t][p], t, p) for t in range(CLASSES) for p in range(CLASSES) if t != p]
    most = max(count for count, _, _ in pairs)
    if most > 1:
        often = tr(", ").join(
            tr("{t} read as {p}", t=t, p=p) for count, t, p in pairs if count == most
        )
        print(tr("the most frequent mistake ({most} times): {mistakes}", most=most, mistakes=often))
    say(
        """The network never saw these digits. The confusion matrix says which digits it mixes
        up (row: the true digit, column: the digit read). The first layer's kernels are what
        it learned to look for: the pictures show them, and what each one sees in a digit."""
    )

    draw_digits(lesson, X_test, y_test, predicted, matrix, acc)
    draw_kernels(lesson, conv1, start_kernels, X_test[0])
    draw_training(lesson, history, acc, eager_epoch, compiled_epoch, eager_batches)
    return lesson.finish(
        accuracy=acc,
        accuracy_from_matrix=sum(matrix[k][k] for k in range(CLASSES)) / len(y_test),
        matrix=matrix,
        n_test=len(y_test),
        n_train=len(y_train),
        n_params=n_params,
        loss=history["loss"],
        train_accuracy=history["accuracy"],
        eager_vs_compiled_loss=loss_gap,
        compile_seconds=compile_seconds,
        train_seconds=train_seconds,
        eager_epoch_seconds=eager_epoch,
        compiled_epoch_seconds=compiled_epoch,
        speedup=speedup,
    )


# -- pictures -------------------------------------------------------------------------


#: A digit's place on a sheet: its 8x8 pixels, a white strip below for its label, gaps.
CELL_W, CELL_H = SIDE + 1, SIDE + 4


def montage(images: Sequence[Image], columns: int) -> Any:
    """Digits side by side as one array (white between them and below each)."""
    import numpy as np

    rows = math.ceil(len(images) / columns)
    sheet = np.zeros((rows * CELL_H, columns * CELL_W + 1))
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        sheet[r * CELL_H + 1 : r * CELL_H + 1 + SIDE, c * CELL_W + 1 : c * CELL_W + 1 + SIDE] = (
            image[0]
        )
    return sheet


def draw_sheet(
    ax: Any, images: Sequence[Image], truth: Sequence[int], read: Sequence[int], columns: int
) -> None:
    """A sheet of digits, each with what the network read; misreadings framed in red."""
    from matplotlib.patches import Rectangle

    ax.imshow(montage(images, columns), cmap="gray_r", vmin=0.0, vmax=1.0)
    for i, (t, p) in enumerate(zip(truth, read, strict=True)):
        r, c = divmod(i, columns)
        x0, y0 = c * CELL_W + 0.5, r * CELL_H + 0.5  # the digit's top-left corner
        label_y = y0 + SIDE + 1.6
        if t == p:
            ax.text(x0 + SIDE / 2, label_y, str(p), color="tab:blue", fontsize=9,
                    ha="center", va="center")  # fmt: skip
        else:
            ax.add_patch(Rectangle((x0, y0), SIDE, SIDE, fill=False, ec="tab:red", lw=2))
            ax.text(x0 + SIDE / 2, label_y, f"{p} ({t})", color="tab:red", fontsize=9,
                    fontweight="bold", fontfamily="DejaVu Sans",  # matplotlib's own; it has bold
                    ha="center", va="center")  # fmt: skip
    ax.set_xticks([])
    ax.set_yticks([])


def draw_digits(
    lesson: Any,
    X: list[Image],
    y: list[int],
    predicted: list[int],
    matrix: list[list[int]],
    acc: float,
) -> None:
    columns = 12
    shown = min(len(X), 5 * columns)
    misread = [i for i in range(len(X)) if y[i] != predicted[i]]
    wrong = misread[: 2 * columns]
    fig, axes = plt.subplot_mosaic(
        [["sheet", "matrix"], ["wrong", "matrix"]],
        figsize=(15, 7.5),
        layout="constrained",
        width_ratios=[1.3, 1],
        height_ratios=[math.ceil(shown / columns), max(1, math.ceil(len(wrong) / columns))],
    )
    draw_sheet(axes["sheet"], X[:shown], y[:shown], predicted[:shown], columns)
    n_wrong_shown = sum(y[i] != predicted[i] for i in range(shown))
    axes["sheet"].set_title(
        pic("The first {shown} test digits, each with the digit the network read: {right} right "
            "(blue), {wrong} misread (red)",
            shown=shown, right=shown - n_wrong_shown, wrong=n_wrong_shown), fontsize=10
    )  # fmt: skip
    if wrong:
        draw_sheet(axes["wrong"], [X[i] for i in wrong], [y[i] for i in wrong],
                   [predicted[i] for i in wrong], columns)  # fmt: skip
        heading = (
            pic("Every misread test digit (the first {shown}): {wrong} of {total}; the digit "
                "read, then the true digit in brackets",
                shown=len(wrong), wrong=len(misread), total=len(y))
            if len(misread) > len(wrong)
            else pic("Every misread test digit: {wrong} of {total}; the digit read, then the true "
                     "digit in brackets", wrong=len(misread), total=len(y))
        )  # fmt: skip
        axes["wrong"].set_title(heading, fontsize=10)
    else:
        axes["wrong"].axis("off")
        axes["wrong"].set_title(pic("No test digit was misread"), fontsize=10)
    ax = axes["matrix"]
    image = ax.imshow(matrix, cmap="Blues")
    top = max(map(max, matrix))
    for i in range(CLASSES):
        for j in range(CLASSES):
            if matrix[i][j]:
                colour = "white" if matrix[i][j] > top / 2 else "black"
                ax.text(j, i, str(matrix[i][j]), ha="center", va="center", color=colour,
                        fontsize=10)  # fmt: skip
    ax.set_xticks(range(CLASSES))
    ax.set_yticks(range(CLASSES))
    ax.set(xlabel=pic("digit read"), ylabel=pic("true digit"),
           title=pic("Confusion matrix of the {total} test digits (accuracy {accuracy:.1%})",
                     total=len(y), accuracy=acc))  # fmt: skip
    fig.colorbar(image, ax=ax, label=pic("test digits"), shrink=0.7)
    fig.suptitle(pic("A small convolutional network reads handwritten digits it never trained on"))
    lesson.save(fig, "digits.png")


def feature_maps(conv: nn.Conv2d, image: Image) -> list[list[list[float]]]:
    """The first layer's ReLU outputs for one image (eager, no graph needed)."""
    from autograd_lite import no_grad

    with no_grad():
        maps = conv(image)
    return [[[max(v.data, 0.0) for v in row] for row in m] for m in maps]


def kernel_grid(fig: Any, kernels: list[list[list[float]]], limit: float, title: str) -> None:
    """The kernels in rows of 8, one colour scale (red: positive, blue: negative)."""
    columns = 8
    axes = fig.subplots(math.ceil(len(kernels) / columns), columns)
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if k < len(kernels):
            ax.imshow(kernels[k], cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(str(k), fontsize=8)
    fig.suptitle(title, fontsize=11)


def draw_kernels(
    lesson: Any, conv: nn.Conv2d, start_kernels: list[list[list[float]]], digit: Image
) -> None:
    learned = kernels_of(conv)
    maps = feature_maps(conv, digit)
    limit = max(abs(w) for k in start_kernels + learned for row in k for w in row)
    fig = plt.figure(figsize=(14, 7), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[0.7, 1])
    before, after = top.subfigures(1, 2, wspace=0.05)
    kernel_grid(before, start_kernels, limit,
                pic("The first layer's 3x3 kernels at the start (random)"))  # fmt: skip
    kernel_grid(after, learned, limit,
                pic("... and after training (red: positive, blue: negative)"))  # fmt: skip
    left, right = bottom.subfigures(1, 2, width_ratios=[1, 4])
    ax = left.subplots()
    ax.imshow(digit[0], cmap="gray_r", vmin=0.0, vmax=1.0)
    ax.set(xticks=[], yticks=[], title=pic("a test digit"))
    axes = right.subplots(2, 8)
    brightest = max(v for m in maps for row in m for v in row) or 1.0
    for k, ax in enumerate(axes.flat):
        ax.imshow(maps[k], cmap="magma", vmin=0.0, vmax=brightest)
        ax.set(xticks=[], yticks=[])
        ax.set_title(str(k), fontsize=8)
    right.suptitle(pic("What each learned kernel sees in it: its 6x6 map after ReLU (black: 0, "
                       "bright: strong; one scale for all)"),
                   fontsize=11)  # fmt: skip
    lesson.save(fig, "kernels.png")


def draw_training(
    lesson: Any,
    history: dict[str, list[float]],
    test_accuracy: float,
    eager_epoch: float,
    compiled_epoch: float,
    eager_batches: int,
) -> None:
    from matplotlib.ticker import MaxNLocator

    fig, (ax_l, ax_t) = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    epochs = range(1, len(history["loss"]) + 1)
    ax_l.plot(epochs, history["loss"], "o-", ms=3, label=pic("training loss (cross-entropy)"))
    ax_l.set(xlabel=pic("epoch"), ylabel=pic("mean loss (log scale)"), yscale="log",
             title=pic("Training, compiled (numpy backend)"))  # fmt: skip
    ax_l.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_a = ax_l.twinx()
    ax_a.plot(
        epochs,
        history["accuracy"],
        "s-",
        ms=3,
        color="C1",
        label=pic("training accuracy (during each epoch, shifted digits too)"),
    )
    ax_a.axhline(test_accuracy, color="C2", ls="--",
                 label=pic("test accuracy after training ({accuracy:.1%})",
                           accuracy=test_accuracy))  # fmt: skip
    ax_a.set(ylabel=pic("accuracy"), ylim=(0, 1.02))
    lines = ax_l.get_lines() + ax_a.get_lines()
    ax_l.legend(lines, [str(line.get_label()) for line in lines], loc="center right", fontsize=8)
    eager_label = (
        pic("eager\n(extrapolated from 1 batch)")
        if eager_batches == 1
        else pic("eager\n(extrapolated from {n} batches)", n=eager_batches)
    )
    bars = ax_t.bar([eager_label, pic("compiled\n(numpy backend)")],
                    [eager_epoch, compiled_epoch], color=["C7", "C2"])  # fmt: skip
    ax_t.bar_label(bars, labels=[f"{eager_epoch:.1f} s", f"{compiled_epoch:.2f} s"])
    speedup = eager_epoch / compiled_epoch
    ax_t.set(
        ylabel=pic("seconds for one epoch"),
        title=pic("One epoch: compiled is {speedup:.0f}x faster", speedup=speedup),
    )
    lesson.save(fig, "training.png")


if __name__ == "__main__":
    main()
