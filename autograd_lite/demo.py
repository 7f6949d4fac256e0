"""``autograd-lite demo``: train micrograd's demo network and watch it learn.

With no options it does what micrograd's demo notebook does: an MLP with two
hidden layers of 16 ReLU units learns to separate 100 two-moons points, with
the max-margin (hinge) loss, an L2 penalty of 1e-4 (``weight_decay=2e-4`` in
SGD: the same update) and SGD whose learning rate falls linearly from 1.0
(epoch k of N uses 1.0 - 0.9 (k - 1) / N: 0.109 in the last of 100 epochs).
It prints loss and accuracy per epoch, then the final loss and accuracy on
the training set and a confusion matrix. The printed losses are the data
loss alone (mean hinge or cross-entropy), without the L2 term. It writes
into ``./autograd_lite_demo/``:

* ``decision_boundary.png``: the classes the network predicts over the plane,
  with the training points;
* ``training_curve.png``: loss and accuracy per epoch;
* ``model.json``: the trained model (``autograd_lite.checkpoint.load`` reads it).

Data sets with two classes use one output unit and the hinge loss; with
more classes, one output per class and cross-entropy.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograd_lite import data as D
from autograd_lite import i18n, losses, nn, optim
from autograd_lite.checkpoint import save
from autograd_lite.compile import GraphTooLargeError
from autograd_lite.metrics import confusion_matrix, format_confusion_matrix
from autograd_lite.train import Evaluation, History, evaluate, fit, predict_classes

HELP = "train a small network on two moons (micrograd's demo) and plot what it learned"

#: data set -> (generator, its keyword arguments, default noise)
DATASETS: dict[str, tuple[Callable[..., D.Dataset], dict[str, Any], float]] = {
    "moons": (D.make_moons, {}, 0.1),
    "circles": (D.make_circles, {"factor": 0.5}, 0.1),
    "xor": (D.xor, {}, 0.1),
    "blobs": (D.make_blobs, {"centers": [[-1.0, -1.0], [1.0, -1.0], [0.0, 1.0]]}, 0.4),
    "spirals": (D.make_spirals, {"n_classes": 3}, 0.02),
}

#: optimiser -> (class, default learning rate, extra arguments)
OPTIMIZERS: dict[str, tuple[Callable[..., optim.Optimizer], float, dict[str, Any]]] = {
    "sgd": (optim.SGD, 1.0, {}),
    "momentum": (optim.SGD, 0.1, {"momentum": 0.9}),
    "adagrad": (optim.Adagrad, 0.5, {}),
    "rmsprop": (optim.RMSprop, 0.01, {}),
    "adam": (optim.Adam, 0.05, {}),
    "adamw": (optim.AdamW, 0.05, {}),
}

#: micrograd's demo adds 1e-4 * sum(w^2) to the loss; its gradient is 2e-4 * w.
WEIGHT_DECAY = 2e-4

#: The largest --noise: the data sets span a few units, so more noise only hides
#: them, and huge inputs overflow the network (exit 2 instead of a divergence).
MAX_NOISE = 100.0


def dataset_classes(dataset: str) -> int:
    """How many classes ``dataset`` has (its generator spreads the points evenly over them)."""
    _, extra, _ = DATASETS[dataset]
    if "centers" in extra:
        return len(extra["centers"])
    return int(extra.get("n_classes", 2))


#: The most points --samples may ask for.
MAX_SAMPLES = 10_000
#: The most weight uses one training step may record: examples per batch times
#: the network's parameters. The graph of a step grows with it, so this bounds
#: the demo's memory; micrograd's demo (100 points, 337 parameters) uses 33,700.
MAX_GRAPH = 3_000_000
#: The most neurons one training step may run (examples per batch times neurons): each is a
#: node or two of the step's graph, so this bounds a deep, narrow network's memory as
#: MAX_GRAPH bounds a wide one's. micrograd's demo uses 100 x 33 = 3,300.
MAX_NEURON_RUNS = 300_000


def parameter_count(hidden: list[int], outputs: int, *, inputs: int = 2) -> int:
    """How many weights and biases ``MLP(inputs, [*hidden, outputs])`` has."""
    sizes = [inputs, *hidden, outputs]
    return sum((a + 1) * b for a, b in itertools.pairwise(sizes))


def check(args: argparse.Namespace) -> None:
    """What the option types cannot check alone: ``ValueError`` naming the option.

    Everything is bounded before any data or weight is made: the points,
    and the graph one step records.
    """
    k = dataset_classes(args.dataset)
    if args.samples < k:
        raise ValueError(
            f"--samples {args.samples} is fewer than the {k} classes of {args.dataset}: "
            f"use --samples {k} or more, so that every class has a point"
        )
    if args.samples > MAX_SAMPLES:
        raise ValueError(f"--samples {args.samples} is more than the demo's {MAX_SAMPLES:,}")
    batch = min(args.batch_size or args.samples, args.samples)
    params = parameter_count(args.hidden, 1 if k == 2 else k)
    if batch * params > MAX_GRAPH:
        raise ValueError(
            f"one step would use {params:,} parameters on {batch:,} points at once "
            f"({batch * params:,} weight uses, more than the demo's {MAX_GRAPH:,}): "
            "use a smaller --batch-size, fewer --samples or smaller --hidden layers"
        )
    neurons = sum(args.hidden) + (1 if k == 2 else k)
    if batch * neurons > MAX_NEURON_RUNS:
        raise ValueError(
            f"one step would run {neurons:,} neurons on {batch:,} points at once "
            f"({batch * neurons:,}, more than the demo's {MAX_NEURON_RUNS:,}): "
            "use a smaller --batch-size, fewer --samples or fewer --hidden layers"
        )


# -- option types: a bad value is a one-line usage error (exit code 2) ----------------


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a positive {kind.__name__}, got {text!r}"
            ) from None
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}")
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse


def _noise(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= MAX_NOISE:  # NaN fails too
        raise argparse.ArgumentTypeError(
            f"expected a number from 0 to {MAX_NOISE:g}, got {text!r} (the data sets span a "
            f"few units: more noise hides them, and huge inputs overflow the network)"
        )
    return value


def _sizes(text: str) -> list[int]:
    """'16,16' -> [16, 16]; '' -> [] (no hidden layer)."""
    parts = [p.strip() for p in text.split(",")] if text.strip() else []
    if not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(
            f"expected layer sizes such as 16,16 (positive ints separated by commas), got {text!r}"
        )
    return [int(p) for p in parts]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    noises = ", ".join(f"{name} {noise:g}" for name, (_, _, noise) in DATASETS.items())
    rates = ", ".join(f"{name} {lr:g}" for name, (_, lr, _) in OPTIMIZERS.items())
    add = parser.add_argument
    add("--dataset", choices=list(DATASETS), default="moons", help="the data (default moons)")
    add("--samples", type=_positive(int), default=100, metavar="N", help="points (default 100)")
    add(
        "--noise",
        type=_noise,
        default=None,
        help=f"noise of the data, at most {MAX_NOISE:g} (default: {noises})",
    )
    add(
        "--hidden",
        type=_sizes,
        default=[16, 16],
        metavar="SIZES",
        help="hidden layer sizes (default 16,16)",
    )
    add(
        "--activation",
        choices=list(nn.ACTIVATIONS),
        default="relu",
        help="activation of the hidden layers (default relu)",
    )
    add("--optimizer", choices=list(OPTIMIZERS), default="sgd", help="(default sgd)")
    add(
        "--lr",
        type=_positive(float),
        default=None,
        help=f"starting learning rate (default: {rates}); as in micrograd's demo, epoch k of "
        "N uses LR x (1 - 0.9 (k-1)/N), so the last epoch uses LR x (0.1 + 0.9/N)",
    )
    add("--epochs", type=_positive(int), default=100, help="passes over the data (default 100)")
    add("--batch-size", type=_positive(int), default=None, metavar="N", help="default: all points")
    add(
        "--seed", type=int, default=1337, help="seed for data, weights and shuffling (default 1337)"
    )
    add(
        "--out",
        default="autograd_lite_demo",
        metavar="DIR",
        help="output folder (default ./autograd_lite_demo)",
    )
    add(
        "--compile",
        choices=["off", "python", "numpy"],
        default="numpy",
        help="record the loss once and replay it each step (default numpy, the fastest; "
        "off: rebuild the graph every step; the losses are the same in every mode)",
    )
    add("--no-progress", action="store_true", help="no progress bar")


# -- the job ----------------------------------------------------------------------------


@dataclass
class Result:
    """What a demo run produced."""

    model: nn.MLP
    history: History
    X: list[list[float]]
    y: list[int]
    predictions: list[int]
    loss_fn: Callable[..., Any]
    num_classes: int
    #: loss (without the L2 term) and accuracy of the trained model on (X, y)
    final: Evaluation


def train(args: argparse.Namespace, *, log: Callable[[str], None] = print) -> Result:
    """Build the data, model and optimiser that ``args`` describe, and train."""
    check(args)
    make, extra, default_noise = DATASETS[args.dataset]
    noise = default_noise if args.noise is None else args.noise
    X, y = make(args.samples, noise=noise, seed=args.seed, **extra)
    k = max(y) + 1
    binary = k == 2
    loss_fn = losses.hinge_loss if binary else losses.cross_entropy
    model = nn.MLP(
        2, [*args.hidden, 1 if binary else k], activation=args.activation, seed=args.seed
    )
    cls, default_lr, options = OPTIMIZERS[args.optimizer]
    lr = default_lr if args.lr is None else args.lr
    opt = cls(model.parameters(), lr=lr, weight_decay=WEIGHT_DECAY, **options)
    epochs = args.epochs
    schedule = optim.LambdaLR(opt, lambda e: 1.0 - 0.9 * e / epochs)  # micrograd's 1.0 - 0.9 k/100
    log(_setup(args, model, len(X), k, loss_fn.__name__, lr))

    def report(epoch: int, history: History) -> None:
        last = history.last()
        log(
            i18n.tr(
                "epoch {epoch}/{epochs}  loss {loss:.6f}  accuracy {accuracy:.1%}  lr {lr:.4g}",
                epoch=f"{epoch:>{len(str(epochs))}}", epochs=epochs, loss=last["loss"],
                accuracy=last["accuracy"], lr=last["lr"],
            )
        )  # fmt: skip

    def train_with(mode: str | bool) -> History:
        return fit(
            model,
            loss_fn,
            opt,
            (X, y),
            epochs=epochs,
            batch_size=args.batch_size or len(X),
            progress=not args.no_progress,
            seed=args.seed,
            scheduler=schedule,
            on_epoch_end=report,
            compile=mode,
        )

    try:
        history = train_with(False if args.compile == "off" else args.compile)
    except GraphTooLargeError as error:  # refused before the first step: nothing has changed
        log(i18n.tr("not compiled: {error}; training eagerly instead", error=error))
        history = train_with(False)
    final = evaluate(model, loss_fn, (X, y))  # the trained model: after the last step
    return Result(model, history, X, y, predict_classes(model, X, loss_fn), loss_fn, k, final)


def _setup(args: argparse.Namespace, model: nn.MLP, n: int, k: int, loss: str, lr: float) -> str:
    """The lines that say what the demo is about to train, and how."""
    l2, wd = (f"{v:.0e}".replace("e-0", "e-") for v in (WEIGHT_DECAY / 2, WEIGHT_DECAY))
    penalty = (
        i18n.tr(
            "weight decay {wd}, decoupled (AdamW shrinks the weights directly: no L2 term)", wd=wd
        )
        if args.optimizer == "adamw"
        else i18n.tr(
            "L2 {l2}: {l2} * sum(w^2) added to the loss, that is weight_decay={wd} "
            "(its gradient, {wd} * w)",
            l2=l2, wd=wd,
        )
    )  # fmt: skip
    how = (
        i18n.tr("eager: the graph is rebuilt and walked node by node at every step")
        if args.compile == "off"
        else i18n.tr(
            "compiled ({backend} backend): the loss is recorded once and replayed",
            backend=args.compile,
        )
    )
    return "\n".join(
        [
            i18n.tr(
                "{model} on {n} {dataset} points ({k} classes), {loss}, {optimizer} lr {lr:g},",
                model=repr(model), n=n, dataset=args.dataset, k=k, loss=loss,
                optimizer=args.optimizer, lr=lr,
            ),
            penalty,
            i18n.tr("(loss: the mean {loss} over the points, without the L2 term)", loss=loss),
            how,
        ]
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm  # type: ignore[import-untyped]

    def log(line: str) -> None:
        tqdm.write(line, file=sys.stdout)  # keeps the progress bar intact

    try:
        check(args)
    except ValueError as error:  # a usage error: one line, exit code 2, as argparse does
        print(f"autograd-lite demo: error: {error} (see --help)", file=sys.stderr)
        return 2
    _picture_font()
    start = time.perf_counter()
    try:
        os.makedirs(args.out, exist_ok=True)
        result = train(args, log=log)
        trained = time.perf_counter() - start
        _summarise(result, trained)
        paths = _write_outputs(args, result)
    except BrokenPipeError:
        raise  # the CLI ends quietly when the reader of our output has gone
    except (ArithmeticError, OSError) as error:
        print(f"autograd-lite demo: error: {error}", file=sys.stderr)
        return 1
    for what, path in paths.items():
        print(i18n.tr("wrote {path}  ({what})", path=path, what=_WHAT[what]()))
    return 0


#: What each written file is, in the reader's language (the keys of ``_write_outputs``).
_WHAT: dict[str, Callable[[], str]] = {
    "decision boundary": lambda: i18n.tr("decision boundary"),
    "training curve": lambda: i18n.tr("training curve"),
    "model": lambda: i18n.tr("model"),
}


def _picture_font() -> None:
    """Set matplotlib's Japanese font, or say once that the pictures keep English labels."""
    if i18n.language() == "en":
        return
    if i18n.picture_language() == i18n.language():
        i18n.use_japanese_font()
    else:
        print(
            i18n.tr(
                "(no Japanese font: pictures keep English labels; "
                'pip install "autograd_lite[ja]" installs one)'
            )
        )


def _summarise(result: Result, seconds: float) -> None:
    """Print the confusion matrix and the final loss and accuracy."""
    labels = [str(c) for c in range(result.num_classes)]
    print("\n" + i18n.tr("confusion matrix (training set):"))
    print(
        format_confusion_matrix(
            confusion_matrix(result.y, result.predictions, num_classes=result.num_classes), labels
        )
    )
    summary = i18n.tr(
        "after {epochs} epochs ({seconds:.1f} s), on the training set: loss {loss:.6f} "
        "(without the L2 term), accuracy {accuracy:.1%}",
        epochs=len(result.history), seconds=seconds, loss=result.final.loss,
        accuracy=result.final.accuracy,
    )  # fmt: skip
    print("\n" + summary)


def _write_outputs(args: argparse.Namespace, result: Result) -> dict[str, str]:
    """Draw the two pictures and save the model into ``args.out``; return what went where."""
    from visualize.plots import plot_decision_boundary, plot_training_curve  # matplotlib's

    paths = {
        "decision boundary": os.path.join(args.out, "decision_boundary.png"),
        "training curve": os.path.join(args.out, "training_curve.png"),
        "model": os.path.join(args.out, "model.json"),
    }
    sizes = "-".join(str(n) for n in [2, *args.hidden, result.model.layers[-1].nout])  # type: ignore[attr-defined]
    title = i18n.tr_picture(
        "MLP {sizes} ({activation}, {optimizer}) on {n} {dataset} points",
        sizes=sizes, activation=args.activation, optimizer=args.optimizer, n=len(result.X),
        dataset=args.dataset,
    )  # fmt: skip
    subtitle = i18n.tr_picture(
        "decision boundary after {epochs} epochs, training accuracy {accuracy:.0%}",
        epochs=len(result.history), accuracy=result.final.accuracy,
    )  # fmt: skip
    plot_decision_boundary(
        result.model,
        result.X,
        result.y,
        paths["decision boundary"],
        title=f"{title}\n{subtitle}",
        predictions=result.predictions,
        num_classes=result.num_classes,
    )
    plot_training_curve(
        result.history, paths["training curve"], title=title, loss_name=result.loss_fn.__name__
    )
    save(
        paths["model"],
        result.model,
        metadata={
            "command": "autograd-lite demo",
            **_config(args),
            "final_accuracy": result.final.accuracy,
            "final_loss": result.final.loss,  # without the L2 term
        },
    )
    return paths


def _config(args: argparse.Namespace) -> dict[str, Any]:
    return {
        k: v for k, v in vars(args).items() if not k.startswith("_") and k not in ("command", "out")
    }
