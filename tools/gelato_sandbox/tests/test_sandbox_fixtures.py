"""The committed fixtures: up to date with their generator, consistent, documented."""

import json
import sys

import pytest
from sandbox_support import TOOLS_DIR

PACKAGE_DIR = TOOLS_DIR / "gelato_sandbox"
FIXTURES_DIR = PACKAGE_DIR / "fixtures"


@pytest.fixture(scope="module")
def package():
    """The gelato_sandbox package, imported in-process (its modules are pure data/logic)."""
    sys.path.insert(0, str(TOOLS_DIR))
    try:
        import gelato_sandbox.admin
        import gelato_sandbox.fixtures_build
    finally:
        sys.path.remove(str(TOOLS_DIR))
    return gelato_sandbox


def _load(relative):
    return json.loads((FIXTURES_DIR / relative).read_text(encoding="utf-8"))


def test_generated_fixtures_are_up_to_date(package):
    build = package.fixtures_build
    for relative, data in build.build_all().items():
        on_disk = (FIXTURES_DIR / relative).read_text(encoding="utf-8")
        assert on_disk == build.dump(data), (
            f"{relative} is stale: run PYTHONPATH=tools python -m gelato_sandbox.fixtures_build"
        )


def test_every_template_product_is_a_known_product():
    products = {p["productUid"] for p in _load("products.json")}
    templates = sorted((FIXTURES_DIR / "templates").glob("*.json"))
    assert len(templates) == 6
    for path in templates:
        template = json.loads(path.read_text(encoding="utf-8"))
        assert template["id"] == path.stem
        missing = {v["productUid"] for v in template["variants"]} - products
        assert not missing, f"{path.name} uses unknown products {missing}"


def test_product_attributes_are_declared_by_their_catalog():
    catalogs = {c["catalogUid"]: c for c in _load("catalogs.json")}
    for product in _load("products.json"):
        declared = {
            a["productAttributeUid"]: {v["productAttributeValueUid"] for v in a["values"]}
            for a in catalogs[product["catalogUid"]]["productAttributes"]
        }
        for name, value in product["attributes"].items():
            if name != "ProductStatus":
                assert value in declared[name], (product["productUid"], name, value)


def test_every_template_id_and_admin_route_is_documented(package):
    readme = (PACKAGE_DIR / "README.md").read_text(encoding="utf-8")
    for path in (FIXTURES_DIR / "templates").glob("*.json"):
        assert f"`{path.stem}`" in readme
    for method, template, _handler in package.admin.ROUTES:
        assert f"{method} {template}" in readme, f"{method} {template} is not in README.md"
