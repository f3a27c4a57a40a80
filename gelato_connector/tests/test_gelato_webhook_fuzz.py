import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import HttpCase, tagged

from odoo.addons.gelato_connector.lib import const

from .common import gelato_shapes

SECRET = "fuzz-webhook-secret-0123"
# `make test` runs this fuzz at this default; `make bench` (bench/bench_bad_input.py) posts
# 10,000 examples to a real Odoo server.
EXAMPLES = int(os.environ.get("GELATO_FUZZ_EXAMPLES", "600"))

# Shapes of Gelato's events (tools/gelato_sandbox/shapes.py, shared with the bench), to mutate.
BASE_EVENTS = gelato_shapes.example_events()

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


@st.composite
def mutated_events(draw):
    """A Gelato event with some of its values replaced by arbitrary JSON (or keys removed)."""
    event = json.loads(json.dumps(draw(st.sampled_from(BASE_EVENTS))))
    event["id"] = draw(st.text(min_size=1, max_size=30) | st.sampled_from(["os_dup", "{{Id}}"]))
    for key in draw(st.lists(st.sampled_from(sorted(event)), max_size=4, unique=True)):
        if draw(st.booleans()):
            event[key] = draw(json_values)
        else:
            del event[key]
    return event


bodies = (
    mutated_events().map(json.dumps)
    | json_values.map(json.dumps)
    | st.binary(max_size=200).map(lambda raw: raw.decode("latin-1"))
)
secrets = st.sampled_from([None, "", "wrong", SECRET[:-1], SECRET + " ", SECRET])
header_names = st.sampled_from(["signature", "Signature", "x-other"])


@tagged("post_install", "-at_install")
class TestGelatoWebhookFuzz(HttpCase):
    """Thousands of random and mutated payloads: never a 500, never a write without the secret."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.company"].sudo().search([]).write({"gelato_webhook_secret": False})
        cls.env.company.sudo().write({"gelato_webhook_secret": SECRET})

    def test_known_statuses_are_gelatos(self):
        """The connector knows every fulfilment status Gelato gives, and only those."""
        self.assertEqual(
            tuple(status for status, _label in const.FULFILLMENT_STATUSES),
            gelato_shapes.FULFILLMENT_STATUSES,
        )

    def _snapshot(self):
        self.env.cr.execute(
            """SELECT (SELECT count(*) FROM gelato_webhook_event),
                      (SELECT max(write_date) FROM sale_order),
                      (SELECT max(write_date) FROM sale_order_line),
                      (SELECT count(*) FROM mail_message)"""
        )
        return self.env.cr.fetchone()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(body=bodies, secret=secrets, header=header_names)
    def test_fuzz(self, body, secret, header):
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[header] = secret
        before = self._snapshot()
        response = self.opener.post(
            self.base_url() + const.WEBHOOK_ROUTE,
            data=body.encode("utf-8", "surrogatepass"),
            headers=headers,
            timeout=30,
        )
        self.assertIn(response.status_code, (200, 400, 403), response.text)
        authenticated = secret == SECRET and header.lower() == "signature"
        if not authenticated:
            self.assertEqual(response.status_code, 403)
            self.assertEqual(self._snapshot(), before, "a write without a valid secret")
