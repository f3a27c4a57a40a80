"""The one exception type handlers raise to answer with a Gelato-style JSON error."""


class ApiError(Exception):
    """An error answer: ``{"code": ..., "message": ...}`` with an HTTP status."""

    def __init__(self, status, message, code=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code

    def body(self):
        body = {"message": self.message}
        if self.code:
            body["code"] = self.code
        return body


def not_found(message):
    return ApiError(404, message, code="not_found")


def conflict(message):
    return ApiError(409, message, code="conflict")
