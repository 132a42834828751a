"""03 · Autograd in training: the tutorial's TinyModel, one SGD step, then a training loop."""

from build import Code, Markdown

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
loss, `backward()`, `step()`. The curve below is drawn live while the loop runs; the progress
bar shows the timing, so nbval does not compare that cell's output.
""",
        zh=r"""
## 真正地训练

一步几乎改变不了损失。训练循环就是把同样的几个动作重复下去：清掉旧梯度（`optimizer.zero_grad()`，
下一节专门讲它）、预测、计算损失、`backward()`、`step()`。下面的曲线会在循环运行时实时更新；
进度条里有耗时信息，所以 nbval 不比较那个单元格的输出。
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

Try each one yourself first: replace the answer with your own, run the cell, and read what
the check says. The cells below hold worked answers.

**1.** The loss is $L = \sum_{n,k} (t_{nk} - p_{nk})^2$ and the second layer adds its bias:
$p_{nk} = \dots + b_k$. Derive $\partial L / \partial b_k$ and compare with
`model.layer2.bias.grad`.
""",
        zh=r"""
## 练习

每道题请先自己做：把答案换成你自己的，运行单元格，看看检查函数怎么说。下面的单元格里是参考答案。

**1.** 损失是 $L = \sum_{n,k} (t_{nk} - p_{nk})^2$，第二层会加上偏置：$p_{nk} = \dots + b_k$。
推导 $\partial L / \partial b_k$，并与 `model.layer2.bias.grad` 比较。
""",
    ),
    Code("""
model.zero_grad()
prediction = model(some_input)
loss = (ideal_output - prediction).pow(2).sum()
loss.backward()

by_hand = (-2 * (ideal_output - prediction)).sum(0).detach()
widgets.check.gradient(model.layer2.bias.grad, by_hand, of=model.layer2.bias,
                       name='layer2.bias.grad')
"""),
    Markdown(
        en=r"""
**2.** Predict the bias after one more `optimizer.step()` with `lr=0.001`, before running it.
""",
        zh=r"""
**2.** 在执行之前，先预测再调用一次 `optimizer.step()`（`lr=0.001`）之后偏置会变成多少。
""",
    ),
    Code("""
predicted = model.layer2.bias.detach() - 0.001 * model.layer2.bias.grad
optimizer.step()
widgets.check.close(model.layer2.bias.detach(), predicted, name='The updated bias')
"""),
    Markdown(
        en=r"""
**3.** The model's output requires grad, but the inputs we fed it do not. Which of these
require gradients: `some_input`, `prediction`, `model.layer1.weight`?
""",
        zh=r"""
**3.** 模型的输出需要梯度，但我们喂给它的输入不需要。下面哪些张量需要梯度：`some_input`、
`prediction`、`model.layer1.weight`？
""",
    ),
    Code("""
print(widgets.check.requires_grad(some_input, False, name='some_input'))
print(widgets.check.requires_grad(prediction, True, name='prediction'))
print(widgets.check.requires_grad(model.layer1.weight, True, name='model.layer1.weight'))
"""),
]
