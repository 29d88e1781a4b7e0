"""A person's decision on a content finding (`duwang confirm KEY`): the check only warns (待确认); a
confirmed finding becomes the deduction or veto the rubric's indicators count it under, or is dismissed.

The finding is named by its problem number (the key `duwang findings` shows, the one `duwang recheck
--finding` takes too): the latest inspection that reported it is the one decided on. A stored finding's
numeric id is still accepted for scripts written when `duwang findings` printed it.

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
        CheckId.NO_CONSULTATION,  # no channel found by name: a person confirms it (checks/interaction.py)
    ]
)
DISMISSED = "dismissed"  # a false alarm: stored as info, never scored
DECISIONS = ("veto", "deduction", DISMISSED)
KEY_FIELDS = ("site_id", "check", "url", "page", "column", "section", "element")


class ConfirmError(Exception):
    """The finding cannot be confirmed as asked; the message says why, in Chinese."""


@dataclass(frozen=True)
class Confirmation:
    key: str  # the problem number (`duwang findings`) the decision is stored by
    finding_ids: tuple[int, ...]  # the stored findings it was applied to now
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


def resolve(store: Store, finding: str | int, site_id: str | None = None) -> list[dict[str, Any]]:
    """The stored findings `finding` names: a problem number (key) gives the findings of the latest
    inspection that reported it; a number that is no key, the stored finding of that id (the numeric id
    `duwang findings` printed before it showed only keys, kept for old scripts)."""
    text = str(finding).strip()
    if not isinstance(finding, int):
        rows = store.latest_with_key(text.lower(), site_id)
        sites = list(dict.fromkeys(row["site_id"] for row in rows))
        if len(sites) > 1:
            raise ConfirmError(f"问题编号 {text} 在多个站点（{'、'.join(sites)}）都有，请用 --site 指明站点")
        if rows:
            return rows
    if text.isdigit():
        where, params = "id = ?", list[Any]([int(text)])
        if site_id is not None:
            where, params = where + " and site_id = ?", [*params, site_id]
        rows = list(store.db.table("findings").rows_where(where, params))
        for row in rows:
            row["evidence"] = json.loads(row["evidence"] or "{}")
        if rows:
            return rows
    place = f"站点 {site_id} " if site_id is not None else ""
    raise ConfirmError(f"{store.path}: {place}没有问题编号为 {text} 的检查结果（问题编号见 duwang findings）")


def confirm(
    db: str | Path,
    finding: str | int,
    decision: str | None,
    who: str,
    reason: str,
    indicators: list[dict[str, Any]],
    site_id: str | None = None,
) -> Confirmation:
    """Record a decision on the stored finding `finding` names (`resolve`: a problem number, or an old
    numeric id) and apply it to the stored finding now."""
    store = Store(db, create=False)
    try:
        rows = resolve(store, finding, site_id)
        first = rows[0]
        key, check = finding_key(first), first["check"]
        if check not in CONTENT_CHECKS:
            raise ConfirmError(f"问题 {key}（{check}）不是内容检查结果，无需人工确认")
        decision = decision or default_decision(check, indicators)
        if decision == "veto" and default_decision(check, indicators) != "veto":
            raise ConfirmError(f"评分规则中没有把 {check} 计为单项否决的指标，只能确认为扣分")
        severity = "info" if decision == DISMISSED else decision
        at = now_iso()
        record = {"by": who, "at": at, "reason": reason, "decision": decision}
        stored = {name: first.get(name) for name in ("id", "run_id", *KEY_FIELDS, "evidence", "key")}
        with store.transaction():
            store.db.execute(
                "insert or replace into confirmations (key, site_id, check_id, severity, confirmed_by,"
                " confirmed_at, reason, finding) values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    key,
                    first["site_id"],
                    check,
                    severity,
                    who,
                    at,
                    reason,
                    json.dumps(stored, ensure_ascii=False),
                ],
            )
            # Every finding of that inspection with this key: the next `duwang check` would treat them alike.
            for row in rows:
                evidence = {**row["evidence"], "confirmation": record}
                store.db.execute(
                    "update findings set severity = ?, evidence = ? where id = ?",
                    [severity, json.dumps(evidence, ensure_ascii=False), row["id"]],
                )
        label = {"veto": "单项否决", "deduction": "扣分", DISMISSED: "误报（不计分）"}[decision]
        ids = tuple(row["id"] for row in rows)
        return Confirmation(key, ids, first["site_id"], check, severity, label)
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
