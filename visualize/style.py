"""How diagrams look: number format, colour scales, node kinds and the legend.

Every picture in ``visualize`` takes its numbers, colours and legend from
here, so that the graph view, the network view and the animation agree.

>>> fmt(-1.5), fmt(1e-7)
('-1.5000', '1.0000e-07')
>>> diverging(0.0, 1.0), diverging(1.0, 1.0)
('#ffffff', '#d6604d')
"""

from __future__ import annotations

import math
import reprlib
import unicodedata
from collections.abc import Sequence
from typing import Literal

from autograd_lite import i18n

__all__ = [
    "FONT",
    "KIND_COLOURS",
    "RANKDIRS",
    "Kind",
    "check_rankdir",
    "diverging",
    "esc",
    "fmt",
    "legend_table",
    "printable",
]

FONT = "Helvetica"

#: Graphviz's layout directions: left to right, right to left, top to bottom, bottom to top.
RANKDIRS = ("LR", "RL", "TB", "BT")


def check_rankdir(rankdir: object) -> str:
    """``rankdir`` if it is a Graphviz direction, else a ``ValueError`` listing them."""
    if rankdir not in RANKDIRS:
        raise ValueError(
            f"rankdir must be one of {', '.join(RANKDIRS)}, got {reprlib.repr(rankdir)}"
        )
    return str(rankdir)


#: What a value node is, told apart by the colour of its header cell.
Kind = Literal["input", "parameter", "constant", "output", "result"]

#: header colour of each kind (no reds or blues: those mean gradient sign)
KIND_COLOURS: dict[Kind, str] = {
    "input": "#c7e9c0",
    "parameter": "#fed976",
    "constant": "#e0e0e0",
    "output": "#4d4d4d",
    "result": "#ffffff",
}

# Ends of the diverging scales: light for node fills (black text stays
# readable), strong for lines.
_WHITE = (255, 255, 255)
_LIGHT = ((67, 147, 195), (214, 96, 77))  # blue, red
_STRONG = ((33, 102, 172), (178, 24, 43))
_GREY = (221, 221, 221)
NOT_FINITE = "#bbbbbb"


def fmt(x: float) -> str:
    """``x`` with 4 decimals, or in scientific notation when that would hide it."""
    if math.isnan(x) or math.isinf(x):
        return "not finite"
    if x == 0.0:
        return "0.0000"  # also turns -0.0 into 0.0000
    if 1e-4 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.4e}"


def diverging(x: float, scale: float, *, strong: bool = False) -> str:
    """Colour of ``x`` on a scale from -scale (blue) through 0 to +scale (red).

    Light ends with a white middle for fills; ``strong=True`` gives darker
    ends with a light grey middle, for lines on a white background.
    """
    if not math.isfinite(x):
        return NOT_FINITE
    t = min(abs(x) / scale, 1.0) if scale > 0.0 else 0.0
    ends = _STRONG if strong else _LIGHT
    end = ends[1] if x > 0.0 else ends[0]
    start = _GREY if strong else _WHITE
    # linear interpolation from the middle colour to the end colour
    rgb = (round(s + (e - s) * t) for s, e in zip(start, end, strict=True))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def printable(text: str) -> str:
    """``text`` with control characters and lone surrogates written as Python escapes.

    Graphviz refuses them in a label, a terminal obeys them and UTF-8 cannot
    encode a surrogate, so a label ``"a\\x01b"`` is shown as ``a\\x01b``
    (newlines and tabs too: a name stays on one line).

    >>> printable("x\\ty\\x1b[31m"), printable("wé")
    ('x\\\\ty\\\\x1b[31m', 'wé')
    """
    if text.isprintable():  # the everyday case, checked in C
        return text
    return "".join(
        repr(ch)[1:-1] if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in text
    )


def esc(text: str) -> str:
    """``text`` escaped for a Graphviz HTML-like label (see ``printable``)."""
    return (
        printable(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def _short(x: float) -> str:
    return f"{x:.3g}" if x != 0.0 else "0"


def _row(cells: Sequence[str]) -> str:
    """One legend row: its own table, so rows can have different numbers of cells."""
    inner = "".join(cells)
    return (
        '<tr><td><table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
        f"<tr>{inner}</tr></table></td></tr>"
    )


#: Width of a character in em, for text the layout program cannot measure: a wide
#: (Japanese) character takes a full em; a Latin one at most 0.62 em (bold: 0.68).
_WIDE_EM, _NARROW_EM, _BOLD_EM = 1.0, 0.62, 0.68


def _room(text: str, size: float, *, bold: bool = False) -> str:
    """A cell's ``width`` attribute that leaves room for ``text`` if it has wide characters.

    graphviz-pure measures a Japanese character as a space (it has only Latin
    fonts): the viewer of an SVG then draws it over its neighbours. English
    text needs no help and gets none, so its diagrams stay as they were.
    """
    wide = sum(1 for c in text if i18n.display_width(c) == 2)
    if not wide:
        return ""
    narrow = len(text) - wide
    em = _WIDE_EM * wide + (_BOLD_EM if bold else _NARROW_EM) * narrow
    return f' width="{math.ceil(em * size) + 6}"'


def legend_table(
    title: str,
    kinds: Sequence[Kind],
    scale_caption: str,
    scale: float,
    *,
    strong: bool = False,
    notes: Sequence[str] = (),
) -> str:
    """An HTML-like table (without the surrounding ``<>``) explaining a diagram.

    A row of coloured cells for the node kinds in ``kinds``, then the
    diverging colour scale from -scale to +scale after its caption, then one
    line per note.
    """
    tr = i18n.tr_diagram  # the reader's language, where the layout program can draw it
    title = tr(title)
    rows = [f"<tr><td{_room(title, 14, bold=True)}><b>{esc(title)}</b></td></tr>"]
    if kinds:
        cells = []
        for kind in kinds:
            name = tr(kind)
            text = esc(name) if kind != "output" else f'<font color="white">{esc(name)}</font>'
            cells.append(f'<td bgcolor="{KIND_COLOURS[kind]}"{_room(name, 14)}>{text}</td>')
        rows.append(_row(cells))
    caption = tr(scale_caption)
    scale_cells = [f'<td border="0"{_room(caption, 14)}>{esc(caption)}</td>']
    for t in (-1.0, -0.5, 0.0, 0.5, 1.0):
        x = t * scale
        colour = diverging(x, scale, strong=strong)
        scale_cells.append(f'<td bgcolor="{colour}" width="44">{esc(_short(x))}</td>')
    rows.append(_row(scale_cells))
    for note in notes:
        note = tr(note)
        rows.append(
            f'<tr><td align="left"{_room(note, 10)}>'
            f'<font point-size="10">{esc(note)}</font></td></tr>'
        )
    return '<table border="0" cellborder="0" cellspacing="2">' + "".join(rows) + "</table>"
