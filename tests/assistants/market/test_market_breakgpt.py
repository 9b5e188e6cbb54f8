import pytest
from breakgpt_fixtures import write_samples

from assistants.market.breakgpt import load_breakgpt
from assistants.market.footprint import analyze_footprint, parse_footprint_text
from assistants.market.synthetic import synthetic_footprint
from stages.stage import BadInput


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
