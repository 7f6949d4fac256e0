"""The playground: its Python side (visualize.playground) and the built page in a real browser.

The browser tests build the page with ``tools/build_playground.py`` (npm and
pip fetch Pyodide, viz-js and the dependency wheels), serve it on 127.0.0.1,
and drive Debian's headless chromium with every other host unresolvable, so a
request outside the page's origin fails. They are skipped, with the reason,
only when chromium, chromedriver or selenium is missing.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, grad
from autograd_lite.testing import expressions_with_inputs
from tools.browser import why_unavailable
from visualize.animate import BackwardFrames
from visualize.expr import FUNCTIONS, evaluate, variable_names
from visualize.graph import Analysis, backward_view_of, backward_views
from visualize.playground import (
    DEFAULT_STATE,
    MAX_QUERY,
    MAX_VIEW_VALUES,
    Playground,
    State,
    Trainer,
)

#: The operations the expression language has: the arithmetic rows and its named functions.
LANGUAGE_OPS = ["add", "sub", "mul", "div", "pow", "neg", *FUNCTIONS]


def engine(text: str, values: dict[str, float]) -> tuple[Value, dict[str, float]]:
    out, leaves = evaluate(text, values)
    gs = grad(out, list(leaves.values()))
    return out, dict(zip(leaves, gs, strict=True))


# -- the Python side -----------------------------------------------------------------


def test_default_view_is_the_lesson_neuron() -> None:
    shown = Playground().update({})
    out, gs = engine(DEFAULT_STATE.expr, DEFAULT_STATE.values)
    assert shown["error"] == ""
    assert shown["value_exact"] == repr(out.data)
    assert {n: float(g["exact"]) for n, g in shown["grads"].items()} == gs
    assert [v["name"] for v in shown["variables"]] == ["x", "w", "b"]
    assert [v["param"] for v in shown["variables"]] == [False, True, True]


@settings(max_examples=60)
@given(expressions_with_inputs(("x", "y"), ops=LANGUAGE_OPS))
def test_random_expressions_give_the_engines_value_and_gradients(sample: Any) -> None:
    text = str(sample.expression)
    shown = Playground().update({"expr": text, "values": sample.inputs})
    out, gs = engine(text, sample.inputs)
    assert shown["error"] == "", text
    assert shown["value_exact"] == repr(out.data)
    for name in variable_names(text):
        assert float(shown["grads"][name]["exact"]) == gs[name], (text, name)


def test_frames_are_animate_backwards_frames() -> None:
    pg = Playground()
    shown = pg.update({"expr": "x*x + x", "values": {"x": 2.0}, "params": []})
    out, _ = evaluate("x*x + x", {"x": 2.0})
    frames = BackwardFrames(Analysis(out))
    assert shown["frames"] == len(frames) == 4
    for k in range(len(frames)):
        got = pg.frame("main", k)
        assert (got["caption"], got["node"], got["dot"]) == (
            frames[k].caption,
            frames[k].node,
            frames[k].dot.source,
        )
    assert pg.frame("main", 99)["index"] == 3  # clamped, never an IndexError
    assert "Done: every gradient is in place." in pg.frame("main", 3)["caption"]
    top_down = pg.frame("main", 2, "TB")
    assert "rankdir=TB" in top_down["dot"] and top_down["caption"] == frames[2].caption
    with pytest.raises(ValueError, match="rankdir must be one of LR, TB"):
        pg.frame("main", 2, "RL")


@settings(max_examples=60)
@given(expressions_with_inputs(("x", "y"), ops=LANGUAGE_OPS))
def test_the_frames_views_built_step_by_step_are_each_frames_own(sample: Any) -> None:
    # BackwardFrames builds frame k from frame k - 1 (linear time, for the playground's edits):
    # each view must be the one backward_view_of draws for that frame alone.
    out, _ = evaluate(str(sample.expression), sample.inputs)
    a = Analysis(out)
    views = backward_views(a, highlight=True)
    assert len(views) == len(a.steps) + 1
    for k, view in enumerate(views):
        assert view == backward_view_of(a, k, highlight=True), (str(sample.expression), k)


def test_second_derivative_matches_create_graph() -> None:
    pg = Playground()
    values = {"x": 0.7, "w": -1.3, "b": 0.4}
    shown = pg.update({"expr": "tanh(x*w + b)", "values": values, "wrt": "w"})
    out, leaves = evaluate("tanh(x*w + b)", values)
    (g,) = grad(out, [leaves["w"]], create_graph=True)
    seconds = grad(g, list(leaves.values()))
    assert float(shown["second"]["value"]["exact"]) == g.data
    assert [float(v["exact"]) for v in shown["second"]["grads"].values()] == list(seconds)
    assert shown["second"]["frames"] == len(BackwardFrames(Analysis(g)))
    assert pg.frame("second", 0)["dot"].startswith("digraph")


def test_the_gradients_graph_names_its_nodes_after_out_as_the_page_does() -> None:
    pg = Playground()
    pg.update({"expr": "tanh(x*w + b)", "values": {"x": 2.0, "w": -3.0, "b": 0.5}, "wrt": "x"})
    second = pg.graphs["second"].frames
    main = pg.graphs["main"].frames
    assert second is not None and main is not None
    names = second.analysis.names
    # d tanh(u)/du = 1 - tanh(u)**2, in the names a learner reads: out is the page's output
    assert {"out", "out*out", "1 - out*out", "∂out/∂x"} <= set(names), names
    assert not [n for n in names if re.fullmatch(r"v\d+", n)], names
    assert names[-1] == "∂out/∂x"
    assert "Forward pass done" in pg.frame("second", 0)["caption"]
    assert "∂out/∂x" in pg.frame("second", 0)["caption"]
    assert main.analysis.names[-1] == "tanh(x*w + b)"  # the main graph keeps its own names
    # a variable called out keeps its name; the gradient's output is still ∂out/∂x
    pg.update({"expr": "tanh(out*w)", "values": {"out": 1.0, "w": 0.5}, "wrt": "w"})
    second = pg.graphs["second"].frames
    assert second is not None
    assert second.analysis.names.count("out") == 1
    assert second.analysis.names[-1] == "∂out/∂w"


def test_a_gradient_that_is_constant_has_no_graph_but_a_reason() -> None:
    pg = Playground()
    shown = pg.update({"expr": "3*x + y", "values": {"x": 1.0, "y": 2.0}, "wrt": "x"})
    assert shown["second"]["value"]["text"] == "3.0000"
    assert shown["second"]["frames"] == 0
    assert "does not depend" in pg.frame("second", 0)["caption"]


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("log(x - x)", "log"),
        ("x +", "syntax error"),
        ("foo(x)", "unknown function 'foo'"),
        ("x.__class__", "attribute access"),
        ("", "empty"),
        ("exp(exp(exp(x)))", "overflows"),
    ],
)
def test_errors_come_back_in_place_and_the_next_edit_recovers(expr: str, message: str) -> None:
    pg = Playground()
    shown = pg.update({"expr": expr, "values": {"x": 5.0}})
    assert message in shown["error"]
    assert "value" not in shown  # the page keeps its last good numbers
    assert shown["variables"]  # ... and its variable fields
    again = pg.update({"expr": "x * 2", "values": {"x": 5.0}})
    assert again["error"] == "" and again["value"] == "10.0000"


def test_bad_values_from_the_page_are_refused_with_the_fields_name() -> None:
    pg = Playground()
    for bad, message in [
        ({"values": {"x": "abc", "w": 1, "b": 1}}, "the value of x must be a number"),
        ({"values": {"x": "nan", "w": 1, "b": 1}}, "finite"),
        ({"values": {"x": 1e300, "w": 1, "b": 1}}, "finite number from"),
        ({"hidden": [16] * 9}, "1 to 3 layers"),
        ({"hidden": "16, 999"}, "1 to 32 neurons"),
        ({"lr": 0}, "learning rate"),
        ({"activation": "gelu"}, "activation must be one of"),
        ({"data": "../../etc/passwd"}, "data set must be one of"),
        ({"colour": 1}, "unknown field"),
        ({"expr": "x" * 5000}, "characters; the limit"),
    ]:
        shown = pg.update({**DEFAULT_STATE.to_dict(), **bad})
        assert message in shown["error"], (bad, shown["error"])


def test_variables_follow_the_expression_and_keep_their_values() -> None:
    pg = Playground()
    pg.update({"expr": "a*b", "values": {"a": 3.0, "b": 4.0}, "params": ["b"]})
    shown = pg.update({"expr": "a*b + c", "values": {"a": 3.0, "b": 4.0}, "params": ["b"]})
    assert [(v["name"], v["value"]["exact"]) for v in shown["variables"]] == [
        ("a", "3.0"),
        ("b", "4.0"),
        ("c", "1.0"),
    ]
    # a syntax error mid-typing keeps the fields that were there
    shown = pg.update({"expr": "a*b + (", "values": {"a": 3.0, "b": 4.0, "c": 1.0}})
    assert [v["name"] for v in shown["variables"]] == ["a", "b", "c"]


def test_a_variable_that_leaves_the_expression_comes_back_as_it_was() -> None:
    pg = Playground()
    pg.update({"expr": "tanh(x*w + b)", "values": {"x": 2.0, "w": -3.0, "b": 0.5}})
    pg.update({"expr": "log(x)", "values": {"x": 2.0}, "params": []})  # typing over it
    shown = pg.update({"expr": "tanh(x*w + b)", "values": {"x": 2.0}, "params": []})
    assert {v["name"]: v["value"]["exact"] for v in shown["variables"]} == {
        "x": "2.0",
        "w": "-3.0",
        "b": "0.5",
    }
    assert [v["param"] for v in shown["variables"]] == [False, True, True]


def test_big_graphs_give_numbers_but_no_diagram() -> None:
    text = " + ".join(["x*x"] * 80)
    pg = Playground()
    shown = pg.update({"expr": text, "values": {"x": 1.0}})
    assert shown["error"] == "" and shown["grads"]["x"]["text"] == "160.0000"
    assert shown["frames"] == 0
    assert f"up to {MAX_VIEW_VALUES} values" in pg.frame("main", 0)["caption"]


names = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True).filter(lambda n: n not in FUNCTIONS)
states = st.builds(
    State,
    expr=st.text(min_size=0, max_size=60),
    values=st.dictionaries(names, st.floats(-1e6, 1e6), max_size=5),
    params=st.lists(names, max_size=3, unique=True).map(tuple),
    wrt=st.one_of(st.just(""), names),
    tab=st.sampled_from(["graph", "second", "train"]),
    data=st.sampled_from(["moons", "circles", "xor", "blobs", "spirals"]),
    hidden=st.lists(st.integers(1, 32), min_size=1, max_size=3).map(tuple),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu"]),
    lr=st.floats(1e-4, 10.0),
)


@given(states)
def test_the_url_round_trips_every_state(state: State) -> None:
    assert State.from_query(state.to_query()) == state


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("x" * (MAX_QUERY + 1), "the limit is"),
        ("expr=x&expr=y", "appears twice"),
        ("evil=1", "unknown field"),
        ("values=x%3Dinf", "finite"),
        ("values=x%3D1e999", "finite"),
        ("values=x%3Dabc", "the value of x must be a number"),
        ("values=1x%3D2", "must be a variable name"),
        ("values=exp%3D2", "name of a function"),
        ("hidden=1000000", "whole number"),
        ("lr=-1", "learning rate"),
        ("tab=%3Cscript%3E", "tab must be one of"),
        ("&".join(f"k{i}=1" for i in range(50)), "cannot be read"),
    ],
)
def test_links_are_untrusted(query: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        State.from_query(query)
    shown = Playground().query("#" + query)  # the page: the default state and the reason
    assert shown["state"] == DEFAULT_STATE.to_dict()
    assert shown["error"].startswith("the link was not used")


def test_copy_as_python_runs_and_prints_what_the_page_shows() -> None:
    pg = Playground()
    values = {"x": 0.5, "y": -1.5}
    shown = pg.update({"expr": "leaky_relu(x, 0.1) * exp(y) - x / 2", "values": values})
    script = shown["python"].split("# train:")[0]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(script, "<playground script>", "exec"), {})  # our own generated code
    lines = printed.getvalue().splitlines()
    assert float(lines[0]) == float(shown["value_exact"])
    assert [float(x) for x in lines[1:3]] == [float(g["exact"]) for g in shown["grads"].values()]


def test_copy_as_python_keeps_user_text_in_comments() -> None:
    pg = Playground()
    shown = pg.update({"expr": "sneaky * print_me + 1", "values": {"sneaky": 1, "print_me": 2}})
    for line in shown["python"].splitlines():
        code = line.split("#", 1)[0]
        assert "sneaky" not in code and "print_me" not in code, line


def test_training_lowers_the_loss_and_draws_every_view() -> None:
    trainer = Trainer(State(hidden=(8,), lr=0.5))
    trainer.step(1)
    first = trainer.losses[0]
    trainer.step(40)
    shown = trainer.shown()
    assert trainer.losses[-1] < 0.7 * first
    assert shown["step"] == len(trainer.losses) >= 2
    assert shown["boundary"].count("<rect") == 24 * 24
    assert shown["network"].startswith("digraph network")
    assert "<polyline" in shown["curve"]


def test_training_without_views_leaves_out_the_costly_ones() -> None:
    pg = Playground()
    pg.update({"hidden": [4]})
    quick = pg.train("step", 3, False)
    assert quick["step"] == 3 and "boundary" not in quick and "network" not in quick
    assert quick["accuracy"].endswith("%") and "<polyline" in quick["curve"]
    full = pg.train("show")
    assert full["step"] == 3 and full["network"].startswith("digraph")
    with pytest.raises(ValueError, match="action must be one of"):
        pg.train("explode")


def test_several_classes_train_one_hot_and_divergence_stops_with_the_reason() -> None:
    pg = Playground()
    pg.update({"data": "blobs", "hidden": [8], "lr": 0.1})
    first = pg.train("step", 1, False)
    later = pg.train("step", 30, False)
    assert first["error"] == later["error"] == ""
    assert float(later["loss_exact"]) < float(first["loss_exact"])
    pg.update({"data": "blobs", "hidden": [32, 32, 32], "lr": 10.0})
    pg.train("reset")
    for _ in range(20):
        shown = pg.train("step", 5, False)
        if shown["error"]:
            break
    assert shown["error"].startswith("training stopped:") and len(shown["error"]) < 400
    assert "more than max_edges" in pg.train("show")["network_note"]  # 2,208 weights


def test_the_data_set_names_are_the_demos() -> None:
    from autograd_lite.demo import DATASETS
    from visualize.playground import DATA_SETS

    assert tuple(DATASETS) == DATA_SETS


def test_the_first_view_leaves_the_training_modules_unimported() -> None:
    # The page's cold start imports only what the first view shows; training comes later.
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from visualize.playground import Playground\n"
        "pg = Playground()\n"
        "shown = pg.update(pg.query('')['state'], False, False)  # as the page's first call\n"
        "pg.frame('main', shown['frames'] - 1)\n"
        "pg.choices()\n"
        "late = ('autograd_lite.demo', 'autograd_lite.train', 'autograd_lite.optim', 'tqdm')\n"
        "print(sorted(m for m in late if m in sys.modules))\n"
        "pg.train('reset')\n"
        "print(sorted(m for m in late if m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    first, later = done.stdout.splitlines()
    assert first == "[]"
    assert "autograd_lite.demo" in later


def test_training_steps_are_bounded() -> None:
    pg = Playground()
    pg.update({})
    for bad in (0, 201, True, 2.5):
        with pytest.raises(ValueError, match="steps must be a whole number"):
            pg.train("step", bad)  # type: ignore[arg-type]


# -- the page in a browser -------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tools.build_playground import build

    return build(tmp_path_factory.mktemp("playground") / "site")


@pytest.fixture(scope="module")
def page(site: Path) -> Iterator[tuple[Any, str]]:
    from tools.browser import headless_chromium
    from tools.build_playground import OWN_ORIGIN_ONLY, serve, wait_ready

    with serve(site) as url, headless_chromium(1280, 900, flags=[OWN_ORIGIN_ONLY]) as driver:
        driver.get(url)
        wait_ready(driver)
        yield driver, url


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
def test_python_starts_from_the_builds_snapshot(site: Path, page: Any) -> None:
    driver, _ = page
    assert (site / "pyodide-snapshot.bin").is_file()
    assert driver.execute_script("return window.playgroundTimings.snapshot") is True


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
@pytest.mark.parametrize("snapshot", ["missing", "broken"])
def test_without_a_good_snapshot_python_starts_from_nothing(
    site: Path, tmp_path: Path, snapshot: str
) -> None:
    import shutil

    from tools.browser import headless_chromium
    from tools.build_playground import OWN_ORIGIN_ONLY, serve, wait_ready

    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    if snapshot == "missing":
        (copy / "pyodide-snapshot.bin").unlink()
    else:
        (copy / "pyodide-snapshot.bin").write_bytes(b"\0" * 1000)
    with serve(copy) as url, headless_chromium(1280, 900, flags=[OWN_ORIGIN_ONLY]) as driver:
        driver.get(url)
        wait_ready(driver)
        assert driver.execute_script("return window.playgroundTimings.snapshot") is False
        assert _text(driver, "value") == "0.7071"  # tanh(2*-3 + 6.8814), the default view
        assert _text(driver, "error") == ""


def _type(driver: Any, element_id: str, text: str) -> None:
    from tools.build_playground import wait_idle

    driver.execute_script(
        "var e = document.getElementById(arguments[0]); e.value = arguments[1];"
        "e.dispatchEvent(new Event('input', {bubbles: true}));",
        element_id,
        text,
    )
    wait_idle(driver)


def _exact(driver: Any, element_id: str) -> float:
    return float(
        driver.execute_script(
            "return document.getElementById(arguments[0]).dataset.exact", element_id
        )
    )


def _text(driver: Any, element_id: str) -> str:
    return str(
        driver.execute_script(
            "return document.getElementById(arguments[0]).textContent", element_id
        )
    )


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
def test_the_page_loads_with_nothing_from_outside_its_origin(page: Any) -> None:
    driver, url = page
    origin = url.rsplit("/", 1)[0]
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
    )
    assert any(r.endswith("pyodide.asm.wasm") for r in resources)
    assert any("autograd_lite-" in r for r in resources)
    assert all(r.startswith(origin) for r in resources), resources
    failures = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert failures == []
    assert _text(driver, "error") == ""
    assert driver.execute_script("return document.querySelector('.view svg') !== null")


def _set_expression(driver: Any, text: str, values: dict[str, float]) -> None:
    _type(driver, "expr", text)
    for name, x in values.items():
        if f"{name}" in variable_names(text):
            _type(driver, f"var-{name}", repr(x))


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
@settings(max_examples=6)
@given(sample=expressions_with_inputs(("x", "y"), ops=LANGUAGE_OPS, max_leaves=6))
def test_typed_expressions_show_the_engines_numbers(page: Any, sample: Any) -> None:
    driver, _ = page
    text = str(sample.expression)
    _set_expression(driver, text, sample.inputs)
    out, gs = engine(text, sample.inputs)
    assert _text(driver, "error") == ""
    assert math.isclose(_exact(driver, "value"), out.data, rel_tol=1e-9, abs_tol=1e-12)
    for name in variable_names(text):
        got = _exact(driver, f"grad-{name}")
        assert math.isclose(got, gs[name], rel_tol=1e-9, abs_tol=1e-12), (text, name)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
def test_stepping_reaches_every_node_with_animate_backwards_captions(page: Any) -> None:
    driver, _ = page
    values = {"x": 2.0, "y": 3.0}
    _set_expression(driver, "x*y + x", values)
    out, _ = evaluate("x*y + x", values)
    frames = BackwardFrames(Analysis(out))
    stepper = "document.querySelector('.stepper[data-which=\"main\"]')"
    driver.execute_script(f"{stepper}.querySelector('[data-go=\"first\"]').click()")
    seen = []
    for k in range(len(frames)):
        got = driver.execute_script(
            f"var s = {stepper}; return [s.dataset.frame, s.dataset.node,"
            " s.querySelector('.caption').textContent,"
            " s.querySelector('.view svg g.current') !== null]"
        )
        assert got[:3] == [str(k), frames[k].node, frames[k].caption]
        assert got[3] == (k > 0)  # the current node is highlighted in the drawing
        seen.append(got[1])
        driver.execute_script(f"{stepper}.querySelector('[data-go=\"next\"]').click()")
    taking_grad = {f"v{i}" for i, v in enumerate(Analysis(out).order) if v.requires_grad}
    assert set(seen[1:]) == taking_grad


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
def test_the_second_derivative_view_matches_create_graph(page: Any) -> None:
    from tools.build_playground import wait_idle

    driver, _ = page
    values = {"x": 0.8, "w": -1.1, "b": 0.3}
    _set_expression(driver, "tanh(x*w + b)", values)
    driver.execute_script("document.getElementById('tab-second').click()")
    driver.execute_script(
        "var s = document.getElementById('wrt'); s.value = 'w';"
        "s.dispatchEvent(new Event('change'));"
    )
    wait_idle(driver)
    out, leaves = evaluate("tanh(x*w + b)", values)
    (g,) = grad(out, [leaves["w"]], create_graph=True)
    seconds = dict(zip(leaves, grad(g, list(leaves.values())), strict=True))
    assert math.isclose(_exact(driver, "second-value"), g.data, rel_tol=1e-12)
    for name, s in seconds.items():
        assert math.isclose(_exact(driver, f"second-grad-{name}"), s, rel_tol=1e-9, abs_tol=1e-12)
    count = driver.execute_script(
        "return document.querySelector('.stepper[data-which=\"second\"] .view svg') !== null"
    )
    assert count
    driver.execute_script("document.getElementById('tab-graph').click()")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
@pytest.mark.parametrize("bad", ["log(x - x)", "x * (", "foo(x)", "x.__class__"])
def test_an_error_shows_the_engines_message_and_the_page_recovers(page: Any, bad: str) -> None:
    driver, _ = page
    _set_expression(driver, "x * 3", {"x": 2.0})
    _type(driver, "expr", bad)
    expected = Playground().update({"expr": bad, "values": {"x": 2.0}})["error"]
    assert expected and _text(driver, "error") == expected
    assert driver.execute_script("return document.querySelector('.view svg') !== null")
    _type(driver, "expr", "x * 4")
    assert _text(driver, "error") == ""
    assert _text(driver, "value") == "8.0000"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
def test_training_in_the_page_lowers_the_loss(page: Any) -> None:
    from tools.build_playground import wait_for, wait_idle

    driver, _ = page
    driver.execute_script("document.getElementById('tab-train').click()")
    wait_idle(driver, 120)
    driver.execute_script("document.getElementById('train-step').click()")
    wait_idle(driver, 120)
    first = float(
        driver.execute_script("return document.getElementById('train-status').dataset.loss")
    )
    driver.execute_script("document.getElementById('train-play').click()")
    wait_for(
        driver,
        "return Number(document.getElementById('train-status').dataset.step) >= 40",
        300,
        "training 40 steps",
    )
    driver.execute_script("document.getElementById('train-play').click()")  # pause
    wait_idle(driver, 120)
    last = float(
        driver.execute_script("return document.getElementById('train-status').dataset.loss")
    )
    assert last < 0.8 * first
    assert driver.execute_script("return document.querySelector('#network svg') !== null")
    assert driver.execute_script("return document.querySelectorAll('#boundary rect').length") > 0
    driver.execute_script("document.getElementById('tab-graph').click()")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
def test_a_link_restores_the_state(page: Any) -> None:
    from tools.build_playground import wait_idle, wait_ready

    driver, _ = page
    _set_expression(driver, "sigmoid(a*b) - b", {"a": 1.25, "b": -0.5})
    driver.execute_script("document.getElementById('param-a').click()")
    wait_idle(driver)
    driver.execute_script("document.getElementById('tab-second').click()")
    link = driver.current_url
    before = {n: _exact(driver, f"grad-{n}") for n in ("a", "b")}
    driver.get("about:blank")
    driver.get(link)
    wait_ready(driver)
    assert (
        driver.execute_script("return document.getElementById('expr').value") == "sigmoid(a*b) - b"
    )
    assert driver.execute_script("return document.getElementById('var-a').value") == "1.25"
    assert driver.execute_script("return document.getElementById('param-a').checked") is True
    assert driver.execute_script("return document.getElementById('panel-second').hidden") is False
    assert {n: _exact(driver, f"grad-{n}") for n in ("a", "b")} == before


#: Each text and filled polygon of the drawing shown, by node or edge: what a learner sees, with
#: each text's centre (Graphviz anchors texts at their start; the page re-anchors numbers).
DRAWING = """
var svg = document.querySelector('.stepper[data-which="main"] .view svg');
return Array.prototype.map.call(svg.querySelectorAll('g.node, g.edge'), function (g) {
  return [g.querySelector('title').textContent,
    Array.prototype.map.call(g.querySelectorAll('text'), function (t) {
      var x = Number(t.getAttribute('x'));
      if (t.getAttribute('text-anchor') === 'start') { x += t.getComputedTextLength() / 2; }
      return [t.textContent, x, Number(t.getAttribute('y'))];
    }),
    Array.prototype.map.call(g.querySelectorAll('polygon'), function (p) {
      return [p.getAttribute('fill'), p.getAttribute('points')];
    })];
});
"""


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
@pytest.mark.parametrize(
    ("expr", "values", "edit", "how"),
    [
        # every number as long as before: the same skeleton, drawn in place
        ("tanh(x*w + b) * w", {"x": 0.5, "w": -1.5, "b": 0.25}, ("w", "-1.25"), "in place"),
        # the same skeleton, but the legend's scale (-1e+03 ... 1e+03) would outgrow its
        # cells of fixed width: Graphviz lays it out again
        ("x*w", {"x": 1000.0, "w": 1.0}, ("x", "1500.0"), "layout"),
    ],
)
def test_an_edit_drawn_in_place_is_the_drawing_a_layout_gives(
    page: Any, expr: str, values: dict[str, float], edit: tuple[str, str], how: str
) -> None:
    from tools.build_playground import wait_ready

    driver, _ = page
    shown = "var s = document.querySelector('.stepper[data-which=\"main\"]').dataset;"
    shown += "return [s.frame, s.rankdir];"
    driver.execute_script("document.getElementById('tab-graph').click()")
    _type(driver, "expr", "x + 1")  # another number of frames: the next graph starts afresh
    _set_expression(driver, expr, values)  # (its last frame, its own direction)
    layouts = driver.execute_script("return window.playgroundTimings.layouts")
    _type(driver, f"var-{edit[0]}", edit[1])
    timings = driver.execute_script("return window.playgroundTimings")
    assert timings["lastDraw"] == how
    assert timings["layouts"] == layouts + (how == "layout")  # Graphviz called only to lay out
    patched = driver.execute_script(DRAWING)
    frame = driver.execute_script(shown)
    link = driver.current_url
    driver.get("about:blank")
    driver.get(link)  # the same state, laid out from nothing
    wait_ready(driver)
    assert driver.execute_script("return window.playgroundTimings.lastDraw") == "layout"
    assert driver.execute_script(shown) == frame
    laid_out = driver.execute_script(DRAWING)
    assert [(title, fills) for title, _, fills in laid_out] == [(t, f) for t, _, f in patched]
    for (title, texts, _), (_, again, _) in zip(laid_out, patched, strict=True):
        assert [(t, y) for t, _, y in texts] == [(t, y) for t, _, y in again], title
        # centred where Graphviz centres it, to within Graphviz's and the browser's text widths
        assert all(abs(a[1] - b[1]) <= 1.5 for a, b in zip(texts, again, strict=True)), title


READ_CLIPBOARD = """
var done = arguments[arguments.length - 1];
navigator.clipboard.readText().then(done, function (e) { done('refused: ' + e); });
"""


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
def test_copy_as_python_puts_the_script_on_the_clipboard(page: Any) -> None:
    from tools.build_playground import wait_for

    driver, url = page
    origin = url.rsplit("/", 1)[0]
    driver.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": origin, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    values = {"x": 0.5, "y": -1.5}
    _set_expression(driver, "x*y + exp(x)", values)
    driver.execute_script("navigator.clipboard.writeText('')")
    driver.find_element("id", "copy-python").click()  # a real click: the page has the focus
    wait_for(
        driver,
        "return document.getElementById('share-status').textContent !== ''",
        30,
        "copying",
    )
    assert _text(driver, "share-status") == "Python script copied."
    copied = driver.execute_async_script(READ_CLIPBOARD)
    expected = Playground()
    expected.update({"expr": "x*y + exp(x)", "values": values, "params": []})
    assert copied == expected.script() == _text(driver, "python")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # our own generated code, as a learner would run it
        exec(compile(copied.split("# train:")[0], "<copied script>", "exec"), {})
    lines = printed.getvalue().splitlines()
    assert float(lines[0]) == _exact(driver, "value")
    assert [float(g) for g in lines[1:3]] == [_exact(driver, f"grad-{n}") for n in values]


def test_the_build_replaces_only_an_empty_folder_or_a_playground(tmp_path: Path) -> None:
    from tools.build_playground import ROOT, BuildError, check_outdir

    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(BuildError, match="holds something other than a playground"):
        check_outdir(tmp_path)
    with pytest.raises(BuildError, match="not a folder"):
        check_outdir(tmp_path / "notes.txt")
    with pytest.raises(BuildError, match="it holds the checkout"):
        check_outdir(ROOT.parent)
    assert check_outdir(tmp_path / "new") == (tmp_path / "new").resolve()
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "wheels.json").write_text("{}", encoding="utf-8")
    assert check_outdir(tmp_path / "old") == (tmp_path / "old").resolve()
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable()))
def test_a_narrow_screen_and_the_keyboard(page: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from tools.build_playground import wait_idle

    driver, _ = page
    size = driver.get_window_size()
    driver.set_window_size(390, 900)
    try:
        driver.execute_script("document.getElementById('tab-graph').click()")
        _set_expression(driver, "tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 0.5})
        width = driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert width[0] <= width[1], f"the page is wider than a 390 px screen: {width}"
        stepper = driver.find_element(By.CSS_SELECTOR, '.stepper[data-which="main"]')
        view = stepper.find_element(By.CSS_SELECTOR, ".view")
        last = int(stepper.get_attribute("data-frame"))
        view.send_keys(Keys.ARROW_LEFT)
        view.send_keys(Keys.ARROW_LEFT)
        assert int(stepper.get_attribute("data-frame")) == last - 2
        view.send_keys(Keys.HOME)
        assert stepper.get_attribute("data-frame") == "0"
        tab = driver.find_element(By.ID, "tab-graph")
        tab.send_keys(Keys.ARROW_RIGHT)  # tabs move with the arrow keys
        wait_idle(driver)
        assert driver.execute_script("return document.activeElement.id") == "tab-second"
        assert (
            driver.execute_script("return document.getElementById('panel-second').hidden") is False
        )
        driver.switch_to.active_element.send_keys(Keys.ARROW_LEFT)
        wait_idle(driver)
    finally:
        driver.set_window_size(size["width"], size["height"])
