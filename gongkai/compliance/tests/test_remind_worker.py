"""The reminder task on the real workers, killed mid-task: every reminder is delivered exactly
once (issue 8: "kills the worker during a reminder task, and shows each reminder delivered
exactly once"). The machinery — throwaway database, file-based mail counted by Message-ID,
redis-server on loopback, killing a worker's whole process tree — is the notification
worker test's (gongkai/notifications/tests/test_workers.py).

A town with BRANCHES branches owes a monthly item from December 2025; on 25 February 2026
December's and January's are overdue past escalation: each branch's clerk hears of two
overdue obligations and the town office of each of them escalated — 4 × BRANCHES notices.
"""

from __future__ import annotations

import json
import time

from gongkai.notifications.tests.test_workers import (
    Site,
    drain,
    kill_tree,
    redis_server,
    throwaway_database,
    wait_for,
)

BRANCHES = 12
EXPECTED = 4 * BRANCHES
PAUSE = 0.15
DAY = "2026-02-25"


def scenario(site: Site, *args: str) -> str:
    return site.run("-m", "gongkai.compliance.tests.remind_scenario", *args)


def kill_mid_task_then_recover(site: Site, database, first: list[str], second: list[str]) -> None:  # type: ignore[no-untyped-def]
    site.gongkai("migrate", "-v", "0")
    scenario(site, "setup", str(BRANCHES))
    scenario(site, "remind", DAY, str(PAUSE))
    worker = site.start_worker(*first)
    wait_for(lambda: database.notifications() >= EXPECTED // 4, "the first reminders", site)
    kill_tree(worker)
    made = database.notifications()
    assert EXPECTED // 4 <= made < EXPECTED, "the kill did not land mid-task"
    time.sleep(3 * PAUSE)
    assert database.notifications() == made, "something outlived the kill"
    # Next: the sweep catches the deliveries of what was made, and the daily job runs again
    # (as cron would the next time, or a retry).
    site.gongkai("notifications", "deliver-pending", "--older-than", "0")
    scenario(site, "remind", DAY)
    drain(site, site.start_worker(*second))

    report = json.loads(scenario(site, "report"))
    assert report["notifications"] == EXPECTED
    assert len(set(report["pairs"])) == EXPECTED
    assert report["kinds"].count("overdue") == 2 * BRANCHES
    assert report["kinds"].count("escalation") == 2 * BRANCHES
    assert report["deliveries"] == {"pending": 0, "sent": EXPECTED, "failed": 0, "skipped": 0}
    sent = site.sent_message_ids()
    assert sorted(sent) == report["message_ids"]
    assert set(sent.values()) == {1}, f"sent more than once: {sent.most_common(3)}"


def test_the_database_worker_killed_during_reminders(tmp_path):
    with throwaway_database(tmp_path / "var") as database:
        site = Site(tmp_path, database, "database", {})
        worker = ["db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"]
        try:
            kill_mid_task_then_recover(site, database, worker, [*worker, "--batch"])
        finally:
            site.stop_all()


def test_the_rq_worker_killed_during_reminders(tmp_path):
    with redis_server(tmp_path) as url, throwaway_database(tmp_path / "var") as database:
        site = Site(tmp_path, database, "rq", {"GONGKAI_REDIS_URL": url})
        rqworker = ["rqworker", "default", "--job-class", "django_tasks_rq.Job"]
        try:
            kill_mid_task_then_recover(site, database, rqworker, [*rqworker, "--burst"])
        finally:
            site.stop_all()
