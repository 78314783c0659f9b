"""Markdown rendering with a CPU-time budget, for the renders a member can ask for at will
(the editor's preview, an import).

The cost of rendering is not the size of the text: 250,000 characters of prose render in a
fifth of a second, the same length of table rows or nested list items in five to ten seconds
(markdown-it-py is pure Python). Rather than guess from the text, the render is given a
budget of CPU seconds: a virtual-time interval timer (ITIMER_VIRTUAL counts this process's own
CPU time, so a busy machine does not make a text fail) raises inside the parser when the budget
is spent. Signals reach only the main thread; elsewhere (a threaded development server) the
render runs unbounded, and the size limits still hold.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .markdown import render_markdown


class TooMuchToRender(Exception):
    """The render used up its CPU budget."""


def _spent(signum, frame):
    raise TooMuchToRender()


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise TooMuchToRender inside the block once it has used `seconds` of CPU time."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGVTALRM, _spent)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def render_within(text: str, seconds: float) -> str:
    """render_markdown(text), or TooMuchToRender if it needs more than `seconds` of CPU."""
    started = time.process_time()
    with cpu_budget(seconds):
        html = render_markdown(text)
    # The timer samples CPU time and cannot interrupt every thread layout: a render that
    # finished over budget is refused all the same, so the answer never depends on the timer.
    if seconds > 0 and time.process_time() - started > seconds:
        raise TooMuchToRender()
    return html


class RenderAllowance:
    """A budget shared by several renders (the pages of one import): each render may use what
    the ones before it left."""

    def __init__(self, seconds: float):
        self.left = seconds

    def render(self, text: str) -> str:
        if self.left <= 0:
            raise TooMuchToRender()
        started = time.process_time()
        try:
            return render_within(text, self.left)
        except TooMuchToRender:
            self.left = 0.0
            raise
        finally:
            self.left = max(0.0, self.left - (time.process_time() - started))
