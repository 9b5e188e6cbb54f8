"""Knowledge bases in both modes: an embedded store in a temp folder, and a real Chroma server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistants.knowledge.chroma import KnowledgeBase, KnowledgeConfig


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`chroma run` on a free loopback port, up until the session ends."""
    port = free_port()
    folder = tmp_path_factory.mktemp("chroma-server")
    binary = Path(sys.executable).with_name("chroma")
    log = (folder / "server.log").open("w")
    process = subprocess.Popen([str(binary), "run", "--path", str(folder / "data"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"chroma run did not come up: {(folder / 'server.log').read_text()[-2000:]}")
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture(params=["embedded", "server"])
def kb_config(request: pytest.FixtureRequest, tmp_path: Path) -> KnowledgeConfig:
    """The same suite runs against both modes."""
    if request.param == "server":
        return KnowledgeConfig(url=request.getfixturevalue("chroma_server"), path=tmp_path / "unused")
    return KnowledgeConfig(path=tmp_path / "chroma")


@pytest.fixture
def make_kb(kb_config: KnowledgeConfig) -> Iterator[Callable[[str], KnowledgeBase]]:
    """Knowledge bases that are dropped after the test (a server outlives one test)."""
    made: list[KnowledgeBase] = []

    def make(name: str) -> KnowledgeBase:
        base = KnowledgeBase(name, kb_config)
        base.drop()
        made.append(base)
        return base

    yield make
    for base in made:
        base.drop()


@pytest.fixture
def dead_server_url() -> str:
    """A loopback URL nothing listens on."""
    return f"http://127.0.0.1:{free_port()}"
