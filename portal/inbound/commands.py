"""`flask portal inbound-smtp` (the receiver) and `flask portal revoke-reply-address`."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app

from portal.extensions import db
from portal.inbound.receiver import controller
from portal.models import Case, utcnow
from portal.services.inbound.recipients import revoke


@click.command("inbound-smtp")
@click.option("--host", help="Address to listen on (default INBOUND_SMTP_HOST, 127.0.0.1).")
@click.option("--port", type=int, help="Port (default INBOUND_SMTP_PORT, 2525).")
def inbound_smtp_command(host, port):
    """Receive customers' emailed replies and delivery reports over SMTP (run it as a service;
    point the reply domain's MX, or Postfix's transport, and the bounce address at it)."""
    app = current_app._get_current_object()
    host = host or app.config["INBOUND_SMTP_HOST"]
    port = port or app.config["INBOUND_SMTP_PORT"]
    if not app.config.get("INBOUND_REPLY_DOMAIN") and not app.config.get("BOUNCE_ADDRESS"):
        click.echo(
            "Warning: neither INBOUND_REPLY_DOMAIN nor BOUNCE_ADDRESS is set: every recipient "
            "will be refused.",
            err=True,
        )
    server = controller(app, host, port)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    server.start()
    click.echo(f"Inbound SMTP receiver listening on {host}:{port} (Ctrl+C stops it).")
    try:
        stop.wait()
    finally:
        server.stop()
        click.echo("Inbound SMTP receiver stopped.")


@click.command("revoke-reply-address")
@click.argument("case_id", type=int)
def revoke_reply_address_command(case_id):
    """Stop a case's reply address taking mail (e.g. it leaked to a spammer)."""
    case = db.session.get(Case, case_id)
    if case is None:
        raise click.ClickException(f"No case #{case_id}.")
    if revoke(case, utcnow()):
        click.echo(f"The reply address of case #{case_id} is revoked: mail to it is refused.")
    else:
        click.echo(f"The reply address of case #{case_id} was revoked already.")
