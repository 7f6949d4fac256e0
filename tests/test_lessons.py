"""Every lesson in examples/ runs (a quick run) and shows the number that proves its point.

Each test loads the lesson script with ``autograd_lite.lessons.load`` and
calls its ``main(["--quick", "--out", DIR])``; the lesson returns its key
numbers. Expected values come from the lesson's own story (the worked
numbers of CONCEPTS.md, a law of calculus, an inequality) rather than from
a previous run.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import lessons
from autograd_lite.cli import main as cli_main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_lesson(name: str, out: Path) -> Any:
    """Run lesson ``name`` quickly into ``out``; check its pictures and its section numbers."""
    return run_and_read(name, out)[0]


def run_and_read(name: str, out: Path) -> tuple[Any, str]:
    """Run lesson ``name`` like ``run_lesson``; also return what it printed, on one line.

    The words are joined into one line (the lessons wrap their paragraphs), so a
    test can look for a sentence wherever the wrapping broke it.
    """
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        outcome = lessons.load(name).main(["--quick", "--out", str(out)])
    text = printed.getvalue()
    sys.stdout.write(text)  # still shown when a test fails
    assert outcome.pictures, f"lesson {name} drew no picture"
    for path in outcome.pictures:
        assert path.parent == out
        assert path.read_bytes()[:8] == PNG_MAGIC, path
    numbers = re.findall(r"^--- ([0-9][0-9a-z-]*)\. ", text, flags=re.MULTILINE)
    assert len(numbers) == len(set(numbers)), f"{name} numbers two sections alike: {numbers}"
    return outcome, " ".join(text.split())


def two_figures(x: float) -> str:
    """``x`` rounded to two significant figures, as a lesson writes it: 2075 -> '2,100'."""
    return f"{float(f'{x:.2g}'):,.0f}"


# -- the lessons -------------------------------------------------------------------


def test_five_steps_draws_the_target_as_a_constant_not_an_input() -> None:
    from autograd_lite import Value
    from visualize.graph import Analysis

    script = lessons.load("five_steps")
    inputs = [Value(v, label=f"x{i + 1}", requires_grad=False) for i, v in enumerate(script.INPUT)]
    params = [Value(0.5, label="w1"), Value(-0.3, label="w2"), Value(0.1, label="b")]
    graph = Analysis(script.loss_of(script.forward(params, inputs)), params=params)
    kind = {id(v): k for v, k in zip(graph.order, graph.kinds, strict=True)}
    given = {id(v) for v in [*inputs, *params]}
    target = [
        v for v in graph.order if v.is_leaf and id(v) not in given and v.data == script.TARGET
    ]
    assert [kind[id(t)] for t in target] == ["constant"]  # grey, not the inputs' green (issue 22)
    assert {kind[id(x)] for x in inputs} == {"input"}


@pytest.mark.slow
def test_five_steps(tmp_path: Path) -> None:
    out = run_lesson("five_steps", tmp_path)
    assert out["by_hand_gap"] < 1e-12  # the chain rule by hand = the engine's backward
    assert out["loss_after"] < out["loss_before"]  # step 5: the error went down
    assert out["final_loss"] < out["loss_after"]


@pytest.mark.slow
def test_toast_robot(tmp_path: Path) -> None:
    out, text = run_and_read("toast_robot", tmp_path)
    # the table: a jump in the step numbers is marked by a '...' row saying how many are left out
    table = re.findall(r"(\d+) \d\.\d{6} \S+|\.\.\. \((\d+) steps left out\)", text)
    assert table, "no table of steps"
    step = -1
    for shown, left_out in table:
        step += int(left_out) if left_out else 1
        assert not shown or int(shown) == step, f"step {shown} follows step {step - 1}, no '...'"
    assert step == 1 + lessons.load("toast_robot").STEPS  # the worked step, then STEPS more
    # CONCEPTS.md: x = 2, t = 0, w = 1, eta = 0.1 -> y = 2, E = 2, dE/dw = 4, w = 0.6, E = 0.72:
    # the toast came out burnt, so the toasting time w gets shorter, as the articles tell it
    assert out["gradient"] == 4.0
    assert out["engine_gradient"] == 4.0
    assert out["weight_after_one_step"] == pytest.approx(0.6, abs=1e-15)
    assert "w falls from 1 to 0.6 minutes past golden brown" in text  # the words agree
    assert out["error_after_one_step"] == pytest.approx(0.72, abs=1e-14)
    # each step multiplies E by (1 - eta x^2)^2 = 0.36: E_k = 2 * 0.36^k < 1e-6 first at k = 15
    assert out["steps_to_near_zero"] == math.ceil(math.log(1e-6 / 2) / math.log(0.36))
    assert out["final_error"] < 1e-6


@pytest.mark.slow
def test_chain_rule(tmp_path: Path) -> None:
    out, text = run_and_read("chain_rule", tmp_path)
    # the words: "halving the step divides the error by ..." is the measured ratio, near 4
    assert 3.9 < out["halving_ratio"] < 4.1  # second order: (1/2)^2
    assert f"divides the error of the prediction by {out['halving_ratio']:.2f}:" in text
    assert out["composite_gap"] < 1e-12
    # z = (3x)(x^2) at x = 2: path via u gives v*3 = 12, via v gives u*2x = 24; 9x^2 = 36
    assert (out["path_u"], out["path_v"]) == (12.0, 24.0)
    assert out["two_path_gradient"] == out["path_u"] + out["path_v"] == 9 * 2.0**2
    # f = x^2 y at (3, 2), step (0.01, -0.02): the linear prediction is off by second order only
    assert out["predicted_change"] == pytest.approx(12 * 0.01 + 9 * -0.02)
    assert abs(out["actual_change"] - out["predicted_change"]) < 0.02**2 * 10


@pytest.mark.slow
def test_affine_layer(tmp_path: Path) -> None:
    out, text = run_and_read("affine_layer", tmp_path)
    # the batched convention (dW = Xᵀ·dY, dX = dY·Wᵀ, db = Σ dY) agrees with ours and the engine
    for name in ("dW", "db", "dX"):
        assert out[f"batched_{name}_gap"] < 1e-12
        assert f"largest |batched formula - engine| in {name}: " in text
    assert out["largest_gap"] < 1e-12  # dW = dz x^T, db = dz, dx = W^T dz match the engine


@pytest.mark.slow
def test_activations(tmp_path: Path) -> None:
    out, text = run_and_read("activations", tmp_path)
    text = text.replace(" softplus", "\nsoftplus").replace(" sigmoid ", "\nsigmoid ")
    assert out["sigmoid_max_derivative"] == pytest.approx(0.25)  # at z = 0, on the grid
    assert out["tanh_max_derivative"] == pytest.approx(1.0)
    assert out["max_derivative"]["ReLU"] == 1.0
    # softplus' derivative (the sigmoid) still rises at the plot's edge: 1 is a limit, not a max
    softplus = next(name for name in out["max_derivative"] if name.startswith("softplus"))
    assert out["max_derivative"][softplus] < out["far_derivative"][softplus] < 1.0
    lines = [ln for ln in text.splitlines() if "largest f'(z)" in ln]
    line = next(ln for ln in lines if ln.startswith(softplus))
    assert "still rising to a limit" in line and "max f'(z)" not in text
    sigmoid = next(ln for ln in lines if ln.startswith("sigmoid "))
    assert "limit" not in sigmoid  # its largest slope, 0.25 at z = 0, is a maximum
    assert out["softmax_slope_gap"] < 1e-12  # dp0/dz0 = p0 (1 - p0), from backward


def test_gradient_checking(tmp_path: Path) -> None:
    out = run_lesson("gradient_checking", tmp_path)
    assert out["worst_relative_error"] < 1e-6  # backprop agrees with central differences
    assert out["broken_caught"] is True  # the sigmoid rule without (1 - s) raises GradcheckError
    assert 1e-8 <= out["best_h"] <= 1e-3  # between rounding and truncation error


@pytest.mark.slow
def test_losses(tmp_path: Path) -> None:
    out = run_lesson("losses", tmp_path)
    assert out["mse_gradient"] == 2 * (2.5 - 1.0)  # d/dy (y - t)^2 = 2 (y - t)
    assert out["cross_entropy_gap"] < 1e-12  # dL/dz = softmax(z) - onehot(target)
    assert out["bce_gap"] < 1e-12  # dL/dz = sigmoid(z) - t
    assert out["bce_with_logits_gap"] < 1e-12
    assert out["softmax_sum"] == pytest.approx(1.0)


@pytest.mark.slow
def test_learning_rate(tmp_path: Path) -> None:
    out = run_lesson("learning_rate", tmp_path)
    assert out["curvature"] == pytest.approx(2.0)  # standardised inputs: 2 mean(x^2) = 2
    start, final = out["start_excess"], out["final_excess"]
    assert final[1.05] > 10 * start  # |1 - lr c| = 1.1 > 1: diverges
    assert final[0.1] < 0.01 * start  # |1 - lr c| = 0.8: the loss gap shrinks 0.64x a step
    assert final[0.001] > 0.5 * start  # 0.998 per step: crawls


@pytest.mark.slow
def test_optimizers(tmp_path: Path) -> None:
    out, text = run_and_read("optimizers", tmp_path)
    # the words: the sign changes of y, counted for each optimiser, and SGD's factor 1 - 2 lr
    flips = out["sign_flips"]
    # plain gradient descent is named as the articles name it: their SGD is one sample at a time
    assert f"GD's y changed sign in {flips['GD']} of {out['steps']} steps: with lr = 0.95" in text
    assert "SGD" not in flips and "GD, plain gradient descent" in lessons._docstring("optimizers")
    assert "(y <- (1 - 2 lr) y = -0.9 y)" in text
    straight = [n for n in ("AdaGrad", "RMSProp") if flips[n] == 0]
    assert straight and f"{' and '.join(straight)} divide y's big gradient" in text
    swinging = [n for n in ("Momentum", "Adam") if flips[n] > 0]
    times = " and ".join(f"{flips[n]} times" for n in swinging)
    assert f"{' and '.join(swinging)} carry speed" in text and f"changes sign {times})" in text
    assert out["sgd_sign_flips"] == out["steps"]  # lr 0.95: y <- -0.9 y, a zigzag every step
    assert out["worst_final_ratio"] < 0.02  # every optimiser got within 2% of the start loss
    assert out["adagrad_beats_sgd"]  # per-coordinate scaling suits the narrow valley


@pytest.mark.slow
def test_batch_size(tmp_path: Path) -> None:
    out, text = run_and_read("batch_size", tmp_path)
    hidden = lessons.load("batch_size").HIDDEN
    assert f"a {'-'.join(map(str, [2, *hidden, 1]))} tanh network" in text
    n = out["n_examples"]
    assert out["updates_per_epoch"] == out["expected_updates"] == {1: n, 16: n // 16, n: 1}
    final = out["final_loss"]
    # the same epochs: more updates, lower loss; every batch size learned something
    assert final[1] < final[16] < final[n] < out["initial_loss"]


@pytest.mark.slow
def test_normalization(tmp_path: Path) -> None:
    out, text = run_and_read("normalization", tmp_path)
    final = out["final_loss"]
    standardised, raw_stable = final["standardised, lr = 0.1"], final["raw, lr = 2e-5"]
    assert standardised < 0.05  # near the noise (sd 0.1, so MSE ~ 0.01)
    assert raw_stable > 50 * standardised  # the same epochs on raw inputs: stuck far above
    assert "diverg" in out["ended"]["raw, lr = 2e-4"]
    # the words: d2L/dw_j^2 = 2 mean(x_j^2), so the steepness ratio is the mean squares' ratio
    area, distance = out["mean_squares"]["raw"]
    assert out["steeper"] == area / distance
    assert f"about {two_figures(area / distance)} times steeper" in text
    assert 1000 < area / distance < 10_000  # "far steeper", the docstring's words
    # the stable limit separates the two raw rates, and the text says so
    assert 2e-5 < out["stable_limit"] < 2e-4
    # ... and it is the real limit: just below it training settles, just above it diverges
    script = lessons.load("normalization")
    X, y = script.make_houses()
    below, _ = script.train(X, y, 0.94 * out["stable_limit"], 200)
    above, _ = script.train(X, y, 1.06 * out["stable_limit"], 200)
    assert below[-1] < below[0] / 1000 and above[-1] > above[0] * 1000
    limit = f"{out['stable_limit']:.0e}".replace("e-0", "e-")
    assert f"below 2 / (the largest curvature) = {limit}" in text
    assert "a rate 10 times larger diverges" in text
    near = out["near_noise_epoch"]
    assert f"twice the noise level of the data (MSE 0.01) by epoch {near}" in text


@pytest.mark.slow
def test_initialization(tmp_path: Path) -> None:
    out, text = run_and_read("initialization", tmp_path)
    # the words: where the small signal dies, Xavier's fade per ReLU layer, log 2
    dies = out["dies_at"]
    assert f"by layer {dies['tanh']} of tanh and layer {dies['relu']} of ReLU" in text
    assert 0.5 < out["xavier_relu_fade"] < 0.9  # near 1/sqrt(2) = 0.71, as the text says
    assert f"fade by a factor of about {out['xavier_relu_fade']:.2f} per layer" in text
    assert "(1/sqrt(2) = 0.71:" in text and "log 2 = 0.693" in text
    final = out["final_loss"]
    dead = out["dead_units"]["naive U(-1, 1)"][-1]
    assert f"leave {dead} of the 10 units of the last hidden layer dead" in text
    assert f"He initialisation trains, to {final['He']:.3f}" in text
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


@pytest.mark.slow
def test_vanishing_gradients(tmp_path: Path) -> None:
    out, text = run_and_read("vanishing_gradients", tmp_path)
    script = lessons.load("vanishing_gradients")
    depth, width = script.DEPTH, script.WIDTH
    # the words: the docstring, the header and the table count the same layers
    assert f"builds {depth} hidden layers of {width} units" in " ".join(script.__doc__.split())
    assert f"{depth} hidden layers of {width} units, then the output layer" in text
    assert all(len(row) == depth + 1 for row in out["layer_sizes"].values())
    assert " ".join(str(k) for k in range(1, depth + 1)) + " output" in text
    sigmoid = out["layer_sizes"]["sigmoid (Xavier)"]
    shrink = (sigmoid[-1] / sigmoid[0]) ** (1 / depth)
    assert f"shrinks by about {shrink:.1f}x per layer" in text
    # one step count: steps count from 1 in the table, the sentence and the picture
    losses, norms = out["unclipped_losses"], out["unclipped_norms"]
    step = int(out["unclipped_ended"].split()[3].rstrip(":"))
    assert step == len(norms) + 1 and len(losses) in (step - 1, step)  # the step that failed
    assert f"the run overflowed at step {step}" in text
    assert f"first update is {norms[0] / script.MAX_NORM:.0f} times longer" in text
    first = out["first_layer"]
    assert out["sigmoid_over_relu"] < 1e-3  # sigmoid's first layer: a vanishing gradient
    assert first["tanh (Xavier)"] > 0.1 * first["ReLU (He)"]  # tanh + Xavier: no vanishing
    assert first["ReLU (He x 1.3): explodes"] > 30 * first["ReLU (He)"]  # exploding
    assert out["unclipped_ended"].startswith("overflowed")
    assert out["clipped_ended"].startswith("finished")
    losses = out["clipped_losses"]
    assert losses[-1] < losses[0] / 4  # clipping: the same learning rate now trains


@pytest.mark.slow
def test_regularization(tmp_path: Path) -> None:
    out, text = run_and_read("regularization", tmp_path)
    gap, test = out["gap"], out["test_loss"]  # gap = test loss - training loss (over-fitting)
    accuracy = out["accuracy"]
    assert gap["dropout"] < 0.7 * gap["plain"]
    assert gap["batch norm"] < 0.7 * gap["plain"]
    assert test["dropout"] < test["plain"] and test["batch norm"] < test["plain"]
    # the words: each variant's sentence says what its own numbers say, no more
    for kind in ("dropout", "batch norm"):
        sentence = out["verdicts"][kind]
        assert " ".join(sentence.split()) in text
        gap_word = "smaller" if gap[kind] < gap["plain"] else "larger"
        assert f"the gap is {gap_word} ({gap[kind]:.2f} against {gap['plain']:.2f})" in sentence
        loss_word = "lower" if test[kind] < test["plain"] else "higher"
        assert f"the test loss {loss_word} ({test[kind]:.2f} against" in sentence
        ours, plain = f"{accuracy[kind]:.0%}", f"{accuracy['plain']:.0%}"
        if ours == plain:
            assert f"the test accuracy the same as the plain network's ({ours})" in sentence
        else:
            acc_word = "higher" if accuracy[kind] > accuracy["plain"] else "lower"
            assert f"the test accuracy {acc_word} ({ours} against {plain})" in sentence
        every = (
            gap_word == "smaller" and loss_word == "lower" and accuracy[kind] > accuracy["plain"]
        )
        assert ("helps on every count" in sentence) == every
    n_test = lessons.load("regularization").N_TEST
    # a difference of two accuracies: the variances add (issue 22: it used one accuracy's)
    furthest = max(("dropout", "batch norm"), key=lambda k: abs(accuracy[k] - accuracy["plain"]))
    error = math.sqrt(sum(accuracy[k] * (1 - accuracy[k]) / n_test for k in ("plain", furthest)))
    assert out["standard_error"] == pytest.approx(error, rel=1e-12)
    assert f"{accuracy[furthest]:.0%}) is {error * 100:.1f} points" in text


@pytest.mark.slow
def test_convolution(tmp_path: Path) -> None:
    out, text = run_and_read("convolution", tmp_path)
    # step 0's row: the loss beside the kernel it was computed with, the starting one (issue 22)
    start = re.search(r"starting kernel \[([^\]]*)\]", text)
    row = re.search(r"step 0: loss \S+, kernel \[([^\]]*)\]", text)
    assert start and row, "no starting kernel or step 0 row"
    started = [float(v) for v in start.group(1).split(",")]
    shown = [float(v) for v in row.group(1).split(",")]
    assert shown == pytest.approx(started, abs=6e-4)  # rounded to 3 and 4 decimals
    assert "with respect to its 3 shared weights" in text  # kernel_size=3, as the layer says
    assert "kernel_size=3," in text
    assert out["hand_vs_engine"] < 1e-12  # dL/dK[k] = sum_n dL/dz[n] x[n + k]
    assert out["kernel_error"] < 0.05  # the learned kernel is the edge detector [-1, 0, 1]


@pytest.mark.slow
def test_evaluation(tmp_path: Path) -> None:
    out, text = run_and_read("evaluation", tmp_path)
    # epoch 1: the training loss (averaged while the weights moved) is above the test loss
    # (measured after); the lesson says why, and measured after the epoch it is lower
    train, test, after = out["train_loss"][0], out["test_loss"][0], out["train_loss_after_epoch"][0]
    assert train > test > after  # the case the sentence explains, and its resolution
    assert f"Why is epoch 1's training loss ({train:.3f}) above its test loss ({test:.3f})?" in text
    assert f"Measured after epoch 1 in the same way, the training loss is {after:.3f}." in text
    matrix = out["matrix"]
    assert sum(map(sum, matrix)) == out["n_test"]  # every test example counted once
    assert out["accuracy"] == out["accuracy_from_matrix"] == out["evaluate_accuracy"]
    assert out["accuracy"] > 0.7  # three overlapping clusters; guessing gives 1/3
    assert out["final_loss"] < math.log(3)  # better than the uniform guess's cross-entropy


@pytest.mark.slow
def test_digits(tmp_path: Path) -> None:
    out, text = run_and_read("digits", tmp_path)
    matrix = out["matrix"]
    assert sum(map(sum, matrix)) == out["n_test"]  # every test digit counted once
    assert out["accuracy"] == out["accuracy_from_matrix"]
    assert out["accuracy"] > 0.5  # ten classes: guessing reads 10%; even the quick run learns
    assert out["loss"][-1] < out["loss"][0]
    assert out["eager_vs_compiled_loss"] < 1e-12  # the replay gives the eager engine's losses
    # the printed figures are the measured ones, whatever they are (no timing is judged here)
    assert f"test accuracy {out['accuracy']:.1%}" in text
    assert out["speedup"] == out["eager_epoch_seconds"] / out["compiled_epoch_seconds"]
    assert f"{out['speedup']:.0f}x faster" in text
    # the goal is judged on the full run only, from the figures; no result is typed in
    assert "goal:" not in text
    script = lessons.load("digits")
    source = (lessons.examples_dir() / "digits.py").read_text(encoding="utf-8")
    assert not re.findall(r"\d\.\d%|9\d%", source), "an accuracy typed into the lesson"
    doc = " ".join((script.__doc__ or "").split())
    assert f"a stratified {script.TEST_SHARE:.0%} of them aside" in doc
    assert f"each batch of {script.BATCH_SIZE} digits" in doc
    assert f"every epoch, {script.MOVED_SHARE:.0%} of the training digits" in doc
    assert "shifted by {0}, {1} or {2} pixel down and by {0}, {1}".format(*script.MOVES) in doc
    pixels = [float(i + 1) for i in range(64)]  # the augmentation moves a digit, blank behind
    moved = script.shifted(pixels, 1, -1)  # one row down, one column left
    assert moved[:8] == [0.0] * 8 and moved[15] == 0.0  # the top row and the last column
    assert moved[8:15] == pixels[1:8]  # row 1 holds row 0 without its first pixel
    assert script.shifted(pixels, 0, 0) == pixels
    # the batches are arrays, read from every move made once: the same batches, digit for
    # digit and move for move, as moving each digit as it is drawn (the rng's draws in order)
    import random

    from autograd_lite.data import DIGIT_MAX, batches

    P = [[float((i * 7 + j * 3) % 17) for j in range(64)] for i in range(70)]
    y = [i % 10 for i in range(70)]
    copies = script.shifted_copies(P)
    for epoch in (0, 3):
        rng = random.Random(script.SEED + epoch)
        moved = [
            script.shifted(p, rng.choice(script.MOVES), rng.choice(script.MOVES))
            if rng.random() < script.MOVED_SHARE
            else p
            for p in P
        ]
        images = [script.as_image(p) for p in moved]
        expected = list(batches(images, y, batch_size=script.BATCH_SIZE, seed=rng))
        got = script.epoch_batches(copies, y, epoch)
        assert [(xb.tolist(), yb.tolist()) for xb, yb in got] == expected
    assert copies.max() == max(map(max, P)) / DIGIT_MAX
    layers = script.make_model().layers
    assert (
        f"Conv2d(1, {layers[0].out_channels}, 3) -> ReLU -> "
        f"Conv2d({layers[2].in_channels}, {layers[2].out_channels}, 3) -> ReLU -> Flatten -> "
        f"Linear({layers[5].nin}, 10)" in doc
    )


@pytest.mark.slow
def test_fine_tuning(tmp_path: Path) -> None:
    out = run_lesson("fine_tuning", tmp_path)
    assert out["frozen_change"] == 0.0  # the frozen layer's weights did not move at all
    assert out["frozen_grads"] == 0.0  # ... and never received a gradient
    # the network view marks the frozen layer (issue 22): its heading and dashed neurons
    script = lessons.load("fine_tuning")
    import visualize
    from autograd_lite import nn

    model = nn.MLP(2, [3, 2], seed=0)
    network = visualize.draw_model(model)
    script.mark_frozen(network, model, frozen=0)
    assert "layers.0 (frozen)" in network.source
    assert network.source.count('style="filled,dashed"') == 3
    assert "mark_frozen(network, model, frozen=0)" in (
        lessons.examples_dir() / "fine_tuning.py"
    ).read_text(encoding="utf-8")
    assert out["tuned_change"] > 0.01 and out["head_change"] > 0.01
    first, last = out["task_b_loss"]
    assert last < first / 4  # the unfrozen layers learned task B
    assert out["trainable"] == 16 * 17 + 3 * 17  # layers.1 and the new head: w and b each
    assert (tmp_path / "task_a.json").is_file()  # the checkpoint it saved and loaded


@pytest.mark.slow
def test_newton(tmp_path: Path) -> None:
    out = run_lesson("newton", tmp_path)
    x = 2.0  # f = e^x + e^-2x: f' = e^x - 2e^-2x, f'' = e^x + 4e^-2x (from create_graph=True)
    assert out["first_derivative"] == pytest.approx(math.exp(x) - 2 * math.exp(-2 * x))
    assert out["second_derivative"] == pytest.approx(math.exp(x) + 4 * math.exp(-2 * x))
    assert out["newton_final"] == pytest.approx(math.log(2) / 3, abs=1e-10)
    assert out["newton_steps"] * 5 < out["descent_steps"]  # far fewer steps with curvature
    # the picture's legend and the text count the same steps (issue 22: it said 12 against 51)
    assert f"of {out['descent_steps']} steps)" in out["descent_label"]


# -- the command line and the scripts themselves -----------------------------------


def test_every_lesson_is_tested_and_ordered() -> None:
    names = lessons.lesson_names()
    assert set(names) <= set(lessons.ORDER), "add new lessons to lessons.ORDER"
    untested = [n for n in names if f"test_{n}" not in globals()]
    assert not untested, f"lessons without a test: {untested}"
    for name in names:
        assert lessons.describe(name), f"{name} has no one-line description"


@pytest.mark.slow
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


@pytest.mark.slow
def test_demo_states_its_penalty_once_as_the_readme_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's L2 coefficient is half its weight_decay, and it says so in the README's words."""
    from autograd_lite import demo

    l2 = f"{demo.WEIGHT_DECAY / 2:.0e}".replace("e-0", "e-")
    wd = f"{demo.WEIGHT_DECAY:.0e}".replace("e-0", "e-")
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"L2 {l2}," in " ".join(readme.split())  # README: "hinge loss, L2 1e-4, SGD ..."
    args = ["demo", "--samples", "20", "--hidden", "2", "--epochs", "1", "--no-progress"]
    assert cli_main([*args, "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert f"L2 {l2}: {l2} * sum(w^2) added to the loss, that is weight_decay={wd}" in text
    assert "weight decay 0.0002" not in text  # one name for one fact


def test_docstrings_state_the_lessons_own_settings() -> None:
    """A number a lesson's docstring states is the one its code uses."""

    def doc(name: str) -> tuple[Any, str]:
        script = lessons.load(name)
        return script, " ".join((script.__doc__ or "").split())

    rate, text = doc("learning_rate")
    assert f"to {rate.N_POINTS} noisy points of ``t = {rate.TRUE_W:g}x``" in text
    for lr in rate.RATES:  # each rate's factor 1 - lr c, with c = 2 (standardised inputs)
        assert f"{lr:g}``" in text and f"{1 - 2 * lr:g}" in text, lr
    regularization, text = doc("regularization")
    assert f"With {regularization.N_TRAIN} noisy training points" in text
    optimizers, text = doc("optimizers")
    x0, y0 = optimizers.START
    assert f"started at ``({x0:g}, {y0:g})``" in text
    momentum = optimizers.OPTIMISERS["Momentum"][1]["momentum"]
    assert f"``v <- {momentum:g} v + g``" in text
    toast, text = doc("toast_robot")
    assert (
        f"``x = {toast.X:g}``, target ``t = {toast.TARGET:g}``, start ``w = {toast.W_START:g}``"
        in text
    )
    assert f"learning rate ``eta = {toast.ETA:g}``" in text


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


# -- writing where nothing can be written; names as data (issue 16, section 4) ------------


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
@pytest.mark.parametrize("notebook", [[], ["--notebook"]])
@pytest.mark.parametrize("out", ["/proc", "/proc/self"])
def test_out_in_proc_is_one_line_and_a_usage_error(
    out: str, notebook: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["lesson", "toast_robot", "--quick", "--out", out, *notebook]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"autograd-lite lesson: error: argument --out: cannot write in {out}")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_read_only_folder_is_one_line_and_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As root, permission bits do not stop a write: a read-only folder is simulated too."""
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # root: the bits do not bind it; fail every new file
        real = lessons.tempfile.TemporaryFile

        def refuse(*args: Any, dir: Any = None, **kwargs: Any) -> Any:
            if dir is not None and Path(dir).resolve() == folder.resolve():
                raise PermissionError(13, "Permission denied")
            return real(*args, dir=dir, **kwargs)

        monkeypatch.setattr(lessons.tempfile, "TemporaryFile", refuse)
    for notebook in ([], ["--notebook"]):
        assert cli_main(["lesson", "toast_robot", "--quick", "--out", str(folder), *notebook]) == 2
        err = capsys.readouterr().err
        assert f"cannot write in {folder}: Permission denied" in err
        assert err.count("\n") == 1
    monkeypatch.chdir(folder)  # --notebook without --out writes in the current folder
    assert cli_main(["lesson", "toast_robot", "--notebook"]) == 2
    assert "cannot write in .: Permission denied" in capsys.readouterr().err
    assert not list(folder.iterdir())


def test_a_write_that_fails_half_way_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device", str(tmp_path / "toast_robot.ipynb"))

    monkeypatch.setattr(lessons, "write_notebook", full)
    assert cli_main(["lesson", "toast_robot", "--notebook", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    where = tmp_path / "toast_robot.ipynb"
    assert err == f"autograd-lite lesson: {where}: No space left on device\n"


HOSTILE_NAMES = [
    'say "hi"',
    "smile \U0001f600",
    'x"), print("pwned',
    "it's",
    "back\\slash",
    "a b\u00e9<i>",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_lesson_name_reaches_the_notebook_as_data(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    examples = Path(lessons.examples_dir())
    (tmp_path / "_lesson.py").write_text((examples / "_lesson.py").read_text())
    (tmp_path / f"{name}.py").write_text((examples / "toast_robot.py").read_text())
    monkeypatch.setenv(lessons.ENV_VAR, str(tmp_path))
    book = lessons.notebook(name)
    start = next(c["source"] for c in book["cells"] if "start(" in c["source"])
    call = next(
        node
        for node in ast.walk(ast.parse(start))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "start"
    )
    file_arg, describe_arg, _ = call.args
    assert isinstance(file_arg, ast.Constant) and file_arg.value == f"{name}.py"
    assert isinstance(describe_arg, ast.Constant) and describe_arg.value == lessons.describe(name)
    assert "pwned" not in "".join(
        ast.unparse(n) for n in ast.walk(ast.parse(start)) if isinstance(n, ast.Name)
    )
    for cell in book["cells"]:
        assert re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", cell["id"]), cell["id"]
    assert len({c["id"] for c in book["cells"]}) == len(book["cells"])
    assert "<i>" not in book["cells"][0]["source"]  # the Markdown title shows the name as text
    written = lessons.write_notebook(name, tmp_path)
    assert json.loads(written.read_text(encoding="utf-8"))["cells"][1]["source"]


# -- the questions learners ask most (issue 22) -------------------------------------


@pytest.mark.slow
def test_topological_order(tmp_path: Path) -> None:
    out, text = run_and_read("topological_order", tmp_path)
    # b = a + a, c = b + b: c = 4a; the naive recursion sends b's whole gradient twice
    assert out["correct_gradient"] == 4.0
    assert out["naive_gradient"] == 8.0
    assert out["naive_visits"] == 1 + 2 + 4  # c once, b twice, a four times
    assert "a receives 8 instead of 4" in text
    for depth, right, visits, nodes in zip(
        out["depths"], out["correct"], out["naive_visits_per_depth"], out["nodes"], strict=True
    ):
        assert right == 2.0**depth  # d/da of 2^depth a
        assert visits == 2 ** (depth + 1) - 1  # one visit per path
        assert nodes == depth + 1  # topological order: one step per node
    assert all(n > r for n, r in zip(out["naive"][1:], out["correct"][1:], strict=True))


@pytest.mark.slow
def test_backprop_efficiency(tmp_path: Path) -> None:
    out, text = run_and_read("backprop_efficiency", tmp_path)
    assert out["forward_passes"] == [2 * p for p in out["parameters"]]  # two per parameter
    assert out["largest_gap"] < 1e-6  # both methods give the same gradients
    assert out["parameters"] == sorted(out["parameters"])
    assert f"numerical one is {out['largest_gap']:.1e}" in text  # the words are the numbers


@pytest.mark.slow
def test_derivative_graphs(tmp_path: Path) -> None:
    out, text = run_and_read("derivative_graphs", tmp_path)
    y = math.tanh(0.5)
    d1 = 1 - y * y
    assert out["values"][:2] == pytest.approx([y, d1], abs=1e-15)
    assert out["values"][2] == pytest.approx(-2 * y * d1, abs=1e-15)
    assert out["formula_gap"] < 1e-12 and out["plot_gap"] < 1e-12
    assert out["nodes"] == sorted(out["nodes"]) and out["nodes"][-1] > out["nodes"][1]  # growth
    assert out["sign_changes"] == [1, 0, 1, 2]  # tanh, a bump, then one more each time
    assert len(out.pictures) == 3  # two graphs and the plot
    assert "the four curves change sign 1, 0, 1, 2 times" in text
