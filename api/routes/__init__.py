"""The HTTP routes, one router per concern; ``api.app.create_app`` includes them."""

from glossa.api.routes import reading, service, text, writes

ROUTERS = (service.router, reading.router, text.router, writes.router)

__all__ = ["ROUTERS"]
