"""Every example in a docstring runs and prints what it says."""

import doctest
import importlib
import pkgutil

import pytest

import autograd_lite
import tools
import visualize

SUBMODULES = sorted(
    info.name
    for package in (autograd_lite, visualize, tools)  # tools: the source tree's own
    for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + ".")
    if not info.name.endswith("__main__")
)
MODULES = ["autograd_lite", "visualize", "tools", *SUBMODULES]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) in {name} failed"
