"""Scoring and ranking: findings weighed by the rubric's indicators (the work-point requirements).

Rules encoded (国办秘函〔2019〕19号): any veto finding → 不合格 and no further scoring; otherwise full marks
(100) minus deductions, each indicator capped at its points; below the pass line (60) fails; a department
site without services is scored out of 75 and scaled to 100 (×4/3). Bonus indicators (above the bonus line,
80) have no authoritative source and are off in the shipped rubric: scores stay ≤ 100 unless the operator
enables them in a rubric override. Every point taken or added names its indicator (`Deduction`, `Bonus`).

Numbers: one rule, `reports.model.round_score` (one decimal, half up), applied to each indicator's points and
once to the score; ranks and changes are computed on these rounded figures.

Ranking (documented tie rule): scored sites first, by rounded score (high first); vetoed sites after them,
by number of vetoes (fewer first). Sites equal on that share a rank, and the next rank is skipped (1, 2, 2,
4): two sites shown with 95.9 are both 19th. Within a shared rank, sites with fewer deduction and warning
findings are listed first. Ranks are given overall and within each kind of site.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks.rules import RubricError, load_rubric_data
from reports.model import Bonus, Deduction, Finding, Lines, SiteScore, finding_key, round_score

CATEGORIES = ("veto", "deduction", "bonus")


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    category: str  # veto | deduction | bonus
    checks: tuple[str, ...]
    points: float = 0.0
    cap: float | None = None
    severity: tuple[str, ...] = ()
    on_homepage: bool | None = None
    freshness: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    thresholds: str | None = None
    unconfirmed: bool = False

    def matches(self, finding: Finding) -> bool:
        evidence = finding.evidence or {}
        return (
            finding.check in self.checks
            and (not self.severity or finding.severity in self.severity)
            and (self.on_homepage is None or bool(evidence.get("on_homepage")) == self.on_homepage)
            and (not self.freshness or evidence.get("freshness") in self.freshness)
            and (not self.sections or finding.section in self.sections or finding.column in self.sections)
        )

    def applies_to(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


@dataclass(frozen=True)
class Scoring:
    full_marks: float
    pass_line: float
    bonus_line: float
    department_without_services: float
    indicators: tuple[Indicator, ...]
    period_rule: str
    period_veto_score: float

    @property
    def lines(self) -> Lines:
        return Lines(self.full_marks, self.pass_line, self.bonus_line)


@dataclass(frozen=True)
class SiteInfo:
    """What scoring needs to know of a site besides its findings."""

    site_id: str
    name: str
    kind: str
    services: bool = True


def load_scoring(path: str | Path | None = None) -> Scoring:
    """The scoring part of the rubric (shipped file, with the operator's laid over it)."""
    data = load_rubric_data(path)
    where = Path(path) if path else Path("checks/rubric.toml")
    scoring = data.get("scoring", {})
    indicators = []
    seen: set[str] = set()
    for number, raw in enumerate(data.get("indicators", [])):
        _check_indicator(raw, number, where, seen)
        if raw.get("enabled", True):
            indicators.append(_indicator(raw))
    periods = data.get("periods", {})
    if periods.get("rule", "mean") not in ("mean", "last", "min"):
        raise RubricError(f"{where}: [periods] rule: {periods.get('rule')!r} is not mean, last or min")
    return Scoring(
        full_marks=float(scoring.get("full_marks", 100)),
        pass_line=float(scoring.get("pass_line", 60)),
        bonus_line=float(scoring.get("bonus_line", 80)),
        department_without_services=float(scoring.get("department_without_services", 75)),
        indicators=tuple(indicators),
        period_rule=periods.get("rule", "mean"),
        period_veto_score=float(periods.get("veto_score", 0)),
    )


def _check_indicator(raw: dict[str, Any], number: int, where: Path, seen: set[str]) -> None:
    """Refuse an indicator the scoring could not use, naming the file, the indicator and the field."""
    label = f"{where}: indicator {raw.get('id') or number!r}"
    if not isinstance(raw.get("id"), str) or not raw["id"]:
        raise RubricError(f"{where}: indicators[{number}]: field 'id' missing (give every indicator an id)")
    if raw["id"] in seen:
        raise RubricError(f"{label}: duplicate id (give every indicator its own id)")
    seen.add(raw["id"])
    if raw.get("category") not in CATEGORIES:
        raise RubricError(
            f"{label}: field 'category': {raw.get('category')!r} is not veto, deduction or bonus"
        )
    checks = raw.get("checks")
    if not isinstance(checks, list) or not checks:
        raise RubricError(f"{label}: field 'checks': list the check ids it counts, e.g. [\"dead_link\"]")
    for key in ("points", "cap"):
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
            raise RubricError(f"{label}: field {key!r}: {value!r} is not a number ≥ 0")
    if raw["category"] != "veto" and raw.get("points") is None:
        raise RubricError(f"{label}: field 'points': missing (points per occurrence)")


def _indicator(raw: dict[str, Any]) -> Indicator:
    return Indicator(
        id=raw["id"],
        name=str(raw.get("name", raw["id"])),
        category=raw["category"],
        checks=tuple(raw["checks"]),
        points=float(raw.get("points", 0)),
        cap=float(raw["cap"]) if raw.get("cap") is not None else None,
        severity=tuple(raw.get("severity", ())),
        on_homepage=raw.get("on_homepage"),
        freshness=tuple(raw.get("freshness", ())),
        sections=tuple(raw.get("sections", ())),
        kinds=tuple(raw.get("kinds", ())),
        thresholds=raw.get("thresholds"),
        unconfirmed=bool(raw.get("unconfirmed", False)),
    )


def score_site(site: SiteInfo, findings: list[Finding], scoring: Scoring) -> SiteScore:
    """One site's score for one inspection."""
    indicators = [indicator for indicator in scoring.indicators if indicator.applies_to(site.kind)]
    vetoes = [f for f in findings if any(i.category == "veto" and i.matches(f) for i in indicators)]
    if vetoes:
        return SiteScore(
            site.site_id,
            site.name,
            site.kind,
            qualified=False,
            score=None,
            vetoes=vetoes,
            deductions=[],
            bonus=0.0,
            findings=findings,
        )
    deductions = _deductions(findings, [i for i in indicators if i.category == "deduction"])
    lost = sum(d.points for d in deductions)
    if site.kind == "department" and not site.services:
        base = scoring.department_without_services
        score = max(base - lost, 0.0) * scoring.full_marks / base
    else:
        score = max(scoring.full_marks - lost, 0.0)
    bonuses: list[Bonus] = []
    if round_score(score) > scoring.bonus_line:
        bonuses = [
            Bonus(i.id, i.name, round_score(i.points), i.unconfirmed)
            for i in indicators
            if i.category == "bonus" and not any(i.matches(f) for f in findings)
        ]
    bonus = round_score(sum(b.points for b in bonuses))
    score = round_score(score + bonus)
    return SiteScore(
        site.site_id,
        site.name,
        site.kind,
        qualified=score >= scoring.pass_line,
        score=score,
        vetoes=[],
        deductions=deductions,
        bonus=bonus,
        findings=findings,
        bonuses=bonuses,
    )


def _deductions(findings: list[Finding], deducting: list[Indicator]) -> list[Deduction]:
    """Each finding counted towards the first deduction indicator it matches; each indicator capped."""
    occurrences: Counter[str] = Counter()
    for finding in findings:
        indicator = next((i for i in deducting if i.matches(finding)), None)
        if indicator is not None:
            occurrences[indicator.id] += 1
    deductions = []
    for indicator in deducting:
        if occurrences[indicator.id]:
            points = occurrences[indicator.id] * indicator.points
            if indicator.cap is not None:
                points = min(points, indicator.cap)
            deductions.append(
                Deduction(
                    indicator.id,
                    indicator.name,
                    occurrences[indicator.id],
                    round_score(points),
                    indicator.unconfirmed,
                )
            )
    return deductions


def rank(sites: Iterable[SiteScore]) -> list[SiteScore]:
    """Give `rank` and `kind_rank` by the documented rule; return the sites in overall rank order."""
    ordered = sorted(sites, key=lambda s: (_order_key(s), s.site_id))
    _assign(ordered, "rank")
    by_kind: dict[str, list[SiteScore]] = defaultdict(list)
    for site in ordered:
        by_kind[site.kind].append(site)
    for group in by_kind.values():
        _assign(group, "kind_rank")
    return ordered


def _rank_key(site: SiteScore) -> tuple[int, float]:
    """What a rank is decided on: sites equal on it share the rank."""
    if site.vetoes or site.score is None:
        return (1, len(site.vetoes))
    return (0, -round_score(site.score))


def _order_key(site: SiteScore) -> tuple[tuple[int, float], int]:
    """The listing order: the rank, then fewer deduction and warning findings first (the rank is shared)."""
    problems = sum(1 for f in site.findings if f.severity in ("deduction", "warning"))
    return (_rank_key(site), problems)


def _assign(ordered: list[SiteScore], attribute: str) -> None:
    previous_key: tuple[int, float] | None = None
    previous_rank = 0
    for position, site in enumerate(ordered, start=1):
        key = _rank_key(site)
        current = previous_rank if key == previous_key else position
        setattr(site, attribute, current)
        previous_key, previous_rank = key, current


def compare(current: list[SiteScore], previous: list[SiteScore] | None) -> None:
    """Fill in each site's changes against the previous inspection (score, rank, findings)."""
    if previous is None:
        return
    before = {site.site_id: site for site in previous}
    for site in current:
        old = before.get(site.site_id)
        if old is None:
            continue
        if site.score is not None and old.score is not None:
            site.score_delta = round_score(site.score - old.score)
        site.rank_delta = old.rank - site.rank
        now_keys = {finding_key(f) for f in site.findings if f.severity != "info"}
        old_keys = {finding_key(f) for f in old.findings if f.severity != "info"}
        site.open_keys = now_keys & old_keys
        site.new_findings = len(now_keys - old_keys)
        site.fixed_findings = len(old_keys - now_keys)
        site.open_findings = len(site.open_keys)
