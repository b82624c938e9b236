"""A server's termbases, live: one ``SearchService`` per name on the ``Shelf``.

Why one object above the services: the termbases of one server share what is
expensive and must be single (the model, its one encoder thread) and differ in
what is theirs (the index, its writer thread, its loading state). Termbases
load one after another on the encoder thread, the first (the default, which
the unprefixed routes serve) first; the others reuse its encoder, so a second
termbase costs its index, not a second model.

Termbases created or removed while the server runs are started or stopped
here, so a request never meets a service that is half set up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from glossa.api.service import SearchService
from glossa.indexer.encoders.encoder import TextEncoder

from glossa.access import Access
from glossa.errors import ErrorKind, GlossaError
from glossa.settings import Settings
from glossa.shelf import Shelf
from glossa.termbase import Termbase, open_termbase

log = logging.getLogger("glossa.api")


class Services:
    """The shelf's termbases as services, in the shelf's order."""

    def __init__(
        self,
        settings: Settings,
        shelf: Shelf,
        bulk_encoder: Callable[[TextEncoder], TextEncoder] | None = None,
        first: Callable[[], Termbase] | None = None,
    ) -> None:
        """``first``: how the first termbase opens when not from its path (a
        version already open: tests, benchmarks)."""
        self.settings, self.shelf, self._bulk_encoder = settings, shelf, bulk_encoder
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="glossa-encoder")
        self._lock = threading.Lock()
        self._access: tuple[object, Access] | None = None
        names = shelf.names()
        self._services: dict[str, SearchService] = {}
        for i, name in enumerate(names):
            load = first if (i == 0 and first is not None) else self._loader(name, default=i == 0)
            self._services[name] = self._service(name, load)

    def _service(self, name: str, load: Callable[[], Termbase]) -> SearchService:
        return SearchService(load, self._bulk_encoder, self.executor, name)

    def _loader(self, name: str, default: bool) -> Callable[[], Termbase]:
        def load() -> Termbase:
            return open_termbase(self.shelf.path(name), self.settings, serving=True,
                                 encoder=self._shared_encoder(), build_if_missing=default)  # fmt: skip

        return load

    def _shared_encoder(self) -> TextEncoder | None:
        """The encoder of the first termbase that loaded (None: make one)."""
        for service in self._services.values():
            if service.termbase is not None:
                return service.termbase.encoder
        return None

    # ------------------------------------------------------------------ reading

    @property
    def default(self) -> SearchService:
        with self._lock:
            if not self._services:
                raise GlossaError("this server serves no termbase; create one (POST /termbases)",
                                  kind=ErrorKind.NOT_FOUND)  # fmt: skip
            return next(iter(self._services.values()))

    def get(self, name: str | None) -> SearchService:
        """The service of termbase ``name`` (None: the default)."""
        if name is None:
            return self.default
        with self._lock:
            service = self._services.get(name)
        if service is None:
            self._follow_shelf(name)
            raise GlossaError(f"no termbase named {name[:80]!r}; see GET /termbases",
                              kind=ErrorKind.NOT_FOUND, parameter="termbase")  # fmt: skip
        if not self._on_shelf(name):  # removed by another process (glossa termbase remove)
            self._drop(service)
            raise GlossaError(f"termbase {name[:80]!r} was removed",
                              kind=ErrorKind.NOT_FOUND, parameter="termbase")  # fmt: skip
        return service

    def _on_shelf(self, name: str) -> bool:
        """Whether ``name`` is still on the shelf: one stat for a created termbase."""
        try:
            self.shelf.path(name)
        except GlossaError:
            return False
        return True

    def _follow_shelf(self, name: str) -> None:
        """A termbase created by another process (``glossa termbase create``): load
        it in the background; the request is told to retry."""
        if not self._on_shelf(name):
            return
        service = self._service(name, self._loader(name, default=False))
        with self._lock:
            if name in self._services:
                return
            self._services[name] = service
        service.start(background=True)
        raise GlossaError(f"termbase {name[:80]!r} is loading; retry shortly",
                          kind=ErrorKind.NOT_READY, parameter="termbase")  # fmt: skip

    def names(self) -> list[str]:
        with self._lock:
            return list(self._services)

    def all(self) -> list[SearchService]:
        """The services of the termbases still on the shelf (one removed by another
        process is closed here)."""
        with self._lock:
            held = list(self._services.values())
        gone = [service for service in held if not self._on_shelf(service.name)]
        for service in gone:
            self._drop(service)
        return [service for service in held if service not in gone]

    def _drop(self, service: SearchService) -> None:
        """Stop serving ``service``'s termbase (its writes finish or stop before
        their commit)."""
        with self._lock:
            self._services.pop(service.name, None)
        service.close()

    def access(self) -> Access:
        """The access rules, read again when the access file changed (a token made
        by ``glossa token create`` works at once, without a restart)."""
        path = self.settings.access_file
        try:
            st = path.stat()
            stamp = (st.st_mtime_ns, st.st_ino, st.st_size)  # a replaced file: a new inode
        except OSError:
            stamp = None
        held = self._access
        if held is None or held[0] != stamp:
            token = self.settings.admin_token
            held = (stamp, Access.load(path, token.get_secret_value() if token else None))
            self._access = held
        return held[1]

    def change_access(self, change) -> Access:
        """Change the access file under its lock (``glossa.access.change_access``)."""
        from glossa.access import change_access

        self._access = None  # read again on the next request
        return change_access(self.settings.access_file, change)

    # ------------------------------------------------------------------ lifecycle

    def start(self, background: bool = True) -> None:
        for service in self.all():
            service.start(background=background)

    def stop_writes(self) -> None:
        """Tell every termbase's running write to stop before its commit (the server
        is stopping: SIGTERM)."""
        for service in self.all():
            service.stopping.set()

    def close(self) -> None:
        for service in self.all():
            service.close()
        self.executor.shutdown(wait=False, cancel_futures=True)

    def add(self, name: str) -> SearchService:
        """Serve ``name``, a termbase just put on the shelf; returns once it is
        loaded (its first search must find its entries)."""
        service = self._service(name, self._loader(name, default=False))
        service.start(background=False)
        with self._lock:
            self._services[name] = service
        return service

    def remove(self, name: str) -> None:
        """Stop serving ``name``."""
        self._drop(self.get(name))
