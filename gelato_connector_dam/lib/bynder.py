"""Bynder through bynder-sdk (``BynderClient``): list tagged media, download originals,
write a metaproperty (the backlink). See BYNDER_API.md for the facts relied on.

Every SDK call raises ``requests.exceptions.HTTPError`` on 4xx/5xx (no retry in the SDK):
429 and 5xx are retried here after ``Retry-After``; an OAuth2 client-credentials token is
fetched again before it expires (the SDK would post a refresh without a refresh token) and
once more when Bynder answers 401.
"""

import datetime
import logging
import time
from urllib.parse import urlsplit

import requests

from . import const
from . import http as dam_http
from .errors import DamError

_logger = logging.getLogger(__name__)


def bynder_domain(base_url):
    """The portal domain the SDK wants (``x.getbynder.com``) from what the user typed."""
    value = (base_url or "").strip()
    if "//" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if not parts.hostname:
        raise DamError("bad_config", "no portal domain")
    return parts.netloc.rsplit("@", 1)[-1]


def parse_date(value):
    """Bynder's ``yyyy-mm-ddThh:mm:ssZ`` as a naive UTC datetime (None when unreadable)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo:
        parsed = parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def format_date(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def normalise(media):
    """One Bynder media item as the sync reads it (None when it lacks an id or a date)."""
    if not isinstance(media, dict) or not media.get("id"):
        return None
    modified = parse_date(media.get("dateModified"))
    if modified is None:
        return None
    extension = media.get("extension")
    if isinstance(extension, list):
        extension = extension[0] if extension else ""
    extension = str(extension or "").lower()[:10]
    thumbnails = media.get("thumbnails") if isinstance(media.get("thumbnails"), dict) else {}
    name = str(media.get("name") or media["id"])[:250]
    return {
        "id": str(media["id"]),
        "name": name,
        "extension": extension,
        "file_name": "%s.%s" % (name, extension) if extension else name,
        "modified": modified,
        # Bynder's listing has no file version or checksum (a new original of the same size
        # and pixels is possible): any change is downloaded, and the file is written only when
        # its checksum changed (a metadata edit, the backlink written back, costs a download).
        "fingerprint": "%s|%s" % (media.get("dateModified"), media.get("fileSize")),
        "thumbnail_url": thumbnails.get("thul") or thumbnails.get("mini") or "",
        "tags": [str(t) for t in media.get("tags") or [] if isinstance(t, str)],
    }


class BynderDam:
    """A Bynder portal.

    :param str base_url: the portal (``https://x.getbynder.com`` or the domain).
    :param str permanent_token: a permanent token; or
    :param str client_id, client_secret: an OAuth2 app with the client-credentials grant.
    :param dict token: the last saved OAuth2 token (with ``expires_at``), reused until it
        expires; :attr:`token` holds the current one after calls (save it when it changed).
    """

    kind = "bynder"

    def __init__(
        self,
        base_url,
        permanent_token=None,
        client_id=None,
        client_secret=None,
        token=None,
        sleep=time.sleep,
    ):
        from bynder_sdk import BynderClient

        self.domain = bynder_domain(base_url)
        self.sleep = sleep
        self.calls = 0
        self.token = token or None
        self.client_credentials = not permanent_token
        if permanent_token:
            self.client = BynderClient(domain=self.domain, permanent_token=permanent_token)
        else:
            if not (client_id and client_secret):
                raise DamError("bad_config", "a permanent token or a client id and secret")
            self.client = BynderClient(
                domain=self.domain,
                client_id=client_id,
                client_secret=client_secret,
                client_credentials=True,
                # No scopes: the SDK does not send them with this grant, and oauthlib would
                # raise a Warning when Bynder's answer names other scopes than those asked.
                token=self.token,
            )
        dam_http.mount_timeouts(self.client.session)
        # Pre-signed file URLs are fetched without Bynder's Authorization header, over one
        # session (its connections are reused from file to file).
        self.files = dam_http.mount_timeouts(requests.Session())
        self._metaproperty_ids = {}

    # === Session === #

    def _ensure_token(self, force=False):
        if not self.client_credentials:
            return
        expires_at = (self.token or {}).get("expires_at") or 0
        if not force and self.token and expires_at - const.TOKEN_REFRESH_MARGIN > time.time():
            return
        from oauthlib.oauth2.rfc6749.errors import OAuth2Error

        self.calls += 1
        try:
            token = self.client.fetch_token(code=None)
        except OAuth2Error as error:
            raise DamError("auth", error.description or error.error) from error
        except requests.exceptions.SSLError as error:
            raise DamError("tls", type(error).__name__) from error
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
            raise DamError("unreachable", type(error).__name__, retryable=True) from error
        if not token.get("expires_at") and token.get("expires_in"):
            token["expires_at"] = time.time() + float(token["expires_in"])
        self.token = dict(token)

    def _call(self, function, *args, what="call"):
        """One SDK call: a valid token first, 429/5xx retried, 401 once with a new token."""
        self._ensure_token()

        def attempt():
            self.calls += 1
            return function(*args)

        try:
            try:
                return dam_http.with_retries(attempt, sleep=self.sleep, what=what)
            except requests.exceptions.HTTPError as error:
                if error.response is None or error.response.status_code != 401:
                    raise
                if not self.client_credentials:
                    raise DamError("auth", "the permanent token was refused", status=401) from error
                _logger.info("Bynder refused the access token: fetching a new one")
                self._ensure_token(force=True)
                return dam_http.with_retries(attempt, sleep=self.sleep, what=what)
        except requests.exceptions.HTTPError as error:
            response = error.response
            status = response.status_code if response is not None else None
            code = {401: "auth", 403: "auth", 404: "not_found"}.get(status, "http")
            detail = dam_http.error_detail(response) if response is not None else ""
            raise DamError(code, detail, status=status) from error
        except ValueError as error:  # a body the SDK could not read
            raise DamError("bad_answer", type(error).__name__) from error

    # === API === #

    def test(self, tag):
        """Check the credentials with one small listing of the tag."""
        self._call(
            self.client.asset_bank_client.media_list,
            {"tags": tag, "limit": 1, "page": 1},
            what="test",
        )

    def list_tagged(self, tag, since=None):
        """The media carrying ``tag`` (modified after ``since``), oldest change first.

        :return: an iterator of :func:`normalise` dicts.
        """
        page = 1
        while True:
            query = {
                "tags": tag,
                "orderBy": "dateModified asc",
                "limit": const.BYNDER_PAGE_LIMIT,
                "page": page,
            }
            if since:
                query["dateModified"] = format_date(since)
            media = self._call(self.client.asset_bank_client.media_list, query, what="listing")
            if isinstance(media, dict):  # with total=1 / count=1 the list is under "media"
                media = media.get("media")
            if not isinstance(media, list):
                raise DamError("bad_answer", "the media listing is not a list")
            for item in media:
                normalised = normalise(item)
                if normalised:
                    yield normalised
            if len(media) < const.BYNDER_PAGE_LIMIT:
                return
            page += 1

    def filter_tagged(self, items, tag):
        """Bynder filters by tag itself: nothing to verify."""
        return items

    def download(self, item):
        """The original file of ``item`` (``GET /v4/media/{id}/download/`` gives a pre-signed
        URL, fetched without the Authorization header)."""
        answer = self._call(
            self.client.asset_bank_client.media_download_url, item["id"], what="download URL"
        )
        url = answer.get("s3_file") if isinstance(answer, dict) else None
        if not url:
            raise DamError("bad_answer", "no download URL")
        self.calls += 1
        return dam_http.download(self.files, url)

    def thumbnail(self, item):
        if not item.get("thumbnail_url"):
            return None
        self.calls += 1
        return dam_http.thumbnail(self.files, item["thumbnail_url"])

    def _metaproperty_id(self, field):
        """A metaproperty's id from its name (``GET /v4/metaproperties/`` is keyed by name); a
        value that is already an id is used as it is."""
        if field in self._metaproperty_ids:
            return self._metaproperty_ids[field]
        properties = self._call(
            self.client.asset_bank_client.meta_properties, {"options": 0}, what="metaproperties"
        )
        found = field
        if isinstance(properties, dict):
            for name, prop in properties.items():
                if isinstance(prop, dict) and field in (name, prop.get("name"), prop.get("id")):
                    found = prop.get("id") or field
                    break
        self._metaproperty_ids[field] = found
        return found

    def write_backlink(self, item_id, field, url):
        """Write ``url`` into the metaproperty ``field`` of the media (form key
        ``metaproperty.<id>``; Bynder answers 202 and applies it asynchronously)."""
        prop_id = self._metaproperty_id(field)
        self._call(
            self.client.asset_bank_client.set_media_properties,
            item_id,
            {"metaproperty.%s" % prop_id: url},
            what="backlink",
        )
