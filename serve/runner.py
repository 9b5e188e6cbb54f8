"""Pipeline runs off the event loop: a bounded gate, and a worker thread per run bridged to asyncio.

`Pipeline.stream` blocks (a model call takes seconds), so each run iterates it in its own thread
and hands events to the loop with `call_soon_threadsafe`. The gate admits `max_active` runs at a
time, lets `max_queue` more wait, and refuses the rest; a run holds its slot until its thread is
done, so a cancelled run still counts until the backend has actually stopped. The API (async)
and the UI (worker threads) share one gate, so together they never run more than `max_active`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager

from stages.events import Event, Final
from stages.messages import Request
from stages.pipeline import Pipeline
from stages.reply import Reply

_END = object()


class Busy(Exception):
    """Every slot is taken and the queue is full."""


class Gate:
    """At most `max_active` runs at once and `max_queue` waiting; the rest are refused.

    Thread-safe: async callers (the API) `await enter()`, worker threads (the UI) use `slot()`.
    """

    _POLL_S = 0.02

    def __init__(self, max_active: int, max_queue: int) -> None:
        self.max_active = max_active
        self.max_queue = max_queue
        self.active = 0
        self.waiting = 0
        self._lock = threading.Condition()

    def _take_or_queue(self) -> bool:
        """Take a free slot (True), or join the queue (False); Busy when the queue is full. Holds the lock."""
        if self.active < self.max_active and self.waiting == 0:
            self.active += 1
            return True
        if self.waiting >= self.max_queue:
            raise Busy(f"{self.active} requests running and {self.waiting} queued; try again shortly")
        self.waiting += 1
        return False

    def _take_queued(self) -> bool:
        """A queued caller takes a slot that came free (True). Holds the lock."""
        if self.active < self.max_active:
            self.waiting -= 1
            self.active += 1
            return True
        return False

    async def enter(self) -> None:
        with self._lock:
            if self._take_or_queue():
                return
        try:
            while True:
                with self._lock:
                    if self._take_queued():
                        return
                await asyncio.sleep(self._POLL_S)
        except BaseException:
            with self._lock:
                self.waiting -= 1
            raise

    def enter_blocking(self) -> None:
        with self._lock:
            if self._take_or_queue():
                return
            while not self._take_queued():
                self._lock.wait(self._POLL_S)

    def leave(self) -> None:
        with self._lock:
            self.active -= 1
            self._lock.notify()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot for the block's duration (blocking; Busy when the queue is full)."""
        self.enter_blocking()
        try:
            yield
        finally:
            self.leave()


class Run:
    """One pipeline run in a worker thread; iterate it for its events, the last being `Final`.

    With `progress` False only `Final` is handed to the loop: one wake-up per run instead of one
    per token, for callers that wait for the reply alone.
    """

    def __init__(
        self, pipeline: Pipeline, request: Request, on_done: Callable[[], None], progress: bool = True
    ) -> None:
        if request.cancel is None:
            request.cancel = threading.Event()
        self.request = request
        self._progress = progress
        self._events: asyncio.Queue[object] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._on_done = on_done
        threading.Thread(
            target=self._work, args=(pipeline,), name=f"tristage-{request.request_id}", daemon=True
        ).start()

    def _hand_over(self, callback: Callable[..., object], *args: object) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop has closed (server shutdown): nobody is listening
            pass

    def _work(self, pipeline: Pipeline) -> None:
        try:
            for event in pipeline.stream(self.request):
                if self._progress or isinstance(event, Final):
                    self._hand_over(self._events.put_nowait, event)
        finally:
            self._hand_over(self._finish)

    def _finish(self) -> None:
        self._events.put_nowait(_END)
        self._on_done()

    def cancel(self) -> None:
        """Stop the run: the backend stops between tokens and the run ends as `cancelled`."""
        assert self.request.cancel is not None
        self.request.cancel.set()

    async def events(self) -> AsyncIterator[Event]:
        while (event := await self._events.get()) is not _END:
            yield event  # type: ignore[misc]

    async def reply(self, disconnected: Callable[[], Awaitable[bool]], poll_s: float = 0.5) -> Reply | None:
        """Wait for the final reply; cancels the run (and returns None) if the client goes away."""
        loop = asyncio.get_running_loop()
        next_check = loop.time() + poll_s
        while True:
            try:
                event = await asyncio.wait_for(self._events.get(), max(0.0, next_check - loop.time()))
            except TimeoutError:
                event = None
            if isinstance(event, Final):
                return event.reply
            if event is _END:
                return None
            if loop.time() >= next_check:
                if await disconnected():
                    self.cancel()
                    return None
                next_check = loop.time() + poll_s


async def start(gate: Gate, pipeline: Pipeline, request: Request, progress: bool = True) -> Run:
    """Wait for a slot (raises Busy when the queue is full) and start the run in it."""
    await gate.enter()
    try:
        return Run(pipeline, request, gate.leave, progress)
    except BaseException:
        gate.leave()
        raise
