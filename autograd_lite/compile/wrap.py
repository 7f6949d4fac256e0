"""Generated source wrapped to ``WIDTH`` characters, for people to read.

A backend writes one statement per line, however long; ``wrap_lines`` breaks
a line that is too long where Python allows it, at the shallowest level that
has somewhere to break, packing as many items as fit on each line:

* a sum at the top of an expression (``z = b + w0 * x0 + ...``): inside
  parentheses, each continuation line starting with ``+``;
* a tuple at the top (``a, b, c = P``, ``return a, b``): inside parentheses;
* else the longest bracket of the line (a call, a list), at its commas.

Generated code holds no strings, so brackets and separators are found by
counting. A line with nowhere to break (one very long name) is kept whole.
"""

from __future__ import annotations

import itertools
import re
import textwrap
from collections.abc import Iterable

__all__ = ["WIDTH", "comment_lines", "wrap_lines"]

#: The longest line of generated source, where it can be broken.
WIDTH = 100
_INDENT = "    "
_OPEN, _CLOSE = "([{", ")]}"
#: Where a line may break, best first: the same text, with new lines inside brackets.
_SEPARATORS = (" + ", ", ", " - ", " * ", " / ")
_MARKS = re.compile(r"[()\[\]{}]| \+ |, | - | \* | / ")
_BRACKET = re.compile(r"[()\[\]{}]")


def wrap_lines(lines: Iterable[str], width: int = WIDTH) -> list[str]:
    """Each line as it is if it fits in ``width`` characters, else broken into several."""
    out: list[str] = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
        else:
            out += _wrap_line(line, width)
    return out


def comment_lines(text: str, width: int = WIDTH) -> list[str]:
    """``text`` (made by the compiler, or escaped by ``names.comment_text``) as comment lines
    of at most ``width`` characters, broken between words."""
    return textwrap.wrap(text, width, initial_indent="# ", subsequent_indent="# ")


def _top(code: str, first: str) -> tuple[str, list[str], list[tuple[int, int]]]:
    """``code``'s items outside brackets and what separates them: ``first`` (``" + "`` or
    ``", "``) where it has both, "" where it has neither; and its outermost brackets, as
    (opening, closing) positions."""
    order = [first, *(s for s in _SEPARATORS if s != first)]
    if code.rstrip().endswith(","):  # a tuple (a + b,): only its commas may break it
        order = [", "]
    if _BRACKET.search(code) is None:  # a plain sum or list of names (most long lines): quicker
        for sep in order:
            if sep in code:
                return sep, _cleaned(code.split(sep)), []
        return "", [], []
    found: dict[str, list[int]] = {sep: [] for sep in _SEPARATORS}
    groups: list[tuple[int, int]] = []
    depth, start = 0, 0
    for m in _MARKS.finditer(code):
        c, k = m.group(), m.start()
        if c in _OPEN:
            if depth == 0:
                start = k
            depth += 1
        elif c in _CLOSE:
            depth -= 1
            if depth == 0:
                groups.append((start, k))
        elif depth == 0:
            found[c].append(k)
    for sep in order:
        if found[sep]:
            ends = [-len(sep), *found[sep], len(code)]
            parts = [code[a + len(sep) : b] for a, b in itertools.pairwise(ends)]
            return sep, _cleaned(parts), groups
    return "", [], groups


def _cleaned(parts: list[str]) -> list[str]:
    """Items without their spaces, nor a trailing comma (``_pack`` writes one after each)."""
    parts[-1] = parts[-1].rstrip().removesuffix(",")
    return [p.strip() for p in parts]


def _wrap_line(line: str, width: int) -> list[str]:
    code = line.lstrip(" ")
    indent = line[: len(line) - len(code)]
    if code.startswith("#"):
        return [line]
    cut = code.find("  # ")
    before: list[str] = []
    if cut > 0 and "#" not in code[:cut]:  # a comment after the statement goes above it
        before = [indent + code[cut + 2 :]]
        code = code[:cut]
    head, rest = "", code
    if code.startswith("return "):
        head, rest = "return ", code[len("return ") :]
    else:
        found = [(k, sign) for sign in (" += ", " = ") if (k := _outside(code, sign)) > 0]
        if found:
            k, sign = min(found)
            head, rest = code[: k + len(sign)], code[k + len(sign) :]
    if _outside(rest, " = ") >= 0:
        return [line]  # a chained assignment: not ours to break
    target = head[: -len(" = ")] if head.endswith(" = ") and not head.endswith("+= ") else ""
    if target and ", " in target and len(indent + head) > width // 2:
        # a long tuple of targets (a, b, c = P): broken as a tuple
        return before + _wrap(indent, "", target, " = " + rest, width)
    return before + _wrap(indent, head, rest, "", width)


def _outside(code: str, sign: str) -> int:
    """Where ``sign`` first occurs in ``code`` outside every bracket, or -1."""
    k = code.find(sign)
    while k >= 0:
        opened = sum(code.count(c, 0, k) for c in _OPEN)
        if opened == sum(code.count(c, 0, k) for c in _CLOSE):
            return k
        k = code.find(sign, k + 1)
    return -1


def _wrap(indent: str, head: str, expr: str, tail: str, width: int) -> list[str]:
    """``indent + head + expr + tail`` in lines of at most ``width``, ``expr`` broken."""
    whole = indent + head + expr + tail
    if len(whole) <= width:
        return [whole]
    inner = indent + _INDENT
    sep, items, groups = _top(expr, " + ")
    if sep:  # a sum or a tuple at the top: inside parentheses of its own
        return [indent + head + "(", *_pack(inner, items, sep, width), indent + ")" + tail]
    if groups:
        start, end = max(groups, key=lambda g: g[1] - g[0])
        content = expr[start + 1 : end]
        sep, items, inside = _top(content, ", ")
        if sep:
            return [
                indent + head + expr[: start + 1],
                *_pack(inner, items, sep, width),
                indent + expr[end:] + tail,
            ]
        if inside:  # one bracket right inside another, fsum((a, b)): break the inner one
            return _wrap(indent, head + expr[: start + 1], content, expr[end:] + tail, width)
    return [whole]


def _pack(indent: str, items: list[str], sep: str, width: int) -> list[str]:
    """Items on as few lines as fit: ``a, b,`` (each ending in a comma) or ``a + b`` (each
    line after the first starting with the operator, ``+``)."""
    comma = sep == ", "
    lines: list[str] = []
    current = ""
    for k, item in enumerate(items):
        piece = item + "," if comma else item
        if not current:
            candidate = indent + ("" if comma or k == 0 else sep.lstrip()) + piece
        else:
            candidate = current + (" " if comma else sep) + piece
        if len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        lead = "" if comma or k == 0 else sep.lstrip()
        alone = indent + lead + piece
        if len(alone) <= width:
            current = alone
        else:  # one item too long for a line: broken in turn
            lines += _wrap(indent, lead, item, "," if comma else "", width)
            current = ""
    if current:
        lines.append(current)
    return lines
