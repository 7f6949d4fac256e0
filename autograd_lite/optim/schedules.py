"""Learning-rate schedules: change each parameter group's ``lr`` once per epoch.

``StepLR``, ``ExponentialLR`` and ``LambdaLR`` work as PyTorch's classes of
the same names (``torch.optim.lr_scheduler``): make one after the
optimiser, and call its ``step()`` after ``optimizer.step()``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from autograd_lite.checks import hyper_parameter
from autograd_lite.optim.optimizers import Optimizer

__all__ = ["ExponentialLR", "LRScheduler", "LambdaLR", "StepLR"]


class LRScheduler:
    """Base class: changes each parameter group's ``lr`` once per ``step()`` call.

    As in PyTorch, making a scheduler counts as its step 0 (``last_epoch``
    becomes 0, the learning rates stay at their start values, remembered in
    each group as ``"initial_lr"``). Call ``scheduler.step()`` after
    ``optimizer.step()``, usually once per epoch. A subclass implements
    ``_next_lrs()``.

    >>> from autograd_lite import Value
    >>> from autograd_lite.optim import SGD
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> sched = StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(sched.get_last_lr()[0])  # train one epoch with this lr, then:
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    optimizer: Optimizer
    base_lrs: list[float]
    last_epoch: int
    _last_lr: list[float]

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__} needs an Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def _next_lrs(self) -> list[float]:
        raise NotImplementedError

    def _current_lrs(self) -> list[float]:
        return [float(group["lr"]) for group in self.optimizer.param_groups]

    def step(self) -> None:
        """Advance one epoch and set each group's learning rate for it.

        A learning rate that would leave the float range (``ExponentialLR``
        with a large ``gamma``, say) raises ``ValueError`` naming the group,
        and nothing changes.
        """
        self.last_epoch += 1
        try:
            lrs = self._next_lrs()
            for i, lr in enumerate(lrs):
                if not (math.isfinite(lr) and lr >= 0.0):
                    raise ValueError(
                        f"{type(self).__name__}.step() would set the learning rate of "
                        f"param_groups[{i}] to {lr!r} in epoch {self.last_epoch} (from "
                        f"{self.optimizer.param_groups[i]['lr']!r}); nothing was changed"
                    )
        except BaseException:
            self.last_epoch -= 1
            raise
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = list(lrs)

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group, as set by the last ``step()``."""
        return list(self._last_lr)

    def _hyper(self) -> dict[str, Any]:
        return {}

    def state_dict(self) -> dict[str, Any]:
        """``last_epoch``, ``base_lrs``, ``last_lr`` and the schedule's settings (JSON-ready)."""
        core = {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}
        return {**core, "last_lr": list(self._last_lr), **self._hyper()}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what ``state_dict()`` returned (checked before anything changes)."""
        expected = set(self.state_dict())
        if not isinstance(state_dict, Mapping) or set(state_dict) != expected:
            raise ValueError(
                f"a {type(self).__name__} state_dict must have exactly the keys {sorted(expected)}"
            )
        epoch = state_dict["last_epoch"]
        if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
            raise ValueError(f"last_epoch must be an int >= 0, got {epoch!r}")
        n = len(self.optimizer.param_groups)
        lists = {}
        for key in ("base_lrs", "last_lr"):
            values = state_dict[key]
            if not isinstance(values, list) or len(values) != n:
                raise ValueError(f"{key} must be a list of {n} learning rates, got {values!r}")
            lists[key] = [
                hyper_parameter(v, f"{key}[{i}]", what="learning rate", low=0.0)
                for i, v in enumerate(values)
            ]
        hyper = self._checked_hyper(state_dict)
        self.last_epoch = epoch
        self.base_lrs, self._last_lr = lists["base_lrs"], lists["last_lr"]
        for key, value in hyper.items():
            setattr(self, key, value)

    def _checked_hyper(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {}


def _gamma(gamma: object) -> float:
    return hyper_parameter(gamma, "gamma", what="gamma", low=0.0, low_open=True)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs (PyTorch's ``StepLR``).

    >>> from autograd_lite import Value
    >>> from autograd_lite.optim import SGD
    >>> opt = SGD([Value(0.0)], lr=0.1)
    >>> sched = StepLR(opt, step_size=3, gamma=0.1)
    >>> for _ in range(3):
    ...     sched.step()
    >>> round(opt.param_groups[0]["lr"], 12)
    0.01
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        checked = self._checked_hyper({"step_size": step_size, "gamma": gamma})
        self.step_size: int = checked["step_size"]
        self.gamma: float = checked["gamma"]
        super().__init__(optimizer)

    def _checked_hyper(self, values: Mapping[str, Any]) -> dict[str, Any]:
        size = values["step_size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"step_size must be an int >= 1, got {size!r}")
        return {"step_size": size, "gamma": _gamma(values["gamma"])}

    def _hyper(self) -> dict[str, Any]:
        return {"step_size": self.step_size, "gamma": self.gamma}

    def _next_lrs(self) -> list[float]:
        lrs = self._current_lrs()
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return lrs
        return [lr * self.gamma for lr in lrs]  # lr <- lr * gamma every step_size epochs


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch (PyTorch's ``ExponentialLR``).

    >>> from autograd_lite import Value
    >>> from autograd_lite.optim import SGD
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> sched = ExponentialLR(opt, gamma=0.5)
    >>> sched.step(); sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = _gamma(gamma)
        super().__init__(optimizer)

    def _checked_hyper(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {"gamma": _gamma(values["gamma"])}

    def _hyper(self) -> dict[str, Any]:
        return {"gamma": self.gamma}

    def _next_lrs(self) -> list[float]:
        lrs = self._current_lrs()
        if self.last_epoch == 0:
            return lrs
        return [lr * self.gamma for lr in lrs]  # lr <- lr * gamma


class LambdaLR(LRScheduler):
    """Learning rate = initial lr times ``lr_lambda(epoch)`` (PyTorch's ``LambdaLR``).

    ``lr_lambda`` is one function for every group or a list with one per
    group. Functions are not saved by ``state_dict()``: make the scheduler
    with the same function, then load the state.

    >>> from autograd_lite import Value
    >>> from autograd_lite.optim import SGD
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> sched = LambdaLR(opt, lr_lambda=lambda epoch: 1.0 / (1 + epoch))
    >>> sched.step(); sched.step(); sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    lr_lambdas: list[Callable[[int], float]]

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
    ) -> None:
        n = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        if callable(lr_lambda):
            self.lr_lambdas = [lr_lambda] * n
        elif isinstance(lr_lambda, Sequence) and all(callable(f) for f in lr_lambda):
            if len(lr_lambda) != n:
                raise ValueError(
                    f"Expected {n} lr_lambdas (one per parameter group), got {len(lr_lambda)}"
                )
            self.lr_lambdas = list(lr_lambda)
        else:
            raise TypeError(
                f"lr_lambda must be a function or a list of functions, got {lr_lambda!r}"
            )
        super().__init__(optimizer)

    def _next_lrs(self) -> list[float]:
        lrs: list[float] = []
        for i, (base, f) in enumerate(zip(self.base_lrs, self.lr_lambdas, strict=True)):
            factor = f(self.last_epoch)
            if not isinstance(factor, numbers.Real) or isinstance(factor, bool):
                raise TypeError(
                    f"lr_lambda({self.last_epoch}) must return a number, got {factor!r}"
                )
            lr = base * float(factor)
            if not math.isfinite(lr) or lr < 0.0:
                raise ValueError(
                    f"lr_lambda({self.last_epoch}) = {factor!r} makes the learning rate of "
                    f"param_groups[{i}] {lr!r}; it must be a finite number >= 0"
                )
            lrs.append(lr)
        return lrs  # lr = initial_lr * lr_lambda(epoch)
