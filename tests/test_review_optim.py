"""Review of the optimisers that declare their hyper-parameters in their signature (issue 17).

A hostile user: subclasses written the README's way and PyTorch's way,
``load_state_dict`` with wrong or huge contents, groups of mixed settings.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest

from autograd_lite import Value
from autograd_lite.optim import SGD, Adam, AdamW, Optimizer, RMSprop
from autograd_lite.optim.optimizers import Hyper, LearningRate, NonNegative, Params
from autograd_lite.optim.rules import State


def _scaled(p: float, g: float, state: State, *, lr: float, scale: float = 1.0) -> Any:
    return p - lr * scale * g, {}


class Scaled(Optimizer):
    """A user's optimiser with a rule whose settings are keyword-only."""

    rule = staticmethod(_scaled)

    def __init__(self, params: Params, lr: LearningRate = 0.1, *, scale: NonNegative = 1.0) -> None:
        super().__init__(params, locals())


def test_a_user_optimiser_with_keyword_only_settings_steps_saves_and_loads() -> None:
    x = Value(1.0)
    opt = Scaled([x], scale=2.0)
    x.grad = 1.0
    opt.step()
    assert x.data == 1.0 - 0.1 * 2.0 * 1.0
    other = Scaled([Value(0.0)])
    other.load_state_dict(json.loads(json.dumps(opt.state_dict())))
    assert other.param_groups[0]["scale"] == 2.0
    with pytest.raises(ValueError, match="scale"):
        Scaled([x], scale=-1.0)


def test_a_subclass_of_sgd_changing_defaults_works() -> None:
    class SlowSGD(SGD):
        def __init__(
            self, params: Params, lr: LearningRate = 1e-4, momentum: NonNegative = 0.9
        ) -> None:
            super().__init__(params, lr, momentum)

    opt = SlowSGD([Value(1.0)])
    assert (opt.defaults["lr"], opt.defaults["momentum"]) == (1e-4, 0.9)


def test_a_subclass_of_sgd_adding_a_setting_its_rule_ignores_is_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match=r"rule takes no argument 'clip'"):

        class ClipSGD(SGD):  # the rule (sgd_update) would never see clip
            def __init__(self, params: Params, lr: LearningRate = 0.1, clip: NonNegative = 1.0):
                super().__init__(params, lr)


def test_pytorch_style_constructors_are_refused_with_a_message_naming_the_argument() -> None:
    with pytest.raises(TypeError, match=r"argument 'lr' must be a hyper-parameter annotated"):

        class Plain(Optimizer):
            rule = staticmethod(_scaled)

            def __init__(self, params: Params, lr: float = 0.1) -> None:
                super().__init__(params, {"lr": lr})

    with pytest.raises(TypeError, match=r"argument 'args' must be a hyper-parameter"):

        class Forwarding(SGD):
            def __init__(self, params: Params, *args: Any, **kwargs: Any) -> None:
                super().__init__(params, *args, **kwargs)


SEEN: list[str] = []


def _own_check(value: object, name: str) -> float:
    SEEN.append(name)
    if not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number")
    return float(value)


def test_a_check_of_the_users_own_is_called_with_the_argument_name() -> None:
    class Own(Optimizer):
        rule = staticmethod(_scaled)

        def __init__(
            self,
            params: Params,
            lr: LearningRate = 0.1,
            *,
            scale: Annotated[float, Hyper(_own_check)] = 1,
        ) -> None:
            super().__init__(params, locals())

    assert Own([Value(1.0)]).defaults["scale"] == 1.0
    assert "scale" in SEEN


# -- AdamW is Adam with decoupled weight decay: no group may turn it into Adam -------------


def test_adamw_refuses_a_group_without_decoupled_weight_decay() -> None:
    x = Value(1.0)
    with pytest.raises(ValueError, match="AdamW"):
        AdamW([{"params": [x], "decoupled_weight_decay": False}])
    opt = AdamW([Value(2.0)])
    with pytest.raises(ValueError, match="AdamW"):
        opt.add_param_group({"params": [x], "decoupled_weight_decay": False})


def test_adamw_refuses_the_state_of_an_adam_rather_than_become_one() -> None:
    x = Value(1.0)
    adam = Adam([x], lr=0.1, weight_decay=0.1)
    x.grad = 1.0
    adam.step()
    saved = adam.state_dict()
    y = Value(1.0)
    adamw = AdamW([y], lr=0.1, weight_decay=0.1)
    with pytest.raises(ValueError, match="AdamW"):
        adamw.load_state_dict(saved)
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True  # unchanged
    adamw.load_state_dict(AdamW([Value(0.0)], lr=0.1).state_dict())  # its own still loads


# -- load_state_dict: wrong, hostile and huge contents ------------------------------------


def _saved() -> dict[str, Any]:
    x = Value(1.0)
    opt = Adam([x], lr=0.1)
    x.grad = 1.0
    opt.step()
    return opt.state_dict()


@pytest.mark.parametrize(
    ("groups", "error"),
    [
        ("x" * 100_000, TypeError),
        (None, TypeError),
        ({"a": 1}, TypeError),
        ([{}] * 3, ValueError),
    ],
    ids=["huge-str", "none", "dict", "three-groups"],
)
def test_load_state_dict_refuses_param_groups_that_are_not_a_list_with_a_short_message(
    groups: object, error: type[Exception]
) -> None:
    saved = _saved()
    saved["param_groups"] = groups
    opt = Adam([Value(0.0)])
    with pytest.raises(error, match=r"param_groups|parameter groups") as info:
        opt.load_state_dict(saved)
    assert len(str(info.value)) < 300


def test_load_state_dict_names_a_params_entry_that_is_not_a_list_in_a_short_message() -> None:
    saved = _saved()
    saved["param_groups"][0]["params"] = "0" * 100_000
    with pytest.raises(TypeError, match=r"param_groups\[0\]\['params'\] must be a list") as info:
        Adam([Value(0.0)]).load_state_dict(saved)
    assert len(str(info.value)) < 300


def test_load_state_dict_shortens_unknown_keys_in_its_message() -> None:
    saved = _saved()
    saved["param_groups"][0]["k" * 100_000] = 1
    with pytest.raises(ValueError, match="unknown keys") as info:
        Adam([Value(0.0)]).load_state_dict(saved)
    assert len(str(info.value)) < 300


@pytest.mark.parametrize(
    ("where", "value"),
    [("lr", float("nan")), ("lr", "0.1"), ("betas", (float("inf"), 0.9)), ("amsgrad", 1)],
)
def test_load_state_dict_refuses_bad_hyper_parameters_and_changes_nothing(
    where: str, value: object
) -> None:
    saved = _saved()
    saved["param_groups"][0][where] = value
    opt = Adam([Value(0.0)], lr=0.5)
    with pytest.raises((TypeError, ValueError), match=where):
        opt.load_state_dict(saved)
    assert opt.param_groups[0]["lr"] == 0.5 and opt.state == {}


def test_mixed_groups_round_trip_through_json() -> None:
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    groups: list[dict[str, Any]] = [
        {"params": [a], "momentum": 0.9, "centered": True},
        {"params": [b], "maximize": True},
        {"params": [c], "weight_decay": 0.1, "lr": 0.5},
    ]
    opt = RMSprop(groups, lr=0.1)
    for _ in range(3):
        a.grad = b.grad = c.grad = 1.0
        opt.step()
    saved = opt.state_dict()
    again = RMSprop([{"params": [Value(0.0)]} for _ in range(3)])
    again.load_state_dict(json.loads(json.dumps(saved)))
    assert again.state_dict() == saved
