"""Optimisers, gradient clipping and learning-rate schedules, with PyTorch's names and rules.

An optimiser holds parameters (``Value`` leaves) and, on ``step()``, moves
each one's ``data`` using its ``grad``: the same constructor arguments,
defaults and update rules as ``torch.optim`` (checked step by step against
PyTorch in the tests), so code and intuition move between the two.

Where to look:

- ``optim.rules``: the update math, one small pure function per optimiser
  (``sgd_update``, ``adagrad_update``, ``rmsprop_update``, ``adam_update``):
  ``(param, grad, state, **hyper) -> (new_param, new_state)``, on floats or,
  bit for bit the same, on columns (``rules.Column``, what ``step()`` uses) or
  numpy arrays of parameters. You can call one by hand to see a single step.
- ``optim.optimizers``: ``Optimizer`` (parameter groups, ``step()``,
  ``state_dict()``) and ``SGD``, ``Adagrad``, ``RMSprop``, ``Adam``, ``AdamW``,
  each declaring its hyper-parameters once, in its constructor's signature
  (``lr: LearningRate = 1e-3``: the name, the default and the check).
- ``optim.clipping``: ``clip_grad_norm_``, ``clip_grad_value_``.
- ``optim.schedules``: ``StepLR``, ``ExponentialLR``, ``LambdaLR``.

Every name is importable from ``autograd_lite.optim`` itself.

Where we differ from PyTorch:

- A ``Value``'s ``grad`` is never ``None``: ``zero_grad()`` sets it to 0.0,
  and ``step()`` updates every parameter whose ``requires_grad`` is True,
  even one whose gradient is exactly 0.0 (weight decay and momentum still
  act on it). PyTorch skips parameters whose ``grad`` is ``None``, so it
  matches us when you call its ``zero_grad(set_to_none=False)``.
- To freeze a parameter, set ``requires_grad = False`` (``module.requires_grad_(False)``):
  ``step()`` and the clipping functions leave it alone.
- Updates write plain floats to ``.data`` and never build a graph. If you
  ran ``backward(create_graph=True)``, ``grad`` is a ``Value``; its number is used.
- ``step()`` never writes inf or NaN: it computes and checks every new value
  first, and if one would not be finite (a NaN gradient, a step that
  overflows) it raises ``FloatingPointError`` naming the optimiser and the
  parameter, and changes nothing. PyTorch writes the inf or NaN. Likewise a
  schedule that would make a learning rate inf raises ``ValueError``.
- ``eps`` must be > 0 (PyTorch allows 0, and then divides 0 by 0 on a zero
  gradient), and RMSprop's ``alpha`` must be in [0, 1] (PyTorch allows any
  alpha >= 0; above 1 the running mean of squares turns negative).

>>> from autograd_lite import Value
>>> from autograd_lite.optim import SGD
>>> w = Value(1.0)
>>> opt = SGD([w], lr=0.1)
>>> for _ in range(50):
...     opt.zero_grad()
...     loss = (w - 3.0) ** 2            # minimum at w = 3
...     loss.backward()
...     opt.step()
>>> round(w.data, 4)
3.0
"""

from autograd_lite.optim.clipping import clip_grad_norm_, clip_grad_value_
from autograd_lite.optim.optimizers import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Betas,
    Epsilon,
    Finite,
    Flag,
    Fraction,
    Hyper,
    LearningRate,
    NonNegative,
    Optimizer,
    Params,
    RMSprop,
)
from autograd_lite.optim.rules import adagrad_update, adam_update, rmsprop_update, sgd_update
from autograd_lite.optim.schedules import ExponentialLR, LambdaLR, LRScheduler, StepLR

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Betas",
    "Epsilon",
    "ExponentialLR",
    "Finite",
    "Flag",
    "Fraction",
    "Hyper",
    "LRScheduler",
    "LambdaLR",
    "LearningRate",
    "NonNegative",
    "Optimizer",
    "Params",
    "RMSprop",
    "StepLR",
    "adagrad_update",
    "adam_update",
    "clip_grad_norm_",
    "clip_grad_value_",
    "rmsprop_update",
    "sgd_update",
]
