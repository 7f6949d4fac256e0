"""MkDocs hooks (``hooks:`` in mkdocs.yml): the generated pages join docs/'s files.

``on_config`` fills in the nav's Lessons and API reference sections (the
lessons in ``autograd_lite.lessons``' order, the pages of
``site_pages.API``); ``on_files`` adds the pages ``site_pages`` makes,
running every lesson, in parallel, to get its output and pictures.

Two environment variables make a smaller site, for development and the tests:
``AUTOGRAD_LITE_SITE_QUICK=1`` runs the lessons with ``--quick`` (a smaller run
that makes the same point: ``tools/site build --quick``), and
``AUTOGRAD_LITE_SITE_LESSONS=a,b`` takes only those lessons
(``tools/site build --lessons a,b``).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # MkDocs (the docs extra) loads this module; the tests import it without
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the source tree first

from autograd_lite import lessons
from tools import site_pages

log = logging.getLogger("mkdocs.hooks.autograd_lite")

#: The environment variable that makes the lessons' runs quick.
QUICK = "AUTOGRAD_LITE_SITE_QUICK"
#: The environment variable that names the only lessons to take (comma-separated).
ONLY = "AUTOGRAD_LITE_SITE_LESSONS"


def quick() -> bool:
    """Whether this build runs the lessons with ``--quick``."""
    return os.environ.get(QUICK, "") not in ("", "0")


def source_lessons() -> list[str]:
    """Every lesson of this source tree (not of an installed copy), in teaching order."""
    saved = os.environ.get(lessons.ENV_VAR)
    os.environ[lessons.ENV_VAR] = str(site_pages.EXAMPLES)
    try:
        return lessons.lesson_names()
    finally:
        if saved is None:
            del os.environ[lessons.ENV_VAR]
        else:
            os.environ[lessons.ENV_VAR] = saved


def lesson_names() -> list[str]:
    """The lessons this build takes (``ONLY``, or all of them), in teaching order."""
    return site_pages.choose_lessons(source_lessons(), os.environ.get(ONLY, ""))


def _expand(nav: list[Any], section: str, pages: list[str]) -> None:
    """Replace ``section``'s one page in ``nav`` by that page followed by ``pages``."""
    for index, entry in enumerate(nav):
        if isinstance(entry, dict) and section in entry and isinstance(entry[section], str):
            nav[index] = {section: [entry[section], *pages]}
            return
    raise ValueError(f"mkdocs.yml's nav has no entry '{section}: PAGE.md' to fill in")


def _plugin_error(error: Exception) -> Exception:
    """``error`` as MkDocs' PluginError: MkDocs prints its message, not a traceback."""
    from mkdocs.exceptions import PluginError

    wrapped: Exception = PluginError(f"tools/site_hooks.py: {error}")  # Any without the docs extra
    return wrapped


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    try:
        return _fill_nav(config)
    except (ValueError, FileNotFoundError) as error:
        raise _plugin_error(error) from error


def on_files(files: Files, config: MkDocsConfig) -> Files:
    try:
        return _add_pages(files, config)
    except (ValueError, OSError, site_pages.LessonFailedError) as error:
        raise _plugin_error(error) from error


def _fill_nav(config: MkDocsConfig) -> MkDocsConfig:
    nav = config.nav
    if not isinstance(nav, list):
        raise ValueError("mkdocs.yml must list the site's pages in `nav`")
    _expand(nav, "Lessons", [f"lessons/{name}.md" for name in lesson_names()])
    _expand(nav, "API reference", [f"api/{name}.md" for name in site_pages.API])
    return config


def _add(files: Files, config: MkDocsConfig, uri: str, content: str | bytes) -> None:
    from mkdocs.structure.files import File, InclusionLevel

    files.append(File.generated(config, uri, content=content, inclusion=InclusionLevel.INCLUDED))


def _add_pages(files: Files, config: MkDocsConfig) -> Files:
    readme = site_pages.README.read_text(encoding="utf-8")
    _add(files, config, "index.md", site_pages.home_page(readme))
    results = site_pages.read_results()
    _add(files, config, "benchmarks.md", site_pages.benchmarks_page(readme, results))
    _add(files, config, "exercises.md", site_pages.exercises_page(readme))
    built = site_pages.PLAYGROUND_BUILDER.is_file()
    _add(files, config, site_pages.PLAYGROUND_PAGE, site_pages.playground_page(built=built))
    _add(files, config, "api/index.md", site_pages.api_index())
    for name in site_pages.API:
        _add(files, config, f"api/{name}.md", site_pages.api_page(name))

    names = lesson_names()
    started = time.perf_counter()
    runs = site_pages.run_lessons(names, quick=quick(), log=log.info)
    log.info(f"ran {len(runs)} lessons in {time.perf_counter() - started:.1f} s")
    titles: dict[str, str] = {}
    for number, run in enumerate(runs, start=1):
        source = (site_pages.EXAMPLES / f"{run.name}.py").read_text(encoding="utf-8")
        titles[run.name] = site_pages.docstring_of(source)[0]
        page = site_pages.lesson_page(number, run, source, quick=quick())
        _add(files, config, f"lessons/{run.name}.md", page)
        for printed, png in run.pictures.items():
            _add(files, config, site_pages.picture_file(run.name, printed), png)
    _add(files, config, "lessons/index.md", site_pages.lessons_index(runs, titles))
    return files
