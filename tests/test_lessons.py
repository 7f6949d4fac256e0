"""Every lesson in examples/ runs (a quick run) and shows the number that proves its point.

Each test loads the lesson script with ``autograd_lite.lessons.load`` and
calls its ``main(["--quick", "--out", DIR])``; the lesson returns its key
numbers. Expected values come from the lesson's own story (the worked
numbers of CONCEPTS.md, a law of calculus, an inequality) rather than from
a previous run.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import lessons
from autograd_lite.cli import main as cli_main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_lesson(name: str, out: Path) -> Any:
    """Run lesson ``name`` quickly into ``out``; check that its pictures are PNG files."""
    outcome = lessons.load(name).main(["--quick", "--out", str(out)])
    assert outcome.pictures, f"lesson {name} drew no picture"
    for path in outcome.pictures:
        assert path.parent == out
        assert path.read_bytes()[:8] == PNG_MAGIC, path
    return outcome


# -- the lessons -------------------------------------------------------------------


def test_five_steps(tmp_path: Path) -> None:
    out = run_lesson("five_steps", tmp_path)
    assert out["by_hand_gap"] < 1e-12  # the chain rule by hand = the engine's backward
    assert out["loss_after"] < out["loss_before"]  # step 5: the error went down
    assert out["final_loss"] < out["loss_after"]


def test_toast_robot(tmp_path: Path) -> None:
    out = run_lesson("toast_robot", tmp_path)
    # CONCEPTS.md: x = 2, t = 4, w = 1, eta = 0.1 -> y = 2, E = 2, dE/dw = -4, w = 1.4, E = 0.72
    assert out["gradient"] == -4.0
    assert out["engine_gradient"] == -4.0
    assert out["weight_after_one_step"] == pytest.approx(1.4, abs=1e-15)
    assert out["error_after_one_step"] == pytest.approx(0.72, abs=1e-14)
    # each step multiplies E by (1 - eta x^2)^2 = 0.36: E_k = 2 * 0.36^k < 1e-6 first at k = 15
    assert out["steps_to_near_zero"] == math.ceil(math.log(1e-6 / 2) / math.log(0.36))
    assert out["final_error"] < 1e-6


def test_chain_rule(tmp_path: Path) -> None:
    out = run_lesson("chain_rule", tmp_path)
    assert out["composite_gap"] < 1e-12
    # z = (3x)(x^2) at x = 2: path via u gives v*3 = 12, via v gives u*2x = 24; 9x^2 = 36
    assert (out["path_u"], out["path_v"]) == (12.0, 24.0)
    assert out["two_path_gradient"] == out["path_u"] + out["path_v"] == 9 * 2.0**2
    # f = x^2 y at (3, 2), step (0.01, -0.02): the linear prediction is off by second order only
    assert out["predicted_change"] == pytest.approx(12 * 0.01 + 9 * -0.02)
    assert abs(out["actual_change"] - out["predicted_change"]) < 0.02**2 * 10


def test_affine_layer(tmp_path: Path) -> None:
    out = run_lesson("affine_layer", tmp_path)
    assert out["largest_gap"] < 1e-12  # dW = dz x^T, db = dz, dx = W^T dz match the engine


def test_activations(tmp_path: Path) -> None:
    out = run_lesson("activations", tmp_path)
    assert out["sigmoid_max_derivative"] == pytest.approx(0.25)  # at z = 0, on the grid
    assert out["tanh_max_derivative"] == pytest.approx(1.0)
    assert out["max_derivative"]["ReLU"] == 1.0
    assert out["softmax_slope_gap"] < 1e-12  # dp0/dz0 = p0 (1 - p0), from backward


def test_gradient_checking(tmp_path: Path) -> None:
    out = run_lesson("gradient_checking", tmp_path)
    assert out["worst_relative_error"] < 1e-6  # backprop agrees with central differences
    assert out["broken_caught"] is True  # the sigmoid rule without (1 - s) raises GradcheckError
    assert 1e-8 <= out["best_h"] <= 1e-3  # between rounding and truncation error


def test_losses(tmp_path: Path) -> None:
    out = run_lesson("losses", tmp_path)
    assert out["mse_gradient"] == 2 * (2.5 - 1.0)  # d/dy (y - t)^2 = 2 (y - t)
    assert out["cross_entropy_gap"] < 1e-12  # dL/dz = softmax(z) - onehot(target)
    assert out["bce_gap"] < 1e-12  # dL/dz = sigmoid(z) - t
    assert out["bce_with_logits_gap"] < 1e-12
    assert out["softmax_sum"] == pytest.approx(1.0)


def test_learning_rate(tmp_path: Path) -> None:
    out = run_lesson("learning_rate", tmp_path)
    assert out["curvature"] == pytest.approx(2.0)  # standardised inputs: 2 mean(x^2) = 2
    start, final = out["start_excess"], out["final_excess"]
    assert final[1.05] > 10 * start  # |1 - lr c| = 1.1 > 1: diverges
    assert final[0.1] < 0.01 * start  # |1 - lr c| = 0.8: the loss gap shrinks 0.64x a step
    assert final[0.001] > 0.5 * start  # 0.998 per step: crawls


def test_optimizers(tmp_path: Path) -> None:
    out = run_lesson("optimizers", tmp_path)
    assert out["sgd_sign_flips"] == out["steps"]  # lr 0.95: y <- -0.9 y, a zigzag every step
    assert out["worst_final_ratio"] < 0.02  # every optimiser got within 2% of the start loss
    assert out["adagrad_beats_sgd"]  # per-coordinate scaling suits the narrow valley


def test_batch_size(tmp_path: Path) -> None:
    out = run_lesson("batch_size", tmp_path)
    n = out["n_examples"]
    assert out["updates_per_epoch"] == out["expected_updates"] == {1: n, 16: n // 16, n: 1}
    final = out["final_loss"]
    # the same epochs: more updates, lower loss; every batch size learned something
    assert final[1] < final[16] < final[n] < out["initial_loss"]


def test_normalization(tmp_path: Path) -> None:
    out = run_lesson("normalization", tmp_path)
    final = out["final_loss"]
    standardised, raw_stable = final["standardised, lr = 0.1"], final["raw, lr = 2e-5"]
    assert standardised < 0.05  # near the noise (sd 0.1, so MSE ~ 0.01)
    assert raw_stable > 50 * standardised  # the same epochs on raw inputs: stuck far above
    assert "diverg" in out["ended"]["raw, lr = 2e-4"]


def test_initialization(tmp_path: Path) -> None:
    out = run_lesson("initialization", tmp_path)
    tanh, relu = out["last_spread"]["tanh"], out["last_spread"]["relu"]
    assert tanh["small U(-0.01, 0.01)"] < 1e-6 * tanh["Xavier"]  # the signal vanishes
    assert relu["naive U(-1, 1)"] > 10 * relu["He"]  # the signal explodes
    assert 0.3 < relu["He"] < 3.0  # He keeps a ReLU stack's spread steady
    final = out["final_loss"]
    guessing = math.log(2)  # binary cross-entropy of a coin toss
    assert final["He"] < 0.8 * guessing
    assert final["small U(-0.01, 0.01)"] > 0.98 * guessing
    assert final["naive U(-1, 1)"] > 0.98 * guessing
    assert out["dead_units"]["naive U(-1, 1)"][-1] >= 8  # most of the last hidden layer died


def test_vanishing_gradients(tmp_path: Path) -> None:
    out = run_lesson("vanishing_gradients", tmp_path)
    first = out["first_layer"]
    assert out["sigmoid_over_relu"] < 1e-3  # sigmoid's first layer: a vanishing gradient
    assert first["tanh (Xavier)"] > 0.1 * first["ReLU (He)"]  # tanh + Xavier: no vanishing
    assert first["ReLU (He x 1.3): explodes"] > 30 * first["ReLU (He)"]  # exploding
    assert out["unclipped_ended"].startswith("overflowed")
    assert out["clipped_ended"].startswith("finished")
    losses = out["clipped_losses"]
    assert losses[-1] < losses[0] / 4  # clipping: the same learning rate now trains


def test_regularization(tmp_path: Path) -> None:
    out = run_lesson("regularization", tmp_path)
    gap, test = out["gap"], out["test_loss"]  # gap = test loss - training loss (over-fitting)
    assert gap["dropout"] < 0.7 * gap["plain"]
    assert gap["batch norm"] < 0.7 * gap["plain"]
    assert test["dropout"] < test["plain"] and test["batch norm"] < test["plain"]


def test_convolution(tmp_path: Path) -> None:
    out = run_lesson("convolution", tmp_path)
    assert out["hand_vs_engine"] < 1e-12  # dL/dK[k] = sum_n dL/dz[n] x[n + k]
    assert out["kernel_error"] < 0.05  # the learned kernel is the edge detector [-1, 0, 1]


def test_evaluation(tmp_path: Path) -> None:
    out = run_lesson("evaluation", tmp_path)
    matrix = out["matrix"]
    assert sum(map(sum, matrix)) == out["n_test"]  # every test example counted once
    assert out["accuracy"] == out["accuracy_from_matrix"] == out["evaluate_accuracy"]
    assert out["accuracy"] > 0.7  # three overlapping clusters; guessing gives 1/3
    assert out["final_loss"] < math.log(3)  # better than the uniform guess's cross-entropy


def test_fine_tuning(tmp_path: Path) -> None:
    out = run_lesson("fine_tuning", tmp_path)
    assert out["frozen_change"] == 0.0  # the frozen layer's weights did not move at all
    assert out["frozen_grads"] == 0.0  # ... and never received a gradient
    assert out["tuned_change"] > 0.01 and out["head_change"] > 0.01
    first, last = out["task_b_loss"]
    assert last < first / 4  # the unfrozen layers learned task B
    assert out["trainable"] == 16 * 17 + 3 * 17  # layers.1 and the new head: w and b each
    assert (tmp_path / "task_a.json").is_file()  # the checkpoint it saved and loaded


def test_newton(tmp_path: Path) -> None:
    out = run_lesson("newton", tmp_path)
    x = 2.0  # f = e^x + e^-2x: f' = e^x - 2e^-2x, f'' = e^x + 4e^-2x (from create_graph=True)
    assert out["first_derivative"] == pytest.approx(math.exp(x) - 2 * math.exp(-2 * x))
    assert out["second_derivative"] == pytest.approx(math.exp(x) + 4 * math.exp(-2 * x))
    assert out["newton_final"] == pytest.approx(math.log(2) / 3, abs=1e-10)
    assert out["newton_steps"] * 5 < out["descent_steps"]  # far fewer steps with curvature


# -- the command line and the scripts themselves -----------------------------------


def test_every_lesson_is_tested_and_ordered() -> None:
    names = lessons.lesson_names()
    assert set(names) <= set(lessons.ORDER), "add new lessons to lessons.ORDER"
    untested = [n for n in names if f"test_{n}" not in globals()]
    assert not untested, f"lessons without a test: {untested}"
    for name in names:
        assert lessons.describe(name), f"{name} has no one-line description"


def test_script_runs_from_another_directory(tmp_path: Path) -> None:
    script = lessons.examples_dir() / "toast_robot.py"
    done = subprocess.run(
        [sys.executable, str(script), "--quick"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "E = 0.72" in done.stdout
    picture = tmp_path / "autograd_lite_output" / "toast_robot" / "error_and_weight.png"
    assert picture.read_bytes()[:8] == PNG_MAGIC


def test_cli_lists_and_runs_lessons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["lessons"]) == 0
    listing = capsys.readouterr().out
    for name in lessons.lesson_names():
        assert f"{name}  " in listing or f"{name} " in listing
    assert cli_main(["lesson", "toast_robot", "--quick", "--out", str(tmp_path)]) == 0
    assert "E = 0.72" in capsys.readouterr().out
    assert (tmp_path / "error_and_weight.png").is_file()


def test_cli_unknown_lesson_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["lesson", "no_such_lesson"]) == 2
    err = capsys.readouterr().err
    assert "no_such_lesson" in err and "toast_robot" in err  # names the problem and the choices


def test_missing_examples_folder_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(lessons.ENV_VAR, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="no lesson scripts in"):
        lessons.examples_dir()
    assert cli_main(["lesson", "toast_robot"]) == 1
    assert str(tmp_path) in capsys.readouterr().err
    monkeypatch.delenv(lessons.ENV_VAR)
    assert os.path.samefile(lessons.examples_dir(), Path(__file__).parent.parent / "examples")


def test_out_naming_a_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "taken.png"
    taken.write_bytes(b"")
    with pytest.raises(SystemExit) as info:
        lessons.load("toast_robot").main(["--quick", "--out", str(taken)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"cannot make the folder {taken}" in err and "Traceback" not in err
    assert cli_main(["lesson", "toast_robot", "--quick", "--out", str(taken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("autograd-lite lesson: error: argument --out") and str(taken) in err
    assert err.count("\n") == 1


def test_the_installed_copy_comes_before_a_source_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # site-packages/autograd_lite/examples (a wheel) wins over a folder named examples next
    # to the package, which in site-packages may belong to another distribution
    package = tmp_path / "autograd_lite"
    for folder in (package / "examples", tmp_path / "examples"):
        folder.mkdir(parents=True)
        (folder / "_lesson.py").write_text("", encoding="utf-8")
    monkeypatch.delenv(lessons.ENV_VAR, raising=False)
    monkeypatch.setattr(lessons, "__file__", str(package / "lessons.py"))
    assert lessons.examples_dir() == package / "examples"
    (package / "examples" / "_lesson.py").unlink()
    assert lessons.examples_dir() == tmp_path / "examples"  # a checkout: examples/ beside it
    (tmp_path / "examples" / "_lesson.py").unlink()
    with pytest.raises(FileNotFoundError, match="reinstall autograd_lite") as info:
        lessons.examples_dir()
    assert str(package / "examples") in str(info.value) and str(tmp_path / "examples") in str(
        info.value
    )
