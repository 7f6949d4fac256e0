"""Dropout and batch normalisation, and their effect on over-fitting.

With 20 noisy training points and a network of two hidden layers, the
network can fit the training points themselves, noise included, instead of
the shape behind them: the training loss keeps falling while the loss on
new points (a held-out test set) rises. That is *over-fitting*, and the gap
between the two losses measures it.

* Dropout (``nn.Dropout(0.5)``) zeroes a random half of a layer's outputs
  at every training step (and scales the rest by 2), so no unit can rely on
  any other: the network learns broader, smoother rules. In evaluation mode
  (``model.eval()``) it does nothing.
* Batch normalisation (``nn.BatchNorm1d``) normalises each unit's output
  over the mini-batch, then scales and shifts it by learned parameters; it
  steadies training, and the noise of batch statistics also regularises.
  In evaluation mode it uses running averages instead of the batch.

The same three-layer network is trained (Adam, same seed, same data) plain,
with dropout after each hidden layer, and with batch normalisation before
each ReLU; the lesson prints and plots training and test losses, draws
the decision regions, and says from its own numbers what each variant
improved (gap, test loss, test accuracy) and what it did not.

Run: ``autograd-lite lesson regularization`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from _lesson import N_, Outcome, draw_regions, pic, plt, say, say_as_is, section, start, tr

from autograd_lite import i18n, nn, optim
from autograd_lite.data import make_moons
from autograd_lite.losses import binary_cross_entropy_with_logits
from autograd_lite.train import History, evaluate, fit

SEED = 0
N_TRAIN, N_TEST, NOISE = 20, 100, 0.3


def build(kind: str, width: int) -> nn.Sequential:
    """2 -> width -> width -> 1, plain, with Dropout(0.5) or with BatchNorm1d."""

    def linear(nin: int, nout: int, k: int) -> nn.Linear:
        return nn.Linear(nin, nout, init="he", seed=SEED + k)  # the same weights in every model

    def hidden(nin: int, k: int) -> list[nn.Module]:
        if kind == "batch norm":
            return [linear(nin, width, k), nn.BatchNorm1d(width), nn.ReLU()]
        if kind == "dropout":
            return [linear(nin, width, k), nn.ReLU(), nn.Dropout(0.5, seed=SEED + k)]
        return [linear(nin, width, k), nn.ReLU()]

    return nn.Sequential(*hidden(2, 0), *hidden(width, 1), linear(width, 1, 2))


def verdict(
    kind: str,
    gaps: dict[str, float],
    test_losses: dict[str, float],
    accuracies: dict[str, float],
) -> str:
    """One sentence comparing ``kind`` with the plain network, from the measured numbers."""

    def than(measure: dict[str, float], better: str, worse: str, fmt: str) -> str:
        ours, plain = measure[kind], measure["plain"]
        if f"{ours:{fmt}}" == f"{plain:{fmt}}":
            return tr("the same as the plain network's ({v})", v=f"{ours:{fmt}}")
        low = better if better in ("lower", "smaller") else worse
        word = low if ours < plain else ({better, worse} - {low}).pop()
        return tr(
            "{word} ({ours} against {plain})",
            word=tr(word),
            ours=f"{ours:{fmt}}",
            plain=f"{plain:{fmt}}",
        )

    gap = than(gaps, N_("smaller"), N_("larger"), ".2f")
    loss = than(test_losses, N_("lower"), N_("higher"), ".2f")
    accuracy = than(accuracies, N_("higher"), N_("lower"), ".0%")
    helped = [
        tr(name)
        for name, better in (
            (N_("the gap"), gaps[kind] < gaps["plain"]),
            (N_("the test loss"), test_losses[kind] < test_losses["plain"]),
            (N_("the test accuracy"), accuracies[kind] > accuracies["plain"]),
        )
        if better
    ]
    summary = (
        tr("it helps on every count")
        if len(helped) == 3
        else tr("here it helps {what} only", what=f" {tr('and')} ".join(helped))
        if helped
        else tr("here it does not help")
    )
    return tr(
        "{kind}: the gap is {gap}, the test loss {loss}, the test accuracy {accuracy}: {summary}.",
        kind=tr(kind),
        gap=gap,
        loss=loss,
        accuracy=accuracy,
        summary=summary,
    )


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    width, epochs, every, cells = (16, 30, 30, 8) if lesson.quick else (32, 60, 10, 30)
    train_set = make_moons(N_TRAIN, noise=NOISE, seed=1)
    test_set = make_moons(N_TEST, noise=NOISE, seed=2)
    loss_fn = binary_cross_entropy_with_logits
    say(
        """{n_train} training points, {n_test} test points (two moons, noise {noise:g});
        a 2-{width}-{width}-1 ReLU network, Adam (lr 0.01), mini-batches of 10, {epochs}
        epochs.""",
        n_train=N_TRAIN,
        n_test=N_TEST,
        noise=NOISE,
        width=width,
        epochs=epochs,
    )

    section("training")
    models: dict[str, nn.Sequential] = {}
    curves: dict[str, list[tuple[int, float, float]]] = {}
    for kind in (N_("plain"), N_("dropout"), N_("batch norm")):
        model = models[kind] = build(kind, width)
        curve = curves[kind] = []

        def record(
            epoch: int,
            _: History,
            model: nn.Module = model,
            curve: list[tuple[int, float, float]] = curve,
        ) -> None:
            if epoch % every == 0:  # both losses in evaluation mode (no dropout, running stats)
                train_loss = evaluate(model, loss_fn, train_set).loss
                curve.append((epoch, train_loss, evaluate(model, loss_fn, test_set).loss))

        fit(
            model, loss_fn, optim.Adam(model.parameters(), lr=0.01), train_set, epochs=epochs,
            batch_size=10, progress=False, seed=SEED, on_epoch_end=record,
        )  # fmt: skip
    print(tr("model        train loss  test loss     gap  test accuracy"))
    gaps, test_losses, accuracies = {}, {}, {}
    for kind, model in models.items():
        _, train_loss, test_loss = curves[kind][-1]
        accuracies[kind] = evaluate(model, loss_fn, test_set).accuracy or 0.0
        gaps[kind], test_losses[kind] = test_loss - train_loss, test_loss
        row = f"{train_loss:>10.3f} {test_loss:>10.3f} {gaps[kind]:>7.3f} {accuracies[kind]:>14.0%}"
        print(f"{i18n.ljust(tr(kind), 12)} {row}")
    widest = max(gaps, key=gaps.__getitem__)
    say(
        """The gap between test and training loss measures over-fitting: the {widest} network
        has the largest ({gap:.2f}). Against the plain network:""",
        widest=tr(widest),
        gap=gaps[widest],
    )
    verdicts = {
        kind: verdict(kind, gaps, test_losses, accuracies) for kind in models if kind != "plain"
    }
    for sentence in verdicts.values():
        say_as_is(sentence)  # made by tr in verdict()
    furthest = max(verdicts, key=lambda kind: abs(accuracies[kind] - accuracies["plain"]))
    points = abs(accuracies[furthest] - accuracies["plain"]) * 100
    # the difference of two accuracies, each on N_TEST points: its variance is the sum of theirs
    error = math.sqrt(
        sum(accuracies[k] * (1 - accuracies[k]) / N_TEST for k in ("plain", furthest))
    )
    spread = points / (error * 100)  # in standard errors of the difference
    say(
        """A lower test loss means fewer confident mistakes; accuracy only counts the points on
        the wrong side. With {n} test points for each, one standard error of the
        difference between two accuracies (here {plain:.0%} and
        {other:.0%}) is {error:.1f} points, so a difference under two of
        them, {two:.1f} points, can be chance; the largest here, {furthest}'s
        {points:.0f} points, is {spread:.1f} standard errors of a difference.""",
        n=N_TEST,
        plain=accuracies["plain"],
        other=accuracies[furthest],
        error=error * 100,
        two=2 * error * 100,
        furthest=tr(furthest),
        points=points,
        spread=spread,
    )

    fig, axes = plt.subplots(1, 4, figsize=(17, 4.2), layout="constrained")
    for ax, (kind, model) in zip(axes, models.items(), strict=False):
        draw_regions(ax, model, loss_fn, (-2.0, 2.6, -1.3, 1.7), cells, 2)
        for data, marker, size, alpha in ((test_set, "o", 10, 0.45), (train_set, "o", 30, 1.0)):
            X, y = data
            colours = ["C0" if t == 0 else "C1" for t in y]
            edge = "k" if alpha == 1 else "none"
            ax.scatter([p[0] for p in X], [p[1] for p in X], c=colours, s=size, alpha=alpha,
                       edgecolors=edge, marker=marker)  # fmt: skip
        ax.set(
            xlabel="x1",
            ylabel="x2",
            title=pic(
                "{kind}: test loss {loss:.2f}, accuracy {acc:.0%}",
                kind=pic(kind),
                loss=test_losses[kind],
                acc=accuracies[kind],
            ),
        )
    axes[0].scatter([], [], c="gray", s=30, edgecolors="k", label=pic("training points"))
    axes[0].scatter([], [], c="gray", s=10, alpha=0.45, label=pic("test points"))
    axes[0].legend(fontsize=8, loc="lower left")
    ax = axes[3]
    for k, (kind, curve) in enumerate(curves.items()):
        ep = [e for e, _, _ in curve]
        ax.plot(
            ep,
            [a for _, a, _ in curve],
            "-",
            color=f"C{k}",
            label=pic("{kind}, train", kind=pic(kind)),
        )
        ax.plot(
            ep,
            [b for _, _, b in curve],
            "--",
            color=f"C{k}",
            label=pic("{kind}, test", kind=pic(kind)),
        )
    ax.set(
        xlabel=pic("epoch"),
        ylabel=pic("loss (binary cross-entropy)"),
        title=pic("Train (solid) vs test (dashed)"),
    )
    ax.legend(fontsize=7)
    fig.suptitle(pic("Over-fitting 20 points: plain, dropout, batch normalisation"))
    lesson.save(fig, "regularization.png")
    return lesson.finish(
        gap=gaps,
        test_loss=test_losses,
        accuracy=accuracies,
        verdicts=verdicts,
        standard_error=error,
    )


if __name__ == "__main__":
    main()
