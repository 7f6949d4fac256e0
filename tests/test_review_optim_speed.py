"""The eager ``step()`` on columns (``rules.Column``): the rule's bits, whatever the histories.

``Optimizer.step()`` calls the library's rules once per group, on a column of
every parameter whose state holds the same entries, instead of once per
parameter. These tests hold it to the rule called on each float by hand, bit
for bit (``float.hex``: -0.0 is not 0.0), with parameters frozen and thawed
(so step counts differ and some states are missing), states loaded with their
entries in another order, and zeros of both signs. Speed is measured in
``benchmarks/bench_optim.py``, never here.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_optim import OPTIMIZERS, _settings  # the same strategies, one home

from autograd_lite import Value
from autograd_lite.optim import SGD, Adagrad, Adam, Optimizer, RMSprop, optimizers, rules
from autograd_lite.optim.rules import Column

#: finite numbers, zeros of both signs among them (inf and NaN: see the array test)
_NUMBER = st.floats(-1e3, 1e3) | st.sampled_from([0.0, -0.0, 1e-300, -1.0, 1.0])
_ANY = _NUMBER | st.sampled_from([math.inf, -math.inf, math.nan])


def bits(x: Any) -> Any:
    """A float's exact bits (any NaN is any NaN), through lists and dicts."""
    if isinstance(x, dict):
        return {k: bits(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [bits(v) for v in x]
    assert type(x) is float, x  # never an int or a Column where a float belongs
    return "nan" if math.isnan(x) else x.hex()


def _outcome(rule: Any, *args: Any, **hyper: Any) -> Any:
    try:
        return rule(*args, **hyper)
    except (ArithmeticError, ValueError) as error:
        return type(error)


# -- a rule on a column is the rule on each float ------------------------------------------


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_rule_on_a_column_is_the_rule_on_each_float_bit_for_bit(
    cls: type[Optimizer], data: st.DataObject
) -> None:
    """Each rule, any settings, elements with histories of 1 to 3 steps (so step counts may
    differ): 3 more steps on floats one by one and on columns at once, a state entry that
    every element holds alike passed as that one float or as a column."""
    hyper = data.draw(_settings(cls), label="settings")
    rule = cls.rule
    n = data.draw(st.integers(1, 6), label="n")
    params = data.draw(st.lists(_ANY, min_size=n, max_size=n), label="params")
    states: list[dict[str, float]] = []
    for i in range(n):
        state: dict[str, float] = {}
        for _ in range(data.draw(st.integers(1, 3), label="history")):
            got = _outcome(rule, params[i], data.draw(_ANY), state, **hyper)
            if isinstance(got, type):
                return  # a history that raises on floats: nothing to compare
            params[i], state = got
        states.append(state)
    for _ in range(3):
        grads = data.draw(st.lists(_ANY, min_size=n, max_size=n), label="grads")
        column_state: dict[str, Any] = {}
        for key in states[0]:
            values = [s[key] for s in states]
            alike = len(set(bits(values))) == 1
            shared = alike and data.draw(st.booleans(), label=f"{key} as one float")
            column_state[key] = values[0] if shared else Column(values)
        each = [
            _outcome(rule, p, g, s, **hyper) for p, g, s in zip(params, grads, states, strict=True)
        ]
        at_once = _outcome(rule, Column(params), Column(grads), column_state, **hyper)
        failures = {o for o in each if isinstance(o, type)}
        if failures:  # the column fails at the first operation that fails for any element
            assert at_once in failures, (at_once, failures)
            return
        param, new = at_once
        params, states = [p for p, _ in each], [s for _, s in each]
        assert bits(param.floats) == bits(params)
        assert list(new) == list(states[0])  # the same entries, in the same order
        for key, value in new.items():
            column = value.floats if isinstance(value, Column) else [value] * n
            assert bits(column) == bits([s[key] for s in states]), key


def test_a_step_count_that_all_share_stays_one_float() -> None:
    state = {"step": 4.0, "exp_avg": Column([0.5, -1.5]), "exp_avg_sq": Column([0.25, 2.25])}
    param, new = rules.adam_update(Column([0.5, -1.5]), Column([0.1, 0.2]), state, lr=0.1)
    assert new["step"] == 5.0 and type(new["step"]) is float
    assert isinstance(new["exp_avg"], Column) and isinstance(param, Column)


def test_a_column_computes_with_columns_of_its_length_and_numbers_only() -> None:
    with pytest.raises(ValueError, match="columns of 2 and 3 floats"):
        Column([1.0, 2.0]) + Column([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="a Column computes with a Column or a number, not"):
        Column([1.0]) * "2"
    with pytest.raises(TypeError):
        abs(Column([1.0]))  # type: ignore[arg-type]  # not in the rules' arithmetic
    assert (2.0 - Column([0.5, -0.0])).floats == [1.5, 2.0]
    assert (1.0 / Column([4.0])).floats == [0.25]
    assert bits((-Column([0.0, -0.0])).floats) == bits([-0.0, 0.0])
    assert bits(rules.COLUMNS.maximum(Column([-0.0, 0.0, 1.0]), 0.0).floats) == bits(
        [max(-0.0, 0.0), max(0.0, 0.0), 1.0]  # Python's max: the first of equals
    )
    assert bits(rules.COLUMNS.maximum(0.0, Column([-0.0, 2.0])).floats) == bits([0.0, 2.0])
    assert rules.COLUMNS.power(0.5, Column([1.0, 3.0])).floats == [0.5, 0.125]
    assert rules.operations(Column([])) is rules.COLUMNS
    assert rules.operations(1.0) is rules.FLOATS and rules.operations(2) is rules.FLOATS


# -- step() on columns is the rule on each parameter ---------------------------------------


def _reference(opt: Optimizer, states: dict[Value, dict[str, float]]) -> dict[Value, Any]:
    """Each trainable parameter's new value and state: its rule called on floats by hand."""
    want = {}
    for group in opt.param_groups:
        hyper = opt.hyper_of(group)
        for p in group["params"]:
            if p.requires_grad:
                want[p] = _outcome(
                    type(opt).rule, p.data, float(p.grad), states.get(p, {}), **hyper
                )
    return want


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_step_is_the_rule_on_each_parameter_whatever_their_histories(
    cls: type[Optimizer], data: st.DataObject
) -> None:
    """Two groups with any settings; at each of 4 steps any parameters frozen (their state
    falls behind, or never starts), and once the state saved through JSON and loaded back
    with its entries in reverse order. Values and states are the rule's, to the bit."""
    n = data.draw(st.integers(1, 7), label="n")
    params = [Value(x) for x in data.draw(st.lists(_NUMBER, min_size=n, max_size=n))]
    split = data.draw(st.integers(0, n), label="split")
    groups = [{"params": params[:split]}, {"params": params[split:]}]
    opt = cls([g for g in groups if g["params"]])
    for group in opt.param_groups:
        group.update(data.draw(_settings(cls), label="settings"))
    states: dict[Value, dict[str, float]] = {}
    for t in range(4):
        for p in params:
            p.requires_grad = data.draw(st.booleans(), label="trained")
            p.grad = data.draw(_NUMBER, label="grad")
        if t == 2:  # a checkpoint's round trip, each state's entries in another order
            saved = json.loads(json.dumps(opt.state_dict()))
            saved["state"] = {k: dict(reversed(s.items())) for k, s in saved["state"].items()}
            opt.load_state_dict(saved)
        want = _reference(opt, states)
        before = bits([p.data for p in params]), bits(opt.state_dict()["state"])
        finite = all(
            not isinstance(w, type) and all(map(math.isfinite, [w[0], *w[1].values()]))
            for w in want.values()
        )
        if not finite:  # a step refused: it says so, and nothing changes
            with pytest.raises(FloatingPointError, match="nothing was changed"):
                opt.step()
            assert (bits([p.data for p in params]), bits(opt.state_dict()["state"])) == before
            return
        opt.step()
        for p, (data_, new) in want.items():
            if new:
                states[p] = new
            assert bits(p.data) == bits(data_)
            assert bits(opt.state.get(p, {})) == bits(states.get(p, {}))
            assert list(opt.state.get(p, {})) == list(states.get(p, {}))  # the rule's order


def test_zeros_of_both_signs_stay_apart_in_a_state_column() -> None:
    """A column of zeros is not one shared 0.0: -0.0 * 0.9 + -0.0 is -0.0, but 0.0 + -0.0
    is 0.0, and each momentum buffer keeps its own sign."""
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    opt = SGD([a, b, c], lr=0.1, momentum=0.9)
    opt.state = {
        a: {"momentum_buffer": -0.0},
        b: {"momentum_buffer": 0.0},
        c: {"momentum_buffer": -0.0},
    }
    for p in (a, b, c):
        p.grad = -0.0
    opt.step()
    assert bits([opt.state[p]["momentum_buffer"] for p in (a, b, c)]) == bits([-0.0, 0.0, -0.0])


def test_a_state_with_other_entries_is_stepped_apart_from_the_rest() -> None:
    """SGD's momentum turned off after some steps leaves the old buffers (the rule returns
    no state); turned on again, a parameter thawed meanwhile starts its own buffer."""
    a, b = Value(1.0), Value(2.0)
    opt = SGD([a, b], lr=0.1, momentum=0.9)
    b.requires_grad = False
    a.grad = b.grad = 1.0
    opt.step()  # a has a buffer, b none
    b.requires_grad = True
    opt.step()  # two classes: a with a buffer, b without
    assert opt.state[a] == {"momentum_buffer": 1.9} and opt.state[b] == {"momentum_buffer": 1.0}
    assert (a.data, b.data) == (1.0 - 0.1 - 0.1 * 1.9, 2.0 - 0.1)


def test_each_parameter_gets_its_own_state_dict() -> None:
    a, b = Value(1.0), Value(2.0)
    opt = Adam([a, b], lr=0.1)
    a.grad = b.grad = 1.0
    opt.step()
    assert opt.state[a] is not opt.state[b] and opt.state[a] == opt.state[b]
    assert type(opt.state[a]["step"]) is float
    was = opt.state[b]["exp_avg"]
    opt.state[a]["exp_avg"] = 5.0
    assert opt.state[b]["exp_avg"] == was != 5.0


def test_a_rule_that_raises_on_a_column_names_the_parameter_and_changes_nothing() -> None:
    """A hand-made negative Adagrad sum: math.sqrt raises on the column (ValueError), and
    the parameter is found by calling the rule on each, as before."""
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    b.label = "b"
    opt = Adagrad([a, b, c], lr=0.1)
    opt.state = {p: {"step": 1.0, "sum": s} for p, s in ((a, 1.0), (b, -5.0), (c, 1.0))}
    a.grad = b.grad = c.grad = 1.0
    with pytest.raises(FloatingPointError, match=r"parameter 1 'b' .*fail \(ValueError"):
        opt.step()
    assert (a.data, b.data, c.data) == (1.0, 2.0, 3.0)
    assert opt.state[a] == {"step": 1.0, "sum": 1.0}


def test_a_step_over_an_empty_or_frozen_group_changes_nothing() -> None:
    a, b = Value(1.0), Value(2.0, requires_grad=False)
    opt = RMSprop([{"params": [a]}, {"params": [b]}], lr=0.1)
    a.requires_grad = False
    opt.step()
    assert (a.data, b.data, opt.state) == (1.0, 2.0, {})


def test_records_and_floats() -> None:
    cols = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 10.0]]
    for size in range(6):
        names = ["a", "b", "c", "d", "e"][:size]
        got = optimizers._records(names, cols[:size], 2)
        assert got == [{k: col[j] for k, col in zip(names, cols, strict=False)} for j in range(2)]
    assert optimizers._floats(Column([1.0, 2.0]), 2) == [1.0, 2.0]
    assert optimizers._floats(3.0, 2) == [3.0, 3.0]
    for bad in (Column([1.0]), True, "x"):
        with pytest.raises(TypeError, match="an update rule on a column of 2 returned"):
            optimizers._floats(bad, 2)


def test_states_of_one_size_with_other_entries_are_stepped_apart() -> None:
    """RMSprop with momentum leaves {step, square_avg, momentum_buffer}; centered without
    momentum, {step, square_avg, grad_avg}: three entries each, not the same three."""
    a, b = Value(1.0), Value(2.0)
    opt = RMSprop([a, b], lr=0.1, momentum=0.9)
    a.grad = b.grad = 1.0
    b.requires_grad = False
    opt.step()
    opt.param_groups[0].update(momentum=0.0, centered=True)
    a.requires_grad, b.requires_grad = False, True
    opt.step()
    assert sorted(opt.state[a]) != sorted(opt.state[b]) and len(opt.state[a]) == 3
    a.requires_grad = True
    want = {
        p: RMSprop.rule(p.data, 1.0, opt.state[p], **opt.hyper_of(opt.param_groups[0]))
        for p in (a, b)
    }
    opt.step()
    assert {p: (p.data, opt.state[p]) for p in (a, b)} == want
