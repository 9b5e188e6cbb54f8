"""The gate (limit, queue, refuse) and runs bridged from worker threads onto the event loop."""

from __future__ import annotations

import asyncio
import time

import pytest

from serve.runner import Busy, Gate, start
from stages.backends.scripted import ScriptedBackend
from stages.events import Final, StageStarted, Token
from stages.messages import ask
from stages.pipeline import Pipeline
from stages.reply import Status

from assistants.general.assistant import GeneralAssistant


def pipeline(text: str = "one two three four.", delay_s: float = 0.0, token_delay_s: float = 0.0) -> Pipeline:
    return Pipeline(GeneralAssistant(), ScriptedBackend([text], delay_s=delay_s, token_delay_s=token_delay_s))


def test_gate_admits_up_to_the_limit_queues_then_refuses() -> None:
    async def scenario() -> None:
        gate = Gate(max_active=1, max_queue=1)
        await gate.enter()
        queued = asyncio.create_task(gate.enter())
        await asyncio.sleep(0)
        assert (gate.active, gate.waiting) == (1, 1)
        with pytest.raises(Busy):
            await gate.enter()
        gate.leave()
        await queued
        assert (gate.active, gate.waiting) == (1, 0)
        gate.leave()
        assert gate.active == 0

    asyncio.run(scenario())


def test_a_queued_caller_that_gives_up_frees_its_place() -> None:
    async def scenario() -> None:
        gate = Gate(max_active=1, max_queue=1)
        await gate.enter()
        queued = asyncio.create_task(gate.enter())
        await asyncio.sleep(0)
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        assert gate.waiting == 0
        gate.leave()
        await gate.enter()  # the slot is free again
        assert gate.active == 1

    asyncio.run(scenario())


def test_events_arrive_in_order_and_the_slot_is_released_after_the_run() -> None:
    async def scenario() -> None:
        gate = Gate(max_active=1, max_queue=0)
        run = await start(gate, pipeline(token_delay_s=0.01), ask("q"))
        events = [event async for event in run.events()]
        assert isinstance(events[0], StageStarted) and isinstance(events[-1], Final)
        assert "".join(e.text for e in events if isinstance(e, Token)) == "one two three four."
        await asyncio.sleep(0.05)
        assert gate.active == 0

    asyncio.run(scenario())


def test_the_event_loop_stays_free_while_a_model_runs() -> None:
    async def scenario() -> float:
        gate = Gate(max_active=2, max_queue=0)
        run = await start(gate, pipeline(delay_s=0.5), ask("q"))
        ticks = 0
        started = time.perf_counter()
        waiter = asyncio.create_task(run.reply(lambda: asyncio.sleep(0, result=False)))
        while not waiter.done():
            ticks += 1
            await asyncio.sleep(0.01)
        assert (await waiter).status is Status.UNVERIFIED  # general chat
        return ticks / (time.perf_counter() - started)

    assert asyncio.run(scenario()) > 10  # ~100 ticks/s if nothing blocks the loop; ~2 if the run did


def test_reply_cancels_the_run_when_the_client_is_gone() -> None:
    async def scenario() -> None:
        gate = Gate(max_active=1, max_queue=0)
        run = await start(gate, pipeline(" ".join(["w"] * 500), token_delay_s=0.01), ask("q"))
        started = time.perf_counter()
        assert await run.reply(lambda: asyncio.sleep(0, result=True), poll_s=0.05) is None
        while gate.active:
            await asyncio.sleep(0.01)
        assert time.perf_counter() - started < 1.0  # not the 5 s the whole answer takes
        assert run.request.cancel is not None and run.request.cancel.is_set()

    asyncio.run(scenario())
