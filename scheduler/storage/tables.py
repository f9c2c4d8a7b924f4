"""The database schema as SQLAlchemy 2 typed tables.

One database holds a district: every row below ``schools`` carries its ``school_id``, and every
query filters on it. Records of the problem format keep their spec id in ``key`` (unique within the
school, or within the school and week) and their fields under the spec's names, so converting to
and from the domain models is mechanical (``storage.convert``). Lists inside a record (features,
unavailable blocks, needs, ...) are JSON columns: they are always read and written with the record.

Week-scoped data (blocks, choices, requests, locks, reservations, plans, jobs) carries ``week``, the
Monday of the school week it belongs to.

Two kinds of reservation live here. ``reservations`` holds the spec's block reservations imported
with a problem file. ``bookings`` are the reservations teachers and schedulers file through the API
(issue #5): a series of one or more weekly ``booking_slots``, each a concrete time on a date. The
week's problem (``storage.problems``) lists both: approved bookings become block reservations of
every block they overlap.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from scheduler.storage.types import UTCDateTime, utc_now

KEY = 64  # the spec's id pattern allows 64 characters


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class SchoolRow(Timestamped, Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    policy: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SchoolScoped(Timestamped):
    """A record of one school, known to users by its spec id ``key``."""

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(KEY))


class StudentRow(SchoolScoped, Base):
    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("school_id", "key"), Index("ix_students_school_grade", "school_id", "grade"))

    name: Mapped[str | None] = mapped_column(String(200))
    grade: Mapped[int] = mapped_column(Integer)
    needs: Mapped[list[Any]] = mapped_column(default=list)
    unavailable: Mapped[list[Any]] = mapped_column(default=list)
    avoid: Mapped[list[Any]] = mapped_column(default=list)


class StaffRow(SchoolScoped, Base):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("school_id", "key"),)

    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    unavailable: Mapped[list[Any]] = mapped_column(default=list)
    max_sessions: Mapped[int | None] = mapped_column(Integer)


class SpaceRow(SchoolScoped, Base):
    __tablename__ = "spaces"
    __table_args__ = (UniqueConstraint("school_id", "key"),)

    name: Mapped[str | None] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    features: Mapped[list[Any]] = mapped_column(default=list)
    unavailable: Mapped[list[Any]] = mapped_column(default=list)


class ResourceRow(SchoolScoped, Base):
    __tablename__ = "resources"
    __table_args__ = (UniqueConstraint("school_id", "key"),)

    name: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)


class OfferingRow(SchoolScoped, Base):
    __tablename__ = "offerings"
    __table_args__ = (UniqueConstraint("school_id", "key"), Index("ix_offerings_school_kind", "school_id", "kind"))

    title: Mapped[str | None] = mapped_column(String(200))
    pathway: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    staff: Mapped[list[Any]] = mapped_column()
    capacity: Mapped[int] = mapped_column(Integer)
    min_students: Mapped[int] = mapped_column(Integer, default=1)
    runs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    allowed_blocks: Mapped[list[Any] | None] = mapped_column(JSON)
    space: Mapped[str | None] = mapped_column(String(KEY))
    needs_features: Mapped[list[Any]] = mapped_column(default=list)
    resources: Mapped[list[Any]] = mapped_column(default=list)
    grades: Mapped[list[Any] | None] = mapped_column(JSON)
    repeatable: Mapped[bool | None] = mapped_column()


class WeekScoped(SchoolScoped):
    week: Mapped[dt.date] = mapped_column(Date)


class BlockRow(WeekScoped, Base):
    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("school_id", "week", "key"),)

    date: Mapped[dt.date] = mapped_column(Date)
    start: Mapped[dt.time] = mapped_column(Time)
    end: Mapped[dt.time] = mapped_column(Time)
    label: Mapped[str | None] = mapped_column(String(200))


class ChoiceListRow(WeekScoped, Base):
    """A student's ranked choices for one week (``key`` is the student's id)."""

    __tablename__ = "choice_lists"
    __table_args__ = (UniqueConstraint("school_id", "week", "key"),)

    offerings: Mapped[list[Any]] = mapped_column(default=list)
    submitted_by: Mapped[str | None] = mapped_column(String(20))


class RequestRow(WeekScoped, Base):
    __tablename__ = "requests"
    __table_args__ = (UniqueConstraint("school_id", "week", "key"),)

    staff: Mapped[str] = mapped_column(String(KEY), index=True)
    student: Mapped[str] = mapped_column(String(KEY))
    offering: Mapped[str] = mapped_column(String(KEY))
    priority: Mapped[str] = mapped_column(String(20), default="required")
    note: Mapped[str | None] = mapped_column(String(500))


class ReservationRow(WeekScoped, Base):
    __tablename__ = "reservations"
    __table_args__ = (UniqueConstraint("school_id", "week", "key"),)

    staff: Mapped[str | None] = mapped_column(String(KEY))
    block: Mapped[str] = mapped_column(String(KEY))
    space: Mapped[str | None] = mapped_column(String(KEY))
    resources: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ReservationSettingsRow(Timestamped, Base):
    """How a school takes reservations; a school without a row uses the defaults of
    ``services.reservation_times`` (granted at once, school day 07:00-18:00)."""

    __tablename__ = "reservation_settings"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True)
    approval: Mapped[str] = mapped_column(String(12))  # auto | scheduler
    day_start: Mapped[dt.time] = mapped_column(Time)
    day_end: Mapped[dt.time] = mapped_column(Time)


class BookingRow(SchoolScoped, Base):
    """A reservation filed through the API: what is held, by whom, and its state.

    ``space`` is the space granted (chosen by the service when the request named features);
    ``block`` is set for a block reservation (the block of that id in each week of the series).
    The times are in ``booking_slots``, one per week.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("school_id", "key"),
        UniqueConstraint("school_id", "idempotency_key"),
        Index("ix_bookings_staff", "school_id", "staff"),
    )

    staff: Mapped[str | None] = mapped_column(String(KEY))
    space: Mapped[str | None] = mapped_column(String(KEY))
    features: Mapped[list[Any]] = mapped_column(default=list)
    seats: Mapped[int | None] = mapped_column(Integer)  # the size asked for, when any
    resources: Mapped[dict[str, Any]] = mapped_column(default=dict)
    block: Mapped[str | None] = mapped_column(String(KEY))
    repeat_weeks: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12))  # pending | approved | declined | cancelled
    note: Mapped[str | None] = mapped_column(String(500))
    filed_by: Mapped[str] = mapped_column(String(12))  # the role of the user who filed it
    decision_note: Mapped[str | None] = mapped_column(String(500))
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_digest: Mapped[str | None] = mapped_column(String(64))


class BookingSlotRow(Base):
    """One concrete time of a booking: [starts_at, ends_at) is what it holds (UTC).

    ``date``/``start``/``end`` are the local times asked for; the held interval also covers every
    block the asked time overlaps (a session uses its whole block). ``active`` mirrors the booking's
    status (pending or approved) so the database can refuse overlaps: on PostgreSQL the migration
    adds an exclusion constraint over (school, space, tstzrange) of active slots.
    """

    __tablename__ = "booking_slots"
    __table_args__ = (
        Index("ix_booking_slots_date", "school_id", "date"),
        Index("ix_booking_slots_week", "school_id", "week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    week: Mapped[dt.date] = mapped_column(Date)
    date: Mapped[dt.date] = mapped_column(Date)
    start: Mapped[dt.time] = mapped_column(Time)
    end: Mapped[dt.time] = mapped_column(Time)
    block: Mapped[str | None] = mapped_column(String(KEY))
    starts_at: Mapped[dt.datetime] = mapped_column()
    ends_at: Mapped[dt.datetime] = mapped_column()
    space: Mapped[str | None] = mapped_column(String(KEY))
    active: Mapped[bool] = mapped_column()


class PlacementRow(WeekScoped, Base):
    """A lock or an imported previous placement (``kind``); ``key`` is the student's id."""

    __tablename__ = "placements"
    __table_args__ = (Index("ix_placements_week", "school_id", "week", "kind"),)

    kind: Mapped[str] = mapped_column(String(10))  # "lock" | "previous"
    block: Mapped[str] = mapped_column(String(KEY))
    offering: Mapped[str] = mapped_column(String(KEY))


class ChoiceWindowRow(Timestamped, Base):
    """When students may submit choices for a week, and which offerings are open to which grades."""

    __tablename__ = "choice_windows"
    __table_args__ = (UniqueConstraint("school_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    week: Mapped[dt.date] = mapped_column(Date)
    opens_at: Mapped[dt.datetime] = mapped_column()
    closes_at: Mapped[dt.datetime] = mapped_column()
    min_choices: Mapped[int] = mapped_column(Integer, default=1)
    max_choices: Mapped[int] = mapped_column(Integer, default=10)
    # offering id -> grades it is open to in this window; null: every choice offering, its own grades
    open_offerings: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class PlanRow(Timestamped, Base):
    """One version of a week's plan: its header; sessions and assignments are rows of their own."""

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("school_id", "week", "version"),
        Index("ix_plans_state", "school_id", "week", "state"),
        # One published plan per week, kept by the database itself.
        Index(
            "uq_plans_one_published",
            "school_id",
            "week",
            unique=True,
            sqlite_where=text("state = 'published'"),
            postgresql_where=text("state = 'published'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    week: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), default="draft")  # draft | published | retired
    source: Mapped[str] = mapped_column(String(12))  # solver | manual
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    job_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(12))  # the spec's optimal | feasible | infeasible | unknown
    solve_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    objective: Mapped[float | None] = mapped_column(Float)
    bound: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float | None] = mapped_column(Float)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    conflicts: Mapped[list[Any]] = mapped_column(default=list)
    changed_from_published: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[dt.datetime | None] = mapped_column()
    # Set when a reservation granted later collides with this version: solve again before publishing.
    needs_resolve: Mapped[bool] = mapped_column(default=False, server_default=false())


class PlanSessionRow(Base):
    __tablename__ = "plan_sessions"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(140))
    offering: Mapped[str] = mapped_column(String(KEY))
    block: Mapped[str] = mapped_column(String(KEY))
    space: Mapped[str | None] = mapped_column(String(KEY))
    staff: Mapped[list[Any]] = mapped_column(default=list)
    resources: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PlanAssignmentRow(Base):
    __tablename__ = "plan_assignments"
    __table_args__ = (Index("ix_plan_assignments_student", "plan_id", "student"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    student: Mapped[str] = mapped_column(String(KEY))
    block: Mapped[str] = mapped_column(String(KEY))
    session: Mapped[str] = mapped_column(String(140))
    reason: Mapped[str] = mapped_column(String(20))


class SolveJobRow(Timestamped, Base):
    __tablename__ = "solve_jobs"
    __table_args__ = (UniqueConstraint("school_id", "idempotency_key"), Index("ix_jobs_state", "state"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    week: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(12))  # queued | running | succeeded | failed | cancelled
    time_limit: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    workers: Mapped[int] = mapped_column(Integer, default=2)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_digest: Mapped[str | None] = mapped_column(String(64))
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    publish_when_done: Mapped[bool] = mapped_column(default=False)
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()


class UserRow(Timestamped, Base):
    """Someone who may call the API: an admin (district-wide) or a scheduler, teacher or student of a school.

    ``school_key`` is a plain string so a scheduler can be created before their school is imported;
    ``subject`` is the staff or student id a teacher or student acts as.
    """

    __tablename__ = "users"
    __table_args__ = (Index("ix_users_school_subject", "school_key", "role", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(12))  # admin | scheduler | teacher | student
    school_key: Mapped[str | None] = mapped_column(String(KEY))
    subject: Mapped[str | None] = mapped_column(String(KEY))
    name: Mapped[str | None] = mapped_column(String(200))


class ApiTokenRow(Timestamped, Base):
    """A bearer token, stored as its SHA-256 digest only."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()


class CalendarFeedRow(Timestamped, Base):
    """One subscriber's published feed: its rendered head and VTIMEZONE and its validators.

    The body is ``head + vtimezone + events' texts + END`` (``calendar.ics.assemble``), all stored,
    so serving a feed renders nothing and two fetches of the same data are byte-identical.
    """

    __tablename__ = "calendar_feeds"
    __table_args__ = (UniqueConstraint("school_id", "kind", "owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # students | staff | spaces | resources
    owner: Mapped[str] = mapped_column(String(KEY))
    title: Mapped[str] = mapped_column(String(400))  # the calendar's name, as in ``head``
    refresh_seconds: Mapped[int] = mapped_column(Integer, default=0)  # the poll interval in ``head``
    head: Mapped[str] = mapped_column(Text)
    vtimezone: Mapped[str] = mapped_column(Text)
    etag: Mapped[str] = mapped_column(String(64))
    last_modified: Mapped[dt.datetime] = mapped_column()


class CalendarEventRow(Base):
    """One published event of one feed: its re-publish state (``calendar.history``) and its text."""

    __tablename__ = "calendar_events"
    __table_args__ = (UniqueConstraint("feed_id", "uid"), Index("ix_calendar_events_feed_week", "feed_id", "week"))

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("calendar_feeds.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(200))
    week: Mapped[dt.date] = mapped_column(Date)
    starts_at: Mapped[dt.datetime] = mapped_column()
    ends_at: Mapped[dt.datetime] = mapped_column()
    cancelled_since: Mapped[dt.datetime | None] = mapped_column()
    state: Mapped[dict[str, Any]] = mapped_column()  # history.history_to_json's row
    ics: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(32))  # of ``ics``: feeds' ETags come from these


class CalendarLinkRow(Timestamped, Base):
    """A secret subscription link to one feed, stored as the SHA-256 digest of its token only."""

    __tablename__ = "calendar_links"
    __table_args__ = (Index("ix_calendar_links_owner", "school_id", "kind", "owner"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    owner: Mapped[str] = mapped_column(String(KEY))
    label: Mapped[str | None] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
