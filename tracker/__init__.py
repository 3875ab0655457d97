"""The tracker: follow-up of workshop recommendations through owned, dated actions."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from tracker import config as config_module

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the application.

    Without `config`, the settings come from the environment (tracker/config.py); with
    it (tests pass theirs here), from the defaults and `config` alone. Raises
    `ConfigError` when the configuration is unsafe for the chosen environment.
    """
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    app.config.update(config_module.DEFAULTS)
    # A given mapping is the whole configuration: the environment (a developer's
    # DATABASE_URL or MAIL_SERVER) never leaks into an app built for tests.
    environ = os.environ if config is None else {}
    app.config.update(config_module.from_environment(app.instance_path, environ))
    app.config.update(config or {})
    config_module.derive(app.config)
    config_module.check(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from tracker import models  # noqa: F401  (registers the tables)
    from tracker.extensions import cache, csrf, db, limiter, login_manager

    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)

    from tracker import args, i18n, security, templating, text

    args.init_app(app)
    text.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    templating.init_app(app)

    from tracker.actions.routes import bp as actions_bp
    from tracker.admin.routes import bp as admin_bp
    from tracker.auth.routes import bp as auth_bp
    from tracker.dashboard.routes import bp as dashboard_bp
    from tracker.errors import init_app as init_errors
    from tracker.events.routes import bp as events_bp
    from tracker.evidence.routes import bp as evidence_bp
    from tracker.exports.routes import bp as exports_bp
    from tracker.importing.routes import bp as importing_bp
    from tracker.indicators.routes import bp as indicators_bp
    from tracker.main.routes import bp as main_bp
    from tracker.profile.routes import bp as profile_bp
    from tracker.public.routes import bp as public_bp
    from tracker.reminders.routes import bp as reminders_bp
    from tracker.replies.routes import bp as replies_bp
    from tracker.reports.routes import bp as reports_bp
    from tracker.review.routes import bp as review_bp
    from tracker.spreadsheets.routes import bp as spreadsheets_bp
    from tracker.workdays.routes import bp as workdays_bp

    for blueprint in (auth_bp, main_bp, events_bp, actions_bp, admin_bp, review_bp,
                      dashboard_bp, exports_bp, reports_bp, profile_bp, public_bp,
                      evidence_bp, reminders_bp, importing_bp, spreadsheets_bp, indicators_bp,
                      workdays_bp, replies_bp):
        app.register_blueprint(blueprint)
    init_errors(app)

    from tracker.reminders import notifications

    notifications.init_app(app)  # emails follow the actions' events

    from tracker.evidence import services as evidence_services

    evidence_services.init_app(app)

    from tracker.api import init_app as init_api
    from tracker.api.routes import bp as api_bp

    init_api(app)
    # The API authenticates each request by its bearer token, never by the session
    # cookie, so there is no cross-site request to forge.
    csrf.exempt(api_bp)

    from tracker.cli import init_app as init_cli

    init_cli(app)
    return app
