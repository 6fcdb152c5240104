"""gunicorn's synchronous worker, woken alone.

The stock sync worker waits for a connection with select() on the shared listening socket, and the
kernel wakes every idle worker for each connection: all but one find nothing to accept and go back
to sleep. With four workers per core that herd costs about half a millisecond per request on two
cores — a third of what a cheap tile or a small page costs in all. An epoll registration with
EPOLLEXCLUSIVE (Linux 4.5) wakes one waiting worker per connection instead. Everything else —
accepting, the heartbeat, signals through the worker's pipe — is the stock worker's.
"""
from __future__ import annotations

import errno
import os
import select

from gunicorn.workers.sync import StopWaiting, SyncWorker

EXCLUSIVE_WAKE = hasattr(select, "EPOLLEXCLUSIVE")  # Linux; elsewhere the stock wait


class ExclusiveWakeSyncWorker(SyncWorker):
    """SyncWorker whose idle wait wakes it alone for a new connection."""

    _poller = None  # select.epoll, made in the worker process after the fork
    _by_fd: dict[int, object]

    def _register(self) -> select.epoll:
        poller = select.epoll()
        self._by_fd = {}
        for listener in self.sockets:
            poller.register(listener.fileno(), select.EPOLLIN | select.EPOLLEXCLUSIVE)
            self._by_fd[listener.fileno()] = listener
        poller.register(self.PIPE[0], select.EPOLLIN)  # signals: not exclusive, this worker's own
        self._by_fd[self.PIPE[0]] = self.PIPE[0]
        return poller

    def wait(self, timeout):
        if not EXCLUSIVE_WAKE:
            return super().wait(timeout)
        if self._poller is None:
            self._poller = self._register()
        self.notify()
        try:
            events = self._poller.poll(timeout)
        except OSError as exc:
            if exc.errno == errno.EBADF:  # the sockets were closed under us: shutting down
                raise StopWaiting from exc
            raise
        ready = [self._by_fd[fd] for fd, _ in events if fd in self._by_fd]
        if self.PIPE[0] in ready:
            os.read(self.PIPE[0], 1)
        return ready
