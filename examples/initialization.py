"""Weight initialisation: Xavier vs He vs naive, and what it does to activations and training.

Before the first step, every weight needs a value. Too small, and the
signal (and, in the backward pass, the gradient) shrinks layer after layer
until nothing is left; too large, and it grows, or saturates tanh units at
+-1 where their derivative is 0. The right spread depends on the number of
inputs per unit (fan-in) and on the activation:

* Xavier / Glorot: std = sqrt(2 / (fan_in + fan_out)), for tanh and sigmoid;
* He: std = sqrt(2 / fan_in), for ReLU (which zeroes half its inputs, hence
  the factor 2);
* "naive": U(-1, 1) whatever the layer's size (micrograd's default), and a
  "small" U(-0.01, 0.01).

Part 1 sends random inputs through 8 hidden layers of 32 units and
prints the spread (standard deviation) of each layer's activations. Part 2
trains a deep, narrow ReLU network (8 hidden layers of 10) on the two moons
from each initialisation: ``MLP(..., init="he")`` and friends.

Run: ``autograd-lite lesson initialization`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
from collections.abc import Sequence

from _lesson import Outcome, pic, plt, say, section, start, tr

from autograd_lite import nn, no_grad, optim
from autograd_lite.data import make_moons
from autograd_lite.losses import binary_cross_entropy_with_logits
from autograd_lite.train import fit

#: label -> (init scheme of autograd_lite.init, factor applied to the weights afterwards)
SCHEMES: dict[str, tuple[str, float]] = {
    "small U(-0.01, 0.01)": ("uniform", 0.01),
    "naive U(-1, 1)": ("uniform", 1.0),
    "Xavier": ("xavier", 1.0),
    "He": ("he", 1.0),
}
SEED = 0
FADED = 1e-4  # a spread below this (the inputs' is 1) counts as a signal that has died


def first_below(values: Sequence[float], limit: float) -> int | None:
    """The number (from 1) of the first layer whose value is below ``limit``, if any."""
    return next((k for k, v in enumerate(values, start=1) if v < limit), None)


def make_model(nin: int, hidden: list[int], activation: str, scheme: str) -> nn.MLP:
    init, factor = SCHEMES[scheme]
    model = nn.MLP(nin, [*hidden, 1], activation=activation, init=init, seed=SEED)
    if factor != 1.0:
        for p in model.parameters():
            p.data *= factor
    return model


def hidden_outputs(model: nn.MLP, inputs: Sequence[Sequence[float]]) -> list[list[list[float]]]:
    """For each hidden layer, its outputs for every input (forward pass only, no graph)."""
    signals = [list(x) for x in inputs]
    out = []
    with no_grad():
        for layer in model.layers[:-1]:
            signals = [[v.data for v in layer(x)] for x in signals]
            out.append(signals)
    return out


def activation_spread(activation: str, scheme: str, depth: int, width: int, n: int) -> list[float]:
    """The standard deviation of each hidden layer's outputs over ``n`` random inputs."""
    model = make_model(width, [width] * depth, activation, scheme)
    rng = random.Random(1)
    inputs = [[rng.gauss(0.0, 1.0) for _ in range(width)] for _ in range(n)]
    return [
        statistics.pstdev([v for x in layer for v in x]) for layer in hidden_outputs(model, inputs)
    ]


def dead_units(model: nn.MLP, inputs: Sequence[Sequence[float]]) -> list[int]:
    """Per hidden layer: how many ReLU units output 0 for every input (they get no gradient)."""
    return [
        sum(all(x[j] == 0.0 for x in layer) for j in range(len(layer[0])))
        for layer in hidden_outputs(model, inputs)
    ]


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    depth, width, n_inputs = (8, 16, 10) if lesson.quick else (8, 32, 40)
    spreads: dict[str, dict[str, list[float]]] = {}
    for part, activation, schemes in (
        ("1a", "tanh", list(SCHEMES)[:3]),
        ("1b", "relu", list(SCHEMES)),
    ):
        section(
            "{part}. spread of activations, {depth} {activation} layers of {width} units",
            part=part,
            depth=depth,
            activation=activation,
            width=width,
        )
        spreads[activation] = {}
        for scheme in schemes:
            spread = activation_spread(activation, scheme, depth, width, n_inputs)
            spreads[activation][scheme] = spread
            print(f"{scheme:<22}" + " ".join(f"{s:8.3g}" for s in spread))
    small, naive = "small U(-0.01, 0.01)", "naive U(-1, 1)"
    dies = {a: first_below(spreads[a][small], FADED) for a in spreads}
    grows = all(b > a for a, b in itertools.pairwise(spreads["relu"][naive]))
    xavier_relu = spreads["relu"]["Xavier"]
    fade = (xavier_relu[-1] / xavier_relu[0]) ** (1 / (depth - 1))  # mean factor per layer
    say(
        """Small weights: the signal dies (its spread falls below {faded:g} by layer
        {tanh} of tanh and layer {relu} of ReLU), and so will the gradients.
        Naive weights: tanh units sit near +-1 (saturated), ReLU signals grow
        {how}. Xavier keeps tanh layers alive; He keeps
        ReLU layers at a steady spread, while Xavier lets a ReLU stack fade by a factor of
        about {fade:.2f} per layer (1/sqrt(2) = {root:.2f}: Xavier's variance is
        half of He's when fan-in = fan-out).""",
        faded=FADED,
        tanh=dies["tanh"],
        relu=dies["relu"],
        how=tr("at every layer") if grows else tr("with depth"),
        fade=fade,
        root=1 / math.sqrt(2),
    )

    n, epochs = 80, (3 if lesson.quick else 15)
    hidden = [10] * 8
    section(
        "2. training a 2-{shape}-1 ReLU network, {epochs} epochs",
        shape="-".join(map(str, hidden)),
        epochs=epochs,
    )
    X, y = make_moons(n, noise=0.1, seed=SEED)
    histories, dead = {}, {}
    for scheme in ("small U(-0.01, 0.01)", "naive U(-1, 1)", "He"):
        model = make_model(2, hidden, "relu", scheme)
        histories[scheme] = fit(
            model, binary_cross_entropy_with_logits, optim.SGD(model.parameters(), lr=0.1),
            (X, y), epochs=epochs, batch_size=8, progress=False, seed=SEED,
        )  # fmt: skip
        h = histories[scheme]
        dead[scheme] = dead_units(model, X)
        print(
            f"{scheme:<22} "
            + tr(
                "loss {a:.3f} -> {b:.3f}, accuracy {acc:.0%}; dead units per layer {dead}",
                a=h.loss[0],
                b=h.loss[-1],
                acc=h.accuracy[-1],
                dead=dead[scheme],
            )
        )
    guessing = math.log(2)  # binary cross-entropy of a coin toss
    final = {scheme: h.loss[-1] for scheme, h in histories.items()}
    say(
        """The loss of a coin toss is log 2 = {coin:.3f}. From small weights the gradients
        vanish and the network ends at {small:.3f}; from naive weights the first updates
        are huge and leave {dead} of the {units} units of the last hidden layer
        dead (0 for every input, so no gradient flows back through them), and it ends at
        {naive:.3f}, guessing; He initialisation trains, to {he:.3f} and
        {acc:.0%} accuracy.""",
        coin=guessing,
        small=final[small],
        dead=dead[naive][-1],
        units=hidden[-1],
        naive=final[naive],
        he=final["He"],
        acc=histories["He"].accuracy[-1],
    )

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
    for ax, activation in zip(axes[:2], ("tanh", "relu"), strict=True):
        for k, (scheme, spread) in enumerate(spreads[activation].items()):
            ax.semilogy(range(1, depth + 1), [max(s, 1e-12) for s in spread], "o-", ms=4,
                        color=f"C{k}", label=scheme)  # fmt: skip
        ax.set(xlabel=pic("hidden layer"), ylabel=pic("std of activations (log scale)"))
        ax.set_title(
            pic("{activation} network: activation spread per layer", activation=activation)
        )
        ax.legend(fontsize=8)
    for k, (scheme, h) in enumerate(histories.items()):
        color = "C3" if scheme == "He" else f"C{k}"
        axes[2].plot(range(1, epochs + 1), h.loss, "o-", ms=3, color=color, label=scheme)
    axes[2].axhline(guessing, color="gray", ls=":", label=pic("log 2 (guessing)"))
    axes[2].set(xlabel=pic("epoch"), ylabel=pic("training loss (binary cross-entropy)"))
    axes[2].set_title(pic("Training a deep ReLU network"))
    axes[2].legend(fontsize=8)
    fig.suptitle(pic("Weight initialisation: small, naive, Xavier, He"))
    lesson.save(fig, "initialization.png")
    return lesson.finish(
        last_spread={a: {s: v[-1] for s, v in d.items()} for a, d in spreads.items()},
        final_loss={s: h.loss[-1] for s, h in histories.items()},
        dead_units=dead,
        dies_at=dies,
        xavier_relu_fade=fade,
    )


if __name__ == "__main__":
    main()
