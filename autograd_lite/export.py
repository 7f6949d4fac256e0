"""A way up: turn a trained model into PyTorch modules with the very same weights.

When scalars become too slow, ``to_torch(model)`` gives a
``torch.nn.Sequential`` that computes what ``model`` computes (in float64
by default, so outputs agree to the last digits), ready for tensors,
batches and GPUs. PyTorch is imported only when the function is called; it
is not a dependency of this library.

    >>> from autograd_lite import nn
    >>> from autograd_lite.export import to_torch
    >>> model = nn.MLP(2, [16, 16, 1], seed=0)
    >>> net = to_torch(model)                                   # doctest: +SKIP
    >>> net                                                     # doctest: +SKIP
    Sequential(
      (0): Linear(in_features=2, out_features=16, bias=True)
      (1): ReLU()
      (2): Linear(in_features=16, out_features=16, bias=True)
      (3): ReLU()
      (4): Linear(in_features=16, out_features=1, bias=True)
    )

Converted: ``MLP``, ``Sequential``, ``Layer`` / ``Linear`` (a ``torch.nn.Linear``
followed by its activation), ``ReLU``, ``Tanh``, ``Sigmoid``, ``LeakyReLU``,
``Dropout`` and ``BatchNorm1d`` (with its running statistics). The torch
model returns a tensor of shape ``(n_outputs,)`` for one example where ours
returns a list (or one Value), and ``(batch, n_outputs)`` for a batch.
"""

from __future__ import annotations

from typing import Any

from autograd_lite import nn
from autograd_lite.checks import short

__all__ = ["FLOAT_DTYPES", "to_torch"]


def _floats(values: Any) -> Any:
    """Nested lists of Values -> the same nesting of floats."""
    if isinstance(values, list):
        return [_floats(v) for v in values]
    return float(values.data)


def _convert(module: nn.Module, torch: Any, dtype: Any) -> list[Any]:
    """The torch modules equivalent to ``module`` (a dense layer becomes two)."""
    tnn = torch.nn
    activations = {
        "relu": tnn.ReLU,
        "tanh": tnn.Tanh,
        "sigmoid": tnn.Sigmoid,
        "leaky_relu": lambda: tnn.LeakyReLU(0.01),
    }
    if isinstance(module, nn.Sequential):
        return [m for child in module.layers for m in _convert(child, torch, dtype)]
    if isinstance(module, nn.Layer):
        has_bias = module.neurons[0].b is not None
        linear = tnn.Linear(module.nin, module.nout, bias=has_bias, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(_floats([n.w for n in module.neurons]), dtype=dtype))
            if has_bias:
                linear.bias.copy_(torch.tensor(_floats([n.b for n in module.neurons]), dtype=dtype))
        if module.activation == "linear":
            return [linear]
        return [linear, activations[module.activation]()]
    if isinstance(module, nn.LeakyReLU):
        return [tnn.LeakyReLU(module.negative_slope)]
    if isinstance(module, (nn.ReLU, nn.Tanh, nn.Sigmoid)):
        return [activations[module.name]()]
    if isinstance(module, nn.Dropout):
        return [tnn.Dropout(module.p)]
    if isinstance(module, nn.BatchNorm1d):
        bn = tnn.BatchNorm1d(
            module.num_features,
            eps=module.eps,
            momentum=module.momentum,
            affine=module.weight is not None,
            dtype=dtype,
        )
        with torch.no_grad():
            if module.weight is not None and module.bias is not None:
                bn.weight.copy_(torch.tensor(_floats(module.weight), dtype=dtype))
                bn.bias.copy_(torch.tensor(_floats(module.bias), dtype=dtype))
            bn.running_mean.copy_(torch.tensor(module.running_mean, dtype=dtype))
            bn.running_var.copy_(torch.tensor(module.running_var, dtype=dtype))
        return [bn]
    raise TypeError(
        f"to_torch cannot convert {type(module).__name__} yet; it converts MLP, Sequential, "
        "Layer, Linear, ReLU, Tanh, Sigmoid, LeakyReLU, Dropout and BatchNorm1d"
    )


#: The torch dtypes ``to_torch`` makes: the real floating types its layers compute in.
#: (Integer types cannot take gradients; complex ones have no ReLU; the float8 types
#: cannot even be initialised on a CPU.)
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")


def _float_dtype(torch: Any, dtype: object) -> Any:
    """``dtype`` (float64 if None) if it is one of ``FLOAT_DTYPES``, else a ``TypeError``."""
    if dtype is None:
        return torch.float64
    allowed = [getattr(torch, name) for name in FLOAT_DTYPES]
    if not isinstance(dtype, torch.dtype) or dtype not in allowed:
        shown = str(dtype) if isinstance(dtype, torch.dtype) else short(dtype)
        raise TypeError(
            "to_torch: dtype must be a real floating torch dtype ("
            + ", ".join(f"torch.{name}" for name in FLOAT_DTYPES)
            + f"), got {shown}"
        )
    return dtype


def to_torch(model: nn.Module, *, dtype: Any = None) -> Any:
    """``model`` as a ``torch.nn.Sequential`` with identical weights (float64 unless ``dtype``).

    The torch model is in the same mode (``train()`` / ``eval()``) as ``model``.
    ``dtype`` is one of torch's real floating types (``FLOAT_DTYPES``).
    Raises ``TypeError`` for modules it cannot convert, or for another ``dtype``
    (an integer or complex type cannot hold or train these weights), and ``ImportError``
    (with the command to fix it) when PyTorch is not installed.
    """
    try:
        import torch
    except ImportError:
        raise ImportError("to_torch needs PyTorch: pip install torch") from None
    if not isinstance(model, nn.Module):
        raise TypeError(f"to_torch needs an autograd_lite.nn.Module, got {type(model).__name__}")
    dtype = _float_dtype(torch, dtype)
    net = torch.nn.Sequential(*_convert(model, torch, dtype))
    net.train(model.training)
    return net
