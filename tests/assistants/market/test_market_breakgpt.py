import json

import pytest

from assistants.market.breakgpt import load_breakgpt
from assistants.market.footprint import analyze_footprint, footprint_to_text, parse_footprint_text
from assistants.market.synthetic import synthetic_footprint
from stages.stage import BadInput

SYSTEM = {"role": "system", "content": "An expert."}


def chat(user, answer):
    return {"messages": [SYSTEM, {"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def write_samples(folder, footprints):
    """Files in BreakGPT's layout, generated from synthetic footprints (4 questions each, in order)."""
    facts = [analyze_footprint(f) for f in footprints]
    tables = [footprint_to_text(f) for f in footprints]
    rows = [chat(t + " What is the direction?", f"The trend is clear. The answer: {f.direction}.")
            for t, f in zip(tables, facts, strict=True)]
    rows += [chat(t + " What is the level?", f"Table 10 aside, the answer: The resistance level is {f.level:.2f}.")
             for t, f in zip(tables, facts, strict=True)]
    rows += [chat(t + " Which side?", f"Read at an angle. The answer: The {f.side} side.")
             for t, f in zip(tables, facts, strict=True)]
    rows += [chat(t + " True or false?", f"Step1 ... Conclusion: This is a {f.label} breakout.")
             for t, f in zip(tables, facts, strict=True)]
    # objects spread over several lines, as in the published file
    (folder / "train_multi_stage.jsonl").write_text("\n".join(json.dumps(r, indent=1) for r in rows))
    test = {"id": "test-1", "tables": tables[0],
            "expected": {"direction": facts[0].direction, "level": facts[0].level, "side": facts[0].side}}
    (folder / "test_samples.jsonl").write_text(json.dumps(test) + "\n")


def test_reader_recovers_every_label(tmp_path):
    footprints = [synthetic_footprint(d, s, seed=i) for i, (d, s) in
                  enumerate([("upward", "buyer"), ("downward", "buyer"), ("downward", "seller")])]
    write_samples(tmp_path, footprints)
    samples = load_breakgpt(tmp_path)
    assert [s.split for s in samples] == ["train"] * 3 + ["test"]
    for sample, frame in zip(samples, [*footprints, footprints[0]], strict=True):
        facts = analyze_footprint(frame)
        assert (sample.direction, sample.level, sample.side, sample.label) == (
            facts.direction, facts.level, facts.side, facts.label)
        assert analyze_footprint(parse_footprint_text(sample.tables)) == facts


def test_missing_folder_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("TRISTAGE_BREAKGPT_DIR", raising=False)
    with pytest.raises(BadInput, match="TRISTAGE_BREAKGPT_DIR"):
        load_breakgpt(None)
    monkeypatch.setenv("TRISTAGE_BREAKGPT_DIR", str(tmp_path / "nope"))
    with pytest.raises(BadInput):
        load_breakgpt()
