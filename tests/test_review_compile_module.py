"""Review of ``autograd_lite.compile`` as a callable package (issue 17's split).

``from autograd_lite import compile; compile(...)`` was a function at 61cf591
and is now the package made callable. Everything a user did with the
function must still work, and the package must still be a package.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import io
import pickle
import sys
from contextlib import redirect_stdout

import autograd_lite
import autograd_lite.compile as cm
from autograd_lite import compile, nn
from autograd_lite.compile import compile as compile_function
from autograd_lite.losses import mse_loss


def test_the_package_and_the_callable_are_one_object() -> None:
    assert compile is cm is autograd_lite.compile is sys.modules["autograd_lite.compile"]
    assert callable(compile) and inspect.ismodule(compile)
    assert compile_function is importlib.import_module("autograd_lite.compile.step").compile
    assert cm.MAX_NODES > 0 and cm.BACKENDS


def test_help_and_inspect_show_the_functions_arguments() -> None:
    assert inspect.signature(compile) == inspect.signature(compile_function)
    out = io.StringIO()
    with redirect_stdout(out):
        help(compile)
    assert "check_every" in out.getvalue()


def test_pickle_and_copy_of_compile_give_compile_back() -> None:
    # at 61cf591 compile was a function: pickled by name, copied as itself
    assert pickle.loads(pickle.dumps(compile)) is compile
    assert copy.copy(compile) is compile
    assert copy.deepcopy({"make": compile})["make"] is compile
    # what 61cf591 wrote for the function still loads, as the function
    assert pickle.loads(pickle.dumps(compile_function)) is compile_function


def test_calling_the_package_and_the_function_give_the_same_step() -> None:
    model = nn.MLP(2, [3, 1], seed=0)

    def loss(x: list[float], y: float) -> object:
        return mse_loss(model(x), y)

    a = compile(loss, model.parameters(), example=([0.5, -1.0], 1.0))
    b = compile_function(loss, model.parameters(), example=([0.5, -1.0], 1.0))
    assert a.source == b.source
