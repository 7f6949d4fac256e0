"""Evaluating a classifier: accuracy, final loss and a confusion matrix on a held-out split.

A model is judged on examples it never trained on. The lesson makes three
overlapping clusters of points (classes A, B, C), keeps 30% of them aside
as a test set (``train_test_split(..., stratify=True)``), trains an MLP
with the cross-entropy loss on the rest (``fit`` with
``validation=test set`` reports both sets after every epoch), then measures
on the test set:

* the final loss (mean cross-entropy) and the accuracy (share right);
* the confusion matrix: row = true class, column = predicted class; the
  diagonal holds the right answers, every other cell one kind of mistake;
* precision (of the points called A, the share truly A), recall (of the
  true A points, the share found) and F1 for each class.

Run: ``autograd-lite lesson evaluation`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

from collections.abc import Sequence

from _lesson import Outcome, draw_regions, pic, plt, say, section, start, tr

from autograd_lite import nn, optim
from autograd_lite.data import make_blobs, train_test_split
from autograd_lite.losses import cross_entropy
from autograd_lite.metrics import (
    accuracy,
    confusion_matrix,
    format_confusion_matrix,
    precision_recall_f1,
)
from autograd_lite.train import History, evaluate, fit, predict_classes

NAMES = ["A", "B", "C"]
CENTERS = [[-1.5, 0.0], [1.5, 0.0], [0.0, 2.2]]
SEED = 1


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    epochs = 8 if lesson.quick else 30
    X, y = make_blobs(150, centers=CENTERS, noise=1.0, seed=SEED)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, seed=SEED, stratify=True
    )
    print(
        tr(
            "{train} training and {test} test examples, classes {names}",
            train=len(X_train),
            test=len(X_test),
            names=NAMES,
        )
    )

    section(
        "training MLP(2, [16, 3]) with cross-entropy, Adam (lr 0.02), {epochs} epochs",
        epochs=epochs,
    )
    model = nn.MLP(2, [16, 3], seed=SEED)
    after: list[float] = []  # the training loss measured after each epoch, like the test loss

    def measure(_epoch: int, _history: History) -> None:
        after.append(evaluate(model, cross_entropy, (X_train, y_train)).loss)

    history = fit(
        model, cross_entropy, optim.Adam(model.parameters(), lr=0.02), (X_train, y_train),
        epochs=epochs, batch_size=16, validation=(X_test, y_test), progress=False, seed=SEED,
        on_epoch_end=measure,
    )  # fmt: skip
    for e in sorted({0, epochs // 2, epochs - 1}):
        print(
            tr(
                "epoch {e:>3}: train loss {tl:.3f}, acc {ta:.0%}"
                " | test loss {vl:.3f}, acc {va:.0%}",
                e=e + 1,
                tl=history.loss[e],
                ta=history.accuracy[e],
                vl=history.val_loss[e],
                va=history.val_accuracy[e],
            )
        )
    first_test = history.val_loss[0] or 0.0
    if history.loss[0] > first_test:
        say(
            """Why is epoch 1's training loss ({train:.3f}) above its test loss
            ({test:.3f})? The training loss is the mean over the epoch's mini-batches,
            each measured with the weights of that moment, while they were still moving away
            from their random start; the test loss is measured once, after the epoch, with the
            trained weights. Measured after epoch 1 in the same way, the training loss is
            {after:.3f}.""",
            train=history.loss[0],
            test=first_test,
            after=after[0],
        )

    section("evaluation on the held-out test set")
    final = evaluate(model, cross_entropy, (X_test, y_test))
    predicted = predict_classes(model, X_test, cross_entropy)
    matrix = confusion_matrix(y_test, predicted, num_classes=len(NAMES))
    acc = accuracy(y_test, predicted)
    print(tr("final loss (mean cross-entropy): {L:.4f}", L=final.loss))
    right = sum(matrix[i][i] for i in range(len(NAMES)))
    print(tr("accuracy: {acc:.1%}  ({right} of {n})", acc=acc, right=right, n=len(y_test)))
    print()
    print(tr("confusion matrix:"))
    print(format_confusion_matrix(matrix, labels=NAMES))
    print()
    print(tr("class  precision  recall    F1   support"))
    for s in precision_recall_f1(y_test, predicted, num_classes=len(NAMES)):
        print(
            f"{NAMES[s.label]:>5}  {s.precision:9.2f}  {s.recall:6.2f}  {s.f1:5.2f}  {s.support:>7}"
        )
    say(
        """The clusters overlap, so some mistakes are unavoidable. Accuracy gives one number;
        the confusion matrix says which classes get mixed up, and precision and recall say
        whether a class is over- or under-predicted."""
    )

    fig, axes = plt.subplot_mosaic(
        [["regions", "matrix", "loss"], ["regions", "matrix", "accuracy"]],
        figsize=(16, 5),
        layout="constrained",
        width_ratios=[1.2, 1, 1],
    )
    ax_r, ax_m, ax_c, ax_a = (axes[k] for k in ("regions", "matrix", "loss", "accuracy"))
    cells = 12 if lesson.quick else 60
    draw_regions(ax_r, model, cross_entropy, (-5.0, 5.0, -3.5, 4.5), cells, 3)
    for k, name in enumerate(NAMES):
        pts = [p for p, t in zip(X_test, y_test, strict=True) if t == k]
        ax_r.scatter([p[0] for p in pts], [p[1] for p in pts], color=f"C{k}", edgecolors="k",
                     s=25, label=pic("test points, class {name}", name=name))  # fmt: skip
    ax_r.set(xlabel="x1", ylabel="x2", title=pic("Decision regions and the test set"))
    ax_r.legend(fontsize=8, loc="upper left")
    image = ax_m.imshow(matrix, cmap="Blues")
    for i in range(len(NAMES)):
        for j in range(len(NAMES)):
            colour = "white" if matrix[i][j] > max(map(max, matrix)) / 2 else "black"
            ax_m.text(j, i, str(matrix[i][j]), ha="center", va="center", color=colour, fontsize=13)
    ax_m.set_xticks(range(len(NAMES)), NAMES)
    ax_m.set_yticks(range(len(NAMES)), NAMES)
    ax_m.set(
        xlabel=pic("predicted class"),
        ylabel=pic("true class"),
        title=pic("Confusion matrix (accuracy {acc:.0%})", acc=acc),
    )
    fig.colorbar(image, ax=ax_m, label=pic("test examples"), shrink=0.8)
    epochs_axis = range(1, len(history) + 1)
    ax_c.plot(epochs_axis, history.loss, label=pic("training loss"))
    ax_c.plot(epochs_axis, [v or 0.0 for v in history.val_loss], "--", label=pic("test loss"))
    ax_c.set(ylabel=pic("cross-entropy"), title=pic("Loss and accuracy per epoch"))
    ax_c.legend(fontsize=8)
    ax_a.plot(epochs_axis, [a or 0.0 for a in history.accuracy], label=pic("training accuracy"))
    ax_a.plot(
        epochs_axis, [a or 0.0 for a in history.val_accuracy], "--", label=pic("test accuracy")
    )
    ax_a.set(xlabel=pic("epoch"), ylabel=pic("accuracy"), ylim=(0, 1.05))
    ax_a.legend(fontsize=8, loc="lower right")
    fig.suptitle(pic("Evaluating a 3-class classifier on a held-out test set"))
    lesson.save(fig, "evaluation.png")
    return lesson.finish(
        accuracy=acc,
        accuracy_from_matrix=sum(matrix[i][i] for i in range(3)) / len(y_test),
        final_loss=final.loss,
        evaluate_accuracy=final.accuracy,
        matrix=matrix,
        n_test=len(y_test),
        train_loss=history.loss,
        test_loss=history.val_loss,
        train_loss_after_epoch=after,
    )


if __name__ == "__main__":
    main()
