"""JupyterLab in Debian's headless Chromium: the helpers the browser tests share.

`chromium` finds the browser (skips without it, fails when CI is set); `start_lab(folder)`
starts JupyterLab on 127.0.0.1 serving `folder` (fixed token, no port hopping, isolated HOME,
settings overrides) and yields its base URL; `open_notebook` opens one with a live kernel.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
TOKEN = "minigrad-kit-e2e"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"]
# No news toast over the notebook; every cell in the DOM (no virtual scrolling).
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}


def require(available: bool, missing: str) -> None:
    """Skip when a prerequisite is missing locally; fail when CI is set (CI must run this)."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{missing}, and CI is set: the browser test must run in CI")
    pytest.skip(f"{missing}; set CI=1 to make this a failure")


@pytest.fixture(scope="module")
def chromium() -> str:
    """The path of Debian's chromium (Playwright's own browsers are never downloaded)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    require(path is not None,
            "chromium is not installed (apt-get install chromium fonts-liberation)")
    for module, package in (("playwright", "playwright"), ("jupyterlab", "jupyterlab")):
        require(importlib.util.find_spec(module) is not None,
                f"{package} is not installed (pip install {package})")
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_json(url: str) -> object | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return json.load(response)
    except OSError:
        return None


def wait_for(condition: Callable[[], bool], seconds: float, failure: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(failure)
        time.sleep(0.25)


@contextlib.contextmanager
def start_lab(notebooks: Path, scratch: Path) -> Iterator[str]:
    """A JupyterLab server whose root is `notebooks`; yields its base URL, stops it after."""
    (scratch / "home").mkdir(parents=True, exist_ok=True)
    (scratch / "settings").mkdir(exist_ok=True)
    (scratch / "settings" / "overrides.json").write_text(json.dumps(LAB_OVERRIDES))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    # The kernel must import this checkout's `widgets` and `minigrad`.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["HOME"] = str(scratch / "home")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (scratch / "lab.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
         "--ServerApp.allow_root=True", f"--ServerApp.root_dir={notebooks}",
         f"--LabApp.app_settings_dir={scratch / 'settings'}",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: get_json(f"{base}/api/status?token={TOKEN}") is not None, 60,
                 f"JupyterLab did not start; see {scratch / 'lab.log'}")
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def kernel_idle(base: str, path: str) -> bool:
    sessions = get_json(f"{base}/api/sessions?token={TOKEN}") or []
    return any(s["path"].endswith(path) and s["kernel"]["execution_state"] == "idle"
               for s in sessions)


def open_notebook(page, base: str, path: str) -> None:
    """Open `path` and wait until its kernel exists and is idle (accepting "Select Kernel")."""
    # ?reset drops any saved layout; the token logs us in.
    page.goto(f"{base}/lab/tree/{path}?reset&token={TOKEN}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    # Run All before the kernel exists opens a "Select Kernel" dialog: wait for it through
    # the REST API (the toolbar's idle indicator shows before a kernel exists).
    deadline = time.monotonic() + 60
    while not kernel_idle(base, path):
        dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
        if dialog.count() and dialog.is_visible():
            dialog.locator("button.jp-mod-accept").click()
        assert time.monotonic() < deadline, f"the kernel of {path} never became idle"
        page.wait_for_timeout(250)


def menu(page, menu_name: str, item: str) -> None:
    """Click `item` in the menu bar's `menu_name` menu."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{menu_name}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{item}$")).click()
