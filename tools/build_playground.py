"""Build the playground page into a folder: ``python tools/build_playground.py OUTDIR``.

OUTDIR receives everything the page needs, so that serving it over HTTP gives
a working playground that asks nothing of any other origin:

* ``index.html``, ``playground.js``, ``playground.css`` from ``playground/``;
* ``pyodide/``: the Pyodide runtime, from the npm package pinned in
  ``playground/package-lock.json`` (``npm ci`` installs it when missing);
* ``viz/viz.js``: Graphviz compiled to WebAssembly (``@viz-js/viz``, same lock);
* ``wheels/``: autograd_lite's wheel, built from this checkout, and the
  pure-Python wheels of the dependencies it declares for the browser
  (``sys_platform == "emscripten"``), fetched with pip once and kept in
  ``playground/.wheels`` (so that later builds need no network); ``wheels.json``
  lists them;
* ``pyodide-snapshot.bin``: Pyodide's memory after starting Python and importing
  what the first view needs, made with node (``playground/snapshot.mjs``); the
  page restores it instead of starting Python from nothing. Without node, the
  build leaves it out (and says so) and the page starts Python the slow way.

A development tool, not part of the installed package.
"""

from __future__ import annotations

import argparse
import contextlib
import email.parser
import functools
import http.server
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "playground"
PAGE_FILES = ("index.html", "playground.js", "playground.css")
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
#: Dependency wheels fetched by earlier builds (not in git): later builds work offline.
WHEEL_CACHE = SOURCE / ".wheels"
#: Pyodide's memory once the first view's modules are imported (see playground/snapshot.mjs).
SNAPSHOT = "pyodide-snapshot.bin"
#: The most seconds making the snapshot may take (node starts Pyodide: about 20 s when loaded).
SNAPSHOT_TIMEOUT_S = 300
#: The most dependency wheels followed (a loop in metadata would otherwise never end).
MAX_WHEELS = 40


class BuildError(RuntimeError):
    """A step of the build failed; the message says which and why."""


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = [line[:300] for line in (done.stderr or done.stdout).strip().splitlines()[-15:]]
        raise BuildError(f"{what} failed ({' '.join(cmd)}):\n" + "\n".join(tail))


def npm_packages() -> Path:
    """``playground/node_modules``, installed with ``npm ci`` from the lock file if needed."""
    modules = SOURCE / "node_modules"
    lock = json.loads((SOURCE / "package-lock.json").read_text(encoding="utf-8"))
    wanted = {
        name.removeprefix("node_modules/"): info["version"]
        for name, info in lock["packages"].items()
        if name.startswith("node_modules/")
    }

    def installed(name: str) -> str | None:
        manifest = modules / name / "package.json"
        if not manifest.is_file():
            return None
        return str(json.loads(manifest.read_text(encoding="utf-8")).get("version"))

    if any(installed(name) != version for name, version in wanted.items()):
        if shutil.which("npm") is None:
            raise BuildError(
                "npm is not installed: it fetches Pyodide and viz-js (apt install npm)"
            )
        _run(["npm", "ci", "--no-audit", "--no-fund"], SOURCE, "npm ci")
    return modules


def pyodide_environment(modules: Path) -> dict[str, str]:
    """The environment markers of the Python inside Pyodide (from its lock file)."""
    lock = json.loads((modules / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))
    full = str(lock["info"]["python"])
    return {
        "python_version": ".".join(full.split(".")[:2]),
        "python_full_version": full,
        "sys_platform": "emscripten",
        "platform_system": "Emscripten",
        "platform_machine": "wasm32",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_version": "",
        "implementation_version": full,
        "extra": "",
    }


def _requirements(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(z.read(name).decode("utf-8"))
    return meta.get_all("Requires-Dist") or []


def _pin(requirement: object) -> str:
    """``name==version`` of the installed version when it satisfies the requirement."""
    name: str = requirement.name  # type: ignore[attr-defined]
    try:
        version = metadata.version(name)
    except metadata.PackageNotFoundError:
        return str(requirement)
    if requirement.specifier.contains(version, prereleases=True):  # type: ignore[attr-defined]
        return f"{name}=={version}"
    return str(requirement)


def dependency_wheels(wheel: Path, env: dict[str, str], dest: Path) -> list[Path]:
    """The pure-Python wheels ``wheel`` needs in the browser, downloaded into ``dest``."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    found: list[Path] = []
    todo = [wheel]
    while todo:
        current = todo.pop()
        for text in _requirements(current):
            req = Requirement(text)
            key = canonicalize_name(req.name)
            if key in seen or (req.marker is not None and not req.marker.evaluate(env)):
                continue
            seen.add(key)
            if len(seen) > MAX_WHEELS:
                raise BuildError(f"more than {MAX_WHEELS} dependency wheels: is there a loop?")
            pin = _pin(req)
            got = _cached(key, pin)
            if got is None:  # not fetched before: ask the package index once
                WHEEL_CACHE.mkdir(exist_ok=True)
                before = set(WHEEL_CACHE.iterdir())
                _run(
                    [sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                     "--only-binary=:all:", "--platform", "any", "--implementation", "py",
                     "--abi", "none", "--python-version", env["python_version"],
                     "--dest", str(WHEEL_CACHE), pin],
                    ROOT,
                    f"downloading {req.name}",
                )  # fmt: skip
                new = [
                    p
                    for p in sorted(set(WHEEL_CACHE.iterdir()) - before)
                    if canonicalize_name(p.name.split("-")[0]) == key
                ]
                got = new[0] if new else _cached(key, pin)
            if got is None:
                raise BuildError(f"pip download gave no wheel for {req.name}")
            if not got.name.endswith("-none-any.whl"):
                raise BuildError(
                    f"{got.name} is not pure Python, so it cannot run in Pyodide: mark the "
                    "dependency sys_platform != 'emscripten' in pyproject.toml"
                )
            copied = Path(shutil.copy2(got, dest / got.name))
            found.append(copied)
            todo.append(copied)
    return found


def _cached(key: str, pin: str) -> Path | None:
    """A wheel fetched by an earlier build for ``pin`` (``name==version``), if any."""
    from packaging.utils import canonicalize_name

    _, exact, version = pin.partition("==")
    if not exact or not WHEEL_CACHE.is_dir():
        return None  # an unpinned requirement: let pip choose
    for wheel in sorted(WHEEL_CACHE.glob("*-none-any.whl")):
        parts = wheel.name.split("-")
        if canonicalize_name(parts[0]) == key and parts[1] == version:
            return wheel
    return None


def our_wheel(dest: Path) -> Path:
    """autograd_lite's wheel, built from this checkout (the wheel ``pip install`` builds)."""
    with tempfile.TemporaryDirectory(prefix="autograd-lite-wheel-") as tmp:
        _run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
             "--wheel-dir", tmp, str(ROOT)],
            ROOT,
            "building autograd_lite's wheel",
        )  # fmt: skip
        (built,) = Path(tmp).glob("autograd_lite-*.whl")
        return Path(shutil.copy2(built, dest / built.name))


def make_snapshot(site: Path) -> bool:
    """Write ``site/pyodide-snapshot.bin`` with node; False (and a note) without node."""
    node = shutil.which("node")
    if node is None:
        print("build_playground: node is not installed: no Pyodide snapshot, so the page "
              "starts Python from nothing (slower)", file=sys.stderr)  # fmt: skip
        return False
    try:
        done = subprocess.run(
            [node, str(SOURCE / "snapshot.mjs"), str(site)],
            cwd=SOURCE, capture_output=True, text=True, check=False, timeout=SNAPSHOT_TIMEOUT_S,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise BuildError(f"making the Pyodide snapshot took over {SNAPSHOT_TIMEOUT_S} s") from None
    if done.returncode != 0 or not (site / SNAPSHOT).is_file():
        tail = [line[:300] for line in (done.stderr or done.stdout).strip().splitlines()[-10:]]
        raise BuildError("making the Pyodide snapshot failed:\n" + "\n".join(tail))
    return True


def check_outdir(outdir: Path) -> Path:
    """``outdir`` resolved, if building may replace it: it is absent, empty, or a playground."""
    outdir = Path(outdir).resolve()
    if outdir == ROOT or ROOT.is_relative_to(outdir):
        raise BuildError(f"refusing to replace {outdir}: it holds the checkout")
    if outdir.exists() or outdir.is_symlink():
        if not outdir.is_dir() or outdir.is_symlink():
            raise BuildError(f"{outdir} exists and is not a folder: give a folder to build into")
        if any(outdir.iterdir()) and not (outdir / "wheels.json").is_file():
            raise BuildError(
                f"{outdir} is a folder that holds something other than a playground: "
                "refusing to replace it (give an empty or a new folder)"
            )
    return outdir


def build(outdir: Path) -> Path:
    """Build the whole playground into ``outdir`` (replaced if it exists); returns it."""
    outdir = check_outdir(outdir)
    modules = npm_packages()
    partial = outdir.with_name(f".{outdir.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "pyodide").mkdir(parents=True)
    (partial / "viz").mkdir()
    (partial / "wheels").mkdir()
    try:
        for name in PAGE_FILES:
            shutil.copy2(SOURCE / name, partial / name)
        for name in PYODIDE_FILES:
            shutil.copy2(modules / "pyodide" / name, partial / "pyodide" / name)
        shutil.copy2(modules / "@viz-js" / "viz" / "dist" / "viz.js", partial / "viz" / "viz.js")
        ours = our_wheel(partial / "wheels")
        deps = dependency_wheels(ours, pyodide_environment(modules), partial / "wheels")
        listing = {"wheels": [w.name for w in [*deps, ours]]}
        (partial / "wheels.json").write_text(json.dumps(listing, indent=1) + "\n", "utf-8")
        make_snapshot(partial)
        shutil.rmtree(outdir, ignore_errors=True)
        partial.rename(outdir)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return outdir


# -- serving and opening the built page (the tests, the benchmark, the screenshots) -------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012  (the base class's own attribute, widened)
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) while in the block; yields the page's URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


#: Chromium switch that makes every host but 127.0.0.1 unresolvable: a request that leaves
#: the page's origin fails, and shows in the console.
OWN_ORIGIN_ONLY = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


def _timeout_error() -> type[Exception]:
    from selenium.common.exceptions import TimeoutException

    return TimeoutException


def wait_for(driver: WebDriver, script: str, timeout: float, what: str) -> Any:
    """Poll ``script`` (JavaScript returning a value) until it is truthy; TimeoutError after."""
    driver.set_script_timeout(max(timeout, 1.0))
    deadline = time.monotonic() + timeout
    while True:
        try:
            got = driver.execute_script(script)
        except _timeout_error():  # the page's thread was busy in Python: ask again
            got = None
        if got:
            return got
        if time.monotonic() > deadline:
            error = driver.execute_script("return document.getElementById('error').textContent")
            raise TimeoutError(f"{what} took more than {timeout:g} s (error shown: {error!r})")
        time.sleep(0.05)


def wait_ready(driver: WebDriver, timeout: float = 300.0) -> None:
    """Wait until the page has loaded Python and drawn its first view."""
    wait_for(driver, "return document.body.dataset.ready === '1'", timeout, "loading the page")
    wait_idle(driver, timeout)


def wait_idle(driver: WebDriver, timeout: float = 60.0) -> None:
    """Wait until the page is not computing (``data-busy`` is gone)."""
    wait_for(driver, "return document.body.dataset.busy === undefined", timeout, "computing")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("outdir", type=Path, help="the folder to build the playground into")
    args = parser.parse_args(argv)
    try:
        out = build(args.outdir)
    except BuildError as error:
        print(f"build_playground: {error}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"playground built in {out} ({size / 1e6:.1f} MB); serve the folder over HTTP")
    return 0


if __name__ == "__main__":
    sys.exit(main())
