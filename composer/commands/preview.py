"""`composer preview`: a local web page that follows the editor's saves.

A small Starlette app serves the preview page, the built email, its plain
text and the issue's web page, and a server-sent-events stream. watchfiles watches the issue, its
house.yaml and the theme; every save re-renders the issue and tells the open
pages, which reload the email frame in place. A save that renders but has
check errors shows that render with the errors listed over it; a save that
cannot be rendered at all keeps the last good render on screen, under the
overlay. Warnings are listed in the page as they are in the terminal.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import webbrowser
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from composer import budget
from composer.checks import run_checks
from composer.codes import ERROR
from composer.diagnostics import ComposerError
from composer.hosts import LOOPBACK, listening_socket
from composer.loader import HOUSE_FILE
from composer.pipeline import render
from composer.theme import default_theme_dir
from composer.web.render import render_preview

# The email may not run scripts or load anything but images: it is shown as mail clients show it.
EMAIL_CSP = "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
HEARTBEAT_SECONDS = 15
# Each open page holds one live-update stream; a page (or a script) opening
# hundreds must not take the server's memory or file handles with it.
MAX_LIVE_PAGES = 16


@dataclass
class Snapshot:
    """What the preview shows: the latest render, and the problems and warnings of the latest save."""

    version: int = 0
    html: bytes = b""
    text: bytes = b""
    meta: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # what would stop `composer build`
    warnings: list[str] = field(default_factory=list)
    rendered: int = 0  # the version whose render is shown; older than `version` when the save could not render
    build_ms: float = 0.0
    web: bytes = b""  # the issue's page of the web edition

    @property
    def stale(self) -> bool:
        return self.rendered != self.version

    def state(self) -> dict:
        return {"version": self.version, **self.meta, "problems": self.problems, "warnings": self.warnings,
                "rendered": self.rendered, "stale": self.stale, "build_ms": round(self.build_ms, 1)}


class Preview:
    def __init__(self, issue: Path, log=print):
        self.issue = issue.resolve()
        self.log = log
        self.snapshot = Snapshot()
        self._changed = asyncio.Condition()
        self.theme_dir: Path | None = None
        self.live_pages = 0

    # -- building ------------------------------------------------------------
    def rebuild(self) -> Snapshot:
        """Render the issue and run the checks of `build`; keep the last render when this one fails."""
        started = time.perf_counter()
        previous = self.snapshot
        version = previous.version + 1
        try:
            built = render(self.issue)
            findings = run_checks(built.edition, built.html, built.text).findings
            web = render_preview(built.edition).encode("utf-8")
        except ComposerError as error:
            problems = [str(d) for d in error.diagnostics]
        except Exception as error:  # noqa: BLE001 - the preview must outlive any one broken save
            problems = [f"{self.issue}:1:1: could not render this save ({type(error).__name__}: {error})"]
        else:
            problems = []
        if problems:
            snapshot = Snapshot(version, previous.html, previous.text, previous.meta, problems,
                                rendered=previous.rendered, web=previous.web)
        else:
            self.theme_dir = built.edition.theme_dir
            html = built.html.encode("utf-8")
            house = built.edition.house
            meta = {
                "sender": house.sender.name,
                "subject": built.edition.subject,
                "preheader": built.edition.preheader,
                "size": len(html),
                "warn_size": budget.WARN_BYTES,
                "clip_size": budget.CLIP_BYTES,
            }
            # Check errors stop `build`, but the render is still worth seeing while fixing them.
            errors = [str(f) for f in findings if f.severity == ERROR]
            warnings = [str(f) for f in findings if f.severity != ERROR]
            snapshot = Snapshot(version, html, built.text.encode("utf-8"), meta, errors, warnings, rendered=version,
                                web=web)
        snapshot.build_ms = (time.perf_counter() - started) * 1000
        self.snapshot = snapshot
        return snapshot

    def report(self, snapshot: Snapshot, reason: str) -> None:
        took = f"{snapshot.build_ms:.0f} ms"
        if snapshot.problems:
            count = len(snapshot.problems)
            if not snapshot.html:
                shown = "nothing to show yet"
            elif snapshot.stale:
                shown = "showing the last good render"
            else:
                shown = "showing this render, which build would refuse"
            self.log(f"{reason}: {count} problem{'s' if count > 1 else ''} ({took}); {shown}")
        else:
            self.log(f"{reason}: rebuilt in {took} ({snapshot.meta['size']:,} bytes)")
        for line in [*snapshot.problems, *snapshot.warnings]:
            self.log(f"  {line}")

    async def notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def publish(self, reason: str) -> None:
        snapshot = await asyncio.to_thread(self.rebuild)
        self.report(snapshot, reason)
        await self.notify()

    # -- watching ------------------------------------------------------------
    def watched(self) -> list[Path]:
        folders = {self.issue.parent, default_theme_dir()}
        if self.theme_dir:
            folders.add(self.theme_dir)
        return sorted(folders)

    def is_relevant(self, path: Path) -> bool:
        if path == self.issue or path == self.issue.parent / HOUSE_FILE:
            return True
        themes = [default_theme_dir(), *([self.theme_dir] if self.theme_dir else [])]
        return any(path.is_relative_to(folder) for folder in themes)

    async def watch(self) -> None:
        from watchfiles import awatch

        while True:
            watched = self.watched()
            # A short debounce: the editor's save should show almost at once.
            async for changes in awatch(*watched, debounce=100, step=10, recursive=True):
                # The folder resolved, not the file: an issue replaced by a link (to /dev/zero, say)
                # must still count as the issue, and get its message.
                paths = {Path(p).parent.resolve() / Path(p).name for _, p in changes}
                relevant = sorted(p for p in paths if self.is_relevant(p))
                if not relevant:
                    continue
                await self.publish("saved " + ", ".join(p.name for p in relevant))
                if self.watched() != watched:
                    break  # house.yaml now points at another theme folder: watch that one

    async def keep_watching(self) -> None:
        """The watcher, which must not die in silence: the editor would go on saving to a frozen page."""
        try:
            await self.watch()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - whatever stopped it, the editor must hear of it
            line = (f"the preview stopped following saves ({type(error).__name__}: {error}); "
                    "restart `composer preview` to pick up further changes")
            self.log(f"error: {line}")
            current = self.snapshot
            self.snapshot = Snapshot(current.version + 1, current.html, current.text, current.meta,
                                     [*current.problems, line], current.warnings, rendered=current.rendered)
            await self.notify()

    # -- serving ---------------------------------------------------------------
    async def events(self, request: Request) -> Response:
        if self.live_pages >= MAX_LIVE_PAGES:
            message = f"too many preview pages are open ({MAX_LIVE_PAGES}); close some and reload this one\n"
            return PlainTextResponse(message, status_code=503, headers={"Retry-After": "5"})
        self.live_pages += 1  # counted now, so that a burst of requests cannot all pass the test above
        released = False

        def release() -> None:
            # Once, whichever comes first: the stream ending, or (if it never started) the response's end.
            nonlocal released
            if not released:
                released = True
                self.live_pages -= 1

        async def stream():
            seen = -1
            try:
                while True:
                    if self.snapshot.version != seen:
                        seen = self.snapshot.version
                        yield f"data: {json.dumps(self.snapshot.state())}\n\n"
                        continue
                    try:
                        async with self._changed:
                            await asyncio.wait_for(self._changed.wait(), HEARTBEAT_SECONDS)
                    except TimeoutError:
                        yield ": still here\n\n"
            finally:
                release()

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"},
                                 background=BackgroundTask(release))

    async def page(self, request: Request) -> Response:
        page = resources.files("composer.commands").joinpath("preview_page.html").read_bytes()
        return Response(page, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})

    async def email_html(self, request: Request) -> Response:
        return Response(
            self.snapshot.html,
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": "no-store", "Content-Security-Policy": EMAIL_CSP},
        )

    async def web_page(self, request: Request) -> Response:
        return Response(
            self.snapshot.web,
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": "no-store", "Content-Security-Policy": EMAIL_CSP},
        )

    async def email_text(self, request: Request) -> Response:
        return Response(self.snapshot.text, media_type="text/plain; charset=utf-8",
                        headers={"Cache-Control": "no-store"})

    async def state(self, request: Request) -> JSONResponse:
        return JSONResponse(self.snapshot.state(), headers={"Cache-Control": "no-store"})

    def app(self, hosts: list[str]) -> Starlette:
        async def not_found(request: Request, exc) -> PlainTextResponse:
            return PlainTextResponse("not found: the preview serves only itself and the email\n", status_code=404)

        routes = [
            Route("/", self.page),
            Route("/email.html", self.email_html),
            Route("/email.txt", self.email_text),
            Route("/web.html", self.web_page),
            Route("/state", self.state),
            Route("/events", self.events),
        ]
        # Only requests addressed to the preview's own host name: a web page that points
        # some other name at 127.0.0.1 (DNS rebinding) must not read unsent issues.
        middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=hosts)]
        return Starlette(routes=routes, middleware=middleware, exception_handlers={404: not_found, 405: not_found})


def allowed_hosts(host: str) -> list[str]:
    """The Host names the preview answers to: loopback, and the address given with --host.

    Any other name (a page whose own name an attacker pointed at this machine,
    DNS rebinding) gets a 400, so it cannot read unsent issues.
    """

    hosts = ["127.0.0.1", "localhost", "[::1]", "::1"]
    if host not in LOOPBACK:
        hosts += [host, f"[{host}]"] if ":" in host else [host]
        if host in ("0.0.0.0", "::"):  # every interface: the names others reach this machine by
            hosts += sorted({socket.gethostname(), socket.getfqdn()})
    return hosts


def serve(issue: Path, host: str, port: int, *, open_browser: bool, log=print, warn=print) -> None:
    """Run the preview until Ctrl-C. The first build happens before the server starts."""

    import uvicorn

    if host not in LOOPBACK:
        warn(f"warning: listening on {host}: anyone who can reach this machine can read the preview")
    if not issue.exists():
        raise ComposerError.at(issue, "file not found; check the path and the file name")
    if not issue.is_file():  # a folder, or /dev/zero: nothing an editor saves
        raise ComposerError.at(issue, "this is not a file but a folder or a device; give the path of a .yaml file")
    preview = Preview(issue, log=log)
    sock = listening_socket(host, port)
    port = sock.getsockname()[1]
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"

    log(f"previewing {issue} at {url}  (Ctrl-C to stop)")
    preview.report(preview.rebuild(), "first build")
    hosts = allowed_hosts(host)
    config = uvicorn.Config(preview.app(hosts), log_level="warning", timeout_graceful_shutdown=1, lifespan="off")
    server = uvicorn.Server(config)

    async def main() -> None:
        watcher = asyncio.create_task(preview.keep_watching())
        if open_browser:
            webbrowser.open(url)
        try:
            await server.serve(sockets=[sock])
        finally:
            watcher.cancel()

    asyncio.run(main())
    log("preview stopped")
