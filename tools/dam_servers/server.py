"""Small stand-ins for the Bynder and Webdam endpoints the DAM sync uses (standard library only).

``python -m dam_servers bynder --cert CERT --key KEY`` serves Bynder over TLS on loopback
(bynder-sdk always builds ``https://{domain}/api…``); ``python -m dam_servers webdam`` serves
Webdam over plain HTTP. Each prints ``dam-server listening on URL`` once ready.

Faithful to /work/shared/BYNDER_API.md and WEBDAM_API.md where they are sure: Bynder's
``GET /api/v4/media/`` (``tags``, ``dateModified`` "modified after", ``orderBy``, ``limit`` ≤ 1000,
``page``; a bare JSON array), ``/download/`` giving a pre-signed ``s3_file`` URL (refused with an
Authorization header), ``POST /api/v4/media/{id}/`` form ``metaproperty.<id>`` → 202, the
client-credentials token; Webdam's ``/oauth2/token`` (password and refresh grants, 400
``invalid_grant``), ``/search`` (``limit`` ≤ 100, numbers as strings, a query matching keywords
*and* file names), XMP read (≤ 50 ids) and write, ``/download`` redirecting to the file.

The test hooks live under ``/_test/`` (JSON): ``assets`` (add or replace), ``assets/<id>/untag``,
``assets/<id>/delete``, ``bulk``, ``faults`` (``{"status": 429, "count": n, "endpoint": name,
"retry_after": s, "after": n}``), ``expire_tokens``, ``counters``, ``backlinks``, ``reset``.
"""

import base64
import datetime
import json
import secrets
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PERMANENT_TOKEN = "bynder-permanent-token"
CLIENT_ID = "dam-client-id"
CLIENT_SECRET = "dam-client-secret"
WEBDAM_USER = "merchant"
WEBDAM_PASSWORD = "webdam-password"
BYNDER_BACKLINK_PROPERTY = {"id": "5A2A1E4C-0000-4000-8000-ODOOCHECKOUT", "name": "OdooCheckout"}
# A 1x1 PNG: every thumbnail.
THUMBNAIL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)
EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


class State:
    def __init__(self, kind):
        self.kind = kind
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.assets = {}  # id -> dict(name, ext, tags, content, modified (s), version)
        self.clock = 0
        self.tokens = {}  # access token -> expiry (unix)
        self.refresh_tokens = set()
        self.faults = []
        self.counters = {}
        self.backlinks = {}
        self.file_keys = {}

    def tick(self):
        self.clock += 1
        return self.clock

    def count(self, name):
        self.counters[name] = self.counters.get(name, 0) + 1

    def fault_for(self, endpoint):
        for fault in self.faults:
            if fault["endpoint"] in (endpoint, None, "*") and fault["count"] > 0:
                if fault["after"] > 0:  # let this many matching requests through first
                    fault["after"] -= 1
                    continue
                fault["count"] -= 1
                return fault
        return None

    def put_asset(self, data):
        asset_id = str(data["id"])
        old = self.assets.get(asset_id)
        content = base64.b64decode(data["content"]) if "content" in data else old["content"]
        self.assets[asset_id] = {
            "id": asset_id,
            "name": data.get("name") or (old or {}).get("name") or asset_id,
            "ext": data.get("ext") or (old or {}).get("ext") or "png",
            "tags": list(data.get("tags", (old or {}).get("tags", []))),
            "content": content,
            "modified": self.tick(),
            "version": ((old or {}).get("version", 0) + 1)
            if old is None or old["content"] != content
            else old["version"],
            "metadata": dict((old or {}).get("metadata", {})),
        }


def _date(seconds):
    return EPOCH + datetime.timedelta(seconds=seconds)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set by serve()
    base_url = ""

    def log_message(self, *args):
        pass

    # === plumbing === #

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, body=b"", content_type="application/json", headers=()):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _route(self, method):
        parts = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        path = parts.path
        state = self.state
        with state.lock:
            if path.startswith("/_test/"):
                return self._test(method, path[len("/_test/") :])
            handler = (
                self._bynder(method, path) if state.kind == "bynder" else self._webdam(method, path)
            )
            return handler

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def do_PUT(self):
        self._route("PUT")

    def do_DELETE(self):
        self._route("DELETE")

    def _fault(self, endpoint):
        fault = self.state.fault_for(endpoint)
        if not fault:
            return False
        self.state.count("fault:%s" % endpoint)
        headers = []
        if fault.get("retry_after") is not None:
            headers.append(("Retry-After", str(fault["retry_after"])))
        self._send(
            fault.get("status", 429),
            {"message": "Too Many Requests", "statuscode": fault.get("status", 429)},
            headers=headers,
        )
        return True

    def _authorized(self):
        header = self.headers.get("Authorization") or ""
        token = header[7:] if header.startswith("Bearer ") else ""
        if self.state.kind == "bynder" and token == PERMANENT_TOKEN:
            return True
        expiry = self.state.tokens.get(token)
        return bool(expiry and expiry > time.time())

    # === test hooks === #

    def _test(self, method, path):
        state = self.state
        data = json.loads(self._body() or b"{}")
        if path == "reset":
            state.reset()
        elif path == "assets":
            state.put_asset(data)
        elif path == "bulk":
            content = base64.b64decode(data["content"])
            # History spread over time (``step`` seconds apart): an incremental listing's
            # overlap window holds the last few changes, as it would in a real DAM.
            state.clock += data.get("step", 1) - 1
            for index in range(data["count"]):
                asset_id = "%s%06d" % (data.get("prefix", "A"), index)
                state.assets[asset_id] = {
                    "id": asset_id,
                    "name": "Artwork %d" % index,
                    "ext": data.get("ext", "png"),
                    "tags": [data["tag"]],
                    "content": content,
                    "modified": state.tick(),
                    "version": 1,
                    "metadata": {},
                }
                state.clock += data.get("step", 1) - 1
        elif path.startswith("assets/") and path.endswith("/untag"):
            asset = state.assets[path.split("/")[1]]
            asset["tags"] = [t for t in asset["tags"] if t != data["tag"]]
            asset["modified"] = state.tick()
        elif path.startswith("assets/") and path.endswith("/delete"):
            state.assets.pop(path.split("/")[1], None)
        elif path == "faults":
            state.faults.append(
                {
                    "status": data.get("status", 429),
                    "count": data.get("count", 1),
                    "endpoint": data.get("endpoint"),
                    "retry_after": data.get("retry_after"),
                    "after": data.get("after", 0),
                }
            )
        elif path == "expire_tokens":
            state.tokens = dict.fromkeys(state.tokens, 0)
        elif path == "counters":
            return self._send(200, state.counters)
        elif path == "backlinks":
            return self._send(200, state.backlinks)
        else:
            return self._send(404, {"message": "unknown test hook"})
        return self._send(200, {"ok": True})

    def _file(self, asset_id, key):
        state = self.state
        asset = state.assets.get(asset_id)
        if self.headers.get("Authorization"):
            # S3 refuses a second authentication method next to the pre-signed query.
            return self._send(400, b"<Error>Only one auth mechanism allowed</Error>", "text/xml")
        if not asset or state.file_keys.get(asset_id) != key:
            return self._send(403, b"<Error>AccessDenied</Error>", "text/xml")
        if self._fault("file"):
            return None
        state.count("file")
        return self._send(200, asset["content"], "application/octet-stream")

    def _thumbnail(self, asset_id):
        self.state.count("thumbnail")
        return self._send(200, THUMBNAIL, "image/png")

    # === Bynder === #

    def _bynder(self, method, path):  # noqa: PLR0911, PLR0912 - a router
        state = self.state
        if path == "/v6/authentication/oauth2/token" and method == "POST":
            form = {k: v[-1] for k, v in parse_qs(self._body().decode()).items()}
            state.count("token")
            if form.get("grant_type") != "client_credentials":
                return self._send(400, {"error": "unsupported_grant_type"})
            if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
                return self._send(
                    401, {"error": "invalid_client", "error_description": "Client unknown"}
                )
            token = secrets.token_hex(16)
            state.tokens[token] = time.time() + 3600
            return self._send(
                200,
                {
                    "access_token": token,
                    "token_type": "bearer",
                    "expires_in": 3600,
                    "scope": "asset:read asset:write",
                },
            )
        if path.startswith("/_files/"):
            _prefix, _files, asset_id, key = path.split("/", 3)
            return self._file(asset_id, key)
        if path.startswith("/_thumbs/"):
            return self._thumbnail(path.split("/")[2])
        if not path.startswith("/api/"):
            return self._send(404, {"message": "Not found", "statuscode": 404})
        if not self._authorized():
            state.count("unauthorized")
            return self._send(401, {"message": "Unauthorized", "statuscode": 401})
        path = path[len("/api") :]
        if path == "/v4/media/" and method == "GET":
            return self._bynder_media_list()
        if path == "/v4/metaproperties/" and method == "GET":
            state.count("metaproperties")
            prop = BYNDER_BACKLINK_PROPERTY
            return self._send(
                200,
                {
                    prop["name"]: {
                        "id": prop["id"],
                        "name": prop["name"],
                        "type": "text",
                        "options": [],
                    }
                },
            )
        parts = path.strip("/").split("/")
        if len(parts) >= 3 and parts[:2] == ["v4", "media"]:
            asset = state.assets.get(parts[2])
            if len(parts) == 4 and parts[3] == "download" and method == "GET":
                if self._fault("download"):
                    return None
                state.count("download")
                if not asset:
                    return self._send(404, {"message": "Media not found", "statuscode": 404})
                key = secrets.token_hex(8)
                state.file_keys[asset["id"]] = key
                return self._send(
                    200, {"s3_file": "%s/_files/%s/%s" % (self.base_url, asset["id"], key)}
                )
            if len(parts) == 3 and method == "POST":
                state.count("modify")
                if not asset:
                    return self._send(404, {"message": "Media not found", "statuscode": 404})
                form = {k: v[-1] for k, v in parse_qs(self._body().decode()).items()}
                values = {k: v for k, v in form.items() if k.startswith("metaproperty.")}
                asset["metadata"].update(values)
                state.backlinks.setdefault(asset["id"], {}).update(values)
                asset["modified"] = state.tick()  # Bynder dates the edit
                return self._send(202, {"message": "Accepted", "statuscode": 202})
        return self._send(404, {"message": "Not found", "statuscode": 404})

    def _bynder_media_list(self):
        state = self.state
        if self._fault("listing"):
            return None
        state.count("listing")
        query = self.query
        limit = int(query.get("limit", 50))
        page = int(query.get("page", 1))
        if not 1 <= limit <= 1000:
            return self._send(400, {"message": "limit must be 1 to 1000", "statuscode": 400})
        tags = [t for t in query.get("tags", "").split(",") if t]
        assets = [a for a in state.assets.values() if all(t in a["tags"] for t in tags)]
        if query.get("dateModified"):
            since = datetime.datetime.strptime(query["dateModified"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.timezone.utc
            )
            assets = [a for a in assets if _date(a["modified"]) > since]
        order = query.get("orderBy", "dateCreated desc")
        reverse = order.endswith("desc")
        assets.sort(key=lambda a: (a["modified"], a["id"]), reverse=reverse)
        chunk = assets[(page - 1) * limit : page * limit]
        return self._send(200, [self._bynder_media(a) for a in chunk])

    def _bynder_media(self, asset):
        modified = _date(asset["modified"]).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "id": asset["id"],
            "name": asset["name"],
            "type": "image",
            "extension": [asset["ext"]],
            "fileSize": len(asset["content"]),
            "width": 100,
            "height": 100,
            "dateCreated": modified,
            "dateModified": modified,
            "tags": asset["tags"],
            "idHash": asset["id"][:16],
            "archive": 0,
            "thumbnails": {
                "mini": "%s/_thumbs/%s/mini.png" % (self.base_url, asset["id"]),
                "thul": "%s/_thumbs/%s/thul.png" % (self.base_url, asset["id"]),
            },
            **{"property_%s" % k: v for k, v in asset["metadata"].items()},
        }

    # === Webdam === #

    def _webdam(self, method, path):  # noqa: PLR0911, PLR0912 - a router
        state = self.state
        if path == "/oauth2/token" and method == "POST":
            return self._webdam_token()
        if path.startswith("/_files/"):
            _prefix, _files, asset_id, key = path.split("/", 3)
            return self._file(asset_id, key)
        if path.startswith("/_thumbs/"):
            return self._thumbnail(path.split("/")[2])
        if not self._authorized():
            state.count("unauthorized")
            return self._send(401, {"error": "invalid_token", "error_description": "expired"})
        if path == "/search" and method == "GET":
            return self._webdam_search()
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[0] == "assets" and parts[2:] == ["metadatas", "xmp"]:
            ids = parts[1].split(",")
            if method == "GET":
                if self._fault("metadata"):
                    return None
                state.count("metadata")
                if len(ids) > 50:
                    return self._send(400, {"message": "at most 50 ids"})
                found = [self._webdam_xmp(state.assets[i]) for i in ids if i in state.assets]
                if len(ids) == 1:
                    return self._send(200, found[0] if found else {"type": "assetxmp"})
                return self._send(200, found)
            if method == "PUT":
                state.count("modify")
                asset = state.assets.get(ids[0])
                if not asset:
                    return self._send(404, {"message": "asset not found"})
                data = json.loads(self._body() or b"{}")
                values = {
                    k: v
                    for k, v in data.items()
                    if k not in ("type", "sendNotificationsOff", "replacekeywords")
                }
                asset["metadata"].update(values)
                state.backlinks.setdefault(asset["id"], {}).update(values)
                asset["modified"] = state.tick()
                return self._send(200, self._webdam_xmp(asset))
        if len(parts) == 3 and parts[0] == "assets" and parts[2] == "download":
            if self._fault("download"):
                return None
            state.count("download")
            asset = state.assets.get(parts[1])
            if not asset:
                return self._send(404, {"message": "asset not found"})
            key = secrets.token_hex(8)
            state.file_keys[asset["id"]] = key
            return self._send(
                302,
                b"",
                "text/plain",
                # Another host name, as S3's: requests drops the Authorization header.
                headers=[
                    (
                        "Location",
                        "%s/_files/%s/%s"
                        % (self.base_url.replace("127.0.0.1", "localhost"), asset["id"], key),
                    )
                ],
            )
        return self._send(404, {"message": "not found"})

    def _webdam_token(self):
        state = self.state
        state.count("token")
        form = {k: v[-1] for k, v in parse_qs(self._body().decode()).items()}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self._send(
                400,
                {
                    "error": "invalid_client",
                    "error_description": "The client credentials are invalid",
                },
            )
        grant = form.get("grant_type")
        if grant == "password":
            if form.get("username") != WEBDAM_USER or form.get("password") != WEBDAM_PASSWORD:
                return self._send(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "Invalid username and password combination",
                    },
                )
            refresh = secrets.token_hex(16)
            state.refresh_tokens.add(refresh)
        elif grant == "refresh_token":
            refresh = form.get("refresh_token")
            if refresh not in state.refresh_tokens:
                return self._send(
                    400, {"error": "invalid_grant", "error_description": "Invalid refresh token"}
                )
        else:
            return self._send(400, {"error": "unsupported_grant_type"})
        token = secrets.token_hex(16)
        state.tokens[token] = time.time() + 3600
        answer = {"access_token": token, "expires_in": 3600, "token_type": "bearer"}
        if grant == "password":
            answer["refresh_token"] = refresh  # a refresh answers no new refresh token
        return self._send(200, answer)

    def _webdam_search(self):
        state = self.state
        if self._fault("listing"):
            return None
        state.count("listing")
        query = self.query
        limit = int(query.get("limit", 50))
        offset = int(query.get("offset", 0))
        if not 1 <= limit <= 100:
            return self._send(400, {"message": "limit must be 1 to 100"})
        words = query.get("query", "").lower()
        assets = [
            a
            for a in state.assets.values()
            # Like a keyword search that also matches file names.
            if not words
            or words in (t.lower() for t in a["tags"])
            or words in ("%s.%s" % (a["name"], a["ext"])).lower()
        ]
        key = {"datemodified": "modified", "filename": "name"}.get(
            query.get("sortby", "datecreated"), "modified"
        )
        assets.sort(key=lambda a: (a[key], a["id"]), reverse=query.get("sortdir") == "desc")
        chunk = assets[offset : offset + limit]
        return self._send(
            200,
            {
                "total_count": str(len(assets)),
                "offset": offset,
                "limit": str(limit),
                "items": [self._webdam_asset(a) for a in chunk],
            },
        )

    def _webdam_asset(self, asset):
        modified = _date(asset["modified"])
        return {
            "type": "asset",
            "id": asset["id"],
            "status": "active",
            "filename": "%s.%s" % (asset["name"], asset["ext"]),
            "name": asset["name"],
            "filesize": "%.2f" % (len(asset["content"]) / 1048576),
            "width": "100",
            "height": "100",
            "filetype": asset["ext"],
            "version": str(asset["version"]),
            "datecreated": modified.strftime("%Y-%m-%d %H:%M:%S"),
            "datemodified": modified.strftime("%Y-%m-%d %H:%M:%S"),
            "date_modified_unix": str(int(modified.timestamp())),
            "thumbnailurls": [
                {"size": "100", "url": "%s/_thumbs/%s/100.png" % (self.base_url, asset["id"])},
                {"size": "220", "url": "%s/_thumbs/%s/220.png" % (self.base_url, asset["id"])},
            ],
        }

    def _webdam_xmp(self, asset):
        return {
            "type": "assetxmp",
            "id": asset["id"],
            "keyword": ",".join(asset["tags"]),
            **asset["metadata"],
        }


def serve(kind, host="127.0.0.1", port=0, cert=None, key=None):
    state = State(kind)
    handler = type("DamHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    scheme = "http"
    if cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    handler.base_url = "%s://%s:%s" % (scheme, host, server.server_address[1])
    print("dam-server listening on %s" % handler.base_url, flush=True)
    server.serve_forever()
