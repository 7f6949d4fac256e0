"""Fine-tuning: train on task A, replace the output layer, freeze early layers, train on task B.

Fine-tuning reuses what a network learned on task A for a new task B:

1. train a network on task A and save it (``checkpoint.save``);
2. load it (``checkpoint.load`` into a network of the same shape);
3. replace the output layer with a fresh one sized for task B
   (``model.layers[-1] = nn.Linear(16, 3)``);
4. freeze the early layers (``model.layers[0].requires_grad_(False)``): their
   weights take no gradient and ``step()`` leaves them alone;
5. train on task B: only the unfrozen layers change.

Here task A separates the two moons (one output, binary cross-entropy) and
task B sorts points of the same plane into three groups (three outputs,
cross-entropy). The lesson records every weight before and after step 5 and
shows that the frozen ones did not move at all, and draws the network with
edge thickness = |gradient| after one backward pass on task B: the frozen
layer's edges carry none.

Run: ``autograd-lite lesson fine_tuning`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from _lesson import Outcome, draw_regions, pic, plt, say, section, start, tr

import visualize
from autograd_lite import checkpoint, nn, optim
from autograd_lite.data import make_blobs, make_moons
from autograd_lite.losses import binary_cross_entropy_with_logits, cross_entropy
from autograd_lite.train import fit

SEED = 0
HIDDEN = [16, 16]
CENTERS_B = [[-0.6, 0.3], [1.0, -0.4], [1.7, 1.0]]


def layer_of(name: str) -> str:
    """ "layers.1.neurons.3.w.0" -> "layers.1"."""
    return ".".join(name.split(".")[:2])


def mark_frozen(network: Any, model: nn.MLP, *, frozen: int) -> None:
    """Mark layer ``frozen`` in ``draw_model``'s picture: a grey dashed outline and a heading."""
    units = len(model.layers[frozen].neurons)
    network.node(
        f"head_L{frozen}n0",
        f"<<b>layers.{frozen} (frozen)</b><br/>requires_grad=False>",
    )
    for j in range(units):
        network.node(f"L{frozen}n{j}", color="gray50", style="filled,dashed")


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    (n_a, epochs_a), (n_b, epochs_b) = ((60, 4), (60, 4)) if lesson.quick else ((100, 25), (90, 25))
    task_a = make_moons(n_a, noise=0.1, seed=SEED)
    task_b = make_blobs(n_b, centers=CENTERS_B, noise=0.35, seed=SEED)

    section(
        "1. task A (two moons): MLP(2, {sizes}), {epochs} epochs, then save",
        sizes=[*HIDDEN, 1],
        epochs=epochs_a,
    )
    model_a = nn.MLP(2, [*HIDDEN, 1], seed=SEED)
    hist_a = fit(
        model_a, binary_cross_entropy_with_logits, optim.Adam(model_a.parameters(), lr=0.02),
        task_a, epochs=epochs_a, batch_size=10, progress=False, seed=SEED,
    )  # fmt: skip
    print(
        tr("task A: loss {L:.3f}, accuracy {acc:.0%}", L=hist_a.loss[-1], acc=hist_a.accuracy[-1])
    )
    path = lesson.out / "task_a.json"
    checkpoint.save(path, model_a, metadata={"task": "two moons", "epochs": epochs_a})
    print(tr("saved {path}", path=path))

    section("2-4. load, replace the output layer, freeze the first layer")
    model = nn.MLP(2, [*HIDDEN, 1], seed=SEED + 1)  # other weights: loading replaces them
    print(tr("loaded, metadata {meta}", meta=checkpoint.load(path, model)))
    model.layers[-1] = nn.Linear(HIDDEN[-1], 3, seed=SEED)  # a new head: 3 classes
    model.layers[0].requires_grad_(False)
    trainable = sum(p.requires_grad for p in model.parameters())
    print(f"{model!r}")
    print(
        tr(
            "{n} parameters, {trainable} trainable, layers.0 frozen",
            n=len(model.parameters()),
            trainable=trainable,
        )
    )

    one = cross_entropy(model(task_b[0][0]), task_b[1][0])  # one backward pass, for the picture
    one.backward()
    network = visualize.draw_model(model)  # drawn now (gradients of this one example), saved last
    mark_frozen(network, model, frozen=0)
    model.zero_grad()

    section(
        "5. task B (three groups), {epochs} epochs; only unfrozen weights may move", epochs=epochs_b
    )
    before = model.state_dict()
    hist_b = fit(
        model, cross_entropy, optim.Adam(model.parameters(), lr=0.02), task_b,
        epochs=epochs_b, batch_size=10, progress=False, seed=SEED,
    )  # fmt: skip
    print(
        tr(
            "task B: loss {a:.3f} -> {b:.3f}, accuracy {acc:.0%}",
            a=hist_b.loss[0],
            b=hist_b.loss[-1],
            acc=hist_b.accuracy[-1],
        )
    )
    after = model.state_dict()
    change: dict[str, float] = {}
    for name in before:
        layer = layer_of(name)
        change[layer] = max(change.get(layer, 0.0), abs(after[name] - before[name]))
    for layer, largest in change.items():
        frozen = tr(" (frozen)") if layer == "layers.0" else ""
        print(
            tr(
                "largest |change| of a weight in {layer}{frozen}: {largest:.3g}",
                layer=layer,
                frozen=frozen,
                largest=largest,
            )
        )
    say(
        """The frozen layer's weights are bit-for-bit what task A left; the rest moved. The
        frozen layer still does its forward work (it turns points into features that task
        B's layers build on); it only takes no part in learning."""
    )

    fig, (ax_c, ax_r, ax_l) = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
    layers = list(change)
    shown = [max(change[k], 1e-17) for k in layers]
    bars = ax_c.bar(layers, shown, color=["gray", "C0", "C1"])
    ax_c.bar_label(bars, labels=[f"{change[k]:.2g}" for k in layers])
    ax_c.set_yscale("log")
    ax_c.set_xticks(
        range(3),
        [pic("layers.0\n(frozen)"), pic("layers.1\n(fine-tuned)"), pic("layers.2\n(new head)")],
    )
    ax_c.set(ylabel=pic("largest |weight change| (log; 0 drawn at 1e-17)"))
    ax_c.set_title(pic("What training on task B moved"))
    cells = 8 if lesson.quick else 50
    draw_regions(ax_r, model, cross_entropy, (-1.6, 2.6, -1.4, 1.8), cells, 3)
    X, y = task_b
    ax_r.scatter([p[0] for p in X], [p[1] for p in X], c=[f"C{t}" for t in y], edgecolors="k", s=18)
    Xa = task_a[0]
    ax_r.scatter([p[0] for p in Xa], [p[1] for p in Xa], c="none", edgecolors="gray", s=10,
                 label=pic("task A points (moons)"))  # fmt: skip
    ax_r.set(xlabel="x1", ylabel="x2", title=pic("Task B: three groups, after fine-tuning"))
    ax_r.legend(fontsize=8, loc="upper left")
    ax_l.plot(range(1, epochs_a + 1), hist_a.loss, "o-", ms=3, label=pic("task A (whole network)"))
    ax_l.plot(range(epochs_a + 1, epochs_a + epochs_b + 1), hist_b.loss, "s-", ms=3,
              label=pic("task B (layers.0 frozen)"))  # fmt: skip
    ax_l.axvline(epochs_a + 0.5, color="gray", ls=":")
    ax_l.set(xlabel=pic("epoch"), ylabel=pic("training loss"), title=pic("Task A, then task B"))
    ax_l.legend(fontsize=8)
    fig.suptitle(pic("Fine-tuning: new head, frozen first layer"))
    lesson.save(fig, "fine_tuning.png")
    lesson.save_graph(network, "network_gradients.png")
    frozen_params = [p for n, p in model.named_parameters() if layer_of(n) == "layers.0"]
    return lesson.finish(
        frozen_change=change["layers.0"],
        tuned_change=change["layers.1"],
        head_change=change["layers.2"],
        frozen_grads=sum(abs(p.grad) for p in frozen_params),
        task_b_loss=(hist_b.loss[0], hist_b.loss[-1]),
        trainable=trainable,
    )


if __name__ == "__main__":
    main()
