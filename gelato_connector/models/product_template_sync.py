"""Synchronising a product with its Gelato template: attributes, variants and their product
UIDs, print areas, name, description and image (``action_gelato_sync_template`` starts it).

The product's Gelato fields, its orderability and the button are in ``product_template.py``.
"""

import base64
import logging
import urllib.parse
from collections import Counter

import requests

from odoo import models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.osv import expression
from odoo.tools import float_compare
from odoo.tools.sql import escape_psql

from ..exceptions import GelatoApiError
from ..lib import const, templates
from ..lib.templates import GelatoTemplateError

_logger = logging.getLogger(__name__)


class ProductTemplate(models.Model):
    _inherit = "product.template"

    # === BUSINESS METHODS: synchronisation === #

    def _gelato_sync_template(self):
        """Fetch the Gelato template and apply it (all or nothing).

        :return: the changes made (see :meth:`_gelato_apply_template`).
        :raise UserError: when Gelato cannot be reached, refuses, or sends a template that
            cannot be mapped; nothing is changed then.
        """
        self.ensure_one()
        ref = (self.gelato_template_ref or "").strip()
        if not ref:
            raise UserError(
                self.env._(
                    "Enter the Gelato template ID first (in Gelato: Templates, ⋮ menu on the "
                    "product, Copy Template ID)."
                )
            )
        company = self.company_id or self.env.company
        try:
            data = company._gelato_make_request(
                "ecommerce", "templates/%s" % urllib.parse.quote(ref, safe=""), method="GET"
            )
        except GelatoApiError as error:
            if error.status_code == 404:
                raise UserError(
                    self.env._(
                        "Gelato has no template with the ID %(ref)s. Copy the ID again from "
                        "Gelato (Templates, ⋮ menu on the product, Copy Template ID).",
                        ref=ref,
                    )
                ) from error
            raise
        return self._gelato_apply_template_data(data)

    def _gelato_apply_template_data(self, data):
        """Apply a template as Gelato's ``GET /v1/templates/{id}`` returns it (no network).

        Used by the synchronisation and by demo data. All or nothing: on error the savepoint
        is rolled back and :class:`UserError` is raised.

        :return: the changes made (see :meth:`_gelato_apply_template`).
        """
        self.ensure_one()
        ref = (self.gelato_template_ref or "").strip() or (data or {}).get("id", "")
        try:
            template = templates.parse_template(data, ref)
        except GelatoTemplateError as error:
            raise UserError(self._gelato_template_error_message(error)) from error
        with self.env.cr.savepoint():
            return self._gelato_apply_template(template)

    def _gelato_apply_template(self, template):
        """Make the product match a parsed template (``templates.parse_template``).

        Writes only what differs, so a synchronisation with nothing new writes nothing.

        :return: ``{"changes": Counter of what changed, "notes": [texts]}``; no changes
            means nothing was written.
        """
        self.ensure_one()
        summary = Counter()
        notes = []
        if len(template["variants"]) == 1:
            attributes, values = {}, {}
        else:
            attributes, values = self._gelato_get_or_create_attributes(template, summary)
        self._gelato_sync_attribute_lines(template, attributes, values, summary)
        resized = self._gelato_sync_variants(template, values, summary)
        self._gelato_sync_placements(template, summary, notes, resized)
        self._gelato_sync_product_info(template, summary, notes)
        self._gelato_after_sync(summary, notes)
        result = {"changes": summary, "notes": notes}
        if summary:
            self.message_post(
                body=self.env._(
                    "Synchronized with Gelato template %(ref)s: %(changes)s",
                    ref=template["id"],
                    changes=self._gelato_describe_sync(result),
                )
            )
        return result

    def _gelato_get_or_create_attributes(self, template, summary):
        """Find (by name, case-insensitive) or create the attributes and values of a template.

        Only attributes creating variants always (``create_variant='always'``) are reused.

        :return: ``({key: product.attribute}, {(key, value key): product.attribute.value})``
            where keys are casefolded names.
        """
        Attribute = self.env["product.attribute"].with_context(active_test=False)
        Value = self.env["product.attribute.value"].with_context(active_test=False)
        keys = template["attribute_keys"]
        names = dict(zip(keys, (name for name, _values in template["attributes"]), strict=True))
        domain = expression.AND(
            [
                [("create_variant", "=", "always")],
                expression.OR([[("name", "=ilike", escape_psql(n))] for n in names.values()]),
            ]
        )
        attributes = {}
        for attribute in Attribute.search(domain, order="active desc, sequence, id"):
            attributes.setdefault(attribute.name.casefold(), attribute)
        missing = [key for key in keys if key not in attributes]
        if missing:
            created = Attribute.create(
                [{"name": names[key], "create_variant": "always"} for key in missing]
            )
            attributes.update(zip(missing, created, strict=True))
            summary["attributes_created"] += len(created)
        attributes = {key: attributes[key] for key in keys}
        archived = Attribute.browse(a.id for a in attributes.values() if not a.active)
        if archived:
            archived.action_unarchive()

        values = {}
        existing = Value.search(
            [("attribute_id", "in", [a.id for a in attributes.values()])],
            order="active desc, sequence, id",
        )
        by_name = {}
        for value in existing:
            by_name.setdefault((value.attribute_id.id, value.name.casefold()), value)
        to_create = []
        for key, (_name, value_names) in zip(keys, template["attributes"], strict=True):
            attribute = attributes[key]
            sequence = max([v.sequence for v in existing if v.attribute_id == attribute], default=0)
            for value_name in value_names:
                found = by_name.get((attribute.id, value_name.casefold()))
                if found:
                    values[(key, value_name.casefold())] = found
                else:
                    sequence += 1
                    to_create.append(
                        (key, value_name, {"attribute_id": attribute.id, "name": value_name})
                    )
                    to_create[-1][2]["sequence"] = sequence
        if to_create:
            created = Value.create([vals for _key, _name, vals in to_create])
            for (key, value_name, _vals), value in zip(to_create, created, strict=True):
                values[(key, value_name.casefold())] = value
            summary["values_created"] += len(created)
        archived = Value.browse(v.id for v in values.values() if not v.active)
        if archived:
            archived.write({"active": True})
        return attributes, values

    def _gelato_sync_attribute_lines(self, template, attributes, values, summary):
        """One attribute line per Gelato option with exactly Gelato's values.

        Lines of other attributes that create variants are removed (Gelato decides the
        variants); lines of attributes that never create variants are kept.
        """
        wanted = {}
        if len(template["variants"]) > 1:  # a one-variant template needs no attribute
            for key, (_name, value_names) in zip(
                template["attribute_keys"], template["attributes"], strict=True
            ):
                wanted[attributes[key]] = self.env["product.attribute.value"].concat(
                    *(values[(key, name.casefold())] for name in value_names)
                )
        commands = []
        lines = self.attribute_line_ids
        for attribute, attribute_values in wanted.items():
            line = lines.filtered(lambda ptal, a=attribute: ptal.attribute_id == a)[:1]
            if not line:
                commands.append(
                    Command.create(
                        {
                            "attribute_id": attribute.id,
                            "value_ids": [Command.set(attribute_values.ids)],
                        }
                    )
                )
            elif line.value_ids != attribute_values:
                summary["values_added"] += len(attribute_values - line.value_ids)
                summary["values_removed"] += len(line.value_ids - attribute_values)
                commands.append(
                    Command.update(line.id, {"value_ids": [Command.set(attribute_values.ids)]})
                )
        for line in lines:
            if line.attribute_id not in wanted and line.attribute_id.create_variant != "no_variant":
                commands.append(Command.delete(line.id))
                summary["lines_removed"] += 1
        if wanted:
            self._gelato_enable_variants(summary)
        if commands:
            # A new product's first variant (no Gelato UID yet) is replaced silently.
            before = self.with_context(active_test=False).product_variant_ids.filtered(
                "gelato_product_uid"
            )
            self.write({"attribute_line_ids": commands})
            after = self.with_context(active_test=False).product_variant_ids
            summary["variants_created"] += len(after - before)
            summary["variants_removed"] += len(before - after)
            summary["variants_archived"] += len((before & after).filtered(lambda p: not p.active))

    def _gelato_enable_variants(self, summary):
        """Turn on the Variants setting, without which the variants synchronised are hidden."""
        variant_group = self.env.ref("product.group_product_variant", raise_if_not_found=False)
        user_group = self.env.ref("base.group_user", raise_if_not_found=False)
        if variant_group and user_group and variant_group not in user_group.implied_ids:
            # sudo: a product manager synchronising needs the setting, not settings rights.
            user_group.sudo()._apply_group(variant_group)
            summary["variants_setting_enabled"] += 1

    def _gelato_sync_variants(self, template, values, summary):
        """Set each variant's Gelato UID and print areas; remove variants Gelato lacks.

        :return: the variants whose print area sizes changed (their own files are checked
            again).
        """
        variants = self.with_context(active_test=False).product_variant_ids.sorted(
            lambda p: (not p.active, p.id)
        )
        mapping = self._gelato_map_variants(template, values, variants)
        mapped = self.env["product.product"].concat(*(v for v, _data in mapping.values()))
        resized = self.env["product.product"]
        for variant, variant_data in mapping.values():
            placements = {
                file_type: {
                    "name": placement["name"],
                    "width": placement["width"],
                    "height": placement["height"],
                }
                for file_type, placement in variant_data["placements"].items()
            }
            vals = {}
            if variant.gelato_product_uid != variant_data["uid"]:
                vals["gelato_product_uid"] = variant_data["uid"]
                summary["uids_set"] += 1
            if (variant.gelato_placements or {}) != placements:
                vals["gelato_placements"] = placements
                if variant.gelato_placements:
                    summary["variant_print_areas_changed"] += 1
                    resized |= variant
            if not variant.active and variant.gelato_archived_by_sync:
                vals.update(active=True, gelato_archived_by_sync=False)
                summary["variants_restored"] += 1
            if vals:
                variant.write(vals)
        extras = (variants - mapped).filtered("active")
        if extras:
            counted = extras.filtered("gelato_product_uid")  # not a new product's first variant
            extras._unlink_or_archive()
            archived = extras.exists()
            if archived:
                archived.write({"gelato_archived_by_sync": True})
            summary["variants_removed"] += len(counted - archived)
            summary["variants_archived"] += len(counted & archived)
        if extras or summary["variants_restored"]:
            # The product's variant lists depend on which variants are active.
            self.invalidate_recordset(["product_variant_ids", "product_variant_count"])
        return resized

    def _gelato_map_variants(self, template, values, variants):
        """Pair Odoo's variants with Gelato's by their attribute values.

        :return: ``{key: (product.product, Gelato variant)}``, one per Gelato variant.
        :raise UserError: when Odoo has no variant for a Gelato one (e.g. exclusions).
        """
        if len(template["variants"]) == 1:
            target = variants.filtered("active")[:1] or variants[:1]
            return {template["variants"][0]["uid"]: (target, template["variants"][0])}
        by_combination = {
            frozenset(values[option].id for option in variant_data["options"].items()): (
                variant_data
            )
            for variant_data in template["variants"]
        }
        mapping = {}
        for variant in variants:  # active ones first: an archived twin never wins
            combination = frozenset(
                variant.product_template_attribute_value_ids.product_attribute_value_id.ids
            )
            if combination in by_combination and combination not in mapping:
                mapping[combination] = (variant, by_combination[combination])
        lacking = [data["title"] for key, data in by_combination.items() if key not in mapping]
        if lacking:
            raise UserError(
                self.env._(
                    "Odoo did not create a variant for %(variants)s of Gelato template "
                    "%(ref)s: check the attribute values and exclusions of the product.",
                    variants=", ".join(lacking[:10]),
                    ref=template["id"],
                )
            )
        return mapping

    def _gelato_sync_placements(self, template, summary, notes, resized_variants):
        """One print area per Gelato file type over all variants (largest size kept).

        Files whose print area changed size are checked again (a file may become too small).
        """
        Placement = self.env["gelato.placement"]
        existing = {placement.print_area: placement for placement in self.gelato_placement_ids}
        to_recheck = self.env["gelato.print.file"]
        to_create = []
        for file_type, data in template["placements"].items():
            vals = {
                "placeholder_names": data["name"] or False,
                "width_mm": data["width"] or 0.0,
                "height_mm": data["height"] or 0.0,
                "sequence": data["sequence"],
            }
            placement = existing.pop(file_type, None)
            if placement is None:
                to_create.append(
                    dict(vals, name=data["label"], print_area=file_type, product_tmpl_id=self.id)
                )
                continue
            changed = {
                name: value
                for name, value in vals.items()
                if (
                    float_compare(placement[name], value, precision_digits=2)
                    if name in ("width_mm", "height_mm")
                    else placement[name] != value
                )
            }
            if changed:
                placement.write(changed)
                summary["print_areas_updated"] += 1
                if {"width_mm", "height_mm"} & set(changed):
                    to_recheck |= placement.print_file_ids.filtered(lambda f: not f.product_id)
        if to_create:
            Placement.create(to_create)
            summary["print_areas_created"] += len(to_create)
        removed = Placement.concat(*existing.values())
        if removed:
            lost = removed.print_file_ids
            if lost:
                notes.append(
                    self.env._(
                        "Print files removed with their print area (no longer in Gelato's "
                        "template): %(files)s",
                        files=", ".join(lost.mapped("display_name")),
                    )
                )
            removed.unlink()
            summary["print_areas_removed"] += len(removed)
        if resized_variants:
            to_recheck |= self.env["gelato.print.file"].search(
                [("product_id", "in", resized_variants.ids)]
            )
        if to_recheck:
            to_recheck.exists()._gelato_recheck()
            summary["print_files_rechecked"] += len(to_recheck)

    def _gelato_sync_product_info(self, template, summary, notes):
        """Title, description and preview image from Gelato, only where the product has none."""
        vals = {}
        ref = (self.gelato_template_ref or "").strip()
        if template["title"] and (not (self.name or "").strip() or self.name.strip() == ref):
            vals["name"] = template["title"]
        vals.update(self._gelato_description_vals(template["description"]))
        if template["preview_url"] and not self._gelato_has_image():
            image, error = self._gelato_fetch_preview_image(template["preview_url"])
            if image:
                vals["image_1920"] = image
            else:
                notes.append(
                    self.env._("The preview image could not be fetched (%(error)s).", error=error)
                )
        if vals:
            self.write(vals)
            summary["product_fields_set"] += len(vals)

    def _gelato_description_vals(self, description):
        """Extension point: the product fields to fill from Gelato's description (HTML).

        None in the back office (the sales description would be copied onto every order
        line); the web shop module fills the shop's description.
        """
        return {}

    def _gelato_after_sync(self, summary, notes):
        """Extension point, after a synchronisation changed the product (the web shop module
        unpublishes a product that cannot be ordered anymore).

        :param dict summary: the counters of the synchronisation (add to them).
        :param list notes: messages for the user (append to it).
        """

    def _gelato_has_image(self):
        """Whether the product has an image, without loading it."""
        # sudo: attachments of image fields are hidden from searches otherwise.
        return bool(
            self.env["ir.attachment"]
            .sudo()
            .search_count(
                [
                    ("res_model", "=", self._name),
                    ("res_field", "=", "image_1920"),
                    ("res_id", "=", self.id),
                ],
                limit=1,
            )
        )

    def _gelato_fetch_preview_image(self, url):
        """Download a template's preview image.

        :return: ``(base64 image or None, error text or None)``.
        """
        if not url.lower().startswith(("http://", "https://")):
            return None, self.env._("not an http(s) address")
        try:
            with requests.get(url, timeout=const.PREVIEW_IMAGE_TIMEOUT, stream=True) as response:
                if response.status_code != 200:
                    return None, "HTTP %s" % response.status_code
                content = b""
                for chunk in response.iter_content(64 * 1024):
                    content += chunk
                    if len(content) > const.PREVIEW_IMAGE_MAX_BYTES:
                        return None, self.env._("larger than 10 MB")
        except requests.exceptions.RequestException as error:
            _logger.info("Gelato preview image not fetched: %s", type(error).__name__)
            return None, type(error).__name__
        if not content.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF")):
            return None, self.env._("not an image")
        return base64.b64encode(content), None

    def _gelato_describe_sync(self, result):
        """A sentence listing what a synchronisation changed (empty when nothing)."""
        summary = result["changes"]
        labels = {
            "attributes_created": lambda n: self.env._("%(count)s attribute(s) created", count=n),
            "values_created": lambda n: self.env._("%(count)s attribute value(s) created", count=n),
            "values_added": lambda n: self.env._("%(count)s value(s) added", count=n),
            "values_removed": lambda n: self.env._("%(count)s value(s) removed", count=n),
            "lines_removed": lambda n: self.env._("%(count)s attribute(s) removed", count=n),
            "variants_created": lambda n: self.env._("%(count)s variant(s) created", count=n),
            "variants_removed": lambda n: self.env._("%(count)s variant(s) deleted", count=n),
            "variants_archived": lambda n: self.env._(
                "%(count)s variant(s) archived (used in orders)", count=n
            ),
            "variants_restored": lambda n: self.env._("%(count)s variant(s) restored", count=n),
            "uids_set": lambda n: self.env._("%(count)s Gelato product UID(s) set", count=n),
            "variant_print_areas_changed": lambda n: self.env._(
                "%(count)s variant(s) with changed print areas", count=n
            ),
            "print_areas_created": lambda n: self.env._("%(count)s print area(s) created", count=n),
            "print_areas_updated": lambda n: self.env._("%(count)s print area(s) updated", count=n),
            "print_areas_removed": lambda n: self.env._("%(count)s print area(s) removed", count=n),
            "print_files_rechecked": lambda n: self.env._(
                "%(count)s print file(s) checked again", count=n
            ),
            "product_fields_set": lambda n: self.env._(
                "%(count)s product field(s) filled from Gelato", count=n
            ),
            "variants_setting_enabled": lambda n: self.env._(
                "the Variants setting was turned on", count=n
            ),
            "unpublished": lambda n: self.env._("unpublished from the web shop", count=n),
        }
        parts = [labels[key](summary[key]) for key in labels if summary.get(key)]
        return "; ".join(parts + list(result["notes"]))
