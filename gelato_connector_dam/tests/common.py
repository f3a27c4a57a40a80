"""Fixtures: the Bynder (TLS, trustme certificate) and Webdam (HTTP) test servers of
tools/dam_servers, each in its own process, and DAM sources pointing at them."""

import os
from unittest.mock import patch

from odoo.addons.gelato_connector.tests.common import (  # also puts tools/ on sys.path
    TOOLS_DIR,
    make_jpeg,
    make_png,
    pixels,
)

if not (TOOLS_DIR / "dam_servers" / "__main__.py").is_file():
    raise RuntimeError("The DAM test servers were not found in %s" % TOOLS_DIR)

from dam_servers import server as dam_fake
from dam_servers.launcher import DamServer

TAG = "Salesdemo"
# A poster print area (30x40 cm) covered at 160 dpi: usable, with a low-resolution warning.
POSTER_WIDTH_MM, POSTER_HEIGHT_MM = 300, 400


def poster_png(dpi=160, color=(200, 40, 40)):
    return make_png(pixels(POSTER_WIDTH_MM, dpi), pixels(POSTER_HEIGHT_MM, dpi), color=color)


def small_jpeg(color=(40, 40, 200)):
    return make_jpeg(64, 64, color=color)


class DamServersMixin:
    """Starts both DAM servers once per test class, resets them before each test, and trusts
    the Bynder server's CA through ``REQUESTS_CA_BUNDLE`` (verification stays on)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bynder = DamServer("bynder")
        cls.addClassCleanup(cls.bynder.stop)
        cls.webdam = DamServer("webdam")
        cls.addClassCleanup(cls.webdam.stop)
        environ = patch.dict(os.environ, {"REQUESTS_CA_BUNDLE": cls.bynder.ca_path})
        environ.start()
        cls.addClassCleanup(environ.stop)

    def setUp(self):
        super().setUp()
        self.bynder.hook("reset")
        self.webdam.hook("reset")

    def make_dam(self, kind="bynder", **vals):
        if kind == "bynder":
            defaults = {
                "name": "Bynder test",
                "kind": "bynder",
                "base_url": self.bynder.url,
                "bynder_auth": "permanent_token",
                "bynder_permanent_token": dam_fake.PERMANENT_TOKEN,
            }
        else:
            defaults = {
                "name": "Webdam test",
                "kind": "webdam",
                "base_url": self.webdam.url,
                "client_id": dam_fake.CLIENT_ID,
                "client_secret": dam_fake.CLIENT_SECRET,
                "webdam_username": dam_fake.WEBDAM_USER,
                "webdam_password": dam_fake.WEBDAM_PASSWORD,
            }
        return self.env["gelato.dam"].create({**defaults, "tag": TAG, **vals})

    def server(self, dam):
        return self.bynder if dam.kind == "bynder" else self.webdam

    def assets(self, dam):
        return self.env["gelato.dam.asset"].search([("dam_id", "=", dam.id)])

    def asset(self, dam, external_id):
        return self.env["gelato.dam.asset"].search(
            [("dam_id", "=", dam.id), ("external_id", "=", external_id)]
        )
