"""Start a DAM server in its own process (tests, bench), with a trustme certificate for
Bynder's TLS. Needs tools/ on sys.path."""

import base64
import json
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

from gelato_sandbox.launcher import ServerProcess

READY_LINE = "dam-server listening on "
TOOLS_DIR = Path(__file__).resolve().parents[1]


class DamServer(ServerProcess):
    """``kind`` ``bynder`` (TLS, certificate made with trustme; ``ca_path`` is the CA bundle to
    trust through ``verify``/``REQUESTS_CA_BUNDLE``) or ``webdam`` (plain HTTP)."""

    def __init__(self, kind, start_timeout=30):
        self.kind = kind
        self.tmpdir = tempfile.TemporaryDirectory(prefix="dam-server-")
        command = [sys.executable, "-m", "dam_servers", kind]
        self.ca_path = None
        self._ssl_context = None
        if kind == "bynder":
            import ssl

            import trustme

            ca = trustme.CA()
            cert = ca.issue_cert("127.0.0.1", "localhost")
            cert_path = os.path.join(self.tmpdir.name, "cert.pem")
            key_path = os.path.join(self.tmpdir.name, "key.pem")
            self.ca_path = os.path.join(self.tmpdir.name, "ca.pem")
            cert.cert_chain_pems[0].write_to_path(cert_path)
            for blob in cert.cert_chain_pems[1:]:
                blob.write_to_path(cert_path, append=True)
            cert.private_key_pem.write_to_path(key_path)
            ca.cert_pem.write_to_path(self.ca_path)
            command += ["--cert", cert_path, "--key", key_path]
            self._ssl_context = ssl.create_default_context(cafile=self.ca_path)
        env = dict(os.environ, PYTHONPATH=str(TOOLS_DIR))
        super().__init__(command, "%s test server" % kind, env=env, cwd=str(TOOLS_DIR))
        line = self.wait_for_line(READY_LINE, start_timeout)
        self.url = line[len(READY_LINE) :]
        self.domain = self.url.split("://", 1)[1]

    def stop(self):
        try:
            return super().stop()
        finally:
            self.tmpdir.cleanup()

    def hook(self, path, payload=None):
        """Call a test hook (``/_test/<path>``) and return its JSON answer."""
        request = urllib.request.Request(
            "%s/_test/%s" % (self.url, path),
            data=json.dumps(payload or {}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30, context=self._ssl_context) as response:
            return json.loads(response.read() or b"{}")

    def put_asset(self, asset_id, content, name=None, ext="png", tags=()):
        return self.hook(
            "assets",
            {
                "id": asset_id,
                "name": name or asset_id,
                "ext": ext,
                "tags": list(tags),
                "content": base64.b64encode(content).decode(),
            },
        )

    def counters(self):
        return self.hook("counters")
