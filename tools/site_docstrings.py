"""A griffe extension (mkdocs.yml) that shows our docstrings' examples as code.

The docstrings are prose with ``code`` and doctest examples (``>>> ...`` and
the output below it), and a paragraph may end in ``::`` before an indented
block, as in reStructuredText. Markdown would read ``>>> x[0]`` as text, its
brackets as a link; here each run of doctest lines becomes a fenced ``pycon``
block, and ``::`` a plain colon (the indented block after it is already code
in Markdown). Only what the API reference shows changes; the source does not.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from griffe import Extension, Object
else:  # the docs extra brings griffe; without it, fence_doctests still works
    try:
        from griffe import Extension
    except ImportError:
        Extension = object

_PROMPT = re.compile(r"^(\s*)>>>( |$)")


def fence_doctests(text: str) -> str:
    """``text`` with each doctest example (prompt lines and output) as a fenced block.

    >>> fence_doctests("Add:\\n>>> 1 + 1\\n2\\n\\nDone.").splitlines()
    ['Add:', '', '```pycon', '>>> 1 + 1', '2', '```', '', 'Done.']
    """
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        prompt = _PROMPT.match(lines[index])
        if prompt is None:
            line = lines[index]
            if line.rstrip().endswith("::") and not line.lstrip().startswith(">>>"):
                stripped = line.rstrip()[:-2].rstrip()
                line = f"{stripped}:" if stripped else ""
            out.append(line)
            index += 1
            continue
        indent = prompt.group(1)
        block: list[str] = []
        while index < len(lines) and lines[index].strip():
            block.append(lines[index].removeprefix(indent))
            index += 1
        if out and out[-1].strip():
            out.append("")
        out += [f"{indent}```pycon", *(f"{indent}{line}" for line in block), f"{indent}```"]
    return "\n".join(out)


class DoctestsAsCode(Extension):
    """Rewrites every docstring with ``fence_doctests`` as griffe reads it."""

    def on_instance(self, *, node: Any, obj: Object, agent: Any, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
