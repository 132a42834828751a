"""`make lab` serves the course: start it, list the notebooks over HTTP, stop it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TOKEN = "make-lab-test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listing(port: int, folder: str) -> list[str] | None:
    url = f"http://127.0.0.1:{port}/api/contents/{folder}?token={TOKEN}"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return sorted(item["name"] for item in json.load(response)["content"])
    except OSError:
        return None


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_serves_the_notebooks(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "HOME": str(tmp_path)}  # a learner's fresh Jupyter settings
    lab = subprocess.Popen(
        ["make", "lab", f"LAB_PORT={port}",
         f"LAB_ARGS=--IdentityProvider.token={TOKEN} --ip=127.0.0.1"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True, text=True)
    try:
        deadline = time.monotonic() + 240
        english = None
        while english is None and time.monotonic() < deadline and lab.poll() is None:
            time.sleep(0.5)
            english = listing(port, "en")
        assert english is not None, "JupyterLab did not answer"
        expected = sorted(p.name for p in (REPO / "notebooks" / "en").glob("*.ipynb"))
        assert [name for name in english if name.endswith(".ipynb")] == expected
        assert "zh" in (listing(port, "") or [])
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait()
