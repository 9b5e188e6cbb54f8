from __future__ import annotations

import xml.dom.minidom
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistants.chem import heldout
from assistants.chem.depict import InvalidReaction, reaction_svg, to_png, to_svg
from assistants.chem.molecule import InvalidSmiles
from assistants.chem.profiles import ModelProfile, UnknownProfile, profile_for
from stages.config import BackendConfig


def test_heldout_is_deterministic_about_ten_percent_and_stereo_blind() -> None:
    keys = [f"{i:014d}-UHFFFAOYSA-N" for i in range(5000)]
    share = sum(heldout(k) for k in keys) / len(keys)
    assert 0.08 < share < 0.12
    assert heldout("QNAYBMKLOCPYGJ-REOHCLBHSA-N") == heldout("QNAYBMKLOCPYGJ-UHFFFAOYSA-N")
    assert [heldout(k) for k in keys[:50]] == [heldout(k) for k in keys[:50]]


def test_profiles_by_name_and_model() -> None:
    assert profile_for(BackendConfig(model="smollm2-135m-instruct")).name == "smollm2"
    assert profile_for(BackendConfig(kind="openai", model="tristage-pipeline")).name == "smollm2"  # the shipped adapter's base
    dpo = profile_for(BackendConfig(model="AI4Chem/ChemLLM-7B-Chat-1_5-DPO"))
    assert dpo.name == "chemllm-1.5" and dpo.stop == ["</s>", "<|im_end|>"]
    assert dpo.repetition_penalty == 1.0 and "<|im_start|>" in (dpo.chat_template or "")
    assert profile_for(BackendConfig(model="AI4Chem/ChemLLM-7B-Chat")).name == "chemllm-v1"
    assert profile_for(BackendConfig(model="x", profile="chemllm-1.5")).params().stop == ["</s>", "<|im_end|>"]
    with pytest.raises(UnknownProfile):
        profile_for(BackendConfig(profile="nope"))


def test_a_profile_names_its_chat_template_file_and_sends_its_text() -> None:
    dpo = profile_for(BackendConfig(model="AI4Chem/ChemLLM-7B-Chat-1_5-DPO"))
    assert dpo.chat_template_file is not None and dpo.chat_template_file.name == "internlm2_chat.jinja"
    assert dpo.params().extra_body == {"chat_template": dpo.chat_template_file.read_text(encoding="utf-8")}
    assert profile_for(BackendConfig(model="smollm2-135m-instruct")).params().extra_body == {}
    with pytest.raises(ValidationError, match="no chat template"):
        ModelProfile(name="x", chat_template_file="missing.jinja")


def test_depictions(tmp_path: Path) -> None:
    svg = to_svg("c1ccccc1O", width=200, height=150)
    assert xml.dom.minidom.parseString(svg).documentElement.tagName == "svg"
    png = to_png("CCO", tmp_path / "sub" / "ethanol.png", size=120)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in png.parent.iterdir()] == ["ethanol.png"]
    with pytest.raises(InvalidSmiles):
        to_svg("C1CC")


def test_reaction_depictions_draw_every_molecule_and_name_the_bad_part() -> None:
    plain = reaction_svg("CC(=O)Cl.CCN>>CCNC(C)=O")
    with_agent = reaction_svg("CC(=O)Cl.CCN>c1ccncc1>CCNC(C)=O")
    assert xml.dom.minidom.parseString(plain).documentElement.tagName == "svg"
    assert len(with_agent) > len(plain)  # the agent is drawn over the arrow
    for bad in ("CCO", "CCO>>", ">>CCO", "A>B>C>D"):
        with pytest.raises(InvalidReaction):
            reaction_svg(bad)
    with pytest.raises(InvalidSmiles, match="ring-closure"):
        reaction_svg("C1CC>>CCO")
