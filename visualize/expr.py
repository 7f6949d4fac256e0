"""A safe expression language for ``autograd-lite graph``: Python syntax, whitelisted.

``evaluate("tanh(x*w + b)", {"x": 2, "w": -3, "b": 6.88})`` builds the
expression out of ``Value``s and returns it. The text is parsed with
``ast.parse(mode="eval")`` and walked without recursion; nothing is ever
passed to ``eval`` or ``exec``. Allowed: numbers, variable names, ``+ - * /
** %``, unary ``-`` and ``+``, parentheses, and calls by name to the engine's
functions (every row of the table that ``autograd_lite.functional`` offers
under the row's name: ``exp``, ``tanh``, ``atan2``, ``clamp``, ...) with the
right number of arguments. Everything else, and anything
over the limits on length, nesting, size and exponent, raises
``ExpressionError`` (a ``ValueError``) with a one-line message.

>>> out, variables = evaluate("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.8814})
>>> round(out.data, 4), variables["x"].label
(0.7071, 'x')
"""

from __future__ import annotations

import ast
import inspect
import math
import reprlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from autograd_lite import functional
from autograd_lite.engine import Value
from autograd_lite.ops import PRIMITIVES

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_NODES",
    "ExpressionError",
    "evaluate",
    "variable_names",
]

MAX_LENGTH = 10_000  #: characters of expression text
MAX_DEPTH = 100  #: nested parentheses, and nesting of the syntax tree
MAX_NODES = 2_000  #: syntax-tree nodes
MAX_EXPONENT = 1_000.0  #: largest |b| in a ** b


class ExpressionError(ValueError):
    """The expression is not allowed or cannot be computed; the message says why."""


def _functions() -> dict[str, tuple[Callable[..., Value], int, int]]:
    """Every fixed-arity primitive that ``autograd_lite.functional`` offers by name.

    Argument counts come from the function's signature (``leaky_relu`` takes
    one or two: its slope has a default).
    """
    table = {}
    for name in functional.__all__:
        row = PRIMITIVES.get(name)
        if row is None or row.arity is None:
            continue  # sum and dot take lists, which the language has not got
        f = getattr(functional, name)
        # numbers only: gelu's approximate="tanh" is a word, which the language has not got
        params = [
            p for p in inspect.signature(f).parameters.values() if "float" in str(p.annotation)
        ]
        required = sum(1 for p in params if p.default is inspect.Parameter.empty)
        table[name] = (f, required, len(params))
    return table


#: name -> (function, fewest arguments, most arguments)
FUNCTIONS: dict[str, tuple[Callable[..., Value], int, int]] = _functions()

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
    ast.Mod: lambda a, b: a % b,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: lambda a: -a,
    ast.UAdd: lambda a: a,
}
_NAMES: dict[type[ast.AST], str] = {
    ast.Subscript: "indexing ([...])",
    ast.Lambda: "lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.Compare: "a comparison",
    ast.BoolOp: "and / or",
    ast.IfExp: "if / else",
    ast.NamedExpr: ":=",
    ast.JoinedStr: "an f-string",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.Starred: "*arguments",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "a slice",
}
_OPERATOR_TEXT: dict[type[ast.AST], str] = {
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.Not: "not",
    ast.Invert: "~",
}
_ALLOWED = "numbers, variables, + - * / ** %, parentheses and " + ", ".join(sorted(FUNCTIONS))


def _refuse(what: str) -> ExpressionError:
    return ExpressionError(f"{what} is not allowed; an expression may use {_ALLOWED}")


def _check_text(text: object) -> str:
    """The raw text, refused before parsing when it is too long or nested too deeply."""
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}"
        )
    if not text.strip():
        raise ExpressionError("the expression is empty")
    depth = deepest = 0
    for ch in text:  # Python's parser recurses on brackets: count them first
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise ExpressionError(
            f"the expression nests brackets {deepest} deep; the limit is {MAX_DEPTH}"
        )
    return text


#: One message for a tree too deep, whether the parser or our own walk finds it first.
_TOO_DEEP = f"the expression nests more than {MAX_DEPTH} operations deep"


def _parse(text: str) -> ast.expr:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for "1(2)"
            tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        where = f" at column {error.offset}" if error.offset else ""
        raise ExpressionError(f"syntax error{where}: {error.msg}") from None
    except (RecursionError, MemoryError):  # Python 3.11's parser; 3.13's gets through
        raise ExpressionError(_TOO_DEEP) from None
    except ValueError as error:  # e.g. null bytes
        raise ExpressionError(f"cannot parse the expression: {error}") from None
    return tree.body


def _children(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _check_tree(root: ast.expr, variables: Mapping[str, object]) -> None:
    """Refuse any node outside the whitelist, and trees too big or too deep."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"the expression has more than {MAX_NODES:,} parts")
        if depth > MAX_DEPTH:
            raise ExpressionError(_TOO_DEEP)
        _check_node(node, variables)
        stack.extend((child, depth + 1) for child in _children(node))


def _check_node(node: ast.AST, variables: Mapping[str, object]) -> None:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "a string" if isinstance(value, (str, bytes)) else repr(value)
            raise _refuse(kind)
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} is a function: call it as {node.id}(...)")
        if node.id not in variables:
            raise ExpressionError(
                f"unknown variable {reprlib.repr(node.id)}: give its value as NAME=NUMBER"
            )
    elif isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitXor):  # x^2 in maths, exclusive or in Python
            raise ExpressionError("^ is not a power: write ** instead (x**2 is x squared)")
        if type(node.op) not in _BINARY:
            raise _refuse(f"the operator {_OPERATOR_TEXT.get(type(node.op), '?')}")
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise _refuse(f"the operator {_OPERATOR_TEXT.get(type(node.op), '?')}")
    elif isinstance(node, ast.Call):
        _check_call(node)
    elif isinstance(node, ast.Attribute):
        raise _refuse(f"attribute access (.{node.attr})")
    else:
        raise _refuse(_NAMES.get(type(node), type(node).__name__))


def _check_call(node: ast.Call) -> None:
    if not isinstance(node.func, ast.Name):
        raise _refuse("calling anything but a function name")
    name = node.func.id
    if name not in FUNCTIONS:
        raise ExpressionError(
            f"unknown function {reprlib.repr(name)}; known: {', '.join(sorted(FUNCTIONS))}"
        )
    if node.keywords:
        raise _refuse(f"a keyword argument in {name}(...)")
    _, low, high = FUNCTIONS[name]
    n = len(node.args)
    if not low <= n <= high:
        wanted = str(low) if low == high else f"{low} or {high}"
        plural = "" if wanted == "1" else "s"
        raise ExpressionError(f"{name} takes {wanted} argument{plural}, got {n}")


def _number(value: object) -> Value:
    assert isinstance(value, (int, float))  # _check_node let only numbers through
    try:
        x = float(value)
    except OverflowError:
        raise ExpressionError("a number in the expression is too large") from None
    if not math.isfinite(x):
        raise ExpressionError(f"the number {reprlib.repr(value)} is not finite")
    return Value(x, requires_grad=False)


def _apply(node: ast.AST, args: list[Value], variables: Mapping[str, Value]) -> Value:
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Name):
        return variables[node.id]
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow) and abs(args[1].data) > MAX_EXPONENT:
            raise ExpressionError(
                f"the exponent {args[1].data:g} is too large (the limit is ±{MAX_EXPONENT:g})"
            )
        result: Value = _BINARY[type(node.op)](args[0], args[1])
        return result
    if isinstance(node, ast.UnaryOp):
        result = _UNARY[type(node.op)](args[0])
        return result
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)  # checked before
    return FUNCTIONS[node.func.id][0](*args)


def variable_names(text: str) -> list[str]:
    """The variables ``text`` names, in order of first appearance (``ExpressionError`` if
    it does not parse). The playground asks this to give each variable a field.

    >>> variable_names("tanh(x*w + b) + w")
    ['x', 'w', 'b']
    """
    root = _parse(_check_text(text))
    found = [n for n in ast.walk(root) if isinstance(n, ast.Name) and n.id not in FUNCTIONS]
    found.sort(key=lambda n: (n.lineno, n.col_offset))  # ast.walk goes breadth first
    return list(dict.fromkeys(n.id for n in found))


def evaluate(text: str, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """Build ``text`` from ``Value``s; returns the result and one labelled leaf per variable.

    Every variable named in ``values`` becomes a ``Value`` labelled with its
    name, even one the expression does not use (its gradient is then 0).
    Numbers in the text become constants. Raises ``ExpressionError``.
    """
    try:
        leaves = {name: Value(x, label=name) for name, x in values.items()}
    except (TypeError, ValueError) as error:
        raise ExpressionError(f"bad variable value: {error}") from None
    root = _parse(_check_text(text))
    _check_tree(root, leaves)
    # Post-order walk with an explicit stack: each node once its children are done.
    done: list[Value] = []
    stack: list[tuple[ast.AST, bool]] = [(root, False)]
    try:
        while stack:
            node, expanded = stack.pop()
            kids = _children(node)
            if not expanded:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(kids))
                continue
            args = done[len(done) - len(kids) :] if kids else []
            del done[len(done) - len(kids) :]
            done.append(_apply(node, args, leaves))
    except (ArithmeticError, ValueError) as error:
        if isinstance(error, ExpressionError):
            raise
        raise ExpressionError(str(error) or type(error).__name__) from None
    return done[0], leaves
