"""03 · Autograd in training: the tutorial's TinyModel, one SGD step, then a training loop."""

from build import Code, Exercise, Markdown

CELLS = [
    Markdown(
        en=r"""
# 3 · Autograd in training

So far we differentiated a formula. Training a model is the same machinery at work: compute a
**loss** that says how wrong the model is, let `backward()` find the gradient of that loss with
respect to every weight, and nudge each weight a little against its gradient.

**After this notebook you will be able to**

- define a small model with `torch.nn.Module` and see that its weights require gradients;
- run one training step by hand: prediction, loss, `backward()`, `optimizer.step()`, and say
  what changed after each;
- train for a few dozen steps, watching the loss fall and the gradients of each layer;
- check a weight's gradient against the formula you derive yourself.
""",
        zh=r"""
# 3 · 训练中的自动微分

到目前为止，我们求导的对象是一个公式。训练模型用的是同一套机制：先算出一个**损失**，
衡量模型错得有多离谱；再让 `backward()` 求出损失对每个权重的梯度；
最后让每个权重沿着梯度的反方向挪一小步。

**学完本节，你将能够**

- 用 `torch.nn.Module` 定义一个小模型，并看到它的权重都需要梯度；
- 手动走完一步训练：预测、损失、`backward()`、`optimizer.step()`，并说出每一步改变了什么；
- 训练几十步，观察损失下降以及每一层的梯度大小；
- 用自己推导的公式检验某个权重的梯度。
""",
    ),
    Code("""
from tqdm.auto import tqdm

import minigrad as torch
import widgets
"""),
    Markdown(
        en=r"""
## The tutorial's TinyModel

Two linear layers with a ReLU between them: 1000 inputs, 100 hidden units, 10 outputs, and a
batch of 16 random inputs with 16 random "ideal" outputs. We seed the random generator so the
numbers below are reproducible (PyTorch, seeded the same way, draws the very same ones).
""",
        zh=r"""
## 教程里的 TinyModel

两个线性层，中间是 ReLU：1000 个输入、100 个隐藏单元、10 个输出；
再准备一批 16 个随机输入和 16 个随机的"理想输出"。
我们固定随机种子，让下面的数字可以复现（用同样种子的 PyTorch 抽到的随机数也完全一样）。
""",
    ),
    Code("""
torch.manual_seed(0)

BATCH_SIZE = 16
DIM_IN = 1000
HIDDEN_SIZE = 100
DIM_OUT = 10

class TinyModel(torch.nn.Module):

    def __init__(self):
        super(TinyModel, self).__init__()

        self.layer1 = torch.nn.Linear(1000, 100)
        self.relu = torch.nn.ReLU()
        self.layer2 = torch.nn.Linear(100, 10)

    def forward(self, x):
        x = self.layer1(x)
        x = self.relu(x)
        x = self.layer2(x)
        return x

some_input = torch.randn(BATCH_SIZE, DIM_IN, requires_grad=False)
ideal_output = torch.randn(BATCH_SIZE, DIM_OUT, requires_grad=False)

model = TinyModel()
print(model)
"""),
    Markdown(
        en=r"""
Nowhere did we write `requires_grad=True`, yet the weights require gradients: a layer creates
its weights as **parameters**, and parameters always do. Slicing a weight is itself an
operation, hence the `grad_fn=<SliceBackward0>`. No gradient exists yet.
""",
        zh=r"""
我们从没写过 `requires_grad=True`，但权重都需要梯度：层会把权重创建为**参数**（parameter），
而参数总是需要梯度的。对权重切片本身也是一次运算，所以打印出 `grad_fn=<SliceBackward0>`。
此时还没有任何梯度。
""",
    ),
    Code("""
print(model.layer2.weight[0][0:10]) # just a small slice
print(model.layer2.weight.grad)
print(all(p.requires_grad for p in model.parameters()))
"""),
    Markdown(
        en=r"""
## One training step, by hand

The loss is the squared distance between prediction and ideal output, summed over the batch:
$L = \sum (y_{ideal} - y_{pred})^2$. The optimizer is plain stochastic gradient descent: each
step replaces every weight $w$ by $w - \text{lr} \cdot \partial L / \partial w$.
""",
        zh=r"""
## 手动走一步训练

损失取预测值与理想输出之差的平方，对整批求和：$L = \sum (y_{ideal} - y_{pred})^2$。
优化器是最朴素的随机梯度下降：每一步把每个权重 $w$ 换成
$w - \text{lr} \cdot \partial L / \partial w$。
""",
    ),
    Code("""
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)

prediction = model(some_input)

loss = (ideal_output - prediction).pow(2).sum()
print(loss)
"""),
    Markdown(
        en=r"""
The loss is one number with a whole graph behind it. Drawn, with the parameters named, it
shows the path from the loss back to every weight and bias: `AddmmBackward0` is a linear
layer (a matrix product plus the bias), `ReluBackward0` the activation.
""",
        zh=r"""
损失只是一个数，背后却有一整张计算图。给参数起好名字画出来，就能看到从损失回到每个权重和偏置的路径：
`AddmmBackward0` 是一个线性层（矩阵乘法再加偏置），`ReluBackward0` 是激活函数。
""",
    ),
    Code("""
widgets.draw(loss, names={**dict(model.named_parameters()), 'loss': loss})
"""),
    Markdown(
        en=r"""
`backward()` fills in the gradients, but does not touch the weights: that is the optimizer's
job. After `optimizer.step()` the weights have moved.
""",
        zh=r"""
`backward()` 会填好梯度，但不会改动权重：那是优化器的工作。调用 `optimizer.step()`
之后，权重才真正改变。
""",
    ),
    Code("""
loss.backward()
print(model.layer2.weight[0][0:10])
print(model.layer2.weight.grad[0][0:10])
"""),
    Code("""
optimizer.step()
print(model.layer2.weight[0][0:10])
print(model.layer2.weight.grad[0][0:10])
"""),
    Markdown(
        en=r"""
## Training for real

One step barely moves the loss. A training loop repeats the same four moves: clear the old
gradients (`optimizer.zero_grad()`, the subject of the next notebook), predict, compute the
loss, `backward()`, `step()`. The curve below is drawn live while the loop runs, and the
progress bar shows how long the steps take.
""",
        zh=r"""
## 真正地训练

一步几乎改变不了损失。训练循环就是把同样的几个动作重复下去：清掉旧梯度（`optimizer.zero_grad()`，
下一节专门讲它）、预测、计算损失、`backward()`、`step()`。下面的曲线会在循环运行时实时更新，
进度条显示每一步用了多长时间。
""",
    ),
    Code("""
curve = widgets.LossPlot(title='TinyModel, squared error', log_scale=True, min_interval_s=0.5)
curve
"""),
    Code("""
for _ in tqdm(range(40)):
    optimizer.zero_grad()
    prediction = model(some_input)
    loss = (ideal_output - prediction).pow(2).sum()
    loss.backward()
    optimizer.step()
    curve.update(loss)
curve.redraw()
""", tags=("nbval-ignore-output",)),
    Code("""
print(f'first loss {curve.losses[0]:.4f}, last loss {curve.losses[-1]:.4f}')
"""),
    Markdown(
        en=r"""
## How big are the gradients, layer by layer?

The gradient of each parameter after the last `backward()`, summarised by its size. Layers
whose gradients are tiny learn slowly; this picture is the first thing to look at when a
deeper network refuses to train.
""",
        zh=r"""
## 每一层的梯度有多大？

最后一次 `backward()` 之后，每个参数的梯度大小一览。梯度很小的层学得很慢；
当更深的网络怎么也训练不动时，这张图是第一个该看的地方。
""",
    ),
    Code("""
widgets.plot_grad_magnitudes(model.named_parameters())
"""),
    Markdown(
        en=r"""
## Exercises

Replace each `...` with your answer and run the cell, then run the check below it. A solution
is folded under each check: try first, then compare.

**1.** The loss is $L = \sum_{n,k} (t_{nk} - p_{nk})^2$ and the second layer adds its bias:
$p_{nk} = \dots + b_k$. Derive $\partial L / \partial b_k$ and write it as `by_hand`, computed
from `ideal_output` and `prediction` (detach it). The check compares it with
`model.layer2.bias.grad`.
""",
        zh=r"""
## 练习

把每个 `...` 换成你的答案并运行该单元格，再运行下面的检查单元格。每个检查下面都折叠着一份参考答案：
先自己做，再对照。

**1.** 损失是 $L = \sum_{n,k} (t_{nk} - p_{nk})^2$，第二层会加上偏置：$p_{nk} = \dots + b_k$。
推导 $\partial L / \partial b_k$，写成 `by_hand`（由 `ideal_output` 和 `prediction` 算出，记得
detach）。检查函数会把它与 `model.layer2.bias.grad` 比较。
""",
    ),
    Exercise(
        grade_id="03_bias_gradient",
        code="""
model.zero_grad()
prediction = model(some_input)
loss = (ideal_output - prediction).pow(2).sum()
loss.backward()
### BEGIN SOLUTION
by_hand = (-2 * (ideal_output - prediction)).sum(0).detach()
### END SOLUTION
""",
        placeholder="by_hand = ...  # en: your formula for dL/db | zh: 你推导出的 dL/db",
        check="""
widgets.check.gradient(by_hand, model.layer2.bias.grad, of=model.layer2.bias, name="by_hand")
""",
    ),
    Markdown(
        en=r"""
**2 — predict.** Take `w = torch.tensor([1.0, -2.0], requires_grad=True)`, the loss
`(w * w).sum()`, and `torch.optim.SGD([w], lr=0.1)`. What is `w` after one `backward()` and
one `step()`? Write it as `predicted_w` before running; the check cell does the step.
""",
        zh=r"""
**2：先预测。** 取 `w = torch.tensor([1.0, -2.0], requires_grad=True)`、损失 `(w * w).sum()`
和 `torch.optim.SGD([w], lr=0.1)`。做一次 `backward()` 和一次 `step()` 之后，`w` 是多少？
在运行之前把它写成 `predicted_w`；检查单元格会执行这一步。
""",
    ),
    Exercise(
        grade_id="03_predict_step",
        code="""
### BEGIN SOLUTION
predicted_w = torch.tensor([0.8, -1.6])
### END SOLUTION
""",
        placeholder="predicted_w = ...  # en: torch.tensor([...]) | zh: torch.tensor([...])",
        check="""
w = torch.tensor([1.0, -2.0], requires_grad=True)
step_optimizer = torch.optim.SGD([w], lr=0.1)
(w * w).sum().backward()
step_optimizer.step()
widgets.check.close(predicted_w, w.detach(), name="predicted_w")
""",
    ),
]
