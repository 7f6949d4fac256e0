"""Why topological order: a naive recursive backward counts shared paths twice.

The question micrograd's readers ask most: why does ``backward()`` sort the
graph first? Take ``b = a + a`` and ``c = b + b``: ``c = 4a``, so
``dc/da = 4``. A naive backward pass that, at each node, sends the node's
gradient to its inputs and then recurses into each input once per edge
visits ``b`` twice; the second visit sends ``b``'s whole gradient again, and
``a.grad`` comes out 8. On a chain of ``depth`` doublings the naive answer
runs further and further away from the right ``2^depth``, and its visits
grow as ``2^(depth + 1) - 1`` while the graph has ``depth + 1`` nodes.

The fix is the topological order: list the nodes so that every node comes
after all the nodes it feeds, then walk that list backwards, once per node.
When a node's turn comes, every path into it has delivered its share, so
its gradient is complete before it is passed on. The lesson computes both
for ``b = a + a; c = b + b`` and for longer chains, and draws the numbers.

Run: ``autograd-lite lesson topological_order`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from _lesson import Outcome, pic, plt, say, section, start, tr

from autograd_lite import Value
from autograd_lite.engine import topological_order

A = 3.0  # the value of a: any value gives the same gradients, the graph is linear
DEPTHS = range(1, 13)  # chains of doublings x_{k+1} = x_k + x_k
QUICK_DEPTHS = range(1, 9)


def naive_backward(node: Value, visits: Counter[Value]) -> None:
    """The mistake: send ``node.grad`` to the inputs now, then recurse once per edge."""
    visits[node] += 1
    if node.op is None:
        return
    inputs = node.parents
    shares = node.op.vjp(node.grad, node.data, *[p.data for p in inputs])
    for parent, share in zip(inputs, shares, strict=True):
        parent.grad += share
    for parent in inputs:  # a node reached by two edges is visited (and sent on) twice
        naive_backward(parent, visits)


def doublings(depth: int) -> tuple[Value, Value]:
    """``a`` and ``x_depth`` for the chain ``x_0 = a``, ``x_{k+1} = x_k + x_k``."""
    a = Value(A, label="a")
    x = a
    for _ in range(depth):
        x = x + x
    return a, x


def both(depth: int) -> tuple[float, float, int, int]:
    """(correct d x/da, naive d x/da, naive visits, nodes) for a chain of ``depth`` doublings."""
    a, out = doublings(depth)
    out.backward()
    correct = a.grad
    a, out = doublings(depth)
    out.grad = 1.0
    visits: Counter[Value] = Counter()
    naive_backward(out, visits)
    return correct, a.grad, visits.total(), len(topological_order(out))


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)

    section("b = a + a, c = b + b: the right answer is 4")
    a = Value(A, label="a")
    b = a + a
    b.label = "b"
    c = b + b
    c.label = "c"
    c.backward()
    print(tr("c = 4a, so dc/da = 4; the engine's backward(): a.grad = {g:g}", g=a.grad))
    order = " -> ".join(n.label for n in topological_order(c))
    print(tr("topological order (inputs first): {order}", order=order))

    section("the naive recursive backward pass")
    a2 = Value(A, label="a")
    b2 = a2 + a2
    c2 = b2 + b2
    c2.grad = 1.0
    visits: Counter[Value] = Counter()
    naive_backward(c2, visits)
    print(
        tr(
            "naive: a.grad = {g:g} after {v} visits (c {vc}, b {vb}, a {va})",
            g=a2.grad,
            v=visits.total(),
            vc=visits[c2],
            vb=visits[b2],
            va=visits[a2],
        )
    )
    say(
        """The naive pass visits b once per edge from c. At the first visit b.grad is already
        complete ({bg:g}), and b sends {bg:g} + {bg:g} to a. At the second visit it sends its
        whole gradient again, so a receives {naive:g} instead of {right:g}: every path was
        counted once per way of reaching it.""",
        bg=b.grad,
        naive=a2.grad,
        right=a.grad,
    )

    section("longer chains: x(k+1) = x(k) + x(k)")
    depths = QUICK_DEPTHS if lesson.quick else DEPTHS
    rows = [both(d) for d in depths]
    print(tr("depth  correct dx/da  naive dx/da  naive visits  nodes"))
    for d, (right, naive, visited, nodes) in zip(depths, rows, strict=True):
        print(f"{d:>5}  {right:>13g}  {naive:>11g}  {visited:>12}  {nodes:>5}")
    last = rows[-1]
    say(
        """At depth {d} the right gradient is {right:g}; the naive pass gives {naive:g} after
        {visits} visits of a graph of {nodes} nodes. Topological order visits each node once:
        {nodes} steps.""",
        d=depths[-1],
        right=last[0],
        naive=last[1],
        visits=last[2],
        nodes=last[3],
    )

    fig, (ax_g, ax_v) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    xs = list(depths)
    ax_g.semilogy(xs, [r[0] for r in rows], "o-", label=pic("topological order (correct)"))
    ax_g.semilogy(xs, [r[1] for r in rows], "s--", label=pic("naive recursion"))
    ax_g.set(xlabel=pic("depth (number of doublings)"), ylabel="dx/da", title=pic("The gradient"))
    ax_g.legend()
    ax_v.semilogy(xs, [r[3] for r in rows], "o-", label=pic("topological order: one step a node"))
    ax_v.semilogy(xs, [r[2] for r in rows], "s--", label=pic("naive recursion: one visit a path"))
    ax_v.set(
        xlabel=pic("depth (number of doublings)"),
        ylabel=pic("nodes visited"),
        title=pic("The work"),
    )
    ax_v.legend()
    lesson.save(fig, "naive_vs_topological.png")
    return lesson.finish(
        correct_gradient=a.grad,
        naive_gradient=a2.grad,
        naive_visits=visits.total(),
        depths=list(depths),
        correct=[r[0] for r in rows],
        naive=[r[1] for r in rows],
        naive_visits_per_depth=[r[2] for r in rows],
        nodes=[r[3] for r in rows],
    )


if __name__ == "__main__":
    main()
