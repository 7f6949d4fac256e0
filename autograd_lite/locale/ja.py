"""The Japanese catalogue (日本語): the glossary, and the library's text in pictures and lists.

``GLOSSARY`` is the one place for the terms the Japanese edition uses, as
the introductory articles on 誤差逆伝播法 use them: the lessons, the
pictures and README.ja.md (whose table ``glossary_markdown()`` writes, and
a test compares) take their words from it. ``MESSAGES`` maps English text
to Japanese: the glossary's terms, then the library's own text.
"""

from __future__ import annotations

#: (English term, Japanese term, a note for the reader). The articles' words, used as they use them.
GLOSSARY: tuple[tuple[str, str, str], ...] = (
    ("backpropagation", "誤差逆伝播法", "「誤差伝播」は測定誤差の伝播のことなので使わない"),
    ("forward pass", "順伝播", "入力から出力へ値を計算すること"),
    ("backward pass", "逆伝播", "出力から入力へ勾配を送ること"),
    ("chain rule", "連鎖律", "経路ごとに掛け、経路について足す"),
    ("partial derivative", "偏微分", ""),
    ("total differential", "全微分", ""),
    ("gradient", "勾配", ""),
    ("gradient descent", "勾配降下法", ""),
    ("stochastic gradient descent", "確率的勾配降下法 (SGD)", "1 サンプルずつ更新する"),
    ("mini-batch", "ミニバッチ", ""),
    ("batch size", "バッチサイズ", ""),
    ("epoch", "エポック", ""),
    ("learning rate", "学習率", "記号は η (イータ)"),
    ("loss function", "損失関数", "誤差関数とも"),
    ("mean squared error", "平均二乗誤差", ""),
    ("cross-entropy", "交差エントロピー誤差", ""),
    ("activation function", "活性化関数", ""),
    ("sigmoid", "シグモイド関数", ""),
    ("softmax", "ソフトマックス関数", ""),
    ("weight", "重み", ""),
    ("bias", "バイアス", ""),
    ("affine layer", "全結合層 (Affine レイヤ)", ""),
    ("convolution", "畳み込み", ""),
    ("convolution layer", "畳み込み層", ""),
    ("kernel", "カーネル (フィルタ)", ""),
    ("optimiser", "最適化手法", "モーメンタム、AdaGrad、RMSProp、Adam"),
    ("momentum", "モーメンタム", ""),
    ("vanishing gradients", "勾配消失", ""),
    ("exploding gradients", "勾配爆発", ""),
    ("gradient clipping", "勾配クリッピング", ""),
    ("gradient checking", "勾配確認", "誤差逆伝播法の勾配を数値微分と比べる"),
    ("numerical differentiation", "数値微分", ""),
    ("weight initialisation", "重みの初期化", "重みの初期値: Xavier、He"),
    ("dropout", "ドロップアウト", ""),
    ("batch normalisation", "バッチ正規化", ""),
    ("normalising inputs", "正規化・標準化", ""),
    ("over-fitting", "過学習", ""),
    ("generalisation", "汎化性能", ""),
    ("confusion matrix", "混同行列", ""),
    ("accuracy", "正解率", ""),
    ("fine-tuning", "ファインチューニング", ""),
    ("transfer learning", "転移学習", ""),
    ("hyper-parameter", "ハイパーパラメータ", ""),
    ("computation graph", "計算グラフ", ""),
    ("automatic differentiation", "自動微分", ""),
    ("topological order", "トポロジカル順序", "ノードを、それを使うノードより先に並べた順"),
)


def glossary_markdown() -> str:
    """The glossary as a Markdown table (README.ja.md shows this exact text)."""
    rows = ["| English | 日本語 | 補足 |", "| --- | --- | --- |"]
    rows += [f"| {en} | {ja} | {note} |" for en, ja, note in GLOSSARY]
    return "\n".join(rows)


MESSAGES: dict[str, str] = {
    **{en: ja for en, ja, _ in GLOSSARY},
    # autograd-lite lessons
    "Run one with `autograd-lite lesson NAME` (`--notebook` to get it as a notebook),\n"
    "or `python {folder}/NAME.py`.": "\n実行するには `autograd-lite lesson NAME --lang ja`"
    " (ノートブックにするには `--notebook`)、\nまたは `python {folder}/NAME.py --lang ja`。",
    "Lesson {name}: {title}": "レッスン {name}: {title}",
    "  [exercise: {names}]": "  [演習: {names}]",
    "wrote {path}: open it in Jupyter (or VS Code) and run all cells": (
        "{path} を書きました: Jupyter (または VS Code) で開き、すべてのセルを実行してください"
    ),
    "(quick mode: a smaller run that makes the same point)": "(クイックモード: 同じことを示す、"
    "より小さな実行)",
    "  picture: {path}": "  図: {path}",
    "{count} picture(s) in {folder}/": "図 {count} 枚: {folder}/",
    "(no Japanese font: pictures keep English labels; "
    'pip install "autograd_lite[ja]" installs one)': "(日本語フォントがないため、図のラベルは英語の"
    'ままです。pip install "autograd_lite[ja]" で入ります)',
}

# visualize: the animation's captions (a browser page: any language draws)
MESSAGES.update(
    {
        "{root} takes no gradient (it does not depend on anything that does).": (
            "{root} は勾配を持ちません (勾配を持つものに依存していません)。"
        ),
        "Forward pass done: every node holds its data. The backward pass starts at "
        "the output {root} and visits each node after everything that uses it.": (
            "順伝播が終わり、どのノードにも値が入りました。逆伝播は出力 {root} から始まり、"
            "各ノードを、それを使うすべてのノードの後に訪れます。"
        ),
        "Step {k} of {total}: start at the output {name}: ∂{d}/∂{d} = 1.": (
            "ステップ {k}/{total}: 出力 {name} から始める: ∂{d}/∂{d} = 1。"
        ),
        "Step {k} of {total}: every path into {name} has arrived: grad = {g}.": (
            "ステップ {k}/{total}: {name} へのすべての経路が届いた: grad = {g}。"
        ),
        " {name} is a leaf: backward() adds {g} to {name}.grad.": (
            "{name} は葉 (入力側の端) なので、backward() は {g} を {name}.grad に足します。"
        ),
        "{parent} gets {up} × {local} = {value}": "{parent} へ {up} × {local} = {value}",
        " Chain rule through {op}: {sent}.": "{op} を通る連鎖律: {sent}。",
        " Its inputs are constants: {op} sends nothing on.": (
            "入力はすべて定数なので、{op} は何も送りません。"
        ),
        " Done: every gradient is in place.": "完了: すべての勾配がそろいました。",
        "The backward pass, step by step": "逆伝播を 1 ステップずつ",
    }
)

# visualize: diagram legends (only where the layout program can draw Japanese)
MESSAGES.update(
    {
        "input": "入力",
        "parameter": "パラメータ",
        "constant": "定数",
        "output": "出力",
        "result": "中間値",
        "Backward view: the chain rule, output to inputs": "逆伝播の図: 出力から入力への連鎖律",
        "each edge: local derivative ∂out/∂in, then upstream grad × ∂out/∂in": (
            "各辺: 局所的な微分 ∂out/∂in と、上流の勾配 × ∂out/∂in"
        ),
        "a node's grad = the sum of what its edges bring (sum over paths)": (
            "ノードの勾配 = 辺が運んでくるものの和 (経路についての和)"
        ),
        "Forward view: data from the forward pass, grad as stored in .grad": (
            "順伝播の図: 順伝播の値と、.grad に入っている勾配"
        ),
        "grad colour: blue negative, white zero, red positive": "勾配の色: 青は負、白は 0、赤は正",
        "Network view": "ネットワークの図",
        "value:": "値:",
        "line colour: weight value; neuron fill: bias value": (
            "線の色: 重みの値、ニューロンの塗り: バイアスの値"
        ),
        "line thickness: |weight gradient|; neuron outline thickness: |bias gradient|": (
            "線の太さ: |重みの勾配|、ニューロンの輪郭の太さ: |バイアスの勾配|"
        ),
        "(the diagrams keep English legends: graphviz-pure, which draws them, has no "
        "Japanese font)": "(計算グラフの図の凡例は英語のままです。図を描く graphviz-pure に"
        "日本語フォントがないためです)",
    }
)

# autograd-lite demo: what it prints, and its two pictures (visualize.plots)
MESSAGES.update(
    {
        "epoch {epoch}/{epochs}  loss {loss:.6f}  accuracy {accuracy:.1%}  lr {lr:.4g}": (
            "エポック {epoch}/{epochs}  損失 {loss:.6f}  正解率 {accuracy:.1%}  学習率 {lr:.4g}"
        ),
        "not compiled: {error}; training eagerly instead": (
            "コンパイルしません ({error})。コンパイルせずに (eager に) 学習します"
        ),
        "weight decay {wd}, decoupled (AdamW shrinks the weights directly: no L2 term)": (
            "荷重減衰 {wd} (AdamW は重みを直接縮めるので、損失に L2 の項は足しません)"
        ),
        "L2 {l2}: {l2} * sum(w^2) added to the loss, that is weight_decay={wd} "
        "(its gradient, {wd} * w)": (
            "L2 正則化 {l2}: 損失に {l2} * sum(w^2) を足します。weight_decay={wd} と同じです"
            " (その勾配が {wd} * w)"
        ),
        "eager: the graph is rebuilt and walked node by node at every step": (
            "eager: 計算グラフを毎ステップ作り直し、ノードを 1 つずつたどります"
        ),
        "compiled ({backend} backend): the loss is recorded once and replayed": (
            "コンパイル版 ({backend} バックエンド): 損失の計算を一度だけ記録し、それを再生します"
        ),
        "{model} on {n} {dataset} points ({k} classes), {loss}, {optimizer} lr {lr:g},": (
            "{model} を {dataset} の {n} 点 ({k} クラス) で学習、損失関数 {loss}、"
            "{optimizer} 学習率 {lr:g}"
        ),
        "(loss: the mean {loss} over the points, without the L2 term)": (
            "(損失: 全点の {loss} の平均。L2 の項は含みません)"
        ),
        "confusion matrix (training set):": "混同行列 (訓練データ。行: 正解 (true)、列: 予測 (predicted)):",
        "after {epochs} epochs ({seconds:.1f} s), on the training set: loss {loss:.6f} "
        "(without the L2 term), accuracy {accuracy:.1%}": (
            "{epochs} エポック後 ({seconds:.1f} 秒)、訓練データで: 損失 {loss:.6f}"
            " (L2 の項を除く)、正解率 {accuracy:.1%}"
        ),
        "wrote {path}  ({what})": "書き出し: {path}  ({what})",
        "decision boundary": "決定境界",
        "training curve": "学習曲線",
        "model": "モデル",
        "MLP {sizes} ({activation}, {optimizer}) on {n} {dataset} points": (
            "MLP {sizes} ({activation}、{optimizer})、{dataset} の {n} 点"
        ),
        "decision boundary after {epochs} epochs, training accuracy {accuracy:.0%}": (
            "{epochs} エポック後の決定境界、訓練データの正解率 {accuracy:.0%}"
        ),
        "x₁ (first input)": "x₁ (1 つ目の入力)",
        "x₂ (second input)": "x₂ (2 つ目の入力)",
        "class {c}": "クラス {c}",
        "misclassified": "誤分類",
        "training loss": "訓練損失",
        "validation loss": "検証データの損失",
        "loss (mean over the training set, without L2)": "損失 (訓練データ全体の平均、L2 を除く)",
        "Loss ({loss_name})": "損失 ({loss_name})",
        "training accuracy": "訓練データの正解率",
        "validation accuracy": "検証データの正解率",
        "accuracy (%)": "正解率 (%)",
        "Accuracy": "正解率",
    }
)

# autograd-lite graph: the table of values and gradients
MESSAGES.update(
    {
        "variable": "変数",
        "value": "値",
        "wrote {path}": "書き出し: {path}",
    }
)

# diagram legends drawn as SVG (the viewer draws Japanese), and the PNG's fallback
MESSAGES.update(
    {
        "(the PNG keeps English legends: graphviz-pure, which draws it, has no Japanese font; "
        "write .svg to get them in Japanese)": (
            "(PNG の凡例は英語のままです。PNG を描く graphviz-pure に日本語フォントがないためです。"
            "日本語の凡例には .svg に書き出してください)"
        ),
        "sum of n backward() calls: .grad adds up until set to 0 (zero_grad)": (
            "n 回の backward() の和: .grad は 0 に戻す (zero_grad) まで足し合わされます"
        ),
    }
)
