"""Chapters above organizations, their admins, and invitations to organizations

Revision ID: 0019_chapters
Revises: 0018_newsletter
Create Date: 2026-11-30 19:50:00.000000

"""

from alembic import op
import sqlalchemy as sa

import lms.database


# revision identifiers, used by Alembic.
revision = "0019_chapters"
down_revision = "0018_newsletter"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "chapters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("created_at", lms.database.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chapters")),
        sa.UniqueConstraint("name", name=op.f("uq_chapters_name")),
    )
    op.create_table(
        "chapter_admins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("appointed_at", lms.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chapter_id"],
            ["chapters.id"],
            name=op.f("fk_chapter_admins_chapter_id_chapters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_chapter_admins_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chapter_admins")),
        sa.UniqueConstraint(
            "chapter_id", "user_id", name=op.f("uq_chapter_admins_chapter_id_user_id")
        ),
    )
    with op.batch_alter_table("chapter_admins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chapter_admins_chapter_id"), ["chapter_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_chapter_admins_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chapter_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("public_info", sa.Text(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_organizations_chapter_id"), ["chapter_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_organizations_chapter_id_chapters"),
            "chapters",
            ["chapter_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("profession", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("locale", sa.String(length=10), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lms.database.UTCDateTime(), nullable=False),
        sa.Column("sent_at", lms.database.UTCDateTime(), nullable=False),
        sa.Column("expires_at", lms.database.UTCDateTime(), nullable=False),
        sa.Column("accepted_at", lms.database.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", lms.database.UTCDateTime(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_invitations_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_invitations_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["users.id"], name=op.f("fk_invitations_invited_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_invitations_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint(
            "organization_id", "email", name=op.f("uq_invitations_organization_id_email")
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invitations_organization_id"), ["organization_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_organization_id"))
    op.drop_table("invitations")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_organizations_chapter_id_chapters"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_organizations_chapter_id"))
        batch_op.drop_column("public_info")
        batch_op.drop_column("chapter_id")
    with op.batch_alter_table("chapter_admins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chapter_admins_user_id"))
        batch_op.drop_index(batch_op.f("ix_chapter_admins_chapter_id"))
    op.drop_table("chapter_admins")
    op.drop_table("chapters")
