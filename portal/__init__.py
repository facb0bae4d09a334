"""Aftersale: customer feedback and complaint resolution for sales teams.

The factory imports the parts it wires (extensions, blueprints, CLI) inside its functions, on
purpose: importing any `portal.*` module runs this file first, and a worker or script that
imports `portal.jobs` or `portal.models` must not load every blueprint and form with it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from dotenv import load_dotenv
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import INSTANCE_DIR, Config, load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, config: Config | None = None) -> Flask:
    """Build and wire up the application. Nothing here talks to a server yet."""
    load_dotenv(ROOT / ".env", override=False)
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    settings = config or load_config("testing" if test_config else None)
    app.config.from_object(settings)
    if test_config:
        app.config.update(test_config)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

    if app.config["PROXY_HOPS"]:
        # Behind N proxies, trust exactly N X-Forwarded-* hops and no more.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)

    _init_extensions(app)
    _register_blueprints(app)

    from portal import cli, errors, security, templating

    errors.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def _init_extensions(app: Flask) -> None:
    from portal import db_connections, jobs, models, ratelimits  # noqa: F401  (models: the tables)
    from portal.extensions import babel, csrf, db, limiter, login_manager, migrate
    from portal.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    ratelimits.configure(app)
    limiter.init_app(app)
    ratelimits.init_app(app)
    login_manager.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "portal" / "translations"),
    )
    jobs.init_app(app)
    with app.app_context():
        db_connections.install(db.engine)

    from portal.auth import audit_actor
    from portal.auth import session as auth_session

    auth_session.init_login_manager(login_manager)
    audit_actor.init_app()


def _register_blueprints(app: Flask) -> None:
    from portal.admin.routes import bp as admin_bp
    from portal.api.routes import bp as api_bp
    from portal.auth.routes import bp as auth_bp
    from portal.cases.routes import bp as cases_bp
    from portal.checkins.routes import bp as checkins_bp
    from portal.coaching.routes import bp as coaching_bp
    from portal.complaints.routes import bp as complaints_bp
    from portal.dashboard.routes import bp as dashboard_bp
    from portal.main.routes import bp as main_bp
    from portal.solo.routes import bp as solo_bp
    from portal.survey.routes import bp as survey_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(complaints_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(coaching_bp)
    app.register_blueprint(checkins_bp)
    app.register_blueprint(solo_bp)
