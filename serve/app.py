"""The served app: the API at /v1 and /health, the Gradio UI at /, one process, shared pipelines."""

from __future__ import annotations

import contextlib
import hmac
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI

from serve import api
from serve.middleware import RequestIdMiddleware
from serve.pipelines import Pipelines
from serve.runner import Gate
from stages.config import Settings, get_settings

log = logging.getLogger("tristage.serve")


def ui_auth(settings: Settings, api_key: str | None) -> list[tuple[str, str]] | Callable[[str, str], bool] | None:
    """The UI login: its own user:password pairs if set, else any user name with the API key."""
    pairs = [tuple(item.split(":", 1)) for item in settings.serve.ui_auth if ":" in item]
    if pairs:
        return pairs  # type: ignore[return-value]
    if api_key:
        return lambda _user, password: hmac.compare_digest(password.encode(), api_key.encode())
    return None


def create_app(
    settings: Settings | None = None,
    api_key: str | None = None,
    pipelines: Pipelines | None = None,
    with_ui: bool = True,
) -> FastAPI:
    """Build the app; models load in the background after start-up (see /health/ready)."""
    settings = settings or get_settings()
    if api_key is None and settings.serve.api_key is not None:
        api_key = settings.serve.api_key.get_secret_value()
    pipelines = pipelines or Pipelines(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        threading.Thread(target=pipelines.warm_up, name="tristage-warm-up", daemon=True).start()
        yield

    # No /docs page: Swagger UI loads from a CDN, which an offline server cannot reach.
    app = FastAPI(title="tristage", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json" if settings.serve.openapi else None)
    gate = Gate(settings.serve.max_concurrency, settings.serve.max_queue)
    app.state.pipelines = pipelines
    app.state.gate = gate
    app.state.api_key = api_key or None
    app.state.max_body_bytes = settings.serve.max_body_bytes
    app.state.limits = settings.serve.limits
    app.state.started = int(time.time())
    app.add_middleware(RequestIdMiddleware)
    api.install(app)
    if with_ui:
        import gradio as gr

        from serve.ui import blocked_paths, build_ui

        blocks = build_ui(pipelines, settings, gate)
        app = gr.mount_gradio_app(
            app, blocks, path="/", auth=ui_auth(settings, api_key), footer_links=["api", "gradio"],
            run_history=False, max_file_size=settings.serve.max_body_bytes, ssr_mode=False,
            allowed_paths=[], blocked_paths=blocked_paths(settings),
        )
        # Gradio checks file paths (inputs only from its upload folder; allowed and blocked paths)
        # only for apps it launched itself; a mounted app must ask for the same checks.
        blocks.has_launched = True
    return app


def serve(host: str, port: int, api_key: str | None = None, with_ui: bool = True) -> None:
    """Run the app with uvicorn until interrupted."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(api_key=api_key, with_ui=with_ui)
    log.info("tristage on http://%s:%d (UI at /, API at /v1)", host, port)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
