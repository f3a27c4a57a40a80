"""Small helpers shared by the modules: timestamps and identifiers."""

import datetime
import uuid


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def now_iso():
    """UTC time as Gelato prints it: ``2021-01-14T12:30:03+00:00``."""
    return now().isoformat()


def new_id():
    return str(uuid.uuid4())


def event_id(prefix):
    """A webhook event id shaped like Gelato's (``os_5e5680ce494f6``)."""
    return f"{prefix}_{uuid.uuid4().hex[:16]}"
