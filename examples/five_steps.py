"""The five steps of learning, printed literally with numbers.

Every neural network learns with the same loop:

1. give the network an input;
2. compute its output (the forward pass builds a computation graph);
3. measure the error between output and target (the loss);
4. send the error backwards (the backward pass, backpropagation, fills in the
   gradient of the loss for every parameter) and adjust the weights
   (``w <- w - learning_rate * dL/dw``);
5. compute the output again with the new weights: the loss is smaller.

This lesson runs the loop once on one neuron, ``y = sigmoid(w1 x1 + w2 x2 + b)``,
printing each step literally, then repeats it and plots the loss and the
output per loop. It also draws the computation graph of the first loop
after the backward pass, with each node's value (data) and gradient.

Run: ``autograd-lite lesson five_steps`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

from collections.abc import Sequence

from _lesson import Outcome, pic, plt, say, section, start, tr

import visualize
from autograd_lite import Value

INPUT = (1.0, 0.5)  # x1, x2
TARGET = 1.0  # the output we want for this input
LEARNING_RATE = 0.5  # a hyper-parameter: we choose it, the network does not learn it
LOOPS = 60  # how often the whole loop runs in the second part


def forward(params: Sequence[Value], x: Sequence[Value | float]) -> Value:
    """The neuron: y = sigmoid(w1 x1 + w2 x2 + b)."""
    w1, w2, b = params
    return (w1 * x[0] + w2 * x[1] + b).sigmoid()


def loss_of(y: Value) -> Value:
    """Squared error: L = 1/2 (y - target)^2."""
    # the target is a constant, not an input: unnamed, the diagram draws it as one (grey),
    # apart from the inputs x1, x2 (green)
    return 0.5 * (y - TARGET) ** 2


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    w1, w2, b = Value(0.5, label="w1"), Value(-0.3, label="w2"), Value(0.1, label="b")
    params = [w1, w2, b]
    say(
        """One neuron, y = sigmoid(w1 x1 + w2 x2 + b), with parameters (weights and a
        bias) w1 = {w1:g}, w2 = {w2:g}, b = {b:g}. Learning rate = {lr:g}.""",
        w1=w1.data,
        w2=w2.data,
        b=b.data,
        lr=LEARNING_RATE,
    )

    section("Step 1. Give the network an input")
    x1, x2 = INPUT
    print(tr("x1 = {x1:g}, x2 = {x2:g}   (target output t = {t:g})", x1=x1, x2=x2, t=TARGET))

    section("Step 2. Compute the output (forward pass)")
    inputs = [Value(v, label=f"x{i + 1}", requires_grad=False) for i, v in enumerate(INPUT)]
    y = forward(params, inputs)
    y.label = "y"
    y.parents[0].label = "z"  # the weighted sum, before the sigmoid
    z = w1.data * x1 + w2.data * x2 + b.data
    print(f"z = w1 x1 + w2 x2 + b = {w1.data:g}*{x1:g} + {w2.data:g}*{x2:g} + {b.data:g} = {z:.4f}")
    print(f"y = sigmoid(z) = {y.data:.4f}")
    y_before = y.data

    section("Step 3. Measure the error (loss)")
    loss = loss_of(y)
    loss.label = "L"
    print(f"L = 1/2 (y - t)^2 = 1/2 ({y.data:.4f} - {TARGET:g})^2 = {loss.data:.6f}")
    loss_before = loss.data

    section("Step 4. Send the error backwards and adjust the weights")
    loss.backward()
    dz = (y.data - TARGET) * y.data * (1 - y.data)  # dL/dz = dL/dy * dy/dz
    print(tr("backward pass, chain rule: dL/dz = (y - t) * y (1 - y) = {dz:.6f}", dz=dz))
    by_hand_gap = 0.0  # the largest difference between the engine and the chain rule by hand
    for p, x in ((w1, x1), (w2, x2), (b, 1.0)):
        by_hand_gap = max(by_hand_gap, abs(p.grad - dz * x))
        what = "dL/db = dL/dz * 1" if p is b else f"dL/d{p.label} = dL/dz * {x:g}"
        print(
            tr(
                "  {what:<22} = {hand:+.6f}   (engine: {name}.grad = {grad:+.6f})",
                what=what,
                hand=dz * x,
                name=p.label,
                grad=p.grad,
            )
        )
    graph = visualize.draw_graph(loss, params=params)  # data and .grad of every node
    lesson.save_graph(graph, "graph_after_backward.png")
    print(tr("  (the picture shows the computation graph: each value's data and grad)"))
    for p in params:
        new = p.data - LEARNING_RATE * p.grad  # w <- w - lr * dL/dw
        print(
            tr(
                "  {p} <- {p} - lr * dL/d{p} = {old:g} - {lr:g} * ({g:+.6f}) = {new:.6f}",
                p=p.label,
                old=p.data,
                lr=LEARNING_RATE,
                g=p.grad,
                new=new,
            )
        )
        p.data = new

    section("Step 5. Compute the output again with the new weights")
    y = forward(params, INPUT)
    loss = loss_of(y)
    print(tr("y = {now:.4f} (was {was:.4f})", now=y.data, was=y_before))
    print(tr("L = {now:.6f} (was {was:.6f}): the error went down.", now=loss.data, was=loss_before))
    loss_after = loss.data

    section("The same five steps, {loops} times", loops=LOOPS)
    losses, outputs = [loss_before, loss_after], [y_before, y.data]
    for p in params:
        p.grad = 0.0
    for _ in range(LOOPS - 1):
        loss = loss_of(forward(params, INPUT))  # steps 1-3
        loss.backward()  # step 4: backward ...
        for p in params:
            p.data -= LEARNING_RATE * p.grad  # ... and update
            p.grad = 0.0  # gradients add up: reset them for the next loop
        y = forward(params, INPUT)  # step 5
        outputs.append(y.data)
        losses.append(loss_of(y).data)
    print(
        tr(
            "after {loops} loops: y = {y:.4f}, L = {L:.6f}",
            loops=LOOPS,
            y=outputs[-1],
            L=losses[-1],
        )
    )
    say(
        """The sigmoid can only reach 1 in the limit, so the loss keeps shrinking but
        ever more slowly: its gradient y (1 - y) gets small as y nears 1."""
    )

    fig, (ax_l, ax_y) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    ax_l.plot(range(len(losses)), losses, "o-", ms=2.5, label=pic("loss L"))
    ax_l.set(xlabel=pic("loop (0 = before learning)"), ylabel="L = 1/2 (y - t)^2")
    ax_l.set_title(pic("The loss after each loop"))
    ax_l.legend()
    ax_y.plot(range(len(outputs)), outputs, "o-", ms=2.5, color="C1", label=pic("output y"))
    ax_y.axhline(TARGET, color="gray", ls="--", label=pic("target t = {t:g}", t=TARGET))
    ax_y.set(
        xlabel=pic("loop (0 = before learning)"),
        ylabel="y",
        title=pic("The output moves toward the target"),
    )
    ax_y.legend()
    fig.suptitle(pic("Five steps, repeated: y = sigmoid(w1 x1 + w2 x2 + b)"))
    lesson.save(fig, "loss_per_loop.png")
    return lesson.finish(
        loss_before=loss_before,
        loss_after=loss_after,
        final_loss=losses[-1],
        by_hand_gap=by_hand_gap,
    )


if __name__ == "__main__":
    main()
