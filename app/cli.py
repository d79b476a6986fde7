"""The command-line entry: serve, migrate, demo, create-admin, export/import."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlmodel import Session

from app.config import get_settings, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trygg", description="Trygghetsdialog")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web server (uvicorn)")
    serve.add_argument("--host", default=None, help="default: HOST from the environment (127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="default: PORT from the environment (8000)")
    serve.add_argument("--workers", type=int, default=None, help="default: WORKERS from the environment")
    commands.add_parser("migrate", help="upgrade the database schema to the newest revision")
    commands.add_parser("demo", help="load the demo data (idempotent) and print the demo logins")
    commands.add_parser("purge", help="delete dialogue sign-ups older than SIGNUP_RETENTION_DAYS (run daily)")
    commands.add_parser("send-reminders", help="queue event reminders and send (or retry) queued e-mail")
    admin = commands.add_parser("create-admin", help="create (or reset) a superadmin account")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="")
    admin.add_argument("--password", default=os.environ.get("ADMIN_PASSWORD"),
                       help="default: ADMIN_PASSWORD, or asked for")
    export = commands.add_parser("export", help="write every table to a file (JSON Lines; .gz compresses)")
    export.add_argument("file")
    load = commands.add_parser("import", help="load an export file into an empty, migrated database")
    load.add_argument("file")
    args = parser.parse_args(argv)

    settings = load_settings()  # refuses to start with a message naming the bad setting
    if args.command == "serve":
        import uvicorn

        host, port = args.host or settings.host, args.port or settings.port
        # The workers read their settings again: they see the address given here (BASE_URL's default uses it).
        os.environ["HOST"], os.environ["PORT"] = host, str(port)
        get_settings.cache_clear()
        _purge_at_start()
        uvicorn.run("app.asgi:app", host=host, port=port,
                    workers=args.workers or settings.workers, proxy_headers=True, access_log=False)
        return 0

    from app import cache
    from app.db import get_engine, migrate

    cache.install()  # the CLI's writes (demo, import, jobs) invalidate the public pages of running servers too

    if args.command == "migrate":
        migrate(settings.database_url)
        print("Database is at the newest schema revision.")
        return 0
    if args.command == "demo":
        from app import demo

        with Session(get_engine()) as session:
            logins = demo.load(session)
        print(f"Demo data loaded: {demo.DEMO_SLUG}. Staff logins (password for all: {demo.DEMO_PASSWORD}):")
        for login in logins:
            print(f"  {login.role:<12} {login.email}")
        if settings.two_factor_enforced:
            print("Two-factor sign-in is required here: the system admin sets it up at the first login.")
        else:
            print("Two-factor sign-in is not required in development (ENVIRONMENT=development), so these logins "
                  "work with the password alone; anyone may still turn it on under 'Mitt konto'.")
        return 0
    if args.command in {"purge", "send-reminders"}:
        from app import jobs, wiring

        wiring.install()
        with Session(get_engine(), expire_on_commit=False) as session:
            print(jobs.run(args.command, session))
        return 0
    if args.command in {"export", "import"}:
        from app import transfer

        return transfer.run(args.command, args.file, settings)
    if args.command == "create-admin":
        from app.admin import service
        from app.errors import ValidationFailed

        password = args.password or getpass.getpass("Password (at least 12 characters): ")
        try:
            with Session(get_engine()) as session:
                email = service.create_admin(session, args.email, args.name, password).email
        except ValidationFailed as exc:
            print("\n".join(exc.errors.values()), file=sys.stderr)
            return 2
        print(f"Administrator {email} is ready.")
        return 0
    return 2


def _purge_at_start() -> None:
    """Retention runs at every start as well as from the scheduler; a failure must not stop the server."""
    from app import jobs, wiring
    from app.db import get_engine

    try:
        with Session(get_engine(), expire_on_commit=False) as session:
            wiring.install()
            print(jobs.run("purge", session))
    except Exception as exc:
        print(f"purge at start-up skipped: {type(exc).__name__}", file=sys.stderr)
