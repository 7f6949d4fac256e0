"""The affine layer z = W x + b: dW = dz xᵀ, db = dz, dx = Wᵀ dz by hand vs the engine.

A fully connected (affine) layer multiplies its input ``x`` (n numbers) by a
weight matrix ``W`` (m rows, n columns) and adds a bias ``b`` (m numbers):
``z_i = sum_j W_ij x_j + b_i``. Given ``dz = dL/dz`` from the layer above
(the backward pass arrives from the output side), the chain rule gives

* ``dW = dz xᵀ``   (an outer product: ``dL/dW_ij = dz_i x_j``),
* ``db = dz``      (each bias adds straight into its output),
* ``dx = Wᵀ dz``   (``dL/dx_j = sum_i W_ij dz_i``: what flows on to the layer below).

The lesson builds the layer from scalar ``Value`` s, takes a squared-error
loss ``L = 1/2 |z - t|^2`` (so ``dz = z - t``), lets ``backward()`` fill in
every gradient, computes the three formulas by hand with plain lists, and
compares them number by number.

Books that work on a whole mini-batch at once (ゼロから作る Deep Learning,
for one) write the same layer the other way round: the samples are the rows
of ``X`` (B samples, n columns), ``Y = X·W + b`` with their ``W`` being our
``Wᵀ`` (n x m), and the backward pass ``dW = Xᵀ·dY``, ``dX = dY·Wᵀ``,
``db = Σ dY`` (summed over the rows). The last section computes that
convention on a batch of ``B`` samples and shows why it agrees with ours:
``Xᵀ·dY`` is the sum over the samples of our ``dz xᵀ``, transposed, and each
row of ``dY·Wᵀ`` is one sample's ``Wᵀ dz``.

Run: ``autograd-lite lesson affine_layer`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from _lesson import Outcome, pic, plt, say, section, start, tr

from autograd_lite import Value
from autograd_lite import functional as F

N_IN, N_OUT = 4, 3  # x has 4 numbers, z has 3
BATCH = 2  # samples in the batched convention's X
SEED = 0


def matrix_text(rows: Sequence[Sequence[float]]) -> str:
    return "\n".join("  [" + "  ".join(f"{v:+.4f}" for v in row) + "]" for row in rows)


def largest_gap(a: Sequence[float], b: Sequence[float]) -> float:
    """The largest |a_k - b_k|."""
    return max(abs(p - q) for p, q in zip(a, b, strict=True))


def batched_convention(
    rng: random.Random, w_data: list[list[float]], b_data: list[float]
) -> dict[str, Any]:
    """The book's batched backward pass on ``BATCH`` samples, and its gaps to the engine.

    Their layer is ``Y = X·Wb + b`` with ``Wb = Wᵀ`` (n x m); with the loss
    ``L = 1/2 Σ |Y - T|^2`` the gradient arriving at ``Y`` is ``dY = Y - T``.
    """
    xs = [[round(rng.uniform(-2, 2), 2) for _ in range(N_IN)] for _ in range(BATCH)]
    ts = [[round(rng.uniform(-1, 1), 2) for _ in range(N_OUT)] for _ in range(BATCH)]
    # the engine: each sample through our z = W x + b, the losses added up
    W = [[Value(v) for v in row] for row in w_data]
    b = [Value(v) for v in b_data]
    X = [[Value(v) for v in row] for row in xs]
    Z = [[F.dot(W[i], X[s]) + b[i] for i in range(N_OUT)] for s in range(BATCH)]
    errors = (
        (Z[s][i] - ts[s][i]) ** 2 for s in range(BATCH) for i in range(N_OUT)
    )  # 1/2 Σ |Y - T|^2
    (0.5 * F.sum(errors)).backward()
    # the book's formulas, with plain lists: rows are samples
    wb = [[w_data[i][j] for i in range(N_OUT)] for j in range(N_IN)]  # their W: our Wᵀ
    dY = [[Z[s][i].data - ts[s][i] for i in range(N_OUT)] for s in range(BATCH)]
    dW = [
        [sum(xs[s][j] * dY[s][i] for s in range(BATCH)) for i in range(N_OUT)] for j in range(N_IN)
    ]  # Xᵀ·dY
    db = [sum(dY[s][i] for s in range(BATCH)) for i in range(N_OUT)]  # Σ dY over the rows
    dX = [
        [sum(dY[s][i] * wb[j][i] for i in range(N_OUT)) for j in range(N_IN)] for s in range(BATCH)
    ]  # dY·Wbᵀ
    # ours, sample by sample: dz xᵀ summed over the samples, then transposed
    ours = [
        [sum(dY[s][i] * xs[s][j] for s in range(BATCH)) for j in range(N_IN)] for i in range(N_OUT)
    ]
    return {
        "dW": dW,
        "db": db,
        "dX": dX,
        "dW_gap": max(abs(dW[j][i] - W[i][j].grad) for i in range(N_OUT) for j in range(N_IN)),
        "db_gap": largest_gap(db, [v.grad for v in b]),
        "dX_gap": max(largest_gap(dX[s], [v.grad for v in X[s]]) for s in range(BATCH)),
        "sum_of_ours_gap": max(
            abs(dW[j][i] - ours[i][j]) for i in range(N_OUT) for j in range(N_IN)
        ),
    }


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    rng = random.Random(SEED)
    w_data = [[round(rng.uniform(-1, 1), 2) for _ in range(N_IN)] for _ in range(N_OUT)]
    b_data = [round(rng.uniform(-1, 1), 2) for _ in range(N_OUT)]
    x_data = [round(rng.uniform(-2, 2), 2) for _ in range(N_IN)]
    t_data = [round(rng.uniform(-1, 1), 2) for _ in range(N_OUT)]

    section("the layer, from scalar Values")
    W = [[Value(v, label=f"W{i}{j}") for j, v in enumerate(row)] for i, row in enumerate(w_data)]
    b = [Value(v, label=f"b{i}") for i, v in enumerate(b_data)]
    x = [Value(v, label=f"x{j}") for j, v in enumerate(x_data)]
    z = [F.dot(W[i], x) + b[i] for i in range(N_OUT)]  # z_i = sum_j W_ij x_j + b_i
    loss = 0.5 * F.sum((z_i - t_i) ** 2 for z_i, t_i in zip(z, t_data, strict=True))
    print(f"W ({N_OUT} x {N_IN}) =\n{matrix_text(w_data)}")
    print(tr("b = {b}\nx = {x}\ntarget t = {t}", b=b_data, x=x_data, t=t_data))
    print(tr("forward pass: z = W x + b = [{z}]", z=", ".join(f"{v.data:+.4f}" for v in z)))
    print(tr("loss L = 1/2 |z - t|^2 = {L:.6f}", L=loss.data))
    loss.backward()

    section("the backward pass by hand")
    dz = [z_i.data - t_i for z_i, t_i in zip(z, t_data, strict=True)]  # dL/dz = z - t
    dW = [[dz[i] * x_data[j] for j in range(N_IN)] for i in range(N_OUT)]  # dz x^T
    db = list(dz)  # dL/db = dL/dz
    dx = [sum(w_data[i][j] * dz[i] for i in range(N_OUT)) for j in range(N_IN)]  # W^T dz
    print(f"dz = z - t = [{', '.join(f'{v:+.4f}' for v in dz)}]")
    print(f"dW = dz x^T =\n{matrix_text(dW)}")
    print(f"db = dz     = [{', '.join(f'{v:+.4f}' for v in db)}]")
    print(f"dx = W^T dz = [{', '.join(f'{v:+.4f}' for v in dx)}]")

    section("what the engine computed (the .grad of each Value)")
    engine_dW = [[w.grad for w in row] for row in W]
    engine_db = [v.grad for v in b]
    engine_dx = [v.grad for v in x]
    print(f"W.grad =\n{matrix_text(engine_dW)}")
    print(f"b.grad = [{', '.join(f'{v:+.4f}' for v in engine_db)}]")
    print(f"x.grad = [{', '.join(f'{v:+.4f}' for v in engine_dx)}]")
    gaps = {
        "dW": max(largest_gap(r, s) for r, s in zip(dW, engine_dW, strict=True)),
        "db": largest_gap(db, engine_db),
        "dx": largest_gap(dx, engine_dx),
    }
    for name, gap in gaps.items():
        print(tr("largest |by hand - engine| in {name}: {gap:.1e}", name=name, gap=gap))
    say(
        """The engine never saw a matrix: it applied the chain rule node by node (a dot
        product, an addition, a square) and summed what arrived at each Value. The result is
        exactly the matrix formulas that deep-learning libraries use for a whole layer."""
    )

    section("the batched convention: dW = Xᵀ·dY, dX = dY·Wᵀ, db = Σ dY")
    batched = batched_convention(rng, w_data, b_data)
    print(
        tr(
            "B = {batch} samples as the rows of X; their W is our Wᵀ ({n} x {m})",
            batch=BATCH,
            n=N_IN,
            m=N_OUT,
        )
    )
    print(f"dW = Xᵀ·dY ({N_IN} x {N_OUT}) =\n{matrix_text(batched['dW'])}")
    db_text = ", ".join(f"{v:+.4f}" for v in batched["db"])
    print(tr("db = Σ dY (over the rows) = [{db}]", db=db_text))
    print(f"dX = dY·Wᵀ ({BATCH} x {N_IN}) =\n{matrix_text(batched['dX'])}")
    for name in ("dW", "db", "dX"):
        gap = batched[name + "_gap"]
        print(tr("largest |batched formula - engine| in {name}: {gap:.1e}", name=name, gap=gap))
    print(
        tr(
            "largest |Xᵀ·dY - (Σ over samples of our dz xᵀ)ᵀ|: {gap:.1e}",
            gap=batched["sum_of_ours_gap"],
        )
    )
    say(
        """The two conventions are one computation written two ways: with the samples as
        rows, Xᵀ·dY adds up every sample's outer product dz xᵀ (transposed, because their W
        is our Wᵀ), Σ dY adds up every sample's db = dz, and each row of dY·Wᵀ is that
        sample's Wᵀ dz. The engine, summing what arrives at each Value, gets the same
        numbers."""
    )
    gaps.update({f"batched_{k}": batched[f"{k}_gap"] for k in ("dW", "db", "dX")})

    fig, panels = plt.subplot_mosaic(
        [["hand", "engine"], ["db", "dx"]], figsize=(11, 6.5), layout="constrained",
        height_ratios=[1.1, 1],
    )  # fmt: skip
    axes = [panels["hand"], panels["engine"]]
    limit = max(abs(v) for row in dW for v in row)
    for ax, data, what in (
        (axes[0], dW, pic("by hand: dz xᵀ")),
        (axes[1], engine_dW, pic("engine: W.grad")),
    ):
        image = ax.imshow(data, cmap="coolwarm", vmin=-limit, vmax=limit)
        for i in range(N_OUT):
            for j in range(N_IN):
                ax.text(j, i, f"{data[i][j]:+.3f}", ha="center", va="center", fontsize=9)
        ax.set(xlabel=pic("input j"), ylabel=pic("output i"), title=f"dL/dW  ({what})")
        ax.set_xticks(range(N_IN))
        ax.set_yticks(range(N_OUT))
    fig.colorbar(image, ax=axes, label="dL/dW_ij", shrink=0.9)
    ax_b, ax_x = panels["db"], panels["dx"]
    for ax, hand, engine, what, n in (
        (ax_b, db, engine_db, pic("output i"), N_OUT),
        (ax_x, dx, engine_dx, pic("input j"), N_IN),
    ):
        ax.bar([k - 0.2 for k in range(n)], hand, width=0.4, label=pic("by hand"))
        ax.bar([k + 0.2 for k in range(n)], engine, width=0.4, label=pic("engine (.grad)"))
        ax.axhline(0, color="k", lw=0.8)
        title = "dL/db = dz" if n == N_OUT else pic("dL/dx = Wᵀ dz (sent on to the layer below)")
        ax.set(xlabel=what, ylabel=pic("gradient"), title=title)
        ax.set_xticks(range(n))
        ax.legend()
    fig.suptitle(pic("Affine layer z = W x + b: backward pass by hand and by the engine"))
    lesson.save(fig, "affine_backward.png")
    return lesson.finish(largest_gap=max(gaps.values()), **{f"{k}_gap": v for k, v in gaps.items()})


if __name__ == "__main__":
    main()
