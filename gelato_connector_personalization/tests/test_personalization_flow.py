"""The order flow: an order waits for its personalisations, links are mailed after the delay,
expire and are re-issued, and a completed personalisation becomes the line's print file."""

import base64
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.gelato_connector.tests.common import GelatoTransactionCase

from ..models.gelato_personalization import hash_token
from .common import GelatoPersonalizationMixin, read_image


@tagged("post_install", "-at_install")
class TestPersonalizationFlow(GelatoPersonalizationMixin, GelatoTransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._gelato_setup_personalization(cls.env)
        cls.company.gelato_approval_mode = "automatic"
        cls.cron = cls.env.ref("gelato_connector_personalization.ir_cron_gelato_personalization")
        cls.Personalization = cls.env["gelato.personalization"]

    def _confirmed(self, products=None):
        order = self._gelato_quotation(products or self.card, carrier=self.standard)
        order.action_confirm()
        return order

    def _complete(self, personalization, texts=None):
        return personalization._gelato_complete(texts or {str(self.greeting_box.id): "Hi Ada"})

    def _link_mails(self, order):
        return order.message_ids.filtered(lambda m: "/gelato/personalize/" in (m.body or ""))

    # === The state machine === #

    def test_an_order_waits_for_its_personalisation_then_is_queued(self):
        order = self._confirmed()
        self.assertEqual(order.gelato_state, "pending_personalization")
        personalization = order.gelato_personalization_ids
        self.assertEqual(len(personalization), 1)
        self.assertEqual(
            personalization.sale_line_id, order.order_line.filtered("gelato_personalization_ids")
        )
        self.assertEqual(personalization.state, "pending")
        self.assertIn("/gelato/personalize/", personalization.access_url)
        self.assertEqual(personalization.link_count, 1)
        self.assertIn("Waiting for the customer to personalize", order.message_ids[0].body)
        # Nothing of the order can be sent meanwhile.
        self.assertTrue(personalization.sale_line_id._gelato_personalization_missing())

        result = self._complete(personalization, {str(self.greeting_box.id): "Happy birthday Ada"})
        self.assertEqual(result, {"done": True})
        self.assertEqual(personalization.state, "done")
        self.assertTrue(personalization.completed_date)
        self.assertFalse(personalization.access_url, "a completed line has no open link")
        self.assertEqual(order.gelato_state, "queued")
        files = personalization.sale_line_id.gelato_line_file_ids
        self.assertEqual(sorted(files.mapped("print_area")), ["back", "default"])
        for file in files:
            self.assertEqual(file.source, "personalization")
            self.assertEqual(file.source_ref, str(personalization.id))
            self.assertEqual(file.check_state, "ok", file.check_message)
            self.assertEqual(file.dpi, 300)
            image = read_image(base64.b64decode(file.datas))
            self.assertEqual(image.size, (2102, 1500))
        self.assertIn(
            "was personalised by the customer", " ".join(order.message_ids.mapped("body"))
        )

    def test_the_order_line_says_a_link_follows(self):
        order = self._gelato_quotation(self.card)
        line = order.order_line.filtered(lambda line: line.product_id == self.card)
        self.assertIn("you will receive an email with a link to personalise", line.name)
        self.card_tmpl.gelato_personalization_notice = "A link to personalise follows by mail."
        order = self._gelato_quotation(self.card | self.poster)
        self.assertIn("A link to personalise follows by mail.", order.order_line[0].name)
        self.assertNotIn("personalise", order.order_line[1].name)

    def test_an_area_without_customer_image_prints_the_default_design(self):
        order = self._confirmed()
        personalization = order.gelato_personalization_ids
        self._complete(personalization)
        back = personalization.sale_line_id.gelato_line_file_ids.filtered(
            lambda f: f.print_area == "back"
        )
        image = read_image(base64.b64decode(back.datas)).convert("RGB")
        # create_gelato_product's print files are plain (200, 40, 40) PNGs.
        for point in ((10, 10), (1050, 750), (2090, 1490)):
            self.assertEqual(image.getpixel(point), (200, 40, 40), point)

    def test_a_customer_without_email_gets_no_mail_the_salesperson_an_activity(self):
        # Gelato needs an e-mail on the delivery address, not on the customer.
        company = self.env["res.partner"].create(
            {"name": "Acme (no e-mail)", "is_company": True, "country_id": self.sweden.id}
        )
        self.customer.write({"parent_id": company.id, "type": "delivery"})
        start = fields.Datetime.now()
        with freeze_time(start):
            order = self._gelato_quotation(self.card, partner=company, carrier=self.standard)
            self.assertEqual(order.partner_shipping_id, self.customer)
            order.action_confirm()
        with freeze_time(start + timedelta(minutes=16)):
            self.Personalization._cron_gelato_personalization()
        self.assertFalse(self._link_mails(order))
        activity = order.activity_ids.filtered(
            lambda a: a.summary == "Gelato: personalisation link not mailed"
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("has no e-mail address", activity.note)

    def test_manual_approval_comes_after_the_personalisation(self):
        self.company.gelato_approval_mode = "manual"
        order = self._confirmed()
        self._complete(order.gelato_personalization_ids)
        self.assertEqual(order.gelato_state, "pending_approval")

    def test_a_mixed_order_waits_as_a_whole_for_each_line(self):
        order = self._gelato_quotation([self.card, self.card, self.poster], carrier=self.standard)
        order.action_confirm()
        personalizations = order.gelato_personalization_ids
        self.assertEqual(
            len(personalizations), 2, "one per personalisable line, none for the poster"
        )
        self.assertEqual(order.gelato_state, "pending_personalization")
        self._complete(personalizations[0])
        self.assertEqual(order.gelato_state, "pending_personalization", "the other card waits")
        self._complete(personalizations[1])
        self.assertEqual(order.gelato_state, "queued")
        self.assertEqual(set(personalizations.mapped("state")), {"done"})

    def test_approval_without_personalisation_prints_the_default_design(self):
        self.company.gelato_approval_mode = "manual"
        order = self._confirmed()
        personalization = order.gelato_personalization_ids
        token = personalization.access_token
        order.action_gelato_approve_without_personalization()
        self.assertEqual(order.gelato_state, "queued", "one approval, not two")
        self.assertEqual(personalization.state, "cancelled")
        self.assertEqual(self.Personalization._gelato_find_by_token(token)[1], "cancelled")
        files = personalization.sale_line_id.gelato_line_file_ids
        self.assertEqual(sorted(files.mapped("print_area")), ["back", "default"])
        self.assertEqual(set(files.mapped("source")), {"manual"})
        product_front = self.card_tmpl.gelato_print_file_ids.filtered(
            lambda f: f.placement_id == self.front
        )
        front = files.filtered(lambda f: f.print_area == "default")
        self.assertEqual(front.datas, product_front.datas)

    def test_cancelling_the_order_kills_its_links(self):
        order = self._confirmed()
        personalization = order.gelato_personalization_ids
        token = personalization.access_token
        order._action_cancel()
        self.assertEqual(personalization.state, "cancelled")
        self.assertFalse(personalization.access_url)
        self.assertEqual(self.Personalization._gelato_find_by_token(token)[1], "cancelled")
        with freeze_time(fields.Datetime.now() + timedelta(minutes=20)):
            self.Personalization._cron_gelato_personalization()
        self.assertFalse(self._link_mails(order), "no link mailed for a cancelled order")

    def test_an_order_confirmed_again_after_a_cancel_gets_a_new_link(self):
        order = self._confirmed()
        personalization = order.gelato_personalization_ids
        old_token = personalization.access_token
        order._action_cancel()
        order.action_draft()
        order.action_confirm()
        self.assertEqual(order.gelato_state, "pending_personalization")
        self.assertEqual(order.gelato_personalization_ids, personalization)
        self.assertEqual(personalization.state, "pending")
        self.assertEqual(personalization.link_count, 2)
        self.assertFalse(personalization.mail_sent_date)
        self.assertEqual(self.Personalization._gelato_find_by_token(old_token)[1], "expired")
        token = personalization.access_token
        self.assertEqual(self.Personalization._gelato_find_by_token(token)[1], "open")

    def test_bad_texts_are_refused_and_nothing_changes(self):
        order = self._confirmed()
        personalization = order.gelato_personalization_ids
        result = self._complete(personalization, {str(self.greeting_box.id): "x" * 61})
        self.assertIn(
            "at most 60 characters (61 typed)", result["errors"][str(self.greeting_box.id)]
        )
        result = self._complete(personalization, {str(self.greeting_box.id): "Für 日本"})
        self.assertIn("cannot print 日 本", result["errors"][str(self.greeting_box.id)])
        self.assertEqual(personalization.state, "pending")
        self.assertFalse(personalization.sale_line_id.gelato_line_file_ids)
        self.assertEqual(order.gelato_state, "pending_personalization")

    def test_a_second_completion_changes_nothing(self):
        order = self._confirmed()
        personalization = order.gelato_personalization_ids
        self._complete(personalization)
        files = personalization.sale_line_id.gelato_line_file_ids
        messages = len(order.message_ids)
        self.assertEqual(self._complete(personalization), {"done": True, "already": True})
        self.assertEqual(personalization.sale_line_id.gelato_line_file_ids, files)
        self.assertEqual(len(order.message_ids), messages, "one state change, one note")

    # === Links: the mail after the delay, expiry, re-issue === #

    def test_the_link_is_mailed_15_minutes_after_the_order_by_a_cron_trigger(self):
        start = fields.Datetime.now()
        with freeze_time(start):
            order = self._confirmed()
        personalization = order.gelato_personalization_ids
        self.assertEqual(personalization.mail_due_date, start + timedelta(minutes=15))
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
        self.assertIn(start + timedelta(minutes=15), triggers.mapped("call_at"))
        with freeze_time(start + timedelta(minutes=14)):
            self.Personalization._cron_gelato_personalization()
        self.assertFalse(self._link_mails(order), "not before 15 minutes")
        with freeze_time(start + timedelta(minutes=15, seconds=1)):
            self.Personalization._cron_gelato_personalization()
        mail = self._link_mails(order)
        self.assertEqual(len(mail), 1)
        self.assertIn(personalization.access_url, mail.body)
        self.assertEqual(mail.partner_ids, order.partner_id)
        self.assertTrue(personalization.mail_sent_date)
        with freeze_time(start + timedelta(minutes=30)):
            self.Personalization._cron_gelato_personalization()
        self.assertEqual(len(self._link_mails(order)), 1, "mailed once")
        self.assertEqual(personalization.expiry_date, start + timedelta(minutes=15, days=7))

    def test_the_delay_and_the_recipient_are_settings(self):
        self.company.write(
            {"gelato_personalization_delay": 60, "gelato_personalization_recipient": "salesperson"}
        )
        start = fields.Datetime.now()
        with freeze_time(start):
            order = self._confirmed()
        with freeze_time(start + timedelta(minutes=59)):
            self.Personalization._cron_gelato_personalization()
        self.assertFalse(self._link_mails(order))
        with freeze_time(start + timedelta(minutes=61)):
            self.Personalization._cron_gelato_personalization()
        mail = self._link_mails(order)
        self.assertEqual(mail.partner_ids, order.user_id.partner_id)
        self.assertEqual(mail.subtype_id, self.env.ref("mail.mt_note"), "not to the customer")
        self.assertIn("Please forward this message", mail.body)

    def test_an_expired_link_is_replaced_and_the_new_one_mailed(self):
        start = fields.Datetime.now()
        with freeze_time(start):
            order = self._confirmed()
        personalization = order.gelato_personalization_ids
        old_token = personalization.access_token
        with freeze_time(start + timedelta(minutes=16)):
            self.Personalization._cron_gelato_personalization()
        expiry = personalization.expiry_date
        with freeze_time(expiry - timedelta(seconds=1)):
            self.assertEqual(self.Personalization._gelato_find_by_token(old_token)[1], "open")
        with freeze_time(expiry + timedelta(seconds=1)):
            self.assertEqual(self.Personalization._gelato_find_by_token(old_token)[1], "expired")
            self.Personalization._cron_gelato_personalization()
            self.assertEqual(personalization.link_count, 2)
            self.assertNotEqual(personalization.access_token, old_token)
            self.assertEqual(
                self.Personalization._gelato_find_by_token(personalization.access_token)[1], "open"
            )
            self.assertEqual(self.Personalization._gelato_find_by_token(old_token)[1], "expired")
        self.assertEqual(personalization.expiry_date, expiry + timedelta(seconds=1, days=7))
        mails = self._link_mails(order)
        self.assertEqual(len(mails), 2)
        self.assertIn("a new link", mails[0].subject or mails[0].record_name or mails[0].body)
        self.assertIn(personalization.access_url, mails[0].body)
        self.assertEqual(order.gelato_state, "pending_personalization")

    def test_links_resent_and_reissued_from_the_order(self):
        order = self._confirmed()
        personalization = order.gelato_personalization_ids
        token = personalization.access_token
        personalization.action_gelato_resend_link()
        self.assertEqual(personalization.access_token, token, "re-sent: the same link")
        self.assertEqual(len(self._link_mails(order)), 1)
        personalization.action_gelato_reissue_link()
        self.assertNotEqual(personalization.access_token, token)
        self.assertEqual(personalization.link_count, 2)
        self.assertEqual(self.Personalization._gelato_find_by_token(token)[1], "expired")
        self.assertEqual(len(self._link_mails(order)), 2)
        self.assertEqual(order.action_gelato_view_personalizations()["res_id"], personalization.id)

    def test_tokens_are_long_random_stored_hashed_and_never_reused(self):
        order = self._gelato_quotation([self.card, self.card], carrier=self.standard)
        order.action_confirm()
        first, second = order.gelato_personalization_ids
        first.action_gelato_reissue_link()
        tokens = {first.access_token, second.access_token}
        links = (first | second).link_ids
        self.assertEqual(len(links), 3)
        self.assertEqual(len(set(links.mapped("token_hash"))), 3)
        for token in tokens:
            self.assertGreaterEqual(len(token), 43, "32 random bytes (256 bits), base64")
            self.assertNotIn(token, links.mapped("token_hash"), "the link table keeps hashes only")
            self.assertIn(hash_token(token), links.mapped("token_hash"))
        altered = first.access_token[:-1] + ("A" if first.access_token[-1] != "A" else "B")
        self.assertEqual(
            self.Personalization._gelato_find_by_token(altered), (self.Personalization, None)
        )
        self.assertEqual(
            self.Personalization._gelato_find_by_token(""), (self.Personalization, None)
        )

    # === Companies === #

    def test_a_second_company_uses_its_own_settings(self):
        main = self.company
        other = self.env["res.company"].create(
            {
                "name": "Second Gelato shop",
                "street": main.street,
                "city": main.city,
                "zip": main.zip,
                "country_id": main.country_id.id,
                "state_id": main.state_id.id,
                "email": main.email or "shop@example.com",
                "phone": main.phone or "+46 8 000 000",
                "gelato_approval_mode": "manual",
                "gelato_shipping_policy": "warn",  # ordered without shipping, as the others
                "gelato_personalization_delay": 30,
                "gelato_personalization_validity": 3,
            }
        )
        self.env.user.company_ids |= other
        start = fields.Datetime.now()
        with freeze_time(start):
            order = (
                self.env["sale.order"]
                .with_company(other)
                .create(
                    {
                        "partner_id": self.customer.id,
                        "company_id": other.id,
                        "order_line": [(0, 0, {"product_id": self.card.id})],
                    }
                )
            )
            order.action_confirm()
        personalization = order.gelato_personalization_ids
        self.assertEqual(personalization.company_id, other)
        self.assertEqual(personalization.mail_due_date, start + timedelta(minutes=30))
        self.assertEqual(personalization.expiry_date, start + timedelta(minutes=30, days=3))
        # Only users of that company see it; its link opens whoever follows it.
        seller = self.env["res.users"].create(
            {
                "name": "Main shop seller",
                "login": "main-seller",
                "company_id": main.id,
                "company_ids": [(6, 0, main.ids)],
                "groups_id": [(6, 0, [self.env.ref("sales_team.group_sale_manager").id])],
            }
        )
        self.assertFalse(
            self.Personalization.with_user(seller).search([("id", "=", personalization.id)])
        )
        mine = self._confirmed().gelato_personalization_ids
        self.assertEqual(
            self.Personalization.with_user(seller).search(
                [("id", "in", (mine | personalization).ids)]
            ),
            mine,
        )
        self.assertEqual(
            self.Personalization._gelato_find_by_token(personalization.access_token)[1], "open"
        )
        personalization._gelato_complete({})
        self.assertEqual(order.gelato_state, "pending_approval", "that company approves by hand")

    def test_a_second_companys_personalisations_stay_in_it(self):
        order = self._confirmed()
        personalization = order.gelato_personalization_ids
        other = self.env["res.company"].create({"name": "Other Gelato shop"})
        user = self.env["res.users"].create(
            {
                "name": "Other seller",
                "login": "other-seller",
                "company_id": other.id,
                "company_ids": [(6, 0, other.ids)],
                "groups_id": [(6, 0, [self.env.ref("sales_team.group_sale_manager").id])],
            }
        )
        Personalization = self.Personalization.with_user(user)
        self.assertFalse(Personalization.search([("id", "=", personalization.id)]))
        with self.assertRaises(AccessError):
            personalization.with_user(user).read(["state"])
        self.assertEqual(personalization.company_id, self.company)
