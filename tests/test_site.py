"""The documentation site: its generators, its link check, its server, and one real build.

The fast tests check the pieces (``tools/site_pages.py``, ``tools/site_cli.py``,
``tools/site_docstrings.py``) on small inputs; the slow one builds a small site
with ``tools/site build`` (two lessons, quick runs) and checks what a reader gets:
the pages exist, every link resolves, nothing is loaded from elsewhere, and a
lesson's page shows what the lesson prints when run.
"""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools import site_cli, site_docstrings, site_hooks, site_pages

ROOT = Path(__file__).resolve().parent.parent
SITE_COMMAND = ROOT / "tools" / "site"


def quick_start_commands() -> list[str]:
    """README's Quick start commands, read the way .ci/run reads them (its bash block)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Quick start", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


# -- the generators -------------------------------------------------------------------


@given(st.text(alphabet="`~ab\n", max_size=60), st.sampled_from(["text", "python"]))
def test_a_fence_is_longer_than_any_run_of_backticks_in_its_text(text: str, lang: str) -> None:
    block = site_pages.fence(text, lang)
    opening, *_, closing = block.rstrip("\n").splitlines()
    assert opening == closing + lang and set(closing) == {"`"}
    longest_inside = max((len(run) for run in re.findall(r"`+", text)), default=0)
    assert len(closing) > longest_inside and len(closing) >= 3


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_escaped_text_renders_as_itself(text: str) -> None:
    markdown = pytest.importorskip("markdown")  # comes with the docs extra
    text = text.strip()
    rendered = markdown.markdown(site_pages.escape(text), extensions=["tables", "attr_list"])
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert shown == text


def test_the_home_page_holds_readmes_quick_start_and_what_the_library_is() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    page = site_pages.home_page(readme)
    commands = quick_start_commands()
    assert len(commands) == 2
    for command in commands:
        assert command in page
    first_paragraph = readme.split("\n\n")[1]  # after the title: what the library is
    assert first_paragraph in page
    assert page.split("---\n")[2].lstrip().startswith("# autograd_lite")  # after the front matter


def test_a_readme_section_that_is_missing_is_named_with_the_ones_there() -> None:
    with pytest.raises(ValueError, match=r"no section '## Nowhere'.*'Quick start'"):
        site_pages.section_of("# t\n\n## Quick start\n\nx\n", "Nowhere")


def test_headings_inside_code_blocks_are_not_sections() -> None:
    text = "intro\n\n## A\n\n```bash\n## not a heading\n```\n\n## B\n\nb"
    assert [name for name, _ in site_pages.sections(text)] == ["", "A", "B"]
    assert "## not a heading" in site_pages.section_of(text, "A")


def test_readme_links_go_to_the_sites_pages_or_become_text() -> None:
    targets = {"docs/ARCHITECTURE.md": "ARCHITECTURE.md"}
    text = (
        "see [the map](docs/ARCHITECTURE.md#how-data-flows), [ops](autograd_lite/ops.py), "
        "[below](#benchmarks) and [the web](https://example.org/x)"
    )
    assert site_pages.relink(text, targets) == (
        "see [the map](ARCHITECTURE.md#how-data-flows), ops, below and [the web](https://example.org/x)"
    )
    with pytest.raises(ValueError, match=r"picture 'docs/graph\.png' is not on the site"):
        site_pages.relink("![g](docs/graph.png)", targets)


def _run(output: str, pictures: dict[str, bytes]) -> site_pages.LessonRun:
    return site_pages.LessonRun("demo", output, pictures, 0.0)


def _printed(page: str) -> str:
    """The text of a page's ``text`` code blocks, joined: what the lesson printed."""
    blocks = re.findall(r"^(`{3,})text\n(.*?)\n\1$", page, re.S | re.M)
    return "\n".join(body for _, body in blocks)


def test_a_lesson_page_shows_the_output_as_printed_with_each_picture_after_its_line() -> None:
    output = (
        "Lesson demo: A demo\n===\n```odd``` line *not emphasis*\n"
        "  picture: autograd_lite_output/demo/a.png\nbetween\n"
        "  picture: autograd_lite_output/demo/b c.png\n"
        "\n2 picture(s) in autograd_lite_output/demo/\n"
    )
    folder = "autograd_lite_output/demo"
    run = _run(output, {f"{folder}/a.png": b"A", f"{folder}/b c.png": b"B"})
    source = '"""A demo: of the page.\n\nMore words."""\nprint(1)\n'
    page = site_pages.lesson_page(3, run, source)
    assert page.startswith('---\ntitle: "3. A demo"\n')
    assert "# 3. A demo: of the page\\." in page and "More words." in page
    assert _printed(page) == output.rstrip("\n")
    a, b, code = page.index("(demo/a.png)"), page.index("(demo/b%20c.png)"), page.index("print(1)")
    assert page.index(f"picture: {folder}/a.png") < a < page.index("between") < b < code
    assert site_pages.picture_file("demo", f"{folder}/a.png") == "lessons/demo/a.png"


LESSONS_THAT_FAIL = {
    "crash": "def main(argv):\n    raise RuntimeError('the lesson broke')\n",
    "liar": "def main(argv):\n    print('  picture: ../../../etc/passwd')\n",
    "hang": "import time\n\ndef main(argv):\n    time.sleep(60)\n",
}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("crash", r"lesson crash exited with 1:\n(.|\n)*RuntimeError: the lesson broke"),
        ("liar", r"lesson liar names a picture it did not write: \.\./\.\./\.\./etc/passwd"),
        ("hang", r"lesson hang took more than 3 s"),
    ],
)
def test_a_lesson_that_fails_stops_the_build_with_what_went_wrong(
    name: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "_lesson.py").write_text("", encoding="utf-8")
    (tmp_path / f"{name}.py").write_text(LESSONS_THAT_FAIL[name], encoding="utf-8")
    monkeypatch.setattr(site_pages, "EXAMPLES", tmp_path)
    with pytest.raises(site_pages.LessonFailedError, match=message):
        site_pages.run_lesson(name, timeout=3)


def test_lessons_run_slowest_first_and_come_back_in_teaching_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[str] = []

    def fake(name: str, *, quick: bool = False) -> site_pages.LessonRun:
        started.append(name)
        return _run(name, {})

    monkeypatch.setattr(site_pages, "run_lesson", fake)
    names = ["five_steps", "regularization", "toast_robot", "digits"]
    runs = site_pages.run_lessons(names, workers=1, log=lambda _: None)
    assert [run.output for run in runs] == names
    assert started == ["digits", "regularization", "five_steps", "toast_robot"]


def test_the_lessons_index_lists_them_in_order_with_their_main_pictures() -> None:
    runs = [_run("x", {"out/one.png": b""}), site_pages.LessonRun("other", "y", {}, 0.0)]
    titles = {"demo": "Demo: first", "other": "Other things"}
    page = site_pages.lessons_index(runs, titles)
    assert page.index("[1. Demo](demo.md)") < page.index("[2. Other things](other.md)")
    assert "(demo/one.png)" in page


def test_every_api_page_names_modules_that_exist() -> None:
    for name in site_pages.API:
        page = site_pages.api_page(name)
        modules = re.findall(r"^::: (\S+)$", page, re.M)
        assert modules and all(find_spec(module) for module in modules), name


def test_the_benchmark_page_holds_each_run_as_printed() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    results = site_pages.read_results()
    page = site_pages.benchmarks_page(readme, results)
    for file, text in results.items():
        if file.endswith(".txt"):
            assert text.rstrip() in page, file
    assert "| `bench_engine.py`" in page  # README's table


def test_the_exercises_page_is_readmes_section_with_every_exercise() -> None:
    from autograd_lite.exercises import names

    page = site_pages.exercises_page((ROOT / "README.md").read_text(encoding="utf-8"))
    assert page.startswith("# Exercises\n")
    assert "autograd-lite check backward" in page
    assert all(f"`{name}`" in page for name in names())


def test_the_playground_page_says_whether_this_build_has_it() -> None:
    assert 'href="../playground/"' in site_pages.playground_page(built=True)
    missing = site_pages.playground_page(built=False)
    assert "href" not in missing and "without the playground" in missing


def test_doctest_examples_become_code_blocks_for_the_api_reference() -> None:
    doc = "Pick one::\n\n    a -> b\n\n>>> xs = [1, 2]\n>>> xs[0]\n1\n\nThen [this]."
    assert site_docstrings.fence_doctests(doc).splitlines() == [
        "Pick one:",
        "",
        "    a -> b",
        "",
        "```pycon",
        ">>> xs = [1, 2]",
        ">>> xs[0]",
        "1",
        "```",
        "",
        "Then [this].",
    ]


def test_the_hook_refuses_a_nav_without_the_section_it_fills() -> None:
    nav: list[object] = [{"Home": "index.md"}, {"Lessons": "lessons/index.md"}]
    site_hooks._expand(nav, "Lessons", ["lessons/a.md"])
    assert nav[1] == {"Lessons": ["lessons/index.md", "lessons/a.md"]}
    with pytest.raises(ValueError, match=r"no entry 'API reference: PAGE\.md'"):
        site_hooks._expand(nav, "API reference", [])


def test_the_hook_refuses_an_unknown_lesson(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(site_hooks.ONLY, "toast_robot, no_such_lesson")
    with pytest.raises(ValueError, match="no lesson named no_such_lesson; choose from five_steps"):
        site_hooks.lesson_names()
    monkeypatch.setenv(site_hooks.ONLY, "newton,toast_robot")
    monkeypatch.delenv("AUTOGRAD_LITE_EXAMPLES", raising=False)
    assert site_hooks.lesson_names() == ["toast_robot", "newton"]  # teaching order
    assert "AUTOGRAD_LITE_EXAMPLES" not in os.environ  # the source tree's, for that call only


def test_build_names_an_unknown_lesson_before_it_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["build", "--lessons", "toast_robot,toast", "--out", str(tmp_path / "out")]
    assert site_cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "tools/site build: --lessons: no lesson named toast; choose from five_steps" in err
    assert not (tmp_path / "out").exists()


def test_the_site_tools_import_without_the_docs_extra() -> None:
    code = (
        "import sys\n"
        "for name in ('mkdocs', 'griffe', 'material', 'mkdocstrings'): sys.modules[name] = None\n"
        "import tools.site_hooks, tools.site_docstrings, tools.site_cli\n"
        "sys.exit(tools.site_cli.main(['build', '--out', 'unused']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1
    assert 'not installed: install the docs extra first (pip install -e ".[docs]")' in done.stderr


# -- the link check ---------------------------------------------------------------------


def _page(folder: Path, path: str, body: str) -> None:
    file = folder / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(f"<!doctype html><html><body>{body}</body></html>", encoding="utf-8")


def test_the_link_check_passes_a_sound_site(tmp_path: Path) -> None:
    _page(tmp_path, "index.html", '<a href="a/">a</a> <a href="a/#part">part</a> <img src="p.png">'
          '<a href="https://example.org/">out</a> <a href="#top" id="top">top</a>')  # fmt: skip
    _page(tmp_path, "a/index.html", '<h2 id="part">x</h2><a href="../">up</a><a href="/a/">me</a>')
    (tmp_path / "p.png").write_bytes(b"")
    assert site_cli.check_links(tmp_path) == []


def test_the_link_check_names_each_broken_link(tmp_path: Path) -> None:
    _page(tmp_path, "index.html", '<a href="gone/">g</a><a href="a/#nothere">n</a>'
          '<script src="https://cdn.example.org/x.js"></script><a href="../../etc/passwd">p</a>'
          '<img srcset="p.png 1x, q.png 2x">')  # fmt: skip
    _page(tmp_path, "a/index.html", "")
    (tmp_path / "p.png").write_bytes(b"")
    assert sorted(site_cli.check_links(tmp_path)) == [
        "index.html: ../../etc/passwd: no such file",  # as in a browser: no higher than /
        "index.html: a/#nothere: no anchor #nothere there",
        "index.html: gone/: no such file",
        "index.html: loads https://cdn.example.org/x.js from outside the site",
        "index.html: q.png: no such file",
    ]


def test_the_link_check_of_an_empty_folder_says_to_build_first(tmp_path: Path) -> None:
    assert site_cli.check_links(tmp_path) == [
        f"{tmp_path} has no index.html: build the site first (tools/site build)"
    ]


def test_the_link_check_reports_a_fifo_instead_of_waiting_on_it(tmp_path: Path) -> None:
    _page(tmp_path, "index.html", "")
    os.mkfifo(tmp_path / "pipe.html")
    assert site_cli.check_links(tmp_path) == ["pipe.html: not a regular file"]


def test_build_refuses_a_folder_it_would_wrongly_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(site_cli.SiteError, match="not empty and holds no site built before"):
        site_cli.check_out(tmp_path)
    with pytest.raises(site_cli.SiteError, match="holds the source tree"):
        site_cli.check_out(ROOT)
    with pytest.raises(site_cli.SiteError, match="is a file, not a folder"):
        site_cli.check_out(tmp_path / "notes.txt")
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    site_cli.check_out(tmp_path / "new")  # a new folder, an empty one, or a built site: fine
    (tmp_path / "old").mkdir()
    for name in ("index.html", "sitemap.xml"):
        (tmp_path / "old" / name).write_text("", encoding="utf-8")
    site_cli.check_out(tmp_path / "old")


# -- serving --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """``tools/site serve --port <free port> --dir folder``, stopped at the end."""
    port = free_port()
    command = [str(SITE_COMMAND), "serve", "--port", str(port), "--dir", str(folder)]
    env = {**os.environ, "PYTHON": sys.executable}
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith(f"serving {folder} on http://127.0.0.1:{port}/"), line
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)


def fetch(url: str) -> tuple[int, str, str]:
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                body = answer.read().decode("utf-8")
                return answer.status, answer.headers.get("Content-Type", ""), body
        except ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_serve_serves_the_folder_on_127_0_0_1(tmp_path: Path) -> None:
    _page(tmp_path, "index.html", "<p>home of the site</p>")
    (tmp_path / "m.wasm").write_bytes(b"\0asm")
    with serving(tmp_path) as url:
        status, _, body = fetch(url)
        assert status == 200 and "home of the site" in body
        with urllib.request.urlopen(url + "m.wasm", timeout=5) as answer:
            assert answer.headers["Content-Type"] == "application/wasm"
        os.mkfifo(tmp_path / "pipe")
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(url + "pipe", timeout=5)
        assert fetch(url)[0] == 200  # still serving


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["serve", "--port", "70000"], 2, "a port is between 0 and 65535, got 70000"),
        (["serve", "--port", "http"], 2, "a port is a whole number, got 'http'"),
        (["serve", "--dir", "{empty}"], 1, "has no index.html: build the site first"),
    ],
)
def test_serve_refuses_bad_input_with_a_message(
    argv: list[str], code: int, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [arg.replace("{empty}", str(tmp_path)) for arg in argv]
    if code == 2:
        with pytest.raises(SystemExit) as exit_:
            site_cli.main(argv)
        assert exit_.value.code == 2
    else:
        assert site_cli.main(argv) == code
    assert message in capsys.readouterr().err


# -- one real build ---------------------------------------------------------------------

needs_docs = pytest.mark.skipif(
    find_spec("mkdocs") is None or find_spec("material") is None,
    reason='the docs extra is not installed (pip install -e ".[docs]")',
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    command = [str(SITE_COMMAND), "build", "--quick", "--lessons", "toast_robot,newton"]
    env = {**os.environ, "PYTHON": sys.executable}
    done = subprocess.run([*command, "--out", str(out)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def _text(page: Path) -> str:
    """A page's text, tags dropped and entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


@pytest.mark.slow
@needs_docs
def test_the_built_site_has_every_page_and_every_link_resolves(built: Path) -> None:
    for page in [
        "index.html",
        "lessons/index.html",
        "lessons/toast_robot/index.html",
        "lessons/newton/index.html",
        "play/index.html",
        "ARCHITECTURE/index.html",
        "benchmarks/index.html",
        "404.html",
        *(f"api/{name}/index.html" for name in site_pages.API),
    ]:
        assert (built / page).is_file(), page
    assert site_cli.check_links(built) == []  # also no file loaded from another origin
    home = _text(built / "index.html")
    assert all(command in home for command in quick_start_commands())
    engine = _text(built / "api" / "engine" / "index.html")
    assert "autograd_lite.engine" in engine and "topological_order" in engine
    architecture = _text(built / "ARCHITECTURE" / "index.html")
    assert "Architecture: a map of the code" in architecture
    assert (built / "ARCHITECTURE" / "architecture.png").is_file() or (
        built / "architecture.png"
    ).is_file()
    play = (built / "play" / "index.html").read_text(encoding="utf-8")
    if site_pages.PLAYGROUND_BUILDER.is_file():  # the playground is built into the site
        assert (built / "playground" / "index.html").is_file()
        assert 'href="../playground/"' in play
    else:
        assert "without the playground" in play
    lessons = (built / "lessons" / "index.html").read_text(encoding="utf-8")
    assert lessons.index("toast_robot/") < lessons.index("newton/")  # teaching order


@pytest.mark.slow
@needs_docs
def test_a_lesson_page_shows_what_the_lesson_prints(built: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        site_pages.lesson_command("toast_robot", quick=True),
        cwd=tmp_path,
        env=site_pages.lesson_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    page = (built / "lessons" / "toast_robot" / "index.html").read_text(encoding="utf-8")
    shown = page.split('id="what-it-prints"', 1)[1].split('id="the-code', 1)[0]
    blocks = re.findall(r"<pre[^>]*>(.*?)</pre>", shown, re.S)
    texts = [html.unescape(re.sub(r"<[^>]+>", "", block)).rstrip("\n") for block in blocks]
    printed = "\n".join(texts)
    assert printed == done.stdout.rstrip("\n")
    assert printed.startswith("Lesson toast_robot: ") and printed.count("\n") > 10  # not empty
    pictures = re.findall(r'<img[^>]+src="([^"]+\.png)"', shown)
    assert pictures == ["error_and_weight.png"]
    picture = built / "lessons" / "toast_robot" / "error_and_weight.png"
    assert picture.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
@needs_docs
def test_the_built_site_is_served(built: Path) -> None:
    with serving(built) as url:
        status, kind, body = fetch(url)
        assert status == 200 and kind.startswith("text/html")
        assert "autograd_lite" in body and "Quick start" in body
        status, _, _ = fetch(url + "lessons/toast_robot/")
        assert status == 200


@pytest.mark.slow
@pytest.mark.browser
@needs_docs
def test_the_site_in_a_browser_loads_nothing_from_elsewhere(built: Path) -> None:
    from tools.browser import headless_chromium, why_unavailable

    if why_unavailable() is not None:
        pytest.skip(str(why_unavailable()))
    with serving(built) as url, headless_chromium() as driver:
        for path in ["", "lessons/", "lessons/toast_robot/", "api/engine/", "benchmarks/", "play/"]:
            driver.get(url + path)
            script = "return performance.getEntriesByType('resource').map(e => e.name)"
            loaded: list[str] = driver.execute_script(script)
            assert loaded, path  # the theme's scripts and styles, at least
            assert [name for name in loaded if not name.startswith(url)] == [], path
            errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
            assert errors == [], path
            title = driver.execute_script("return document.querySelector('h1').textContent")
            assert title.strip(), path
