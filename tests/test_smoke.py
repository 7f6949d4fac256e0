"""The README's first example, run as a test."""

import math

from autograd_lite import Value, grad


def test_readme_example() -> None:
    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    b = Value(6.8814, label="b")
    o = (x * w + b).tanh()
    o.backward()
    t = math.tanh(2.0 * -3.0 + 6.8814)
    assert math.isclose(o.data, t)
    assert math.isclose(x.grad, (1 - t * t) * -3.0)
    assert math.isclose(w.grad, (1 - t * t) * 2.0)
    (dx,) = grad(x**3, x, create_graph=True)
    assert dx.data == 12.0
    assert grad(dx, x) == (12.0,)
