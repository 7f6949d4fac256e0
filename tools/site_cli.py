"""``tools/site``: build the documentation site, check its links, serve it on 127.0.0.1.

    tools/site build [--out DIR] [--quick] [--lessons A,B]  # MkDocs (strict), playground, links
    tools/site serve [--port N] [--dir DIR]  # http://127.0.0.1:N/ until Ctrl-C
    tools/site check [--dir DIR]             # the link check alone

``build`` runs ``mkdocs build --strict`` with mkdocs.yml (its hook,
``tools/site_hooks.py``, runs every lesson), then, when the source tree has it,
``python tools/build_playground.py DIR/playground``, then checks every link
and every file a page loads in the finished site. It needs the ``docs``
extra (``pip install -e ".[docs]"``) and no network. A dev tool, not part of
the installed package.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import posixpath
import subprocess
import sys
import time
from collections.abc import Sequence
from html.parser import HTMLParser
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
CONFIG = ROOT / "mkdocs.yml"
PLAYGROUND_BUILDER = ROOT / "tools" / "build_playground.py"
#: The only address the server binds: the site is for the person at this machine.
HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: A page larger than this is not read by the link check (it says which, and fails).
MAX_PAGE_BYTES = 50_000_000
#: Attributes whose value is a URL the browser follows or loads.
URL_ATTRIBUTES = {"href", "src", "poster", "data"}
#: Which of them load something into the page (the rest are links a reader clicks).
LOADS = {("img", "src"), ("script", "src"), ("link", "href"), ("iframe", "src"),
         ("source", "src"), ("video", "src"), ("video", "poster"), ("audio", "src"),
         ("embed", "src"), ("object", "data")}  # fmt: skip


class SiteError(RuntimeError):
    """The site could not be built, or is broken; the message says how."""


# -- the link check -------------------------------------------------------------------


class _Page(HTMLParser):
    """The ids of one HTML page and the URLs it links to or loads."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            if name in URL_ATTRIBUTES:
                self.urls.append((tag, name, value))
            if name == "srcset":
                for candidate in value.split(","):
                    if candidate.strip():
                        self.urls.append((tag, "src", candidate.split()[0]))


def _target(site: Path, page: Path, url: str) -> tuple[Path, str] | None:
    """The file (and fragment) that ``url`` on ``page`` names in ``site``; None if external."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if not path:
        return page, parts.fragment
    base = "/" if path.startswith("/") else "/" + page.parent.relative_to(site).as_posix()
    joined = posixpath.normpath(posixpath.join(base, path))
    file = site / joined.lstrip("/")
    if path.endswith("/") or file.is_dir():
        file = file / "index.html"
    return file, parts.fragment


def check_links(site: Path) -> list[str]:
    """Every broken link in ``site``: a file that is not there, an anchor no page has.

    Also reports any file a page *loads* from another origin (a script, a
    stylesheet, a picture): the site must work offline. Links a reader clicks
    may leave the site. Returns one line per problem; empty when all is well.
    """
    if not (site / "index.html").is_file():
        return [f"{site} has no index.html: build the site first (tools/site build)"]
    pages: dict[Path, _Page] = {}
    problems: list[str] = []
    for file in sorted(site.rglob("*.html")):
        if not file.is_file():  # a folder or a FIFO named .html: nothing a browser reads
            problems.append(f"{file.relative_to(site)}: not a regular file")
            continue
        if file.stat().st_size > MAX_PAGE_BYTES:
            problems.append(f"{file.relative_to(site)}: larger than {MAX_PAGE_BYTES:,} bytes")
            continue
        parser = _Page()
        parser.feed(file.read_text(encoding="utf-8", errors="replace"))
        pages[file.resolve()] = parser
    for file, parser in pages.items():
        where = file.relative_to(site.resolve())
        for tag, attribute, url in parser.urls:
            if url.startswith(("mailto:", "javascript:", "data:", "blob:")) or url == "#":
                continue
            found = _target(site.resolve(), file, url)
            if found is None:
                if (tag, attribute) in LOADS:
                    problems.append(f"{where}: loads {url} from outside the site")
                continue
            target, fragment = found
            if not target.resolve().is_relative_to(site.resolve()):
                problems.append(f"{where}: {url} leads outside the site")
            elif not target.is_file():
                problems.append(f"{where}: {url}: no such file")
            elif fragment and target.suffix == ".html":
                other = pages.get(target.resolve())
                if other is not None and fragment not in other.ids:
                    problems.append(f"{where}: {url}: no anchor #{fragment} there")
    return problems


# -- build ----------------------------------------------------------------------------


def check_out(out: Path) -> None:
    """``SiteError`` unless ``out`` may be emptied and filled: new, empty, or a built site.

    MkDocs empties the folder it builds into, so a folder of anything else
    (the source tree, a typo for another folder) is refused before it starts.
    """
    if out.exists() and not out.is_dir():
        raise SiteError(f"--out {out} is a file, not a folder")
    if ROOT.resolve().is_relative_to(out.resolve()):
        raise SiteError(f"--out {out} holds the source tree; choose a folder of its own")
    if out.is_dir() and any(out.iterdir()):
        built = (out / "index.html").is_file() and (out / "sitemap.xml").is_file()
        if not built:
            raise SiteError(
                f"--out {out} is not empty and holds no site built before: the build "
                "empties its folder, so choose a new or empty one"
            )


def build(out: Path, *, quick: bool = False, lessons: str = "") -> float:
    """Build the site into ``out``; its time in seconds. ``SiteError`` if anything fails."""
    check_out(out)
    if lessons:  # a typo is named now, not after MkDocs has started
        sys.path.insert(0, str(ROOT))
        from tools.site_hooks import source_lessons
        from tools.site_pages import choose_lessons

        try:
            choose_lessons(source_lessons(), lessons)
        except ValueError as error:
            raise SiteError(f"--lessons: {error}") from None
    missing = [name for name in ("mkdocs", "material", "mkdocstrings") if not find_spec(name)]
    if missing:
        raise SiteError(
            f"{', '.join(missing)} not installed: install the docs extra first "
            '(pip install -e ".[docs]")'
        )
    started = time.perf_counter()
    env = dict(os.environ)
    env["AUTOGRAD_LITE_SITE_QUICK"] = "1" if quick else "0"
    env["AUTOGRAD_LITE_SITE_LESSONS"] = lessons
    # Material prints a notice about its own future on every build; mkdocs.yml says it.
    env["NO_MKDOCS_2_WARNING"] = "1"
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean",
               "--config-file", str(CONFIG), "--site-dir", str(out)]  # fmt: skip
    print("+", " ".join(command[1:]), flush=True)
    if subprocess.run(command, cwd=ROOT, env=env, check=False).returncode != 0:
        raise SiteError("mkdocs build failed (its messages are above)")
    if PLAYGROUND_BUILDER.is_file():
        command = [sys.executable, str(PLAYGROUND_BUILDER), str(out / "playground")]
        print("+", " ".join(command[1:]), flush=True)
        if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
            raise SiteError(f"{PLAYGROUND_BUILDER.name} failed (its messages are above)")
        if not (out / "playground" / "index.html").is_file():
            raise SiteError(f"{PLAYGROUND_BUILDER.name} wrote no playground/index.html")
    else:
        print(f"(no tools/{PLAYGROUND_BUILDER.name}: the site has no playground yet)")
    problems = check_links(out)
    if problems:
        shown = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise SiteError(f"{len(problems)} broken link(s) in {out}:\n  {shown}{more}")
    return time.perf_counter() - started


# -- serve ----------------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, with the types a WebAssembly page needs, and no caching."""

    extensions_map = {  # noqa: RUF012 - the base class declares it so
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
        ".whl": "application/zip",
    }

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.exists() and not (path.is_file() or path.is_dir()):  # a FIFO would block
            self.send_error(404, "Not a regular file")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def make_server(folder: Path, port: int) -> http.server.ThreadingHTTPServer:
    """A server of ``folder`` on 127.0.0.1:``port`` (0: a free port), not yet serving."""
    if not (folder / "index.html").is_file():
        raise SiteError(f"{folder} has no index.html: build the site first (tools/site build)")
    handler = functools.partial(_Handler, directory=str(folder))
    try:
        return http.server.ThreadingHTTPServer((HOST, port), handler)
    except OSError as error:
        raise SiteError(f"cannot serve on {HOST}:{port}: {error.strerror or error}") from None


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a port is a whole number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is between 0 and 65535, got {port}")
    return port


# -- the command line -----------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/site", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    make = commands.add_parser("build", help="build the site (strict, links checked)")
    make.add_argument("--out", type=Path, default=SITE, metavar="DIR", help="default: site/")
    make.add_argument("--quick", action="store_true", help="run the lessons with --quick")
    make.add_argument("--lessons", default="", metavar="A,B",
                      help="take only these lessons (a smaller site, for development)")  # fmt: skip
    serve = commands.add_parser("serve", help="serve the built site on 127.0.0.1")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, metavar="N",
                       help=f"default: {DEFAULT_PORT}; 0 picks a free port")  # fmt: skip
    serve.add_argument("--dir", type=Path, default=SITE, metavar="DIR", help="default: site/")
    check = commands.add_parser("check", help="check the links of a built site")
    check.add_argument("--dir", type=Path, default=SITE, metavar="DIR", help="default: site/")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            seconds = build(args.out.resolve(), quick=args.quick, lessons=args.lessons)
            print(f"built {args.out} in {seconds:.1f} s; serve it with: tools/site serve")
        elif args.command == "check":
            problems = check_links(args.dir)
            for problem in problems:
                print(problem)
            print(f"{len(problems)} broken link(s)" if problems else "every link resolves")
            return 1 if problems else 0
        else:
            server = make_server(args.dir, args.port)
            port = server.server_address[1]
            print(f"serving {args.dir} on http://{HOST}:{port}/ (Ctrl-C stops)", flush=True)
            with server:
                try:
                    server.serve_forever()
                except KeyboardInterrupt:
                    print("stopped")
    except SiteError as error:
        print(f"tools/site {args.command}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
