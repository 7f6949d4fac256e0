"""The exercises: every reference solution passes, typical wrong ones fail with the intended
message, right ones written differently pass, and the sandbox stops what it must."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings

from autograd_lite.cli import main
from autograd_lite.exercises import EXERCISES, check_file, check_source, checks, exercise, names
from autograd_lite.exercises.child import refusal
from autograd_lite.exercises.notebook import cells_source, notebook
from autograd_lite.lessons import ORDER

_spec = importlib.util.spec_from_file_location(
    "exercise_mistakes", Path(__file__).parent / "exercises" / "mistakes.py"
)
assert _spec is not None and _spec.loader is not None
mistakes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mistakes)


def _edited(name: str, old: str, new: str) -> str:
    solution = exercise(name).solution()
    assert solution.count(old) >= 1, f"{name}: the reference has no {old!r}"
    return solution.replace(old, new, 1)


# -- the track ---------------------------------------------------------------------------


def test_the_track_has_twelve_exercises_in_the_order_of_their_lessons() -> None:
    assert len(EXERCISES) >= 12
    assert len(set(names())) == len(names())
    for e in EXERCISES:
        assert e.lesson in ORDER, e.name
        assert e.parts and e.asks and e.statement


def test_every_starter_and_solution_is_python_that_the_checker_accepts() -> None:
    for e in EXERCISES:
        for text in (e.starter(), e.solution()):
            assert refusal(text) == "", e.name
            compile(text, e.name, "exec")
        assert e.starter().count("NotImplementedError") >= len(e.parts)
        assert "NotImplementedError" not in e.solution()


def test_the_toast_robot_numbers_in_the_sgd_statement_come_from_the_solution() -> None:
    # the statement says the error goes from 2 to 0.72: our own reference code computes it
    space: dict[str, object] = {}
    exec(exercise("sgd").solution(), space)  # our reference text, not a learner's file
    value, loss, step = space["Value"], space["loss"], space["sgd_step"]
    w = value(1.0)  # type: ignore[operator]
    before = loss([w * 2.0], [4.0])  # type: ignore[operator]
    space["backward"](before)  # type: ignore[operator]
    step([w], 0.1)  # type: ignore[operator]
    after = loss([w * 2.0], [4.0])  # type: ignore[operator]
    assert (before.data, round(after.data, 12)) == (2.0, 0.72)
    assert "from 2 to 0.72" in " ".join(exercise("sgd").statement.split())


def test_an_unknown_exercise_names_the_choices() -> None:
    with pytest.raises(ValueError, match="choose one of: derivative"):
        exercise("derivatives")
    with pytest.raises(TypeError, match="is a str"):
        exercise(3)


# -- refusing a file that would not build its own engine ----------------------------------


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("import autograd_lite\n", "line 1: it imports autograd_lite"),
        ("x = 1\nfrom autograd_lite.engine import Value\n", "line 2: it imports autograd_lite"),
        ("import torch\n", "it imports torch"),
        ("from micrograd.engine import Value\n", "it imports micrograd"),
        ("import importlib\n", "'importlib'"),
        ("m = __import__('math')\n", "'__import__'"),
        ("def f(:\n", "not valid Python: line 1"),
    ],
)
def test_refusal_reads_the_source(source: str, why: str) -> None:
    assert why in refusal(source)


def test_a_file_importing_autograd_lite_is_refused_with_a_message() -> None:
    report = check_source("backward", "from autograd_lite import Value\n")
    assert not report.passed
    assert (
        "it imports autograd_lite: the exercise asks you to build this yourself" in report.message
    )


@pytest.mark.slow
def test_an_import_of_the_engine_built_at_run_time_is_refused_in_the_child() -> None:
    # past the static look: the import hook in the child refuses it when the file loads
    source = exercise("derivative").solution() + '\nexec("import autograd" + "_lite")\n'
    report = check_source("derivative", source)
    assert not report.passed
    assert "raised ImportError while loading: it imports autograd_lite" in report.message


# -- the sandbox -------------------------------------------------------------------------


@pytest.mark.slow
def test_a_hanging_file_is_stopped_by_the_wall_clock() -> None:
    report = check_source("derivative", "import time\ntime.sleep(600)\n", wall=3)
    assert not report.passed
    assert report.message.startswith("stopped after 3 s: your code did not finish")


@pytest.mark.slow
def test_an_endless_loop_is_stopped_by_the_cpu_limit() -> None:
    source = "def derivative(f, x, h=1e-5):\n    while True:\n        pass\n"
    report = check_source("derivative", source, cpu=2, wall=60)
    assert not report.passed
    assert "more than 2 s of CPU time" in report.message


@pytest.mark.slow
def test_a_memory_hog_is_stopped() -> None:
    source = (
        "def derivative(f, x, h=1e-5):\n    xs = []\n"
        "    while True:\n        xs.append([0] * 10**6)\n"
    )
    report = check_source("derivative", source, memory=512 << 20, wall=60)
    assert not report.passed
    assert "MemoryError" in report.message or "ran out of memory" in report.message


@pytest.mark.slow
def test_what_the_learner_prints_is_shown_and_stdin_is_empty() -> None:
    source = "print('hello from the file')\nx = input()\n"
    report = check_source("derivative", source)
    assert "raised EOFError while loading" in report.message
    assert "hello from the file" in report.output


# -- the checks --------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", names())
def test_the_reference_solution_passes(name: str) -> None:
    report = check_source(name, exercise(name).solution())
    assert report.passed, report.text()
    assert report.text().startswith(f"passed {name}: ")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "how", "old", "new", "says"),
    mistakes.MISTAKES,
    ids=[f"{m[0]}-{m[1]}" for m in mistakes.MISTAKES],
)
def test_a_typical_mistake_fails_with_its_message(
    name: str, how: str, old: str, new: str, says: str
) -> None:
    report = check_source(name, _edited(name, old, new))
    assert not report.passed, f"{name}: {how} passed"
    assert says in report.text(), report.text()


def test_each_exercise_has_five_typical_mistakes() -> None:
    for name in names():
        assert sum(m[0] == name for m in mistakes.MISTAKES) >= 5, name


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "how", "old", "new"), mistakes.RIGHT, ids=[f"{r[0]}-{r[1]}" for r in mistakes.RIGHT]
)
def test_a_right_solution_written_differently_passes(
    name: str, how: str, old: str, new: str
) -> None:
    report = check_source(name, _edited(name, old, new))
    assert report.passed, report.text()


@pytest.mark.slow
def test_a_graph_mistake_comes_with_its_smallest_case_drawn() -> None:
    report = check_source("backward", _edited("backward", "x.grad += g", "x.grad = g"))
    assert "on the graph  a = 0; n1 = a + a:  dn1/da is 2, yours is 1" in report.message
    assert report.graph is not None
    wrong = [n["label"] for n in report.graph["nodes"] if n["wrong"]]
    assert wrong == ["a = 0\ndata 0\ngrad: yours 1, expected 2"]


@pytest.mark.slow
def test_the_check_of_the_first_parts_ignores_the_later_ones() -> None:
    source = (
        exercise("sgd")
        .starter()
        .replace(
            exercise("sgd").parts[0].starter.strip("\n"),
            exercise("sgd").parts[0].solution.strip("\n"),
        )
    )
    assert check_source("sgd", source, upto=1).passed
    assert not check_source("sgd", source).passed
    with pytest.raises(ValueError, match="upto must be a part number from 1 to 3"):
        check_source("sgd", source, upto=4)


# -- the commands --------------------------------------------------------------------------


@pytest.mark.slow
def test_the_commands_from_starter_to_passed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(tmp_path / "mine")
    assert main(["exercise", "chain_rule", "--folder", folder]) == 0
    assert main(["exercise", "chain_rule", "--folder", folder]) == 1  # never overwritten
    assert "exists already" in capsys.readouterr().err
    assert main(["check", "chain_rule", "--folder", folder]) == 1
    assert "not written yet" in capsys.readouterr().out
    assert main(["exercise", "chain_rule", "--solution"]) == 0
    solution = capsys.readouterr().out
    assert solution == exercise("chain_rule").solution()
    wrong = solution.replace("return dd * b, dd * a, de * 1.0, e", "return b, a, 1.0, e")
    (tmp_path / "mine" / "chain_rule.py").write_text(wrong, encoding="utf-8")
    assert main(["check", "chain_rule", "--folder", folder]) == 1
    out = capsys.readouterr().out
    assert "hint: you stopped at d" in out and "the case, drawn:" in out
    (tmp_path / "mine" / "chain_rule.py").write_text(solution, encoding="utf-8")
    assert (
        main(["check", "chain_rule", str(tmp_path / "mine" / "chain_rule.py"), "--folder", folder])
        == 0
    )
    assert capsys.readouterr().out.startswith("passed chain_rule: the four gradients")
    assert main(["exercises", "--folder", folder, "--no-check"]) == 0
    listing = capsys.readouterr().out
    assert "chain_rule" in listing and "(passed)" in listing and "1 of 12 passed" in listing


def test_the_commands_refuse_bad_names_and_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["exercise", "nope"]) == 2
    assert "no exercise named 'nope'" in capsys.readouterr().err
    assert main(["check", "nope", "x.py"]) == 2
    assert main(["check", "backward", str(tmp_path / "missing.py")]) == 1
    assert "autograd-lite check:" in capsys.readouterr().err
    assert main(["check", "backward", str(tmp_path)]) == 1  # a folder, not a file
    assert "autograd-lite check:" in capsys.readouterr().err


def test_the_exercise_list_without_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["exercises", "--folder", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("(no file yet)") == len(EXERCISES)
    assert "0 of 12 passed" in out


def test_the_lesson_list_names_the_exercises(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lessons"]) == 0
    out = capsys.readouterr().out
    assert "[exercise: local_derivatives, chain_rule, backward]" in out
    assert "[exercise: topological_order]" in out  # the lesson of the same name


# -- the notebook --------------------------------------------------------------------------


def test_the_notebook_has_a_check_cell_after_each_part(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nb = notebook("tanh_exp")
    nbformat.validate(nbformat.from_dict(nb))
    sources = [c["source"] for c in nb["cells"] if c["cell_type"] == "code"]
    checks = [s for s in sources if "check_cells(" in s]
    assert [s.splitlines()[-1] for s in checks] == [
        f"check_cells('tanh_exp', In, part={k})" for k in (1, 2, 3)
    ]
    assert main(["exercise", "tanh_exp", "--notebook", "--folder", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "tanh_exp.ipynb").read_text(encoding="utf-8"))
    assert written == nb


def test_cells_source_leaves_out_the_check_cells_and_magics() -> None:
    cells = [
        "",
        "x = 1",
        "from autograd_lite.exercises import check_cells\ncheck_cells('a', In)",
        "%timeit x",
        "y = 2",
    ]
    assert cells_source(cells) == "x = 1\n\ny = 2\n"
    with pytest.raises(TypeError, match="list of cell sources"):
        cells_source("x = 1")


@pytest.mark.slow
@pytest.mark.notebook
def test_the_notebook_runs_and_its_check_cells_say_ok(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = notebook("derivative")
    for cell in nb["cells"]:
        if cell["source"] == exercise("derivative").parts[0].starter.strip("\n"):
            cell["source"] = exercise("derivative").parts[0].solution.strip("\n")
    node = nbformat.from_dict(nb)
    nbclient.NotebookClient(node, timeout=120, kernel_name="python3").execute()
    printed = "".join(
        o.get("text", "") for c in node.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )
    assert "OK: passed derivative" in printed


def test_the_readme_table_is_the_track() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exercises\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "`" in line]
    assert rows == [
        f"| {i} | `{e.name}` | {e.asks} | `{e.lesson}` |" for i, e in enumerate(EXERCISES, 1)
    ]


def test_check_file_refuses_what_is_not_a_small_python_file(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="is not a Python file: it is a FIFO"):
        check_file("backward", fifo)  # returns at once: a FIFO is never waited on
    big = tmp_path / "big.py"
    big.write_text("x = 1\n" * 40_000, encoding="utf-8")
    with pytest.raises(ValueError, match="has 240,000 bytes; an exercise file may have at most"):
        check_file("backward", big)
    binary = tmp_path / "binary.py"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        check_file("backward", binary)
    with pytest.raises(ValueError, match="no exercise named"):
        check_file("nope", binary)


@pytest.mark.slow
def test_a_long_error_is_quoted_short() -> None:
    report = check_source("derivative", "x" * 5000 + "\n")
    assert "raised NameError while loading" in report.message
    assert len(report.message) < 600


def test_a_garbled_or_special_record_of_passes_is_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".passed.json").write_text("[1, 2", encoding="utf-8")
    assert main(["exercises", "--folder", str(tmp_path), "--no-check"]) == 0
    assert "0 of 12 passed" in capsys.readouterr().out
    (tmp_path / ".passed.json").unlink()
    os.mkfifo(tmp_path / ".passed.json")  # never waited on
    assert main(["exercises", "--folder", str(tmp_path), "--no-check"]) == 0
    assert "0 of 12 passed" in capsys.readouterr().out


@settings(max_examples=50)
@given(checks.graphs(("+", "*", "tanh", "exp"), max_steps=5).filter(checks._moderate))
def test_the_hints_float_backward_without_a_mistake_is_the_engine(graph: checks.Graph) -> None:
    # the models of typical mistakes share one float backward pass; unmistaken, it must agree
    got, want = checks.mistaken_grads(graph, ""), checks.reference_grads(graph)
    assert all(checks.close(g, w) for g, w in zip(got, want, strict=True)), graph


def test_the_probe_graphs_tell_the_typical_mistakes_apart() -> None:
    # on the probes, each typical wrong backward pass gives numbers of its own
    for probe in checks._PROBES:
        results = [checks.reference_grads(probe)]
        results += [checks.mistaken_grads(probe, how) for how, _ in checks._BACKWARD_HINTS]
        for k, a in enumerate(results):
            for b in results[k + 1 :]:
                assert not all(checks.close(x, y) for x, y in zip(a, b, strict=True))


def test_the_limits_must_be_sensible() -> None:
    source = exercise("derivative").solution()
    with pytest.raises(ValueError, match="cpu must be a finite number >= 1"):
        check_source("derivative", source, cpu=0)
    with pytest.raises(ValueError, match="wall must be a finite number >= 1"):
        check_source("derivative", source, wall=float("nan"))
    with pytest.raises(ValueError, match="memory must be"):
        check_source("derivative", source, memory=1000)
