"""The course config (course.yml, issue 41): the plan's dates, holidays, the release schedule,
the generated syllabus / how-this-course-works text, and the Quarto extension that writes it
into the pages, the decks' title slides and the handouts."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlpc_course import course_config as cc
from mlpc_course import course_pages as cp

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "course.yml"
PAGES = [ROOT / "syllabus.qmd", ROOT / "how_this_course_works.qmd",
         *(p for p in sorted((ROOT / "project").glob("*.qmd"))
           if p.stem != "presentation_template")]  # the students' deck: no course dates
SITE = ROOT / "_site"


def _course(**overrides):
    return cc.load(CONFIG, overrides=overrides)


def _dates(course):
    return [(s.kind, s.date) for s in course.sessions()]


# --- the plan's defaults ---------------------------------------------------------------------

def test_defaults_are_the_plan():
    c = _course()
    assert c.n_weeks == 14 and len(c.weeks) == 14
    w1 = c.week(1)
    assert w1.lecture.date == dt.date(2026, 4, 14) and w1.lecture.weekday == "Tuesday"
    assert w1.lecture.when() == "Tue 14.04.2026, 14:15–15:45"
    assert w1.exercise.date == dt.date(2026, 4, 16) and w1.exercise.weekday == "Thursday"
    assert w1.exercise.when() == "Thu 16.04.2026, 16:15–17:45"
    assert c.week(14).lecture.date == dt.date(2026, 7, 14)
    assert c.week(14).exercise.date == dt.date(2026, 7, 16)
    changed = {(s.week, s.kind): (s.status, s.holiday) for s in c.sessions()
               if s.status != "in class"}
    assert set(changed) == {(5, "exercise"), (7, "lecture"), (8, "exercise")}
    assert changed[5, "exercise"][0] == "cancelled" and "Himmelfahrt" in changed[5, "exercise"][1]
    assert changed[7, "lecture"][0] == "self-study" and "Pfingst" in changed[7, "lecture"][1]
    assert changed[8, "exercise"][0] == "self-study" and "Fronleichnam" in changed[8, "exercise"][1]
    assert c.week(14).buffer and not c.unused_holidays
    assert c.license.name == "CC BY 4.0" and c.tz.key == "Europe/Berlin"
    assert sum(g.weight for g in c.grading) == 100
    assert c.milestone("presentation").due.date() == c.week(13).exercise.date  # Thursday
    assert c.milestone("report").week == 14 and c.milestone("report").due.date() > c.week(
        14).exercise.date  # after week 14
    assert c.project_weeks[0] in (9, 10)  # launched in week 9 or 10


def test_deadlines_and_release_schedule():
    c = _course()
    tz = c.tz
    assert c.deadline(1) == dt.datetime(2026, 4, 22, 23, 59, tzinfo=tz)
    assert c.deadline(13) is None and c.deadline(14) is None
    for n in c.hand_in_weeks:
        assert c.material_release(n) < c.week(n).lecture.start
        assert c.deadline(n) < c.solutions_release(n)
    assert c.material_release(0) < c.material_release(1)
    assert c.released(dt.datetime(2026, 4, 1, tzinfo=tz)) == (-1, -1)
    assert c.released(dt.datetime(2026, 4, 10, tzinfo=tz)) == (0, -1)  # setup only
    # Tue 28.04 noon: week 3's material is out (Mon 27.04 18:00); solutions of week 1 only
    assert c.released(dt.datetime(2026, 4, 28, 12, 0)) == (3, 1)  # naive = course time
    assert c.released(dt.datetime(2026, 12, 1, tzinfo=tz)) == (14, 14)


def test_changing_the_first_date_moves_every_date():
    base, moved = _course(), _course(**{"sessions.lecture.first": "2026-04-21",
                                        "sessions.exercise.first": "2026-04-23"})
    week = dt.timedelta(days=7)
    for a, b in zip(base.sessions(), moved.sessions(), strict=True):
        assert b.date == a.date + week and b.start == a.start + week
    for n in base.hand_in_weeks:
        assert moved.deadline(n) == base.deadline(n) + week
        assert moved.solutions_release(n) == base.solutions_release(n) + week
    for a, b in zip(base.milestones, moved.milestones, strict=True):
        assert b.due == a.due + week
    # holidays stay on their calendar dates, so they now change other weeks' sessions
    changed = {(s.week, s.kind) for s in moved.sessions() if s.holiday}
    assert changed == {(4, "exercise"), (6, "lecture"), (7, "exercise")}


def test_a_term_without_holidays_on_its_sessions_lists_them_as_unused():
    c = _course(**{"sessions.lecture.first": "2026-10-13", "sessions.exercise.first":
                   "2026-10-15", "sessions.exercise.start": "10:15",
                   "sessions.exercise.end": "11:45"})
    assert all(s.status == "in class" for s in c.sessions())
    assert len(c.unused_holidays) == 3
    assert "falls on no session" in cc.check_text(c)


@pytest.mark.parametrize("overrides, words", [
    ({"grading": [{"id": "a", "name": "A", "weight": 60}]}, ["grading", "100"]),
    ({"course.lecturer.nmae": "x"}, ["course.lecturer", "nmae"]),
    ({"sessions.lecture.start": "2pm"}, ["sessions.lecture.start", "HH:MM"]),
    ({"sessions.exercise.end": "16:00"}, ["sessions.exercise", "not after"]),
    ({"holidays": [{"name": "X", "date": "2026-05-14", "effect": "closed"}]},
     ["holidays[0].effect", "cancelled"]),
    ({"project.milestones": [{"id": "p", "name": "P", "what": "",
                              "at": {"week": 5, "from": "exercise", "days": 0,
                                     "time": "16:15"}}]},
     ["cancelled", "week 5"]),
    ({"release.solutions": {"from": "exercise", "days": 1, "time": "09:00"}},
     ["release.solutions", "before the hand-in deadline"]),
    ({"sessions.exercise.first": "2026-05-16"}, ["sessions", "week 1"]),
])
def test_bad_configs_name_the_field_and_the_fix(overrides, words):
    with pytest.raises(cc.CourseConfigError) as err:
        _course(**overrides)
    assert isinstance(err.value, ValueError)
    for w in words:
        assert w in str(err.value), (w, str(err.value))


def test_missing_config_says_where(tmp_path, monkeypatch):
    monkeypatch.setenv(cc.ENV_VAR, str(tmp_path / "nope.yml"))
    with pytest.raises(cc.CourseConfigError, match="MLPC_COURSE_CONFIG"):
        cc.load()


def test_placeholders_are_listed_and_announced():
    c = _course()
    assert "course.lecturer.name" in c.placeholders()
    assert "to be announced" in cp.fragments(c)["placeholders"]
    named = _course(**{"course.lecturer": {"name": "Dr. A. Test", "email": "a@b.c"},
                       "course.institution": "Test University",
                       "sessions.lecture.room": "H1", "sessions.exercise.room": "PC 2",
                       "exam.date": "2026-07-28"})
    assert named.placeholders() == []
    assert cp.fragments(named)["placeholders"] == ""
    assert "Tue 28.07.2026" in cp.fragments(named)["grading"]


# --- generated text: syllabus, how this course works, title slides -----------------------------

def test_every_week_fragment_has_its_dates_and_holiday_notes():
    c = _course()
    frag = cp.fragments(c)
    for w in c.weeks:
        text = frag[f"week {w.number}"]
        for s in w.sessions:
            assert cc.fmt_date(s.date) in text and s.when() in text
            if s.holiday:
                assert s.holiday in text and s.note[:40] in text
                assert s.status in text
    assert "Hand in" in frag["week 3"] and "Hand in" not in frag["week 14"]
    assert "Proposal" in frag[f"week {c.milestone('proposal').week}"]
    assert "Presentation" in frag["week 13"]


def test_changing_the_first_date_moves_the_syllabus_text():
    old = cp.fragments(_course())
    moved = _course(**{"sessions.lecture.first": "2026-04-21",
                       "sessions.exercise.first": "2026-04-23"})
    new = cp.fragments(moved)
    for w in moved.weeks:
        for s in w.sessions:
            assert cc.fmt_date(s.date) in new[f"week {w.number}"]
        assert new[f"week {w.number}"] != old[f"week {w.number}"]
    assert "Himmelfahrt" in new["week 4"] and "Himmelfahrt" not in new["week 5"]


def test_syllabus_places_each_week_under_its_heading():
    text = (ROOT / "syllabus.qmd").read_text()
    for n in range(1, 15):
        m = re.search(rf"^### Week {n} — .*\n\n\{{\{{< course week {n} >\}}\}}", text, re.M)
        assert m, f"syllabus.qmd: no {{{{< course week {n} >}}}} right under week {n}'s heading"
    for key in ("overview", "grading", "placeholders"):
        assert f"{{{{< course {key} >}}}}" in text
    assert "how_this_course_works.qmd" in text


def test_every_shortcode_key_in_the_pages_exists():
    c = _course()
    keys = set(cp.fragments(c)) | set(cp.inline(c))
    for page in PAGES:
        used = re.findall(r"\{\{<\s*course\s+(.+?)\s*>\}\}", page.read_text())
        assert used, f"{page.name} uses no course shortcode"
        unknown = sorted(set(used) - keys)
        assert not unknown, f"{page.relative_to(ROOT)}: unknown course keys {unknown}"


def test_how_this_course_works_covers_the_issue():
    text = (ROOT / "how_this_course_works.qmd").read_text()
    for key in ("hand-in", "calendar", "grading", "ask", "release", "project-timeline",
                "holidays", "people"):
        assert f"{{{{< course {key} >}}}}" in text, key
    cfg = yaml.safe_load((ROOT / "_quarto.yml").read_text())
    assert "how_this_course_works.qmd" in yaml.safe_dump(cfg["website"]["navbar"])
    assert "how_this_course_works.qmd" in cfg["project"]["render"]
    assert "how_this_course_works.qmd" in (ROOT / "index.qmd").read_text()
    assert "course" in cfg.get("filters", [])


def test_title_meta_of_decks_and_handouts():
    c = _course(**{"course.lecturer": {"name": "Dr. A. Test", "email": ""},
                   "course.institution": "Test University"})
    meta = cp.title_meta(c)
    assert set(meta) == {str(n) for n in range(0, 15)}
    for w in c.weeks:
        m = meta[str(w.number)]
        assert m["author"] == "Dr. A. Test" and m["affiliation"] == "Test University"
        assert cc.fmt_date(w.lecture.date) in m["deck"] and c.term in m["deck"]
        assert "CC BY 4.0" in m["deck"]
        for s in w.sessions:
            assert cc.fmt_date(s.date) in m["notebook"]
    assert "Self-study lecture" in meta["7"]["deck"]
    assert "cancelled" in meta["5"]["notebook"]


def test_cli_check_and_quarto_json():
    env = {**os.environ, cc.ENV_VAR: str(CONFIG)}
    out = subprocess.run([sys.executable, "-m", "mlpc_course.course_config", "check"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "week  5" in out.stdout and "Himmelfahrt" in out.stdout
    out = subprocess.run([sys.executable, "-m", "mlpc_course.course_pages",
                          "--config", str(CONFIG)], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    data = json.loads(out.stdout)
    assert {"blocks", "inline", "weeks"} <= set(data) and "week 14" in data["blocks"]
    bad = subprocess.run([sys.executable, "-m", "mlpc_course.course_config", "check",
                          "--config", str(ROOT / "no_such.yml")], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and "no such file" in bad.stderr


# --- the Quarto extension, rendered for real (a small scratch project) -----------------------

def _quarto():
    exe = os.environ.get("QUARTO") or str(ROOT / ".quarto-cli" / "bin" / "quarto")
    return exe if Path(exe).exists() else shutil.which("quarto")


@pytest.mark.slow
@pytest.mark.skipif(_quarto() is None, reason="Quarto not installed (make quarto)")
def test_extension_renders_moved_dates_into_pages_and_title_slides(tmp_path):
    """A page with shortcodes, a deck and a notebook rendered with a config whose first dates
    moved by a week and whose lecturer is set: the page shows the moved dates and holiday
    notes; the deck's title slide, and the typst handouts of the deck and of the notebook,
    show the lecturer, the institution and the week's dates (~10 s CPU: three renders)."""
    proj = tmp_path / "proj"
    (proj / "slides").mkdir(parents=True)
    shutil.copytree(ROOT / "_extensions" / "mlpc" / "course",
                    proj / "_extensions" / "mlpc" / "course")
    (proj / "_quarto.yml").write_text(
        "project:\n  type: website\n  render: [page.qmd, slides/week05_demo.qmd, "
        "notebooks/week07_demo.ipynb]\nfilters:\n  - course\n")
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Week 7 — Demo"}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}}, "nbformat": 4,
          "nbformat_minor": 5}
    (proj / "notebooks").mkdir()
    (proj / "notebooks" / "week07_demo.ipynb").write_text(json.dumps(nb))
    (proj / "page.qmd").write_text(
        "---\ntitle: Dates\n---\n\n{{< course overview >}}\n\n"
        + "".join(f"## Week {n}\n\n{{{{< course week {n} >}}}}\n\n" for n in range(1, 15))
        + "Proposal due {{< course milestone proposal >}}.\n")
    (proj / "slides" / "week05_demo.qmd").write_text(
        "---\ntitle: Demo deck\nformat: revealjs\n---\n\n## One\n\ntext\n")
    raw = yaml.safe_load(CONFIG.read_text())
    raw["sessions"]["lecture"]["first"] = "2026-04-21"
    raw["sessions"]["exercise"]["first"] = "2026-04-23"
    raw["course"]["lecturer"] = {"name": "Dr. A. Test", "email": ""}
    raw["course"]["institution"] = "Test University"
    cfg = tmp_path / "moved.yml"
    cfg.write_text(yaml.safe_dump(raw, allow_unicode=True))
    env = {**os.environ, "QUARTO_PYTHON": sys.executable, cc.ENV_VAR: str(cfg),
           "MLPC_ROOT": str(ROOT)}
    run = subprocess.run([_quarto(), "render"], cwd=proj, env=env, capture_output=True,
                         text=True, timeout=300)
    log = run.stdout + run.stderr
    assert run.returncode == 0 and "ERROR" not in log, log[-3000:]
    page = (proj / "_site" / "page.html").read_text()
    moved = cc.load(cfg)
    for s in moved.sessions():
        assert cc.fmt_date(s.date) in page, cc.fmt_date(s.date)
    assert "Tue 14.04.2026" not in page  # the old first lecture is gone
    assert "Christi Himmelfahrt" in page and "Fronleichnam" in page
    assert cc.fmt_dt(moved.milestone("proposal").due) in page
    deck = (proj / "_site" / "slides" / "week05_demo.html").read_text()
    title = deck[deck.index('id="title-slide"'):][:3000]
    assert "Dr. A. Test" in title and "Test University" in title
    assert cc.fmt_date(moved.week(5).lecture.date) in title and moved.term in title
    assert "Dr. A. Test" not in (proj / "_site" / "notebooks" / "week07_demo.html").read_text()
    # the handouts (typst) of a deck and of a notebook carry them too
    run = subprocess.run([_quarto(), "render", "--to", "typst", "-M", "keep-typ:true"],
                         cwd=proj, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    typ = (proj / "slides" / "week05_demo.typ").read_text()
    assert "Dr. A. Test" in typ and "Test University" in typ
    assert cc.fmt_date(moved.week(5).lecture.date) in typ
    typ = (proj / "notebooks" / "week07_demo.typ").read_text()
    assert "Dr. A. Test" in typ and "self-study" in typ
    for s in moved.week(7).sessions:
        assert cc.fmt_date(s.date) in typ


# --- after `make test` rendered the site ---------------------------------------------------------

@pytest.mark.after_render
def test_rendered_syllabus_and_pages_show_the_config():
    if not (SITE / "syllabus.html").exists():
        pytest.skip("no _site/ (render first)")
    c = cc.load()

    def main(page):  # the page's content (the "view source" dialog repeats the .qmd)
        text = (SITE / page).read_text()
        return text[text.index("<main"):text.index("</main>")]

    syllabus = main("syllabus.html")
    for s in c.sessions():
        assert cc.fmt_date(s.date) in syllabus, cc.fmt_date(s.date)
    for h in c.holidays:
        if h not in c.unused_holidays:
            assert h.name.split(" (")[0] in syllabus, h.name
    assert "{{&lt; course" not in syllabus and "{{< course" not in syllabus
    how = main("how_this_course_works.html")
    for g in c.grading:
        assert g.name in how
    assert cc.fmt_dt(c.milestone("presentation").due) in how
    deck = (SITE / "slides" / "week03_leakage.html").read_text()
    title = deck[deck.index('id="title-slide"'):][:3000]
    assert c.term in title and cc.fmt_date(c.week(3).lecture.date) in title
