"""The course config (``course.yml``): every date, room, person and weight of the semester.

One file, read here, feeds everything dated: the syllabus, the "How this course works" page and
the mini-project pages (Quarto shortcode ``{{< course KEY >}}`` of ``_extensions/mlpc/course``),
the decks' title slides and the PDF handouts (the filter of the same extension), and the
release command of the grading machinery (:meth:`Course.released`).

    from mlpc_course import course_config
    c = course_config.load()          # course.yml at the root; MLPC_COURSE_CONFIG overrides
    c.week(5).exercise.status         # 'cancelled' (Christi Himmelfahrt)
    c.deadline(3)                     # hand-in deadline of week 3 (aware datetime)
    c.released()                      # (N, M): material of weeks <= N, solutions <= M public now

Weeks are numbered 1..``course.weeks``; week 0 (setup) has no sessions but a release date (a
week before week 1). A session's date is its first date plus 7 days per week; a holiday acts
on the session that falls on its date. Times are local times of ``course.timezone``; every
datetime returned is timezone-aware.

A config that cannot be used raises :class:`CourseConfigError` (an
:class:`~mlpc_helpers.validation.MLPCInputError`) naming the field, the problem and the fix.

Command line::

    python -m mlpc_course.course_config check    # validate and print the semester's dates
    python -m mlpc_course.course_config json     # the computed calendar as JSON
    python -m mlpc_course.course_pages           # what the Quarto extension reads (JSON)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mlpc_helpers.validation import MLPCInputError

CONFIG_NAME = "course.yml"
ENV_VAR = "MLPC_COURSE_CONFIG"
EFFECTS = ("cancelled", "self-study")
KINDS = ("lecture", "exercise")
PLACEHOLDER_NAMES = {"", "N.N.", "NN", "TBA", "TBD"}
TBA = "to be announced"


class CourseConfigError(MLPCInputError):
    """``course.yml`` cannot be used: the message names the field, the problem and the fix."""


# --------------------------------------------------------------------------- data classes
@dataclass(frozen=True)
class Person:
    name: str
    email: str = ""


@dataclass(frozen=True)
class License:
    name: str
    url: str = ""


@dataclass(frozen=True)
class Holiday:
    name: str
    date: dt.date
    effect: str  # "cancelled" | "self-study"
    note: str = ""


@dataclass(frozen=True)
class Session:
    """One lecture or exercise slot of one week.

    ``status`` is ``"in class"``, ``"self-study"`` or ``"cancelled"``; ``holiday`` names the
    holiday that changed it (None otherwise) and ``note`` says what students do instead.
    """

    kind: str
    week: int
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    room: str
    status: str = "in class"
    holiday: str | None = None
    note: str = ""

    @property
    def weekday(self) -> str:
        return self.date.strftime("%A")

    def when(self, *, room: bool = False) -> str:
        """``"Tue 14.04.2026, 14:15–15:45"`` (with ``room=True`` also the room)."""
        text = f"{fmt_date(self.date)}, {fmt_time(self.start)}–{fmt_time(self.end)}"
        if room:
            text += f", {self.room or 'room ' + TBA}"
        return text


@dataclass(frozen=True)
class Week:
    number: int
    lecture: Session
    exercise: Session
    buffer: bool = False

    @property
    def sessions(self) -> tuple[Session, Session]:
        return (self.lecture, self.exercise)


@dataclass(frozen=True)
class Offset:
    """A point in time relative to a week's session (or to its hand-in deadline)."""

    anchor: str  # "lecture" | "exercise" | "deadline"
    days: int
    time: dt.time
    week: int | None = None


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    weight: float  # percent of the final grade
    what: str = ""
    count_best: int | None = None


@dataclass(frozen=True)
class Milestone:
    id: str
    name: str
    week: int
    due: dt.datetime
    what: str = ""


@dataclass(frozen=True)
class Channel:
    where: str
    what: str = ""
    when: str = ""


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    points: int
    full: str = ""
    half: str = ""
    none: str = ""


@dataclass
class Course:
    """The semester computed from ``course.yml`` (see the module docstring)."""

    title: str
    term: str
    semester: str
    ects: float | None
    lecturer: Person
    institution: str
    license: License
    tz: ZoneInfo
    n_weeks: int
    weeks: list[Week]
    holidays: list[Holiday]
    buffer_weeks: list[int]
    hand_in_weeks: list[int]
    hand_in_what: str
    hand_in_where: str
    grading: list[Component]
    exam_date: dt.date | None
    exam_note: str
    ask: list[Channel]
    group_size: tuple[int, int]
    launch: dt.datetime
    milestones: list[Milestone]
    rubric: list[Criterion]
    path: Path | None = None
    _deadline: Offset | None = field(default=None, repr=False)
    _material: Offset | None = field(default=None, repr=False)
    _solutions: Offset | None = field(default=None, repr=False)

    # -- weeks and sessions
    def week(self, n: int) -> Week:
        """Week ``n`` (1..n_weeks). Raises CourseConfigError for another number."""
        if not 1 <= n <= self.n_weeks:
            raise CourseConfigError(f"week {n}: the course has weeks 1..{self.n_weeks}; "
                                    f"ask for one of those (week 0 has no sessions).")
        return self.weeks[n - 1]

    def sessions(self) -> list[Session]:
        return [s for w in self.weeks for s in w.sessions]

    @property
    def first_lecture(self) -> Session:
        return self.weeks[0].lecture

    @property
    def first_exercise(self) -> Session:
        return self.weeks[0].exercise

    @property
    def unused_holidays(self) -> list[Holiday]:
        """Holidays on which no session falls (they change nothing)."""
        used = {s.date for s in self.sessions() if s.holiday}
        return [h for h in self.holidays if h.date not in used]

    # -- hand-in and release schedule
    def _session_date(self, n: int, kind: str) -> dt.date:
        """Date of week n's session of ``kind``; week 0 is the week before week 1."""
        first = self.weeks[0].lecture if kind == "lecture" else self.weeks[0].exercise
        return first.date + dt.timedelta(days=7 * (n - 1))

    def _at(self, off: Offset, n: int) -> dt.datetime:
        if off.anchor == "deadline":
            base = self.deadline(n)
            if base is None:  # a week without hand-in: count from its exercise + the deadline
                base = self._at(self._deadline, n) if self._deadline else None
            assert base is not None
            day = base.date()
        else:
            day = self._session_date(n, off.anchor)
        return dt.datetime.combine(day + dt.timedelta(days=off.days), off.time, self.tz)

    def deadline(self, n: int) -> dt.datetime | None:
        """Hand-in deadline of week ``n``; None for a week without hand-in."""
        if n not in self.hand_in_weeks or self._deadline is None:
            return None
        return self._at(self._deadline, n)

    def material_release(self, n: int) -> dt.datetime:
        """When the student material (student editions, pages, handouts, decks) of week
        ``n`` goes public; week 0 counts as the week before week 1."""
        assert self._material is not None
        return self._at(self._material, n)

    def solutions_release(self, n: int) -> dt.datetime:
        """When the solutions of week ``n`` go public."""
        assert self._solutions is not None
        return self._at(self._solutions, n)

    def released(self, at: dt.datetime | None = None) -> tuple[int, int]:
        """``(N, M)``: at ``at`` (default now) the material of weeks <= N and the solutions
        of weeks <= M are public. -1 means none yet. A naive ``at`` is read as course time."""
        at = at or dt.datetime.now(self.tz)
        if at.tzinfo is None:
            at = at.replace(tzinfo=self.tz)
        weeks = range(0, self.n_weeks + 1)
        n = max([w for w in weeks if self.material_release(w) <= at], default=-1)
        m = max([w for w in weeks if self.solutions_release(w) <= at], default=-1)
        return n, min(m, n)

    def milestones_in_week(self, n: int) -> list[Milestone]:
        return [m for m in self.milestones if m.week == n]

    def milestone(self, ident: str) -> Milestone:
        for m in self.milestones:
            if m.id == ident:
                return m
        raise CourseConfigError(f"project.milestones: no milestone {ident!r}; the config has "
                                f"{[m.id for m in self.milestones]}.")

    @property
    def project_weeks(self) -> tuple[int, int]:
        """First and last week of the mini-project (launch to report)."""
        launch_week = 1 + (self.launch.date() - self.weeks[0].lecture.date).days // 7
        return launch_week, max([m.week for m in self.milestones], default=launch_week)

    @property
    def project_release(self) -> dt.datetime:
        """When the mini-project material (project/) goes public: with the material of its
        launch week."""
        return self.material_release(self.project_weeks[0])

    # -- placeholders
    def placeholders(self) -> list[str]:
        """Fields of ``course.yml`` that still hold a placeholder value."""
        out = []
        if self.lecturer.name.strip() in PLACEHOLDER_NAMES:
            out.append("course.lecturer.name")
        if not self.lecturer.email.strip():
            out.append("course.lecturer.email")
        if self.institution.strip() in PLACEHOLDER_NAMES:
            out.append("course.institution")
        for kind, sess in zip(KINDS, self.weeks[0].sessions, strict=True):
            if sess.room.strip() in PLACEHOLDER_NAMES:
                out.append(f"sessions.{kind}.room")
        if self.exam_date is None:
            out.append("exam.date")
        return out

    @property
    def lecturer_text(self) -> str:
        name = self.lecturer.name.strip()
        return f"lecturer {TBA}" if name in PLACEHOLDER_NAMES else name

    @property
    def institution_text(self) -> str:
        inst = self.institution.strip()
        return "" if inst in PLACEHOLDER_NAMES else inst


# --------------------------------------------------------------------------- formatting
def fmt_date(day: dt.date | dt.datetime, *, weekday: bool = True) -> str:
    """``Tue 14.04.2026`` (the course plan's day.month.year)."""
    if isinstance(day, dt.datetime):
        day = day.date()
    text = day.strftime("%d.%m.%Y")
    return f"{day.strftime('%a')} {text}" if weekday else text


def fmt_time(t: dt.datetime | dt.time) -> str:
    return t.strftime("%H:%M")


def fmt_dt(t: dt.datetime) -> str:
    """``Wed 22.04.2026, 23:59``."""
    return f"{fmt_date(t)}, {fmt_time(t)}"


# --------------------------------------------------------------------------- loading
def config_path(path: str | Path | None = None) -> Path:
    """The config file: ``path``, else ``$MLPC_COURSE_CONFIG``, else ``<root>/course.yml``."""
    if path:
        return Path(path)
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    from mlpc_helpers.paths import project_root

    return project_root() / CONFIG_NAME


def load(path: str | Path | None = None, *, overrides: dict[str, Any] | None = None) -> Course:
    """Read and validate the course config; compute every week's sessions.

    Parameters
    ----------
    path : path, optional
        The YAML file (default: :func:`config_path`).
    overrides : dict, optional
        Dotted keys replacing values of the file, e.g.
        ``{"sessions.lecture.first": "2026-10-13"}`` (tests, what-if checks).

    Raises
    ------
    CourseConfigError
        The file is missing or not YAML, a key is unknown or missing, a value has the wrong
        type, weights do not sum to 100, a milestone falls on a cancelled session, ...
    """
    import yaml

    p = config_path(path)
    if not p.is_file():
        raise CourseConfigError(f"course config {p}: no such file. Create it from the "
                                f"repository's {CONFIG_NAME} or set {ENV_VAR} to its path.")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise CourseConfigError(f"course config {p}: not valid YAML ({err}); fix the line "
                                "named.") from None
    if not isinstance(raw, dict):
        raise CourseConfigError(f"course config {p}: expected a mapping of sections "
                                f"(course, sessions, ...), got {type(raw).__name__}.")
    for key, value in (overrides or {}).items():
        node = raw
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    course = from_dict(raw)
    course.path = p
    return course


# --- field readers: every problem names the field and the fix
def practice_week() -> int:
    """The week whose release carries the exam practice set: the course's first buffer week
    (``buffer_weeks`` in course.yml, the review week 14), else its last week; 14 when the
    config cannot be read (used by :mod:`mlpc_course.release` and :mod:`mlpc_course.weeks`)."""
    try:
        c = load()
    except Exception:  # noqa: BLE001 - no or a bad course.yml: the plan's week 14
        return 14
    return int(c.buffer_weeks[0]) if c.buffer_weeks else int(c.n_weeks)


def _get(d: dict, key: str, where: str, *, default: Any = ..., kind: Any = None) -> Any:
    if key not in d or d[key] is None and default is not ...:
        if default is ...:
            raise CourseConfigError(f"{where}.{key} is missing: add it to {CONFIG_NAME} "
                                    "(see the repository's course.yml for an example).")
        return default
    value = d[key]
    if kind is not None and value is not None and not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise CourseConfigError(f"{where}.{key} = {value!r} is a {type(value).__name__}; "
                                f"write a {names}.")
    return value


def _section(d: dict, key: str, where: str, allowed: set[str], *,
             optional: bool = False) -> dict:
    sec = d.get(key)
    if sec is None and optional:
        return {}
    path = f"{where}.{key}" if where else key
    if not isinstance(sec, dict):
        raise CourseConfigError(f"{path} is missing or not a mapping: add the section to "
                                f"{CONFIG_NAME}.")
    _no_unknown(sec, path, allowed)
    return sec


def _no_unknown(d: dict, where: str, allowed: set[str]) -> None:
    unknown = sorted(set(d) - allowed)
    if unknown:
        raise CourseConfigError(f"{where}: unknown key(s) {unknown}; known are "
                                f"{sorted(allowed)} (a typo?).")


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise CourseConfigError(f"{where} = {value!r} is not a date: write YYYY-MM-DD, "
                                "e.g. 2026-04-14.") from None


def _time(value: Any, where: str) -> dt.time:
    if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1: 14:15 -> 855
        value = f"{value // 60:02d}:{value % 60:02d}"
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", str(value).strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise CourseConfigError(f"{where} = {value!r} is not a time: write \"HH:MM\" (24 h, "
                                "quoted), e.g. \"14:15\".")
    return dt.time(int(m.group(1)), int(m.group(2)))


def _offset(d: Any, where: str, anchors: tuple[str, ...], *, with_week: bool,
            n_weeks: int) -> Offset:
    if not isinstance(d, dict):
        raise CourseConfigError(f"{where} must be a mapping like {{from: exercise, days: 6, "
                                "time: \"23:59\"}}.")
    allowed = {"from", "days", "time"} | ({"week"} if with_week else set())
    _no_unknown(d, where, allowed)
    anchor = _get(d, "from", where, kind=str)
    if anchor not in anchors:
        raise CourseConfigError(f"{where}.from = {anchor!r}: use one of {list(anchors)}.")
    days = _get(d, "days", where, default=0, kind=int)
    time = _time(_get(d, "time", where), f"{where}.time")
    week = None
    if with_week:
        week = _get(d, "week", where, kind=int)
        if not 1 <= week <= n_weeks:
            raise CourseConfigError(f"{where}.week = {week}: the course has weeks "
                                    f"1..{n_weeks}.")
    return Offset(anchor, days, time, week)


def _week_list(value: Any, where: str, n_weeks: int) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
        raise CourseConfigError(f"{where} = {value!r}: write a list of week numbers, "
                                "e.g. [1, 2, 3].")
    bad = [v for v in value if not 1 <= v <= n_weeks]
    if bad:
        raise CourseConfigError(f"{where}: weeks {bad} are outside 1..{n_weeks}.")
    return sorted(set(value))


def from_dict(raw: dict) -> Course:
    """Build a :class:`Course` from the parsed YAML (see :func:`load`)."""
    _no_unknown(raw, "course.yml", {"course", "sessions", "holidays", "buffer_weeks",
                                    "hand_in", "release", "grading", "exam", "ask", "project"})
    c = _section(raw, "course", "", {"title", "term", "semester", "ects", "lecturer",
                                     "institution", "license", "timezone", "weeks"})
    title = _get(c, "title", "course", kind=str)
    term = _get(c, "term", "course", kind=str)
    n_weeks = _get(c, "weeks", "course", kind=int)
    if not 1 <= n_weeks <= 30:
        raise CourseConfigError(f"course.weeks = {n_weeks}: write the number of teaching "
                                "weeks (1-30).")
    lect = _section(c, "lecturer", "course", {"name", "email"})
    lecturer = Person(str(_get(lect, "name", "course.lecturer", default="") or ""),
                      str(_get(lect, "email", "course.lecturer", default="") or ""))
    lic = _section(c, "license", "course", {"name", "url"}, optional=True)
    license_ = License(str(lic.get("name") or "CC BY 4.0"),
                       str(lic.get("url") or "https://creativecommons.org/licenses/by/4.0/"))
    tz_name = _get(c, "timezone", "course", default="Europe/Berlin", kind=str)
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CourseConfigError(f"course.timezone = {tz_name!r} is not an IANA time zone: "
                                "write e.g. Europe/Berlin (pip install tzdata on Windows).") \
            from None

    # sessions and holidays
    s = _section(raw, "sessions", "", set(KINDS))
    slots = {}
    for kind in KINDS:
        where = f"sessions.{kind}"
        sk = _section(s, kind, "sessions", {"first", "start", "end", "room"})
        first = _date(_get(sk, "first", where), f"{where}.first")
        start = _time(_get(sk, "start", where), f"{where}.start")
        end = _time(_get(sk, "end", where), f"{where}.end")
        if end <= start:
            raise CourseConfigError(f"{where}: end {end:%H:%M} is not after start "
                                    f"{start:%H:%M}; swap or correct them.")
        slots[kind] = (first, start, end, str(sk.get("room") or ""))
    if abs((slots["exercise"][0] - slots["lecture"][0]).days) > 6:
        raise CourseConfigError(
            "sessions: the first exercise "
            f"({slots['exercise'][0]}) is more than 6 days from the first lecture "
            f"({slots['lecture'][0]}); both 'first' dates must lie in week 1.")
    holidays = []
    for i, h in enumerate(_get(raw, "holidays", "course.yml", default=[], kind=list)):
        where = f"holidays[{i}]"
        if not isinstance(h, dict):
            raise CourseConfigError(f"{where}: write a mapping with name, date, effect.")
        _no_unknown(h, where, {"name", "date", "effect", "note"})
        effect = _get(h, "effect", where, kind=str)
        if effect not in EFFECTS:
            raise CourseConfigError(f"{where}.effect = {effect!r}: use one of {list(EFFECTS)}.")
        holidays.append(Holiday(_get(h, "name", where, kind=str),
                                _date(_get(h, "date", where), f"{where}.date"), effect,
                                str(h.get("note") or "").strip()))
    dates = [h.date for h in holidays]
    if len(set(dates)) != len(dates):
        raise CourseConfigError("holidays: two entries have the same date; keep one.")
    by_date = {h.date: h for h in holidays}
    buffer_weeks = _week_list(raw.get("buffer_weeks", []), "buffer_weeks", n_weeks)

    weeks = []
    for n in range(1, n_weeks + 1):
        sess = {}
        for kind in KINDS:
            first, start, end, room = slots[kind]
            day = first + dt.timedelta(days=7 * (n - 1))
            h = by_date.get(day)
            sess[kind] = Session(
                kind=kind, week=n, date=day,
                start=dt.datetime.combine(day, start, tz), end=dt.datetime.combine(day, end, tz),
                room=room, status=h.effect if h else "in class", holiday=h.name if h else None,
                note=h.note if h else "")
        weeks.append(Week(n, sess["lecture"], sess["exercise"], n in buffer_weeks))

    # hand-in and release
    hi = _section(raw, "hand_in", "", {"weeks", "what", "where", "deadline"})
    hand_in_weeks = _week_list(_get(hi, "weeks", "hand_in"), "hand_in.weeks", n_weeks)
    deadline = _offset(_get(hi, "deadline", "hand_in"), "hand_in.deadline", KINDS,
                       with_week=False, n_weeks=n_weeks)
    rel = _section(raw, "release", "", {"material", "solutions"})
    material = _offset(_get(rel, "material", "release"), "release.material", KINDS,
                       with_week=False, n_weeks=n_weeks)
    solutions = _offset(_get(rel, "solutions", "release"), "release.solutions",
                        (*KINDS, "deadline"), with_week=False, n_weeks=n_weeks)

    # grading
    grading = []
    for i, g in enumerate(_get(raw, "grading", "course.yml", kind=list)):
        where = f"grading[{i}]"
        if not isinstance(g, dict):
            raise CourseConfigError(f"{where}: write a mapping with id, name, weight.")
        _no_unknown(g, where, {"id", "name", "weight", "what", "count_best"})
        weight = _get(g, "weight", where, kind=(int, float))
        if weight < 0:
            raise CourseConfigError(f"{where}.weight = {weight}: weights are percentages >= 0.")
        grading.append(Component(_get(g, "id", where, kind=str), _get(g, "name", where, kind=str),
                                 float(weight), str(g.get("what") or "").strip(),
                                 g.get("count_best")))
    total = sum(g.weight for g in grading)
    if abs(total - 100) > 1e-9:
        raise CourseConfigError(f"grading: the weights sum to {total:g} %, not 100 %; "
                                "change them so that they add up to 100.")
    ex = _section(raw, "exam", "", {"date", "note"}, optional=True)
    exam_date = _date(ex["date"], "exam.date") if ex.get("date") else None

    ask = []
    for i, a in enumerate(_get(raw, "ask", "course.yml", default=[], kind=list)):
        where = f"ask[{i}]"
        if not isinstance(a, dict):
            raise CourseConfigError(f"{where}: write a mapping with where, what, when.")
        _no_unknown(a, where, {"where", "what", "when"})
        ask.append(Channel(_get(a, "where", where, kind=str), str(a.get("what") or ""),
                           str(a.get("when") or "")))

    # mini-project
    pr = _section(raw, "project", "", {"group_size", "launch", "milestones", "rubric"})
    gs = _get(pr, "group_size", "project", kind=list)
    if len(gs) != 2 or not all(isinstance(v, int) for v in gs) or not 1 <= gs[0] <= gs[1]:
        raise CourseConfigError(f"project.group_size = {gs!r}: write [smallest, largest], "
                                "e.g. [2, 3].")

    course = Course(
        title=title, term=term, semester=str(c.get("semester") or ""), ects=c.get("ects"),
        lecturer=lecturer, institution=str(c.get("institution") or ""), license=license_,
        tz=tz, n_weeks=n_weeks, weeks=weeks, holidays=holidays, buffer_weeks=buffer_weeks,
        hand_in_weeks=hand_in_weeks, hand_in_what=str(hi.get("what") or "").strip(),
        hand_in_where=str(hi.get("where") or "").strip(), grading=grading,
        exam_date=exam_date, exam_note=str(ex.get("note") or "").strip(), ask=ask,
        group_size=(gs[0], gs[1]), launch=dt.datetime.min.replace(tzinfo=tz), milestones=[],
        rubric=[], _deadline=deadline, _material=material, _solutions=solutions)

    launch = _offset(_get(pr, "launch", "project"), "project.launch", KINDS, with_week=True,
                     n_weeks=n_weeks)
    course.launch = course._at(launch, launch.week)
    _no_cancelled(course, launch, "project.launch")
    milestones = []
    for i, m in enumerate(_get(pr, "milestones", "project", kind=list)):
        where = f"project.milestones[{i}]"
        if not isinstance(m, dict):
            raise CourseConfigError(f"{where}: write a mapping with id, name, at, what.")
        _no_unknown(m, where, {"id", "name", "at", "what"})
        off = _offset(_get(m, "at", where), f"{where}.at", KINDS, with_week=True,
                      n_weeks=n_weeks)
        if off.days == 0:
            _no_cancelled(course, off, f"{where}.at")
        milestones.append(Milestone(_get(m, "id", where, kind=str),
                                    _get(m, "name", where, kind=str), off.week,
                                    course._at(off, off.week), str(m.get("what") or "").strip()))
    order = [m.due for m in milestones]
    if order != sorted(order) or (order and order[0] < course.launch):
        raise CourseConfigError("project.milestones: the milestones are not in time order "
                                "after the launch: "
                                + ", ".join(f"{m.id} {fmt_dt(m.due)}" for m in milestones)
                                + f" (launch {fmt_dt(course.launch)}); reorder or redate them.")
    course.milestones = milestones
    rubric = []
    for i, r in enumerate(_get(pr, "rubric", "project", kind=list)):
        where = f"project.rubric[{i}]"
        if not isinstance(r, dict):
            raise CourseConfigError(f"{where}: write a mapping with id, name, points.")
        _no_unknown(r, where, {"id", "name", "points", "full", "half", "none"})
        pts = _get(r, "points", where, kind=int)
        if pts <= 0:
            raise CourseConfigError(f"{where}.points = {pts}: points are positive integers.")
        rubric.append(Criterion(_get(r, "id", where, kind=str), _get(r, "name", where, kind=str),
                                pts, *(str(r.get(k) or "").strip()
                                       for k in ("full", "half", "none"))))
    course.rubric = rubric

    # the release schedule must never publish solutions before the deadline
    for n in hand_in_weeks:
        if course.solutions_release(n) <= course.deadline(n):
            raise CourseConfigError(
                f"release.solutions: the solutions of week {n} would be public at "
                f"{fmt_dt(course.solutions_release(n))}, before the hand-in deadline "
                f"{fmt_dt(course.deadline(n))}; count them from the deadline.")
        if course.material_release(n) >= course.deadline(n):
            raise CourseConfigError(f"release.material: week {n}'s material would go public "
                                    "after its hand-in deadline; release it earlier.")
    return course


def _no_cancelled(course: Course, off: Offset, where: str) -> None:
    assert off.week is not None
    sess = getattr(course.week(off.week), off.anchor)
    if sess.status == "cancelled":
        raise CourseConfigError(f"{where}: week {off.week}'s {off.anchor} "
                                f"({fmt_date(sess.date)}) is cancelled ({sess.holiday}); move "
                                "the date to another session or week.")


# --------------------------------------------------------------------------- JSON views
def calendar(course: Course) -> dict[str, Any]:
    """The computed semester as plain JSON types (for other tools)."""
    def iso(t: dt.datetime | None) -> str | None:
        return t.isoformat() if t else None

    return {
        "title": course.title, "term": course.term, "lecturer": course.lecturer.name,
        "email": course.lecturer.email, "institution": course.institution,
        "license": {"name": course.license.name, "url": course.license.url},
        "timezone": str(course.tz.key),
        "weeks": [{
            "week": w.number, "buffer": w.buffer,
            **{s.kind: {"date": s.date.isoformat(), "start": iso(s.start), "end": iso(s.end),
                        "room": s.room, "status": s.status, "holiday": s.holiday}
               for s in w.sessions},
            "deadline": iso(course.deadline(w.number)),
            "material_release": iso(course.material_release(w.number)),
            "solutions_release": iso(course.solutions_release(w.number)),
        } for w in course.weeks],
        "week0_material_release": iso(course.material_release(0)),
        "grading": [{"id": g.id, "name": g.name, "weight": g.weight} for g in course.grading],
        "milestones": [{"id": m.id, "name": m.name, "week": m.week, "due": iso(m.due)}
                       for m in course.milestones],
        "placeholders": course.placeholders(),
    }


def check_text(course: Course) -> str:
    """What ``python -m mlpc_course.course_config check`` prints."""
    lines = [f"{course.title} — {course.term} ({course.path or 'config'})",
             f"lecturer: {course.lecturer_text}; institution: {course.institution_text or TBA}"]
    for w in course.weeks:
        parts = []
        for s in w.sessions:
            flag = "" if s.status == "in class" else f" [{s.status}: {s.holiday}]"
            parts.append(f"{s.kind} {s.when()}{flag}")
        dl = course.deadline(w.number)
        lines.append(f"week {w.number:2d}: " + "; ".join(parts)
                     + (f"; hand-in {fmt_dt(dl)}" if dl else "")
                     + (" (buffer)" if w.buffer else ""))
    for m in course.milestones:
        lines.append(f"project {m.name}: {fmt_dt(m.due)} (week {m.week})")
    for h in course.unused_holidays:
        lines.append(f"note: holiday {h.name} ({fmt_date(h.date)}) falls on no session")
    if course.placeholders():
        lines.append("placeholders still to set: " + ", ".join(course.placeholders()))
    return "\n".join(lines)


def add_config_argument(p: argparse.ArgumentParser) -> None:
    """``--config FILE`` of the commands that read course.yml."""
    p.add_argument("--config", default=None, help=f"config file (default: ${ENV_VAR} or "
                   f"<root>/{CONFIG_NAME})")


def load_for_command(path: str | Path | None) -> Course | None:
    """:func:`load` for a command line: None (the reason on stderr) when the config is
    broken, so that the command exits 2."""
    try:
        return load(path)
    except CourseConfigError as err:
        msg = str(err)
        print(msg if msg.startswith("course config") else f"course config: {msg}",
              file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mlpc_course.course_config",
                                description="Check or print the course config (course.yml).")
    p.add_argument("what", choices=["check", "json"], nargs="?", default="check")
    add_config_argument(p)
    args = p.parse_args(argv)
    course = load_for_command(args.config)
    if course is None:
        return 2
    if args.what == "check":
        print(check_text(course))
    else:
        print(json.dumps(calendar(course), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
