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
