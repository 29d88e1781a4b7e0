"""Findings: a check's verdict on facts, with its evidence and one sentence a site owner can act on.

`Finding.as_json()` is the documented JSON form printed by `duwang findings --format json` (see README):
`site_id`, `check`, `severity`, `url`, `page`, `column`, `section`, `element`, `detail` and `evidence`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

# The keys of a finding's JSON form, in order: the schema of `duwang findings --format json`.
FINDING_FIELDS = (
    "site_id",
    "check",
    "severity",
    "url",
    "page",
    "column",
    "section",
    "element",
    "detail",
    "evidence",
)


class Severity(StrEnum):
    VETO = "veto"  # 单项否决: the site fails the inspection
    DEDUCTION = "deduction"  # 扣分
    WARNING = "warning"  # before a veto line: act before the next inspection
    INFO = "info"  # worth knowing, not scored


# Most to least serious: the order findings are listed in every report, mail and summary table.
SEVERITY_ORDER: tuple[Severity, ...] = tuple(Severity)
_SEVERITY_RANK = {str(severity): rank for rank, severity in enumerate(SEVERITY_ORDER)}


def severity_rank(severity: str) -> int:
    """Where a severity sorts in `SEVERITY_ORDER`; an unknown one sorts after all of them."""
    return _SEVERITY_RANK.get(severity, len(SEVERITY_ORDER))


class CheckId(StrEnum):
    COLUMN_STALE = "column_stale"  # 栏目不更新 (one column)
    COLUMN_EMPTY = "column_empty"  # 空白栏目
    COLUMN_NEEDS_RENDER = "column_needs_render"  # list filled by script, no browser to read it
    COLUMNS_STALE = "columns_stale"  # the veto indicator 栏目不更新 over the whole site
    HOMEPAGE_STALE = "homepage_stale"  # 首页不更新
    DEAD_LINK = "dead_link"  # 链接不可用
    UNCHECKED_LINKS = "unchecked_links"  # links to hosts off the network allow-list
    SECTION_MISSING = "section_missing"
    SECTION_EMPTY = "section_empty"
    ANNUAL_REPORT_LATE = "annual_report_late"  # 年报未按期发布
    ELEMENT_MISSING = (
        "element_missing"  # 网站标识码, ICP备案, 公安备案, 党政机关标识, 网站地图, 站内搜索, 找错
    )
    ELEMENT_INVALID = "element_invalid"  # e.g. 网站标识码 malformed or unequal to the SiteIDCode meta
    UNREACHABLE = "unreachable"  # 站点无法访问
    SITE_BLOCKED = "site_blocked"  # the site's firewall refused the crawler: not inspected
    HOMEPAGE_UNREAD = "homepage_unread"  # no start page answered in this crawl: not inspected
    LINKS_OVER_BUDGET = "links_over_budget"  # outside links left unchecked: the budget of checks was spent
    CRAWL_DEADLINE = "crawl_deadline"  # the crawl's deadline passed before the site was done
    HTTPS_MISSING = "https_missing"  # HTTPS not offered on the homepage's host
    CERT_INVALID = "cert_invalid"  # the certificate fails verification: expired, untrusted, wrong name
    CERT_EXPIRING = "cert_expiring"  # valid, but expires within the rubric's [tech] cert_warn_days
    IPV6_UNREACHABLE = "ipv6_unreachable"  # no AAAA record, or no connection over IPv6
    TECH_UNMEASURED = "tech_unmeasured"  # HTTPS or IPv6 could not be measured from here: not scored
    # Content (checks/content.py): warnings until a person confirms them (`duwang confirm`).
    LEADER_NAME = "leader_name"  # 领导人姓名错误: a homophone one character off, next to the leader's title
    LEADER_TITLE = "leader_title"  # 领导人职务错误: a leader's name next to another leader's title
    WRONG_FORMULATION = "wrong_formulation"  # 严重表述错误: country, congress and slogan names
    TYPO = "typo"  # 错别字
    SENSITIVE_WORD = "sensitive_word"  # 敏感词 (shipped list and the operator's)
    # Key areas (checks/keyareas.py): 重点领域 columns and the year's budget and final accounts.
    KEY_AREA_MISSING = "key_area_missing"  # 重点领域栏目缺失
    KEY_AREA_STALE = "key_area_stale"  # 重点领域栏目未按期更新 (stale, undated or empty)
    FISCAL_REPORT_MISSING = "fiscal_report_missing"  # 预决算未公开: no title names the year's 预算/决算
    # Services (checks/services.py): 办事指南 elements and 办件统计.
    SERVICE_GUIDE_INCOMPLETE = "service_guide_incomplete"  # 办事指南要素缺失 (one guide)
    SERVICES_UNUSABLE = "services_unusable"  # 服务不实用: the veto line over the site, 待确认
    SERVICE_STATS_STALE = "service_stats_stale"  # 办件统计未按期更新 (3 months)
    # 政策解读 ↔ 政策文件 (checks/interpretations.py).
    INTERPRETATION_UNLINKED = "interpretation_unlinked"  # 解读未链接政策文件
    POLICY_BACKLINK_MISSING = "policy_backlink_missing"  # 政策文件未链接解读
    MESSAGE_UNANSWERED = "message_unanswered"  # 留言超期未回复 (veto line of 互动回应差)
    NO_CONSULTATION = "no_consultation"  # 无可用咨询渠道 (veto line of 互动回应差)
    REPLY_STALE = "reply_stale"  # 留言答复: no new reply within 2 months
    INTERACTION_STATS = "interaction_stats"  # 互动回应统计: messages, answered, 限时答复率 (not scored)


@dataclass(frozen=True)
class Finding:
    site_id: str
    check: CheckId
    severity: Severity
    detail: str  # one sentence in Chinese: what is wrong, where, and what to do
    url: str | None = None  # the URL at fault: a dead link's target, a column's list page
    page: str | None = None  # the page where it was seen
    column: str | None = None
    section: str | None = None
    element: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["check"] = str(self.check)
        data["severity"] = str(self.severity)
        return data
