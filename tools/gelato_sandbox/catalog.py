"""Read-only reference data: products, catalogs, templates, shipping, facilities and prices.

Everything comes from ``fixtures/``; nothing here changes after start-up, so it is shared
between request threads without a lock.
"""

import datetime
import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
SERVICE_TYPES = ("normal", "standard", "express")


def _load(name):
    return json.loads((FIXTURES_DIR / name).read_text(encoding="utf-8"))


class Catalog:
    def __init__(self):
        self.products = {p["productUid"]: p for p in _load("products.json")}
        self.catalogs = {c["catalogUid"]: c for c in _load("catalogs.json")}
        self.templates = {
            path.stem: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted((FIXTURES_DIR / "templates").glob("*.json"))
        }
        countries = _load("countries.json")
        self.countries = set(countries["iso2"].split())
        self.europe = set(countries["europe"].split())
        shipping = _load("shipping.json")
        self.unshippable = set(shipping["unshippableCountries"])
        self.methods = shipping["methods"]
        self.groups = _load("facilities.json")
        self.pricing = _load("pricing.json")
        self.billing_entity = _load("account.json")["billingEntity"]

    # === Money === #

    def is_currency(self, code):
        return code in self.pricing["currencyRates"]

    def money(self, amount_eur, currency):
        """Convert an EUR amount into ``currency`` and round it like an invoice would."""
        rate = Decimal(str(self.pricing["currencyRates"][currency]))
        places = "1" if currency in self.pricing["zeroDecimalCurrencies"] else "0.01"
        value = (Decimal(str(amount_eur)) * rate).quantize(Decimal(places), ROUND_HALF_UP)
        return float(value)

    def country_currency(self, country):
        return self.pricing["countryCurrencies"].get(country, "EUR")

    def vat_rate(self, country):
        return self.pricing["vatRates"].get(country, 0.0)

    def product_price_eur(self, product_uid, quantity):
        """Total EUR price of ``quantity`` units, with Gelato-like volume discounts."""
        factor = next(
            (f for threshold, f in self.pricing["quantityDiscounts"] if quantity >= threshold), 1.0
        )
        return self.products[product_uid]["price"] * quantity * factor

    # === Products === #

    def product_view(self, product):
        """The product as ``GET /v3/products/{uid}`` and products:search show it."""
        return {
            "productUid": product["productUid"],
            "attributes": product["attributes"],
            "weight": {"value": product["weight"], "measureUnit": "grams"},
            "dimensions": {
                name: {"value": value, "measureUnit": "mm"}
                for name, value in product["dimensions"].items()
            },
        }

    def product_detail(self, product):
        return {
            **self.product_view(product),
            "supportedCountries": sorted(self.countries - self.unshippable),
            "notSupportedCountries": sorted(self.unshippable),
            "isStockable": product["isStockable"],
            "isPrintable": product["isPrintable"],
            "validPageCounts": [],
        }

    # === Facilities === #

    def facility(self, product_uid, country):
        """The facility making ``product_uid`` for ``country``: local, else European, else US."""
        facilities = self.groups[self.products[product_uid]["group"]]["facilities"]
        local = [f for f in facilities if f["country"] == country]
        european = [f for f in facilities if f["country"] in self.europe]
        if local:
            return local[0]
        if country in self.europe and european:
            return european[0]
        return facilities[0]

    def production_days(self, product_uids):
        spans = [self.groups[self.products[uid]["group"]]["productionDays"] for uid in product_uids]
        return max(s[0] for s in spans), max(s[1] for s in spans)

    # === Shipping === #

    def methods_for(self, country):
        """Shipment methods that deliver to ``country`` (all of them when country is None)."""
        if country is None:
            return list(self.methods)
        if country in self.unshippable:
            return []
        return [
            m
            for m in self.methods
            if (m["supportedCountries"] == "*" or country in m["supportedCountries"])
            and country not in m.get("excludedCountries", [])
        ]

    def method_countries(self, method):
        if method["supportedCountries"] == "*":
            excluded = self.unshippable | set(method.get("excludedCountries", []))
            return sorted(self.countries - excluded)
        return method["supportedCountries"]

    def method_view(self, method):
        """A method as ``GET /v1/shipment-methods`` shows it."""
        keys = ("shipmentMethodUid", "type", "name", "isBusiness", "isPrivate", "hasTracking")
        return {**{k: method[k] for k in keys}, "supportedCountries": self.method_countries(method)}

    def shipping_weight(self, lines):
        """Parcel weight in grams for ``[(productUid, quantity), ...]``."""
        goods = sum(self.products[uid]["weight"] * qty for uid, qty in lines)
        return round(goods + self.pricing["packagingWeight"])

    def shipping_quote(self, method, lines, *, origin, destination, currency):
        """Price and delivery window of ``method`` for the lines, in ``currency``.

        :param origin: country of the producing facility; shipping abroad costs more and takes
            longer.
        :param destination: the recipient's country.
        """
        weight = self.shipping_weight(lines)
        price = method["basePrice"] + method["pricePerKg"] * weight / 1000
        extra_days = 0
        if origin != destination:
            price *= self.pricing["crossBorderFactor"]
            extra_days = self.pricing["crossBorderExtraDays"]
        production_min, production_max = self.production_days([uid for uid, _qty in lines])
        min_days = method["minDays"] + production_min + extra_days
        max_days = method["maxDays"] + production_max + extra_days
        today = datetime.date.today()
        return {
            "price": self.money(price, currency),
            "currency": currency,
            "minDeliveryDays": min_days,
            "maxDeliveryDays": max_days,
            "minDeliveryDate": (today + datetime.timedelta(days=min_days)).isoformat(),
            "maxDeliveryDate": (today + datetime.timedelta(days=max_days)).isoformat(),
            "totalWeight": weight,
        }

    def resolve_method(self, requested, lines, *, origin, destination, currency):
        """Pick the method for an order.

        :param requested: None (cheapest normal/standard), a service type, or a method uid.
        :return: ``(method, quote)``, or ``(None, reason)`` when nothing fits.
        """
        available = self.methods_for(destination)
        if requested is None:
            candidates = [m for m in available if m["type"] in ("normal", "standard")]
        elif requested in SERVICE_TYPES:
            candidates = [m for m in available if m["type"] == requested]
        else:
            if not any(m["shipmentMethodUid"] == requested for m in self.methods):
                return None, f"unknown shipment method '{requested}'"
            candidates = [m for m in available if m["shipmentMethodUid"] == requested]
        if not candidates:
            wanted = requested or "standard"
            return None, f"shipment method '{wanted}' is not available to {destination}"
        quotes = [
            (
                m,
                self.shipping_quote(
                    m, lines, origin=origin, destination=destination, currency=currency
                ),
            )
            for m in candidates
        ]
        return min(quotes, key=lambda mq: (mq[1]["price"], mq[0]["shipmentMethodUid"]))

    def tracking(self, method_uid, seed):
        """A carrier-shaped tracking code and URL (on a ``.invalid`` domain) for ``seed``."""
        method = next(m for m in self.methods if m["shipmentMethodUid"] == method_uid)
        digits = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))
        code = method["trackingPrefix"] + digits[: method["trackingDigits"]]
        return code, method["trackingUrl"].format(code=code)

    # === Stock === #

    STOCK_REGIONS = ("US-CA", "EU", "OC", "AS", "SA", "UK", "ROW")

    def stock_availability(self, product_uid):
        product = self.products.get(product_uid)
        if product is None:
            status = "not-supported"
        elif product["isStockable"]:
            return product["stock"]
        else:
            # Printed on demand: never runs out.
            status = "in-stock"
        return [
            {"stockRegionUid": region, "status": status, "replenishmentDate": None}
            for region in self.STOCK_REGIONS
        ]
