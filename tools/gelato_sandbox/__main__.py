"""Command line: ``PYTHONPATH=tools python -m gelato_sandbox --port 0 ...`` (see README.md)."""

import argparse
import logging
import signal
import sys
import threading

from .config import Config
from .server import Sandbox, SandboxServer


def parse_args(argv):
    defaults = Config()
    parser = argparse.ArgumentParser(
        prog="python -m gelato_sandbox", description="A stateful stand-in for the Gelato API."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument(
        "--api-key",
        dest="api_keys",
        action="append",
        help=f"accepted X-API-KEY (repeatable; default {defaults.api_keys[0]!r})",
    )
    parser.add_argument("--webhook-url", default=defaults.webhook_url)
    parser.add_argument("--webhook-header", default=defaults.webhook_header)
    parser.add_argument("--webhook-secret", default=defaults.webhook_secret)
    parser.add_argument("--webhook-retry-delay", type=float, default=defaults.webhook_retry_delay)
    parser.add_argument("--download-timeout", type=float, default=defaults.download_timeout)
    parser.add_argument(
        "--allow-remote-downloads",
        action="store_true",
        help="also download print files from non-loopback hosts (default: loopback only)",
    )
    parser.add_argument("--state-file", help="JSON file keeping orders across restarts")
    parser.add_argument(
        "--advance-every",
        type=float,
        default=defaults.advance_every,
        help="seconds between automatic status steps (0 = off)",
    )
    parser.add_argument("--latency-ms", type=int, default=defaults.latency_ms)
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = Config(
        api_keys=args.api_keys or Config().api_keys,
        latency_ms=args.latency_ms,
        webhook_url=args.webhook_url,
        webhook_header=args.webhook_header,
        webhook_secret=args.webhook_secret,
        webhook_retry_delay=args.webhook_retry_delay,
        download_timeout=args.download_timeout,
        allow_remote_downloads=args.allow_remote_downloads,
        advance_every=args.advance_every,
    )
    app = Sandbox(config, state_file=args.state_file)
    server = SandboxServer(args.host, args.port, app)
    host, port = server.server_address[:2]
    shown_host = f"[{host}]" if ":" in host else host
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), name="http", daemon=True)
    thread.start()
    print(f"gelato-sandbox listening on http://{shown_host}:{port}", flush=True)
    stop.wait()
    app.close()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
