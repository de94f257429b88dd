"""Markdown written from the course config for the site, the decks and the handouts.

:func:`fragments` gives every piece of text that the pages insert with the Quarto shortcode
``{{< course KEY >}}`` (``_extensions/mlpc/course/course.lua``); :func:`quarto_data` adds the
title-slide / handout metadata per week that the extension's filter sets. The extension runs
``python -m mlpc_course.course_pages`` once per rendered document and reads this JSON,
so a changed ``course.yml`` changes every page at the next render (nothing is frozen).

Keys (``{{< course week 5 >}}`` is the key ``"week 5"``):

=====================  =========================================================================
``overview``           term, lecturer, weekly slots and rooms, first and last dates, holidays
``week N``             week N's dated sessions, holiday notes, hand-in, mini-project milestones
``calendar``           table of every week: lecture, exercise, hand-in, solutions online
``grading``            table of the grading components and weights, the exam date
``hand-in``            what to hand in, where and by when
``release``            when material and solutions go online
``ask``                where to ask what
``holidays``           the holidays and what they change
``project-timeline``   the mini-project's launch and milestones with dates
``rubric``             the mini-project rubric (criteria, points, levels)
``people``             lecturer, institution, term, license (one paragraph)
``placeholders``       a callout listing the config fields still to set (empty when none)
``ideas``              the mini-project ideas of ``project/ideas.yml`` (links relative to project/)
=====================  =========================================================================

Inline keys (inside a sentence): ``term``, ``lecturer``, ``license``, ``group-size``,
``launch``, ``milestone ID`` (e.g. ``milestone proposal``: its due date and time),
``milestone-week ID``, ``first-lecture``, ``first-exercise``, ``project-weeks``,
``lecture-slot`` / ``exercise-slot`` ("Tuesdays 14:15–15:45"), ``deadline-slot`` /
``solutions-slot`` ("Wednesday 23:59"), ``ideas-count``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .course_config import TBA, Course, CourseConfigError, Session, fmt_date, fmt_dt, fmt_time

IDEA_KEYS = ("id", "title", "dataset", "starter", "weeks", "question", "unit", "baseline",
             "next")

STATUS_TEXT = {"cancelled": "cancelled", "self-study": "self-study"}


def _md_escape_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _session_md(s: Session, *, room: bool = True) -> str:
    label = {"lecture": "Lecture", "exercise": "Exercise"}[s.kind]
    text = f"{label} {s.when(room=room and s.status == 'in class')}"
    if s.status != "in class":
        text += f" — **{STATUS_TEXT[s.status]}**: {s.holiday}"
    return text


def _slot(c: Course, kind: str) -> str:
    first = c.weeks[0].lecture if kind == "lecture" else c.weeks[0].exercise
    last = c.weeks[-1].lecture if kind == "lecture" else c.weeks[-1].exercise
    room = first.room or f"room {TBA}"
    return (f"{first.weekday}s {fmt_time(first.start)}–{fmt_time(first.end)}, {room}, from "
            f"{fmt_date(first.date)} to {fmt_date(last.date)}")


def holiday_lines(c: Course, *, notes: bool = True) -> list[str]:
    out = []
    for w in c.weeks:
        for s in w.sessions:
            if s.holiday:
                what = ("is cancelled" if s.status == "cancelled"
                        else "is self-study (no class)")
                out.append(f"{fmt_date(s.date)}, {s.holiday}: week {w.number}'s {s.kind} "
                           f"{what}." + (f" {s.note}" if s.note and notes else ""))
    return out


def overview(c: Course) -> str:
    lines = [f"**{c.term}**" + (f" · {c.semester}" if c.semester else "")
             + (f" · {c.ects:g} ECTS" if isinstance(c.ects, int | float) else "")
             + f" · {c.lecturer_text}" + (f", {c.institution_text}" if c.institution_text else ""),
             "",
             f"- **Lectures:** {_slot(c, 'lecture')}.",
             f"- **Exercises:** {_slot(c, 'exercise')}."]
    hol = holiday_lines(c, notes=False)
    if hol:
        lines.append("- **Holidays:**")
        lines += [f"    - {x}" for x in hol]
    if c.buffer_weeks:
        lines.append("- **Buffer:** week" + ("s " if len(c.buffer_weeks) > 1 else " ")
                     + ", ".join(map(str, c.buffer_weeks))
                     + " brings no new material (review, mini-project consultation).")
    return "\n".join(lines)


def week_md(c: Course, n: int) -> str:
    w = c.week(n)
    lines = ["**Dates.** " + " · ".join(_session_md(s) for s in w.sessions) + "."]
    for s in w.sessions:
        if s.note:
            lines.append(f"*{STATUS_TEXT[s.status].capitalize()} {s.kind} —"
                         f" {s.holiday}.* {s.note}")
    dl = c.deadline(n)
    if dl:
        lines.append(f"**Hand in** this week's exercises by **{fmt_dt(dl)}**; the solutions "
                     f"go online {fmt_dt(c.solutions_release(n))}.")
    for m in c.milestones_in_week(n):
        lines.append(f"**Mini-project — {m.name}:** {fmt_dt(m.due)}. {m.what}")
    launch_week = c.project_weeks[0]
    if n == launch_week:
        lines.append(f"**Mini-project launch** in the lecture of {fmt_date(c.launch)}: "
                     "see [the brief](project/index.qmd).")
    return "\n\n".join(lines)


def calendar_md(c: Course) -> str:
    rows = ["| week | lecture | exercise | hand in by | solutions online |",
            "|---|---|---|---|---|"]
    for w in c.weeks:
        cells = []
        for s in w.sessions:
            text = f"{fmt_date(s.date)}, {fmt_time(s.start)}"
            if s.status != "in class":
                text += f" — **{STATUS_TEXT[s.status]}** ({s.holiday.split(' (')[0]})"
            cells.append(text)
        dl = c.deadline(w.number)
        hand = fmt_dt(dl) if dl else ("— (buffer)" if w.buffer else "—")
        sol = fmt_dt(c.solutions_release(w.number)) if dl else "—"
        rows.append(f"| {w.number} | {cells[0]} | {cells[1]} | {hand} | {sol} |")
    return "\n".join(rows)


def grading_md(c: Course) -> str:
    rows = ["| part | weight | what counts |", "|---|---:|---|"]
    for g in c.grading:
        rows.append(f"| {g.name} | {g.weight:g} % | {_md_escape_cell(g.what)} |")
    exam = (f"The written exam is on {fmt_date(c.exam_date)}." if c.exam_date
            else c.exam_note or f"The exam date is {TBA}.")
    return "\n".join(rows) + "\n\n" + exam


def hand_in_md(c: Course) -> str:
    weeks = c.hand_in_weeks
    if not weeks:
        return "No weekly hand-in: the exercises are for practice."
    span = (f"weeks {weeks[0]}–{weeks[-1]}" if weeks == list(range(weeks[0], weeks[-1] + 1))
            else "weeks " + ", ".join(map(str, weeks)))
    first = c.deadline(weeks[0]) if weeks else None
    rule = ""
    if first:
        ex = c.week(weeks[0]).exercise
        delta = (first.date() - ex.date).days
        rule = (f" by {first.strftime('%A')} {fmt_time(first)}, {delta} days after the "
                f"week's exercise (week {weeks[0]}: {fmt_dt(first)})")
    return (f"**What:** {c.hand_in_what}\n\n"
            f"**When:** every week of {span}{rule}. The table below has every date; a "
            "holiday does not move a deadline.\n\n"
            f"**Where:** {c.hand_in_where}.")


def release_md(c: Course) -> str:
    w1 = 1 if c.n_weeks >= 1 else 0
    mat, sol = c.material_release(w1), c.solutions_release(w1)
    return (f"A week's student notebooks, pages, decks and handouts go online "
            f"**{mat.strftime('%A')} {fmt_time(mat)}** before its lecture (week 1: "
            f"{fmt_dt(mat)}; the setup notebook of week 0: {fmt_dt(c.material_release(0))}). "
            f"Its solutions go online **{sol.strftime('%A')} {fmt_time(sol)}**, after the "
            f"hand-in deadline (week 1: {fmt_dt(sol)}). Later weeks follow at the same "
            "weekday and time; the calendar lists every date.")


def ask_md(c: Course) -> str:
    rows = ["| where | for what | when |", "|---|---|---|"]
    for a in c.ask:
        rows.append(f"| {_md_escape_cell(a.where)} | {_md_escape_cell(a.what)} | "
                    f"{_md_escape_cell(a.when) or '—'} |")
    if c.lecturer.email:
        rows.append(f"\nThe lecturer: {c.lecturer_text}, <{c.lecturer.email}>.")
    return "\n".join(rows)


def holidays_md(c: Course) -> str:
    lines = holiday_lines(c)
    return "\n".join(f"- {x}" for x in lines) if lines else "No session falls on a holiday."


def project_timeline_md(c: Course) -> str:
    rows = ["| when | week | milestone | what |", "|---|---:|---|---|",
            f"| {fmt_dt(c.launch)} | {c.project_weeks[0]} | Launch | The brief and the "
            "project ideas in the lecture; form groups. |"]
    for m in c.milestones:
        rows.append(f"| {fmt_dt(m.due)} | {m.week} | **{m.name}** | {_md_escape_cell(m.what)} |")
    return "\n".join(rows)


def rubric_md(c: Course) -> str:
    total = sum(r.points for r in c.rubric)
    rows = ["| criterion | points | full points | about half | none |",
            "|---|---:|---|---|---|"]
    for r in c.rubric:
        rows.append(f"| **{r.name}** | {r.points} | {_md_escape_cell(r.full)} | "
                    f"{_md_escape_cell(r.half)} | {_md_escape_cell(r.none)} |")
    rows.append(f"| **Total** | **{total}** | | | |")
    weight = next((g.weight for g in c.grading if g.id == "project"), None)
    tail = (f"\n\nThe total scales to the mini-project's {weight:g} % of the grade."
            if weight is not None else "")
    return "\n".join(rows) + tail


def people_md(c: Course) -> str:
    parts = [f"**{c.title}**, {c.term}", c.lecturer_text]
    if c.institution_text:
        parts.append(c.institution_text)
    lic = f"[{c.license.name}]({c.license.url})" if c.license.url else c.license.name
    return " · ".join(parts) + f". Course content licensed under {lic}."


def placeholders_md(c: Course) -> str:
    todo = c.placeholders()
    if not todo:
        return ""
    return ("::: {.callout-note}\n## Still to be announced\n\n"
            "Some details of this semester are not fixed yet ("
            + ", ".join(f"`{t}`" for t in todo)
            + "). *Instructors:* set them in `course.yml` at the top of the repository and "
            "render again.\n:::")


def ideas_path(c: Course) -> Path:
    """``project/ideas.yml`` next to the config, else in the repository."""
    from mlpc_helpers.paths import project_root

    for base in ([c.path.parent] if c.path else []) + [project_root()]:
        if (base / "project" / "ideas.yml").is_file():
            return base / "project" / "ideas.yml"
    raise CourseConfigError("project/ideas.yml not found next to the course config or in "
                            "the repository; restore it from git.")


def load_ideas(c: Course) -> list[dict[str, Any]]:
    """The mini-project ideas (``project/ideas.yml``), checked for their fields."""
    import yaml

    path = ideas_path(c)
    ideas = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for i, idea in enumerate(ideas):
        missing = [k for k in IDEA_KEYS if k not in idea]
        if missing:
            raise CourseConfigError(f"{path} idea {i}: fields {missing} are missing; each "
                                    f"idea has {list(IDEA_KEYS)}.")
    return ideas


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def ideas_md(c: Course) -> str:
    out = []
    for idea in load_ideas(c):
        nb, weeks = idea["starter"], idea["weeks"]
        used = f"week{'s' if len(weeks) > 1 else ''} {', '.join(map(str, weeks))}"
        out += [f"## {idea['title']} {{#idea-{idea['id']}}}", "",
                f"**Data.** `data.{idea['dataset']}()` (used in {used}) · **Starter.** "
                f'[{Path(nb).stem}]({nb}) · <a href="{nb}" download>download the .ipynb</a>',
                "", f"**Question.** {idea['question']}", "",
                f"**Unit of independence.** {_cap(idea['unit'])}.", "",
                f"**The starter records** {idea['baseline']}.", "",
                f"**Next.** {_cap(idea['next'])}.", ""]
    return "\n".join(out)


def fragments(c: Course) -> dict[str, str]:
    """Every block fragment, by shortcode key."""
    out = {
        "overview": overview(c), "calendar": calendar_md(c), "grading": grading_md(c),
        "hand-in": hand_in_md(c), "release": release_md(c), "ask": ask_md(c),
        "holidays": holidays_md(c), "project-timeline": project_timeline_md(c),
        "rubric": rubric_md(c), "people": people_md(c), "placeholders": placeholders_md(c),
    }
    try:  # only the pages that show the ideas need them (quarto_data reports the error)
        out["ideas"] = ideas_md(c)
    except CourseConfigError:
        pass
    for w in c.weeks:
        out[f"week {w.number}"] = week_md(c, w.number)
    return out


def inline(c: Course) -> dict[str, str]:
    """Every inline fragment (a few words inside a sentence), by shortcode key."""
    lo, hi = c.group_size
    first, last = c.project_weeks
    out = {
        "term": c.term, "lecturer": c.lecturer_text, "license": c.license.name,
        "group-size": f"{lo}–{hi}" if lo != hi else str(lo),
        "launch": fmt_dt(c.launch), "first-lecture": c.first_lecture.when(),
        "first-exercise": c.first_exercise.when(), "project-weeks": f"{first}–{last}",
    }
    for kind, sess in (("lecture", c.first_lecture), ("exercise", c.first_exercise)):
        out[f"{kind}-slot"] = (f"{sess.weekday}s {fmt_time(sess.start)}–{fmt_time(sess.end)}")
    dl = c.deadline(c.hand_in_weeks[0]) if c.hand_in_weeks else None
    out["deadline-slot"] = f"{dl.strftime('%A')} {fmt_time(dl)}" if dl else "—"
    sol = c.solutions_release(1)
    out["solutions-slot"] = f"{sol.strftime('%A')} {fmt_time(sol)}"
    try:
        out["ideas-count"] = str(len(load_ideas(c)))
    except CourseConfigError:
        pass
    for m in c.milestones:
        out[f"milestone {m.id}"] = fmt_dt(m.due)
        out[f"milestone-week {m.id}"] = str(m.week)
    return out


def _term_license(c: Course) -> str:
    return f"{c.term} · {c.license.name}"


def title_meta(c: Course) -> dict[str, dict[str, Any]]:
    """Per week (``"0"``..``"N"``): what the filter puts on a deck's title slide (``deck``)
    and on a notebook's handout (``notebook``): author, email, affiliation, date line."""
    base = {"author": c.lecturer.name.strip(), "email": c.lecturer.email.strip(),
            "affiliation": c.institution_text}
    out: dict[str, dict[str, Any]] = {
        "0": {**base, "deck": f"Before week 1 · {_term_license(c)}",
              "notebook": f"Before week 1 (setup) · {_term_license(c)}"}}
    for w in c.weeks:
        lec = w.lecture
        if lec.status == "in class":
            deck = f"Week {w.number} · Lecture {lec.when(room=bool(lec.room))}"
        else:
            deck = (f"Week {w.number} · {STATUS_TEXT[lec.status].capitalize()} lecture "
                    f"({lec.holiday.split(' (')[0]}), {fmt_date(lec.date)}")
        parts = [f"Week {w.number}"]
        for s in w.sessions:
            label = s.kind.capitalize()
            text = f"{label} {fmt_date(s.date)}"
            if s.status != "in class":
                text += f" ({STATUS_TEXT[s.status]}: {s.holiday.split(' (')[0]})"
            parts.append(text)
        dl = c.deadline(w.number)
        if dl:
            parts.append(f"hand in by {fmt_dt(dl)}")
        out[str(w.number)] = {**base, "deck": f"{deck} · {_term_license(c)}",
                              "notebook": " · ".join(parts) + f" · {_term_license(c)}"}
    return out


def quarto_data(c: Course) -> dict[str, Any]:
    """The JSON that ``_extensions/mlpc/course`` reads (see the module docstring)."""
    errors = {}
    try:
        load_ideas(c)
    except CourseConfigError as err:
        errors = {"ideas": str(err), "ideas-count": str(err)}
    return {"blocks": fragments(c), "inline": inline(c), "weeks": title_meta(c),
            "errors": errors,
            "generated": dt.datetime.now(c.tz).isoformat(timespec="seconds")}


def main(argv: list[str] | None = None) -> int:
    """``python -m mlpc_course.course_pages [--config course.yml]``: print the JSON that the
    Quarto extension reads (exit 2 with the reason when the config is broken)."""
    import argparse
    import json

    from .course_config import add_config_argument, load_for_command

    p = argparse.ArgumentParser(prog="python -m mlpc_course.course_pages",
                                description="The course config as the Quarto extension reads it.")
    add_config_argument(p)
    course = load_for_command(p.parse_args(argv).config)
    if course is None:
        return 2
    print(json.dumps(quarto_data(course), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
