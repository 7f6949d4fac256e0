"""`autograd-lite demo`: a short run end to end, the training recipe, bad options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograd_lite import demo, nn
from autograd_lite.checkpoint import load
from autograd_lite.cli import build_parser, main
from autograd_lite.data import make_moons
from autograd_lite.losses import hinge_loss
from autograd_lite.metrics import accuracy
from autograd_lite.train import evaluate
from visualize.plots import plot_decision_boundary

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_short_run_writes_pictures_and_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    code = main(
        [
            "demo",
            "--samples",
            "30",
            "--hidden",
            "4",
            "--epochs",
            "3",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "epoch 1/3  loss" in text and "epoch 3/3" in text and "accuracy" in text
    assert "confusion matrix" in text and "true \\ predicted" in text
    for name in ("decision_boundary.png", "training_curve.png"):
        assert (out / name).read_bytes().startswith(PNG), name
        assert f"wrote {out / name}" in text
    assert "without the L2 term" in text
    lines = text.splitlines()
    assert next(line for line in lines if line.startswith("epoch 2/3")).endswith("  lr 0.7")
    model = nn.MLP(2, [4, 1])
    meta = load(out / "model.json", model)
    assert meta["dataset"] == "moons" and meta["epochs"] == 3 and meta["hidden"] == [4]
    # the final figures saved and printed are those of the trained model, after its last step
    data = make_moons(30, noise=0.1, seed=1337)
    final = evaluate(model, hinge_loss, data)
    assert (meta["final_loss"], meta["final_accuracy"]) == (final.loss, final.accuracy)
    assert f"loss {final.loss:.6f} (without the L2 term), accuracy {final.accuracy:.1%}" in text
    assert json.loads((out / "model.json").read_text())["model"]["type"] == "MLP"


def test_multiclass_dataset_uses_one_output_per_class(tmp_path: Path) -> None:
    args = build_parser().parse_args(
        [
            "demo",
            "--dataset",
            "blobs",
            "--samples",
            "30",
            "--hidden",
            "4",
            "--epochs",
            "2",
            "--no-progress",
        ]
    )
    result = demo.train(args, log=lambda line: None)
    assert result.num_classes == 3 and result.model.layers[-1].nout == 3  # type: ignore[attr-defined]
    assert result.loss_fn.__name__ == "cross_entropy"
    plot_decision_boundary(
        result.model, result.X, result.y, str(tmp_path / "b.png"), title="blobs", resolution=20
    )
    assert (tmp_path / "b.png").read_bytes().startswith(PNG)


def test_the_demo_recipe_reaches_full_accuracy() -> None:
    # The default run (100 points, 100 epochs) is checked by benchmarks/bench_demo.py;
    # this is the same recipe on 40 points, 40 epochs, with a fixed seed.
    args = build_parser().parse_args(
        ["demo", "--samples", "40", "--epochs", "40", "--seed", "2", "--no-progress"]
    )
    result = demo.train(args, log=lambda line: None)
    assert result.history.accuracy[-1] == 1.0
    assert result.predictions == result.y
    assert result.final.accuracy == accuracy(result.y, result.predictions) == 1.0
    # the schedule --help describes: epoch k of N uses lr (1 - 0.9 (k - 1) / N)
    assert result.history.lr == pytest.approx([1.0 - 0.9 * k / 40 for k in range(40)])
    assert result.history.lr[-1] == pytest.approx(0.1 + 0.9 / 40)


def test_every_activation_of_nn_is_offered() -> None:
    for name in nn.ACTIVATIONS:
        assert build_parser().parse_args(["demo", "--activation", name]).activation == name


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--hidden", "16,x"], "argument --hidden: expected layer sizes"),
        (["--lr", "-1"], "argument --lr: expected a positive float"),
        (["--epochs", "0"], "argument --epochs: expected a positive int"),
        (["--dataset", "mnist"], "invalid choice: 'mnist'"),
        (["--noise", "nan"], "argument --noise"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(
    option: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["demo", *option])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_divergence_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "demo",
            "--lr",
            "1e30",
            "--samples",
            "20",
            "--hidden",
            "4",
            "--epochs",
            "10",
            "--out",
            str(tmp_path),
            "--no-progress",
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("autograd-lite demo: error: training diverged in epoch")
    assert "smaller learning rate" in err and err.count("\n") == 1


@pytest.mark.slow
def test_unwritable_output_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "model.json").mkdir()  # the model cannot be saved over a directory
    options = ["--samples", "20", "--hidden", "4", "--epochs", "1", "--no-progress"]
    assert main(["demo", *options, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("autograd-lite demo: error: ") and "model.json" in err
    assert err.count("\n") == 1
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"model.json", "decision_boundary.png", "training_curve.png"}  # no temp file


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["moons", "blobs"])
def test_the_loss_curve_is_the_same_in_every_compile_mode(
    dataset: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--compile off, python and numpy train the same network the same way, and say which ran."""
    curves = {}
    for mode in ("off", "python", "numpy"):
        argv = ["demo", "--dataset", dataset, "--samples", "30", "--epochs", "3", "--no-progress"]
        assert main([*argv, "--compile", mode, "--out", str(tmp_path / mode)]) == 0
        out = capsys.readouterr().out
        assert ("eager:" in out) == (mode == "off")
        assert (f"compiled ({mode} backend)" in out) == (mode != "off")
        curves[mode] = [
            line.split("lr")[0] for line in out.splitlines() if line.startswith("epoch")
        ]
    assert len(curves["off"]) == 3
    assert curves["off"] == curves["python"] == curves["numpy"]  # loss and accuracy, 6 digits
