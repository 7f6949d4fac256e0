"""The engine's semantics: the classic traps, grad(), higher derivatives, modes and flags."""

import copy
import gc
import math
import pickle
import sys
import threading
from collections.abc import Generator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import (
    PRIMITIVES,
    Value,
    enable_grad,
    engine,
    grad,
    gradcheck,
    is_grad_enabled,
    nn,
    no_grad,
    topological_order,
)
from autograd_lite import (
    functional as F,
)
from autograd_lite.engine import apply
from autograd_lite.ops import Primitive


def all_nodes(root: Value) -> list[Value]:
    return topological_order(root)


# -- the classic traps -----------------------------------------------------------------


def test_a_node_used_twice() -> None:
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0  # d(x^2) = 2x, both uses count
    x.grad = 0.0
    (x + x + x).backward()
    assert x.grad == 3.0
    x.grad = 0.0
    (x * x * x).backward()
    assert x.grad == 27.0  # 3x^2


def test_a_diamond() -> None:
    # a feeds two paths, b = exp(a) and c = sin(a), that rejoin in d = b * c
    x = Value(0.3)
    a = x * 2
    b, c = a.exp(), a.sin()
    d = b * c
    d.backward()
    ea, sa, ca = math.exp(0.6), math.sin(0.6), math.cos(0.6)
    assert b.grad == pytest.approx(sa)
    assert c.grad == pytest.approx(ea)
    assert a.grad == pytest.approx(sa * ea + ea * ca)  # sum over the two paths
    assert x.grad == pytest.approx(2 * (sa * ea + ea * ca))


def test_a_reused_intermediate_node() -> None:
    x, y = Value(1.5), Value(-0.5)
    h = x * y
    z = h * h + h.tanh() + h
    z.backward()
    dz_dh = 2 * -0.75 + (1 - math.tanh(-0.75) ** 2) + 1
    assert h.grad == pytest.approx(dz_dh)
    assert x.grad == pytest.approx(dz_dh * -0.5)
    assert y.grad == pytest.approx(dz_dh * 1.5)


@pytest.mark.parametrize("length", [10_000, 100_000])
def test_a_long_chain_at_the_default_recursion_limit(length: int) -> None:
    assert sys.getrecursionlimit() <= 1000
    x = Value(0.5)
    y = x
    for _ in range(length // 2):  # two operations a step
        y = y * 1.000001 + 1e-7
    y.backward()
    assert x.grad == pytest.approx(1.000001 ** (length // 2), rel=1e-9)
    assert len(topological_order(y)) == 2 * length + 1  # each op: a node and a constant
    del y  # freeing the chain does not recurse either


def test_backward_twice_doubles_every_gradient_exactly() -> None:
    x, w = Value(0.7, label="x"), Value(-1.3, label="w")
    h = x * w
    out = (h.tanh() + h * h + x.exp()) * w
    out.backward()
    nodes = [v for v in all_nodes(out) if v.requires_grad]
    first = [v.grad for v in nodes]
    assert x.grad != 0.0 and h.grad != 0.0
    out.backward()
    assert [v.grad for v in nodes] == [2 * g for g in first]
    # intermediate gradients are right, not corrupted: h's is dout/dh
    t = math.tanh(0.7 * -1.3)
    assert h.grad == pytest.approx(2 * (1 - t * t + 2 * 0.7 * -1.3) * -1.3)


def test_backward_takes_a_gradient_and_refuses_constants() -> None:
    x = Value(2.0)
    (x * x).backward(3.0)
    assert x.grad == 12.0
    with pytest.raises(ValueError, match="takes no gradient"):
        Value(1.0, requires_grad=False).backward()
    with pytest.raises(ValueError, match="takes no gradient"):
        (Value(1.0, requires_grad=False) * 2).backward()


# -- grad() ------------------------------------------------------------------------------


def test_grad_leaves_dot_grad_alone() -> None:
    x, y = Value(0.5), Value(2.0)
    z = (x * y).sin() * x
    for i, v in enumerate(all_nodes(z)):
        v.grad = float(i)  # recognisable values
    before = [v.grad for v in all_nodes(z)]
    dx, dy = grad(z, [x, y])
    assert [v.grad for v in all_nodes(z)] == before
    assert dx == pytest.approx(math.cos(1.0) * 2.0 * 0.5 + math.sin(1.0))
    assert dy == pytest.approx(math.cos(1.0) * 0.5 * 0.5)
    (dx2,) = grad(z, x, create_graph=True)
    assert [v.grad for v in all_nodes(z)] == before
    assert dx2.data == pytest.approx(dx)


def test_an_unreachable_input_gets_zero() -> None:
    x, y = Value(1.0), Value(2.0)
    assert grad(x * 3, [x, y]) == (3.0, 0.0)
    dx, dy = grad(x * 3, [x, y], create_graph=True)
    assert isinstance(dy, Value) and dy.data == 0.0 and not dy.requires_grad
    assert grad(dx, [x, y]) == (0.0, 0.0)  # d/dx of a constant 3


def test_grad_of_several_outputs_sums_them_and_accepts_intermediates() -> None:
    x = Value(2.0)
    h = x * x
    assert grad([h, x * 3], x) == (7.0,)
    assert grad(h.exp(), [h, x]) == pytest.approx((math.exp(4.0), math.exp(4.0) * 4.0))


def test_grad_refuses_bad_arguments() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Value, got float"):
        grad(x * 2, [1.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"outputs\[0\] must be a Value, got str"):
        grad("x", x)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"inputs\[0\] takes no gradient"):
        grad(x * 2, Value(1.0, requires_grad=False))


# -- higher derivatives ---------------------------------------------------------------


def test_derivatives_of_x_to_the_fourth() -> None:
    x = Value(1.5)
    (d1,) = grad(x**4, x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    (d3,) = grad(d2, x, create_graph=True)
    (d4,) = grad(d3, x, create_graph=True)
    (d5,) = grad(d4, x)
    assert d1.data == pytest.approx(4 * 1.5**3)
    assert d2.data == pytest.approx(12 * 1.5**2)
    assert d3.data == pytest.approx(24 * 1.5)
    assert d4.data == pytest.approx(24.0)
    assert d5 == 0.0


def test_hessian_of_a_two_variable_function() -> None:
    # f = x^2 y + sin(x y): f_xx = 2y - y^2 sin(xy), f_xy = 2x + cos(xy) - xy sin(xy),
    # f_yy = -x^2 sin(xy)
    xv, yv = 0.8, -1.1
    x, y = Value(xv), Value(yv)
    f = x * x * y + (x * y).sin()
    fx, fy = grad(f, [x, y], create_graph=True)
    hessian = [grad(fx, [x, y]), grad(fy, [x, y])]
    s, c = math.sin(xv * yv), math.cos(xv * yv)
    expected = [
        [2 * yv - yv * yv * s, 2 * xv + c - xv * yv * s],
        [2 * xv + c - xv * yv * s, -xv * xv * s],
    ]
    for row, want in zip(hessian, expected, strict=True):
        assert row == pytest.approx(want, rel=1e-12)


def test_newtons_method_converges_with_second_derivatives() -> None:
    # minimise f(x) = x^4 - 3x^2 + x from x = 2: x <- x - f'(x) / f''(x)
    x = 2.0
    for _step in range(20):
        v = Value(x)
        (d1,) = grad(v**4 - 3 * v**2 + v, v, create_graph=True)
        (d2,) = grad(d1, v)
        x -= d1.data / d2
        if abs(d1.data) < 1e-12:
            break
    assert abs(4 * x**3 - 6 * x + 1) < 1e-10  # f'(x) = 0
    assert 12 * x**2 - 6 > 0  # a minimum
    assert x == pytest.approx(1.1309, abs=1e-4)


def test_backward_with_create_graph_leaves_differentiable_grads() -> None:
    x = Value(3.0)
    (x**3).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 27.0
    assert grad(x.grad, x) == (18.0,)


# -- no_grad, detach, requires_grad, constants --------------------------------------------


def test_no_grad_as_a_context_manager() -> None:
    w = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = w * 3 + 1
        with enable_grad():
            z = w * 3
    assert is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and y.parents == ()
    assert y.data == 7.0
    assert z.requires_grad and z.parents[0] is w


def test_no_grad_as_a_decorator_and_after_an_exception() -> None:
    @no_grad()
    def evaluate(w: Value) -> Value:
        assert not is_grad_enabled()
        return w * w

    w = Value(3.0)
    assert not evaluate(w).requires_grad
    assert not evaluate(w).requires_grad  # the decorator works more than once
    assert is_grad_enabled()
    with pytest.raises(ValueError), no_grad():
        Value(-1.0).log()
    assert is_grad_enabled()


def test_no_grad_is_thread_local() -> None:
    inside, done = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def worker() -> None:
        with no_grad():
            inside.set()
            done.wait(5)
            seen["worker"] = (Value(1.0) * 2).requires_grad

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(5)
    seen["main"] = (Value(1.0) * 2).requires_grad  # while the worker is in no_grad
    done.set()
    thread.join()
    assert seen == {"main": True, "worker": False}

    with no_grad():  # and the other way round
        other = threading.Thread(target=lambda: seen.update(fresh=is_grad_enabled()))
        other.start()
        other.join()
    assert seen["fresh"] is True


def test_no_grad_entered_and_left_in_many_threads_at_once_holds_in_each() -> None:
    """Making a node skips reading the thread's mode while no thread has it off: every kind
    of node must still follow its own thread's mode while others switch theirs."""
    w = Value(0.5)
    start = threading.Barrier(4)
    wrong: list[str] = []

    def nodes() -> list[Value]:  # a unary, a binary and an n-ary node
        return [w.tanh(), w * 2.0, F.sum([w, w, 1.0])]

    def work(index: int) -> None:
        start.wait()
        for step in range(300):
            if (index + step) % 2:
                with no_grad():
                    if any(v.requires_grad for v in nodes()):
                        wrong.append(f"thread {index}: a graph under no_grad")
                    with enable_grad():
                        if not all(v.requires_grad for v in nodes()):
                            wrong.append(f"thread {index}: a constant under enable_grad")
            elif not all(v.requires_grad for v in nodes()):
                wrong.append(f"thread {index}: a constant outside no_grad")

    workers = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert wrong == []
    assert is_grad_enabled() and (w * 2.0).requires_grad


def _backward_in_threads(create_graph: bool, *, threads: int, calls: int) -> float:
    """Every thread runs ``calls`` backward passes of its own graphs, all sharing one leaf."""
    x = Value(1.0)
    start = threading.Barrier(threads)

    def work() -> None:
        start.wait()
        for _ in range(calls):
            (x * 2.0).backward(create_graph=create_graph)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    total = x.grad
    return float(total.data if isinstance(total, Value) else total)


@pytest.mark.slow
@pytest.mark.parametrize("create_graph", [True, False])
def test_backward_in_many_threads_loses_no_update_of_grad(create_graph: bool) -> None:
    """Before the accumulation was made atomic, 8 of 10 rounds here lost updates (create_graph)."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        for _ in range(5):
            total = _backward_in_threads(create_graph, threads=8, calls=2_000)
            assert total == 2.0 * 8 * 2_000
    finally:
        sys.setswitchinterval(interval)


def test_detach_cuts_the_graph() -> None:
    x = Value(2.0, label="x")
    h = x * x
    d = h.detach()
    assert d.data == 4.0 and d.is_leaf and not d.requires_grad and d.label == h.label
    (d * x).backward()
    assert x.grad == 4.0  # only the direct path: d is a constant


def test_requires_grad_flag() -> None:
    x = Value(2.0)
    x.requires_grad = False
    assert (x * 3).is_leaf and not (x * 3).requires_grad
    y = Value(5.0)
    (x * y).backward()
    assert x.grad == 0.0 and y.grad == 2.0
    x.requires_grad = True
    assert (x * 3).requires_grad
    with pytest.raises(ValueError, match="only be changed on a leaf"):
        (x * 3).requires_grad = False
    with pytest.raises(TypeError, match="must be a bool, got int"):
        x.requires_grad = 1  # type: ignore[assignment]


def test_numbers_become_constants_that_take_no_gradient() -> None:
    x = Value(2.0)
    for y in (x * 3, 3 * x, x + 1.5, 2 - x, x / 4, 2**x, x**2):
        const = [p for p in y.parents if p.is_leaf and p is not x]
        assert const and all(not p.requires_grad and p.is_leaf for p in const)
        y.backward()
        assert all(p.grad == 0.0 for p in const)
    assert not (Value(1.0, requires_grad=False) + 2).requires_grad


def test_each_arithmetic_method_applies_its_row_to_its_operands_in_order() -> None:
    """The methods are made from the table (Value.__rsub__ is sub with operands swapped)."""
    x = Value(0.7)
    cases = [
        (x + 2.0, "add", (0.7, 2.0)),
        (2.0 + x, "add", (2.0, 0.7)),
        (x - 2.0, "sub", (0.7, 2.0)),
        (2.0 - x, "sub", (2.0, 0.7)),
        (x * 2.0, "mul", (0.7, 2.0)),
        (2.0 * x, "mul", (2.0, 0.7)),
        (x / 2.0, "div", (0.7, 2.0)),
        (2.0 / x, "div", (2.0, 0.7)),
        (x**2.0, "pow", (0.7, 2.0)),
        (2.0**x, "pow", (2.0, 0.7)),
        (-x, "neg", (0.7,)),
        (abs(x), "abs", (0.7,)),
    ]
    for name in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "softplus"):
        cases.append((getattr(x, name)(), name, (0.7,)))
    for v, name, args in cases:
        assert v.op is PRIMITIVES[name], name
        assert tuple(p.data for p in v.parents) == args, name
        assert v.data == PRIMITIVES[name].forward(*args), name
    for name in ("exp", "log", "sqrt", "sigmoid", "relu", "softplus"):
        assert getattr(Value, name).__doc__, f"Value.{name} lost its docstring"


def test_comparisons_look_at_data_and_equality_at_identity() -> None:
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a and a < 2 and a >= 1.0
    assert 0 < a and 3 >= b  # noqa: SIM300  (the reflected comparisons)
    assert not (a > b) and a <= 1
    c = Value(1.0)
    assert a != c and a == a and a != 1.0
    table = {a: "a", c: "c"}
    assert table[a] == "a" and table[c] == "c" and len(table) == 2
    assert sorted([b, a, c], key=lambda v: v.data)[0] in (a, c)
    assert max([a, b]) is b
    with pytest.raises(TypeError):
        _ = a < "2"  # type: ignore[operator]


def test_repr_and_conversions() -> None:
    o = Value(0.70710678, label="o")
    o.grad = -1.5
    assert repr(o) == "Value(data=0.7071, grad=-1.5, label='o')"
    assert repr(Value(3.0)) == "Value(data=3.0, grad=0.0)"
    assert float(o) == o.item() == 0.70710678


# -- graph order and memory -----------------------------------------------------------------


def test_topological_order_is_deterministic_and_inputs_first() -> None:
    def build() -> Value:
        a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
        ab = a * b
        ab.label = "ab"
        s = ab + c
        s.label = "s"
        t = s.tanh()
        t.label = "t"
        return t

    order = [v.label for v in topological_order(build())]
    assert order == ["a", "b", "ab", "c", "s", "t"]
    for _ in range(5):
        assert [v.label for v in topological_order(build())] == order
    t = build()
    assert [v.label for v in topological_order(t, constants=False)] == order
    u = t * 2
    assert len(topological_order(u)) == 8 and len(topological_order(u, constants=False)) == 7


def count_values() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is Value)


@pytest.mark.slow
def test_a_dropped_graph_is_freed_without_the_cycle_collector() -> None:
    gc.collect()
    gc.disable()
    try:
        before = count_values()
        x = Value(0.5)
        y = x
        for _ in range(2000):
            y = (y * 1.001).tanh() + F.sum([y, 0.1])
        y.backward()
        (g,) = grad(y, x, create_graph=True)
        assert count_values() > before + 5000
        del y, g
        assert count_values() == before + 1  # only x is left
        assert gc.collect() == 0  # there was no cycle to collect
    finally:
        gc.enable()


def test_a_graph_checks_itself() -> None:
    # the engine against itself, through the public checker
    assert gradcheck(lambda x, w: F.dot([w, x], [x, w]).sigmoid() * F.sum([x, w, 1.0]), [0.3, 0.9])


def test_powers_at_zero_have_their_derivatives() -> None:
    # d(x^0)/dx = 0 everywhere, also at x = 0 where b * x^(b-1) reads 0 * 0^-1;
    # so every derivative of a polynomial exists at 0 (here x^3: 0, 0, 6, 0)
    x = Value(0.0)
    assert grad(x**0, x) == (0.0,)
    assert grad(x**0 + x**1 + x**2, x) == (1.0,)
    d = x**3
    found = []
    for _ in range(4):
        (d,) = grad(d, x, create_graph=True)
        found.append(d.data)
    assert found == [0.0, 0.0, 6.0, 0.0]
    with pytest.raises(ArithmeticError, match="infinite"):
        grad(x**0.5, x)  # this one really is infinite (PyTorch gives inf)


# -- behaving as PyTorch users expect, or saying why not ------------------------------------


def test_no_grad_on_a_generator_function_covers_every_step_and_only_them() -> None:
    w = Value(2.0)
    modes: list[bool] = []

    @no_grad()
    def scaled(factors: list[float]) -> Generator[Value, float, str]:
        total = 0.0
        for f in factors:
            modes.append(is_grad_enabled())
            total += yield w * f
            with enable_grad():  # enable_grad still works inside
                assert (w * 1.0).requires_grad
        return f"sum {total}"

    gen = scaled([1.0, 2.0])
    first = next(gen)
    assert is_grad_enabled()  # the caller's mode is back while the generator waits
    assert (w * 3).requires_grad
    second = gen.send(10.0)
    with pytest.raises(StopIteration) as stop:
        gen.send(5.0)
    assert stop.value.value == "sum 15.0"
    assert not first.requires_grad and not second.requires_grad
    assert modes == [False, False]
    assert scaled.__name__ == "scaled"


def test_no_grad_generator_passes_exceptions_and_close_through() -> None:
    seen: list[object] = []

    @no_grad()
    def watcher() -> Generator[int, None, None]:
        try:
            yield 1
        except KeyError as error:
            seen.append((error.args[0], is_grad_enabled()))
            yield 2
        finally:
            seen.append(("closed", is_grad_enabled()))

    gen = watcher()
    assert next(gen) == 1
    assert gen.throw(KeyError("k")) == 2
    gen.close()
    assert seen == [("k", False), ("closed", False)] and is_grad_enabled()
    assert list(watcher()) == [1]  # yield from works too: a plain loop


def test_no_grad_refuses_async_functions_and_non_functions() -> None:
    async def later() -> None:
        pass

    with pytest.raises(TypeError, match="async function later"):
        no_grad()(later)
    with pytest.raises(TypeError, match="decorates a function, got int"):
        no_grad()(3)  # type: ignore[type-var]


def test_truth_of_a_value_is_refused_with_advice() -> None:
    for v in (Value(0.0), Value(1.0), Value(2.0) * 3):
        with pytest.raises(TypeError, match=r"v\.data != 0"):
            bool(v)
    with pytest.raises(TypeError, match="ambiguous"):
        _ = Value(0.0) or 1.0


def test_format_formats_data() -> None:
    v = Value(3.14159, label="pi")
    assert f"{v:.2f}" == "3.14" and f"{v:>8.1e}" == " 3.1e+00" and f"{v:+g}" == "+3.14159"
    assert f"{v}" == repr(v) == str(v)
    with pytest.raises(ValueError):
        format(v, "d")  # an integer format for a float: refused, as float refuses it


def _chain_graph(length: int) -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    y = x
    for _ in range(length):
        y = y * 1.0001 + x
    return y, x


def test_deepcopy_of_a_deep_graph_copies_it_without_recursion() -> None:
    y, x = _chain_graph(sys.getrecursionlimit() * 5)
    twin = copy.deepcopy(y)
    originals, copies = topological_order(y), topological_order(twin)
    assert len(originals) == len(copies)
    assert not {id(n) for n in originals} & {id(n) for n in copies}  # nothing shared...
    assert [(n.data, n.label, n.op) for n in copies] == [(n.data, n.label, n.op) for n in originals]
    twin.backward()
    assert x.grad == 0.0  # ...so the copy's gradients stay in the copy
    y.backward()
    assert copies[0].grad == x.grad


def test_deepcopy_keeps_shared_nodes_shared_and_copies_a_graph_gradient() -> None:
    a = Value(2.0, label="a")
    b = a * a
    c = b + a
    cb, cc = copy.deepcopy([b, c])
    assert cc.parents[0] is cb and cb.parents[0] is cc.parents[1] is not a
    (da,) = grad(a**3, a, create_graph=True)
    a.grad = da
    ca = copy.deepcopy(a)
    assert isinstance(ca.grad, Value) and ca.grad is not da and ca.grad.data == da.data == 12.0


def test_copy_shares_the_graph() -> None:
    a = Value(2.0)
    c = a * a + 1.0
    c.label = "c"
    s = copy.copy(c)
    assert s is not c and s.parents == c.parents and (s.data, s.label, s.op) == (5.0, "c", c.op)


def test_a_leaf_pickles_and_a_node_with_a_graph_is_refused_clearly() -> None:
    leaf = pickle.loads(pickle.dumps(Value(3.0, label="p", requires_grad=False)))
    assert (leaf.data, leaf.label, leaf.requires_grad) == (3.0, "p", False)
    with pytest.raises(TypeError, match=r"made by mul.*v\.item\(\) or v\.detach\(\)"):
        pickle.dumps(Value(2.0) * 3)


@pytest.mark.parametrize("flag", ["no", 1, None, 0.0])
def test_create_graph_must_be_a_bool(flag: object) -> None:
    x = Value(2.0)
    with pytest.raises(TypeError, match="create_graph must be True or False"):
        grad(x * x, x, create_graph=flag)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="create_graph must be True or False"):
        (x * x).backward(create_graph=flag)  # type: ignore[arg-type]
    assert x.grad == 0.0


def test_one_no_grad_object_can_be_entered_again_and_in_two_threads() -> None:
    quiet = no_grad()
    inside, done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def worker() -> None:
        with quiet:
            inside.set()
            done.wait(5)
        seen.append(is_grad_enabled())

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(5)
    with quiet:  # entered here while the worker is inside it too
        with quiet:
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    done.set()
    thread.join()
    assert is_grad_enabled() and seen == [True]


def test_copies_of_a_parameter_are_parameters() -> None:
    from autograd_lite.nn import Parameter

    w = Parameter(0.5, label="w")
    y = w * 2.0
    assert type(copy.copy(w)) is Parameter
    twin = copy.deepcopy(y)
    assert type(twin.parents[0]) is Parameter and twin.parents[0].label == "w"


def test_value_methods_read_as_methods_in_help() -> None:
    import inspect

    assert Value.tanh.__qualname__ == "Value.tanh" and Value.__rsub__.__name__ == "__rsub__"
    assert list(inspect.signature(Value.exp).parameters) == ["self"]
    assert list(inspect.signature(Value.__mul__).parameters) == ["self", "other"]
    assert Value.exp.__doc__ == "e ** self."


# -- data and grad check what is assigned; pickles are checked (issue 16, section 4) ----------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_assigning_a_non_finite_data_says_it_is_not_finite(bad: float) -> None:
    v = Value(1.0)
    with pytest.raises(ValueError, match=r"Value\.data must be finite, got"):
        v.data = bad
    assert v.data == 1.0  # unchanged


@pytest.mark.parametrize(("attribute", "bad"), [("data", "3"), ("data", None), ("grad", "x")])
def test_assigning_what_is_no_number_is_a_type_error_naming_the_attribute(
    attribute: str, bad: object
) -> None:
    v = Value(1.0)
    with pytest.raises(TypeError, match=rf"Value\.{attribute} must be a real number"):
        setattr(v, attribute, bad)
    assert (v.data, v.grad) == (1.0, 0.0)


def test_assigned_numbers_are_kept_as_floats_and_a_create_graph_grad_as_a_value() -> None:
    v = Value(1.0)
    v.data, v.grad = 3, 2
    assert (v.data, v.grad) == (3.0, 2.0) and type(v.data) is float and type(v.grad) is float
    v.grad = math.nan  # clipping may leave a NaN gradient, as in PyTorch
    assert math.isnan(v.grad)
    (d,) = grad(v * v, v, create_graph=True)
    v.grad = d
    assert v.grad is d


@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(2**1100), 2**1100))
def test_data_takes_exactly_the_finite_floats(x: float) -> None:
    v = Value(0.5)
    try:
        as_float = float(x)
    except OverflowError:
        as_float = math.inf
    if math.isfinite(as_float):
        v.data = x
        assert v.data == as_float and type(v.data) is float
        assert (v * 0.5).data == as_float * 0.5  # the engine computes with it
    else:
        with pytest.raises(ValueError, match=r"Value\.data must"):
            v.data = x
        assert v.data == 0.5


def test_assignment_is_still_checked_after_a_trace() -> None:
    """compile swaps .data for a watched property while it records; it must swap it back."""
    from autograd_lite import compile as compile_step

    w = Value(1.0)
    step = compile_step(lambda x, y: (w * x - y) ** 2, [w], example=(1.0, 2.0))
    step([1.0], [2.0])
    with pytest.raises(ValueError, match=r"Value\.data must be finite"):
        w.data = math.nan


class _Crafted:
    """Pickles as a Value whose state is whatever a hostile file says."""

    def __init__(self, state: object) -> None:
        self.state = state

    def __reduce__(self) -> tuple[object, ...]:
        return (object.__new__, (Value,), self.state)


@pytest.mark.parametrize(
    ("state", "error", "message"),
    [
        ((None, {"_data": math.nan}), ValueError, "data must be finite, got nan"),
        ((None, {"data": math.inf}), ValueError, "data must be finite, got inf"),
        ((None, {"data": "3"}), TypeError, "data must be a real number"),
        ((None, {"_data": 1.0, "_grad": "x"}), TypeError, "grad must be a real number"),
        ((None, {"_data": 1.0, "_rg": 1}), TypeError, "requires_grad must be True or False"),
        ((None, {"_data": 1.0, "_label": 3}), TypeError, "label must be a str"),
        ((None, {"_data": 1.0, "_op": "mul"}), ValueError, "with a graph"),
        ((None, {"_data": 1.0, "_inputs": (1,)}), ValueError, "with a graph"),
        ((None, {"_data": 1.0, "__class__": 1}), ValueError, "unknown fields"),
        ({"x": 1}, TypeError, "no data in its state"),
        (5, TypeError, "no data in its state"),
    ],
)
def test_a_crafted_pickle_is_refused_with_what_is_wrong(
    state: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        pickle.loads(pickle.dumps(_Crafted(state)))


def test_a_pickle_made_before_the_slots_were_renamed_still_loads() -> None:
    old = pickle.loads(pickle.dumps(_Crafted((None, {"data": 2.0, "grad": 1.0, "_rg": False}))))
    assert (old.data, old.grad, old.requires_grad, old.is_leaf) == (2.0, 1.0, False, True)
    assert pickle.loads(pickle.dumps(nn.Parameter(1.5))).data == 1.5


# -- _method_of keeps a bounded number of rows (issue 16, section 3) ---------------------------


@pytest.mark.slow
def test_rows_applied_once_are_not_kept_for_ever() -> None:
    """functools.cache kept every Primitive ever applied (+242 MB for 200k)."""

    def live_rows() -> int:
        gc.collect()
        return sum(type(o) is Primitive for o in gc.get_objects())

    before = live_rows()
    for i in range(2000):
        row = Primitive(f"scale{i}", "s", 1, float, lambda g, out, x: (g,), lambda x: True, "x")
        apply(row, Value(1.0))
    del row
    assert live_rows() - before <= engine._METHODS_KEPT
    assert apply(PRIMITIVES["exp"], 0.0).data == 1.0  # the table's rows still work
