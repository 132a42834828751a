"""Tensors on a GPU: `device=`, `.to()`, `.cuda()`, `.cpu()`, PyTorch's errors, ops against PyTorch.

Tests that take the `device` fixture (conftest.py) run on the CPU, on a real GPU
(skipped without CuPy and one) and on the stand-in GPU of tests/fake_cuda.py.
PyTorch on the CPU is the oracle, so results come back with `.cpu()` before
they are compared. The other tests check the device logic itself: on the
stand-in GPU (the `fake_cuda` fixture), or with CuPy hidden.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager

import numpy as np
import pytest
import torch
from fake_cuda import FakeCudaArray, FakeCupy
from oracle import assert_close

import minigrad
from minigrad import backend, nn
from minigrad.autograd.profiler import profile

CUDA0 = minigrad.device("cuda", 0)
INSTALL = 'pip install "minigrad-kit[gpu]"'
MIXED = ("Expected all tensors to be on the same device, but found at least two devices, "
         "cuda:0 and cpu!")


def kernel_check(argument: str, found: str, common: str, kernel: str) -> str:
    """PyTorch's message when an argument of a CUDA kernel is on another device."""
    return (f"Expected all tensors to be on the same device, but got {argument} is on {found}, "
            f"different from other tensors on {common} (when checking argument in method "
            f"wrapper_CUDA_{kernel})")


def raises(error: type[Exception], message: str) -> AbstractContextManager:
    """pytest.raises for exactly `message`."""
    return pytest.raises(error, match="^" + re.escape(message) + "$")


@pytest.fixture
def no_cupy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without CuPy: importing it fails, whatever is installed."""
    monkeypatch.setitem(sys.modules, "cupy", None)
    monkeypatch.setattr(backend.devices, "_cupy", None)
    monkeypatch.setattr(backend.devices, "_cupy_error", None)


# Devices and availability ---------------------------------------------------------------


@pytest.mark.parametrize("spec", [("cpu",), ("cuda",), ("cuda:0",), ("cuda:1",), ("cuda", 1),
                                  ("cpu", 0)])
def test_device_objects_match_torch(spec: tuple) -> None:
    ours, theirs = minigrad.device(*spec), torch.device(*spec)
    assert (repr(ours), str(ours), ours.type, ours.index) == (
        repr(theirs), str(theirs), theirs.type, theirs.index)
    assert ours == minigrad.device(str(theirs)) and hash(ours) == hash(minigrad.device(ours))


@pytest.mark.parametrize("spec", [("cuda:x",), ("cuda:-1",), ("cuda:01",), ("cuda", -1),
                                  ("cuda:1", 1)])
def test_bad_device_names_give_torchs_errors(spec: tuple) -> None:
    with pytest.raises(RuntimeError) as theirs:
        torch.device(*spec)
    with raises(RuntimeError, str(theirs.value)):
        minigrad.device(*spec)


def test_without_cupy_cuda_is_unavailable_and_says_how_to_install(no_cupy: None) -> None:
    assert minigrad.cuda.is_available() is False
    assert minigrad.cuda.device_count() == 0
    message = ("CUDA tensors need CuPy, which is not installed. Install minigrad with its GPU "
               f"extra: {INSTALL}")
    x = minigrad.ones(2)
    for ask in (lambda: minigrad.ones(2, device="cuda"), x.cuda, lambda: x.to("cuda"),
                lambda: nn.Linear(2, 2).to("cuda"), minigrad.cuda.synchronize):
        with raises(RuntimeError, message):
            ask()
    assert x.to("cpu") is x and x.cpu() is x and x.device == minigrad.device("cpu")


def test_cupy_without_a_gpu_names_the_missing_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    no_gpu = FakeCupy(device_count=0)
    monkeypatch.setitem(sys.modules, "cupy", no_gpu)
    monkeypatch.setattr(backend.devices, "_cupy", None)
    monkeypatch.setattr(backend.devices, "_cupy_error", None)
    assert minigrad.cuda.is_available() is False
    with raises(RuntimeError, "CUDA tensors need an NVIDIA GPU, but CuPy finds none. Check the "
                              "GPU and its driver with `nvidia-smi`."):
        minigrad.zeros(1, device="cuda:0")


def test_cuda_module_on_the_stand_in_gpu(fake_cuda: FakeCupy) -> None:
    assert minigrad.cuda.is_available() and minigrad.cuda.device_count() == 1
    assert minigrad.cuda.current_device() == 0
    minigrad.cuda.synchronize()
    minigrad.cuda.synchronize(0)
    assert fake_cuda.cuda.synchronized == 2
    with raises(ValueError, "Expected a cuda device, but got: cpu"):
        minigrad.cuda.synchronize("cpu")
    with raises(RuntimeError, "CUDA error: invalid device ordinal"):
        minigrad.ones(1, device="cuda:1")
    assert minigrad.cuda.get_device_name() == "Stand-in GPU"


def test_the_stand_in_gpu_refuses_host_arrays_as_cupy_does(fake_cuda: FakeCupy) -> None:
    on_gpu = fake_cuda.ones(2)
    with raises(TypeError, "Unsupported type <class 'numpy.ndarray'>"):
        on_gpu + np.ones(2)
    total = np.sum(on_gpu)  # a 0-d array, as CuPy gives, not a NumPy scalar
    assert type(total) is FakeCudaArray and total.ndim == 0


# Making and moving tensors ---------------------------------------------------------------

FACTORIES: dict[str, Callable[..., minigrad.Tensor]] = {
    "zeros": lambda m, **kw: m.zeros(2, 3, **kw),
    "ones": lambda m, **kw: m.ones((2, 3), dtype=m.float64, **kw),
    "empty": lambda m, **kw: m.empty(2, **kw).zero_(),
    "full": lambda m, **kw: m.full((2,), 7, **kw),
    "eye": lambda m, **kw: m.eye(3, 2, **kw),
    "arange": lambda m, **kw: m.arange(1, 4, 0.5, **kw),
    "linspace": lambda m, **kw: m.linspace(0, 1, 5, **kw),
    "rand": lambda m, **kw: m.rand(3, generator=m.Generator().manual_seed(1), **kw),
    "randn": lambda m, **kw: m.randn(20, generator=m.Generator().manual_seed(1), **kw),
    "randint": lambda m, **kw: m.randint(0, 9, (4,), generator=m.Generator().manual_seed(1),
                                         **kw),
    "randperm": lambda m, **kw: m.randperm(5, generator=m.Generator().manual_seed(1), **kw),
    "tensor": lambda m, **kw: m.tensor([[1, 2], [3, 4]], **kw),
    "as_tensor": lambda m, **kw: m.as_tensor(np.arange(3.0), **kw),
    "zeros_like": lambda m, **kw: m.zeros_like(m.ones(2), **kw),
    "full_like": lambda m, **kw: m.full_like(m.ones(2), 0.5, **kw),
    "rand_like": lambda m, **kw: m.rand_like(m.ones(2), **kw),
}


@pytest.mark.parametrize("name", FACTORIES)
def test_factories_make_tensors_on_the_device(name: str, fake_cuda: FakeCupy) -> None:
    minigrad.manual_seed(3)
    on_gpu = FACTORIES[name](minigrad, device="cuda")
    minigrad.manual_seed(3)
    on_cpu = FACTORIES[name](minigrad)
    assert on_gpu.device == CUDA0 and on_gpu.is_cuda and type(on_gpu._data) is FakeCudaArray
    assert on_gpu.dtype == on_cpu.dtype
    np.testing.assert_array_equal(on_gpu.cpu().numpy(), on_cpu.numpy())  # CPU random streams


def test_like_factories_and_new_tensors_follow_their_input(fake_cuda: FakeCupy) -> None:
    x = minigrad.ones(2, 2, device="cuda")
    for made in (minigrad.zeros_like(x), minigrad.ones_like(x), minigrad.empty_like(x),
                 minigrad.full_like(x, 2.0), minigrad.rand_like(x), minigrad.randn_like(x),
                 minigrad.as_tensor(x), minigrad.as_tensor(x.cpu(), device="cuda")):
        assert made.device == CUDA0
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        assert minigrad.tensor(x).device == CUDA0
    for made in (x.new_zeros(2), x.new_ones(2), x.new_full((2,), 3.0), x.new_tensor([1.0])):
        assert made.device == CUDA0
    assert minigrad.zeros_like(x, device="cpu").device.type == "cpu"


def test_to_cuda_and_cpu_round_trip(fake_cuda: FakeCupy) -> None:
    x = minigrad.arange(6.0).reshape(2, 3)
    for moved in (x.cuda(), x.cuda(0), x.to("cuda"), x.to("cuda:0"), x.to(CUDA0), x.to(0),
                  x.to(device="cuda"), minigrad.ones(1).cuda().to(x).to(x.cuda())):
        assert moved.device == CUDA0 and moved.is_cuda
    y = x.cuda()
    assert y.to("cuda") is y and y.cuda() is y and y.to(CUDA0) is y
    back = y.cpu()
    assert back.device.type == "cpu" and type(back.numpy()) is np.ndarray
    np.testing.assert_array_equal(back.numpy(), x.numpy())
    both = x.to("cuda", minigrad.float64)
    assert (both.device, both.dtype) == (CUDA0, minigrad.float64)
    like = x.to(minigrad.zeros(1, dtype=minigrad.float64, device="cuda"))
    assert (like.device, like.dtype) == (CUDA0, minigrad.float64)
    copied = y.to("cuda", copy=True)
    assert copied is not y and copied.device == CUDA0
    with raises(RuntimeError, "Invalid device, must be cuda device"):
        x.cuda("cpu")
    with raises(RuntimeError, "CUDA error: invalid device ordinal"):
        x.to("cuda:1")


def test_to_another_device_is_recorded_and_its_gradient_goes_back(fake_cuda: FakeCupy) -> None:
    reference = torch.ones(2, requires_grad=True)
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cuda")
    assert y.grad_fn.name() == reference.to("meta").grad_fn.name() == "ToCopyBackward0"
    (y * y).sum().backward()
    assert x.grad.device.type == "cpu" and x.grad.tolist() == [2.0, 4.0]
    leaf = minigrad.tensor([3.0], device="cuda", requires_grad=True)
    (leaf.cpu() * 2).sum().backward()
    assert leaf.grad.device == CUDA0 and leaf.grad.cpu().tolist() == [2.0]


def test_numpy_refuses_gpu_tensors_as_pytorch_does(fake_cuda: FakeCupy) -> None:
    with pytest.raises(TypeError) as theirs:
        torch.ones(2, device="meta", requires_grad=True).numpy()
    message = str(theirs.value).replace("meta", "cuda:0")
    x = minigrad.ones(2, device="cuda", requires_grad=True)
    for convert in (x.numpy, x.detach().numpy, lambda: np.asarray(x.detach())):
        with raises(TypeError, message):
            convert()
    forced = x.numpy(force=True)
    assert type(forced) is np.ndarray and forced.tolist() == [1.0, 1.0]
    assert x.tolist() == [1.0, 1.0] and x.sum().item() == 2.0


def test_repr_names_the_device_as_pytorch(fake_cuda: FakeCupy,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # A CPU-only torch prints `device='cpu'` when its default device is something else:
    # the same layout as PyTorch's `device='cuda:0'` on a GPU.
    monkeypatch.setattr(torch._C, "_get_default_device", lambda: "cuda")
    leaf = torch.tensor([1.0, 2.5], requires_grad=True)
    for theirs, ours in (
            (torch.ones(2), minigrad.ones(2, device="cuda")),
            (leaf, minigrad.tensor([1.0, 2.5], device="cuda", requires_grad=True)),
            (leaf * 2, minigrad.tensor([1.0, 2.5], device="cuda", requires_grad=True) * 2),
            (torch.arange(3), minigrad.arange(3, device="cuda")),
            (torch.zeros(2, 2, dtype=torch.float64),
             minigrad.zeros(2, 2, dtype=minigrad.float64, device="cuda")),
            (torch.nn.Parameter(torch.ones(1)), nn.Parameter(minigrad.ones(1, device="cuda")))):
        assert repr(ours) == repr(theirs).replace("device='cpu'", "device='cuda:0'")


# PyTorch's errors for tensors on two devices ----------------------------------------------


def test_elementwise_ops_refuse_two_devices(fake_cuda: FakeCupy) -> None:
    gpu, cpu = minigrad.ones(2, device="cuda"), minigrad.ones(2)
    for mix in (lambda: gpu + cpu, lambda: cpu * gpu, lambda: gpu > cpu, lambda: cpu.add_(gpu),
                lambda: minigrad.maximum(gpu, cpu), lambda: minigrad.where(cpu > 0, gpu, gpu),
                lambda: nn.functional.mse_loss(gpu, cpu)):
        with raises(RuntimeError, MIXED):
            mix()


def test_a_cpu_scalar_joins_a_gpu_tensor_as_in_pytorch(fake_cuda: FakeCupy) -> None:
    scalar = minigrad.tensor(2.0, requires_grad=True)
    result = minigrad.arange(3.0, device="cuda") * scalar
    assert result.device == CUDA0 and result.cpu().tolist() == [0.0, 2.0, 4.0]
    assert (scalar - minigrad.ones(1, device="cuda")).device == CUDA0
    result.sum().backward()  # the scalar's gradient comes back to the CPU, as in PyTorch
    assert scalar.grad.device.type == "cpu" and scalar.grad.item() == 3.0


def test_matrix_products_name_the_stray_argument(fake_cuda: FakeCupy) -> None:
    gpu, cpu = minigrad.ones(2, 2, device="cuda"), minigrad.ones(2, 2)
    with raises(RuntimeError, kernel_check("mat2", "cpu", "cuda:0", "mm")):
        gpu @ cpu
    with raises(RuntimeError, kernel_check("mat2", "cuda:0", "cpu", "mm")):
        cpu.mm(gpu)
    with raises(RuntimeError, kernel_check("mat2", "cpu", "cuda:0", "bmm")):
        minigrad.bmm(gpu.unsqueeze(0), cpu.unsqueeze(0))
    with raises(RuntimeError, kernel_check("tensor", "cpu", "cuda:0", "_dot")):
        minigrad.dot(gpu[0], cpu[0])
    layer = nn.Linear(2, 2).cuda()
    with raises(RuntimeError, kernel_check("mat1", "cpu", "cuda:0", "addmm")):
        layer(cpu)


def test_joins_losses_and_indexing_refuse_two_devices(fake_cuda: FakeCupy) -> None:
    gpu, cpu = minigrad.ones(2, device="cuda"), minigrad.ones(2)
    with raises(RuntimeError, kernel_check("tensors", "cpu", "cuda:0", "cat")):
        minigrad.cat([gpu, cpu])
    with raises(RuntimeError, kernel_check("tensors", "cuda:0", "cpu", "cat")):
        minigrad.stack([cpu, gpu])
    scores = minigrad.zeros(2, 3, device="cuda")
    with raises(RuntimeError, kernel_check("target", "cpu", "cuda:0", "nll_loss_forward")):
        nn.functional.cross_entropy(scores, minigrad.tensor([0, 2]))
    with raises(RuntimeError, "indices should be either on cpu or on the same device as the "
                              "indexed tensor (cpu)"):
        cpu[minigrad.tensor([1, 0], device="cuda")]
    picked = gpu[minigrad.tensor([1, 0])]  # a CPU index may index a GPU tensor
    assert picked.device == CUDA0


def test_copy_between_devices_is_allowed_and_differentiable(fake_cuda: FakeCupy) -> None:
    source = minigrad.tensor([1.0, 2.0], requires_grad=True)
    target = minigrad.zeros(2, device="cuda")
    target.copy_(source)
    assert target.device == CUDA0 and target.cpu().tolist() == [1.0, 2.0]
    target.sum().backward()
    assert source.grad.device.type == "cpu" and source.grad.tolist() == [1.0, 1.0]


# Ops, backward and nn on each device, against PyTorch on the CPU ---------------------------

Op = Callable[..., object]

# name -> (op, shapes of its inputs, domain); `m` is minigrad or torch, `d` where it runs.
OPS: dict[str, tuple[Op, tuple[tuple[int, ...], ...], str]] = {
    "exp": (lambda m, d, x: x.exp(), ((2, 3),), "any"),
    "log": (lambda m, d, x: m.log(x), ((2, 3),), "positive"),
    "sin": (lambda m, d, x: x.sin(), ((4,),), "any"),
    "tanh": (lambda m, d, x: x.tanh(), ((2, 3),), "any"),
    "sigmoid": (lambda m, d, x: m.sigmoid(x), ((2, 3),), "any"),
    "relu": (lambda m, d, x: x.relu(), ((2, 3),), "any"),
    "sqrt": (lambda m, d, x: x.sqrt(), ((3,),), "positive"),
    "abs": (lambda m, d, x: x.abs(), ((3,),), "any"),
    "clamp": (lambda m, d, x: x.clamp(-0.5, 0.5), ((2, 3),), "any"),
    "pow_scalar": (lambda m, d, x: x ** 3 + 2 ** x, ((3,),), "any"),
    "add_broadcast": (lambda m, d, a, b: a + b * 2.5, ((2, 3), (3,)), "any"),
    "sub_mul_div": (lambda m, d, a, b: (a - b) * a / (b + 4), ((2, 3), (2, 1)), "positive"),
    "pow_tensors": (lambda m, d, a, b: a ** b, ((2, 3), (3,)), "positive"),
    "maximum": (lambda m, d, a, b: m.maximum(a, b), ((2, 3), (2, 3)), "any"),
    "where": (lambda m, d, a, b: m.where(a > b, a, b), ((2, 3), (3,)), "any"),
    "masked_fill": (lambda m, d, x: x.masked_fill(x > 0, 0.5), ((2, 3),), "any"),
    "sum": (lambda m, d, x: x.sum(), ((2, 3),), "any"),
    "sum_dims": (lambda m, d, x: x.sum((0, 2), keepdim=True), ((2, 3, 2),), "any"),
    "mean": (lambda m, d, x: x.mean(-1), ((2, 3),), "any"),
    "max": (lambda m, d, x: x.max(), ((2, 3),), "any"),
    "max_dim": (lambda m, d, x: x.max(1).values * (x.argmax(1, keepdim=True) + 1), ((2, 3),),
                "any"),
    "amin": (lambda m, d, x: x.amin(0), ((2, 3),), "any"),
    "norm": (lambda m, d, x: x.norm(dim=1), ((2, 3),), "any"),
    "softmax": (lambda m, d, x: x.softmax(-1), ((2, 3),), "any"),
    "log_softmax": (lambda m, d, x: x.log_softmax(0), ((2, 3),), "any"),
    "reshape_t": (lambda m, d, x: x.reshape(3, 2).t().permute(1, 0).flatten(), ((2, 3),), "any"),
    "expand": (lambda m, d, x: x.unsqueeze(0).expand(2, 3, 2).squeeze(), ((3, 2),), "any"),
    "index": (lambda m, d, x: x[m.tensor([0, 2, 0])] + x[1:, ::2].sum(), ((3, 2),), "any"),
    "index_mask": (lambda m, d, x: x[x > 0], ((2, 3),), "any"),
    "cat_split": (lambda m, d, a, b: m.cat([a, b], 1).split(2, 1)[1], ((2, 2), (2, 3)), "any"),
    "stack_unbind": (lambda m, d, a, b: m.stack([a, b]).unbind(1)[0], ((2, 3), (2, 3)), "any"),
    "repeat": (lambda m, d, x: x.repeat(2, 1), ((2, 3),), "any"),
    "mm": (lambda m, d, a, b: a @ b, ((2, 3), (3, 4)), "any"),
    "bmm_broadcast": (lambda m, d, a, b: a @ b, ((2, 2, 3), (3, 2)), "any"),
    "mv_dot": (lambda m, d, a, b: a.mv(b) + b.dot(b), ((2, 3), (3,)), "any"),
    "addmm": (lambda m, d, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=2), ((3,), (2, 4), (4, 3)),
              "any"),
    "to_double": (lambda m, d, x: x.to(m.float64) * 2, ((3,),), "any"),
    "new_tensors": (lambda m, d, x: x + m.ones(3, device=d) * m.arange(3, device=d)
                    + m.zeros_like(x) + m.tensor(2.0, device=d), ((3,),), "any"),
    "cross_entropy": (lambda m, d, x: m.nn.functional.cross_entropy(
        x, m.tensor([0, 2], device=d)), ((2, 3),), "any"),
    "mse_loss": (lambda m, d, a, b: m.nn.functional.mse_loss(a, b, reduction="sum"),
                 ((2, 3), (2, 3)), "any"),
}


def inputs(shapes: tuple[tuple[int, ...], ...], domain: str, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape).astype(np.float32) for shape in shapes]
    return [np.abs(a) + 0.5 for a in arrays] if domain == "positive" else arrays


@pytest.mark.parametrize("name", OPS)
def test_op_and_its_backward_match_torch(name: str, device: str) -> None:
    op, shapes, domain = OPS[name]
    arrays = inputs(shapes, domain, seed=len(name))
    refs = [torch.tensor(a, requires_grad=True) for a in arrays]
    minis = [minigrad.tensor(a, device=device, requires_grad=True) for a in arrays]
    expected, result = op(torch, "cpu", *refs), op(minigrad, device, *minis)
    assert result.device.type == device
    assert result.grad_fn.name() == expected.grad_fn.name()
    assert_close(result.cpu(), expected, rtol=1e-5, atol=1e-5)
    grad = np.random.default_rng(1).standard_normal(tuple(expected.shape)).astype(np.float32)
    expected.backward(torch.tensor(grad, dtype=expected.dtype))
    result.backward(minigrad.tensor(grad, dtype=result.dtype, device=device))
    for mini, ref in zip(minis, refs):
        assert mini.grad.device.type == device
        assert_close(mini.grad.cpu(), ref.grad, rtol=1e-5, atol=1e-5)


def test_second_derivatives_on_the_device(device: str) -> None:
    x = minigrad.tensor([0.5, -1.0, 2.0], device=device, requires_grad=True)
    reference = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    for lib, leaf in ((minigrad, x), (torch, reference)):
        (first,) = lib.autograd.grad((leaf ** 3 * leaf.sin()).sum(), leaf, create_graph=True)
        first.sum().backward()
    assert x.grad.device.type == device
    assert_close(x.grad.cpu(), reference.grad, rtol=1e-5, atol=1e-5)


def test_forward_mode_on_the_device(device: str) -> None:
    values, direction = [0.5, -1.0, 2.0], [1.0, 0.5, -2.0]
    results = []
    for lib, where in ((minigrad, device), (torch, "cpu")):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            a = fw.make_dual(lib.tensor(values, device=where), lib.tensor(direction, device=where))
            b = lib.tensor(values[::-1], device=where)  # no tangent: zeros stand in for it
            out = lib.cat([a.sin() * a, b]) + lib.stack([b, a]).sum(0).repeat(2)
            results.append(fw.unpack_dual(out).tangent)
    assert results[0].device.type == device
    assert_close(results[0].cpu(), results[1], rtol=1e-5, atol=1e-6)


def build(lib: object) -> object:
    """A small classifier, the same weights in both libraries."""
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 3))


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_training_steps_match_torch(device: str, optimizer: str) -> None:
    model, reference = build(minigrad).to(device), build(torch)
    settings = {"lr": 0.1, "momentum": 0.9} if optimizer == "SGD" else {"lr": 0.01}
    opt = getattr(minigrad.optim, optimizer)(model.parameters(), **settings)
    ref_opt = getattr(torch.optim, optimizer)(reference.parameters(), **settings)
    data = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    labels = [0, 2, 1, 1, 0]
    for _ in range(3):
        for lib, net, step in ((minigrad, model, opt), (torch, reference, ref_opt)):
            where = device if lib is minigrad else "cpu"
            step.zero_grad()
            loss = lib.nn.CrossEntropyLoss()(net(lib.tensor(data, device=where)),
                                              lib.tensor(labels, device=where))
            loss.backward()
            step.step()
    for ours, theirs in zip(model.parameters(), reference.parameters()):
        assert ours.device.type == device and ours.grad.device.type == device
        assert_close(ours.detach().cpu(), theirs, rtol=1e-4, atol=1e-5)


def test_module_to_moves_parameters_and_grads_in_place(fake_cuda: FakeCupy) -> None:
    model = nn.Linear(3, 2)
    model(minigrad.ones(1, 3)).sum().backward()
    weight = model.weight
    assert model.to("cuda") is model and model.weight is weight
    assert weight.device == CUDA0 and weight.grad.device == CUDA0 and weight.requires_grad
    assert all(t.device == CUDA0 for t in model.state_dict().values())
    model.load_state_dict(nn.Linear(3, 2).state_dict())  # from the CPU into the GPU's tensors
    assert weight.device == CUDA0
    assert model.cpu().weight.device.type == "cpu" and weight.grad.device.type == "cpu"
    assert model.cuda().weight.device == CUDA0


def test_optimizer_state_moves_to_its_parameters(fake_cuda: FakeCupy) -> None:
    param = nn.Parameter(minigrad.ones(2))
    param.grad = minigrad.ones(2)
    adam = minigrad.optim.Adam([param])
    adam.step()
    saved = adam.state_dict()
    param.data = param.data.cuda()
    moved = minigrad.optim.Adam([param])
    moved.load_state_dict(saved)
    state = moved.state[param]
    assert state["exp_avg"].device == CUDA0 and state["exp_avg_sq"].device == CUDA0
    assert state["step"].device.type == "cpu"  # as in PyTorch: the step count stays on the CPU


def test_profiler_times_gpu_work_by_synchronising(fake_cuda: FakeCupy) -> None:
    x = minigrad.ones(3, device="cuda", requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with profile(use_device="cuda") as prof:
            (x * 2).sum().backward()
    assert prof.use_device == "cuda"
    assert [e.name for e in prof.function_events][:2] == ["aten::mul", "aten::sum"]
    # A wait before every reading of the clock: at least one as each event starts.
    assert fake_cuda.cuda.synchronized > len(prof.function_events)


def test_profiler_without_a_gpu_warns_as_pytorch(no_cupy: None) -> None:
    def caught(lib: object) -> list[str]:
        with warnings.catch_warnings(record=True) as found:
            warnings.simplefilter("always")
            lib.autograd.profiler.profile(use_device="cuda")
        return [str(w.message) for w in found]

    assert caught(minigrad) == caught(torch) == ["CUDA is not available, disabling CUDA profiling"]


@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_and_hessian_on_the_device(device: str, vectorize: bool) -> None:
    def function(x: object, y: object) -> object:
        return 2 * x.exp() + 3 * y * x

    values = [[0.5, -1.0, 2.0], [1.0, 0.25, -0.5]]
    mini = [minigrad.tensor(v, device=device) for v in values]
    ref = [torch.tensor(v) for v in values]
    jacobians = minigrad.autograd.functional.jacobian(function, tuple(mini),
                                                      vectorize=vectorize)
    expected = torch.autograd.functional.jacobian(function, tuple(ref))
    for got, want in zip(jacobians, expected):
        assert got.device.type == device
        assert_close(got.cpu(), want, rtol=1e-5, atol=1e-6)
    hessian = minigrad.autograd.functional.hessian(lambda x: (x.sin() * x).sum(), mini[0],
                                                   vectorize=vectorize)
    assert hessian.device.type == device
    assert_close(hessian.cpu(),
                 torch.autograd.functional.hessian(lambda x: (x.sin() * x).sum(), ref[0]),
                 rtol=1e-5, atol=1e-6)
