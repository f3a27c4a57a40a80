"""Runtime settings: set from the command line, changed live by ``POST /_sandbox/config``."""

import dataclasses

from .errors import ApiError


@dataclasses.dataclass
class Config:
    api_keys: list = dataclasses.field(default_factory=lambda: ["sandbox-key"])
    latency_ms: int = 0
    webhook_url: str = ""
    webhook_header: str = "signature"
    webhook_secret: str = ""
    webhook_attempts: int = 4  # the first try and 3 retries
    webhook_retry_delay: float = 5.0
    webhook_timeout: float = 10.0
    download_timeout: float = 10.0
    allow_remote_downloads: bool = False  # fetch print files from non-loopback hosts too
    advance_every: float = 0.0  # seconds between automatic status steps; 0 = off
    hang_seconds: float = 30.0  # how long a "hang" fault holds the connection
    retry_after: int = 1  # Retry-After seconds of a 429 fault unless the fault says otherwise

    def as_dict(self):
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def update(self, values):
        """Apply ``values`` (a JSON object) after checking every key and type; all or nothing."""
        if not isinstance(values, dict):
            raise ApiError(400, "config: expected a JSON object")
        fields = {f.name: f for f in dataclasses.fields(self)}
        checked = {}
        for key, value in values.items():
            if key not in fields:
                raise ApiError(400, f"config: unknown setting '{key}'")
            checked[key] = _coerce(key, fields[key].type, value)
        for key, value in checked.items():
            setattr(self, key, value)
        return self.as_dict()


def _coerce(key, kind, value):
    if kind is list:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ApiError(400, f"config: {key} must be a non-empty list of strings")
        return value
    if kind is bool:
        if not isinstance(value, bool):
            raise ApiError(400, f"config: {key} must be true or false")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise ApiError(400, f"config: {key} must be a string")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ApiError(400, f"config: {key} must be a number >= 0")
    if key == "webhook_attempts" and value < 1:
        raise ApiError(400, "config: webhook_attempts must be >= 1")
    return kind(value)
