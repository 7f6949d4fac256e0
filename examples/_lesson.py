"""What every lesson script shares: its command line, its output folder, matplotlib.

A lesson calls ``start(__file__, __doc__, argv)`` first and ``finish(...)``
last::

    from _lesson import plt, start            # pyplot, already set to draw to files

    lesson = start(__file__, __doc__, argv)   # parses --out, --quick and --lang
    say("The error after one step is {e:g}.", e=0.72)  # in the reader's language
    fig, ax = plt.subplots()
    ax.set(title=pic("The error per step"))   # text in a picture: pic(), not tr()
    ...
    lesson.save(fig, "loss.png")              # the first picture is the main one
    return lesson.finish(loss=0.72)           # the numbers that prove the point

Every sentence a lesson prints or draws is written in English and passed
through ``tr`` (or ``say``, ``section``; ``pic`` for text in a picture),
which gives it in the language chosen by ``--lang`` or
``$AUTOGRAD_LITE_LANG`` (``autograd_lite.i18n``). The Japanese text is in
``_ja.py`` beside this file, keyed by the English text; numbers are
formatted into the sentence after it is translated, so they are the same
in every language.

The scripts import this module by its bare name: Python puts a script's own
folder first on ``sys.path``, and ``autograd_lite.lessons.load`` does the same
when the ``autograd-lite lesson`` command or the tests run a lesson (a
notebook from ``autograd-lite lesson NAME --notebook`` too, in its first cell).
"""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # draw to files only: no window, no display needed
import matplotlib.pyplot as plt  # after choosing the backend
from _ja import DOCS, MESSAGES  # the Japanese edition of the lessons

from autograd_lite import i18n

i18n.add_catalogue("ja", MESSAGES, DOCS)

__all__ = [
    "DPI",
    "N_",
    "OUTPUT_ROOT",
    "QUICK_DPI",
    "Lesson",
    "Outcome",
    "pic",
    "plt",
    "say",
    "say_as_is",
    "section",
    "start",
    "title_of",
    "tr",
]

tr = i18n.tr  # a sentence in the reader's language: tr("E = {e:g}", e=0.72)


def N_(text: str) -> str:  # gettext's name for it
    """``text`` unchanged: marks a sentence kept in a variable, translated later by ``tr``."""
    return text


pic = i18n.tr_picture  # the same for text drawn in a picture (English without a Japanese font)

#: Where pictures go, under the current directory, unless ``--out`` says otherwise.
OUTPUT_ROOT = Path("autograd_lite_output")
#: Resolution of every saved picture.
DPI = 110
#: A coarser resolution for --quick runs (the tests): same picture, drawn faster.
QUICK_DPI = 40


@dataclass(frozen=True)
class Outcome:
    """What a lesson's ``main()`` returns: its key numbers and the pictures it wrote."""

    numbers: dict[str, Any]
    pictures: list[Path]

    def __getitem__(self, key: str) -> Any:
        return self.numbers[key]


@dataclass
class Lesson:
    """One run of a lesson: its name, options and the pictures written so far."""

    name: str
    out: Path
    quick: bool
    inline: bool = False  # also show each picture in the notebook that runs the lesson
    pictures: list[Path] = field(default_factory=list)
    _said_diagram_language: bool = False

    def save(self, fig: Any, filename: str) -> Path:
        """Write ``fig`` as ``out/filename`` (PNG), close it and say where it went."""
        path = self.out / filename
        if self.quick:  # layout takes most of the drawing time; the tests skip it
            fig.set_layout_engine("none")
            fig.savefig(path, dpi=QUICK_DPI)
        else:
            fig.savefig(path, dpi=DPI, bbox_inches="tight")
        plt.close(fig)
        self._wrote(path)
        return path

    def save_graph(self, dot: Any, filename: str) -> Path:
        """Render a ``visualize`` diagram (a ``graphviz.Digraph``) as ``out/filename`` (PNG)."""
        import visualize  # the package's own renderer: no system Graphviz needed

        path = visualize.render(dot, self.out / filename)
        if i18n.diagram_language() != i18n.language() and not self._said_diagram_language:
            say(
                """(the diagrams keep English legends: graphviz-pure, which draws them, has no
                Japanese font)"""
            )
            self._said_diagram_language = True
        self._wrote(path)
        return path

    def _wrote(self, path: Path) -> None:
        """Count the picture, say where it went, and show it in a notebook (``--inline``)."""
        self.pictures.append(path)
        print(tr("  picture: {path}", path=path))
        if self.inline:
            from IPython.display import Image, display  # Jupyter's own, present in a notebook

            display(Image(filename=str(path)))

    def finish(self, **numbers: Any) -> Outcome:
        """The end of the lesson: list the pictures; return the numbers for the tests."""
        print()
        print(tr("{count} picture(s) in {folder}/", count=len(self.pictures), folder=self.out))
        return Outcome(numbers, list(self.pictures))


def title_of(doc: str | None) -> str:
    """The first line of a lesson's docstring: its one-line description."""
    return (doc or "").strip().splitlines()[0] if doc and doc.strip() else ""


def start(file: str, doc: str | None, argv: Sequence[str] | None = None) -> Lesson:
    """Parse the lesson's command line, make its output folder and print its title."""
    name = Path(file).stem
    parser = argparse.ArgumentParser(
        prog=f"python examples/{name}.py",
        description=title_of(doc),
        epilog="The module docstring explains the lesson; the printed output walks through it.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"folder for the pictures (default: ./{OUTPUT_ROOT}/{name}/)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smaller, faster run with the same point (the test suite uses it)",
    )
    parser.add_argument(
        "--lang",
        choices=i18n.LANGUAGES,
        default=None,
        help=f"the language of the text and the pictures (default: ${i18n.ENV_VAR}, else en)",
    )
    parser.add_argument(
        "--inline",
        action="store_true",
        help="also show each picture in the Jupyter notebook that runs the lesson "
        "(see `autograd-lite lesson NAME --notebook`)",
    )
    args = parser.parse_args(argv)
    if args.lang is not None:
        i18n.set_language(args.lang)
    try:
        lang = i18n.language()
    except ValueError as error:  # a wrong $AUTOGRAD_LITE_LANG
        parser.error(str(error))
    out: Path = args.out if args.out is not None else OUTPUT_ROOT / name
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # e.g. --out names a file
        parser.error(f"cannot make the folder {out} for the pictures: {error.strerror or error}")
    heading = tr("Lesson {name}: {title}", name=name, title=title_of(i18n.doc(name, doc or "")))
    print(heading)
    print("=" * i18n.display_width(heading))
    if lang != "en":
        if i18n.picture_language() == lang:
            i18n.use_japanese_font()
        else:
            say(
                """(no Japanese font: pictures keep English labels;
                pip install "autograd_lite[ja]" installs one)"""
            )
    if args.quick:
        print(tr("(quick mode: a smaller run that makes the same point)"))
    return Lesson(name=name, out=out, quick=bool(args.quick), inline=bool(args.inline))


#: Fill colours of the classes' regions (light versions of matplotlib's C0, C1, C2, C3).
REGION_COLOURS = ["#c6dbef", "#fdd0a2", "#c7e9c0", "#fcbba1"]


def draw_regions(
    ax: Any,
    model: Any,
    loss_fn: Any,
    box: tuple[float, float, float, float],
    cells: int,
    n_classes: int,
) -> None:
    """Colour ``ax`` by the class ``model`` predicts at each point of ``box`` (x0, x1, y0, y1).

    The class is the one ``fit`` counts (``train.predict_classes``); the
    boundary between two classes is drawn as a black line.
    """
    from autograd_lite.train import predict_classes

    x0, x1, y0, y1 = box
    xs = [x0 + (x1 - x0) * i / (cells - 1) for i in range(cells)]
    ys = [y0 + (y1 - y0) * j / (cells - 1) for j in range(cells)]
    flat = predict_classes(model, [[x, y] for y in ys for x in xs], loss_fn)
    grid = [flat[j * cells : (j + 1) * cells] for j in range(cells)]
    levels = [k - 0.5 for k in range(n_classes + 1)]
    ax.contourf(xs, ys, grid, levels=levels, colors=REGION_COLOURS[:n_classes])
    if n_classes == 2:  # with more classes, contour lines of class numbers would double up
        ax.contour(xs, ys, grid, levels=[0.5], colors="k", linewidths=0.8)


def section(text: str, **values: Any) -> None:
    """Print a section heading, in the reader's language (``tr``)."""
    print(f"\n--- {tr(text, **values)} ---")


def say(text: str, **values: Any) -> None:
    """Print paragraphs of explanation in the reader's language, wrapped to 88 columns.

    Paragraphs are separated by an empty line; Japanese is wrapped by display
    width, with Japanese line-break rules (``i18n.fill``).
    """
    say_as_is(tr(text, **values))


def say_as_is(text: str) -> None:
    """Print paragraphs already in the reader's language (made with ``tr``), wrapped as ``say``."""
    for paragraph in re.split(r"\n[ \t]*\n", textwrap.dedent(text).strip()):
        print("\n".join(i18n.fill(paragraph, width=88)))
