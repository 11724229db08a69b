"""Serve Keystone or Placement as a WSGI application under waitress on 127.0.0.1."""
import sys

import waitress


def main():
    name, port = sys.argv[1], int(sys.argv[2])
    # the services parse sys.argv as their own command line
    sys.argv = [f"{name}-wsgi"]
    if name == "keystone":
        from keystone.server import wsgi

        app = wsgi.initialize_public_application()
    elif name == "placement":
        from placement import wsgi

        app = wsgi.init_application()
    else:
        raise SystemExit(f"unknown service {name}")
    # Placement writes allocations to SQLite, whose read-then-write
    # transactions fail with "database is locked" when they overlap: one
    # thread serialises them (its requests take milliseconds).
    threads = 1 if name == "placement" else 8
    waitress.serve(app, host="127.0.0.1", port=port, threads=threads, ident=name, _quiet=True)


if __name__ == "__main__":
    main()
