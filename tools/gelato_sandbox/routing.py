"""A tiny router: ``"POST /v4/orders/{id}:cancel"`` style templates to handlers."""

import json
import re

from .errors import ApiError


class Request:
    """What a handler sees: path parameters, query (first values) and the raw body."""

    def __init__(self, method, path, params, query, body, base_url=""):
        self.method = method
        self.base_url = base_url  # how the client reached the sandbox, e.g. http://127.0.0.1:8070
        self.path = path
        self.params = params
        self.query = query
        self.body = body

    def json(self, default=None):
        """The body as JSON; ``default`` when empty; 400 like Gelato when it isn't JSON."""
        if not self.body.strip():
            return default
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise ApiError(400, "Invalid request body.", code="invalid_request") from exc


class Route:
    def __init__(self, method, template, handler):
        self.method = method
        self.template = template
        self.key = f"{method} {template}"
        self.handler = handler
        pattern = re.sub(
            r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>[^/:]+)", re.escape(template)
        )
        self.regex = re.compile(f"^{pattern}$")


class Router:
    def __init__(self, routes):
        self.routes = [Route(*route) for route in routes]

    def match(self, method, path):
        """Return ``(route, params, path_known)``; route is None when nothing fits."""
        path_known = False
        for route in self.routes:
            found = route.regex.match(path)
            if found:
                path_known = True
                if route.method == method:
                    return route, found.groupdict(), True
        return None, {}, path_known
