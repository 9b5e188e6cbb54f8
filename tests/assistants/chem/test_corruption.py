from __future__ import annotations

import random

from assistants.chem.corruption import CORRUPTIONS, corrupt
from assistants.chem.molecule import validate_smiles

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


def test_each_corruption_breaks_a_valid_molecule_in_its_own_way() -> None:
    problems = {}
    for edit in CORRUPTIONS:
        bad = edit(ASPIRIN, random.Random(3))
        assert bad is not None and bad != ASPIRIN
        result = validate_smiles(bad)
        assert not result.valid, (edit.__name__, bad)
        problems[edit.__name__] = result.problem
    assert len(set(problems.values())) >= 3, problems


def test_corruptions_that_do_not_apply_say_so() -> None:
    rng = random.Random(0)
    assert CORRUPTIONS[0]("CCO", rng) is None  # no ring label to drop
    assert CORRUPTIONS[2]("O", rng) is None  # no carbon to overbond


def test_corrupt_is_reproducible_for_a_seed() -> None:
    first = [corrupt(ASPIRIN, random.Random(seed)) for seed in range(20)]
    assert first == [corrupt(ASPIRIN, random.Random(seed)) for seed in range(20)]
    assert len(set(first)) > 5
