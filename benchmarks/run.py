"""Time minigrad against PyTorch and a hand-written NumPy floor, side by side.

    python benchmarks/run.py            # prints the table, writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick    # fewer repeats, for a smoke run

Every workload runs in this one process: PyTorch pinned to one thread, the
same inputs for all three, in rounds that take turns so that a slow spell of
the machine hits all alike. A ratio is the median over rounds of the ratio of
that round's medians. The objects that exist before timing starts (both
libraries, the workloads' inputs) are frozen out of the garbage collector: a
learner's kernel holds minigrad alone, and without the freeze minigrad's
collections would also walk PyTorch's 170k objects. The NumPy floor is the
same computation with the backward pass written out by hand: what an autograd
engine on NumPy cannot beat.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import itertools

import numpy as np
import torch
from timing import median_ratio, median_seconds, round_medians

import minigrad
from minigrad.backend import exact

torch.set_num_threads(1)

Workload = Callable[[], Any]


# The profiler loop: z = (z / x) * y, 1000 times, then backward ----------------------------


def profiler_loop(lib: Any) -> Workload:
    lib.manual_seed(0)
    x0, y0 = lib.randn(2, 3), lib.rand(2, 3)

    def run() -> None:
        x = x0.clone().requires_grad_()
        y = y0.clone().requires_grad_()
        z = lib.ones(2, 3, requires_grad=True)
        for _ in range(1000):
            z = (z / x) * y
        z.sum().backward()

    return run


def profiler_loop_numpy() -> Workload:
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((2, 3)).astype(np.float32)
    y0 = rng.random((2, 3)).astype(np.float32)

    def run() -> None:
        x, y = x0, y0
        zs = [np.ones((2, 3), np.float32)]
        for _ in range(1000):
            zs.append(zs[-1] / x * y)
        grad_z = np.ones((2, 3), np.float32)
        grad_x = np.zeros_like(x)
        grad_y = np.zeros_like(y)
        for z in reversed(zs[:-1]):
            quotient = z / x
            grad_y += grad_z * quotient
            grad_q = grad_z * y
            grad_x -= grad_q * quotient / x
            grad_z = grad_q / x

    return run


# The sin example --------------------------------------------------------------------------------


def sin_example(lib: Any) -> Workload:
    def run() -> None:
        a = lib.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
        out = (2 * lib.sin(a) + 1).sum()
        out.backward()

    return run


def sin_example_numpy() -> Workload:
    def run() -> None:
        a = np.linspace(0.0, 2.0 * math.pi, 25, dtype=np.float32)
        (2 * np.sin(a) + 1).sum()
        2 * np.cos(a)

    return run


# SGD steps of multi-layer perceptrons -------------------------------------------------------------


def mlp_step(lib: Any, sizes: tuple[int, ...], batch: int, loss: str,
             device: str = "cpu") -> Workload:
    lib.manual_seed(0)
    layers: list[Any] = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [lib.nn.Linear(n_in, n_out), lib.nn.ReLU()]
    model = lib.nn.Sequential(*layers[:-1]).to(device)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.001)
    inputs = lib.randn(batch, sizes[0]).to(device)
    if loss == "mse":
        target = lib.randn(batch, sizes[-1]).to(device)
    else:
        target = lib.randint(0, sizes[-1], (batch,)).to(device)
    criterion = lib.nn.CrossEntropyLoss()
    # GPU work is queued: a step is done when the GPU has finished it.
    finish = lib.cuda.synchronize if device != "cpu" else (lambda: None)

    def run() -> None:
        optimizer.zero_grad()
        prediction = model(inputs)
        if loss == "mse":
            value = (target - prediction).pow(2).sum()
        else:
            value = criterion(prediction, target)
        value.backward()
        optimizer.step()
        finish()

    return run


def mlp_step_numpy(sizes: tuple[int, ...], batch: int, loss: str) -> Workload:
    rng = np.random.default_rng(0)
    # float32 throughout, as in minigrad and PyTorch (a NumPy float64 scalar would upcast).
    weights = [(rng.uniform(-1, 1, (n_out, n_in)) / np.sqrt(n_in)).astype(np.float32)
               for n_in, n_out in itertools.pairwise(sizes)]
    biases = [np.zeros(n_out, np.float32) for n_out in sizes[1:]]
    inputs = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    target = rng.standard_normal((batch, sizes[-1])).astype(np.float32)
    labels = rng.integers(0, sizes[-1], batch)

    def run() -> None:
        activations = [inputs]
        pre = []
        for i, (w, b) in enumerate(zip(weights, biases)):
            h = activations[-1] @ w.T + b
            pre.append(h)
            activations.append(np.maximum(h, 0) if i < len(weights) - 1 else h)
        out = activations[-1]
        if loss == "mse":
            grad = -2 * (target - out)
        else:
            shifted = np.exp(out - out.max(1, keepdims=True))
            grad = shifted / shifted.sum(1, keepdims=True)
            grad[np.arange(batch), labels] -= 1
            grad /= batch
        for i in reversed(range(len(weights))):
            if i < len(weights) - 1:
                grad = grad * (pre[i] > 0)
            grad_w = grad.T @ activations[i]
            grad_b = grad.sum(0)
            if i:
                grad = grad @ weights[i]
            weights[i] -= 0.001 * grad_w
            biases[i] -= 0.001 * grad_b

    return run


# The functional API ------------------------------------------------------------------------------


def exp_adder(x: Any, y: Any) -> Any:
    return 2 * x.exp() + 3 * y


def jacobian_workload(lib: Any, vectorize: bool) -> Workload:
    lib.manual_seed(0)
    inputs = (lib.rand(200), lib.rand(200))
    return lambda: lib.autograd.functional.jacobian(exp_adder, inputs, vectorize=vectorize)


def jacobian_numpy() -> Workload:
    x = np.random.default_rng(0).random(200).astype(np.float32)
    return lambda: (np.diag(2 * np.exp(x)), 3 * np.eye(200, dtype=np.float32))


def energy(x: Any) -> Any:
    """A scalar function with a full Hessian: (sum of sin x) times (sum of x²)."""
    return x.sin().sum() * (x * x).sum()


def hessian_workload(lib: Any) -> Workload:
    lib.manual_seed(0)
    x = lib.rand(200)
    return lambda: lib.autograd.functional.hessian(energy, x)


def hessian_numpy() -> Workload:
    x = np.random.default_rng(0).random(200).astype(np.float32)

    def run() -> np.ndarray:
        s, q = np.sin(x).sum(), (x * x).sum()
        return (np.diag(-np.sin(x) * q + 2 * s) + 2 * np.outer(np.cos(x), x)
                + 2 * np.outer(x, np.cos(x)))

    return run


# The table ---------------------------------------------------------------------------------------


def workloads() -> list[tuple[str, Workload, Workload, Workload]]:
    """(name, minigrad run, PyTorch run, NumPy floor run) for each workload."""
    tiny, mlp = ((1000, 100, 10), 16, "mse"), ((784, 512, 512, 10), 256, "ce")
    return [
        ("profiler loop ×1000 + backward", profiler_loop(minigrad), profiler_loop(torch),
         profiler_loop_numpy()),
        ("sin example, forward + backward", sin_example(minigrad), sin_example(torch),
         sin_example_numpy()),
        ("TinyModel SGD step (16, 1000-100-10)", mlp_step(minigrad, *tiny),
         mlp_step(torch, *tiny), mlp_step_numpy(*tiny)),
        ("MLP SGD step (256, 784-512-512-10)", mlp_step(minigrad, *mlp), mlp_step(torch, *mlp),
         mlp_step_numpy(*mlp)),
        ("jacobian n=200, vectorize=False", jacobian_workload(minigrad, False),
         jacobian_workload(torch, False), jacobian_numpy()),
        ("jacobian n=200, vectorize=True", jacobian_workload(minigrad, True),
         jacobian_workload(torch, True), jacobian_numpy()),
        ("hessian n=200", hessian_workload(minigrad), hessian_workload(torch), hessian_numpy()),
    ]


def gpu_rows(repeats: int) -> list[str]:
    """The MLP step on a GPU: minigrad on CuPy against PyTorch on CUDA (when its build has it)."""
    mlp = ((784, 512, 512, 10), 256, "ce")
    mini = mlp_step(minigrad, *mlp, device="cuda")
    if torch.cuda.is_available():
        mini_rounds, ref_rounds = round_medians([mini, mlp_step(torch, *mlp, device="cuda")],
                                                repeats)
        t_mini = statistics.median(mini_rounds)
        ref = format_time(statistics.median(ref_rounds))
        ratio = f"{median_ratio(mini_rounds, ref_rounds):.2f}"
    else:
        t_mini = median_seconds(mini, repeats)
        ref, ratio = "— (CPU-only build)", "—"
    return [f"| GPU: MLP SGD step (256, 784-512-512-10) | {format_time(t_mini)} | {ref} | — | "
            f"{ratio} | — |"]


def widget_rows(repeats: int) -> list[str]:
    """Drawing and stepping the tutorial's graphs: minigrad only (nothing to compare with)."""
    import bench_widgets

    import widgets

    rows = []
    for label, build in (("sin example", bench_widgets.sin_example),
                         ("TinyModel", bench_widgets.tiny_model)):
        loss, names = build()
        draw = median_seconds(lambda loss=loss, names=names:
                              widgets.draw(loss, names=names).svg(), repeats)
        steps, _ = bench_widgets.step_times(build)
        rows.append(f"| widgets: draw + render, {label} | {format_time(draw)} | — | — | — | — |")
        rows.append(f"| widgets: stepper step (median of {len(steps)}), {label} | "
                    f"{format_time(statistics.median(steps) / 1000)} | — | — | — | — |")
    rows.append(f"| widgets: LossPlot update (CPU, median of 60) | "
                f"{format_time(bench_widgets.loss_plot_update_ms() / 1000)} | — | — | — | — |")
    return rows


def format_time(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def machine_description() -> str:
    """The CPU (its family and model too: one "AMD EPYC" may be another's half speed), the
    versions, and the BLAS routine that SGD's exact update runs on here."""
    cpu = platform.processor() or platform.machine()
    try:
        first_cpu = Path("/proc/cpuinfo").read_text().split("\n\n")[0].splitlines()
        fields = {key.strip(): value.strip()
                  for key, value in (line.split(":", 1) for line in first_cpu)}
        cpu = f"{fields['model name']} (family {fields['cpu family']}, model {fields['model']})"
    except (OSError, KeyError, ValueError):
        pass
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
            f"NumPy {np.__version__}, PyTorch {torch.__version__} (1 thread), "
            f"minigrad {minigrad.__version__}; SGD's exact update by "
            f"{exact.blas_fma_routine()}")


def _cupy_version() -> str:
    from minigrad import backend

    return backend.cuda_module().__version__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (smoke run)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--gpu", action="store_true",
                        help="also time the MLP step on the GPU (needs CuPy and an NVIDIA GPU)")
    args = parser.parse_args()
    repeats = 7 if args.quick else 35

    header = ("| workload | minigrad | PyTorch | NumPy floor | minigrad/PyTorch | "
              "minigrad/NumPy |")
    rows = [header, "|---|---:|---:|---:|---:|---:|"]
    print(header)
    # Overflow in the profiler loop is expected (z grows without bound), in all three.
    np.seterr(all="ignore")
    table = workloads()
    gc.freeze()
    for name, mini, ref, floor in table:
        mini_rounds, ref_rounds, floor_rounds = round_medians([mini, ref, floor], repeats)
        row = (f"| {name} | {format_time(statistics.median(mini_rounds))} | "
               f"{format_time(statistics.median(ref_rounds))} | "
               f"{format_time(statistics.median(floor_rounds))} | "
               f"{median_ratio(mini_rounds, ref_rounds):.2f} | "
               f"{median_ratio(mini_rounds, floor_rounds):.2f} |")
        rows.append(row)
        print(row, flush=True)
    for row in widget_rows(repeats) + (gpu_rows(repeats) if args.gpu else []):
        rows.append(row)
        print(row, flush=True)

    if not args.no_write:
        results = Path(__file__).with_name("RESULTS.md")
        results.write_text(
            "# Benchmark results\n\n"
            f"Machine: {machine_description()}.\n\n"
            + (f"GPU: {minigrad.cuda.get_device_name()}, CuPy {_cupy_version()}.\n\n"
               if args.gpu else
               "GPU: not measured here (`python benchmarks/run.py --gpu` adds the MLP step on "
               "a GPU; it needs CuPy and an NVIDIA GPU).\n\n")
            + "Medians of repeated runs after a warm-up, all in one process, objects made "
            "before timing frozen out of the garbage collector (`python benchmarks/run.py`). "
            "A ratio is the median of the per-round ratios; below 1 means minigrad is "
            "faster. On a shared machine they move by up to a tenth from run to run.\n\n"
            + "\n".join(rows) + "\n"
        )
        print(f"\nwritten to {results}")


if __name__ == "__main__":
    main()
