import argparse

from .server import serve


def main():
    parser = argparse.ArgumentParser(prog="dam_servers", description=__doc__)
    parser.add_argument("kind", choices=["bynder", "webdam"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert", help="PEM certificate chain (serves TLS)")
    parser.add_argument("--key", help="PEM private key of --cert")
    args = parser.parse_args()
    serve(args.kind, args.host, args.port, args.cert, args.key)


if __name__ == "__main__":
    main()
