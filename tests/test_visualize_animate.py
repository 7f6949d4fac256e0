"""animate_backward: the frames, the page, and the page in a real headless browser.

The browser test drives Debian's chromium through chromedriver and Selenium
(never a downloaded browser) and is skipped, with the reason, when any of
them is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_visualize import _renderer_missing

from autograd_lite import Value
from tools.browser import headless_chromium, why_unavailable
from visualize import GraphTooLargeError, animate_backward, backward_steps
from visualize import animate as animate_module
from visualize.animate import DEFAULT_MAX_FRAMES
from visualize.renderer import LayoutTimeoutError

pytestmark = [
    pytest.mark.graphviz,
    pytest.mark.skipif(_renderer_missing() is not None, reason=str(_renderer_missing())),
]


def two_paths() -> tuple[Value, Value]:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x * y + x
    z.label = "z"
    return z, x


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    z, _ = two_paths()
    return animate_backward(z, tmp_path_factory.mktemp("anim") / "backward.html")


def _frames(html: str) -> list[str]:
    return html.split('<div class="frame"')[1:]


def test_one_frame_per_node_in_reverse_topological_order(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    frames = _frames(html)
    z, _ = two_paths()
    steps = backward_steps(z)
    assert len(frames) == 1 + len(steps) == 5
    highlighted = [re.search(r'data-node="(\w*)"', f).group(1) for f in frames]  # type: ignore[union-attr]
    assert highlighted == ["", *(f"v{s.node}" for s in steps)] == ["", "v3", "v2", "v1", "v0"]
    # gradients fill in: x has 1 of its 2 contributions after the first step, both after the second
    assert "grad so far 1.0000 (1 more to come)" in frames[1]
    assert "grad = 1.0000 + 3.0000 = 4.0000" in frames[2]
    assert "grad ?" in frames[0] and "grad ?" not in frames[-1]
    assert "Done: every gradient is in place." in frames[-1]


def test_page_is_self_contained_and_leaves_grad_alone(tmp_path: Path) -> None:
    z, x = two_paths()
    html = animate_backward(z, tmp_path / "b.html").read_text(encoding="utf-8")
    assert x.grad == 0.0
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from a network
    assert "<script src" not in html and "@import" not in html
    assert len(set(re.findall(r' id="([^"]+)"', html))) == len(re.findall(r' id="', html))


def test_every_frame_has_the_same_layout(page: Path) -> None:
    """Labels keep their size from frame to frame, so no node moves while stepping."""
    layouts = set()
    for frame in _frames(page.read_text(encoding="utf-8")):
        box = re.search(r'viewBox="([^"]+)"', frame)
        places = re.findall(r'<title>(v\d+|op\d+)</title>.*?(?:points|cx)="([^"]+)', frame, re.S)
        assert box is not None and len(places) == 6
        layouts.add((box.group(1), tuple(places)))
    assert len(layouts) == 1


def test_too_many_frames_are_refused(tmp_path: Path) -> None:
    y = Value(1.0)
    for _ in range(10):
        y = y * 1.5
    with pytest.raises(GraphTooLargeError):
        animate_backward(y, tmp_path / "big.html", max_frames=5)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
def test_page_in_headless_chromium(page: Path) -> None:
    from selenium.webdriver.common.by import By

    with headless_chromium() as driver:
        driver.get(page.resolve().as_uri())
        slider = driver.find_element(By.ID, "slider")
        frames = driver.find_elements(By.CSS_SELECTOR, ".frame")
        assert (slider.get_attribute("min"), slider.get_attribute("max")) == ("0", "4")
        assert len(frames) == 5

        def visible() -> tuple[int, str]:
            shown = [i for i, f in enumerate(frames) if f.is_displayed()]
            assert len(shown) == 1
            current = frames[shown[0]].find_elements(By.CSS_SELECTOR, "g.current title")
            return shown[0], current[0].get_attribute("textContent") if current else ""

        assert visible() == (0, "")
        seen = []
        for _ in range(4):
            driver.find_element(By.ID, "next").click()
            seen.append(visible())
        assert seen == [(1, "v3"), (2, "v2"), (3, "v1"), (4, "v0")]
        driver.find_element(By.ID, "next").click()  # stays on the last frame
        assert visible()[0] == 4
        driver.find_element(By.ID, "back").click()
        assert visible() == (3, "v1")
        driver.execute_script(
            "var s = document.getElementById('slider'); s.value = 2;"
            "s.dispatchEvent(new Event('input'));"
        )
        assert visible() == (2, "v2")
        driver.find_element(By.ID, "first").click()
        assert visible() == (0, "")
        assert "frame 0 of 4" in driver.find_element(By.ID, "counter").text
        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        assert errors == []


def a_long_chain() -> Value:
    """tanh(1.5 tanh(1.5 ... x)): a drawing several times wider than a 1280-pixel window."""
    y = Value(0.5, label="x")
    for _ in range(4):
        y = (y * 1.5).tanh()
    return y


#: What a learner reads at arm's length: the box of an edge label's line, in CSS pixels.
READABLE_LINE_PX = 12


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
def test_zoom_keeps_edge_labels_readable_at_1280_by_900(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page = animate_backward(a_long_chain(), tmp_path / "chain.html")
    measure = """
        var frame = Array.prototype.filter.call(
            document.querySelectorAll('.frame'), function (f) { return !f.hidden; })[0];
        var svg = frame.querySelector('svg'), view = document.getElementById('frames');
        var labels = Array.prototype.filter.call(frame.querySelectorAll('g.edge text'),
            function (t) { return t.textContent.trim() !== ''; });
        var node = frame.querySelector('g.current'), v = view.getBoundingClientRect();
        var r = node ? node.getBoundingClientRect() : v;
        return {
            label: Math.min.apply(null, labels.map(function (t) {
                return t.getBoundingClientRect().height; })),
            width: svg.getBoundingClientRect().width, natural: svg.width.baseVal.value,
            view: view.clientWidth, scroll: view.scrollWidth,
            fit: document.getElementById('fit').getAttribute('aria-pressed'),
            level: document.getElementById('zoom-level').textContent,
            inView: r.left >= v.left && r.right <= v.right && r.top >= v.top && r.bottom <= v.bottom
        };"""
    with headless_chromium(1280, 900) as driver:
        driver.get(page.resolve().as_uri())
        for _ in range(3):  # a step deep inside the chain: the view follows the current node
            driver.find_element(By.ID, "next").click()
        start = driver.execute_script(measure)
        assert start["natural"] > 3 * start["view"]  # fitting it would make labels ~4 px
        assert start["fit"] == "false" and start["label"] >= READABLE_LINE_PX, start
        assert start["inView"], "the current node is scrolled out of sight"
        assert start["level"].endswith("labels 12 px")  # the control says what it chose

        driver.find_element(By.ID, "fit").click()  # the whole drawing, small
        fit = driver.execute_script(measure)
        assert fit["fit"] == "true" and fit["width"] <= fit["view"] + 1
        assert fit["scroll"] <= fit["view"] + 1  # nothing left to scroll to
        assert fit["label"] < start["label"] / 2

        driver.find_element(By.ID, "zoom-in").click()
        bigger = driver.execute_script(measure)
        assert bigger["fit"] == "false"
        assert bigger["width"] == pytest.approx(1.25 * fit["width"], rel=0.01)
        driver.find_element(By.ID, "zoom-out").click()
        assert driver.execute_script(measure)["width"] == pytest.approx(fit["width"], rel=0.01)

        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys("1")  # actual size: the drawing as laid out
        actual = driver.execute_script(measure)
        assert actual["width"] == pytest.approx(actual["natural"], rel=0.01)
        assert actual["level"].startswith("100%,")
        body.send_keys(Keys.ARROW_RIGHT)  # stepping keeps the zoom
        assert driver.execute_script(measure)["width"] == pytest.approx(actual["natural"], rel=0.01)
        body.send_keys("0")
        assert driver.execute_script(measure)["fit"] == "true"
        driver.get("about:blank")  # a fresh load: a link can ask for the whole drawing
        driver.get(page.resolve().as_uri() + "#fit")
        assert driver.execute_script(measure)["fit"] == "true"
        driver.save_screenshot(str(tmp_path / "chain.png"))
        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        assert errors == []


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
def test_a_small_graph_is_readable_as_it_opens(page: Path) -> None:
    with headless_chromium(1280, 900) as driver:
        driver.get(page.resolve().as_uri())
        heights = driver.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('.frame')[0]"
            ".querySelectorAll('g.edge text'), function (t) {"
            " return t.getBoundingClientRect().height; });"
        )
        assert heights and min(heights) >= READABLE_LINE_PX


def a_neuron() -> Value:
    """tanh(x1*w1 + x2*w2 + b): about twice as wide as a 1280-pixel window at a readable size."""
    x1, w1, x2, w2, b = (
        Value(v, label=n)
        for v, n in [(2.0, "x1"), (-3.0, "w1"), (0.0, "x2"), (1.0, "w2"), (6.88, "b")]
    )
    return (x1 * w1 + x2 * w2 + b).tanh()


def a_wide_sum() -> Value:
    """One operation with twelve inputs: its step sends gradients to a tall column of nodes."""
    from autograd_lite import functional as F

    return F.sum(Value(float(k), label=f"x{k}") * 2.0 for k in range(12)).tanh()


def _focus_titles(root: Value) -> list[list[str]]:
    """What each frame is about: the output first; then each node and the inputs it sends to."""
    from visualize.graph import Analysis

    a = Analysis(root)
    return [[f"v{a.root}"]] + [
        [f"v{s.node}"] + [f"v{c.parent}" for c in s.contributions] for s in a.steps
    ]


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
@pytest.mark.parametrize("make", [a_neuron, a_wide_sum, a_long_chain])
def test_every_frame_opens_with_its_node_and_the_inputs_it_sends_to_in_view(
    make: object, tmp_path: Path
) -> None:
    assert callable(make)
    root = make()
    page = animate_backward(root, tmp_path / "page.html")
    measure = """
        var titles = arguments[0];
        var frame = Array.prototype.filter.call(
            document.querySelectorAll('.frame'), function (f) { return !f.hidden; })[0];
        var view = document.getElementById('frames'), v = view.getBoundingClientRect();
        var caption = frame.querySelector('.caption').getBoundingClientRect();
        var fit = document.getElementById('fit').getAttribute('aria-pressed') === 'true';
        var top = fit ? v.top : caption.bottom;  // zoomed: the caption floats over the top
        var out = Array.prototype.filter.call(frame.querySelectorAll('g.node'), function (g) {
            return titles.indexOf(g.querySelector('title').textContent) >= 0;
        }).filter(function (g) {
            var r = g.getBoundingClientRect();
            return r.left < v.left - 1 || r.right > v.left + view.clientWidth + 1 ||
                r.top < top - 1 || r.bottom > Math.min(v.top + view.clientHeight,
                                                       window.innerHeight) + 1;
        }).map(function (g) { return g.querySelector('title').textContent; });
        var labels = Array.prototype.filter.call(frame.querySelectorAll('g.edge text'),
            function (t) { return t.textContent.trim() !== ''; }).map(function (t) {
                return t.getBoundingClientRect().height; });
        return {out: out, label: labels.length ? Math.min.apply(null, labels) : null,
                captionIn: caption.left >= v.left - 1 && caption.right <= v.right + 1,
                level: document.getElementById('zoom-level').textContent};"""
    with headless_chromium(1280, 800) as driver:
        driver.get(page.resolve().as_uri())  # as it opens: no zooming by hand
        for k, titles in enumerate(_focus_titles(root)):
            driver.execute_script(
                "var s = document.getElementById('slider'); s.value = arguments[0];"
                "s.dispatchEvent(new Event('input'));",
                k,
            )
            # twelve inputs in a column do not fit 800 pixels at a readable size: the node
            # being processed stays in sight, and the labels readable
            wanted = titles[:1] if make is a_wide_sum else titles
            seen = driver.execute_script(measure, wanted)
            assert seen["out"] == [], f"frame {k}: {seen['out']} out of sight ({seen['level']})"
            assert seen["captionIn"], f"frame {k}: the caption slides out of the view"
            if seen["label"] is not None:
                assert seen["label"] >= READABLE_LINE_PX, (k, seen)
        if make is a_neuron:
            driver.save_screenshot(str(tmp_path / "neuron.png"))
        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        assert errors == []


# -- bounded work: frames, page size and time ---------------------------------------------


def _chain(n: int) -> Value:
    y = Value(1.0, label="x")
    for _ in range(n):
        y = y * 1.01
    return y


def test_the_default_frame_limit_refuses_before_any_layout(tmp_path: Path) -> None:
    root = _chain(DEFAULT_MAX_FRAMES)  # 2n + 1 values: far more frames than the limit
    with pytest.raises(GraphTooLargeError, match=f"max_frames={DEFAULT_MAX_FRAMES}"):
        animate_backward(root, tmp_path / "big.html")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["a.png", "a.svg", "a", "a.html.txt"])
def test_a_page_must_be_named_html(tmp_path: Path, name: str) -> None:
    z, _ = two_paths()
    with pytest.raises(ValueError, match=r"name it \.html"):
        animate_backward(z, tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_a_page_too_large_is_refused_after_one_frame_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(animate_module, "MAX_PAGE_BYTES", 20_000)
    page = tmp_path / "b.html"
    page.write_text("the old page", encoding="utf-8")
    with pytest.raises(GraphTooLargeError, match=r"more than 0\.02 MB"):
        animate_backward(_chain(5), page)
    assert page.read_text(encoding="utf-8") == "the old page"  # left as it was
    assert [p.name for p in tmp_path.iterdir()] == ["b.html"]  # no partial page behind


def test_a_page_that_cannot_finish_in_time_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LayoutTimeoutError, match="allow more time"):
        animate_backward(_chain(5), tmp_path / "b.html", timeout=1e-6)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("timeout", [0, -1.0, float("nan"), float("inf"), "10", True])
def test_a_bad_timeout_is_named(tmp_path: Path, timeout: object) -> None:
    z, _ = two_paths()
    with pytest.raises((TypeError, ValueError), match="timeout"):
        animate_backward(z, tmp_path / "b.html", timeout=timeout)  # type: ignore[arg-type]


def test_labels_with_control_characters_are_shown_escaped(tmp_path: Path) -> None:
    x = Value(2.0, label="x\x01\x1b[31m\ud800")
    y = x * x
    y.label = "caption\n<b>"
    html = animate_backward(y, tmp_path / "b.html").read_text(encoding="utf-8")
    assert "x\\x01\\x1b[31m\\ud800" in html
    assert "caption\\n&lt;b&gt;" in html
    assert not any(ch in html for ch in "\x01\x1b")
