"""The migrations have one head, build the models' schema, and run down and up again."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from portal.models import search_indexes

from ..conftest import TEST_DATABASE_URL, _ensure_postgres_database, _test_config


def test_migrations_have_a_single_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several heads, merge them: {heads}"


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": search_indexes.include_object}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def _round_trip(url: str, mail_dir) -> None:
    app = create_app(_test_config(url, mail_dir))
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"users", "sales", "cases", "survey_responses"} <= tables
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "cases" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_migrations_run_down_and_up_on_sqlite(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'roundtrip.db'}", tmp_path)


def test_migrations_run_down_and_up_on_postgres(tmp_path):
    import pytest

    if not TEST_DATABASE_URL:
        pytest.skip("needs TEST_DATABASE_URL")
    url = sa.engine.make_url(TEST_DATABASE_URL)
    url = url.set(database=f"{url.database}_migrations")
    _ensure_postgres_database(url.render_as_string(hide_password=False))
    engine = sa.create_engine(url.set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    _round_trip(url.render_as_string(hide_password=False), tmp_path)


def test_sqlite_migrations_keep_the_rows_that_reference_a_rebuilt_table(tmp_path):
    """SQLite rebuilds a table to alter it (copy, drop, rename). With foreign keys enforced,
    that drop used to blank every reference to it: stepping back over the users.time_zone
    migration left every sale and case without its rep."""
    from decimal import Decimal

    from portal.models import Customer, Sale, Team, User
    from portal.timefmt import utcnow

    app = create_app(_test_config(f"sqlite:///{tmp_path / 'kept.db'}", tmp_path))
    with app.app_context():
        upgrade()
        team = Team(name="North")
        rep = User(email="rep@example.com", name="Rep", role="rep", team=team)
        rep.set_password("a long enough password", method="pbkdf2:sha256:1000")
        sale = Sale(
            order_ref="ORD-1",
            customer=Customer(email="ann@example.org", name="Ann"),
            rep=rep,
            amount=Decimal("10.00"),
            currency="SEK",
            product="Chair",
            sold_at=utcnow(),
        )
        db.session.add(sale)
        db.session.commit()
        rep_id, team_id = rep.id, team.id
        db.session.remove()

        downgrade(revision="a3c5e7f9b1d2")  # undoes b5d1e8f2a7c3, which rebuilds users
        with db.engine.connect() as conn:
            reps = conn.execute(sa.text("SELECT rep_id, team_id FROM sales, users")).all()
        assert reps == [(rep_id, team_id)]

        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT rep_id FROM sales")).scalar_one() == rep_id
            assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar_one() == 1
        db.engine.dispose()


def test_contact_wanted_is_added_and_removed_in_place_keeping_the_timelines(tmp_path):
    """d7e3b1c9a4f6 on SQLite: a batch copy of `cases` would drop the old table, and with
    foreign keys on that deletes every timeline entry (ON DELETE CASCADE). Existing cases get
    contact_wanted true; down and up again, the timeline is still there."""
    app = create_app(_test_config(f"sqlite:///{tmp_path / 'cases.db'}", tmp_path))
    now = "2026-12-01 10:00:00"
    with app.app_context():
        upgrade(revision="c3a9e5d7f1b2")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO customers (id, email, name, locale, created_at) "
                    "VALUES (1, 'k@example.org', 'K', 'en', :now)"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO cases (id, source, customer_id, status, severity, reopen_count,"
                    " created_at, updated_at, version, needs_review) VALUES (1, 'survey', 1,"
                    " 'open', 'normal', 0, :now, :now, 1, 0)"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO case_events (case_id, actor_kind, kind, created_at) "
                    "VALUES (1, 'system', 'opened', :now)"
                ),
                {"now": now},
            )

        def state():
            with db.engine.connect() as conn:
                events = conn.execute(sa.text("SELECT count(*) FROM case_events")).scalar()
                keys = conn.execute(sa.text("PRAGMA foreign_key_list(cases)")).all()
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("cases")}
            return events, sorted(tuple(k[2:5]) for k in keys), "contact_wanted" in columns

        events, keys, _ = state()
        upgrade()
        assert state() == (events, keys, True) and events == 1
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT contact_wanted FROM cases")).scalar() == 1
        downgrade(revision="c3a9e5d7f1b2")
        assert state() == (1, keys, False)
        db.engine.dispose()
