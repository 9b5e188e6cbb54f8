"""Where records are turned into samples: in process, in worker processes, or on Ray Data.

Every engine takes chunks of records in order and yields each chunk's outcomes in the same
order, with a bounded number of chunks in flight, so memory stays flat however large the source.
Samples are serialized where they are made (`samples.pack_samples`), so workers send back strings.
Samples depend only on (seed, record), so all engines produce identical output.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from typing import Any, Literal

from data_templates.domain import Domain, Outcome

Engine = Literal["local", "ray"]
Chunk = tuple[int, list[Any]]

_worker_domain: Domain | None = None


def _init_worker(domain: Domain) -> None:
    global _worker_domain
    domain.prepare()
    _worker_domain = domain


def _process_in_worker(records: list[Any], seed: int) -> list[Outcome]:
    assert _worker_domain is not None, "worker not initialised"
    return [_worker_domain.process(record, seed) for record in records]


def run_local(domain: Domain, chunks: Iterator[Chunk], seed: int, workers: int) -> Iterator[tuple[int, list[Outcome]]]:
    if workers <= 1:
        domain.prepare()
        for index, records in chunks:
            yield index, [domain.process(record, seed) for record in records]
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(domain,)) as pool:
        pending: deque[tuple[int, Any]] = deque()
        for index, records in chunks:
            pending.append((index, pool.apply_async(_process_in_worker, (records, seed))))
            if len(pending) >= 2 * workers:
                done_index, result = pending.popleft()
                yield done_index, result.get()
        while pending:
            done_index, result = pending.popleft()
            yield done_index, result.get()


def run_ray(domain: Domain, chunks: Iterator[Chunk], seed: int, workers: int) -> Iterator[tuple[int, list[Outcome]]]:
    """Ray Data over windows of chunks; joins a running cluster (RAY_ADDRESS) or starts a local one.

    Only this driver reads records and writes shards; the cluster's nodes need tristage installed.
    """
    import os
    import pickle

    import ray

    if not ray.is_initialized():
        if os.environ.get("RAY_ADDRESS"):
            ray.init(log_to_driver=False)
        else:
            ray.init(num_cpus=max(workers, 1), include_dashboard=False, log_to_driver=False)
    payload = pickle.dumps(domain)

    def process(row: dict[str, Any]) -> dict[str, Any]:
        global _worker_domain
        if _worker_domain is None:
            _init_worker(pickle.loads(row["domain"]))
        outcomes = _process_in_worker(pickle.loads(row["records"]), int(row["seed"]))
        return {"index": row["index"], "outcomes": pickle.dumps(outcomes)}

    window: list[dict[str, Any]] = []

    def flush() -> Iterator[tuple[int, list[Outcome]]]:
        dataset = ray.data.from_items(window).map(process, concurrency=max(workers, 1))
        for row in sorted(dataset.take_all(), key=lambda r: r["index"]):
            yield int(row["index"]), pickle.loads(row["outcomes"])

    for index, records in chunks:
        window.append({"index": index, "records": pickle.dumps(records), "seed": seed, "domain": payload})
        if len(window) >= 2 * max(workers, 1):
            yield from flush()
            window = []
    if window:
        yield from flush()


def run_engine(
    engine: Engine, domain: Domain, chunks: Iterator[Chunk], seed: int, workers: int
) -> Iterator[tuple[int, list[Outcome]]]:
    runner = run_ray if engine == "ray" else run_local
    return runner(domain, chunks, seed, workers)
