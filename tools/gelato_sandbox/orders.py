"""Orders: state, Gelato's order rules, the life of an order, and the events it emits.

One lock guards all order state. Slow work (downloading print files) runs outside it: a new
order is inserted once its files are fetched; a draft is promoted on a copy, committed only if
the order is still a draft by then.
"""

import copy
import datetime
import json
import os
import threading
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from . import downloads, events
from .errors import ApiError, conflict, not_found
from .shapes import FULFILLMENT_STATUSES
from .util import new_id, now, now_iso
from .validation import (
    ORDER_TYPES,
    invalid,
    line_prefix,
    require_object,
    validate_items,
    validate_order,
)

# The journey of a placed order: created, then Gelato's statuses from passed to delivered.
PROGRESSION = (
    "created",
    *FULFILLMENT_STATUSES[
        FULFILLMENT_STATUSES.index("passed") : FULFILLMENT_STATUSES.index("delivered") + 1
    ],
)
UNCANCELLABLE = ("printed", "shipped", "in_transit", "delivered")
FINAL = ("delivered", "canceled", "failed", "returned")
RETURNABLE = ("shipped", "in_transit", "delivered")
FINANCIAL_STATUS = {
    "draft": "draft",
    "created": "pending",
    "canceled": "canceled",
    "failed": "canceled",
    "returned": "refunded",
}  # any other fulfilment status: "paid"
SEARCH_FILTERS = {
    "ids": lambda o: o["id"],
    "orderReferenceIds": lambda o: o["orderReferenceId"],
    "customerReferenceIds": lambda o: o["customerReferenceId"],
    "fulfillmentStatuses": lambda o: o["fulfillmentStatus"],
    "financialStatuses": lambda o: o["financialStatus"],
    "orderTypes": lambda o: o["orderType"],
    "channels": lambda o: o["channel"],
    "countries": lambda o: o["shippingAddress"]["country"],
}
SEARCH_MAX_LIMIT = 100
SEARCH_DEFAULT_LIMIT = 50


def _cents(value):
    return float(Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _line(item):
    """An order item back in request form (what a client would send for it)."""
    line = {key: item[key] for key in ("itemReferenceId", "productUid", "quantity", "files")}
    if "pageCount" in item:
        line["pageCount"] = item["pageCount"]
    return line


class OrderStore:
    def __init__(self, catalog, config, webhooks, state_file=None):
        self.catalog = catalog
        self.config = config
        self.webhooks = webhooks
        self.state_file = Path(state_file) if state_file else None
        self._lock = threading.RLock()
        self.orders = {}  # id -> the order as Gelato shows it (insertion order = creation)
        self.meta = {}  # id -> {"origin": "api" | "split", "heldFrom": status while on hold}
        self.references = {}  # orderReferenceId -> {"creates": n, "deletedDrafts": n}
        self.downloads = []
        if self.state_file and self.state_file.exists():
            state = json.loads(self.state_file.read_text(encoding="utf-8"))
            self.orders, self.meta, self.references = (
                state["orders"],
                state["meta"],
                state["references"],
            )

    # === State === #

    def _save(self):
        if not self.state_file:
            return
        state = {"orders": self.orders, "meta": self.meta, "references": self.references}
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
        os.replace(tmp, self.state_file)

    def reset(self):
        with self._lock:
            self.orders.clear()
            self.meta.clear()
            self.references.clear()
            self.downloads.clear()
            self._save()

    def _order(self, order_id):
        order = self.orders.get(order_id)
        if order is None:
            raise not_found(f"Order {order_id} not found.")
        return order

    def _live(self, order_id, action):
        """The order, refused (409) when it is a draft or in a final state."""
        order = self._order(order_id)
        if order["orderType"] == "draft":
            raise conflict(f"Order {order_id} is a draft: it can't be {action}.")
        if order["fulfillmentStatus"] in FINAL:
            raise conflict(
                f"Order {order_id} is {order['fulfillmentStatus']}: it can't be {action}."
            )
        return order

    def _reference(self, reference):
        return self.references.setdefault(reference, {"creates": 0, "deletedDrafts": 0})

    # === Building orders === #

    def _build_item(self, line, status, item_id=None):
        item = {
            "id": item_id or new_id(),
            "itemReferenceId": line["itemReferenceId"],
            "productUid": line["productUid"],
            "files": copy.deepcopy(line.get("files") or []),
            "processedFileUrl": None,
            "quantity": line["quantity"],
            "fulfillmentStatus": status,
            "previews": [],
        }
        if line.get("pageCount") is not None:
            item["pageCount"] = line["pageCount"]
        return item

    def _shipment(self, order, requested, shipment_id=None):
        """Choose the shipment method and delivery window for the order's items."""
        country = order["shippingAddress"]["country"]
        facility = self.catalog.facility(order["items"][0]["productUid"], country)
        lines = [(item["productUid"], item["quantity"]) for item in order["items"]]
        method, quote = self.catalog.resolve_method(
            requested,
            lines,
            origin=facility["country"],
            destination=country,
            currency=order["currency"],
        )
        if method is None:
            raise invalid("shipmentMethodUid", quote)
        return {
            "id": shipment_id or new_id(),
            "shipmentMethodName": method["name"],
            "shipmentMethodUid": method["shipmentMethodUid"],
            "minDeliveryDays": quote["minDeliveryDays"],
            "maxDeliveryDays": quote["maxDeliveryDays"],
            "minDeliveryDate": quote["minDeliveryDate"],
            "maxDeliveryDate": quote["maxDeliveryDate"],
            "totalWeight": quote["totalWeight"],
            "price": quote["price"],
            "fulfillmentCountry": facility["country"],
            "fulfillmentFacilityId": facility["id"],
            # The docs show both spellings (examples: packagesCount, field table: packageCount).
            "packagesCount": 0,
            "packageCount": 0,
            "packages": [],
        }

    def _new_order(self, payload, order_type):
        order_id = new_id()
        stamp = now_iso()
        status = "draft" if order_type == "draft" else "created"
        order = {
            "id": order_id,
            "orderType": order_type,
            "orderReferenceId": payload["orderReferenceId"],
            "customerReferenceId": payload["customerReferenceId"],
            "fulfillmentStatus": status,
            "financialStatus": FINANCIAL_STATUS[status],
            "currency": payload["currency"],
            "channel": "api",
            "storeId": None,
            "createdAt": stamp,
            "updatedAt": stamp,
            "orderedAt": None,
            "items": [self._build_item(line, status) for line in payload["items"]],
            "metadata": copy.deepcopy(payload.get("metadata") or []),
            "shipment": None,
            "billingEntity": copy.deepcopy(self.catalog.billing_entity),
            "shippingAddress": {
                "id": new_id(),
                "orderId": order_id,
                **copy.deepcopy(payload["shippingAddress"]),
            },
            "returnAddress": None,
            "receipts": [],
            "connectedOrderIds": [],
            "refusalReason": None,
        }
        if payload.get("returnAddress"):
            order["returnAddress"] = {
                "id": new_id(),
                "orderId": order_id,
                **copy.deepcopy(payload["returnAddress"]),
            }
        order["shipment"] = self._shipment(order, payload.get("shipmentMethodUid"))
        return order

    def _receipt(self, order):
        catalog = self.catalog
        currency = order["currency"]
        rate = catalog.vat_rate(order["shippingAddress"]["country"])
        receipt_id = new_id()
        stamp = now_iso()

        def line(kind, reference, title, price):
            vat = _cents(price * rate)
            return {
                "id": new_id(),
                "receiptId": receipt_id,
                "referenceId": reference,
                "type": kind,
                "title": title,
                "currency": currency,
                "priceBase": price,
                "amount": 1,
                "priceInitial": price,
                "discount": 0,
                "price": price,
                "vat": vat,
                "priceInclVat": _cents(price + vat),
                "createdAt": stamp,
                "updatedAt": stamp,
            }

        shipment = order["shipment"]
        lines = [
            line(
                "product",
                item["id"],
                f"{item['quantity']}x {item['productUid']}",
                catalog.money(
                    catalog.product_price_eur(item["productUid"], item["quantity"]), currency
                ),
            )
            for item in order["items"]
        ]
        lines.append(
            line(
                "shipment",
                shipment["id"],
                f"Delivery using {shipment['shipmentMethodName']}",
                shipment["price"],
            )
        )
        lines.append(
            line(
                "packaging",
                shipment["id"],
                "Packaging",
                catalog.money(catalog.pricing["packagingPrice"], currency),
            )
        )
        receipt = {
            "id": receipt_id,
            "orderId": order["id"],
            "transactionType": "purchase",
            "currency": currency,
            "items": lines,
        }
        totals = {"total": 0.0, "totalVat": 0.0, "totalInclVat": 0.0}
        for kind, prefix in (
            ("product", "products"),
            ("packaging", "packaging"),
            ("shipment", "shipping"),
        ):
            chosen = [entry for entry in lines if entry["type"] == kind]
            price = _cents(sum(entry["price"] for entry in chosen))
            vat = _cents(sum(entry["vat"] for entry in chosen))
            receipt.update(
                {
                    f"{prefix}PriceInitial": price,
                    f"{prefix}PriceDiscount": 0,
                    f"{prefix}Price": price,
                    f"{prefix}PriceVat": vat,
                    f"{prefix}PriceInclVat": _cents(price + vat),
                }
            )
            totals["total"] += price
            totals["totalVat"] += vat
            totals["totalInclVat"] += price + vat
        receipt.update({"discount": 0, "discountVat": 0, "discountInclVat": 0})
        receipt["totalInitial"] = _cents(totals["total"])
        receipt.update({key: _cents(value) for key, value in totals.items()})
        return receipt

    def _place(self, order):
        """Turn a validated order (new, or a promoted draft) into a placed order."""
        stamp = now_iso()
        order.update(
            {
                "orderType": "order",
                "fulfillmentStatus": "created",
                "financialStatus": FINANCIAL_STATUS["created"],
                "orderedAt": stamp,
                "updatedAt": stamp,
            }
        )
        for item in order["items"]:
            item["fulfillmentStatus"] = "created"
        order["receipts"] = [self._receipt(order)]

    def _download_files(self, order):
        """Fetch every print file like Gelato; 400 naming the item and URL on the first bad one."""
        for index, item in enumerate(order["items"]):
            for file in item["files"]:
                record = downloads.fetch(
                    file["url"],
                    self.config.download_timeout,
                    self.config.allow_remote_downloads,
                )
                record.update(
                    {
                        "orderId": order["id"],
                        "orderReferenceId": order["orderReferenceId"],
                        "itemReferenceId": item["itemReferenceId"],
                        "fileType": file["type"],
                    }
                )
                with self._lock:
                    self.downloads.append(record)
                if record["error"]:
                    prefix = line_prefix("items", index, item)
                    raise invalid(
                        f"{prefix}.files",
                        f"print file {file['url']} can't be used: {record['error']}",
                    )

    # === Orders API === #

    def create(self, payload):
        order_type = validate_order(payload, self.catalog)
        order = self._new_order(payload, order_type)
        if order_type == "order":
            self._download_files(order)
            self._place(order)
        with self._lock:
            self.orders[order["id"]] = order
            self.meta[order["id"]] = {"origin": "api"}
            self._reference(order["orderReferenceId"])["creates"] += 1
            self._save()
            return copy.deepcopy(order)

    def get(self, order_id):
        with self._lock:
            return copy.deepcopy(self._order(order_id))

    def search(self, payload):
        require_object(payload, "body")
        limit = payload.get("limit", SEARCH_DEFAULT_LIMIT)
        offset = payload.get("offset", 0)
        if (
            isinstance(limit, bool)
            or not isinstance(limit, int)
            or not 1 <= limit <= SEARCH_MAX_LIMIT
        ):
            raise invalid("limit", f"must be an integer from 1 to {SEARCH_MAX_LIMIT}")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise invalid("offset", "must be an integer >= 0")
        filters = {}
        for key, getter in SEARCH_FILTERS.items():
            wanted = payload.get(key)
            if wanted is None:
                continue
            if not isinstance(wanted, list) or not all(isinstance(v, str) for v in wanted):
                raise invalid(key, "must be a list of strings")
            filters[getter] = set(wanted)
        with self._lock:
            found = [
                order
                for order in reversed(self.orders.values())
                if all(getter(order) in wanted for getter, wanted in filters.items())
            ]
            return {"orders": [self._summary(o) for o in found[offset : offset + limit]]}

    @staticmethod
    def _summary(order):
        address = order["shippingAddress"]
        total = order["receipts"][0]["totalInclVat"] if order["receipts"] else 0
        return {
            "id": order["id"],
            "orderType": order["orderType"],
            "orderReferenceId": order["orderReferenceId"],
            "customerReferenceId": order["customerReferenceId"],
            "fulfillmentStatus": order["fulfillmentStatus"],
            "financialStatus": order["financialStatus"],
            "currency": order["currency"],
            "channel": order["channel"],
            "storeId": order["storeId"],
            "connectedOrderIds": list(order["connectedOrderIds"]),
            "country": address["country"],
            "firstName": address["firstName"],
            "lastName": address["lastName"],
            "itemsCount": len(order["items"]),
            "totalInclVat": f"{total:.2f}",
            "createdAt": order["createdAt"],
            "updatedAt": order["updatedAt"],
            "orderedAt": order["orderedAt"],
        }

    def patch(self, order_id, payload):
        """Patch a draft: replace its items and/or promote it (``orderType: order``)."""
        require_object(payload, "body")
        order_type = payload.get("orderType", "draft")
        if order_type not in ORDER_TYPES:
            raise invalid("orderType", f"'{order_type}' is not one of {', '.join(ORDER_TYPES)}")
        with self._lock:
            draft = copy.deepcopy(self._order(order_id))
        if draft["orderType"] != "draft":
            raise conflict(f"Order {order_id} is not a draft: only draft orders can be patched.")
        if "items" in payload:
            draft["items"] = self._patched_items(draft, payload["items"])
            draft["shipment"] = self._shipment(
                draft, draft["shipment"]["shipmentMethodUid"], draft["shipment"]["id"]
            )
        if order_type == "order":
            validate_items([_line(i) for i in draft["items"]], self.catalog, files_required=True)
            self._download_files(draft)
            self._place(draft)
        draft["updatedAt"] = now_iso()
        with self._lock:
            current = self._order(order_id)
            if current["orderType"] != "draft":
                raise conflict(f"Order {order_id} was promoted meanwhile: it is not a draft.")
            self.orders[order_id] = draft
            self._save()
            return copy.deepcopy(draft)

    def _patched_items(self, draft, entries):
        """The new item list: ``{id}`` keeps an item (fields given override), others are new."""
        if not isinstance(entries, list) or not entries:
            raise invalid("items", "at least one item is required")
        existing = {item["id"]: item for item in draft["items"]}
        lines, ids = [], []
        for index, entry in enumerate(entries):
            require_object(entry, f"items[{index}]")
            if "id" in entry:
                if entry["id"] not in existing:
                    raise invalid(f"items[{index}].id", f"unknown item '{entry['id']}'")
                base = _line(existing[entry["id"]])
                lines.append({**base, **{k: v for k, v in entry.items() if k != "id"}})
                ids.append(entry["id"])
            else:
                lines.append(entry)
                ids.append(None)
        validate_items(lines, self.catalog, files_required=False)
        return [self._build_item(line, "draft", i) for line, i in zip(lines, ids, strict=False)]

    def delete(self, order_id):
        with self._lock:
            order = self._order(order_id)
            if order["orderType"] != "draft":
                raise conflict(f"Order {order_id} is not a draft: only drafts can be deleted.")
            del self.orders[order_id]
            del self.meta[order_id]
            self._reference(order["orderReferenceId"])["deletedDrafts"] += 1
            self._save()

    def cancel(self, order_id):
        """Cancel from the client's side: refused once anything is printed."""
        with self._lock:
            order = self._order(order_id)
            status = order["fulfillmentStatus"]
            if order["orderType"] == "draft":
                raise conflict(f"Order {order_id} is a draft: delete it instead of canceling.")
            if status != "canceled":
                blocking = [
                    s
                    for s in [status] + [i["fulfillmentStatus"] for i in order["items"]]
                    if s in UNCANCELLABLE
                ]
                if blocking:
                    raise conflict(
                        "The order can't be canceled: at least one of the items is in "
                        f"'{blocking[0]}' status."
                    )
                if status in FINAL:
                    raise conflict(f"The order can't be canceled: it is {status}.")
                self._transition(order, "canceled")
                self._save()
            return copy.deepcopy(order)

    # === Life of an order (clock and admin) === #

    def _transition(self, order, status, comment="", packages=1):
        """Move the order and all its items to ``status`` and emit Gelato's events."""
        order["fulfillmentStatus"] = status
        order["financialStatus"] = FINANCIAL_STATUS.get(status, "paid")
        order["updatedAt"] = now_iso()
        if status != "on_hold":
            self.meta[order["id"]].pop("heldFrom", None)
        for item in order["items"]:
            item["fulfillmentStatus"] = status
        emitted = [
            events.order_item_status_updated(self.catalog, order, item, comment)
            for item in order["items"]
        ]
        if status == "shipped":
            self._ship(order, packages)
            emitted += [
                events.order_item_tracking_code_updated(self.catalog, order, item, package)
                for package in order["shipment"]["packages"]
                for item in order["items"]
                if item["id"] in package["orderItemIds"]
            ]
        emitted.append(events.order_status_updated(self.catalog, order, comment))
        if status == "shipped":
            emitted.append(events.order_delivery_estimate_updated(order))
        for payload in emitted:
            self.webhooks.emit(payload)

    def _ship(self, order, packages):
        """Pack the items into parcels with tracking, and re-estimate delivery from today.

        Item ``i`` goes into parcel ``i % packages``; a parcel left empty (more parcels than
        items) carries all items, like a large item sent in several boxes.
        """
        shipment = order["shipment"]
        item_ids = [item["id"] for item in order["items"]]
        parcels = []
        for index in range(packages):
            package_id = new_id()
            code, url = self.catalog.tracking(shipment["shipmentMethodUid"], package_id)
            parcels.append(
                {
                    "id": package_id,
                    "orderItemIds": item_ids[index::packages] or list(item_ids),
                    "trackingCode": code,
                    "trackingUrl": url,
                }
            )
        method = next(
            m
            for m in self.catalog.methods
            if m["shipmentMethodUid"] == shipment["shipmentMethodUid"]
        )
        today = now().date()
        shipment.update(
            {
                "packages": parcels,
                "packagesCount": packages,
                "packageCount": packages,
                "minDeliveryDate": (today + datetime.timedelta(days=method["minDays"])).isoformat(),
                "maxDeliveryDate": (today + datetime.timedelta(days=method["maxDays"])).isoformat(),
            }
        )

    def advance(self, order_id, to=None, packages=1):
        """Step the order along created → … → delivered (to ``to``, else one step)."""
        if to is not None and to not in PROGRESSION:
            raise invalid("to", f"'{to}' is not one of {', '.join(PROGRESSION)}")
        if isinstance(packages, bool) or not isinstance(packages, int) or packages < 1:
            raise invalid("packages", "must be an integer >= 1")
        with self._lock:
            order = self._order(order_id)
            if order["orderType"] == "draft":
                raise conflict(f"Order {order_id} is a draft: promote it before advancing it.")
            status = order["fulfillmentStatus"]
            steps = []
            if status == "on_hold":
                status = self.meta[order_id]["heldFrom"]
                steps.append(status)
            if status not in PROGRESSION[:-1]:
                raise conflict(f"Order {order_id} is {status}: it can't advance.")
            position = PROGRESSION.index(status)
            if to is None:
                steps = steps or [PROGRESSION[position + 1]]
            else:
                steps += PROGRESSION[position + 1 : PROGRESSION.index(to) + 1]
            if not steps:
                raise conflict(f"Order {order_id} is {status}: it is already past '{to}'.")
            for step in steps:
                self._transition(order, step, packages=packages)
            self._save()
            return copy.deepcopy(order)

    def advance_all(self):
        """One clock tick: every placed, moving order takes one step."""
        with self._lock:
            moving = [
                order
                for order in self.orders.values()
                if order["orderType"] == "order" and order["fulfillmentStatus"] in PROGRESSION[:-1]
            ]
            for order in moving:
                position = PROGRESSION.index(order["fulfillmentStatus"])
                self._transition(order, PROGRESSION[position + 1])
            if moving:
                self._save()

    def fail(self, order_id, reason):
        with self._lock:
            order = self._live(order_id, "failed")
            order["refusalReason"] = reason
            self._transition(order, "failed", comment=reason)
            self._save()
            return copy.deepcopy(order)

    def hold(self, order_id, reason):
        with self._lock:
            order = self._live(order_id, "put on hold")
            if order["fulfillmentStatus"] != "on_hold":
                self.meta[order_id]["heldFrom"] = order["fulfillmentStatus"]
                self._transition(order, "on_hold", comment=reason)
                self._save()
            return copy.deepcopy(order)

    def mark_returned(self, order_id, reason):
        with self._lock:
            order = self._order(order_id)
            if order["fulfillmentStatus"] not in RETURNABLE:
                raise conflict(
                    f"Order {order_id} is {order['fulfillmentStatus']}: only shipped orders "
                    "can be returned."
                )
            self._transition(order, "returned", comment=reason)
            self._save()
            return copy.deepcopy(order)

    def gelato_cancel(self, order_id, reason):
        """Gelato cancels on its side, whatever the production status."""
        with self._lock:
            order = self._live(order_id, "canceled")
            self._transition(order, "canceled", comment=reason)
            self._save()
            return copy.deepcopy(order)

    def set_item_status(self, order_id, item_reference, status, comment=""):
        """One item moves on its own (Gelato reports items' statuses separately: an item
        printed before the other, ``order_item_status_updated``); the order keeps its status."""
        if status not in FULFILLMENT_STATUSES:
            raise invalid("to", f"'{status}' is not a fulfillment status")
        with self._lock:
            order = self._live(order_id, "updated")
            item = next((i for i in order["items"] if i["itemReferenceId"] == item_reference), None)
            if item is None:
                raise not_found(f"Order {order_id} has no item {item_reference}.")
            item["fulfillmentStatus"] = status
            order["updatedAt"] = now_iso()
            self.webhooks.emit(events.order_item_status_updated(self.catalog, order, item, comment))
            self._save()
            return copy.deepcopy(order)

    def set_delivery_estimate(self, order_id, min_date, max_date):
        try:
            start = datetime.date.fromisoformat(min_date)
            end = datetime.date.fromisoformat(max_date)
        except (TypeError, ValueError) as exc:
            raise ApiError(400, "minDeliveryDate and maxDeliveryDate must be YYYY-MM-DD") from exc
        if start > end:
            raise ApiError(400, "minDeliveryDate must not be after maxDeliveryDate")
        with self._lock:
            order = self._live(order_id, "re-estimated")
            order["shipment"].update({"minDeliveryDate": min_date, "maxDeliveryDate": max_date})
            order["updatedAt"] = now_iso()
            self.webhooks.emit(events.order_delivery_estimate_updated(order))
            self._save()
            return copy.deepcopy(order)

    def split(self, order_id, parts=None, groups=None, notify=False):
        """Split an order into connected orders, as Gelato does across facilities.

        :param parts: number of parts (items shared out in order), default 2.
        :param groups: explicit partition, a list of lists of itemReferenceIds.
        :param notify: emit ``order_status_updated`` for every part right away.
        :return: the parts; the first keeps the original id.
        """
        with self._lock:
            order = self._live(order_id, "split")
            partition = self._partition(order["items"], parts, groups)
            ids = [order_id] + [new_id() for _ in partition[1:]]
            result = []
            for index, (part_id, items) in enumerate(zip(ids, partition, strict=False)):
                part = order if index == 0 else copy.deepcopy(order)
                part.update({"id": part_id, "items": items, "connectedOrderIds": list(ids)})
                part["updatedAt"] = now_iso()
                if index:
                    for key in ("shippingAddress", "returnAddress"):
                        if part[key]:
                            part[key].update({"id": new_id(), "orderId": part_id})
                    self.orders[part_id] = part
                    self.meta[part_id] = {"origin": "split", **self._held_from(order_id)}
                part["shipment"] = self._shipment(
                    part,
                    order["shipment"]["shipmentMethodUid"],
                    order["shipment"]["id"] if index == 0 else None,
                )
                part["receipts"] = [self._receipt(part)]
                if notify:
                    self.webhooks.emit(events.order_status_updated(self.catalog, part))
                result.append(part)
            self._save()
            return copy.deepcopy(result)

    def _held_from(self, order_id):
        held = self.meta[order_id].get("heldFrom")
        return {"heldFrom": held} if held else {}

    @staticmethod
    def _partition(items, parts, groups):
        if len(items) < 2:
            raise conflict("An order needs at least two items to be split.")
        if groups is None:
            parts = 2 if parts is None else parts
            if (
                isinstance(parts, bool)
                or not isinstance(parts, int)
                or not 2 <= parts <= len(items)
            ):
                raise invalid("parts", f"must be an integer from 2 to {len(items)}")
            size, extra = divmod(len(items), parts)
            bounds = [0]
            for index in range(parts):
                bounds.append(bounds[-1] + size + (1 if index < extra else 0))
            return [items[bounds[i] : bounds[i + 1]] for i in range(parts)]
        by_reference = {item["itemReferenceId"]: item for item in items}
        wrong = invalid(
            "groups", "must share every itemReferenceId of the order out into 2+ non-empty lists"
        )
        if not isinstance(groups, list) or len(groups) < 2:
            raise wrong
        if not all(isinstance(group, list) and group for group in groups):
            raise wrong
        flat = [ref for group in groups for ref in group]
        if not all(isinstance(ref, str) for ref in flat) or sorted(flat) != sorted(by_reference):
            raise wrong
        return [[by_reference[ref] for ref in group] for group in groups]

    # === Admin views === #

    def all_orders(self):
        with self._lock:
            return [
                {**copy.deepcopy(order), "_sandbox": dict(self.meta[order_id])}
                for order_id, order in self.orders.items()
            ]

    def download_log(self):
        with self._lock:
            return copy.deepcopy(self.downloads)

    def reference_counters(self):
        """Per orderReferenceId, what the client's calls left at "Gelato".

        - ``creates``: successful ``POST /v4/orders`` (drafts included), ever;
        - ``orders``: existing placed orders the client created (a promoted draft counts once);
        - ``drafts``: existing drafts; ``live``: ``orders + drafts``;
        - ``splitParts``: extra connected orders made by a split (not the client's doing);
        - ``deletedDrafts``: drafts deleted.

        "Exactly one Gelato order per sale order" is ``live == 1`` (or ``orders == 1``).
        """
        with self._lock:
            counters = {
                reference: {**values, "orders": 0, "drafts": 0, "splitParts": 0}
                for reference, values in self.references.items()
            }
            for order_id, order in self.orders.items():
                entry = counters[order["orderReferenceId"]]
                if self.meta[order_id]["origin"] == "split":
                    entry["splitParts"] += 1
                elif order["orderType"] == "draft":
                    entry["drafts"] += 1
                else:
                    entry["orders"] += 1
            for entry in counters.values():
                entry["live"] = entry["orders"] + entry["drafts"]
            return counters
