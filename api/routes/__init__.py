"""The HTTP routes, one router per concern; ``api.app.create_app`` includes them.

``TERMBASE_ROUTERS`` serve one termbase: they are included twice, unprefixed
(the first termbase) and under ``/termbases/{termbase}``.
"""

from glossa.api.routes import reading, service, termbases, text, writes

ROUTERS = (service.router, termbases.router)
TERMBASE_ROUTERS = (reading.router, text.router, writes.router)

__all__ = ["ROUTERS", "TERMBASE_ROUTERS"]
