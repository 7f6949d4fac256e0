"""Languages: the text of the lessons and pictures in English or Japanese (日本語).

English is the source language. A sentence is written in English where it
is used, and ``tr(text, **values)`` gives it in the current language,
formatted with ``values`` (``str.format``). A catalogue per language maps
the English text to its translation; the key is the English text with its
runs of whitespace collapsed, so re-wrapping a paragraph keeps its key.
The library's catalogue is ``autograd_lite/locale/ja.py``; the lessons add
theirs (``examples/_ja.py``) with ``add_catalogue``.

The language is the one ``set_language`` chose (the ``--lang`` option of
the ``autograd-lite`` commands), else the environment variable
``AUTOGRAD_LITE_LANG``, else English. A missing translation falls back to
the English text, except inside ``strict()`` (the tests), where it is a
``MissingTranslation`` error. Exceptions raised by the library stay in
English, as in PyTorch.

Japanese in pictures needs a font with Japanese glyphs: the extra
``pip install "autograd_lite[ja]"`` installs IPAexGothic (the package
japanize-matplotlib ships it). Without it, ``picture_language()`` is
English, and pictures keep English labels rather than draw empty boxes.

>>> with language_set("ja"):
...     tr("gradient")
'勾配'
>>> tr("gradient")
'gradient'
>>> display_width("勾配 = -4")
9
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import reprlib
import shutil
import string
import subprocess
import tempfile
import textwrap
import unicodedata
import xml.sax.saxutils
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

__all__ = [
    "ENV_VAR",
    "LANGUAGES",
    "MissingTranslation",
    "add_catalogue",
    "catalogue",
    "diagram_format",
    "diagram_language",
    "display_width",
    "doc",
    "fill",
    "japanese_font",
    "key",
    "language",
    "language_set",
    "layout_environment",
    "ljust",
    "picture_language",
    "placeholders",
    "rjust",
    "set_language",
    "strict",
    "tr",
    "tr_diagram",
    "tr_picture",
    "use_japanese_font",
]

#: The languages there are catalogues for; English is the source and needs none.
LANGUAGES: tuple[str, ...] = ("en", "ja")
#: The environment variable that chooses the language when ``--lang`` does not.
ENV_VAR = "AUTOGRAD_LITE_LANG"

_chosen: str | None = None
_strict = False
_extra: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
_docs: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}


class MissingTranslation(KeyError):
    """Inside ``strict()``: a text has no entry in the current language's catalogue."""


def _checked(lang: object, where: str) -> str:
    if not isinstance(lang, str):
        raise TypeError(f"{where} must be a str, got {type(lang).__name__}")
    if lang not in LANGUAGES:
        raise ValueError(f"{where} must be one of {', '.join(LANGUAGES)}, got {reprlib.repr(lang)}")
    return lang


def set_language(lang: str | None) -> None:
    """Use ``lang`` (``"en"`` or ``"ja"``) from now on; ``None``: the environment's again."""
    global _chosen
    _chosen = None if lang is None else _checked(lang, "language")


def language() -> str:
    """The current language: ``set_language``'s, else ``$AUTOGRAD_LITE_LANG``, else ``"en"``."""
    if _chosen is not None:
        return _chosen
    from_env = os.environ.get(ENV_VAR, "").strip()
    return _checked(from_env, f"${ENV_VAR}") if from_env else "en"


@contextlib.contextmanager
def language_set(lang: str | None) -> Iterator[None]:
    """``set_language(lang)`` for the ``with`` block, then the previous choice again."""
    global _chosen
    before = _chosen
    set_language(lang)
    try:
        yield
    finally:
        _chosen = before


@contextlib.contextmanager
def strict() -> Iterator[None]:
    """Inside the block, a missing translation raises ``MissingTranslation``."""
    global _strict
    before, _strict = _strict, True
    try:
        yield
    finally:
        _strict = before


def key(text: str) -> str:
    """The catalogue key of ``text``: its runs of whitespace collapsed to one space."""
    return " ".join(text.split())


@cache
def _library_catalogue(lang: str) -> Mapping[str, str]:
    module = importlib.import_module(f"autograd_lite.locale.{lang}")
    messages: Mapping[str, str] = module.MESSAGES
    return {key(english): text for english, text in messages.items()}


def add_catalogue(
    lang: str, messages: Mapping[str, str], docs: Mapping[str, str] | None = None
) -> None:
    """Add ``messages`` (English text -> translation) to ``lang``'s catalogue.

    ``docs`` maps a lesson's name to its docstring in ``lang`` (see ``doc``).
    """
    _checked(lang, "lang")
    if lang == "en":
        raise ValueError("English is the source language: it has no catalogue")
    _extra[lang].update({key(english): text for english, text in messages.items()})
    _docs[lang].update(docs or {})


def doc(name: str, english: str) -> str:
    """Lesson ``name``'s docstring in the current language (``english`` is its own)."""
    lang = language()
    if lang == "en":
        return english
    found = _docs[lang].get(name)
    if found is None:
        if _strict:
            raise MissingTranslation(f"no {lang} docstring for lesson {name!r}")
        return english
    return found


def catalogue(lang: str) -> dict[str, str]:
    """Every translation into ``lang`` known now: the library's and the added ones."""
    if _checked(lang, "lang") == "en":
        return {}
    merged = dict(_library_catalogue(lang))
    merged.update(_extra[lang])
    return merged


def _translate(text: str, lang: str) -> str:
    if lang == "en":
        return text
    found = _extra[lang].get(key(text))
    if found is None:
        found = _library_catalogue(lang).get(key(text))
    if found is None:
        if _strict:
            raise MissingTranslation(f"no {lang} translation of {text!r}")
        return text
    return found


def tr(text: str, /, **values: object) -> str:
    """``text`` in the current language, formatted with ``values`` if any are given."""
    translated = _translate(text, language())
    return translated.format(**values) if values else translated


def tr_picture(text: str, /, **values: object) -> str:
    """As ``tr``, for text drawn in a picture: in ``picture_language()``."""
    translated = _translate(text, picture_language())
    return translated.format(**values) if values else translated


def placeholders(text: str) -> set[str]:
    """The names of the ``{fields}`` in ``text`` (a translation must keep the same ones)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# -- fonts ---------------------------------------------------------------------------

#: The font with Japanese glyphs, and the package that installs it (the ``ja`` extra).
FONT_NAME = "IPAexGothic"
FONT_PACKAGE = "japanize_matplotlib"
FONT_FILE = "fonts/ipaexg.ttf"


def japanese_font() -> Path | None:
    """The font file installed by ``autograd_lite[ja]``, or ``None`` if it is missing.

    The package is found, not imported: importing japanize_matplotlib would
    change matplotlib's settings (and needs ``distutils``, gone in Python 3.12).
    """
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / FONT_FILE
    return path if path.is_file() else None


def picture_language() -> str:
    """The language of text in pictures: ``language()``, or English without a Japanese font."""
    lang = language()
    return lang if lang == "en" or japanese_font() is not None else "en"


def use_japanese_font() -> bool:
    """Make matplotlib draw Japanese glyphs with ``japanese_font()``; ``False`` if missing.

    Latin text keeps matplotlib's default font; the Japanese font is its fallback.
    """
    path = japanese_font()
    if path is None:
        return False
    import matplotlib
    from matplotlib import font_manager

    if FONT_NAME not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(path))
    family = list(matplotlib.rcParams["font.family"])
    if FONT_NAME not in family:  # a list of families: each glyph from the first that has it
        matplotlib.rcParams["font.family"] = [*family, FONT_NAME]
    return True


@cache
def _fonts_conf(font_folder: str) -> str:
    """A fontconfig file: the usual configuration, plus ``font_folder`` (made once a process).

    It is written into a new private folder (``tempfile.mkdtemp``: only we can write there).
    """
    base = os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
    quote = xml.sax.saxutils.escape
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">{quote(base)}</include>\n'
        f"  <dir>{quote(font_folder)}</dir>\n</fontconfig>\n"
    )
    path = Path(tempfile.mkdtemp(prefix="autograd_lite_fonts_")) / "fonts.conf"
    path.write_text(text, encoding="utf-8")
    return str(path)


def layout_environment() -> dict[str, str] | None:
    """The environment for the system ``dot``: with ``FONTCONFIG_FILE`` naming the font of
    ``autograd_lite[ja]`` too, when it is installed (dot finds fonts through fontconfig);
    ``None`` (the usual environment) without it."""
    font = japanese_font()
    if font is None:
        return None
    return {**os.environ, "FONTCONFIG_FILE": _fonts_conf(str(font.parent))}


@cache
def _system_dot_draws_japanese() -> bool:
    """Whether the system ``dot`` is there, with a font for Japanese that fontconfig knows
    (the system's, or the one of ``autograd_lite[ja]`` through ``layout_environment()``)."""
    if shutil.which("dot") is None or shutil.which("fc-list") is None:
        return False
    if japanese_font() is not None:
        return True
    try:
        found = subprocess.run(
            ["fc-list", ":lang=ja", "family"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(found.stdout.strip())


_diagram_format: str | None = None


@contextlib.contextmanager
def diagram_format(fmt: str | None) -> Iterator[None]:
    """Inside the block, diagrams are drawn for ``fmt`` (``"svg"``, ``"png"``; ``None``: unknown).

    An SVG's text is drawn by its viewer (a browser, Jupyter), which has the
    reader's fonts: its legends can be in any language.
    """
    global _diagram_format
    if fmt not in (None, "svg", "png", "dot"):
        raise ValueError(f"diagram format must be svg, png or dot, got {reprlib.repr(fmt)}")
    before, _diagram_format = _diagram_format, fmt
    try:
        yield
    finally:
        _diagram_format = before


def diagram_language() -> str:
    """The language of text in diagrams (legends): ``language()`` where it can be drawn.

    graphviz-pure, the layout program installed with autograd_lite, knows only
    its three bundled Latin fonts: Japanese would be measured as spaces and drawn
    as empty boxes. Diagrams are in Japanese when they are drawn as SVG (inside
    ``diagram_format("svg")``: the viewer draws the text, and ``visualize`` makes
    room for it), or when the system ``dot`` lays them out and has a Japanese
    font (the system's, or ``autograd_lite[ja]``'s); else they keep English.
    """
    lang = language()
    if lang == "en" or _diagram_format == "svg":
        return lang
    return lang if _system_dot_draws_japanese() else "en"


def tr_diagram(text: str, /, **values: object) -> str:
    """As ``tr``, for text in a diagram: in ``diagram_language()``; English when missing."""
    lang = diagram_language()
    translated = text if lang == "en" else catalogue(lang).get(key(text), text)
    return translated.format(**values) if values else translated


# -- text layout ---------------------------------------------------------------------

#: Characters that must not start a line (Japanese kinsoku shori): closing brackets,
#: punctuation, small kana, the long-vowel mark, and their ASCII cousins.
NO_LINE_START = frozenset(
    "、。，．・：；？！゛゜ヽヾゝゞ々ー）］｝」』】〕〉》’”ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
    ")]},.:;!?%"
)
#: Characters that must not end a line: opening brackets.
NO_LINE_END = frozenset("（［｛「『【〔〈《‘“([{")


_WIDE_PUNCT = frozenset("、。，．・：；？！（）［］｛｝「」『』【】〔〕〈〉《》")


def _char_width(c: str) -> int:
    if unicodedata.combining(c):
        return 0
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide and full-width characters take 2."""
    return sum(_char_width(c) for c in text)


def ljust(text: str, width: int) -> str:
    """``text`` padded to ``width`` display columns (``str.ljust`` counts characters)."""
    return text + " " * max(0, width - display_width(text))


def rjust(text: str, width: int) -> str:
    """``text`` padded on the left to ``width`` display columns."""
    return " " * max(0, width - display_width(text)) + text


def _wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in ("W", "F")


def _join_lines(text: str) -> str:
    """A paragraph's source lines as one line, with a space where the lines met unless
    both sides are Japanese, or either side is Japanese punctuation.

    Japanese puts no space where a line breaks; English needs one, and so
    does a Latin word next to Japanese (``入力 x は``), as the catalogue writes it.
    """
    lines = [" ".join(line.split()) for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    out = lines[0]
    for line in lines[1:]:
        left, right = out[-1], line[0]
        joined = (_wide(left) and _wide(right)) or left in _WIDE_PUNCT or right in _WIDE_PUNCT
        out += line if joined else " " + line
    return out


def _atoms(text: str) -> list[str]:
    """``text`` cut where a line may break: between words, and around each wide character."""
    atoms: list[str] = []
    word = ""
    for c in text:
        if c == " ":
            if word:
                atoms.append(word)
                word = ""
            atoms.append(" ")
        elif _wide(c):
            if word:
                atoms.append(word)
                word = ""
            atoms.append(c)
        else:
            word += c
    if word:
        atoms.append(word)
    return atoms


def _fill_wide(text: str, width: int) -> list[str]:
    """Greedy line filling by display width, with the kinsoku rules."""
    lines: list[list[str]] = [[]]
    used = 0
    for atom in _atoms(text):
        w = display_width(atom)
        line = lines[-1]
        if atom == " ":
            if line:  # a space at the start of a line is dropped
                line.append(atom)
                used += w
            continue
        if used + w > width and line and atom[0] not in NO_LINE_START:
            while line and line[-1] == " ":
                line.pop()
            carried: list[str] = []
            while line and line[-1][-1] in NO_LINE_END:  # an opening bracket goes down too
                carried.insert(0, line.pop())
            lines.append(carried)
            line = lines[-1]
            used = sum(display_width(a) for a in line)
        elif used + w > width and atom[0] in NO_LINE_START:  # it hangs past the width instead,
            while line and line[-1] == " ":  # right after the text before it
                line.pop()
                used -= 1
        line.append(atom)
        used += w
    return ["".join(line).rstrip() for line in lines if line]


def fill(text: str, width: int = 88) -> list[str]:
    """A paragraph as lines of at most ``width`` display columns.

    English (text without wide characters) is filled as ``textwrap.fill``
    does; text with Japanese is filled by display width, breaking between
    any two Japanese characters, never starting a line with closing
    punctuation (、。）」...) nor ending one with an opening bracket.
    """
    joined = _join_lines(text)
    if not any(_wide(c) for c in joined):
        return textwrap.wrap(" ".join(joined.split()), width=width, break_on_hyphens=False)
    return _fill_wide(joined, width)
