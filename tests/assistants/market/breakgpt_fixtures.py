"""BreakGPT's published file layout, written from synthetic footprints the tests generate."""

import json

from assistants.market.footprint import analyze_footprint, footprint_to_text

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
