"""An output folder belongs to one run: refused when foreign, resumed only with the same settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from train.errors import TrainError
from train.recipe import SFTRecipe
from train.results import RunSpec
from train.sft import CHECKPOINTS, prepare_output


def spec(**recipe: object) -> RunSpec:
    return RunSpec(base="smollm2-135m-instruct", data=Path("/data/chem"), data_sha256="0" * 64,
                   recipe=SFTRecipe.model_validate(recipe))


def test_new_folder_is_claimed_and_a_second_run_refused(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert prepare_output(out, spec(), resume=False) is None
    assert (out / "run.json").is_file()
    with pytest.raises(TrainError, match="--resume"):
        prepare_output(out, spec(), resume=False)


def test_resume_returns_the_last_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "run"
    prepare_output(out, spec(max_steps=4), resume=False)
    for step in (2, 10, 4):
        (out / CHECKPOINTS / f"checkpoint-{step}").mkdir(parents=True)
    assert prepare_output(out, spec(max_steps=20), resume=True) == str(out / CHECKPOINTS / "checkpoint-10")


def test_resume_with_other_settings_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "run"
    prepare_output(out, spec(), resume=False)
    with pytest.raises(TrainError, match="learning_rate"):
        prepare_output(out, spec(learning_rate=1e-3), resume=True)


def test_a_foreign_folder_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(TrainError, match="not empty"):
        prepare_output(tmp_path, spec(), resume=False)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
