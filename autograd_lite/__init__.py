"""autograd_lite: scalar reverse-mode automatic differentiation you can read and trust.

>>> from autograd_lite import Value
>>> x = Value(0.1, label="x")
>>> y = (x * 3 + 1).tanh()
>>> y.backward()
>>> round(x.grad, 4)      # dy/dx = 3 (1 - tanh(3x + 1)^2)
0.7723
"""

from typing import TYPE_CHECKING

from autograd_lite import functional, losses, nn
from autograd_lite.calculus import derivative, hessian, hvp, jacobian, value_and_grad
from autograd_lite.compile import CompiledStep
from autograd_lite.engine import (
    Value,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    topological_order,
)
from autograd_lite.gradcheck import GradcheckError, gradcheck, gradgradcheck
from autograd_lite.ops import PRIMITIVES, Primitive
from autograd_lite.tracing import TraceError

if TYPE_CHECKING:  # what calling it gives: type checkers see the function
    from autograd_lite.compile import compile
else:  # the package, callable as the function: autograd_lite.compile.MAX_NODES works too
    from autograd_lite import compile

__version__ = "0.1.0"

__all__ = [
    "PRIMITIVES",
    "CompiledStep",
    "GradcheckError",
    "Primitive",
    "TraceError",
    "Value",
    "compile",
    "derivative",
    "enable_grad",
    "functional",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "losses",
    "nn",
    "no_grad",
    "topological_order",
    "value_and_grad",
]
