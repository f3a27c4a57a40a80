#!/usr/bin/env python3
"""Screenshots of gelato_connector for its app page and the README, taken from `make run`.

    make run                        # in one terminal (or HTTP_PORT=... GELATO_DB=... make run)
    make screenshots                # in another: writes gelato_connector/static/description/*.png

Against a running server (``--url``/``--db``/``--login``/``--password``, or the environment
variables ``SCREENSHOTS_URL``, ``SCREENSHOTS_DB``, ``SCREENSHOTS_LOGIN``,
``SCREENSHOTS_PASSWORD``; by default http://localhost:$HTTP_PORT (8069), $GELATO_DB
(gelato_demo), admin / admin) it prepares over JSON-RPC what the pictures show:

- the demo mug (synchronised from the sandbox template at install: two variants, a print
  area and its print file; ``--product`` takes another);
- a quotation of it for a demo customer in Stockholm with *Standard Shipping* (rated
  by Gelato), confirmed; the script waits until the send job has placed it at the sandbox,
  and has the sandbox ship it (its webhooks bring the statuses and the tracking code back).
  A company that talks to the real Gelato is refused: the order would be a real one;
- the order's customer portal link with its access token (``get_portal_url()``).

Then it starts Chromium headless (``/usr/bin/chromium`` or ``--chromium``), drives it over the
Chrome DevTools Protocol (websocket-client; no Selenium) logged in with the session cookie
from ``/web/session/authenticate``, waits until each page is loaded and Odoo's UI is idle,
and writes ``screenshot_settings.png``, ``screenshot_product.png``, ``screenshot_order.png``
and ``screenshot_portal.png`` (1280x800; reduced to 256 colours with Pillow when it is
there, ``--full-colour`` keeps them as taken). The portal page is taken as the customer sees
it from the link in their e-mail: not logged in.

Each run creates one more demo order in the database it is pointed at.
"""

import argparse
import base64
import contextlib
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests
import websocket

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "gelato_connector" / "static" / "description"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
VIEWPORT = (1280, 800)
CUSTOMER = {
    "name": "Astrid Lindqvist",
    "street": "Drottninggatan 12",
    "city": "Stockholm",
    "zip": "111 51",
    "email": "astrid.lindqvist@example.com",
    "phone": "+46 8 123 456",
}
ORDER_REFERENCE = "Gelato screenshots"

# True when the new page is loaded, Odoo shows `selector` and nothing is loading.
READY_JS = """(() => {
    if (window.gelatoScreenshotsLeaving) return false;  // still the page navigated away from
    if (document.readyState !== "complete" || document.fonts.status !== "loaded") return false;
    if (document.querySelector(".o_loading_indicator, .o_blockUI, .o_view_nocontent_loading"))
        return false;
    return !!document.querySelector(%s);
})()"""
# Clicks the notebook tab whose label is `label`; true when it exists.
CLICK_TAB_JS = """(() => {
    const tab = [...document.querySelectorAll(".o_notebook .nav-link")]
        .find((link) => link.textContent.trim() === %s);
    if (!tab) return false;
    tab.click();
    return true;
})()"""
# Scrolls the element `selector` (or the form group titled `title`) to the top of its pane.
SCROLL_JS = """(() => {
    let target = %s ? document.querySelector(%s) : null;
    const title = %s;
    if (title) {
        target = [...document.querySelectorAll(".o_horizontal_separator, h2, h3")]
            .find((el) => el.textContent.trim() === title);
    }
    if (!target) return false;
    target.scrollIntoView({block: "start"});
    const pane = target.closest(".o_content, .settings, .o_form_renderer, main")
        || document.scrollingElement;
    pane.scrollTop = Math.max(0, pane.scrollTop - %d);
    return true;
})()"""


class ScreenshotError(Exception):
    """Something the user must fix (no server, no Chromium, a refused login...)."""


class NoServerError(ScreenshotError):
    """Nothing answers at the URL."""


# --- Odoo over JSON-RPC ---------------------------------------------------------------------


class Odoo:
    """A logged-in JSON-RPC client of one Odoo database."""

    def __init__(self, url, db, timeout=60):
        self.url = url.rstrip("/")
        self.db = db
        self.timeout = timeout
        self.http = requests.Session()

    def _rpc(self, path, params):
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
        try:
            response = self.http.post(self.url + path, json=payload, timeout=self.timeout)
        except requests.ConnectionError as error:
            raise NoServerError(
                f"No Odoo server answers at {self.url} ({error.__class__.__name__}). Start it "
                "with `make run` (HTTP_PORT=... GELATO_DB=... make run for another port or "
                "database) and wait for 'Odoo is starting', or pass --url."
            ) from error
        if response.status_code != 200:
            raise ScreenshotError(f"{self.url}{path} answered HTTP {response.status_code}.")
        answer = response.json()
        if answer.get("error"):
            data = answer["error"].get("data") or {}
            message = data.get("message") or answer["error"].get("message")
            raise ScreenshotError(f"Odoo refused {path}: {message}")
        return answer.get("result")  # None is left out of the answer

    def authenticate(self, login, password):
        try:
            info = self._rpc(
                "/web/session/authenticate", {"db": self.db, "login": login, "password": password}
            )
        except NoServerError:
            raise
        except ScreenshotError as error:
            raise ScreenshotError(
                f"Could not log in to {self.url} as {login!r} on the database {self.db!r}: "
                f"{error} (--db, --login, --password)"
            ) from error
        session_id = self.http.cookies.get("session_id")
        if not session_id:
            raise ScreenshotError(f"{self.url} gave no session cookie after logging in.")
        self.uid = info["uid"]
        return session_id

    def call(self, model, method, *args, **kwargs):
        return self._rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def ref(self, xmlid):
        module, name = xmlid.split(".", 1)
        rows = self.call(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            fields=["model", "res_id"],
            limit=1,
        )
        if not rows:
            raise ScreenshotError(
                f"{xmlid} is not in the database {self.db}: it needs gelato_connector installed "
                "with its demo data, as `make run` does."
            )
        return rows[0]["res_id"]


def wait_until(predicate, timeout, what, interval=1.0):
    """Polls ``predicate`` until it returns something true; the error names ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise ScreenshotError(f"Timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(interval)


def find_or_create_customer(odoo):
    ids = odoo.call("res.partner", "search", [("email", "=", CUSTOMER["email"])], limit=1)
    if ids:
        return ids[0]
    sweden = odoo.ref("base.se")
    return odoo.call("res.partner", "create", {**CUSTOMER, "country_id": sweden})


def sandbox_url(odoo):
    """The base URL of the local sandbox the user's company talks to.

    Refuses a company that talks to the real Gelato: the demo order would be printed, shipped
    and paid for.
    """
    company_id = odoo.call("res.users", "read", [odoo.uid], ["company_id"])[0]["company_id"][0]
    api_url = odoo.call("res.company", "read", [company_id], ["gelato_api_url"])[0]
    api_url = (api_url["gelato_api_url"] or "").rstrip("/")
    refusal = (
        f"The company talks to {api_url or 'the real Gelato'}, not to a local sandbox that "
        "answers: the demo order would be a real one. Take the screenshots from `make run` "
        "without GELATO_API_KEY."
    )
    if urlsplit(api_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ScreenshotError(refusal)
    try:
        requests.get(api_url + "/_sandbox/health", timeout=5).raise_for_status()
    except requests.RequestException as error:
        raise ScreenshotError(f"{refusal} ({api_url}/_sandbox/health: {error})") from error
    return api_url


def prepare_order(odoo, product_id, sandbox, timeout):
    """A confirmed Gelato order placed at the sandbox and shipped by it."""
    variant_ids = odoo.call(
        "product.product", "search", [("product_tmpl_id", "=", product_id)], limit=1
    )
    carrier_id = odoo.ref("gelato_connector.delivery_carrier_gelato_standard")
    order_id = odoo.call(
        "sale.order",
        "create",
        {
            "partner_id": find_or_create_customer(odoo),
            "client_order_ref": ORDER_REFERENCE,
            "order_line": [(0, 0, {"product_id": variant_ids[0], "product_uom_qty": 2})],
        },
    )
    # The "Add shipping" wizard: Gelato quotes the rate for the delivery address.
    wizard_id = odoo.call(
        "choose.delivery.carrier", "create", {"order_id": order_id, "carrier_id": carrier_id}
    )
    odoo.call("choose.delivery.carrier", "update_price", [wizard_id])
    odoo.call("choose.delivery.carrier", "button_confirm", [wizard_id])
    odoo.call("sale.order", "action_confirm", [order_id])
    print(f"Order {order_id} confirmed; waiting for the send job to place it at Gelato")

    def read_order():
        fields = ["name", "gelato_state", "gelato_last_error", "gelato_order_ids"]
        return odoo.call("sale.order", "read", [order_id], fields)[0]

    def sent():
        order = read_order()
        if order["gelato_state"] == "error":
            raise ScreenshotError(
                f"Gelato refused {order['name']}: {order['gelato_last_error']} (see its chatter)"
            )
        return order if order["gelato_state"] == "sent" and order["gelato_order_ids"] else None

    order = wait_until(
        sent,
        timeout,
        "the send job (cron 'Gelato: send queued orders') to send the order to Gelato: does the "
        "server run crons (max_cron_threads > 0, as `make run` has it)?",
    )
    gelato_orders = odoo.call("gelato.order", "read", order["gelato_order_ids"], ["gelato_id"])
    for gelato_order in gelato_orders:
        response = requests.post(
            f"{sandbox}/_sandbox/orders/{gelato_order['gelato_id']}/advance",
            json={"to": "shipped"},
            timeout=30,
        )
        if response.status_code not in (200, 409):  # 409: already past it
            raise ScreenshotError(f"The sandbox did not ship the order: {response.text}")
    requests.post(f"{sandbox}/_sandbox/webhooks/wait", json={"timeout": 30}, timeout=40)

    def shipped():
        lines = odoo.call(
            "sale.order.line",
            "search_read",
            [("order_id", "=", order_id), ("gelato_tracking_ids", "!=", False)],
            fields=["id"],
        )
        return bool(lines)

    wait_until(shipped, timeout, "the sandbox's shipping webhooks to reach Odoo")
    return order_id, odoo.call("sale.order", "get_portal_url", [order_id])


# --- Chromium over the DevTools Protocol ---------------------------------------------------


def read_devtools_active_port(path):
    """(port, browser websocket path) from Chromium's ``DevToolsActivePort`` file.

    Chromium writes the port it listens on (``--remote-debugging-port=0``: a free one) on the
    first line and the browser target's path on the second. None while the file is not
    complete yet.
    """
    try:
        lines = Path(path).read_text(encoding="ascii").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    if len(lines) < 2 or not lines[0].strip().isdigit() or not lines[1].startswith("/"):
        return None
    port = int(lines[0])
    if not 0 < port < 65536:
        raise ValueError(f"{path} names no TCP port: {lines[0]!r}")
    return port, lines[1].strip()


def find_chromium(explicit=None):
    for candidate in (explicit,) if explicit else CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise ScreenshotError(
        f"Chromium was not found ({explicit or ', '.join(CHROMIUM_CANDIDATES)}). Install it "
        "(sudo apt-get install chromium) or pass --chromium /path/to/chrome."
    )


class DevTools:
    """One page target of Chromium, driven over its websocket."""

    def __init__(self, ws_url, timeout=30):
        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
        self.next_id = 0

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:  # events (no id) and stale answers are skipped
            message = json.loads(self.ws.recv())
            if message.get("id") != self.next_id:
                continue
            if "error" in message:
                raise ScreenshotError(f"Chromium refused {method}: {message['error']}")
            return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise ScreenshotError(f"Script failed in the page: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self):
        with contextlib.suppress(websocket.WebSocketException, OSError):
            self.ws.close()


def _lift_address_space_limit():
    """Chromium reserves more than 8 GiB of address space (V8's pointer compression): an Odoo
    process (pytest-odoo, limit_memory_hard) limits its own, and its children inherit it.
    Odoo's browser tests lift it the same way."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


@contextlib.contextmanager
def chromium_page(binary, timeout=30):
    """Starts Chromium headless in a throw-away profile and yields a DevTools page."""
    profile = tempfile.mkdtemp(prefix="gelato-screenshots-")
    command = [
        binary,
        "--headless=new",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        "--window-size=1440,900",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--mute-audio",
        "--lang=en-US",
    ]
    if os.geteuid() == 0:
        command.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_lift_address_space_limit,  # noqa: PLW1509 (only setrlimit, as Odoo does)
    )
    page = None
    try:

        def started():
            if process.poll() is not None:
                error = process.stderr.read().decode(errors="replace")[-2000:]
                raise ScreenshotError(f"{binary} exited at start ({process.returncode}): {error}")
            return read_devtools_active_port(Path(profile) / "DevToolsActivePort")

        port, _browser_path = wait_until(started, timeout, f"{binary} to start", 0.2)
        target = requests.put(f"http://127.0.0.1:{port}/json/new?about:blank", timeout=10).json()
        page = DevTools(target["webSocketDebuggerUrl"], timeout=timeout)
        yield page
    finally:
        if page:
            page.close()
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()
        shutil.rmtree(profile, ignore_errors=True)


def wait_ready(page, selector, timeout, settle=3):
    """Waits until ``selector`` shows and nothing loads, ``settle`` polls in a row."""
    expression = READY_JS % json.dumps(selector)
    streak = [0]

    def idle():
        streak[0] = streak[0] + 1 if page.evaluate(expression) else 0
        return streak[0] >= settle

    wait_until(idle, timeout, f"{selector} on the page", 0.3)


def shoot(page, url, selector, path, timeout, tab=None, scroll=None, optimise=True):
    """Opens ``url``, waits, clicks ``tab``, scrolls to ``scroll`` and saves a PNG."""
    page.evaluate("window.gelatoScreenshotsLeaving = true")  # gone with the old document
    page.send("Page.navigate", url=url)
    wait_ready(page, selector, timeout)
    if tab:
        if not page.evaluate(CLICK_TAB_JS % json.dumps(tab)):
            raise ScreenshotError(f"No {tab!r} tab on {url}")
        wait_ready(page, selector, timeout)
    if scroll:
        css, title, offset = scroll
        found = page.evaluate(
            SCROLL_JS % (json.dumps(bool(css)), json.dumps(css), json.dumps(title), offset)
        )
        if not found:
            raise ScreenshotError(f"Nothing to scroll to ({css or title}) on {url}")
        wait_ready(page, selector, timeout)
    png = base64.b64decode(page.send("Page.captureScreenshot", format="png")["data"])
    path.write_bytes(reduce_png(png) if optimise else png)
    print(f"{path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")


def reduce_png(png):
    """256 colours without dithering (Odoo's UI is flat colours): a third of the size."""
    try:
        from PIL import Image
    except ImportError:
        return png
    image = Image.open(io.BytesIO(png)).convert("RGB")
    reduced = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    reduced.save(out, format="PNG", optimize=True)
    return out.getvalue() if out.tell() < len(png) else png


# --- Main ------------------------------------------------------------------------------------


def parse_args(argv=None):
    env = os.environ
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    port = env.get("HTTP_PORT", "8069")
    parser.add_argument("--url", default=env.get("SCREENSHOTS_URL", f"http://localhost:{port}"))
    parser.add_argument(
        "--db", default=env.get("SCREENSHOTS_DB", env.get("GELATO_DB", "gelato_demo"))
    )
    parser.add_argument("--login", default=env.get("SCREENSHOTS_LOGIN", "admin"))
    parser.add_argument("--password", default=env.get("SCREENSHOTS_PASSWORD", "admin"))
    parser.add_argument("--chromium", default=env.get("SCREENSHOTS_CHROMIUM"))
    parser.add_argument(
        "--product",
        default="gelato_connector.product_template_gelato_mug",
        help="XML id of the Gelato product shown and ordered (default: the demo mug, whose "
        "two variants show in the form)",
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where the PNGs go")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per wait")
    parser.add_argument(
        "--full-colour", action="store_true", help="keep the PNGs as Chromium took them"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    chromium = find_chromium(args.chromium)  # before anything is written to the database
    odoo = Odoo(args.url, args.db)
    session_id = odoo.authenticate(args.login, args.password)
    product_id = odoo.ref(args.product)
    sandbox = sandbox_url(odoo)  # before anything is written to the database, too
    order_id, portal_path = prepare_order(odoo, product_id, sandbox, args.timeout)
    args.out.mkdir(parents=True, exist_ok=True)
    base = odoo.url
    optimise = not args.full_colour
    with chromium_page(chromium) as page:
        page.send("Page.enable")
        page.send("Network.enable")
        width, height = VIEWPORT
        page.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        page.send("Network.setCookie", name="session_id", value=session_id, url=base)
        shots = [
            (
                f"{base}/odoo/action-sale.action_sale_config_settings",
                "#gelato_api",
                "screenshot_settings.png",
                {"scroll": (None, "Gelato", 16)},
            ),
            (
                f"{base}/odoo/action-sale.product_template_action/{product_id}",
                ".o_form_view .o_notebook",
                "screenshot_product.png",
                {"tab": "Sales", "scroll": (None, "Gelato", 140)},
            ),
            (
                f"{base}/odoo/action-sale.action_orders/{order_id}",
                ".o_form_view .o_notebook",
                "screenshot_order.png",
                {"tab": "Gelato"},
            ),
        ]
        for url, selector, name, options in shots:
            shoot(page, url, selector, args.out / name, args.timeout, optimise=optimise, **options)
        # The portal as the customer opens it from their e-mail: not logged in.
        page.send("Network.clearBrowserCookies")
        shoot(
            page,
            base + portal_path,
            "#gelato_fulfillment",
            args.out / "screenshot_portal.png",
            args.timeout,
            optimise=optimise,
        )


if __name__ == "__main__":
    try:
        main()
    except ScreenshotError as error:
        sys.exit(f"screenshots: {error}")
    except KeyboardInterrupt:
        sys.exit(130)
