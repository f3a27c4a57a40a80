"""Webdam (Acquia DAM classic, REST API v2): a small client over ``requests`` (no maintained
SDK exists). See WEBDAM_API.md for the facts relied on.

OAuth2 on ``POST /oauth2/token`` (password grant, or a refresh token); tokens are refreshed
``TOKEN_REFRESH_MARGIN`` seconds before they expire and once more when a call answers 401.
Assets carrying the tag are found with ``GET /search?query=<tag>`` sorted by modification date
(the API has no date filter) and their XMP ``keyword`` field is read to make sure the tag is
one of their keywords (the search may match names too).
"""

import datetime
import logging
import time

import requests

from . import const
from . import http as dam_http
from .errors import DamError

_logger = logging.getLogger(__name__)


def parse_item(item):
    """One Webdam asset as the sync reads it (None when it lacks an id or a date)."""
    if not isinstance(item, dict) or not item.get("id") or item.get("type", "asset") != "asset":
        return None
    modified = None
    unix = item.get("date_modified_unix")
    if unix not in (None, ""):
        try:
            modified = datetime.datetime.fromtimestamp(
                int(float(unix)), tz=datetime.timezone.utc
            ).replace(tzinfo=None)
        except (TypeError, ValueError, OverflowError):
            modified = None
    if modified is None and isinstance(item.get("datemodified"), str):
        try:  # "2013-07-10 14:30:25", timezone not stated (taken as UTC)
            modified = datetime.datetime.strptime(item["datemodified"], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            modified = None
    if modified is None:
        return None
    filename = str(item.get("filename") or item.get("name") or item["id"])[:250]
    thumbnails = [t for t in item.get("thumbnailurls") or [] if isinstance(t, dict)]
    thumbnail = next((t.get("url") for t in thumbnails if str(t.get("size")) == "220"), None)
    if not thumbnail and thumbnails:
        thumbnail = thumbnails[0].get("url")
    return {
        "id": str(item["id"]),
        "name": str(item.get("name") or filename)[:250],
        "extension": str(item.get("filetype") or "").lower()[:10],
        "file_name": filename,
        "modified": modified,
        # A new file is a new version; metadata edits (the backlink) keep the version.
        "fingerprint": "%s|%s" % (item.get("version"), item.get("filesize")),
        "thumbnail_url": thumbnail or "",
        "active": item.get("status", "active") == "active",
    }


def keywords_of(xmp):
    """The keywords of one XMP object (``keyword`` as a comma-separated string, or the
    ``active_fields`` list other clients read)."""
    if not isinstance(xmp, dict):
        return []
    value = xmp.get("keyword")
    if value is None:
        for field in xmp.get("active_fields") or []:
            if isinstance(field, dict) and str(field.get("field", "")).lower() == "keyword":
                value = field.get("value")
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    return [k.strip() for k in str(value or "").split(",") if k.strip()]


class WebdamDam:
    """A Webdam account.

    :param str base_url: the API (``https://apiv2.webdamdb.com`` by default).
    :param str client_id, client_secret: the API key Webdam support issued.
    :param str username, password: an account (password grant); or
    :param str refresh_token: a refresh token (authorization-code grant done elsewhere).
    :param dict token: the last saved token ``{access_token, refresh_token, expires_at}``;
        :attr:`token` holds the current one after calls (save it when it changed).
    """

    kind = "webdam"

    def __init__(
        self,
        base_url,
        client_id,
        client_secret,
        username=None,
        password=None,
        refresh_token=None,
        token=None,
        sleep=time.sleep,
    ):
        self.base_url = (base_url or const.WEBDAM_DEFAULT_URL).strip().rstrip("/")
        if not (client_id and client_secret):
            raise DamError("bad_config", "a client id and secret")
        if not (refresh_token or (username and password)):
            raise DamError("bad_config", "a username and password, or a refresh token")
        self.client_id = client_id
        self.client_secret = client_secret
        self.username = username
        self.password = password
        self.token = dict(token or {})
        if refresh_token and not self.token.get("refresh_token"):
            self.token["refresh_token"] = refresh_token
        self.sleep = sleep
        self.calls = 0
        self.session = dam_http.mount_timeouts(requests.Session())
        self.session.headers["Accept"] = "application/json"
        # Thumbnails (on Webdam's CDN) without the Authorization header.
        self.files = dam_http.mount_timeouts(requests.Session())

    # === Tokens === #

    def _fetch_token(self):
        """A new access token: from the refresh token when there is one, else the password."""
        data = {"client_id": self.client_id, "client_secret": self.client_secret}
        refresh = self.token.get("refresh_token")
        if refresh:
            data.update(grant_type="refresh_token", refresh_token=refresh)
        else:
            data.update(grant_type="password", username=self.username, password=self.password)

        def call():
            self.calls += 1
            return dam_http.raise_for_status(
                self.session.post(self.base_url + "/oauth2/token", data=data)
            )

        try:
            response = dam_http.with_retries(call, sleep=self.sleep, what="token")
        except requests.exceptions.HTTPError as error:
            detail = dam_http.error_detail(error.response)
            if refresh and self.username and self.password:
                # A refresh token that no longer works: sign in again with the password.
                _logger.info("Webdam refused the refresh token (%s): signing in again", detail)
                self.token = {}
                return self._fetch_token()
            raise DamError(
                "token" if refresh else "auth", detail, status=error.response.status_code
            ) from error
        try:
            answer = response.json()
        except ValueError as error:
            raise DamError("bad_answer", "the token answer is not JSON") from error
        if not isinstance(answer, dict) or not answer.get("access_token"):
            raise DamError("bad_answer", "no access token in the answer")
        self.token = {
            "access_token": answer["access_token"],
            # Webdam may answer a refresh without a new refresh token: the old one stays.
            "refresh_token": answer.get("refresh_token") or refresh,
            "expires_at": time.time() + float(answer.get("expires_in") or 3600),
        }

    def _ensure_token(self):
        expires_at = self.token.get("expires_at") or 0
        if not self.token.get("access_token") or expires_at - const.TOKEN_REFRESH_MARGIN <= (
            time.time()
        ):
            self._fetch_token()

    def _request(self, method, path, what, **kwargs):
        """One API call, authenticated; 429/5xx retried, a 401 once after a new token.

        :return: the ``requests.Response``.
        """
        self._ensure_token()

        def call():
            self.calls += 1
            headers = {"Authorization": "Bearer %s" % self.token["access_token"]}
            return dam_http.raise_for_status(
                self.session.request(method, self.base_url + path, headers=headers, **kwargs)
            )

        try:
            try:
                return dam_http.with_retries(call, sleep=self.sleep, what=what)
            except requests.exceptions.HTTPError as error:
                if error.response.status_code != 401:
                    raise
                _logger.info("Webdam refused the access token: refreshing it")
                self.token.pop("access_token", None)
                self._fetch_token()
                return dam_http.with_retries(call, sleep=self.sleep, what=what)
        except requests.exceptions.HTTPError as error:
            status = error.response.status_code
            code = {401: "auth", 403: "auth", 404: "not_found"}.get(status, "http")
            raise DamError(code, dam_http.error_detail(error.response), status=status) from error

    def _json(self, method, path, what, **kwargs):
        response = self._request(method, path, what, **kwargs)
        try:
            return response.json()
        except ValueError as error:
            raise DamError("bad_answer", "%s: not JSON" % what) from error

    # === API === #

    def test(self, tag):
        self._json("GET", "/search", "test", params={"query": tag, "limit": 1, "offset": 0})

    def list_tagged(self, tag, since=None):
        """Assets the search finds for ``tag``, newest change first, down to ``since``.

        :return: an iterator of :func:`parse_item` dicts.
        """
        offset = 0
        while True:
            answer = self._json(
                "GET",
                "/search",
                "listing",
                params={
                    "query": tag,
                    "sortby": "datemodified",
                    "sortdir": "desc",
                    "limit": const.WEBDAM_PAGE_LIMIT,
                    "offset": offset,
                },
            )
            items = answer.get("items") if isinstance(answer, dict) else None
            if not isinstance(items, list):
                raise DamError("bad_answer", "the search answer has no items")
            for raw in items:
                item = parse_item(raw)
                if item is None or not item["active"]:
                    continue
                if since and item["modified"] < since:
                    return
                yield item
            if len(items) < const.WEBDAM_PAGE_LIMIT:
                return
            offset += len(items)

    def filter_tagged(self, items, tag):
        """The items whose XMP keywords include ``tag`` (case-insensitive), 50 ids a call."""
        wanted = tag.strip().lower()
        kept = []
        for start in range(0, len(items), const.WEBDAM_XMP_BATCH):
            batch = items[start : start + const.WEBDAM_XMP_BATCH]
            answer = self._json(
                "GET",
                "/assets/%s/metadatas/xmp" % ",".join(item["id"] for item in batch),
                "metadata",
            )
            by_id = _xmp_by_id(answer, batch)
            kept += [
                item
                for item in batch
                if wanted in (k.lower() for k in keywords_of(by_id.get(item["id"])))
            ]
        return kept

    def download(self, item):
        """The file (``GET /assets/{id}/download``, redirects followed), streamed and capped."""
        self._ensure_token()
        self.calls += 1
        return dam_http.download(
            self.session,
            "%s/assets/%s/download" % (self.base_url, item["id"]),
            headers={"Authorization": "Bearer %s" % self.token["access_token"]},
        )

    def thumbnail(self, item):
        if not item.get("thumbnail_url"):
            return None
        self.calls += 1
        return dam_http.thumbnail(self.files, item["thumbnail_url"])

    def write_backlink(self, item_id, field, url):
        """``PUT /assets/{id}/metadatas/xmp`` with ``{field: url}`` (a text field such as
        ``customfield1``), notifications off."""
        self._json(
            "PUT",
            "/assets/%s/metadatas/xmp" % item_id,
            "backlink",
            json={"type": "assetxmp", field.strip().lower(): url, "sendNotificationsOff": "1"},
        )


def _xmp_by_id(answer, batch):
    """XMP objects by asset id, whatever shape the bulk read takes: one object (one id), a
    list of objects carrying their id, or an object keyed by id (the docs do not show it)."""
    single = isinstance(answer, dict) and len(batch) == 1 and "id" not in answer
    if single and ("keyword" in answer or "active_fields" in answer):
        return {batch[0]["id"]: answer}
    if isinstance(answer, dict) and isinstance(answer.get("items"), list):
        answer = answer["items"]
    if isinstance(answer, list):
        return {
            str(x.get("id") or x.get("assetid")): x
            for x in answer
            if isinstance(x, dict) and (x.get("id") or x.get("assetid"))
        }
    if isinstance(answer, dict):
        if answer.get("id") or answer.get("assetid"):
            return {str(answer.get("id") or answer.get("assetid")): answer}
        return {str(k): v for k, v in answer.items() if isinstance(v, dict)}
    return {}
