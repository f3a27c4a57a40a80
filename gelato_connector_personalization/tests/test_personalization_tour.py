"""The customer in Chromium: the link's page, an upload, a text, the preview, completion."""

import base64

from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import GelatoHttpCase, GelatoSendMixin

from .common import GelatoPersonalizationMixin, read_image


class PersonalizationTourMixin(GelatoSendMixin, GelatoPersonalizationMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_personalization(cls.env)
        cls.company.gelato_approval_mode = "automatic"

    def _run_tour_and_send(self):
        self.company.gelato_public_base_url = self.base_url()
        order = self._gelato_quotation(self.card, carrier=self.standard)
        order.action_confirm()
        personalization = order.gelato_personalization_ids
        path = personalization.access_url.replace(personalization.get_base_url(), "")
        self.start_tour(path, "gelato_personalization_tour")
        self.assertEqual(personalization.state, "done")
        self.assertEqual(personalization.texts[str(self.greeting_box.id)], "Happy birthday Ada")
        self.assertEqual(len(personalization.upload_ids), 1)
        self.assertEqual(order.gelato_state, "queued")
        self.run_send_job()
        self.assertEqual(order.gelato_state, "sent")
        files = personalization.sale_line_id.gelato_line_file_ids
        downloads = self.sandbox.admin("downloads")["downloads"]
        self.assertEqual(
            sorted((d["status"], d["bytes"]) for d in downloads),
            sorted((200, len(base64.b64decode(f.datas))) for f in files),
        )
        front = read_image(
            base64.b64decode(files.filtered(lambda f: f.print_area == "default").datas)
        )
        self.assertEqual(front.size, (2102, 1500))
        red, green, _blue = front.convert("RGB").getpixel((60, 60))
        self.assertTrue(green > 120 and red < 80, "the uploaded photo is printed")


@tagged("post_install", "-at_install")
class TestPersonalizationTour(PersonalizationTourMixin, GelatoHttpCase):
    def test_the_customer_personalises_on_a_desktop(self):
        self._run_tour_and_send()


@tagged("post_install", "-at_install")
class TestPersonalizationTourPhone(PersonalizationTourMixin, GelatoHttpCase):
    browser_size = "390x844"
    touch_enabled = True

    def test_the_customer_personalises_on_a_phone(self):
        self._run_tour_and_send()
