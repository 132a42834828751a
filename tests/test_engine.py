"""The backward engine and the graph: behaviour checked against PyTorch 2.13."""

from __future__ import annotations

import gc
import threading
import warnings
import weakref

import numpy as np
import pytest
import torch
from oracle import assert_close, to_mini, without_addresses

import minigrad
from minigrad.autograd import BackwardStep, Function, backward_steps


def raised(call) -> tuple[type, str]:
    """The class and message of the exception `call()` raises."""
    with pytest.raises(Exception) as info:
        call()
    return type(info.value), str(info.value)


def same_error(mini_call, torch_call) -> None:
    """Both libraries raise the same exception class with the same message."""
    mini_type, mini_message = raised(mini_call)
    torch_type, torch_message = raised(torch_call)
    assert mini_type.__name__ == torch_type.__name__
    assert mini_message == torch_message


# Graph structure -------------------------------------------------------------


def node_names(node, depth: int = 6) -> object:
    """A nested description of a graph: names and input numbers, for comparison."""
    if node is None:
        return None
    if depth == 0:
        return node.name()
    return (node.name(), tuple((node_names(n, depth - 1), i) for n, i in node.next_functions))


GRAPHS = {
    "mul_add_scalar": lambda m, a, b: (2 * a + 1).sum(),
    "rsub": lambda m, a, b: 1 - a,
    "rdiv": lambda m, a, b: 2 / a,
    "pow_scalar_base": lambda m, a, b: 2 ** a,
    "tensor_pow": lambda m, a, b: a ** b,
    "slice_of_select": lambda m, a, b: a[0][0:2],
    "select_select": lambda m, a, b: a[0, 1],
    "advanced_index": lambda m, a, b: a[0, [0, 2]],
    "mask_index": lambda m, a, b: a[a > 0.5],
    "none_index": lambda m, a, b: a[None, :, 1],
    "matmul": lambda m, a, b: a @ b.t(),
    "mv": lambda m, a, b: a @ b[0],
    "dot": lambda m, a, b: a[0] @ b[0],
    "mean_dim": lambda m, a, b: a.mean(1, keepdim=True),
    "max_dim": lambda m, a, b: a.max(1)[0],
    "max_all": lambda m, a, b: a.max(),
    "norm": lambda m, a, b: a.norm(),
    "cat_stack": lambda m, a, b: m.stack([m.cat([a, b]), m.cat([b, a])]),
    "where": lambda m, a, b: m.where(a > b, a, 0.0),
    "clamp": lambda m, a, b: a.clamp(0.2, 0.8) + a.clamp(min=0.3),
    "view_transpose": lambda m, a, b: a.view(6).reshape(3, 2).transpose(0, 1).T,
    "squeeze_unsqueeze": lambda m, a, b: a.unsqueeze(0).squeeze(0).unsqueeze(2).squeeze(),
    "expand": lambda m, a, b: a[0].expand(4, 3),
    "softmax": lambda m, a, b: a.softmax(1) + a.log_softmax(0),
    "unary_chain": lambda m, a, b: a.exp().log().sin().cos().tanh().sigmoid().relu().sqrt(),
    "abs_neg": lambda m, a, b: (-a).abs(),
    "to_double": lambda m, a, b: a.double(),
    "clone_contiguous": lambda m, a, b: a.t().contiguous().clone(),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "sub_div": lambda m, a, b: (a - b) / (b - 2),
    "split_unbind": lambda m, a, b: a.split(1)[1] + a.unbind(0)[1],
    "full_slice": lambda m, a, b: a[:] + a[...],
    "reshape_copy": lambda m, a, b: a.t().reshape(6),
    "vector_matrix": lambda m, a, b: a[0] @ b.t(),
    "batched_matmul": lambda m, a, b: a.expand(2, 2, 3) @ b.t(),
    "batch_matrix_vector": lambda m, a, b: a.expand(2, 2, 3) @ b[0],
    "batch_batch": lambda m, a, b: a.expand(2, 2, 3) @ b.t().expand(2, 3, 2),
}


@pytest.mark.parametrize("name", GRAPHS)
def test_graph_nodes_match_pytorch(name: str) -> None:
    torch.manual_seed(0)
    a_ref = torch.rand(2, 3, requires_grad=True)
    b_ref = torch.rand(2, 3, requires_grad=True)
    a, b = to_mini(a_ref), to_mini(b_ref)
    out = GRAPHS[name](minigrad, a, b)
    expected = GRAPHS[name](torch, a_ref, b_ref)
    assert node_names(out.grad_fn) == node_names(expected.grad_fn)
    assert_close(out, expected)
    # Gradients through the same graph agree too.
    grad = torch.rand(expected.shape)
    expected.backward(grad)
    out.backward(minigrad.tensor(grad.numpy()))
    assert_close(a.grad, a_ref.grad)
    assert_close(b.grad, b_ref.grad)


def test_leaf_and_accumulate_grad() -> None:
    a = minigrad.rand(3, requires_grad=True)
    b = a * 2
    assert a.is_leaf and a.grad_fn is None
    accumulate = b.grad_fn.next_functions[0][0]
    assert type(accumulate).__name__ == "AccumulateGrad"
    assert accumulate.variable is a
    assert accumulate.next_functions == ()
    # One accumulator per leaf while a graph holds it, as in PyTorch.
    assert (a + 1).grad_fn.next_functions[0][0] is accumulate


def test_saved_tensors_are_exposed_like_pytorch() -> None:
    a = minigrad.rand(3, requires_grad=True)
    b = a.sin()
    assert b.grad_fn._saved_self is a
    e = a.exp()
    assert np.array_equal(e.grad_fn._saved_result.numpy(force=True), e.numpy(force=True))
    assert "_saved_self" in dir(b.grad_fn)


# Backward ----------------------------------------------------------------------


def test_gradients_accumulate_across_backward_calls() -> None:
    a = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (a * a).sum().backward()
    (a * a).sum().backward()
    assert a.grad.tolist() == [4.0, 8.0, 12.0]


def test_leaf_used_twice_receives_both_contributions() -> None:
    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (a * 3 + a.sin()).sum().backward()
    a_ref = torch.tensor([1.0, 2.0], requires_grad=True)
    (a_ref * 3 + a_ref.sin()).sum().backward()
    assert_close(a.grad, a_ref.grad)


def test_backward_twice_without_retain_graph_raises() -> None:
    def second_backward(lib, x):
        y = x.sin().sum()
        y.backward()
        y.backward()

    same_error(lambda: second_backward(minigrad, minigrad.rand(3, requires_grad=True)),
               lambda: second_backward(torch, torch.rand(3, requires_grad=True)))


def test_retain_graph_allows_a_second_backward() -> None:
    x = minigrad.tensor([0.5], requires_grad=True)
    y = x.sin().sum()
    y.backward(retain_graph=True)
    y.backward()
    assert np.allclose(x.grad.numpy(), 2 * np.cos(0.5))


def test_graph_without_saved_tensors_can_backward_twice() -> None:
    x = minigrad.ones(2, requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()  # AddBackward0 and SumBackward0 save nothing, as in PyTorch
    assert x.grad.tolist() == [2.0, 2.0]


def test_errors_for_bad_roots() -> None:
    same_error(lambda: (minigrad.rand(3, requires_grad=True) * 2).backward(),
               lambda: (torch.rand(3, requires_grad=True) * 2).backward())
    same_error(lambda: minigrad.rand(3).sum().backward(),
               lambda: torch.rand(3).sum().backward())
    same_error(lambda: (minigrad.rand(3, requires_grad=True) * 2).backward(minigrad.rand(2)),
               lambda: (torch.rand(3, requires_grad=True) * 2).backward(torch.rand(2)))
    same_error(lambda: minigrad.rand(3, requires_grad=True).sum().backward(minigrad.rand(3)),
               lambda: torch.rand(3, requires_grad=True).sum().backward(torch.rand(3)))


def test_gradient_count_is_checked_like_pytorch() -> None:
    def too_few(lib):
        x = lib.rand(1, requires_grad=True)
        lib.autograd.backward([x.sum(), x.sum() * 2], [lib.ones(())])

    same_error(lambda: too_few(minigrad), lambda: too_few(torch))
    x = minigrad.ones(1, requires_grad=True)
    minigrad.autograd.backward([x.sum()], [minigrad.ones(()), minigrad.ones(())])
    assert x.grad.tolist() == [1.0]  # the surplus gradient is ignored, as in PyTorch


def test_chain_of_100000_ops_backwards_without_recursion() -> None:
    x = minigrad.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 0.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


def test_saved_arrays_are_freed_after_backward() -> None:
    x = minigrad.rand(100, requires_grad=True)
    hidden = x.exp()
    out = hidden.sin().sum()
    saved = weakref.ref(hidden._data)
    del hidden
    gc.collect()
    assert saved() is not None  # SinBackward0 still holds its input for backward
    out.backward()
    gc.collect()
    assert saved() is None


def test_no_reference_cycles_in_a_graph() -> None:
    gc.collect()
    gc.disable()
    try:
        x = minigrad.rand(4, requires_grad=True)
        for _ in range(20):
            loss = (x.exp() * x.sigmoid()).tanh().sum()
            loss.backward()
        del loss
        assert gc.collect() == 0, "graph nodes and tensors formed reference cycles"
    finally:
        gc.enable()


# Non-leaf grads, hooks -----------------------------------------------------------


def test_non_leaf_grad_is_none_with_pytorch_warning() -> None:
    a = minigrad.rand(3, requires_grad=True)
    c = a * 2
    a_ref = torch.rand(3, requires_grad=True)
    c_ref = a_ref * 2
    with warnings.catch_warnings(record=True) as mine:
        warnings.simplefilter("always")
        assert c.grad is None
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        assert c_ref.grad is None
    expected = str(theirs[0].message).split(" (Triggered internally")[0]
    assert str(mine[0].message) == expected
    assert mine[0].category is UserWarning


def test_retain_grad_fills_a_non_leaf_grad() -> None:
    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    b = a * a
    b.retain_grad()
    (b * 3).sum().backward()
    assert b.retains_grad
    assert b.grad.tolist() == [3.0, 3.0]
    assert a.grad.tolist() == [6.0, 12.0]


def test_tensor_hooks_see_and_replace_gradients() -> None:
    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    seen = []
    b.register_hook(lambda g: seen.append(g.tolist()))
    handle = a.register_hook(lambda g: g * 10)
    b.sum().backward()
    assert seen == [[1.0, 1.0]]
    assert a.grad.tolist() == [20.0, 20.0]
    handle.remove()
    a.grad = None
    (a * 2).sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]


def test_node_hooks() -> None:
    a = minigrad.tensor([1.0], requires_grad=True)
    b = a.sin()
    calls = []
    b.grad_fn.register_prehook(lambda grad_outputs: calls.append("pre"))
    b.grad_fn.register_hook(lambda grad_inputs, grad_outputs: calls.append("post"))
    b.sum().backward()
    assert calls == ["pre", "post"]


# In-place ops and versions ---------------------------------------------------------


def test_modified_saved_output_raises_pytorch_error() -> None:
    def modify_saved(lib):
        x = lib.rand(3, requires_grad=True)
        w = x.exp()
        w.add_(1)
        w.sum().backward()

    same_error(lambda: modify_saved(minigrad), lambda: modify_saved(torch))


def test_modified_saved_input_raises_pytorch_error() -> None:
    def modify_input(lib):
        leaf = lib.rand(3, requires_grad=True)
        u = leaf * 1
        p = u.sin()
        u.mul_(2)
        p.sum().backward()

    same_error(lambda: modify_input(minigrad), lambda: modify_input(torch))


def test_modified_input_error_names_the_inplace_op() -> None:
    def modify_input(lib):
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = a * 2
        c = b.sin()
        b.add_(1)
        c.sum().backward()

    same_error(lambda: modify_input(minigrad), lambda: modify_input(torch))


def test_scalar_leaf_used_twice_backwards_twice() -> None:
    for lib in (minigrad, torch):
        w = lib.tensor(2.0, requires_grad=True)
        y = w * w
        y.backward(retain_graph=True)
        y.backward()
        assert w.grad.item() == 8.0


def test_leaf_modified_under_no_grad_raises_pytorch_error() -> None:
    def modify_leaf(lib):
        leaf = lib.rand(3, requires_grad=True)
        p = leaf.sin()
        with lib.no_grad():
            leaf.mul_(2)
        p.sum().backward()

    same_error(lambda: modify_leaf(minigrad), lambda: modify_leaf(torch))


def test_inplace_on_non_leaf_records_the_op() -> None:
    x_ref = torch.rand(3, requires_grad=True)
    x = to_mini(x_ref)
    for leaf in (x_ref, x):
        y = leaf * 2
        y.sin_()
        y.mul_(leaf)
        y.add_(1)
        assert y.grad_fn.name() == "AddBackward0"
        y.sum().backward()
    assert_close(x.grad, x_ref.grad)


def test_version_counter_is_shared_with_views_and_detach() -> None:
    x = minigrad.zeros(2, 3)
    view = x[0]
    detached = x.detach()
    x.add_(1)
    assert x._version == view._version == detached._version == 1
    assert view.tolist() == [1.0, 1.0, 1.0]


def test_inplace_errors_match_pytorch() -> None:
    same_error(lambda: minigrad.rand(3, requires_grad=True).mul_(2),
               lambda: torch.rand(3, requires_grad=True).mul_(2))
    same_error(lambda: minigrad.rand(2, 3, requires_grad=True)[0].mul_(2),
               lambda: torch.rand(2, 3, requires_grad=True)[0].mul_(2))
    same_error(lambda: minigrad.rand(3).add_(minigrad.rand(2, 3)),
               lambda: torch.rand(3).add_(torch.rand(2, 3)))


# autograd.grad, create_graph ----------------------------------------------------------


def test_autograd_grad_returns_without_accumulating() -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 3).sum()
    (g,) = minigrad.autograd.grad(y, x)
    assert g.tolist() == [3.0, 12.0]
    assert x.grad is None


def test_second_derivative_with_create_graph() -> None:
    x_ref = torch.tensor([0.3, 1.2], requires_grad=True)
    x = to_mini(x_ref)
    for lib, leaf in ((torch, x_ref), (minigrad, x)):
        y = (leaf.sin() * leaf ** 2).sum()
        (g,) = lib.autograd.grad(y, leaf, create_graph=True)
        g.sum().backward()
    assert_close(x.grad, x_ref.grad)


def test_grad_of_unused_input() -> None:
    same_error(
        lambda: minigrad.autograd.grad(minigrad.rand(2, requires_grad=True).sum(),
                                       minigrad.rand(2, requires_grad=True)),
        lambda: torch.autograd.grad(torch.rand(2, requires_grad=True).sum(),
                                    torch.rand(2, requires_grad=True)))
    x = minigrad.rand(2, requires_grad=True)
    unused = minigrad.rand(2, requires_grad=True)
    assert minigrad.autograd.grad(x.sum(), [x, unused], allow_unused=True)[1] is None


def test_grad_with_respect_to_a_non_leaf() -> None:
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    (g,) = minigrad.autograd.grad(y, h)
    assert g.tolist() == [6.0, 12.0]


@pytest.mark.parametrize("wanted", ["a", "b", "ab", "h", "ha"])
def test_grad_runs_only_the_nodes_that_reach_what_is_wanted(wanted: str) -> None:
    """The nodes that run (seen by node hooks) and the gradients, as PyTorch's; no leaf's
    `.grad` is written, whether the gradient is wanted for every leaf or for some."""
    results = []
    for lib in (torch, minigrad):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, -1.0], requires_grad=True)
        h, s = a.exp(), b.sin()
        out = (h * 2 + s * h).sum()
        ran: list[str] = []
        for node in (h.grad_fn, s.grad_fn, out.grad_fn):
            node.register_hook(lambda grads_in, grads_out, node=node, ran=ran:
                               ran.append(node.name()))
        chosen = [{"a": a, "b": b, "h": h}[name] for name in wanted]
        grads = lib.autograd.grad(out, chosen)
        results.append((sorted(ran), [g.tolist() for g in grads], a.grad, b.grad))
    (torch_ran, torch_grads, *_), (ran, grads, *leaf_grads) = results
    assert ran == torch_ran
    np.testing.assert_allclose(grads, torch_grads, rtol=1e-6)  # exp and sin: within an ulp
    assert leaf_grads == [None, None]


def test_backward_inputs_limits_accumulation() -> None:
    a = minigrad.tensor([1.0], requires_grad=True)
    b = minigrad.tensor([2.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [2.0]
    assert b.grad is None


# The step generator ---------------------------------------------------------------------


def test_backward_steps_run_in_pytorch_order_and_match_backward() -> None:
    a = minigrad.linspace(0.0, 1.0, 5, requires_grad=True)
    out = (2 * a.sin() + a).sum()
    steps = list(backward_steps(out))
    assert all(isinstance(s, BackwardStep) for s in steps)
    assert [s.node.name() for s in steps] == ["SumBackward0", "AddBackward0", "MulBackward0",
                                               "SinBackward0", "torch::autograd::AccumulateGrad"]
    assert steps[-1].leaf is a
    # The accumulator ran once, after both paths reached it: the grads are summed.
    assert np.allclose(a.grad.numpy(), 2 * np.cos(a.detach().numpy()) + 1)
    sin_step = steps[3]
    assert np.allclose(sin_step.grad_inputs[0].numpy(), 2 * np.cos(a.detach().numpy()))


# Grad modes ---------------------------------------------------------------------------------


def test_no_grad_forms() -> None:
    x = minigrad.ones(2, requires_grad=True)

    @minigrad.no_grad
    def bare(t):
        """Doubles t."""
        return t * 2

    @minigrad.no_grad()
    def called(t):
        return t * 2

    assert bare.__name__ == "bare" and bare.__doc__ == "Doubles t."
    assert not bare(x).requires_grad and not called(x).requires_grad
    with minigrad.no_grad():
        assert not minigrad.is_grad_enabled()
        with minigrad.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert minigrad.is_grad_enabled()


def test_set_grad_enabled_as_function_and_context() -> None:
    minigrad.set_grad_enabled(False)
    assert not minigrad.is_grad_enabled()
    minigrad.set_grad_enabled(True)
    with minigrad.set_grad_enabled(False):
        assert not minigrad.is_grad_enabled()
    assert minigrad.is_grad_enabled()


def test_grad_mode_is_thread_local() -> None:
    seen = []
    with minigrad.no_grad():
        thread = threading.Thread(target=lambda: seen.append(minigrad.is_grad_enabled()))
        thread.start()
        thread.join()
    assert seen == [True]


def test_no_grad_on_a_generator_function() -> None:
    @minigrad.no_grad()
    def gen():
        yield minigrad.is_grad_enabled()
        yield minigrad.is_grad_enabled()

    assert list(gen()) == [False, False]
    assert minigrad.is_grad_enabled()


# Custom Function -------------------------------------------------------------------------------


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


def test_custom_function() -> None:
    x = minigrad.tensor([2.0], requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    assert x.grad.tolist() == [12.0]
    assert minigrad.autograd.gradcheck(Cube.apply, minigrad.rand(3, dtype=minigrad.float64,
                                                                 requires_grad=True))


def test_custom_function_wrong_number_of_grads() -> None:
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, k, y):
            return x * k + y

        @staticmethod
        def backward(ctx, grad):
            return grad, None

    class BadRef(torch.autograd.Function):
        forward = staticmethod(lambda ctx, x, k, y: x * k + y)
        backward = staticmethod(lambda ctx, grad: (grad, None))

    x = minigrad.rand(3, requires_grad=True)
    out = Bad.apply(x, 2.0, minigrad.rand(3))
    assert len(out.grad_fn.next_functions) == 2  # tensors only, like PyTorch
    message = raised(lambda: out.sum().backward())[1]
    expected = raised(lambda: BadRef.apply(torch.rand(3, requires_grad=True), 2.0,
                                           torch.rand(3)).sum().backward())[1]
    assert message == expected.replace("BadRefBackward", "BadBackward")


def test_builtin_ops_are_functions() -> None:
    from minigrad.ops.pointwise import Sin

    assert issubclass(Sin, Function)
    x = minigrad.rand(2, requires_grad=True)
    assert Sin.apply(x).grad_fn.name() == "SinBackward0"


# Import -------------------------------------------------------------------------------------------


def test_import_needs_only_numpy() -> None:
    """`import minigrad` loads no GPU, plotting or notebook library (how long it takes is
    `benchmarks/run.py`'s to say, not a test's)."""
    import subprocess
    import sys

    code = ("import sys, minigrad; print(sorted(m for m in ('torch', 'cupy', 'matplotlib', "
            "'ipywidgets', 'IPython', 'graphviz', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_repr_of_node_has_address() -> None:
    node = (minigrad.rand(1, requires_grad=True) * 2).grad_fn
    assert without_addresses(repr(node)) == "<MulBackward0 object at 0x…>"


def test_overflow_gives_inf_silently_like_pytorch() -> None:
    import subprocess
    import sys

    # A fresh interpreter: pytest's own warning capture would hide the import-time filter.
    code = (
        "import minigrad\n"
        "big = minigrad.tensor([1e38, 0.0])\n"
        "print((big / minigrad.tensor([1e-38, 0.0])).tolist(), (big * big).tolist(),\n"
        "      minigrad.tensor([0.0]).log().tolist())\n"
    )
    done = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[inf, nan] [inf, 0.0] [-inf]"
    assert done.stderr == ""


def test_finfo_and_iinfo_match_pytorch() -> None:
    for mini, ref in ((minigrad.float32, torch.float32), (minigrad.float64, torch.float64),
                      (minigrad.float16, torch.float16)):
        assert repr(minigrad.finfo(mini)) == repr(torch.finfo(ref))
        assert minigrad.finfo(mini).eps == torch.finfo(ref).eps
        assert minigrad.finfo(mini).bits == torch.finfo(ref).bits
    assert repr(minigrad.finfo()) == repr(torch.finfo())
    assert repr(minigrad.iinfo(minigrad.int64)) == repr(torch.iinfo(torch.int64))
    same_error(lambda: minigrad.finfo(minigrad.int64), lambda: torch.finfo(torch.int64))
