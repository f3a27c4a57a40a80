from odoo import models

from ..lib import addresses, const


class ResPartner(models.Model):
    _inherit = "res.partner"

    # === BUSINESS METHODS === #

    def _gelato_prepare_address_payload(self):
        """The contact as Gelato's ``shippingAddress`` / quote ``recipient``.

        Nothing is cut to fit Gelato's limits: :meth:`_gelato_get_address_problems` tells the
        user what to shorten instead, so no part of an address is silently lost.
        """
        self.ensure_one()
        first_name, last_name = addresses.split_name(self.name)
        payload = {
            "firstName": first_name,
            "lastName": last_name,
            "companyName": self.commercial_company_name
            if self.commercial_company_name != self.name
            else "",
            "addressLine1": self.street or "",
            "addressLine2": self.street2 or "",
            "city": self.city or "",
            "postCode": self.zip or "",
            "state": self.state_id.code or "",
            "country": self.country_id.code or "",
            "email": self.email or "",
            "phone": self.phone or self.mobile or "",
        }
        return {key: value.strip() for key, value in payload.items() if value and value.strip()}

    def _gelato_get_address_problems(self):
        """What keeps Gelato from shipping to this contact, one readable line per field.

        :return: a list of strings naming the contact's field and what to fix (empty when the
            address is fine).
        """
        self.ensure_one()
        return [message for _fname, message in self._gelato_get_address_problems_by_field()]

    def _gelato_get_address_problems_by_field(self):
        """:meth:`_gelato_get_address_problems` with the contact field each problem is about,
        for forms that show a message next to the field (the web shop's address form).

        :return: a list of ``(res.partner field name, message)``, without repeated messages.
        """
        self.ensure_one()
        labels = self._gelato_field_labels()
        messages = []
        seen = set()
        for key, problem, details in addresses.check_address(
            self._gelato_prepare_address_payload()
        ):
            fname = const.ADDRESS_ODOO_FIELDS[key]
            label = labels[fname]
            if problem == "required" and key in ("firstName", "lastName"):
                message = self.env._(
                    "%(field)s: Gelato needs a first and a last name (e.g. 'Ada Lovelace').",
                    field=label,
                )
            elif problem == "required":
                message = self.env._("%(field)s: required by Gelato.", field=label)
            elif problem == "too_long" and key in ("firstName", "lastName"):
                message = self.env._(
                    "%(field)s: Gelato accepts at most %(limit)s characters for the %(part)s "
                    "(it has %(length)s).",
                    field=label,
                    limit=details[0],
                    length=details[1],
                    part=self.env._("first name")
                    if key == "firstName"
                    else self.env._("last name"),
                )
            elif problem == "too_long":
                message = self.env._(
                    "%(field)s: Gelato accepts at most %(limit)s characters (it has %(length)s).",
                    field=label,
                    limit=details[0],
                    length=details[1],
                )
            elif problem == "state_required":
                message = self.env._(
                    "%(field)s: required by Gelato for addresses in %(country)s.",
                    field=label,
                    country=self.country_id.name or details,
                )
            else:  # invalid_email
                message = self.env._(
                    "%(field)s: '%(email)s' is not a valid email address.",
                    field=label,
                    email=self.email,
                )
            if message not in seen:
                seen.add(message)
                messages.append((fname, message))
        return messages

    def _gelato_get_address_error(self):
        """The address problems as one message for a UserError, or ``None``."""
        self.ensure_one()
        problems = self._gelato_get_address_problems()
        if not problems:
            return None
        return self.env._(
            "Gelato cannot ship to the delivery address %(contact)s. Fix these fields on the "
            "contact:\n%(problems)s",
            contact=self.display_name,
            problems="\n".join("- %s" % problem for problem in problems),
        )

    def _gelato_field_labels(self):
        fields_info = self.fields_get(list(set(const.ADDRESS_ODOO_FIELDS.values())), ["string"])
        return {name: info["string"] for name, info in fields_info.items()}
