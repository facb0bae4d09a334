"""outbox rows name their job by key, not by import path

Work in the outbox used to be stored as the job's import path ("portal.jobs.triage:
analyse_response"); it is now the job's registry key ("triage.analyse_response",
portal/jobs/registry.py), so that job modules can move without breaking stored work. Two jobs
moved from portal/jobs/customer_mail.py to portal/jobs/followup.py: their key, and the job id
derived from it, change ("customer_mail-apply_followup_answer-7" becomes
"followup-apply_followup_answer-7"). Data only; the schema is unchanged.

Self-contained on purpose: the mapping is written out here, not imported from the portal,
whose modules may move again.

Revision ID: 3b8e5a0c71d4
Revises: c6a1d0e4b7f2
Create Date: 2026-12-06 02:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b8e5a0c71d4'
down_revision = 'c6a1d0e4b7f2'
branch_labels = None
depends_on = None

# old import path -> key, for the jobs that changed module
MOVED = {
    "portal.jobs.customer_mail:apply_followup_answer": "followup.apply_followup_answer",
    "portal.jobs.customer_mail:close_unanswered_followups": "followup.close_unanswered_followups",
}

outbox = sa.table(
    "outbox_jobs",
    sa.column("id", sa.Integer),
    sa.column("job_id", sa.String),
    sa.column("func", sa.String),
)


def _key(path):
    if path in MOVED:
        return MOVED[path]
    module, _, name = path.partition(":")
    return f"{module.rsplit('.', 1)[-1]}.{name}"


def _path(key):
    for path, moved in MOVED.items():
        if moved == key:
            return path
    module, _, name = key.partition(".")
    return f"portal.jobs.{module}:{name}"


def _id_prefix(key):
    return key.replace(".", "-", 1) + "-"


def _legacy_key(path):
    """What the old id scheme took from a path: "<module's last part>.<function>"."""
    module, _, name = path.partition(":")
    return f"{module.rsplit('.', 1)[-1]}.{name}"


def _rewrite(rows_stored_as_path, new_func_of, id_prefixes_of):
    conn = op.get_bind()
    for row_id, job_id, func in conn.execute(
        sa.select(outbox.c.id, outbox.c.job_id, outbox.c.func)
    ).all():
        if (":" in func) != rows_stored_as_path:
            continue  # already in the target form
        new_func = new_func_of(func)
        old_prefix, new_prefix = id_prefixes_of(func, new_func)
        if job_id.startswith(old_prefix):
            job_id = new_prefix + job_id[len(old_prefix):]
        conn.execute(
            sa.update(outbox).where(outbox.c.id == row_id).values(func=new_func, job_id=job_id)
        )


def upgrade():
    _rewrite(
        True,
        _key,
        lambda path, key: (_id_prefix(_legacy_key(path)), _id_prefix(key)),
    )


def downgrade():
    _rewrite(
        False,
        _path,
        lambda key, path: (_id_prefix(key), _id_prefix(_legacy_key(path))),
    )
