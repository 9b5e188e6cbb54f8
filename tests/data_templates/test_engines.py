"""The same build on Ray Data (a local one-CPU Ray instance) gives the same dataset as in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_templates.builder import BuildOptions, build
from data_templates.chem import ChemDomain


@pytest.fixture
def local_ray():
    import ray  # in `make install`'s extras: a missing Ray fails this test

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.mark.slow
def test_ray_engine_matches_the_local_build(tmp_path: Path, compound_csv: Path, local_ray):
    local = build(ChemDomain(files=[compound_csv]), tmp_path / "local", BuildOptions(chunk_records=3))
    on_ray = build(ChemDomain(files=[compound_csv]), tmp_path / "ray", BuildOptions(chunk_records=3, engine="ray"))
    assert on_ray.counts == local.counts and on_ray.skipped == local.skipped
    files = sorted(p.name for p in (tmp_path / "local" / "shards").iterdir())
    assert files and files == sorted(p.name for p in (tmp_path / "ray" / "shards").iterdir())
    for name in files:
        assert (tmp_path / "ray" / "shards" / name).read_bytes() == (tmp_path / "local" / "shards" / name).read_bytes()
