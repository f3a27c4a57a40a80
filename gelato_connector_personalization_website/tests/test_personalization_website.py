from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestPersonalizationWebsite(HttpCase):
    def test_the_product_page_says_a_personalisation_link_follows(self):
        card = self.env.ref(
            "gelato_connector_personalization.product_template_gelato_greeting_card"
        )
        self.assertTrue(card.is_published)
        card.gelato_personalization_notice = "You will get a link to write your message."
        response = self.url_open(card.website_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_gelato_personalization_notice", response.text)
        self.assertIn("You will get a link to write your message.", response.text)
        card.gelato_personalizable = False
        self.assertNotIn("o_gelato_personalization_notice", self.url_open(card.website_url).text)
