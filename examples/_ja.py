"""The lessons in Japanese (日本語版): each lesson's docstring, and its sentences.

``DOCS`` maps a lesson's name to its docstring in Japanese; ``MESSAGES`` maps
each English sentence a lesson passes to ``tr``/``say``/``section``/``pic``
to its Japanese, keyed by the English text (whitespace does not matter).
Numbers are ``{fields}`` formatted after translation, with the same names as
in the English text; the terms are those of ``autograd_lite.locale.ja.GLOSSARY``.
The tests check that every sentence of a translated lesson is here, that
every entry here is used, and that the fields match.
"""

from __future__ import annotations

DOCS: dict[str, str] = {}
MESSAGES: dict[str, str] = {}

# -- toast_robot ---------------------------------------------------------------------

DOCS["toast_robot"] = """\
トーストロボット: 入力 1 つ、重み 1 つ、出力 1 つで、学習の 1 ステップを手で計算する。

パンをどれだけ焼くかを学習するロボットがいます。このネットワークは重み ``w`` ただ 1 つ
で、``w`` はパンがきつね色になってから、さらに何分焼き続けるかです。入力 ``x`` は
トースターの火力、出力 ``y = w * x`` はトーストの焦げ具合で、目標は ``t = 0`` (まったく
焦げていない) です。誤差 (損失関数) は ``E = 1/2 (y - t)^2`` です。連鎖律により勾配は
``dE/dw = dE/dy * dy/dw = (y - t) * x`` となり、勾配降下法は重みを勾配と逆向きに動かします:
``w <- w - η * dE/dw``。

教科書の数値 ``x = 2``、目標 ``t = 0``、初期値 ``w = 1``、学習率 ``η = 0.1`` では
``y = 2``、``E = 2``、``dE/dw = 4`` です。トーストが焦げたので、ロボットは焼き時間を短く
します。新しい重みは ``0.6``、新しい出力は ``1.2``、1 ステップ後の誤差は ``0.72`` です。
このレッスンはこれらを 1 つずつ表示し、勾配をエンジンの ``backward()`` と照らし合わせ、
誤差がほぼ 0 になるまで学習を続けて、ステップごとの誤差と重みをグラフにします。

実行: ``autograd-lite lesson toast_robot --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        """The weight w is how many minutes the robot toasts past golden brown; the input x is
        how hot the toaster is; the output y = w * x is how burnt the toast comes out. Model
        y = w * x, error E = 1/2 (y - t)^2, with x = {x:g}, target t = {t:g} (not burnt),
        starting weight w = {w:g} and learning rate eta = {eta:g}.""": """\
重み w は、パンがきつね色になってからロボットがさらに焼き続ける時間 (分) です。入力 x は
トースターの火力、出力 y = w * x はトーストの焦げ具合です。モデルは y = w * x、誤差は
E = 1/2 (y - t)^2 で、x = {x:g}、目標 t = {t:g} (焦げていない)、重みの初期値 w = {w:g}、
学習率 η = {eta:g} とします。""",
        "one step of learning, number by number": "学習の 1 ステップを、数値で 1 つずつ",
        "forward:  y = w * x = {w:g} * {x:g} = {y:g}": "順伝播:  y = w * x = {w:g} * {x:g} = {y:g}",
        "error:    E = 1/2 (y - t)^2 = 1/2 ({y:g} - {t:g})^2 = {e:g}": (
            "誤差:    E = 1/2 (y - t)^2 = 1/2 ({y:g} - {t:g})^2 = {e:g}"
        ),
        "gradient: dE/dw = dE/dy * dy/dw = (y - t) * x = ({y:g} - {t:g}) * {x:g} = {g:g}": (
            "勾配:    dE/dw = dE/dy * dy/dw = (y - t) * x = ({y:g} - {t:g}) * {x:g} = {g:g}"
        ),
        "          the engine's backward pass agrees: w.grad = {g:g}": (
            "         エンジンの逆伝播も同じ値: w.grad = {g:g}"
        ),
        "update:   w <- w - eta * dE/dw = {w:g} - {eta:g} * ({g:g}) = {new:g}": (
            "更新:    w <- w - η * dE/dw = {w:g} - {eta:g} * ({g:g}) = {new:g}"
        ),
        "again:    y = {w:g} * {x:g} = {y:g},  E = {e:g}": (
            "もう一度: y = {w:g} * {x:g} = {y:g}、E = {e:g}"
        ),
        """The toast came out burnt (y = {y0:g} > t = {t:g}), so the gradient is positive and
        the robot shortens its toasting time: w falls from {w0:g} to {w1:g} minutes past golden
        brown, and the error falls from {e0:g} to {e1:g}.""": """\
トーストが焦げた (y = {y0:g} > t = {t:g}) ので勾配は正になり、ロボットは焼き時間を短く
します。きつね色からの焼き時間 w は {w0:g} 分から {w1:g} 分に減り、誤差は {e0:g} から
{e1:g} に下がりました。""",
        "training on: {steps} more steps of the same": "学習を続ける: 同じことをあと {steps} ステップ",
        "step  weight w   error E": "ステップ  重み w     誤差 E",
        "{dots:>4}  ({n} steps left out)": "{dots:>4}  ({n} ステップ省略)",
        """The error falls below {near:g} after {steps} steps; the weight approaches
        t / x = {best:g}, the time that toasts exactly right (golden brown, not burnt). Each
        step multiplies the distance to it by (1 - eta x^2) = {factor:g}.""": """\
誤差は {steps} ステップで {near:g} を下回ります。重みは t / x = {best:g}、つまりちょうど
よく焼ける時間 (きつね色で、焦げていない) に近づきます。1 ステップごとに、そこまでの距離は
(1 - η x^2) = {factor:g} 倍になります。""",
        "error E": "誤差 E",
        "near zero ({near:g})": "ほぼ 0 ({near:g})",
        "after one step: E = {e:g}": "1 ステップ後: E = {e:g}",
        "step": "ステップ",
        "E = 1/2 (y - t)^2 (log scale)": "E = 1/2 (y - t)^2 (対数目盛)",
        "The error per step": "ステップごとの誤差",
        "weight w": "重み w",
        "t / x = {best:g}": "t / x = {best:g}",
        "w: minutes past golden brown": "w: きつね色からの焼き時間 (分)",
        "The weight per step: the toasting time gets shorter": (
            "ステップごとの重み: 焼き時間が短くなる"
        ),
        "Toast robot: y = w x, x = {x:g}, t = {t:g}, eta = {eta:g}": (
            "トーストロボット: y = w x、x = {x:g}、t = {t:g}、η = {eta:g}"
        ),
    }
)

# -- topological_order ---------------------------------------------------------------

DOCS["topological_order"] = """\
なぜトポロジカル順序か: 素朴な再帰の逆伝播は、共有された経路を二重に数える。

micrograd の読者がいちばんよく尋ねる質問です: ``backward()`` はなぜ最初にグラフを並べ替え
るのか? ``b = a + a``、``c = b + b`` とすると ``c = 4a`` なので ``dc/da = 4`` です。各ノード
で自分の勾配を入力へ送り、それから辺 1 本ごとに入力へ再帰する素朴な逆伝播では、``b`` を 2 回
訪れます。2 回目の訪問で ``b`` の勾配全体がもう一度送られ、``a.grad`` は 8 になります。
``depth`` 回の倍化を重ねた鎖では、素朴な答えは正しい ``2^depth`` からどんどん離れ、訪問回数は
``2^(depth + 1) - 1`` に増えますが、グラフのノードは ``depth + 1`` 個しかありません。

解決策がトポロジカル順序です。どのノードも、それが値を送る先のノードより前に来るように並べ、
その列を後ろから 1 ノード 1 回ずつたどります。あるノードの番が来たとき、そこへ入るすべての経路
がすでに分担分を届けているので、勾配は完成してから先へ送られます。このレッスンは
``b = a + a; c = b + b`` とより長い鎖について両方を計算し、数値を図にします。

実行: ``autograd-lite lesson topological_order --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "b = a + a, c = b + b: the right answer is 4": "b = a + a、c = b + b: 正しい答えは 4",
        "c = 4a, so dc/da = 4; the engine's backward(): a.grad = {g:g}": (
            "c = 4a なので dc/da = 4。エンジンの backward(): a.grad = {g:g}"
        ),
        "topological order (inputs first): {order}": "トポロジカル順序 (入力が先): {order}",
        "the naive recursive backward pass": "素朴な再帰による逆伝播",
        "naive: a.grad = {g:g} after {v} visits (c {vc}, b {vb}, a {va})": (
            "素朴な方法: {v} 回の訪問 (c {vc} 回、b {vb} 回、a {va} 回) で a.grad = {g:g}"
        ),
        """The naive pass visits b once per edge from c. At the first visit b.grad is already
        complete ({bg:g}), and b sends {bg:g} + {bg:g} to a. At the second visit it sends its
        whole gradient again, so a receives {naive:g} instead of {right:g}: every path was
        counted once per way of reaching it.""": """\
素朴な方法は、c から b への辺 1 本ごとに b を訪れます。1 回目の訪問で b.grad はすでに完成して
いて ({bg:g})、b は a へ {bg:g} + {bg:g} を送ります。2 回目の訪問でも勾配全体をもう一度送るの
で、a が受け取るのは {right:g} ではなく {naive:g} です。どの経路も、そこへたどり着く道の数だけ
数えられてしまいました。""",
        "longer chains: x(k+1) = x(k) + x(k)": "より長い鎖: x(k+1) = x(k) + x(k)",
        "depth  correct dx/da  naive dx/da  naive visits  nodes": (
            "深さ  正しい dx/da   素朴な dx/da  素朴な訪問数  ノード"
        ),
        """At depth {d} the right gradient is {right:g}; the naive pass gives {naive:g} after
        {visits} visits of a graph of {nodes} nodes. Topological order visits each node once:
        {nodes} steps.""": """\
深さ {d} では正しい勾配は {right:g} ですが、素朴な方法は {nodes} ノードのグラフを {visits} 回
訪れて {naive:g} を返します。トポロジカル順序なら各ノードを 1 回ずつ、{nodes} ステップで
済みます。""",
        "topological order (correct)": "トポロジカル順序 (正しい)",
        "naive recursion": "素朴な再帰",
        "depth (number of doublings)": "深さ (倍化の回数)",
        "The gradient": "勾配",
        "topological order: one step a node": "トポロジカル順序: 1 ノード 1 ステップ",
        "naive recursion: one visit a path": "素朴な再帰: 経路 1 本ごとに 1 回訪問",
        "nodes visited": "訪問したノード数",
        "The work": "仕事量",
    }
)

# -- backprop_efficiency -------------------------------------------------------------

DOCS["backprop_efficiency"] = """\
誤差逆伝播法はなぜ効率がよいか: 1 回の逆伝播で、すべての勾配が一度に求まる。

数値微分では、パラメータ 1 つにつき順伝播が 2 回必要です。各 ``w_i`` について
``(E(w_i + h) - E(w_i - h)) / 2h`` を計算します。パラメータが ``P`` 個のモデルでは順伝播が
``2P`` 回になり、その 1 回 1 回も ``P`` とともに長くなるので、全体は ``P^2`` で増えます。
逆伝播はグラフの各ノードを 1 回ずつ訪れるだけで、``P`` がいくつであっても、かかるのは順伝播
およそ 1 回分です。

このレッスンは、幅を変えながら小さなネットワーク (tanh の隠れ層 1 つ、損失関数
``E = 1/2 (y - t)^2``) を作り、それぞれの方法に必要な順伝播の回数を数え、このマシンで両方の
時間を測り、結果が一致することを確かめ、パラメータ数とともに 2 つのコストがどう増えるかを
図にします。

実行: ``autograd-lite lesson backprop_efficiency --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "both methods, as the number of parameters P grows": (
            "2 つの方法を、パラメータ数 P を増やしながら比べる"
        ),
        "    P  nodes  forward passes: backprop  differences   seconds: backprop  differences": (
            "    P  ノード  順伝播の回数: 誤差逆伝播法  数値微分     秒: 誤差逆伝播法    数値微分"
        ),
        """The two methods agree: the largest difference between a backprop gradient and a
        numerical one is {gap:.1e}. With P = {p} parameters, numerical differentiation ran
        {passes} forward passes and took {ratio:.0f} times as long as one forward and one
        backward pass (measured on this machine, now); with P = {p0} the ratio was
        {ratio0:.0f}. Doubling the parameters doubles the passes, and each pass is longer
        too.""": """\
2 つの方法は一致します。誤差逆伝播法の勾配と数値微分の勾配の差は最大で {gap:.1e} です。
パラメータ P = {p} 個では、数値微分は順伝播を {passes} 回行い、順伝播 1 回と逆伝播 1 回の
{ratio:.0f} 倍の時間がかかりました (このマシンで今測った値)。P = {p0} のときの比は
{ratio0:.0f} でした。パラメータを 2 倍にすると順伝播の回数が 2 倍になり、1 回ごとの順伝播も
長くなります。""",
        """This is why networks are trained with backpropagation, and numerical
        differentiation is kept for checking it on a few parameters (gradient checking).""": """\
だからネットワークの学習には誤差逆伝播法を使い、数値微分は少数のパラメータで誤差逆伝播法を
確かめるため (勾配確認) に使います。""",
        "backprop: 1 forward + 1 backward": "誤差逆伝播法: 順伝播 1 回 + 逆伝播 1 回",
        "differences: 2 forward passes per P": "数値微分: パラメータ 1 つにつき順伝播 2 回",
        "parameters P": "パラメータ数 P",
        "forward passes": "順伝播の回数",
        "Passes over the graph": "グラフをたどる回数",
        "backprop": "誤差逆伝播法",
        "seconds (measured)": "秒 (実測)",
        "Time for every gradient": "すべての勾配を求める時間",
    }
)

# -- derivative_graphs ---------------------------------------------------------------

DOCS["derivative_graphs"] = """\
導関数の計算グラフ: tanh の 1 階、2 階、3 階の導関数と、そのグラフの成長。

``create_graph=True`` を指定すると、逆伝播そのものが ``Value`` で組み立てられるので、導関数も
また計算グラフになり、もう一度微分できます。``y = tanh(x)`` から
``grad(y, x, create_graph=True)`` は ``dy/dx = 1 - y^2`` をグラフとして返し、そのグラフを微分
すると 2 階導関数 ``-2 y (1 - y^2)``、さらに微分すると 3 階導関数が得られます。グラフは前の
グラフの逆伝播なので大きくなっていきます。このレッスンはそのノード数を数え、最初の 2 つを描き、
4 つの関数を ``x`` = -3 から 3 までプロットして、各値を公式と照らし合わせます。

実行: ``autograd-lite lesson derivative_graphs --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "tanh and three derivatives at x = {x:g}, each a graph": (
            "x = {x:g} での tanh と 3 つの導関数: それぞれが計算グラフ"
        ),
        "order  value        by the formula  nodes in its graph": (
            "階数   値           公式の値        グラフのノード数"
        ),
        """The values agree with the formulas (largest difference {gap:.1e}). The graphs grow:
        {sizes} nodes. Each one is the backward pass over the graph before it, written with the
        same operations (tanh, *, +, ...), so it can be differentiated in turn.""": """\
値は公式と一致します (差は最大 {gap:.1e})。グラフは {sizes} ノードと大きくなります。どれも
1 つ前のグラフに対する逆伝播を同じ演算 (tanh、*、+、...) で書いたものなので、それをまた微分
できます。""",
        "the four functions from x = -3 to 3": "x = -3 から 3 までの 4 つの関数",
        """At {n} points from -3 to 3 the engine's derivatives and the formulas differ by at
        most {worst:.1e}. tanh rises from {low:.3f} to {high:.3f}; its first derivative is a
        bump of height {top:g}; the four curves change sign {changes} times.""": """\
-3 から 3 までの {n} 点で、エンジンの導関数と公式の差は最大 {worst:.1e} です。tanh は
{low:.3f} から {high:.3f} へ増加し、1 階導関数は高さ {top:g} の山の形です。4 つの曲線の符号が
変わる回数は、順に {changes} 回です。""",
        "1st derivative": "1 階導関数",
        "2nd derivative": "2 階導関数",
        "3rd derivative": "3 階導関数",
        "{name} ({n} nodes at x = {x:g})": "{name} (x = {x:g} で {n} ノード)",
        "tanh and its derivatives, each computed by backpropagation": (
            "tanh とその導関数 (どれも誤差逆伝播法で計算)"
        ),
    }
)

# -- five_steps ----------------------------------------------------------------------

DOCS["five_steps"] = """\
学習の 5 ステップを、数値つきでそのまま表示する。

どのニューラルネットワークも、同じループで学習します。

1. ネットワークに入力を与える。
2. 出力を計算する (順伝播が計算グラフを作る)。
3. 出力と目標の誤差を測る (損失関数)。
4. 誤差を逆向きに送り (逆伝播、誤差逆伝播法が、すべてのパラメータについて損失関数の勾配を
   求める)、重みを調整する (``w <- w - η * dL/dw``)。
5. 新しい重みで、もう一度出力を計算する: 損失は小さくなっている。

このレッスンは 1 つのニューロン ``y = sigmoid(w1 x1 + w2 x2 + b)`` でループを 1 回まわし、
各ステップをそのまま表示します。それからループを繰り返し、ループごとの損失と出力をグラフに
します。また、最初のループの逆伝播の後の計算グラフを、各ノードの値 (data) と勾配つきで
描きます。

実行: ``autograd-lite lesson five_steps --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        """One neuron, y = sigmoid(w1 x1 + w2 x2 + b), with parameters (weights and a
        bias) w1 = {w1:g}, w2 = {w2:g}, b = {b:g}. Learning rate = {lr:g}.""": """\
ニューロン 1 つ、y = sigmoid(w1 x1 + w2 x2 + b)。パラメータ (重みとバイアス) は
w1 = {w1:g}、w2 = {w2:g}、b = {b:g}、学習率 η = {lr:g} です。""",
        "Step 1. Give the network an input": "ステップ 1. ネットワークに入力を与える",
        "Step 2. Compute the output (forward pass)": "ステップ 2. 出力を計算する (順伝播)",
        "Step 3. Measure the error (loss)": "ステップ 3. 誤差を測る (損失関数)",
        "Step 4. Send the error backwards and adjust the weights": (
            "ステップ 4. 誤差を逆向きに送り、重みを調整する"
        ),
        "Step 5. Compute the output again with the new weights": (
            "ステップ 5. 新しい重みで、もう一度出力を計算する"
        ),
        "x1 = {x1:g}, x2 = {x2:g}   (target output t = {t:g})": (
            "x1 = {x1:g}、x2 = {x2:g}   (目標の出力 t = {t:g})"
        ),
        "backward pass, chain rule: dL/dz = (y - t) * y (1 - y) = {dz:.6f}": (
            "逆伝播、連鎖律: dL/dz = (y - t) * y (1 - y) = {dz:.6f}"
        ),
        "  {what:<22} = {hand:+.6f}   (engine: {name}.grad = {grad:+.6f})": (
            "  {what:<22} = {hand:+.6f}   (エンジン: {name}.grad = {grad:+.6f})"
        ),
        "  (the picture shows the computation graph: each value's data and grad)": (
            "  (図は計算グラフです: 各値の data と grad)"
        ),
        "  {p} <- {p} - lr * dL/d{p} = {old:g} - {lr:g} * ({g:+.6f}) = {new:.6f}": (
            "  {p} <- {p} - η * dL/d{p} = {old:g} - {lr:g} * ({g:+.6f}) = {new:.6f}"
        ),
        "y = {now:.4f} (was {was:.4f})": "y = {now:.4f} (前は {was:.4f})",
        "L = {now:.6f} (was {was:.6f}): the error went down.": (
            "L = {now:.6f} (前は {was:.6f}): 誤差が下がりました。"
        ),
        "The same five steps, {loops} times": "同じ 5 ステップを {loops} 回",
        "after {loops} loops: y = {y:.4f}, L = {L:.6f}": (
            "{loops} 回のループの後: y = {y:.4f}、L = {L:.6f}"
        ),
        """The sigmoid can only reach 1 in the limit, so the loss keeps shrinking but
        ever more slowly: its gradient y (1 - y) gets small as y nears 1.""": """\
シグモイド関数が 1 に届くのは極限においてだけなので、損失は小さくなり続けますが、その
速さはどんどん遅くなります。y が 1 に近づくと、勾配 y (1 - y) が小さくなるからです。""",
        "loss L": "損失 L",
        "loop (0 = before learning)": "ループ (0 = 学習前)",
        "The loss after each loop": "ループごとの損失",
        "output y": "出力 y",
        "target t = {t:g}": "目標 t = {t:g}",
        "The output moves toward the target": "出力が目標に近づく",
        "Five steps, repeated: y = sigmoid(w1 x1 + w2 x2 + b)": (
            "5 ステップの繰り返し: y = sigmoid(w1 x1 + w2 x2 + b)"
        ),
    }
)

# -- chain_rule ----------------------------------------------------------------------

DOCS["chain_rule"] = """\
連鎖律: 変数から出力への経路ごとに掛け、経路について足す。

小さな計算を 3 つ、手計算とエンジンの両方で確かめます。

1. 合成関数、経路が 1 本: ``z = sin(y)``、``y = x^2`` なので
   ``dz/dx = dz/dy * dy/dx = cos(x^2) * 2x``。
2. ``x`` から出力への経路が 2 本: ``u = 3x``、``v = x^2``、``z = u v``。``x`` は ``u`` を
   通っても ``v`` を通っても ``z`` に届きます。各経路はその上の局所的な微分の積を寄与し、
   勾配はその寄与の **和** です: ``dz/dx = dz/du du/dx + dz/dv dv/dx``。逆伝播はまさに
   これを行います。2 つの経路が出会うところ (``x``) で、勾配が足し合わされます。
3. 全微分: ``f(x, y) = x^2 y`` の偏微分 ``df/dx = 2xy`` と ``df/dy = x^2`` は、両方の入力を
   少し変えたときの ``f`` の変化を ``df ≈ df/dx dx + df/dy dy`` と予測し、その誤差は
   変化の大きさの 2 乗で小さくなります。

図: 逆伝播から見た 2 経路のグラフ (``visualize.draw_graph(z, backward_view=True)`` で描画)、
各経路の寄与とその和、そして変化の大きさに対する全微分の誤差です。

実行: ``autograd-lite lesson chain_rule --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "1. a composite function (one path): z = sin(y), y = x^2": (
            "1. 合成関数 (経路 1 本): z = sin(y)、y = x^2"
        ),
        "at x = {x:g}: dz/dy = cos(y) = {dzdy:.6f},  dy/dx = 2x = {dydx:g}": (
            "x = {x:g} で: dz/dy = cos(y) = {dzdy:.6f}、dy/dx = 2x = {dydx:g}"
        ),
        "dz/dx = dz/dy * dy/dx = {hand:.6f};  the engine: x.grad = {grad:.6f}": (
            "dz/dx = dz/dy * dy/dx = {hand:.6f}。エンジン: x.grad = {grad:.6f}"
        ),
        "2. two paths from x to z: u = 3x, v = x^2, z = u * v, at x = {x:g}": (
            "2. x から z への 2 本の経路: u = 3x、v = x^2、z = u * v、x = {x:g}"
        ),
        "forward: u = {u:g}, v = {v:g}, z = {z:g}": "順伝播: u = {u:g}、v = {v:g}、z = {z:g}",
        "path x -> u -> z: dz/du * du/dx = v * 3  = {v:g} * 3 = {p:g}": (
            "経路 x -> u -> z: dz/du * du/dx = v * 3  = {v:g} * 3 = {p:g}"
        ),
        "path x -> v -> z: dz/dv * dv/dx = u * 2x = {u:g} * {two_x:g} = {p:g}": (
            "経路 x -> v -> z: dz/dv * dv/dx = u * 2x = {u:g} * {two_x:g} = {p:g}"
        ),
        "sum over the paths: {a:g} + {b:g} = {s:g}": "経路についての和: {a:g} + {b:g} = {s:g}",
        "the engine's backward pass: x.grad = {g:g}": "エンジンの逆伝播: x.grad = {g:g}",
        "check: z = 3x * x^2 = 3x^3, so dz/dx = 9x^2 = {c:g}": (
            "確認: z = 3x * x^2 = 3x^3 なので dz/dx = 9x^2 = {c:g}"
        ),
        """In the backward pass, u.grad = dz/du and v.grad = dz/dv arrive first; each is
        multiplied by its local derivative and sent to x, where the two are added. A node
        used twice collects a gradient from each use: forgetting to add (overwriting
        instead) is the classic backpropagation bug.""": """\
逆伝播では、まず u.grad = dz/du と v.grad = dz/dv が届きます。それぞれが局所的な微分と
掛けられて x へ送られ、x で 2 つが足されます。2 回使われたノードは、使われるたびに勾配を
受け取ります。足すのを忘れる (上書きしてしまう) のが、誤差逆伝播法の典型的なバグです。""",
        """The diagram replays this backward pass: each arrow carries the local derivative
        and upstream grad x local derivative; x's box shows the sum of its two paths.""": """\
図はこの逆伝播を再現しています。各矢印には局所的な微分と「上流の勾配 × 局所的な微分」が
書かれ、x の箱には 2 本の経路の和が表示されます。""",
        "3. a total differential: f(x, y) = x^2 y at (3, 2)": (
            "3. 全微分: f(x, y) = x^2 y、点 (3, 2) で"
        ),
        "partial derivatives (engine): df/dx = 2xy = {fx:g}, df/dy = x^2 = {fy:g}": (
            "偏微分 (エンジン): df/dx = 2xy = {fx:g}、df/dy = x^2 = {fy:g}"
        ),
        "for dx = {dx:g}, dy = {dy:g}:": "dx = {dx:g}、dy = {dy:g} のとき:",
        "  predicted change df/dx dx + df/dy dy = {p:+.6f}": (
            "  予測した変化 df/dx dx + df/dy dy = {p:+.6f}"
        ),
        "  actual change f(x+dx, y+dy) - f(x, y) = {a:+.6f}": (
            "  実際の変化 f(x+dx, y+dy) - f(x, y) = {a:+.6f}"
        ),
        """Halving the step divides the error of the prediction by {ratio:.2f}:
        the total differential is exact to first order, the error is of second order.""": """\
変化を半分にすると、予測の誤差は {ratio:.2f} 分の 1 になります。全微分は 1 次まで正確で、
誤差は 2 次の量です。""",
        "path x→u→z\nv · 3": "経路 x→u→z\nv · 3",
        "path x→v→z\nu · 2x": "経路 x→v→z\nu · 2x",
        "sum of\nthe paths": "経路の\n和",
        "engine\nx.grad": "エンジン\nx.grad",
        "contribution to dz/dx": "dz/dx への寄与",
        "z = (3x)(x²) at x = {x:g}: sum over paths": "z = (3x)(x²)、x = {x:g}: 経路についての和",
        "|actual - predicted|": "|実際 - 予測|",
        "slope 2 (step²)": "傾き 2 (変化の 2 乗)",
        "length of the step (dx, dy)": "変化 (dx, dy) の大きさ",
        "error of df ≈ f_x dx + f_y dy": "df ≈ f_x dx + f_y dy の誤差",
        "f(x, y) = x²y: the total differential": "f(x, y) = x²y: 全微分",
        "The multivariable chain rule": "多変数の連鎖律",
    }
)

# -- affine_layer --------------------------------------------------------------------

DOCS["affine_layer"] = """\
全結合層 (Affine レイヤ) z = W x + b: dW = dz xᵀ、db = dz、dx = Wᵀ dz を手計算とエンジンで比べる。

全結合層は、入力 ``x`` (n 個の数) に重み行列 ``W`` (m 行 n 列) を掛け、バイアス ``b``
(m 個の数) を足します: ``z_i = sum_j W_ij x_j + b_i``。上の層から ``dz = dL/dz`` が届くと
(逆伝播は出力の側からやって来ます)、連鎖律により

* ``dW = dz xᵀ``   (外積: ``dL/dW_ij = dz_i x_j``)
* ``db = dz``      (各バイアスはそのまま出力に足されるから)
* ``dx = Wᵀ dz``   (``dL/dx_j = sum_i W_ij dz_i``: 下の層へ送られるもの)

となります。このレッスンはスカラーの ``Value`` でこの層を組み、二乗誤差
``L = 1/2 |z - t|^2`` (したがって ``dz = z - t``) をとり、``backward()`` にすべての勾配を
求めさせ、3 つの公式を普通のリストで手計算して、1 つずつ比べます。

ミニバッチ全体をまとめて扱う本 (たとえば『ゼロから作る Deep Learning』) は、同じ層を逆向き
に書きます。サンプルが ``X`` の行 (B 個のサンプル、n 列) で、``Y = X·W + b`` の ``W`` は
私たちの ``Wᵀ`` (n x m) にあたり、逆伝播は ``dW = Xᵀ·dY``、``dX = dY·Wᵀ``、
``db = Σ dY`` (行について和) です。最後の節は ``B`` 個のサンプルのバッチでこの書き方を計算し、
私たちの書き方と一致する理由を示します。``Xᵀ·dY`` はサンプルごとの ``dz xᵀ`` の和を転置した
もので、``dY·Wᵀ`` の各行は、そのサンプルの ``Wᵀ dz`` です。

実行: ``autograd-lite lesson affine_layer --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "the layer, from scalar Values": "スカラーの Value で組んだ層",
        "b = {b}\nx = {x}\ntarget t = {t}": "b = {b}\nx = {x}\n目標 t = {t}",
        "forward pass: z = W x + b = [{z}]": "順伝播: z = W x + b = [{z}]",
        "loss L = 1/2 |z - t|^2 = {L:.6f}": "損失 L = 1/2 |z - t|^2 = {L:.6f}",
        "the backward pass by hand": "手計算の逆伝播",
        "what the engine computed (the .grad of each Value)": (
            "エンジンが計算したもの (各 Value の .grad)"
        ),
        "largest |by hand - engine| in {name}: {gap:.1e}": (
            "{name} の |手計算 - エンジン| の最大値: {gap:.1e}"
        ),
        """The engine never saw a matrix: it applied the chain rule node by node (a dot
        product, an addition, a square) and summed what arrived at each Value. The result is
        exactly the matrix formulas that deep-learning libraries use for a whole layer.""": """\
エンジンは行列を一度も見ていません。ノードごとに (内積、足し算、2 乗) 連鎖律を適用し、
各 Value に届いたものを足しただけです。その結果が、深層学習ライブラリが層全体に使う行列の
公式とぴったり同じになります。""",
        "the batched convention: dW = Xᵀ·dY, dX = dY·Wᵀ, db = Σ dY": (
            "バッチ版の書き方: dW = Xᵀ·dY、dX = dY·Wᵀ、db = Σ dY"
        ),
        "B = {batch} samples as the rows of X; their W is our Wᵀ ({n} x {m})": (
            "B = {batch} 個のサンプルを X の行にする。この書き方の W は私たちの Wᵀ ({n} x {m})"
        ),
        "db = Σ dY (over the rows) = [{db}]": "db = Σ dY (行について) = [{db}]",
        "largest |batched formula - engine| in {name}: {gap:.1e}": (
            "{name} の |バッチ版の公式 - エンジン| の最大値: {gap:.1e}"
        ),
        "largest |Xᵀ·dY - (Σ over samples of our dz xᵀ)ᵀ|: {gap:.1e}": (
            "|Xᵀ·dY - (サンプルについての dz xᵀ の和)ᵀ| の最大値: {gap:.1e}"
        ),
        """The two conventions are one computation written two ways: with the samples as
        rows, Xᵀ·dY adds up every sample's outer product dz xᵀ (transposed, because their W
        is our Wᵀ), Σ dY adds up every sample's db = dz, and each row of dY·Wᵀ is that
        sample's Wᵀ dz. The engine, summing what arrives at each Value, gets the same
        numbers.""": """\
2 つの書き方は、1 つの計算を 2 通りに書いたものです。サンプルを行にすると、Xᵀ·dY は
サンプルごとの外積 dz xᵀ を足し合わせたもの (W が私たちの Wᵀ なので転置)、Σ dY は
サンプルごとの db = dz の和、dY·Wᵀ の各行はそのサンプルの Wᵀ dz です。各 Value に届いた
ものを足すだけのエンジンも、同じ数値を得ます。""",
        "by hand: dz xᵀ": "手計算: dz xᵀ",
        "engine: W.grad": "エンジン: W.grad",
        "input j": "入力 j",
        "output i": "出力 i",
        "by hand": "手計算",
        "engine (.grad)": "エンジン (.grad)",
        "dL/dx = Wᵀ dz (sent on to the layer below)": "dL/dx = Wᵀ dz (下の層へ送られる)",
        "Affine layer z = W x + b: backward pass by hand and by the engine": (
            "全結合層 z = W x + b: 手計算とエンジンの逆伝播"
        ),
    }
)

# -- activations ---------------------------------------------------------------------

DOCS["activations"] = """\
活性化関数とその微分を、並べてグラフにする。

ニューロンは重みつきの和に活性化関数を適用します。活性化関数がなければ、層をいくつ重ねても
1 つのアフィン変換にすぎません。逆伝播では、活性化関数を通る勾配はすべてその微分と掛け
られるので、関数そのものと同じくらい、微分の大きさが重要です。

* シグモイド関数 ``1 / (1 + e^-z)``: 出力は (0, 1)。微分は最大 0.25 で、``|z|`` が大きいと
  ほぼ 0 になる (ニューロンが *飽和* する)。
* tanh: 出力は (-1, 1) で 0 を中心とする。微分は最大 1。
* ReLU ``max(z, 0)``: ``z > 0`` では微分がちょうど 1 (勾配はそのまま通る)、``z < 0`` では
  0 (「死んだ」ユニットは何も通さない)。
* Leaky ReLU: ReLU と同じだが、``z < 0`` にも小さな傾きがあるので、ユニットが死なない。
* softplus ``log(1 + e^z)``: なめらかな ReLU で、微分はシグモイド関数。
* ソフトマックス関数は、スコアの並びを合計 1 の確率に変える (多クラス分類の出力)。
  ``dp_i/dz_i = p_i (1 - p_i)``。

ここで描く微分はすべて、公式からではなくエンジンから得たものです。
``value_and_grad(f)(z)`` は 1 回の順伝播と 1 回の逆伝播で ``f(z)`` と ``f'(z)`` を返します
(1 点ずつ)。

実行: ``autograd-lite lesson activations --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "values and derivatives (from backward()) at a few points": (
            "いくつかの点での値と微分 (backward() による)"
        ),
        "activation": "活性化関数",
        "the largest derivative of each": "それぞれの微分の最大値",
        "{name:<26} largest f'(z) for z in [{lo:g}, {hi:g}] = {top:.4f}": (
            "{name:<26} z が [{lo:g}, {hi:g}] での f'(z) の最大値 = {top:.4f}"
        ),
        "; at z = {z:g}: {slope:.6f}, still rising to a limit": (
            "。z = {z:g} では {slope:.6f}: 極限値へ向けてまだ増えている"
        ),
        """A gradient that crosses {depth} sigmoid layers is multiplied by at most
        0.25^{depth} = {factor:.1e} on the way (times the weights): it vanishes. Through
        ReLU units that are active it is multiplied by exactly 1. See the lesson
        vanishing_gradients.""": """\
シグモイド関数の層を {depth} 層通る勾配は、途中で最大でも 0.25^{depth} = {factor:.1e} 倍
(に重みを掛けたもの) になります: 勾配消失です。活性化している ReLU ユニットを通るときは、
ちょうど 1 倍です。レッスン vanishing_gradients を参照してください。""",
        "softmax: scores to probabilities": "ソフトマックス関数: スコアから確率へ",
        "[{p}]  (sum {s:g})": "[{p}]  (合計 {s:g})",
        "f'(z) (backward)": "f'(z) (逆伝播)",
        "value": "値",
        "p0 (score z)": "p0 (スコア z)",
        "p1 (score {s:g})": "p1 (スコア {s:g})",
        "p2 (score {s:g})": "p2 (スコア {s:g})",
        "dp0/dz (backward)": "dp0/dz (逆伝播)",
        "Activation functions (solid) and their derivatives (dashed)": (
            "活性化関数 (実線) とその微分 (破線)"
        ),
    }
)

# -- newton --------------------------------------------------------------------------

DOCS["newton"] = """\
高階微分: 2 階微分を使うニュートン法と勾配降下法を比べる。

勾配降下法は 1 階微分しか使いません: ``x <- x - η f'(x)``。学習率が必要で、平らな最小値の
近くではゆっくりとしか進みません。ニュートン法は 2 階微分 (曲率) も使います:
``x <- x - f'(x) / f''(x)`` は、``x`` で ``f`` に合わせた放物線の底へ跳び、最小値の近くでは
1 ステップごとに正しい桁数が倍になります。

エンジンは逆伝播そのものを微分して 2 階微分を求めます。``derivative(f, order=2)`` は最初の
逆伝播をグラフとして記録し (``grad(..., create_graph=True)`` は ``f'(x)`` を ``Value`` で
返す)、そのグラフをもう一度逆にたどります。このレッスンは ``f(x) = e^x + e^(-2x)``
(最小値は ``x* = ln(2) / 3``) を両方の方法で最小化し、``x*`` まで ``1e-10`` 以内に近づく
のに何ステップかかるかを数えます。

実行: ``autograd-lite lesson newton --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "second derivatives from the engine": "エンジンによる 2 階微分",
        "at x = {x:g}:  f'(x)  = {d1:.10f}   by hand e^x - 2 e^-2x  = {h1:.10f}": (
            "x = {x:g} で:  f'(x)  = {d1:.10f}   手計算 e^x - 2 e^-2x  = {h1:.10f}"
        ),
        "            f''(x) = {d2:.10f}   by hand e^x + 4 e^-2x  = {h2:.10f}": (
            "              f''(x) = {d2:.10f}   手計算 e^x + 4 e^-2x  = {h2:.10f}"
        ),
        "minimising f(x) = e^x + e^(-2x) from x = {x:g}; x* = ln(2)/3 = {best:.10f}": (
            "f(x) = e^x + e^(-2x) を x = {x:g} から最小化する。x* = ln(2)/3 = {best:.10f}"
        ),
        "step   Newton: |x - x*|   gradient descent: |x - x*|": (
            "ステップ  ニュートン法: |x - x*|  勾配降下法: |x - x*|"
        ),
        "(done)": "(終了)",
        "Newton's method: {n} steps to within {tol:g}. Gradient descent (learning rate {lr:g}): ": (
            "ニュートン法: {tol:g} 以内まで {n} ステップ。勾配降下法 (学習率 {lr:g}): "
        ),
        "{n} steps.": "{n} ステップ。",
        "not there after {n} steps.": "{n} ステップでは届かず。",
        """Far from the minimum Newton's step is about as good as a gradient step; close to
        it the error is squared at every step (quadratic convergence), while gradient descent
        only multiplies it by a constant factor (linear convergence). The price is the second
        derivative: one more backward pass here, a whole Hessian matrix for many parameters.""": """\
最小値から遠いところでは、ニュートン法の 1 ステップは勾配降下法の 1 ステップと同じくらい
です。最小値の近くでは、誤差が 1 ステップごとに 2 乗になります (2 次収束) が、勾配降下法は
誤差を一定の倍率で小さくするだけです (1 次収束)。代償は 2 階微分です。ここでは逆伝播が
もう 1 回ですが、パラメータが多いとヘッセ行列全体が必要になります。""",
        "gradient descent (its first {k} of {n} steps)": "勾配降下法 ({n} ステップのうち最初の {k})",
        "Newton's method": "ニュートン法",
        "minimum x* = ln(2)/3": "最小値 x* = ln(2)/3",
        "The iterates on the function": "関数の上の反復点",
        "Newton": "ニュートン法",
        "tolerance {tol:g}": "許容誤差 {tol:g}",
        "|x - x*| (log scale)": "|x - x*| (対数目盛)",
        "Distance to the minimum": "最小値までの距離",
        "Newton's method (second derivatives) vs gradient descent": (
            "ニュートン法 (2 階微分) と勾配降下法"
        ),
    }
)

# -- optimizers ----------------------------------------------------------------------

DOCS["optimizers"] = """\
最適化手法を 1 つの 2 次元関数で比べる: 勾配降下法、モーメンタム、AdaGrad、RMSProp、Adam。

最適化手法は、逆伝播が勾配を求めたあと、重みをどう動かすかを決めます。試験場は細長い谷
``f(x, y) = x^2 / 20 + y^2`` で、``(-7, 2)`` から出発します。横切る方向 (``y``) は急で、
谷に沿う方向 (``x``) はほとんど平ら。素朴な勾配降下法が遅くなる形です。

* GD、素朴な勾配降下法: ``w <- w - η * g`` (モーメンタムなしの ``optim.SGD``)。平らな方向に
  進めるほど学習率を大きくすると、急な方向では壁から壁へ跳ね返ります。入門記事は SGD
  (確率的勾配降下法) という名前を、同じ更新を 1 サンプルずつ行うものに使います。ここには
  サンプルがなく関数が 1 つあるだけなので、これは素朴な勾配降下法です (``batch_size`` を参照)。
* モーメンタム: 勾配をためる速度 (``v <- 0.9 v + g``、``w <- w - η * v``)。谷に沿って加速
  しますが、行き過ぎます。
* AdaGrad: 各座標のステップを、それまでの勾配の 2 乗の和の平方根で割ります。急な方向は
  遅くなり、平らな方向はそうなりません。
* RMSProp: 同じことを移動平均で行うので、ステップが小さくなり続けることはありません。
* Adam: モーメンタムと RMSProp の割り算の組み合わせ (バイアス補正つき)。

ここでの最適化手法はどれも ``autograd_lite.optim`` のもので、いつものループ
``zero_grad(); loss.backward(); step()`` で動かします。学習率は手法ごとに選んでいます
(手法のあいだで使い回せないハイパーパラメータです)。

実行: ``autograd-lite lesson optimizers --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "{steps} steps on f(x, y) = x^2/20 + y^2 from {start}, f = {f0:g}": (
            "f(x, y) = x^2/20 + y^2 の上を {start} から {steps} ステップ、f = {f0:g}"
        ),
        "optimiser  hyper-parameters           final (x, y)           final f": (
            "手法       ハイパーパラメータ         最後の (x, y)          最後の f"
        ),
        """GD's y changed sign in {flips} of {steps} steps: with lr = {lr:g} each step
        across the steep direction overshoots the valley floor (y <- (1 - 2 lr) y =
        {factor:g} y).""": """\
GD の y は {steps} ステップのうち {flips} 回符号が変わりました。学習率 η = {lr:g} では、
急な方向へのステップが毎回谷底を行き過ぎます (y <- (1 - 2η) y = {factor:g} y)。""",
        """GD is plain gradient descent: the whole function at every step. The articles'
        SGD, stochastic gradient descent, is the same update taken on one sample at a
        time (the lesson batch_size).""": """\
GD は素朴な勾配降下法で、毎ステップ関数全体を使います。入門記事の SGD (確率的勾配降下法)
は、同じ更新を 1 サンプルずつ行うものです (レッスン batch_size)。""",
        "and": "と",
        "{names} divide y's big gradient by its own size and go\n"
        "straight down: y never changes sign.": """\
{names} は y の大きな勾配をその大きさで割るので、まっすぐ下ります。y の符号は一度も
変わりません。""",
        "{k} times": "{k} 回",
        "{names} carry speed and swing past the valley floor before\n"
        "settling (y changes sign {times}).": """\
{names} は速度を持ち越すので、落ち着くまでに谷底を通り過ぎます (y の符号が変わる回数は
{times})。""",
        "start": "出発点",
        "minimum": "最小値",
        "Paths on the contours of f = x²/20 + y²": "f = x²/20 + y² の等高線の上の経路",
        "f(x, y) (log scale)": "f(x, y) (対数目盛)",
        "Loss per step": "ステップごとの損失",
        "Optimisers on a narrow valley (same start, same number of steps)": (
            "細長い谷の上の最適化手法 (同じ出発点、同じステップ数)"
        ),
    }
)

# -- gradient_checking ---------------------------------------------------------------

DOCS["gradient_checking"] = """\
勾配確認: 誤差逆伝播法を中心差分と比べ、壊れた微分を見つける。

誤差逆伝播法の正しさは、各演算の微分の規則の正しさ次第です。勾配確認は、規則をまったく
使わない数値、中心差分 ``(f(x + h) - f(x - h)) / 2h`` と比べます。中心差分の誤差はおよそ
``h^2`` (打ち切り誤差) と ``1e-16 / h`` (丸め誤差) の和なので、倍精度では ``h`` を
``1e-6`` 前後にすると、10 桁ほど正しくなります。

このレッスンは

1. ``f(x, y) = tanh(x y + 1.5) e^y`` を手で確かめ、次に ``autograd_lite.gradcheck`` で
   (2 階微分は ``gradgradcheck`` で) 確かめます。
2. *壊れた* シグモイド関数を作ります。順伝播は同じで、微分の規則が ``(1 - s)`` を忘れて
   います (``ds = s (1 - s)`` のはずが ``ds = s``)。これで作ったネットワークも学習はし
   (下手に)、何もクラッシュしませんが、勾配確認はすぐに見つけます。
3. 差分の誤差を ``h`` に対してプロットし、壊れた微分を数値微分と並べて描きます。

実行: ``autograd-lite lesson gradient_checking --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "1. checking f(x, y) = tanh(x y + 1.5) e^y at (x, y) = {point} by hand": (
            "1. f(x, y) = tanh(x y + 1.5) e^y を (x, y) = {point} で手で確かめる"
        ),
        "df/d{name}: backprop {b:+.12f}   central difference {n:+.12f}   rel. error {rel:.1e}": (
            "df/d{name}: 誤差逆伝播法 {b:+.12f}   中心差分 {n:+.12f}   相対誤差 {rel:.1e}"
        ),
        "gradgradcheck(f, {p}) -> {ok}  (the Hessian)": "gradgradcheck(f, {p}) -> {ok}  (ヘッセ行列)",
        "2. a broken derivative rule: sigmoid's ds = s (1 - s) da written as ds = s da": (
            "2. 壊れた微分の規則: シグモイド関数の ds = s (1 - s) da を ds = s da と書いた"
        ),
        "backprop through the broken rule: d out/dw = {dw:.6f}": (
            "壊れた規則を通した誤差逆伝播法: d out/dw = {dw:.6f}"
        ),
        "what it should be, s (1 - s) x:    d out/dw = {right:.6f}": (
            "本来の値 s (1 - s) x:              d out/dw = {right:.6f}"
        ),
        "gradcheck raised GradcheckError:": "gradcheck が GradcheckError を出した:",
        "the broken derivative was caught: {caught}": "壊れた微分が見つかった: {caught}",
        """Check every new operation and every hand-written layer this way before training
        with it. Checks fail near kinks (ReLU at 0) where no derivative exists: check at
        points away from them.""": """\
新しい演算や手で書いた層は、学習に使う前に必ずこの方法で確かめましょう。微分が存在しない
折れ目 (0 での ReLU) の近くでは確認が失敗するので、そこから離れた点で確かめます。""",
        "3. how small should h be?": "3. h はどれくらい小さくすればよいか?",
        "the central difference is most accurate near h = {h:.0e}": (
            "中心差分がいちばん正確なのは h = {h:.0e} のあたり"
        ),
        "forward difference": "前進差分",
        "central difference": "中心差分",
        "h = {h:g} (gradcheck's eps)": "h = {h:g} (gradcheck の eps)",
        "rounding error\n~ 1e-16 / h": "丸め誤差\n~ 1e-16 / h",
        "truncation\nerror ~ h²\n(central)": "打ち切り\n誤差 ~ h²\n(中心差分)",
        "step h": "刻み h",
        "|numerical - backprop|": "|数値微分 - 誤差逆伝播法|",
        "Finite differences: error vs h": "差分: h に対する誤差",
        "correct rule s (1 - s)": "正しい規則 s (1 - s)",
        "broken rule s": "壊れた規則 s",
        "The broken derivative, caught": "見つかった壊れた微分",
        "Gradient checking: backprop against numerical derivatives": (
            "勾配確認: 誤差逆伝播法と数値微分の比較"
        ),
    }
)

# -- convolution ---------------------------------------------------------------------

DOCS["convolution"] = """\
データから学ぶ畳み込みのカーネル: 1 次元の畳み込み層がエッジ検出器を学ぶ。

畳み込み層は、小さなカーネル ``K`` (フィルタ) を入力に沿ってずらしていきます。出力は
``z[n] = sum_k K[k] x[n + k] + b`` です (深層学習ライブラリが畳み込みと呼ぶのは、この
相互相関です)。パラメータは ``K`` の数個の数だけで、どの位置でも共有されるので、逆伝播は
各位置がそれぞれのパラメータについて言うことを足し合わせます:

    ``dL/dK[k] = sum_n dL/dz[n] x[n + k]``,   ``dL/db = sum_n dL/dz[n]``

(全結合層の ``dW = dz xᵀ`` と同じ考え方を、重みが使われる位置について足したもの)。

データはランダムな階段状の信号 (平らなところと跳ぶところ) で、目標は同じ信号をエッジ検出器
``[-1, 0, 1]`` に通したものです。平らなところでは 0 で、跳ぶたびにとがります。
``nn.Conv1d(1, 1, 3)`` はランダムな重みから出発し、レッスンはその勾配を上の公式と照らし
合わせ、カーネルがエッジ検出器になるまで Adam で学習します。

実行: ``autograd-lite lesson convolution --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "the layer: {conv}; starting kernel {kernel}": "層: {conv}。カーネルの初期値 {kernel}",
        "one backward pass, checked by hand": "1 回の逆伝播を手計算で確かめる",
        "  k = {k}: by hand {hand:+.6f}   engine K[{k}].grad {grad:+.6f}": (
            "  k = {k}: 手計算 {hand:+.6f}   エンジンの K[{k}].grad {grad:+.6f}"
        ),
        "dL/db = sum_n dL/dz[n] = {hand:+.6f}   engine b.grad {grad:+.6f}": (
            "dL/db = sum_n dL/dz[n] = {hand:+.6f}   エンジンの b.grad {grad:+.6f}"
        ),
        "training the kernel: Adam (lr {lr:g}), {steps} steps on {n} signals": (
            "カーネルの学習: Adam (学習率 {lr:g})、{n} 個の信号で {steps} ステップ"
        ),
        "step {step:>4}: loss {loss:.2e}, kernel {kernel}": (
            "ステップ {step:>4}: 損失 {loss:.2e}、カーネル {kernel}"
        ),
        "learned kernel {kernel}, bias {b:+.4f}": "学習したカーネル {kernel}、バイアス {b:+.4f}",
        "the edge detector       {edge}: largest difference {error:.1e}": (
            "エッジ検出器             {edge}: 差の最大値 {error:.1e}"
        ),
        """Nobody told the layer about edges: the gradient of the loss with respect to its
        {n} shared weights, summed over every position and signal, led it there.""": """\
エッジのことは誰も層に教えていません。共有された {n} 個の重みについての損失関数の勾配を、
すべての位置と信号について足したものが、層をそこへ導きました。""",
        "input signal x": "入力信号 x",
        "target: edge detector [-1, 0, 1]": "目標: エッジ検出器 [-1, 0, 1]",
        "trained Conv1d output": "学習した Conv1d の出力",
        "position n": "位置 n",
        "A new signal through the trained layer": "学習した層に新しい信号を通す",
        "start (random)": "初期値 (ランダム)",
        "learned": "学習後",
        "edge detector": "エッジ検出器",
        "The kernel": "カーネル",
        "mean squared error (log scale)": "平均二乗誤差 (対数目盛)",
        "Training loss": "学習中の損失",
        "Conv1d learns an edge detector from examples": "Conv1d が例からエッジ検出器を学ぶ",
    }
)

# -- losses --------------------------------------------------------------------------

DOCS["losses"] = """\
損失関数 (平均二乗誤差、ソフトマックス関数つきの交差エントロピー誤差、2 値の交差エントロピー誤差、ヒンジ損失) と勾配。

損失関数 (誤差関数) は「出力がどれだけ間違っているか」を 1 つの数にし、その勾配から逆伝播が
始まります。出力の種類ごとに合う損失関数があります。

* 平均二乗誤差 ``(y - t)^2``: 回帰に。勾配は ``2 (y - t)`` で、間違いの大きさに比例する。
* ソフトマックス関数つきの交差エントロピー誤差: k 個のクラスから 1 つを選ぶときに。
  ネットワークは k 個のスコア (ロジット) ``z`` を出し、ソフトマックス関数がそれを確率 ``p``
  に変え、損失は ``-log p[target]``。ロジットについての勾配は、単に ``p - onehot(target)``。
* 2 値の交差エントロピー誤差 ``-(t log p + (1 - t) log(1 - p))``: はい/いいえの出力
  ``p = sigmoid(z)`` に。ここでも ``dL/dz = p - t``。
* ヒンジ損失 (マージン最大化) ``max(0, 1 - t s)``、``t = +-1``: スコア ``s`` が正しい側に
  マージン 1 以上あれば、損失も勾配も 0。

ここで表示しプロットする勾配はすべて ``backward()`` によるものです。

実行: ``autograd-lite lesson losses --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "mean squared error, for regression": "平均二乗誤差 (回帰に)",
        "cross-entropy with softmax: logits z = {z}, true class {k}": (
            "ソフトマックス関数つきの交差エントロピー誤差: ロジット z = {z}、正解のクラス {k}"
        ),
        "softmax(z) = [{p}]   (sums to {s:.6f})": "softmax(z) = [{p}]   (合計 {s:.6f})",
        "L = -log p[{k}] = {L:.6f}  (engine: {engine:.6f})": (
            "L = -log p[{k}] = {L:.6f}  (エンジン: {engine:.6f})"
        ),
        "dL/dz by backprop:   [{g}]": "誤差逆伝播法の dL/dz: [{g}]",
        "binary cross-entropy, for a yes/no output p = sigmoid(z)": (
            "2 値の交差エントロピー誤差 (はい/いいえの出力 p = sigmoid(z) に)"
        ),
        "binary_cross_entropy_with_logits(z, 1) = {L:.6f}: the same loss, "
        "computed without ever forming p (safe for large |z|)": (
            "binary_cross_entropy_with_logits(z, 1) = {L:.6f}: 同じ損失を、p を作らずに計算"
            "したもの (|z| が大きくても安全)"
        ),
        "hinge loss (max-margin), target t = +1": "ヒンジ損失 (マージン最大化)、目標 t = +1",
        "score s = {s:+g}: L = max(0, 1 - s) = {L:g}, dL/ds = {g:g}": (
            "スコア s = {s:+g}: L = max(0, 1 - s) = {L:g}、dL/ds = {g:g}"
        ),
        """Cross-entropy keeps pushing (its gradient p - 1 is never exactly 0) while the
        hinge loss stops once the margin is met; MSE's push grows with the mistake, which
        makes it sensitive to outliers and a poor match for probabilities.""": """\
交差エントロピー誤差は押し続けます (勾配 p - 1 はちょうど 0 にはならない) が、ヒンジ損失は
マージンを満たすと止まります。平均二乗誤差の押す力は間違いとともに大きくなるので、外れ値に
敏感で、確率にはあまり合いません。""",
        "prediction": "予測",
        "cross-entropy, logits [z, {a:g}, {b:g}], class 0": (
            "交差エントロピー誤差、ロジット [z, {a:g}, {b:g}]、クラス 0"
        ),
        "logit of the true class": "正解クラスのロジット",
        "binary cross-entropy, t = 1": "2 値の交差エントロピー誤差、t = 1",
        "probability, sigmoid(logit)": "確率 sigmoid(ロジット)",
        "hinge, t = +1": "ヒンジ損失、t = +1",
        "score": "スコア",
        "dL/d{x} (backward)": "dL/d{x} (逆伝播)",
        "Loss functions (top) and their gradients from the backward pass (bottom)": (
            "損失関数 (上) と逆伝播による勾配 (下)"
        ),
    }
)

# -- learning_rate -------------------------------------------------------------------

DOCS["learning_rate"] = """\
学習率: 大きすぎると発散し、小さすぎると学習が遅く、ちょうどよい値がその間にある。

学習率 ``η`` は最も重要なハイパーパラメータです。勾配降下法は各重みを ``-η * 勾配`` だけ
動かします。このレッスンは最も簡単なモデル ``y = w x`` を、``t = 3x`` にノイズを加えた
40 点に平均二乗誤差で合わせます。``w = 0`` から出発し、5 つの学習率で同じステップ数だけ
進めます。

この損失関数では、1 ステップごとに最適な重みまでの距離が ``(1 - η * c)`` 倍になります。
``c = 2 mean(x^2)`` は損失関数の曲率です (入力を標準化しているので、ここでは 2)。

* ``η = 1.05``: 倍率 -1.1。ステップごとにさらに行き過ぎる: 発散。
* ``η = 0.95``: 倍率 -0.9。行ったり来たりしながらも収束する。
* ``η = 0.1``: 倍率 0.8。着実で速い。
* ``η = 0.01`` と ``0.001``: 倍率 0.98 と 0.998。損失はゆっくりとしか下がらない。

実際によく使う出発点は 0.1、0.01、0.001 です。安定な最大の学習率は ``2 / c`` で、データに
よって変わるので、いくつか試します。

実行: ``autograd-lite lesson learning_rate --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        """Best weight w* = {w:.4f} (loss {floor:.4f}, from the noise). Curvature
        c = 2 mean(x^2) = {c:.4f}, so rates above 2/c = {limit:.3f} diverge.""": """\
最適な重み w* = {w:.4f} (損失 {floor:.4f}: ノイズによるもの)。曲率 c = 2 mean(x^2) =
{c:.4f} なので、2/c = {limit:.3f} より大きい学習率は発散します。""",
        "{steps} steps of gradient descent from w = 0 with each learning rate": (
            "それぞれの学習率で、w = 0 から勾配降下法を {steps} ステップ"
        ),
        "learning rate  factor 1 - lr c     w after   loss - best": (
            "       学習率   倍率 1 - η c      最後の w   損失 - 最小値"
        ),
        "diverges": "発散",
        "crawls": "遅すぎる",
        "works, overshooting each step": "うまくいく (毎回行き過ぎながら)",
        "works": "うまくいく",
        """A diverging run is easy to spot (the loss grows); a crawling one is not: its
        loss does fall, only too slowly. Plot the loss per step and try rates a factor of
        ten apart.""": """\
発散はすぐにわかります (損失が増える) が、学習が遅すぎる場合はわかりにくいものです。損失は
下がってはいるのですが、遅すぎるのです。ステップごとの損失をプロットし、10 倍ずつ違う学習率
を試しましょう。""",
        "loss E(w)": "損失 E(w)",
        "weight w": "重み w",
        "mean squared error E(w)": "平均二乗誤差 E(w)",
        "The first {n} steps on the loss curve": "損失関数の曲線の上の最初の {n} ステップ",
        "E(w) - E(w*) (log scale)": "E(w) - E(w*) (対数目盛)",
        "Loss above the best, per step": "最小値を上回る損失 (ステップごと)",
        "Learning rate: too large diverges, too small crawls": (
            "学習率: 大きすぎると発散し、小さすぎると学習が遅い"
        ),
    }
)

# -- batch_size ----------------------------------------------------------------------

DOCS["batch_size"] = """\
ミニバッチ、バッチ全体、1 サンプルずつの勾配降下法: エポック、バッチサイズ、更新回数。

*エポック* は訓練データを 1 周することです。データは *ミニバッチ* に分けられ、各バッチが
1 つの勾配 (その例の平均) と 1 回の重みの更新を生みます。つまりバッチサイズが、1 エポックの
更新回数と、各更新のノイズの大きさを決めます。

* 1 サンプルずつの勾配降下法 (確率的勾配降下法、SGD)、バッチサイズ 1: 1 エポックに N 回の
  更新で、それぞれが 1 つの例から。安くてノイズの多いステップがたくさん。
* バッチ全体の勾配降下法、バッチサイズ N: 1 エポックに正確なステップが 1 回。
* ミニバッチ勾配降下法 (ここでは 16) はその中間で、誰もが使うもの。SGD より更新は少なく、
  バッチ全体よりずっと多い。

このレッスンは同じ小さなネットワーク (同じ初期値、同じ学習率) を、2 つの月形のデータで
バッチサイズを変えて学習させ、エポックごとと更新ごとの訓練損失をプロットします。ループは
``for xb, yb in batches(X, y, batch_size=...)``: 順伝播、損失、逆伝播、``step()`` と書き
下してあります。

実行: ``autograd-lite lesson batch_size --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "one sample (1), SGD": "1 サンプルずつ (1)、SGD",
        "mini-batch (16)": "ミニバッチ (16)",
        "full batch ({n})": "バッチ全体 ({n})",
        """{n} training examples, a {shape} tanh network, binary cross-entropy, SGD with
        learning rate {lr:g}, {epochs} epochs for each batch size.""": """\
訓練データ {n} 個、{shape} の tanh ネットワーク、2 値の交差エントロピー誤差、optim.SGD
(学習率 {lr:g}) で、バッチサイズごとに {epochs} エポック。""",
        "training": "学習",
        "batch size            updates/epoch  updates  loss after": (
            "バッチサイズ           更新/エポック  更新回数  最後の損失"
        ),
        """Per epoch (the same amount of computation: every example seen once), the smaller
        the batch, the more updates and the lower the loss. Per update, the full batch's step
        is the most accurate, but it takes {n} example-gradients to make one. Mini-batches
        trade the two, and let a computer work on many examples at once.""": """\
エポックあたり (計算量は同じ: どの例も 1 回ずつ見る) では、バッチが小さいほど更新が多く、
損失が低くなります。更新 1 回あたりでは、バッチ全体のステップがいちばん正確ですが、1 回の
ために {n} 個の例の勾配が必要です。ミニバッチはその両方の折り合いをつけ、コンピュータが
多くの例を同時に処理できるようにします。""",
        "training loss (whole set)": "訓練損失 (データ全体)",
        "Loss per epoch": "エポックごとの損失",
        "number of updates (log scale)": "更新回数 (対数目盛)",
        "Loss per update (weight change)": "更新 (重みの変更) ごとの損失",
        "Batch size: the same epochs, very different numbers of updates": (
            "バッチサイズ: 同じエポック数でも、更新回数は大きく違う"
        ),
    }
)

# -- vanishing_gradients -------------------------------------------------------------

DOCS["vanishing_gradients"] = """\
深い層の勾配消失と勾配爆発 (シグモイド関数、tanh、ReLU)、そして勾配クリッピング。

逆伝播は、層ごとにその層の重みと活性化関数の微分を掛けていきます。深く重ねると、それらの
倍率が積み重なります。

* シグモイド関数の微分は最大 0.25 なので、勾配は戻るたびに各層で小さくなり、最初のほうの層は
  ほとんど学習しません (*勾配消失*)。
* Xavier の初期値の tanh (微分は最大 1) と、He の初期値の ReLU (活性化しているところでは微分が
  ちょうど 1) は、勾配をほぼ一定に保ちます。
* 重みが少し大きすぎると、どの倍率も 1 より大きくなり、勾配 (と活性化) が巨大になります
  (*勾配爆発*)。1 回の更新で重みが遠くへ飛ばされ、学習がオーバーフローすることもあります。

ここで示す勾配爆発への対策は勾配クリッピングです。
``optim.clip_grad_norm_(params, max_norm)`` は、``step()`` の前に、すべての勾配を一緒に
縮めて全体の長さを ``max_norm`` 以下にします。

このレッスンは 16 ユニットの隠れ層を 10 層作り、16 個 (``--quick`` では 8 個) のランダムな
例で平均二乗誤差を計算し、``backward()`` を実行して、各層の重みの勾配の平均の大きさを表示
します。それから、爆発するネットワークをクリッピングありとなしで学習させます。

実行: ``autograd-lite lesson vanishing_gradients --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "mean |dL/dw| per layer: {depth} hidden layers of {width} units, then the output layer": (
            "層ごとの |dL/dw| の平均: {width} ユニットの隠れ層 {depth} 層と、出力層"
        ),
        "layer (1 = input side)": "層 (1 = 入力側)",
        """The sigmoid stack's first layer gets a gradient {ratio:.0e} times the ReLU stack's:
        from the output layer back to the first, it shrinks by about {shrink:.1f}x per layer
        (sigmoid's derivative is at most 0.25). With weights only {factor:g} times too large,
        the ReLU stack's first layer gets a gradient about
        {larger:.0f} times larger than with He weights.""": """\
シグモイド関数の層の最初の層が受け取る勾配は、ReLU の層の {ratio:.0e} 倍です。出力層から
最初の層へ戻るあいだに、1 層ごとに約 {shrink:.1f} 分の 1 になります (シグモイド関数の微分は
最大 0.25)。重みが {factor:g} 倍大きすぎるだけで、ReLU の層の最初の層が受け取る勾配は、He の
初期値のときの約 {larger:.0f} 倍になります。""",
        "training the exploding stack: SGD, lr = {lr:g}, {steps} steps": (
            "爆発する層の学習: optim.SGD、学習率 η = {lr:g}、{steps} ステップ"
        ),
        "no clipping": "クリッピングなし",
        "overflowed at step {step}: {reason}...": "ステップ {step} でオーバーフロー: {reason}...",
        "finished {steps} steps": "{steps} ステップ完了",
        "loss {a:.3g} -> {b:.3g}; {how}": "損失 {a:.3g} -> {b:.3g}。{how}",
        "gradient norm per step: {g} ...": "ステップごとの勾配のノルム: {g} ...",
        "grows with every step": "ステップごとに大きくなり",
        "grows": "大きくなり",
        "does not overflow": "オーバーフローしません",
        """Without clipping the first update is {times:.0f} times longer than a
        clipped one; the gradient norm then {growth}, and the run {ending}. Clipping keeps each
        step's length at most lr x max_norm while keeping its direction, so the same
        learning rate trains.""": """\
クリッピングなしでは、最初の更新がクリッピングしたものの {times:.0f} 倍の長さです。その後、
勾配のノルムは{growth}、実行は「{ending}」となります。クリッピングは各ステップの向きを
保ったまま、長さを η x max_norm 以下に抑えるので、同じ学習率で学習できます。""",
        "layer (1 = first hidden layer, {n} = output layer)": (
            "層 (1 = 最初の隠れ層、{n} = 出力層)"
        ),
        "mean |dL/dw| (log scale)": "|dL/dw| の平均 (対数目盛)",
        "Gradient size per layer after one backward()": "1 回の backward() の後の層ごとの勾配の大きさ",
        "off the chart: loss {loss:.0e} at step {step},\nthe run stopped": (
            "グラフの外: ステップ {step} で損失 {loss:.0e}、\n実行が止まった"
        ),
        "training loss (MSE, log scale)": "訓練損失 (平均二乗誤差、対数目盛)",
        "The exploding stack, lr = {lr:g}: clipping as the remedy": (
            "爆発する層、η = {lr:g}: 対策としてのクリッピング"
        ),
        "Vanishing and exploding gradients: {depth} hidden layers of {width}": (
            "勾配消失と勾配爆発: {width} ユニットの隠れ層 {depth} 層"
        ),
    }
)

# -- regularization ------------------------------------------------------------------

DOCS["regularization"] = """\
ドロップアウトとバッチ正規化、そして過学習への効果。

ノイズのある 20 個の訓練データと 2 層の隠れ層のネットワークでは、ネットワークはデータの背後に
ある形ではなく、ノイズも含めた訓練データそのものに合わせてしまえます。訓練損失は下がり続け
ますが、新しいデータ (取り分けておいたテストデータ) での損失は上がります。これが *過学習* で、
2 つの損失の差がその大きさを表します。

* ドロップアウト (``nn.Dropout(0.5)``) は、学習の各ステップで層の出力のランダムな半分を 0 に
  し (残りは 2 倍)、どのユニットも他のユニットに頼れないようにします。ネットワークはより広く
  なめらかな規則を学びます。評価モード (``model.eval()``) では何もしません。
* バッチ正規化 (``nn.BatchNorm1d``) は、各ユニットの出力をミニバッチについて正規化し、学習
  するパラメータで拡大・平行移動します。学習を安定させ、バッチの統計量のノイズが正則化にも
  なります。評価モードでは、バッチの代わりに移動平均を使います。

同じ 3 層のネットワークを (Adam、同じシード、同じデータで)、素のまま、各隠れ層の後に
ドロップアウトを入れて、各 ReLU の前にバッチ正規化を入れて学習させます。レッスンは訓練損失と
テスト損失を表示・プロットし、決定領域を描き、それぞれが何を改善し (損失の差、テスト損失、
テストの正解率)、何を改善しなかったかを、自分の数値から述べます。

実行: ``autograd-lite lesson regularization --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        """{n_train} training points, {n_test} test points (two moons, noise {noise:g});
        a 2-{width}-{width}-1 ReLU network, Adam (lr 0.01), mini-batches of 10, {epochs}
        epochs.""": """\
訓練データ {n_train} 点、テストデータ {n_test} 点 (2 つの月形、ノイズ {noise:g})。
2-{width}-{width}-1 の ReLU ネットワーク、Adam (学習率 0.01)、ミニバッチ 10、{epochs}
エポック。""",
        "plain": "素のネットワーク",
        "batch norm": "バッチ正規化",
        "model        train loss  test loss     gap  test accuracy": (
            "モデル          訓練損失  テスト損失      差  テストの正解率"
        ),
        """The gap between test and training loss measures over-fitting: the {widest} network
        has the largest ({gap:.2f}). Against the plain network:""": """\
テスト損失と訓練損失の差が過学習の大きさを表します。いちばん大きいのは {widest} ({gap:.2f})
です。素のネットワークと比べると:""",
        "the same as the plain network's ({v})": "素のネットワークと同じ ({v})",
        "{word} ({ours} against {plain})": "{word} ({ours}、素のネットワークは {plain})",
        "smaller": "小さい",
        "larger": "大きい",
        "lower": "低い",
        "higher": "高い",
        "the gap": "損失の差",
        "the test loss": "テスト損失",
        "the test accuracy": "テストの正解率",
        "it helps on every count": "すべての点で効果があります",
        "here it helps {what} only": "ここで効果があるのは{what}だけです",
        "here it does not help": "ここでは効果がありません",
        "{kind}: the gap is {gap}, the test loss {loss}, the test accuracy {accuracy}: {summary}.": (
            "{kind}: 損失の差は{gap}、テスト損失は{loss}、テストの正解率は{accuracy}。{summary}。"
        ),
        """A lower test loss means fewer confident mistakes; accuracy only counts the points on
        the wrong side. With {n} test points for each, one standard error of the
        difference between two accuracies (here {plain:.0%} and
        {other:.0%}) is {error:.1f} points, so a difference under two of
        them, {two:.1f} points, can be chance; the largest here, {furthest}'s
        {points:.0f} points, is {spread:.1f} standard errors of a difference.""": """\
テスト損失が低いほど、自信満々の間違いが少ないということです。正解率は、間違った側にある点を
数えるだけです。それぞれ {n} 点のテストデータでは、2 つの正解率 (ここでは {plain:.0%} と
{other:.0%}) の差の標準誤差は {error:.1f} ポイントなので、その 2 倍の {two:.1f} ポイントより
小さい差は偶然でも起こりえます。ここでいちばん大きい差、{furthest} の {points:.0f} ポイントは、
差の標準誤差の {spread:.1f} 倍です。""",
        "{kind}: test loss {loss:.2f}, accuracy {acc:.0%}": (
            "{kind}: テスト損失 {loss:.2f}、正解率 {acc:.0%}"
        ),
        "training points": "訓練データ",
        "test points": "テストデータ",
        "{kind}, train": "{kind}、訓練",
        "{kind}, test": "{kind}、テスト",
        "loss (binary cross-entropy)": "損失 (2 値の交差エントロピー誤差)",
        "Train (solid) vs test (dashed)": "訓練 (実線) とテスト (破線)",
        "Over-fitting 20 points: plain, dropout, batch normalisation": (
            "20 点への過学習: 素のネットワーク、ドロップアウト、バッチ正規化"
        ),
    }
)

# -- fine_tuning ---------------------------------------------------------------------

DOCS["fine_tuning"] = """\
ファインチューニング: タスク A で学習し、出力層を取り替え、前のほうの層を凍結して、タスク B で学習する。

ファインチューニングは、ネットワークがタスク A で学んだことを新しいタスク B に再利用します。

1. タスク A でネットワークを学習させ、保存する (``checkpoint.save``)。
2. それを読み込む (同じ形のネットワークへ ``checkpoint.load``)。
3. 出力層を、タスク B に合う大きさの新しいものに取り替える
   (``model.layers[-1] = nn.Linear(16, 3)``)。
4. 前のほうの層を凍結する (``model.layers[0].requires_grad_(False)``)。その重みは勾配を
   受け取らず、``step()`` も触れない。
5. タスク B で学習する。変わるのは凍結していない層だけ。

ここではタスク A が 2 つの月形を分け (出力 1 つ、2 値の交差エントロピー誤差)、タスク B が同じ
平面の点を 3 つのグループに分けます (出力 3 つ、交差エントロピー誤差)。レッスンはステップ 5
の前後ですべての重みを記録して、凍結した重みがまったく動かなかったことを示し、タスク B での
1 回の逆伝播の後のネットワークを、辺の太さ = |勾配| で描きます。凍結した層の辺には何も流れ
ません。

実行: ``autograd-lite lesson fine_tuning --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "1. task A (two moons): MLP(2, {sizes}), {epochs} epochs, then save": (
            "1. タスク A (2 つの月形): MLP(2, {sizes})、{epochs} エポック学習して保存"
        ),
        "task A: loss {L:.3f}, accuracy {acc:.0%}": "タスク A: 損失 {L:.3f}、正解率 {acc:.0%}",
        "saved {path}": "保存: {path}",
        "2-4. load, replace the output layer, freeze the first layer": (
            "2-4. 読み込み、出力層の取り替え、最初の層の凍結"
        ),
        "loaded, metadata {meta}": "読み込み完了、メタデータ {meta}",
        "{n} parameters, {trainable} trainable, layers.0 frozen": (
            "パラメータ {n} 個、学習するのは {trainable} 個、layers.0 は凍結"
        ),
        "5. task B (three groups), {epochs} epochs; only unfrozen weights may move": (
            "5. タスク B (3 つのグループ)、{epochs} エポック。動いてよいのは凍結していない重みだけ"
        ),
        "task B: loss {a:.3f} -> {b:.3f}, accuracy {acc:.0%}": (
            "タスク B: 損失 {a:.3f} -> {b:.3f}、正解率 {acc:.0%}"
        ),
        " (frozen)": " (凍結)",
        "largest |change| of a weight in {layer}{frozen}: {largest:.3g}": (
            "{layer}{frozen} の重みの |変化| の最大値: {largest:.3g}"
        ),
        """The frozen layer's weights are bit-for-bit what task A left; the rest moved. The
        frozen layer still does its forward work (it turns points into features that task
        B's layers build on); it only takes no part in learning.""": """\
凍結した層の重みは、タスク A が残したものとビット単位で同じで、残りは動きました。凍結した
層も順伝播の仕事はしています (点を特徴に変え、タスク B の層がその上に積み上がる)。学習に
加わらないだけです。""",
        "layers.0\n(frozen)": "layers.0\n(凍結)",
        "layers.1\n(fine-tuned)": "layers.1\n(ファインチューニング)",
        "layers.2\n(new head)": "layers.2\n(新しい出力層)",
        "largest |weight change| (log; 0 drawn at 1e-17)": (
            "重みの |変化| の最大値 (対数、0 は 1e-17 に描く)"
        ),
        "What training on task B moved": "タスク B の学習で動いたもの",
        "task A points (moons)": "タスク A の点 (月形)",
        "Task B: three groups, after fine-tuning": "タスク B: ファインチューニング後の 3 つのグループ",
        "task A (whole network)": "タスク A (ネットワーク全体)",
        "task B (layers.0 frozen)": "タスク B (layers.0 は凍結)",
        "training loss": "訓練損失",
        "Task A, then task B": "タスク A、次にタスク B",
        "Fine-tuning: new head, frozen first layer": (
            "ファインチューニング: 新しい出力層、凍結した最初の層"
        ),
    }
)

# -- evaluation ----------------------------------------------------------------------

DOCS["evaluation"] = """\
分類器の評価: 取り分けたデータでの正解率、最後の損失、混同行列。

モデルは、学習に使っていない例で評価します。このレッスンは重なり合う 3 つの点の集まり
(クラス A、B、C) を作り、その 30% をテストデータとして取り分け
(``train_test_split(..., stratify=True)``)、残りで MLP を交差エントロピー誤差で学習させ
(``validation=テストデータ`` を渡した ``fit`` は、エポックごとに両方を報告する)、テスト
データで次のものを測ります。

* 最後の損失 (交差エントロピー誤差の平均) と正解率 (正しかった割合)。
* 混同行列: 行 = 正解のクラス、列 = 予測したクラス。対角線には正解が、それ以外の升目には
  それぞれの種類の間違いが入る。
* クラスごとの適合率 (A と言った点のうち本当に A だった割合)、再現率 (本当に A の点のうち
  見つけた割合)、F1。

実行: ``autograd-lite lesson evaluation --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "{train} training and {test} test examples, classes {names}": (
            "訓練データ {train} 個、テストデータ {test} 個、クラス {names}"
        ),
        "training MLP(2, [16, 3]) with cross-entropy, Adam (lr 0.02), {epochs} epochs": (
            "MLP(2, [16, 3]) を交差エントロピー誤差、Adam (学習率 0.02) で {epochs} エポック学習"
        ),
        "epoch {e:>3}: train loss {tl:.3f}, acc {ta:.0%} | test loss {vl:.3f}, acc {va:.0%}": (
            "エポック {e:>3}: 訓練損失 {tl:.3f}、正解率 {ta:.0%} | テスト損失 {vl:.3f}、"
            "正解率 {va:.0%}"
        ),
        """Why is epoch 1's training loss ({train:.3f}) above its test loss
            ({test:.3f})? The training loss is the mean over the epoch's mini-batches,
            each measured with the weights of that moment, while they were still moving away
            from their random start; the test loss is measured once, after the epoch, with the
            trained weights. Measured after epoch 1 in the same way, the training loss is
            {after:.3f}.""": """\
なぜエポック 1 の訓練損失 ({train:.3f}) はテスト損失 ({test:.3f}) より高いのでしょうか? 訓練
損失はそのエポックのミニバッチについての平均で、どれもその時点の重み、つまりランダムな初期値
から離れていく途中の重みで測ったものです。テスト損失はエポックの後に一度、学習した重みで
測ります。エポック 1 の後に同じように測ると、訓練損失は {after:.3f} です。""",
        "evaluation on the held-out test set": "取り分けたテストデータでの評価",
        "final loss (mean cross-entropy): {L:.4f}": "最後の損失 (交差エントロピー誤差の平均): {L:.4f}",
        "accuracy: {acc:.1%}  ({right} of {n})": "正解率: {acc:.1%}  ({n} 個中 {right} 個)",
        "confusion matrix:": "混同行列:",
        "class  precision  recall    F1   support": "クラス  適合率     再現率    F1   データ数",
        """The clusters overlap, so some mistakes are unavoidable. Accuracy gives one number;
        the confusion matrix says which classes get mixed up, and precision and recall say
        whether a class is over- or under-predicted.""": """\
集まりが重なっているので、いくらかの間違いは避けられません。正解率は 1 つの数を与えます。
混同行列はどのクラスが取り違えられるかを示し、適合率と再現率は、あるクラスが多く予測され
すぎか、少なすぎかを示します。""",
        "test points, class {name}": "テストデータ、クラス {name}",
        "Decision regions and the test set": "決定領域とテストデータ",
        "predicted class": "予測したクラス",
        "true class": "正解のクラス",
        "Confusion matrix (accuracy {acc:.0%})": "混同行列 (正解率 {acc:.0%})",
        "test examples": "テストデータの数",
        "test loss": "テスト損失",
        "Loss and accuracy per epoch": "エポックごとの損失と正解率",
        "training accuracy": "訓練データの正解率",
        "test accuracy": "テストデータの正解率",
        "Evaluating a 3-class classifier on a held-out test set": (
            "3 クラスの分類器を取り分けたテストデータで評価する"
        ),
    }
)

# -- normalization -------------------------------------------------------------------

DOCS["normalization"] = """\
入力データの正規化: 大きさのまったく違う特徴量があると、勾配降下法の学習が遅くなる。

家の床面積は数百 (平方メートル)、駅までの距離は数キロメートルです。生の数値で学習させた線形
モデル ``price = w1 area + w2 distance + b`` の損失関数は、``w2`` の方向より ``w1`` の方向に
ずっと急です (どれくらい急かはレッスンが計算します)。``w1`` が発散しないように学習率をごく
小さくしなければならず、すると ``w2`` と ``b`` はほとんど動きません。

各特徴量を標準化する (平均を引き、標準偏差で割る。``autograd_lite.data.Standardizer`` を訓練
データだけで当てはめる) と、どの方向も同じくらいの急さになり、普通の学習率 1 つですべての
重みがうまくいきます。

このレッスンは ``nn.Linear(2, 1)`` を ``fit`` (バッチ全体) で 3 通りに学習させます。生の入力
で安定な上限 (レッスンが計算する) より小さい学習率、生の入力でそれより大きい学習率 (発散
する: 損失が限りなく増える)、標準化した入力で普通の学習率です。

実行: ``autograd-lite lesson normalization --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "the inputs": "入力",
        "raw": "生",
        "standardised": "標準化",
        "area": "面積",
        "distance": "距離",
        " mean {mean:9.3f}   mean of squares {sq:10.3f}": " 平均 {mean:9.3f}   2 乗の平均 {sq:10.3f}",
        """The loss's steepness along a weight (its second derivative) is 2 x the mean square
        of that weight's input: on raw data, w1's direction is about
        {times:,.0f} times steeper than w2's
        ({a:.0f} / {b:.2f}).""": """\
ある重みの方向の損失関数の急さ (2 階微分) は、その重みの入力の 2 乗の平均の 2 倍です。生の
データでは、w1 の方向は w2 の方向より約 {times:,.0f} 倍急です ({a:.0f} / {b:.2f})。""",
        """On raw inputs, gradient descent is stable only for learning rates below
        2 / (the largest curvature) = {limit}: the lesson tries {stable}
        and {large}.""": """\
生の入力では、勾配降下法が安定なのは学習率が 2 / (最大の曲率) = {limit} より小さいときだけ
です。レッスンは {stable} と {large} を試します。""",
        "training nn.Linear(2, 1) for {epochs} epochs (full batch)": (
            "nn.Linear(2, 1) を {epochs} エポック学習 (バッチ全体)"
        ),
        " loss {a:10.4g} -> {b:10.4g}   ({how}, {n} epochs)": (
            " 損失 {a:10.4g} -> {b:10.4g}   ({how}、{n} エポック)"
        ),
        "diverged in epoch {epoch}": "エポック {epoch} で発散",
        "the loss grows: diverging": "損失が増える: 発散",
        "the loss fell": "損失が下がった",
        "come within twice the noise level of the data (MSE {noise:g}) by epoch {epoch}": (
            "はエポック {epoch} までにデータのノイズの大きさ (平均二乗誤差 {noise:g}) の 2 倍以内に"
            "届きます"
        ),
        "stay above twice the noise level of the data (MSE {noise:g})": (
            "はデータのノイズの大きさ (平均二乗誤差 {noise:g}) の 2 倍より上にとどまります"
        ),
        """On raw inputs a stable rate leaves the loss high (w1 settles at once, w2 and b
        crawl), and a rate {times:g} times larger diverges; standardised
        inputs {reached}. Apply the same fitted Standardizer to test data.""": """\
生の入力では、安定な学習率だと損失が高いまま残り (w1 はすぐ落ち着くが、w2 と b はゆっくりとしか動かない)、
{times:g} 倍大きい学習率は発散します。標準化した入力{reached}。テストデータにも、当てはめた
のと同じ Standardizer を使いましょう。""",
        "raw inputs": "生の入力",
        "standardised inputs": "標準化した入力",
        "{title} (equal axis scales)": "{title} (縦横同じ縮尺)",
        "area (m²)": "面積 (m²)",
        "distance (km)": "距離 (km)",
        "area, standardised": "面積 (標準化)",
        "distance, standardised": "距離 (標準化)",
        "price (target)": "価格 (目標)",
        "diverges: off the chart": "発散: グラフの外",
        "Training: raw vs standardised": "学習: 生の入力と標準化した入力",
        "Normalising inputs: one learning rate fits every weight": (
            "入力の正規化: 1 つの学習率がすべての重みに合う"
        ),
    }
)

# -- initialization ------------------------------------------------------------------

DOCS["initialization"] = """\
重みの初期化: Xavier、He、素朴な初期値が、活性化の分布と学習に与える影響。

最初のステップの前に、どの重みにも値が必要です。小さすぎると、信号 (と逆伝播での勾配) は
層ごとに小さくなって何も残らなくなります。大きすぎると大きくなっていくか、tanh のユニットが
微分 0 の +-1 に張りつきます (飽和)。ちょうどよい広がりは、ユニットあたりの入力の数 (fan-in)
と活性化関数で決まります。

* Xavier / Glorot: 標準偏差 sqrt(2 / (fan_in + fan_out))。tanh とシグモイド関数に。
* He: 標準偏差 sqrt(2 / fan_in)。ReLU に (入力の半分を 0 にするので係数 2)。
* 「素朴」: 層の大きさにかかわらず U(-1, 1) (micrograd の既定値)。それと「小さい」
  U(-0.01, 0.01)。

第 1 部は、32 ユニットの隠れ層 8 層にランダムな入力を通し、各層の活性化の広がり (標準偏差) を
表示します。第 2 部は、深くて細い ReLU ネットワーク (10 ユニットの隠れ層 8 層) をそれぞれの
初期値から 2 つの月形で学習させます: ``MLP(..., init="he")`` など。

実行: ``autograd-lite lesson initialization --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "{part}. spread of activations, {depth} {activation} layers of {width} units": (
            "{part}. 活性化の広がり: {width} ユニットの {activation} の層が {depth} 層"
        ),
        """Small weights: the signal dies (its spread falls below {faded:g} by layer
        {tanh} of tanh and layer {relu} of ReLU), and so will the gradients.
        Naive weights: tanh units sit near +-1 (saturated), ReLU signals grow
        {how}. Xavier keeps tanh layers alive; He keeps
        ReLU layers at a steady spread, while Xavier lets a ReLU stack fade by a factor of
        about {fade:.2f} per layer (1/sqrt(2) = {root:.2f}: Xavier's variance is
        half of He's when fan-in = fan-out).""": """\
小さい重み: 信号が消えます (広がりが tanh では {tanh} 層目、ReLU では {relu} 層目までに
{faded:g} を下回る)。勾配も同じく消えます。素朴な重み: tanh のユニットは +-1 の近くに張り
つき (飽和)、ReLU の信号は{how}大きくなります。Xavier は tanh の層を生かし、He は ReLU の層の
広がりを一定に保ちます。一方、Xavier では ReLU の層は 1 層ごとに約 {fade:.2f} 倍に弱まります
(1/sqrt(2) = {root:.2f}: fan-in = fan-out のとき、Xavier の分散は He の半分)。""",
        "at every layer": "層ごとに",
        "with depth": "深くなるにつれて",
        "2. training a 2-{shape}-1 ReLU network, {epochs} epochs": (
            "2. 2-{shape}-1 の ReLU ネットワークを {epochs} エポック学習"
        ),
        "loss {a:.3f} -> {b:.3f}, accuracy {acc:.0%}; dead units per layer {dead}": (
            "損失 {a:.3f} -> {b:.3f}、正解率 {acc:.0%}。層ごとの死んだユニット {dead}"
        ),
        """The loss of a coin toss is log 2 = {coin:.3f}. From small weights the gradients
        vanish and the network ends at {small:.3f}; from naive weights the first updates
        are huge and leave {dead} of the {units} units of the last hidden layer
        dead (0 for every input, so no gradient flows back through them), and it ends at
        {naive:.3f}, guessing; He initialisation trains, to {he:.3f} and
        {acc:.0%} accuracy.""": """\
コイン投げの損失は log 2 = {coin:.3f} です。小さい重みからは勾配が消え、ネットワークは
{small:.3f} で終わります。素朴な重みからは最初の更新が巨大で、最後の隠れ層の {units} 個の
ユニットのうち {dead} 個が死に (どの入力にも 0 を出すので、そこを通って勾配が戻らない)、
{naive:.3f}、つまり当てずっぽうで終わります。He の初期値では学習が進み、損失 {he:.3f}、
正解率 {acc:.0%} になります。""",
        "hidden layer": "隠れ層",
        "std of activations (log scale)": "活性化の標準偏差 (対数目盛)",
        "{activation} network: activation spread per layer": (
            "{activation} ネットワーク: 層ごとの活性化の広がり"
        ),
        "log 2 (guessing)": "log 2 (当てずっぽう)",
        "training loss (binary cross-entropy)": "訓練損失 (2 値の交差エントロピー誤差)",
        "Training a deep ReLU network": "深い ReLU ネットワークの学習",
        "Weight initialisation: small, naive, Xavier, He": "重みの初期化: 小さい、素朴、Xavier、He",
    }
)

# -- digits --------------------------------------------------------------------------

DOCS["digits"] = """\
手書き数字を読む: 小さな畳み込みネットワークを、コンパイルして数時間ではなく数分で学習する。

データは手書き数字 1,797 枚です。どれも 0 (白) から 16 (インク) までの画素からなる 8x8 の
画像で、0..9 の正解ラベルが付いています (``autograd_lite.data.load_digits()``)。出典は
UCI Machine Learning Repository の "Optical Recognition of Handwritten Digits"
(E. Alpaydin、C. Kaynak、1998) のテストセットで、クリエイティブ・コモンズ 表示 4.0
(CC BY 4.0) のもとで使っています。完全な出典はパッケージに同梱の NOTICE ファイルにあります。
このレッスンは、クラスの比率を保ったまま 20% をテストデータとして取り分け、学習には一度も
使いません。

ネットワークはライブラリのモジュールで組み立てます:

    Conv2d(1, 16, 3) -> ReLU -> Conv2d(16, 32, 3) -> ReLU -> Flatten -> Linear(512, 10)

1 層目は 16 個の 3x3 のカーネル (フィルタ) を画像の上で滑らせ (8x8 から 6x6 のマップ 16 枚)、
2 層目はそれらを組み合わせて 4x4 のマップ 32 枚にし、最後の全結合層 (Affine レイヤ) がその
512 個の数を数字ごとのスコア 1 つずつに変えます。損失関数はスコアと正解の数字との交差エント
ロピー誤差で、重みは Adam で更新し、学習率はエポックごとに少しずつ小さくします。1 画素ずれた
数字も同じ数字です。そこで各エポックで訓練データの 50% を無作為に選び、下へ -1、0、1 画素、
右へ -1、0、1 画素ずらします。ネットワークが数字の正確な位置ではなく線の形を学ぶようにする
ためです (データ拡張)。

そのまま (eager に) 計算すると、学習の 1 ステップごとにミニバッチのすべての数字について計算
グラフ (それぞれ数千個の ``Value`` ノード) を作り、それを逆にたどります。グラフはどのステップ
でも同じで、変わるのは数値だけです。そこでこのレッスンは、数字 1 つ分のグラフを一度だけ記録し
(``step = compile(fn, params, example=..., backend="numpy")``)、32 個の数字からなる各
ミニバッチに numpy 配列として再生します。``step(xs, ys)`` はミニバッチの損失の平均を返し、その
勾配を各 ``.grad`` に足します。eager なグラフで ``backward()`` を呼んだときとまったく同じです。
記録した計算では目標のスコアを番号で選べないので、目標は one-hot 表現 (2 なら
``[0, 0, 1, 0, ...]``) にします。レッスンは比較のために eager なミニバッチをいくつか計って
(その損失がコンパイル版と等しいことも確かめ)、コンパイル版で学習し、テストデータの数字を
読みます。

学習データも numpy 配列で持ちます。各数字を 9 通りの位置 (元の位置とずらした位置) に置いたものを学習の前に一度だけ作り、
エポックごとの数字とずらし方はインデックスで選び、目標とその正解率もミニバッチごとにまとめて
計算するので、数字 1 つごとに回る Python のループはありません。numpy の BLAS は 1 スレッドに
します (自分で設定しない限り ``OPENBLAS_NUM_THREADS=1``)。この大きさの行列積ではスレッドに
得るものがなく、ほかのプログラムが CPU コアを使っていると大きく損をするからです。

実行: ``autograd-lite lesson digits --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        "the data": "データ",
        "1 batch": "1 ミニバッチ",
        "{n} batches": "{n} ミニバッチ",
        "{total} digits of {side}x{side} pixels; {train} for training, {test} held out for "
        "the test (stratified, seed {seed})": (
            "{side}x{side} 画素の数字 {total} 枚: 訓練用に {train} 枚、テスト用に {test} 枚を"
            "取り分けます (クラスの比率を保って分割、シード {seed})"
        ),
        "per class in the test set: {counts}": "テストデータの数字ごとの枚数: {counts}",
        "the network": "ネットワーク",
        "{n} parameters": "パラメータ {n} 個",
        "the eager way: {batches} of {size}, timed": (
            "eager に計算する: {size} 枚ずつの {batches}の時間を計る"
        ),
        "{batches}, eager, took {seconds:.2f} s: {batch:.2f} s a batch, so one epoch of "
        "{per_epoch} batches would take about {epoch:.0f} s (extrapolated, not timed whole)": (
            "eager な {batches}に {seconds:.2f} 秒かかりました。1 ミニバッチ {batch:.2f} 秒"
            "なので、{per_epoch} ミニバッチの 1 エポックには約 {epoch:.0f} 秒かかる計算です"
            " (外挿した値で、1 エポック全体を計ってはいません)"
        ),
        "compiling one digit's loss": "数字 1 つ分の損失をコンパイルする",
        "recorded {nodes} nodes (inputs, parameters, operations) in {seconds:.2f} s; "
        "numpy backend": (
            "{nodes} 個のノード (入力、パラメータ、演算) を {seconds:.2f} 秒で記録しました"
            " (numpy バックエンド)"
        ),
        "training compiled: {epochs} epochs of {per_epoch} batches, Adam": (
            "コンパイル版で学習する: {per_epoch} ミニバッチのエポックを {epochs} 回、Adam"
        ),
        "epoch {epoch:>3}: training loss {loss:.4f}, training accuracy "
        "{accuracy:.1%} (shifted digits included)": (
            "エポック {epoch:>3}: 訓練損失 {loss:.4f}、訓練データの正解率 "
            "{accuracy:.1%} (ずらした数字を含む)"
        ),
        "training took {train:.1f} s ({epoch:.2f} s an epoch), plus {compiling:.2f} s of "
        "compiling; {calls} calls of the step, {checks} of them checked against the eager "
        "engine (the first, then from the {every}th on, further apart), {eager_runs} re-run "
        "eagerly": (
            "学習に {train:.1f} 秒 (1 エポック {epoch:.2f} 秒)、ほかにコンパイルに {compiling:.2f}"
            " 秒かかりました。step の呼び出し {calls} 回のうち {checks} 回 (最初の 1 回と、"
            "{every} 回目からは間隔を広げながら) を eager なエンジンと照合し、{eager_runs} 回を eager に"
            "計算し直しました"
        ),
        "one epoch: about {eager:.1f} s eager (extrapolated) vs {compiled:.2f} s compiled: "
        "{speedup:.0f}x faster": (
            "1 エポック: eager では約 {eager:.1f} 秒 (外挿)、コンパイル版では {compiled:.2f} 秒。"
            "{speedup:.0f} 倍速い"
        ),
        "the losses of the first {batches}, eager vs compiled: largest relative difference "
        "{gap:.1e}": (
            "最初の {batches}の損失を eager とコンパイル版で比べると、相対差は最大 {gap:.1e}"
        ),
        "reading the test digits": "テストデータの数字を読む",
        "test accuracy {accuracy:.1%}  ({right} of {total} read right)": (
            "テストデータの正解率 {accuracy:.1%}  ({total} 枚中 {right} 枚を正しく読んだ)"
        ),
        "confusion matrix (rows: the true digit, columns: the digit read):": (
            "混同行列 (行: 正解の数字 (true)、列: 読んだ数字 (predicted)):"
        ),
        ", ": "、",
        "{t} read as {p}": "{t} を {p} と読んだ",
        "misread: {digits}": "読み違い: {digits}",
        "none": "なし",
        "(quick mode: a slice of the data and a few epochs; the goal is for the full run)": (
            "(クイックモード: データの一部と少ないエポック数。目標は通常の実行についてのものです)"
        ),
        "goal: at least {goal:.0%} test accuracy with under {limit:.0f} s of compiling "
        "and training: {accuracy:.1%} in {seconds:.1f} s, {verdict}": (
            "目標: コンパイルと学習を合わせて {limit:.0f} 秒未満で、テストデータの正解率 "
            "{goal:.0%} 以上。結果は {seconds:.1f} 秒で {accuracy:.1%}: {verdict}"
        ),
        "met": "達成",
        "NOT met": "未達成",
        "the first layer's kernel weights: {size:.3f} in size on average at the start, each "
        "moved by {moved:.3f} on average in training": (
            "1 層目のカーネルの重み: 初期値の大きさは平均 {size:.3f}、学習で動いた量は平均"
            " {moved:.3f}"
        ),
        "the most frequent mistake ({most} times): {mistakes}": (
            "いちばん多い読み違い ({most} 回): {mistakes}"
        ),
        """The network never saw these digits. The confusion matrix says which digits it mixes
        up (row: the true digit, column: the digit read). The first layer's kernels are what
        it learned to look for: the pictures show them, and what each one sees in a digit.""": """\
ネットワークはこれらの数字を一度も見ていません。混同行列は、どの数字をどの数字と取り違える
かを示します (行: 正解の数字、列: 読んだ数字)。1 層目のカーネルは、ネットワークが何を探す
ように学習したかを表します。図はそのカーネルと、それぞれが数字の中に何を見ているかを示します。""",
        "The first {shown} test digits, each with the digit the network read: {right} right "
        "(blue), {wrong} misread (red)": (
            "テストデータの最初の {shown} 枚と、ネットワークが読んだ数字: "
            "正解 {right} 枚 (青)、読み違い {wrong} 枚 (赤)"
        ),
        "Every misread test digit (the first {shown}): {wrong} of {total}; the digit "
        "read, then the true digit in brackets": (
            "読み違えたテストデータの数字 (最初の {shown} 枚): {total} 枚中 {wrong} 枚。"
            "読んだ数字、括弧内が正解"
        ),
        "Every misread test digit: {wrong} of {total}; the digit read, then the true "
        "digit in brackets": (
            "読み違えたテストデータの数字すべて: {total} 枚中 {wrong} 枚。読んだ数字、括弧内が正解"
        ),
        "No test digit was misread": "読み違えたテストデータの数字はありません",
        "digit read": "読んだ数字",
        "true digit": "正解の数字",
        "Confusion matrix of the {total} test digits (accuracy {accuracy:.1%})": (
            "テストデータ {total} 枚の混同行列 (正解率 {accuracy:.1%})"
        ),
        "test digits": "テストデータの枚数",
        "A small convolutional network reads handwritten digits it never trained on": (
            "小さな畳み込みネットワークが、学習に使っていない手書き数字を読む"
        ),
        "The first layer's 3x3 kernels at the start (random)": "1 層目の 3x3 のカーネル: 初期値 (乱数)",
        "... and after training (red: positive, blue: negative)": "… と学習後 (赤: 正、青: 負)",
        "a test digit": "テストデータの数字",
        "What each learned kernel sees in it: its 6x6 map after ReLU (black: 0, "
        "bright: strong; one scale for all)": (
            "学習したカーネルがそれぞれ見ているもの: ReLU を通した 6x6 のマップ"
            " (黒: 0、明るい: 強い。すべて同じ目盛)"
        ),
        "training loss (cross-entropy)": "訓練損失 (交差エントロピー誤差)",
        "epoch": "エポック",
        "mean loss (log scale)": "損失の平均 (対数目盛)",
        "Training, compiled (numpy backend)": "コンパイル版での学習 (numpy バックエンド)",
        "training accuracy (during each epoch, shifted digits too)": (
            "訓練データの正解率 (各エポックの途中、ずらした数字も含む)"
        ),
        "test accuracy after training ({accuracy:.1%})": "学習後のテストデータの正解率 ({accuracy:.1%})",
        "accuracy": "正解率",
        "eager\n(extrapolated from 1 batch)": "eager\n(1 ミニバッチから外挿)",
        "eager\n(extrapolated from {n} batches)": "eager\n({n} ミニバッチから外挿)",
        "compiled\n(numpy backend)": "コンパイル版\n(numpy バックエンド)",
        "seconds for one epoch": "1 エポックの秒数",
        "One epoch: compiled is {speedup:.0f}x faster": "1 エポック: コンパイル版は {speedup:.0f} 倍速い",
    }
)
