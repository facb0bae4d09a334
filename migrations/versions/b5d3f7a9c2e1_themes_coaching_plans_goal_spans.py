"""complaint themes (themes, case_themes; the default themes are added by `flask portal
init` and on first use, services/cases/themes.py ensure_themes), coaching plans and
their training items, coaching notes at a plan's check-in, goals over several periods with
milestones

Revision ID: b5d3f7a9c2e1
Revises: b5d1e8f2a7c3
Create Date: 2026-12-06 05:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d3f7a9c2e1'
down_revision = 'b5d1e8f2a7c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'themes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('name_en', sa.String(length=80), nullable=False),
        sa.Column('name_sv', sa.String(length=80), nullable=False),
        sa.Column('cues_en', sa.Text(), nullable=False),
        sa.Column('cues_sv', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_themes')),
        sa.UniqueConstraint('key', name=op.f('uq_themes_key')),
    )
    op.create_table(
        'case_themes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("source IN ('auto', 'staff')", name=op.f('ck_case_themes_source_known')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_themes_case_id_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_case_themes_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_case_themes_theme_id_themes'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_themes')),
        sa.UniqueConstraint('case_id', 'theme_id', name='uq_case_themes_case_theme'),
    )
    op.create_index(op.f('ix_case_themes_case_id'), 'case_themes', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_themes_theme_id'), 'case_themes', ['theme_id'], unique=False)
    op.create_table(
        'coaching_plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rep_id', sa.Integer(), nullable=False),
        sa.Column('manager_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('focus', sa.String(length=10), nullable=False),
        sa.Column('metric', sa.String(length=40), nullable=True),
        sa.Column('theme_id', sa.Integer(), nullable=True),
        sa.Column('baseline', sa.Float(), nullable=True),
        sa.Column('baseline_from', sa.Date(), nullable=False),
        sa.Column('target', sa.Float(), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('check_ins', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('final_value', sa.Float(), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('active', 'met', 'not_met')", name=op.f('ck_coaching_plans_status_known')),
        sa.CheckConstraint("focus IN ('metric', 'theme')", name=op.f('ck_coaching_plans_focus_known')),
        sa.CheckConstraint(
            "(focus = 'metric' AND metric IS NOT NULL) OR (focus = 'theme' AND theme_id IS NOT NULL)",
            name=op.f('ck_coaching_plans_focus_named'),
        ),
        sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_coaching_plans_manager_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['rep_id'], ['users.id'], name=op.f('fk_coaching_plans_rep_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_coaching_plans_theme_id_themes'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_plans')),
    )
    op.create_index(op.f('ix_coaching_plans_rep_id'), 'coaching_plans', ['rep_id'], unique=False)
    op.create_table(
        'plan_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=True),
        sa.Column('file_name', sa.String(length=200), nullable=True),
        sa.Column('file_type', sa.String(length=100), nullable=True),
        sa.Column('file_data', sa.LargeBinary(), nullable=True),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('rep_note', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['coaching_plans.id'], name=op.f('fk_plan_items_plan_id_coaching_plans'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_items')),
    )
    op.create_index(op.f('ix_plan_items_plan_id'), 'plan_items', ['plan_id'], unique=False)
    with op.batch_alter_table('coaching_notes') as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_coaching_notes_plan_id'), ['plan_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_coaching_notes_plan_id_coaching_plans'), 'coaching_plans',
            ['plan_id'], ['id'], ondelete='SET NULL',
        )
    with op.batch_alter_table('goals') as batch_op:
        batch_op.add_column(sa.Column('span', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('milestones', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('goals') as batch_op:
        batch_op.drop_column('milestones')
        batch_op.drop_column('span')
    with op.batch_alter_table('coaching_notes') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_coaching_notes_plan_id_coaching_plans'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_coaching_notes_plan_id'))
        batch_op.drop_column('plan_id')
    op.drop_index(op.f('ix_plan_items_plan_id'), table_name='plan_items')
    op.drop_table('plan_items')
    op.drop_index(op.f('ix_coaching_plans_rep_id'), table_name='coaching_plans')
    op.drop_table('coaching_plans')
    op.drop_index(op.f('ix_case_themes_theme_id'), table_name='case_themes')
    op.drop_index(op.f('ix_case_themes_case_id'), table_name='case_themes')
    op.drop_table('case_themes')
    op.drop_table('themes')
