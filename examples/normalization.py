"""Normalising input data: features on very different scales make gradient descent crawl.

A house's floor area is in the hundreds (square metres); its distance to
the station is a few kilometres. A linear model ``price = w1 area + w2
distance + b`` trained on the raw numbers has a loss that is far steeper
along ``w1`` than along ``w2`` (the lesson computes how much steeper): the
learning rate must be tiny for ``w1`` not to diverge, and then ``w2`` and
``b`` hardly move.

Standardising each feature (subtract its mean, divide by its standard
deviation; ``autograd_lite.data.Standardizer``, fitted on the training data
only) makes every direction equally steep, and one ordinary learning rate
works for all weights.

The lesson trains ``nn.Linear(2, 1)`` with ``fit`` (full batch) three ways:
raw inputs with a rate below the stable limit (which it computes), raw
inputs with a rate above it (it diverges: the loss grows without bound),
and standardised inputs with an ordinary learning rate.

Run: ``autograd-lite lesson normalization`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from _lesson import N_, Outcome, pic, plt, say, section, start, tr

from autograd_lite import i18n, nn, optim
from autograd_lite.data import Standardizer
from autograd_lite.losses import mse_loss
from autograd_lite.train import DivergenceError, fit

SEED = 0
N = 60
NOISE = 0.1  # standard deviation of the price noise: the best MSE is about NOISE^2
#: learning rates: below and above the stable limit on raw inputs, and one for
#: standardised inputs
RAW_STABLE, RAW_TOO_LARGE, STANDARDISED = 2e-5, 2e-4, 0.1


def short(rate: float) -> str:
    """A small learning rate as people write it: 2e-5, not 2e-05."""
    return f"{rate:.0e}".replace("e-0", "e-")


def largest_curvature(X: list[list[float]]) -> float:
    """The largest eigenvalue of the MSE loss's Hessian 2 mean(x x^T), x = (x1, x2, 1).

    Plain power iteration on the 3 x 3 matrix: gradient descent is stable
    only for learning rates below 2 / this number.
    """
    rows = [[*x, 1.0] for x in X]
    H = [[2 * sum(r[i] * r[j] for r in rows) / len(rows) for j in range(3)] for i in range(3)]
    v, eigenvalue = [1.0, 1.0, 1.0], 0.0
    for _ in range(200):
        Hv = [sum(H[i][j] * v[j] for j in range(3)) for i in range(3)]
        eigenvalue = max(abs(c) for c in Hv)
        v = [c / eigenvalue for c in Hv]
    return eigenvalue


def make_houses() -> tuple[list[list[float]], list[float]]:
    """(area m^2, distance km) -> price (in 100k): price = 0.02 area - 0.3 distance + 1 + noise."""
    rng = random.Random(SEED)
    X = [[rng.uniform(40.0, 200.0), rng.uniform(0.2, 5.0)] for _ in range(N)]
    y = [0.02 * a - 0.3 * d + 1.0 + rng.gauss(0.0, NOISE) for a, d in X]
    return X, y


def train(X: list[list[float]], y: list[float], lr: float, epochs: int) -> tuple[list[float], str]:
    """Loss per epoch (full batch) and how it ended."""
    model = nn.Linear(2, 1, seed=SEED)
    try:
        history = fit(
            model, mse_loss, optim.SGD(model.parameters(), lr=lr), (X, y),
            epochs=epochs, batch_size=len(X), progress=False, shuffle=False,
        )  # fmt: skip
    except DivergenceError as error:
        return error.history.loss, tr("diverged in epoch {epoch}", epoch=error.epoch)
    grew = history.loss[-1] > history.loss[0]
    return history.loss, tr("the loss grows: diverging") if grew else tr("the loss fell")


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    epochs = 40 if lesson.quick else 100
    X, y = make_houses()
    scaler = Standardizer().fit(X)
    X_std = scaler.transform(X)

    section("the inputs")
    mean_squares: dict[str, list[float]] = {}
    for name, rows in ((N_("raw"), X), (N_("standardised"), X_std)):
        mean_squares[name] = []
        for j, feature in enumerate((N_("area"), N_("distance"))):
            col = [r[j] for r in rows]
            mean = sum(col) / len(col)
            sq = sum(v * v for v in col) / len(col)
            mean_squares[name].append(sq)
            print(
                i18n.rjust(tr(name), 12)
                + " "
                + i18n.ljust(tr(feature), 9)
                + tr(" mean {mean:9.3f}   mean of squares {sq:10.3f}", mean=mean, sq=sq)
            )
    steeper = mean_squares["raw"][0] / mean_squares["raw"][1]
    say(
        """The loss's steepness along a weight (its second derivative) is 2 x the mean square
        of that weight's input: on raw data, w1's direction is about
        {times:,.0f} times steeper than w2's
        ({a:.0f} / {b:.2f}).""",
        times=float(f"{steeper:.2g}"),
        a=mean_squares["raw"][0],
        b=mean_squares["raw"][1],
    )

    limit = 2 / largest_curvature(X)
    say(
        """On raw inputs, gradient descent is stable only for learning rates below
        2 / (the largest curvature) = {limit}: the lesson tries {stable}
        and {large}.""",
        limit=short(limit),
        stable=short(RAW_STABLE),
        large=short(RAW_TOO_LARGE),
    )

    section("training nn.Linear(2, 1) for {epochs} epochs (full batch)", epochs=epochs)
    runs = {
        f"raw, lr = {short(RAW_STABLE)}": train(X, y, RAW_STABLE, epochs),
        f"raw, lr = {short(RAW_TOO_LARGE)}": train(X, y, RAW_TOO_LARGE, epochs),
        f"standardised, lr = {STANDARDISED:g}": train(X_std, y, STANDARDISED, epochs),
    }
    for name, (losses, how) in runs.items():
        shown = name.replace("raw", tr("raw")).replace("standardised", tr("standardised"))
        print(
            i18n.ljust(shown, 24)
            + tr(
                " loss {a:10.4g} -> {b:10.4g}   ({how}, {n} epochs)",
                a=losses[0],
                b=losses[-1],
                how=how,
                n=len(losses),
            )
        )
    standardised = runs[f"standardised, lr = {STANDARDISED:g}"][0]
    noise_level = NOISE**2
    near_noise = next((k + 1 for k, v in enumerate(standardised) if v < 2 * noise_level), None)
    reached = (
        tr(
            "come within twice the noise level of the data (MSE {noise:g}) by epoch {epoch}",
            noise=noise_level,
            epoch=near_noise,
        )
        if near_noise is not None
        else tr("stay above twice the noise level of the data (MSE {noise:g})", noise=noise_level)
    )
    say(
        """On raw inputs a stable rate leaves the loss high (w1 settles at once, w2 and b
        crawl), and a rate {times:g} times larger diverges; standardised
        inputs {reached}. Apply the same fitted Standardizer to test data.""",
        times=RAW_TOO_LARGE / RAW_STABLE,
        reached=reached,
    )

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
    panels = ((axes[0], X, pic("raw inputs")), (axes[1], X_std, pic("standardised inputs")))
    for ax, rows, title in panels:
        dots = ax.scatter([r[0] for r in rows], [r[1] for r in rows], c=y, cmap="viridis", s=14)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set(title=pic("{title} (equal axis scales)", title=title))
    axes[0].set(xlabel=pic("area (m²)"), ylabel=pic("distance (km)"))
    axes[1].set(xlabel=pic("area, standardised"), ylabel=pic("distance, standardised"))
    fig.colorbar(dots, ax=axes[1], label=pic("price (target)"))
    for name, (losses, _) in runs.items():
        shown = name.replace("raw", pic("raw")).replace("standardised", pic("standardised"))
        axes[2].semilogy(range(1, len(losses) + 1), losses, "o-", ms=2.5, label=shown)
    axes[2].set(xlabel=pic("epoch"), ylabel=pic("training loss (MSE, log scale)"), ylim=(1e-3, 1e6))
    axes[2].annotate(pic("diverges: off the chart"), (8, 3e5), fontsize=8, color="C1")
    axes[2].set_title(pic("Training: raw vs standardised"))
    axes[2].legend(fontsize=8)
    fig.suptitle(pic("Normalising inputs: one learning rate fits every weight"))
    lesson.save(fig, "normalization.png")
    return lesson.finish(
        steeper=steeper,
        stable_limit=limit,
        mean_squares=mean_squares,
        near_noise_epoch=near_noise,
        final_loss={name: losses[-1] for name, (losses, _) in runs.items()},
        ended={name: how for name, (_, how) in runs.items()},
    )


if __name__ == "__main__":
    main()
