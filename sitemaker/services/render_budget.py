"""Markdown rendering with a CPU-time budget, for the renders a member can ask for at will
(the editor's preview, an import).

The cost of rendering is not the size of the text: 250,000 characters of prose render in a
fifth of a second, the same length of table rows or nested list items in five to ten seconds
(markdown-it-py is pure Python). Rather than guess from the text, the render is given a
budget of CPU seconds of the rendering thread (time.thread_time: a busy machine, or the
process's other threads — job runners, the board's listener, the analytics flush — never make
a text fail). A virtual-time interval timer interrupts the parser; it counts the whole
process's CPU, so when it fires early the handler re-arms it for what this thread has left.
Signals reach only the main thread; elsewhere (a threaded development server) the render runs
unbounded, and the size limits still hold.
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


_deadline = [0.0]  # the thread_time() at which the main thread's current budget is spent


def _spent(signum, frame):
    left = _deadline[0] - time.thread_time()
    if left > 0.001:  # other threads spent the process's CPU: wait for this one's own
        signal.setitimer(signal.ITIMER_VIRTUAL, left)
        return
    raise TooMuchToRender()


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise TooMuchToRender inside the block once it has used `seconds` of CPU time."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGVTALRM, _spent)
    _deadline[0] = time.thread_time() + seconds
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def render_within(text: str, seconds: float) -> str:
    """render_markdown(text), or TooMuchToRender if it needs more than `seconds` of CPU."""
    started = time.thread_time()
    with cpu_budget(seconds):
        html = render_markdown(text)
    # The timer samples CPU time and cannot interrupt every thread layout: a render that
    # finished over budget is refused all the same, so the answer never depends on the timer.
    if seconds > 0 and time.thread_time() - started > seconds:
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
        started = time.thread_time()
        try:
            return render_within(text, self.left)
        except TooMuchToRender:
            self.left = 0.0
            raise
        finally:
            self.left = max(0.0, self.left - (time.thread_time() - started))
