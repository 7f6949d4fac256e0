"""The documentation site's generated pages, each made from what it shows.

``tools/site_hooks.py`` hands these pages to MkDocs while it builds the site
(``tools/site build``); nothing here is kept in git:

- the home page: README.md's opening and its Quick start, taken from README.md
  at build time so that the two cannot drift (``home_page``);
- one page per lesson, in teaching order (``autograd_lite.lessons``): the
  lesson's docstring, what it printed and the pictures it drew when this build
  ran it, and its code (``run_lessons``, ``lesson_page``);
- the API reference: one page per part of the library, made by mkdocstrings
  from the docstrings (``API``, ``api_page``);
- the benchmark figures: README.md's Benchmarks section and the runs behind it,
  ``benchmarks/results/`` as printed (``benchmarks_page``);
- the playground's page, which links to the playground when this build has it
  (``playground_page``).

Every function here returns text or data; only ``run_lessons`` runs anything.
A dev tool, not part of the installed package.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent  # the source tree
README = ROOT / "README.md"
EXAMPLES = ROOT / "examples"
RESULTS = ROOT / "benchmarks" / "results"
#: The playground engineer's builder: ``python tools/build_playground.py OUTDIR``.
PLAYGROUND_BUILDER = ROOT / "tools" / "build_playground.py"
#: Where the playground lands in the built site, and the page that introduces it.
PLAYGROUND_DIR = "playground"
PLAYGROUND_PAGE = "play.md"

#: Seconds one lesson may take before the build gives up on it (the longest takes
#: about 40 s alone on a 2-core machine; twice that under load, and more).
LESSON_TIMEOUT = 600.0
#: The slowest lessons (examples/README.md gives their times), started first so that
#: the cores finish together; only the order of the runs, never of the pages.
SLOWEST_FIRST = ("digits", "regularization")
#: What a lesson prints before the path of each picture it writes (examples/_lesson.py).
PICTURE_PREFIX = "  picture: "

#: The API reference: a page per part of the library, with the modules it shows.
API: dict[str, tuple[str, tuple[str, ...]]] = {
    "engine": ("The engine: Value, backward, grad, no_grad", ("autograd_lite.engine",)),
    "functional": ("Operations as functions", ("autograd_lite.functional",)),
    "calculus": ("Calculus on functions", ("autograd_lite.calculus",)),
    "nn": ("Layers and modules", ("autograd_lite.nn",)),
    "losses": ("Loss functions", ("autograd_lite.losses",)),
    "optim": (
        "Optimisers",
        (
            "autograd_lite.optim.optimizers",
            "autograd_lite.optim.rules",
            "autograd_lite.optim.clipping",
            "autograd_lite.optim.schedules",
        ),
    ),
    "compile": ("Compiling a training step", ("autograd_lite.compile",)),
    "testing": ("Hypothesis strategies and gradient checking", ("autograd_lite.testing",)),
    "visualize": (
        "Drawing the graph",
        (
            "visualize.graph",
            "visualize.model",
            "visualize.animate",
            "visualize.renderer",
            "visualize.plots",
        ),
    ),
}


# -- Markdown helpers ----------------------------------------------------------------


def fence(text: str, language: str = "text") -> str:
    """``text`` as a fenced code block whose fence no line of ``text`` can close."""
    longest = max((len(run) for run in re.findall(r"`{3,}|~{3,}", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{text.rstrip()}\n{ticks}\n"


def escape(text: str) -> str:
    """Plain ``text`` as Markdown that shows it as it is (no emphasis, links or HTML)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")  # Markdown cannot escape these two
    return re.sub(r"([\\`*_{}\[\]()>#+\-.!|])", r"\\\1", text)


def sections(markdown: str, level: int = 2) -> list[tuple[str, str]]:
    """``markdown`` cut at its headings of ``level``: ``(heading, body)``, the opening first.

    The opening's heading is ``""``. Lines inside fenced code blocks are never
    taken for headings.
    """
    marker = "#" * level + " "
    found: list[tuple[str, list[str]]] = [("", [])]
    fenced = ""
    for line in markdown.splitlines():
        stripped = line.lstrip()
        opening = re.match(r"(`{3,}|~{3,})", stripped)
        if opening and (not fenced or opening.group(1).startswith(fenced)):
            fenced = "" if fenced else opening.group(1)
        if not fenced and line.startswith(marker):
            found.append((line[len(marker) :].strip(), []))
        else:
            found[-1][1].append(line)
    return [(heading, "\n".join(lines).strip("\n")) for heading, lines in found]


def section_of(markdown: str, heading: str) -> str:
    """The body of ``markdown``'s ``## heading``; ``ValueError`` naming the headings if none."""
    cut = sections(markdown)
    for name, body in cut:
        if name == heading:
            return body
    names = ", ".join(repr(name) for name, _ in cut if name)
    raise ValueError(f"README.md has no section '## {heading}' (it has: {names})")


_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


def relink(markdown: str, targets: dict[str, str]) -> str:
    """README.md's links, for a page at the site's top level.

    A link to a file that the site shows goes to its page (``targets``: the
    README's path -> the site's); a web link stays; any other link (a file of
    the source tree, a section of README.md) becomes its text, since the site
    does not have it. Images must be in ``targets``: ``ValueError`` otherwise.
    """

    def one(match: re.Match[str]) -> str:
        bang, text, target = match.groups()
        path, _, anchor = target.partition("#")
        if re.match(r"[a-z]+:", target):
            return match.group(0)
        if path in targets:
            new = targets[path] + (f"#{anchor}" if anchor else "")
            return f"{bang}[{text}]({new})"
        if bang:
            raise ValueError(f"README.md's picture {target!r} is not on the site")
        return text

    return _LINK.sub(one, markdown)


# -- the home page -------------------------------------------------------------------


#: README.md's links that the home page and the benchmark page keep: README's path -> site's.
README_TARGETS = {
    "docs/ARCHITECTURE.md": "ARCHITECTURE.md",
    "examples/README.md": "lessons/index.md",
}


def home_page(readme: str) -> str:
    """The home page: README.md's opening (what the library is) and its Quick start."""
    opening = sections(readme)[0][1]
    quick_start = section_of(readme, "Quick start")
    tour = "\n".join(
        [
            "## On this site",
            "",
            '<div class="grid cards" markdown>',
            "",
            "- **[Lessons](lessons/index.md)**: backpropagation, one idea per lesson, each run "
            "while this site was built: its output, its pictures and its code.",
            f"- **[Playground]({PLAYGROUND_PAGE})**: type an expression, move a number, "
            "and watch every gradient and the backward pass.",
            "- **[Exercises](exercises.md)**: build the engine yourself in small steps, "
            "each checked by `autograd-lite check`.",
            "- **[API reference](api/index.md)**: every public name, from its docstring.",
            "- **[Architecture](ARCHITECTURE.md)**: a map of the code and how data flows.",
            "- **[Benchmarks](benchmarks.md)**: speed and memory against micrograd and PyTorch.",
            "",
            "</div>",
        ]
    )
    body = f"{opening}\n\n## Quick start\n\n{quick_start}\n\n{tour}\n"
    wide = "---\nhide:\n  - navigation\n  - toc\n---\n\n"  # the commands' whole width
    return wide + relink(body, README_TARGETS)


# -- the lessons ---------------------------------------------------------------------


@dataclass(frozen=True)
class LessonRun:
    """One lesson as this build ran it: what it printed and the pictures it wrote."""

    name: str
    output: str
    pictures: dict[str, bytes] = field(repr=False)  # the printed path -> the PNG
    seconds: float


class LessonFailedError(RuntimeError):
    """A lesson exited with an error or ran out of time while the site was built."""


def lesson_command(name: str, *, quick: bool = False) -> list[str]:
    """The command the build runs for lesson ``name``: the one README.md gives learners."""
    return [sys.executable, "-m", "autograd_lite", "lesson", name, *(["--quick"] if quick else [])]


def lesson_environment() -> dict[str, str]:
    """The environment a lesson runs in: this source tree's library and lessons."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["AUTOGRAD_LITE_EXAMPLES"] = str(EXAMPLES)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONHASHSEED"] = "0"
    return env


def run_lesson(name: str, *, quick: bool = False, timeout: float = LESSON_TIMEOUT) -> LessonRun:
    """Run lesson ``name`` as a learner would, in an empty folder; collect its output.

    The pictures are read back from the paths the lesson printed, so a page
    shows each one where the output names it.
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"site-{name}-") as folder:
        try:
            done = subprocess.run(
                lesson_command(name, quick=quick),
                cwd=folder,
                env=lesson_environment(),
                capture_output=True,
                text=True,
                encoding="utf-8",
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise LessonFailedError(f"lesson {name} took more than {timeout:g} s") from None
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            raise LessonFailedError(f"lesson {name} exited with {done.returncode}:\n{tail}")
        pictures: dict[str, bytes] = {}
        for line in done.stdout.splitlines():
            if line.startswith(PICTURE_PREFIX):
                printed = line[len(PICTURE_PREFIX) :]
                path = (Path(folder) / printed).resolve()
                if not path.is_relative_to(Path(folder).resolve()) or not path.is_file():
                    why = f"lesson {name} names a picture it did not write: {printed}"
                    raise LessonFailedError(why)
                pictures[printed] = path.read_bytes()
    return LessonRun(name, done.stdout, pictures, time.perf_counter() - started)


def run_lessons(
    names: Sequence[str],
    *,
    quick: bool = False,
    workers: int | None = None,
    log: Callable[[str], None] = print,
) -> list[LessonRun]:
    """Run the lessons ``names``, several processes at a time (one per core by default).

    The runs come back in the order of ``names``, whatever order they ran in.
    """
    workers = workers or os.cpu_count() or 1

    def one(name: str) -> LessonRun:
        run = run_lesson(name, quick=quick)
        log(f"lesson {name:<22} {run.seconds:5.1f} s, {len(run.pictures)} picture(s)")
        return run

    ranked = sorted(names, key=lambda n: SLOWEST_FIRST.index(n) if n in SLOWEST_FIRST else 99)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        runs = dict(zip(ranked, pool.map(one, ranked), strict=True))
    return [runs[name] for name in names]


def choose_lessons(names: Sequence[str], only: str) -> list[str]:
    """The lessons of ``names`` that ``only`` (comma-separated) names, in ``names``' order.

    An empty ``only`` takes them all; an unknown name is a ``ValueError`` naming the choices.

    >>> choose_lessons(["five_steps", "toast_robot", "newton"], "newton, toast_robot")
    ['toast_robot', 'newton']
    """
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in names]
    if unknown:
        raise ValueError(f"no lesson named {', '.join(unknown)}; choose from {', '.join(names)}")
    return [name for name in names if name in wanted] if wanted else list(names)


def picture_file(name: str, printed: str) -> str:
    """Where a lesson's picture goes in the site, from the path the lesson printed."""
    return f"lessons/{name}/{Path(printed).name}"


def short_title(title: str) -> str:
    """A lesson's title up to its colon, for the nav.

    >>> short_title("The chain rule: multiply along each path")
    'The chain rule'
    """
    head, colon, _ = title.partition(":")
    return head.strip() if colon and head.strip() else title.rstrip(".")


def docstring_of(source: str) -> tuple[str, str]:
    """A lesson script's docstring: its first line (the title) and the rest."""
    doc = (ast.get_docstring(ast.parse(source)) or "").strip()
    title, _, rest = doc.partition("\n")
    return title.strip(), rest.strip()


def lesson_page(number: int, run: LessonRun, source: str, *, quick: bool = False) -> str:
    """The page of one lesson: what it is about, what it printed with its pictures, its code.

    The output is shown exactly as printed, cut after each line that names a
    picture, with that picture below it.
    """
    title, about = docstring_of(source)
    command = f"autograd-lite lesson {run.name}" + (" --quick" if quick else "")
    nav_title = json.dumps(f"{number}. {short_title(title)}")  # JSON's string is YAML's too
    parts = [
        f"---\ntitle: {nav_title}\nhide:\n  - toc\n---\n",
        f"# {number}. {escape(title)}\n",
        about + "\n" if about else "",
        "## What it prints\n",
        f"What `{command}` printed when this site was built, as it printed it; each "
        "picture follows the line that names it.\n",
    ]
    chunk: list[str] = []
    for line in run.output.splitlines():
        chunk.append(line)
        printed = line[len(PICTURE_PREFIX) :] if line.startswith(PICTURE_PREFIX) else None
        if printed is not None and printed in run.pictures:
            parts.append(fence("\n".join(chunk)))
            chunk = []
            target = quote(Path(picture_file(run.name, printed)).relative_to("lessons").as_posix())
            parts.append(f"![{escape(Path(printed).name)}]({target}){{ .lesson-picture }}\n")
    if any(line.strip() for line in chunk):
        parts.append(fence("\n".join(chunk)))
    parts += [f"## The code: `examples/{run.name}.py`\n", fence(source, "python")]
    return "\n".join(part for part in parts if part)


def lessons_index(runs: Sequence[LessonRun], titles: dict[str, str]) -> str:
    """The lessons' front page: each lesson, in order, with its main picture."""
    lines = [
        "# Lessons",
        "",
        "Each lesson turns one idea of backpropagation into a short program that prints "
        "what it shows, number by number, and draws it. Take them in this order: each "
        "builds on the ones before. Every page below was made by running the lesson "
        "while this site was built.",
        "",
        '<div class="grid cards lessons" markdown>',
        "",
    ]
    for number, run in enumerate(runs, start=1):
        title = titles[run.name]
        head = f"{number}. {escape(short_title(title))}"
        rest = title.partition(":")[2].strip() if ":" in title else ""
        card = f"- **[{head}]({run.name}.md)**" + (f"\n\n    {escape(rest)}" if rest else "")
        if run.pictures:
            first = quote(Path(picture_file(run.name, next(iter(run.pictures)))).name)
            card += f"\n\n    [![{escape(run.name)}]({run.name}/{first})]({run.name}.md)"
        lines += [card, ""]
    lines.append("</div>")
    return "\n".join(lines) + "\n"


# -- the API reference ---------------------------------------------------------------


def api_page(name: str) -> str:
    """The API page ``name`` of ``API``: mkdocstrings fills it in from the docstrings."""
    title, modules = API[name]
    blocks = [f"::: {module}" for module in modules]
    return f"# {title}\n\n" + "\n\n".join(blocks) + "\n"


def api_index() -> str:
    """The API reference's front page: its pages and the modules each shows."""
    rows = [
        f"| [{title}]({name}.md) | {', '.join(f'`{m}`' for m in modules)} |"
        for name, (title, modules) in API.items()
    ]
    return "\n".join(
        [
            "# API reference",
            "",
            "Every public name of the library, with its docstring, signature and "
            "examples, read from the source. The public names themselves are "
            "importable from `autograd_lite` and `visualize`.",
            "",
            "| page | modules |",
            "| --- | --- |",
            *rows,
            "",
        ]
    )


# -- the benchmarks ------------------------------------------------------------------


def exercises_page(readme: str) -> str:
    """README.md's Exercises section: the track, its commands and what each exercise asks."""
    return "# Exercises\n\n" + relink(section_of(readme, "Exercises"), README_TARGETS) + "\n"


def benchmarks_page(readme: str, results: dict[str, str]) -> str:
    """README.md's Benchmarks section, then each run behind it as printed.

    ``results`` maps a file name in ``benchmarks/results/`` to its text; its
    ``README.md`` says when and how the runs were made.
    """
    parts = ["# Benchmarks\n", relink(section_of(readme, "Benchmarks"), README_TARGETS) + "\n"]
    parts.append("## The runs behind these figures\n")
    about = results.get("README.md")
    if about is not None:
        body = sections(about, level=1)
        parts.append(relink("\n".join(text for _, text in body).strip(), README_TARGETS) + "\n")
    for file, text in sorted(results.items()):
        if file.endswith(".txt"):
            parts += [f"### `{file.replace('`', '')}`\n", fence(text)]
    return "\n".join(parts)


def read_results(folder: Path = RESULTS) -> dict[str, str]:
    """``benchmarks/results/``: file name -> text."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()}


# -- the playground ------------------------------------------------------------------


def playground_page(*, built: bool) -> str:
    """The page that leads to the playground (``site/playground/``), or says it is missing."""
    intro = (
        "# Playground\n\n"
        "Backpropagation you can touch, run in your browser by this same Python "
        "library: type an expression, move a number, and watch the value, every "
        "gradient and the backward pass change.\n"
    )
    if built:
        link = f"../{PLAYGROUND_DIR}/"
        return (
            intro
            + f'\n<p><a class="md-button md-button--primary" href="{link}">Open the playground</a>'
            "</p>\n\nIt runs entirely in the page, from files shipped with this site: "
            "nothing is sent anywhere.\n"
        )
    return (
        intro + '\n!!! note "Not in this build"\n'
        "    This copy of the site was built without the playground: "
        f"`tools/{PLAYGROUND_BUILDER.name}`, which builds it, is not in this source tree "
        "yet. `tools/site build` adds it to the site once it is.\n"
    )
