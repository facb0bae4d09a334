"""`flask portal ...`: the commands an operator runs."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db
from portal.inbound.commands import inbound_smtp_command, revoke_reply_address_command
from portal.jobs.periodic import run_all_once
from portal.metrics.commands import rebuild_performance_command
from portal.models import SentimentCorrection, Team, User, utcnow
from portal.models.user import MIN_PASSWORD_LENGTH, ROLES
from portal.sentiment import training
from portal.sentiment.model import LONG, SWEDISH_LONG
from portal.services.addresses import normalise_email
from portal.services.cases.themes import backfill as backfill_themes
from portal.services.cases.themes import ensure_themes
from portal.services.demo.content import DEMO_PASSWORD
from portal.services.demo.mailbox import leave_demo_mail
from portal.services.demo.plans import DemoSeedError
from portal.services.demo.seeding import demo_logins, seed_demo
from portal.services.rules import RuleError
from portal.services.sales.file_import import ImportFormatError, import_sales_file
from portal.services.setup import ensure_sla_policies
from portal.services.staff import solo
from portal.services.staff.accounts import create_user
from portal.services.surveys.schedule import get_policy

ROOT = Path(__file__).resolve().parent.parent
OWN_SENTIMENT_SET = ROOT / "bench" / "data" / "sentiment_eval.csv"
DEFAULT_SENTIMENT_DATA = ROOT.parent / "shared" / "data" / "sentiment"

portal_cli = AppGroup("portal", help="Aftersale administration commands.")


@portal_cli.command("init")
def init_command():
    """Create the default SLA policies, survey policy and complaint themes (safe to run
    again)."""

    created = ensure_sla_policies()
    get_policy()
    themes = ensure_themes()
    db.session.commit()
    click.echo(
        f"SLA policies: {created} created; survey policy in place; "
        f"complaint themes: {themes} added."
    )


@portal_cli.command("assign-themes")
def assign_themes_command():
    """Give complaint themes to the cases that have none (opened before themes existed)."""
    ensure_themes(commit=True)
    click.echo(f"Complaint themes given to {backfill_themes()} cases.")


@portal_cli.command("create-user")
@click.option("--email", required=True, help="Login address.")
@click.option("--name", required=True, help="Full name shown to colleagues.")
@click.option("--role", type=click.Choice(ROLES), default="rep", show_default=True)
@click.option("--team", "team_name", help="Team name; created if it does not exist.")
@click.option(
    "--password",
    help="Set a password now (prompted with --prompt-password); "
    "without one, the user is emailed a link to set it.",
)
@click.option("--prompt-password", is_flag=True, help="Ask for the password on the terminal.")
def create_user_command(email, name, role, team_name, password, prompt_password):
    """Create a staff account."""

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise click.BadParameter(str(exc), param_hint="--email") from None
    if db.session.scalar(sa.select(User).where(User.email == normalise_email(email))):
        raise click.ClickException(f"A user with the email {email} already exists.")
    if prompt_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(
            f"use at least {MIN_PASSWORD_LENGTH} characters", param_hint="--password"
        )
    team_id = None
    if team_name:
        team = db.session.scalar(sa.select(Team).where(Team.name == team_name))
        if team is None:
            team = Team(name=team_name)
            db.session.add(team)
            db.session.commit()
        team_id = team.id
    user = create_user(email, name, role, team_id=team_id, password=password)
    how = "with the given password" if password else "a set-password link was emailed"
    click.echo(f"Created {user.role} {user.email} (id {user.id}); {how}.")


@portal_cli.command("create-solo")
@click.option("--email", required=True, help="Login address.")
@click.option("--name", required=True, help="Your name (also the name of your one-person team).")
@click.option("--password", help="The password (prompted for when not given).")
def create_solo_command(email, name, password):
    """Set up a seller on their own: one account that is rep, manager and admin (new install)."""

    if solo.has_users():
        raise click.ClickException(
            "This install already has users: the solo set-up is only for a new one "
            "(add people with create-user)."
        )
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = solo.create_solo(email, name, password)
    except RuleError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Created {user.email} (id {user.id}): rep, manager and admin of team {name!r}.")


@portal_cli.command("seed-demo")
@click.option("--customers", default=500, show_default=True)
@click.option("--sales", default=3000, show_default=True)
@click.option("--seed", default=7, show_default=True, help="Random seed: same seed, same data.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def seed_demo_command(customers, sales, seed, if_empty):
    """Fill the database with a realistic demo organisation."""

    if if_empty and db.session.scalar(sa.select(sa.func.count(User.id))):
        click.echo("The database already has users: demo data not added.")
        logins = demo_logins()
    else:
        try:
            summary = seed_demo(customers=customers, sales=sales, seed=seed)
        except DemoSeedError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(summary.describe())
        _echo_demo_mail(leave_demo_mail(utcnow()))
        logins = summary.logins
    if logins:
        click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, email in logins:
            click.echo(f"  {role:<8} {email}")


def _echo_demo_mail(written) -> None:
    click.echo("Emails to open (as a customer would):")
    for item in written:
        click.echo(f"  {item.what:<40} to {item.to}: {item.where}")


@portal_cli.command("import-sales")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the rejected rows, with the reason, to this CSV file.",
)
def import_sales_command(path, errors_path):
    """Import sales from a CSV file ("-" reads standard input).

    The header names the columns, in any order: order_ref, sold_at, customer_email,
    customer_name, rep_email, amount, currency, product, and optionally customer_locale
    (en or sv). Comma or semicolon delimited, UTF-8. Order refs already stored are skipped,
    so importing a file again is safe. Exits with status 1 when rows were rejected.
    """

    try:
        result = import_sales_file(path, progress=_progress_bar, errors_path=errors_path)
    except ImportFormatError as exc:
        raise click.ClickException(str(exc)) from None
    for problem in result.problems[:200]:
        click.echo(f"line {problem.line}: {problem.message}", err=True)
    if len(result.problems) > 200:
        click.echo(f"... and {len(result.problems) - 200} more problems", err=True)
    click.echo(result.summary())
    if result.problems:
        sys.exit(1)


@portal_cli.command("tick")
@click.option("--every", type=click.IntRange(min=5), help="Repeat every N seconds until stopped.")
def tick_command(every):
    """Run every periodic job once now (surveys, sweeps). With Redis, workers do this by
    themselves; without Redis, `make run` keeps this running next to the web server."""

    while True:
        for name, outcome in run_all_once().items():
            click.echo(f"{name}: {outcome}")
        if not every:
            return
        time.sleep(every)


@portal_cli.command("score")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--column", required=True, help="The column holding the text to analyse.")
@click.option(
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    default="-",
    help="Write the scored CSV here (default: standard output).",
)
def score_command(path, column, output_path):
    """Analyse the sentiment of one column of a CSV file ("-" reads standard input).

    Writes every row as it was, plus the columns label, polarity, reasons (joined with "; "),
    language and needs_review (prefixed "score_" when the file has such a column already).
    Comma, semicolon or tab delimited (the same comes out), UTF-8 with or without a BOM.
    Rows with an empty text are scored too. Needs no database.
    """
    # Heavy (TextBlob, a third of a second): loaded only by the command that scores.
    from portal.sentiment.csvfile import CsvFormatError, score_csv_file

    try:
        summary = score_csv_file(path, output_path, column)
    except CsvFormatError as exc:
        raise click.ClickException(str(exc)) from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text: save it as CSV UTF-8.") from None
    for ours, theirs in summary.renamed.items():
        click.echo(f'The file has a "{ours}" column already: the score is in "{theirs}".', err=True)
    if summary.ragged_lines:
        lines = ", ".join(map(str, summary.ragged_lines[:10]))
        click.echo(f"Lines with more fields than the header (check the quoting): {lines}", err=True)
    click.echo(summary.describe(), err=True)


def _probability(flag: str, default: float, text: str):
    """A decision bar of train-sentiment: a probability from 0 to 1."""
    return click.option(
        flag, type=click.FloatRange(0, 1), default=default, show_default=True, help=text
    )


@portal_cli.command("train-sentiment")
@click.argument("csv_paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SENTIMENT_DATA_DIR",
    default=DEFAULT_SENTIMENT_DATA,
    show_default=True,
    help="Folder of labelled CSV files (SENTIMENT_DATA_DIR); skipped when it does not exist.",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="NAME",
    help="Leave out a file of the data folder (by name, with or without .csv). Repeatable.",
)
@click.option(
    "--include",
    multiple=True,
    metavar="NAME",
    help="Take in a file left out by default (en_semeval14_absa: research use only).",
)
@click.option("--no-shared", is_flag=True, help="Use no file of the data folder.")
@click.option("--no-own-set", is_flag=True, help="Leave out bench/data/sentiment_eval.csv.")
@click.option("--no-corrections", is_flag=True, help="Leave out the staff label corrections.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the weights (default: the shipped portal/sentiment/weights.json).",
)
@_probability(
    "--threshold",
    training.THRESHOLD,
    "Probability from which a comment the rules call negative stays negative.",
)
@_probability(
    "--overrule",
    training.OVERRULE,
    "Probability from which a comment the rules call neutral or positive is negative.",
)
@_probability(
    "--overrule-long",
    training.OVERRULE_LONG,
    f"The same, for a comment of {LONG} characters or more.",
)
@_probability(
    "--overrule-problem",
    training.OVERRULE_PROBLEM,
    "The same, for a rules-neutral comment that states a problem (took, stopped, ...).",
)
@_probability(
    "--overrule-negative-word",
    training.OVERRULE_NEGATIVE_WORD,
    "The same, for a rules-neutral comment with a negative word (broken; not no/not).",
)
@_probability(
    "--overrule-swedish",
    training.OVERRULE_SWEDISH,
    f"The same, for a Swedish comment of {SWEDISH_LONG} characters or more.",
)
def train_sentiment_command(
    csv_paths,
    data_dir,
    exclude,
    include,
    no_shared,
    no_own_set,
    no_corrections,
    output,
    threshold,
    overrule,
    overrule_long,
    overrule_problem,
    overrule_negative_word,
    overrule_swedish,
):
    """Rebuild the sentiment model's weights from labelled texts (reproducibly).

    Learns from the project's own set (bench/data/sentiment_eval.csv), every CSV file of the
    data folder (less --exclude, and less en_semeval14_absa unless --include), the staff label
    corrections in the database, and the CSV files given (columns "text" and "label":
    negative, neutral or positive). Needs scikit-learn (pip install -e ".[dev]").
    """
    from portal.sentiment import model

    try:
        sources = _training_sources(
            csv_paths, data_dir, exclude, include, no_shared, no_own_set, no_corrections
        )
        lexicon = training.english_lexicon()
        if not lexicon:
            click.echo("vaderSentiment is not installed: no lexicon features.", err=True)
        data = training.fit(
            sources,
            lexicon=lexicon,
            threshold=threshold,
            overrule=overrule,
            overrule_long=overrule_long,
            overrule_problem=overrule_problem,
            overrule_negative_word=overrule_negative_word,
            overrule_swedish=overrule_swedish,
        )
    except training.TrainingDataError as exc:
        raise click.ClickException(str(exc)) from None
    except ImportError as exc:
        raise click.ClickException(
            f"{exc.name} is needed to train: pip install -e '.[dev]'"
        ) from None
    target = output or model.WEIGHTS_FILE
    training.write(data, target)
    model.load.cache_clear()
    for source in sources:
        click.echo(
            f"  {source.name}: {len(source.texts)} texts, "
            f"{source.labels.count('negative')} negative"
        )
    click.echo(f"Wrote {len(data['weights'])} weights to {target}.")


def _training_sources(csv_paths, data_dir, exclude, include, no_shared, no_own_set, no_fixes):
    from portal.sentiment import training

    sources = []
    if not no_own_set:
        sources.append(training.read_own_set(OWN_SENTIMENT_SET))
    if not no_shared and data_dir.is_dir():
        licenses = training.licenses(data_dir / "SOURCES.md")
        left_out = {*training.NOT_SHIPPED, *exclude} - set(include)
        for path in training.shared_files(data_dir, left_out):
            sources.append(training.read_csv(path, licenses.get(path.stem, "see SOURCES.md")))
    elif not no_shared:
        click.echo(f"No data folder at {data_dir}: training without it.", err=True)
    for path in csv_paths:
        sources.append(training.read_csv(path, "given on the command line"))
    if not no_fixes:
        latest: dict[object, tuple[str, str]] = {}
        query = sa.select(SentimentCorrection).order_by(SentimentCorrection.id)
        try:
            fixes = db.session.scalars(query).all()
        except sa.exc.SQLAlchemyError as exc:
            raise training.TrainingDataError(
                f"Cannot read the staff corrections ({type(exc).__name__}): run "
                "`flask db upgrade` first, or train with --no-corrections."
            ) from None
        for fix in fixes:
            if fix.text and fix.text.strip():  # the last correction of a case counts
                latest[_correction_key(fix)] = (fix.text, fix.corrected_label)
        if latest:
            texts, labels = zip(*latest.values(), strict=True)
            sources.append(
                training.Source(
                    training.STAFF_CORRECTIONS,
                    list(texts),
                    list(labels),
                    "this portal's own",
                    training.CORRECTION_WEIGHT,
                )
            )
    return sources


def _correction_key(fix) -> tuple[str, int]:
    """What a correction is about: its case, else the answer dismissed on the review list."""
    if fix.case_id:
        return ("case", fix.case_id)
    if fix.response_id:
        return ("answer", fix.response_id)
    return ("row", fix.id)


def _progress_bar(total_bytes: int):
    """A click progress bar over the bytes of the file (shown only on a terminal)."""
    return click.progressbar(length=total_bytes, label="Importing", file=sys.stderr)


def init_app(app: Flask) -> None:

    portal_cli.add_command(rebuild_performance_command)
    portal_cli.add_command(inbound_smtp_command)
    portal_cli.add_command(revoke_reply_address_command)
    app.cli.add_command(portal_cli)
