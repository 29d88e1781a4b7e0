"""A person's decision on a content finding (`duwang confirm FINDING`): the check only warns (待确认); a
confirmed finding becomes the deduction or veto the rubric's indicators count it under, or is dismissed.

Decisions are stored in `confirmations` by the finding's key (`checks.identity.finding_key`, stored with
each finding: what makes a finding the same one in two inspections), with who, when and why, and applied again
each time `duwang check` stores a run's findings: a confirmed error stays confirmed on re-checks and in
later inspections while the page still shows it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks.findings import CheckId
from crawler.store import Store, now_iso

CONTENT_CHECKS = frozenset(
    [
        CheckId.LEADER_NAME,
        CheckId.LEADER_TITLE,
        CheckId.WRONG_FORMULATION,
        CheckId.TYPO,
        CheckId.SENSITIVE_WORD,
        CheckId.SERVICES_UNUSABLE,  # its veto line is unconfirmed: a person decides (checks/services.py)
    ]
)
DISMISSED = "dismissed"  # a false alarm: stored as info, never scored
DECISIONS = ("veto", "deduction", DISMISSED)
KEY_FIELDS = ("site_id", "check", "url", "page", "column", "section", "element")


class ConfirmError(Exception):
    """The finding cannot be confirmed as asked; the message says why, in Chinese."""


@dataclass(frozen=True)
class Confirmation:
    finding_id: int
    site_id: str
    check: str
    severity: str  # the finding's severity from now on
    detail: str


def finding_key(row: dict[str, Any]) -> str:
    """The finding's stored key (`checks.identity`: site-relative, so a confirmation survives a move of the
    site to https or another host); the absolute fields for a row stored before keys existed."""
    if row.get("key"):
        return str(row["key"])
    return json.dumps([row.get(name) for name in KEY_FIELDS], ensure_ascii=False)


def default_decision(check: str, indicators: list[dict[str, Any]]) -> str:
    """What the rubric makes of a confirmed finding of `check`: veto when a veto indicator counts it
    confirmed as one, else deduction."""
    for indicator in indicators:
        if (
            indicator.get("enabled", True)
            and indicator.get("category") == "veto"
            and check in indicator.get("checks", ())
            and "veto" in indicator.get("severity", ("veto",))
        ):
            return "veto"
    return "deduction"


def confirm(
    db: str | Path,
    finding_id: int,
    decision: str | None,
    who: str,
    reason: str,
    indicators: list[dict[str, Any]],
) -> Confirmation:
    """Record a decision on stored finding `finding_id` and apply it to the stored finding now."""
    store = Store(db, create=False)
    try:
        row = store.db.execute(
            "select id, run_id, site_id, [check], url, page, [column], section, element, evidence, key"
            " from findings where id = ?",
            [finding_id],
        ).fetchone()
        if row is None:
            raise ConfirmError(f"{db}: 没有编号为 {finding_id} 的检查结果（用 duwang findings 查看编号）")
        finding = dict(zip(("id", "run_id", *KEY_FIELDS, "evidence", "key"), row, strict=True))
        if finding["check"] not in CONTENT_CHECKS:
            raise ConfirmError(f"检查结果 {finding_id}（{finding['check']}）不是内容检查结果，无需人工确认")
        decision = decision or default_decision(finding["check"], indicators)
        if decision == "veto" and default_decision(finding["check"], indicators) != "veto":
            raise ConfirmError(f"评分规则中没有把 {finding['check']} 计为单项否决的指标，只能确认为扣分")
        severity = "info" if decision == DISMISSED else decision
        at = now_iso()
        record = {"by": who, "at": at, "reason": reason, "decision": decision}
        with store.transaction():
            store.db.execute(
                "insert or replace into confirmations (key, site_id, check_id, severity, confirmed_by,"
                " confirmed_at, reason, finding) values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    finding_key(finding),
                    finding["site_id"],
                    finding["check"],
                    severity,
                    who,
                    at,
                    reason,
                    json.dumps(finding, ensure_ascii=False),
                ],
            )
            evidence = {**json.loads(finding["evidence"] or "{}"), "confirmation": record}
            store.db.execute(
                "update findings set severity = ?, evidence = ? where id = ?",
                [severity, json.dumps(evidence, ensure_ascii=False), finding_id],
            )
        label = {"veto": "单项否决", "deduction": "扣分", DISMISSED: "误报（不计分）"}[decision]
        return Confirmation(finding_id, finding["site_id"], finding["check"], severity, label)
    finally:
        store.close()


def apply_confirmations(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings of a check about to be stored, each confirmed one given its confirmed severity."""
    decided = {
        key: (severity, by, at, reason)
        for key, severity, by, at, reason in store.db.execute(
            "select key, severity, confirmed_by, confirmed_at, reason from confirmations"
        )
    }
    if not decided:
        return rows
    for row in rows:
        found = decided.get(finding_key(row)) if row.get("check") in CONTENT_CHECKS else None
        if found is not None:
            severity, by, at, reason = found
            decision = DISMISSED if severity == "info" else severity
            row["severity"] = severity
            row["evidence"] = {
                **row.get("evidence", {}),
                "confirmation": {"by": by, "at": at, "reason": reason, "decision": decision},
            }
    return rows
