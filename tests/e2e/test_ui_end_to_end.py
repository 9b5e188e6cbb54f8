"""The whole product: `tristage serve` with the real embedded model and the chem assistant, its UI
behind the API key, driven by gradio_client and by headless Chromium (Debian's `chromium`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from serve.process import ServerProcess

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

KEY = "sk-e2e-key"
QUESTION = "What is the molecular weight of aspirin?"
ANSWERED = re.compile(r"\b(verified|corrected)\b")


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess(["--api-key", KEY]) as running:  # default configuration: the embedded model
        yield running


def test_the_ui_needs_the_key_and_the_api_stays_separate(server: ServerProcess) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    with pytest.raises(AuthenticationError):
        Client(f"{server.base_url}/", verbose=False)
    assert httpx.get(f"{server.base_url}/v1/models").status_code == 401
    models = httpx.get(f"{server.base_url}/v1/models", headers={"Authorization": f"Bearer {KEY}"}).json()
    assert "chem" in [m["id"] for m in models["data"]]
    unknown = httpx.get(f"{server.base_url}/v1/files", headers={"Authorization": f"Bearer {KEY}"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_endpoint"


def test_gradio_client_gets_a_chem_answer_with_steps_and_a_depiction(server: ServerProcess) -> None:
    from gradio_client import Client

    client = Client(f"{server.base_url}/", auth=("chemist", KEY), verbose=False)
    history, badge, box, download = client.predict(
        text=QUESTION, file_path=None, history=[], api_name="/chem_chat"
    )
    assert ANSWERED.search(badge), badge
    assert box == ""
    titles = [m["metadata"].get("title") for m in history if m["metadata"]]
    assert titles[:3] == ["detect", "reason", "verify"]
    texts = [part.get("text", "") for m in history if not m["metadata"] for part in m["content"]]
    assert any("180.1" in text for text in texts), texts
    components = [part for m in history for part in m["content"] if part.get("type") == "component"]
    assert any(part["component"] == "html" and "<svg" in part["value"] for part in components)
    assert Path(download).read_text().count("\n") == 2


def test_gradio_client_gets_a_reaction_drawn_with_its_precedent(server: ServerProcess) -> None:
    from gradio_client import Client

    client = Client(f"{server.base_url}/", auth=("chemist", KEY), verbose=False)
    history, badge, _box, _download = client.predict(
        text="What is the main product of CC(=O)Cl.CCN>>?", file_path=None, history=[], api_name="/chem_chat"
    )
    assert re.search(r"\b(verified|corrected|unverified)\b", badge), badge
    drawings = [part["value"] for m in history for part in m["content"]
                if part.get("type") == "component" and "tristage-reactions" in str(part.get("value"))]
    assert len(drawings) == 1 and drawings[0].count("<svg") == 2
    assert "top candidate" in drawings[0] and "precedent" in drawings[0]


LOGIN = """(() => {{
  const set = (input, value) => {{
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, value);
    input.dispatchEvent(new Event('input', {{bubbles: true}}));
  }};
  set(document.querySelector('input[type=text]'), 'chemist');
  set(document.querySelector('input[type=password]'), '{key}');
  [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Login').click();
  return true;
}})()"""
CLICK_TAB = "[...document.querySelectorAll('button[role=tab]')].find(b => b.textContent.trim() === 'chem').click()"
CLICK_EXAMPLE = f"""(() => {{
  const example = [...document.querySelectorAll('#chem-tab button')].find(b => b.textContent.trim() === '{QUESTION}');
  if (example) example.click();
  return Boolean(example);
}})()"""
STATUS = "(document.querySelector('#chem-status') || {innerText: ''}).innerText"


def test_chromium_asks_the_chem_example_and_shows_answer_and_molecule(server: ServerProcess, tmp_path: Path) -> None:
    from chromium_cdp import Browser, chromium_path

    binary = chromium_path()
    if binary is None:
        pytest.fail("Chromium is not installed: apt-get install -y chromium")
    with Browser(binary) as browser:
        browser.goto(f"{server.base_url}/")
        browser.wait_for("document.querySelectorAll('input[type=password]').length > 0", 60, "the login form")
        browser.evaluate(LOGIN.format(key=KEY))
        browser.wait_for("document.querySelectorAll('button[role=tab]').length > 0", 60, "the tabs after login")
        browser.evaluate(CLICK_TAB)
        browser.wait_for("document.querySelector('#chem-input textarea') !== null", 30, "the chem tab")
        browser.wait_for(CLICK_EXAMPLE, 30, "the chem example")
        browser.wait_for("document.querySelector('#chem-input textarea').value.length > 0", 30, "the example text")
        browser.evaluate("document.querySelector('#chem-send').click()")
        status = browser.wait_for(f"/verified|corrected|unverified|refused|error/.test({STATUS}) && {STATUS}",
                                  300, "the answer")
        browser.wait_for("document.querySelectorAll('#chem-chat .tristage-molecules svg').length > 0", 30,
                         "the molecule depiction")
        chat_text = browser.evaluate("document.querySelector('#chem-chat').innerText")
        shot = browser.screenshot(tmp_path / "chem-answer.png")
    assert ANSWERED.search(status), status
    assert QUESTION in chat_text and "180.1" in chat_text and "aspirin" in chat_text.lower()
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
