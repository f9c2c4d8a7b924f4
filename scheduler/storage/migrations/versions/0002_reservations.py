"""reservations: bookings filed through the API, their slots, school settings, plans needing a re-solve

On PostgreSQL an exclusion constraint (btree_gist) refuses two active slots of one space whose
held times overlap: the last guard behind the row lock the service takes (services.reservations).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 07:49:41.806499
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import scheduler.storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


NO_OVERLAP = """
ALTER TABLE booking_slots ADD CONSTRAINT ex_booking_slots_space_overlap
EXCLUDE USING gist (school_id WITH =, space WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
WHERE (active AND space IS NOT NULL)
"""


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("staff", sa.String(length=64), nullable=True),
        sa.Column("space", sa.String(length=64), nullable=True),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("resources", sa.JSON(), nullable=False),
        sa.Column("block", sa.String(length=64), nullable=True),
        sa.Column("repeat_weeks", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("filed_by", sa.String(length=12), nullable=False),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column("decided_at", scheduler.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_digest", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("created_at", scheduler.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", scheduler.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "idempotency_key"),
        sa.UniqueConstraint("school_id", "key"),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bookings_school_id"), ["school_id"], unique=False)
        batch_op.create_index("ix_bookings_staff", ["school_id", "staff"], unique=False)

    op.create_table(
        "reservation_settings",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("approval", sa.String(length=12), nullable=False),
        sa.Column("day_start", sa.Time(), nullable=False),
        sa.Column("day_end", sa.Time(), nullable=False),
        sa.Column("created_at", scheduler.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", scheduler.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("school_id"),
    )
    op.create_table(
        "booking_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("end", sa.Time(), nullable=False),
        sa.Column("block", sa.String(length=64), nullable=True),
        sa.Column("starts_at", scheduler.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", scheduler.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("space", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("booking_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_slots_booking_id"), ["booking_id"], unique=False)
        batch_op.create_index("ix_booking_slots_date", ["school_id", "date"], unique=False)
        batch_op.create_index("ix_booking_slots_week", ["school_id", "week"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(NO_OVERLAP)

    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("needs_resolve", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_column("needs_resolve")

    with op.batch_alter_table("booking_slots", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_slots_week")
        batch_op.drop_index("ix_booking_slots_date")
        batch_op.drop_index(batch_op.f("ix_booking_slots_booking_id"))

    op.drop_table("booking_slots")
    op.drop_table("reservation_settings")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_staff")
        batch_op.drop_index(batch_op.f("ix_bookings_school_id"))

    op.drop_table("bookings")
