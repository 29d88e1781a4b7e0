"""The Chinese names every document uses: kinds of site, severities, checks (in the rubric's order), page
elements, the counts of the veto indicator 栏目不更新, and the labels of evidence fields.

This is the one place a new check id gets its Chinese name (`CHECK_NAMES`; tests/test_names.py fails for a
check without one). Names of values that the checks themselves define (column classes, link errors, element
ids) are read from `checks/` rather than copied. Plain lookups, no I/O.
"""

from __future__ import annotations

from typing import Any

from checks.elements import NAMES as ELEMENT_NAMES
from checks.tech import EVIDENCE_NAMES as TECH_EVIDENCE_NAMES
from checks.tech import NAMES as TECH_NAMES

KIND_NAMES = {"portal": "政府门户网站", "department": "部门网站", "service": "政务服务网子站"}
SEVERITY_NAMES = {"veto": "单项否决", "deduction": "扣分", "warning": "警告", "info": "提示"}
# In the rubric's order: findings of equally severe checks are listed in this order in every document.
CHECK_NAMES = {
    "unreachable": "站点无法访问",
    "homepage_stale": "首页不更新",
    "columns_stale": "栏目不更新（单项否决指标）",
    "column_stale": "栏目更新不及时",
    "column_empty": "空白栏目",
    "column_needs_render": "脚本生成的栏目未能读取",
    "dead_link": "链接不可用",
    "unchecked_links": "未检查的站外链接",
    "section_missing": "缺少必备栏目",
    "section_empty": "必备栏目无内容",
    "annual_report_late": "年度报告逾期",
    "element_missing": "缺少页面要素",
    "element_invalid": "页面要素有误",
    "site_blocked": "网站拒绝检查程序访问",
    "homepage_unread": "本次未能打开首页",
    "links_over_budget": "超出检查上限未检查的站外链接",
    "crawl_deadline": "抓取期限内未抓完",
    "https_missing": "未提供HTTPS访问",
    "cert_invalid": "HTTPS证书无效",
    "cert_expiring": "HTTPS证书即将过期",
    "ipv6_unreachable": "IPv6无法访问",
    "tech_unmeasured": "技术指标未能检测",
    "leader_name": "领导人姓名错误",
    "leader_title": "领导人职务错误",
    "wrong_formulation": "严重表述错误",
    "typo": "错别字",
    "sensitive_word": "敏感词",
    "key_area_missing": "重点领域栏目缺失",
    "key_area_stale": "重点领域栏目未按期更新",
    "fiscal_report_missing": "预决算未公开",
    "service_guide_incomplete": "办事指南要素缺失",
    "services_unusable": "服务不实用",
    "service_stats_stale": "办件统计未按期更新",
    "interpretation_unlinked": "政策解读未关联政策文件",
    "policy_backlink_missing": "政策文件未关联解读",
    "message_unanswered": "留言超期未回复",
    "no_consultation": "无可用咨询渠道",
    "reply_stale": "留言答复不及时",
    "interaction_stats": "互动回应统计",
}
_CHECK_ORDER = {check: position for position, check in enumerate(CHECK_NAMES)}

# Checks that report the inspector's own gaps, not the site's faults: outside links off the allow-list or over
# the budget left unchecked, a script-filled list with no browser to read it, a crawl stopped by its deadline,
# a technical indicator the inspector's own network could not measure (e.g. no IPv6 route). They go to the
# info center's overview; the site's owner is not asked to check them by hand.
INSPECTOR_GAPS = frozenset(
    {"unchecked_links", "links_over_budget", "crawl_deadline", "column_needs_render", "tech_unmeasured"}
)

# columns_stale (the veto indicator) uses the element field for which of its three counts fired.
COUNT_NAMES = {
    "news_and_policy": "动态要闻类、通知公告政策文件类栏目不更新",
    "should_update": "应更新栏目长期未更新",
    "empty": "空白栏目",
}

EVIDENCE_NAMES = {
    "page_title": "页面标题",
    "anchor_text": "链接文字",
    "reason": "原因",
    "status": "HTTP 状态码",
    "error": "错误",
    "kind": "链接类型",
    "tag": "HTML 标签",
    "attr": "属性",
    "on_homepage": "位于首页",
    "reprobe_status": "复查状态码",
    "reprobe_error": "复查错误",
    "targets": "目标地址",
    "hosts": "主机",
    "probes": "探测次数",
    "failed": "失败次数",
    "share": "失败比例",
    "errors": "错误类型",
    "newest": "最新发布日期",
    "age_days": "距检查日天数",
    "window_days": "更新期限（天）",
    "freshness": "栏目类别",
    "limit_days": "更新期限（天）",
    "entries": "条目数",
    "text": "页面文字",
    "count": "数量",
    "veto_line": "否决线",
    "warn_line": "警告线",
    "footer": "页脚所示",
    "meta": "meta 标签所示",
    "latest_year": "最新年度",
    "due_year": "应发布年度",
    "deadline": "截止日期",
    "run_id": "督查批次",
    "page": "页面",
    "redirected_to": "重定向后地址",
    "blocked_pages": "被拒绝的页面数",
    "fetched_pages": "抓取的页面数",
    "statuses": "HTTP 状态码",
    "found_in": "发现位置",
    "pages": "页面数",
    "days": "天数",
    "unfinished": "未抓取的地址数",
    "stopped_by": "停止原因",
    "max_minutes": "抓取期限（分钟）",
    "budget": "检查上限",
    "skipped": "未检查数",
    "checked": "已检查数",
    "unchecked": "未检查数",
    "url": "地址",
    "title": "标题",
    "sections": "栏目",
    "meta_page": "meta 所在页面",
    "timeout": "超时",
    "tls": "TLS 证书",
    "how": "识别方式",
    "page_kind": "页面类型",
    "article_signals": "文章页特征",
    "confidence": "栏目识别",
    "identified_by": "识别方式代码",
    "similar": "相近的链接",
    "looked_at": "读取范围",
    "area": "重点领域",
    "words": "栏目名称用词",
    "columns_read": "已识别栏目数",
    "candidates": "疑似链接",
    "columns": "对应栏目",
    "column_urls": "判定的栏目地址",
    "also": "同一栏目的其他检查结果（已合并，只计一次）",
    "problem": "问题类型",
    "year": "年度",
    "titles_read": "读取标题数",
    "missing": "缺少的要素",
    "present": "具备的要素",
    "guides_read": "读取的办事指南数",
    "incomplete": "要素缺失的办事指南数",
    "guide_missing": "判定缺失的要素数",
    "links_on_page": "页面链接数",
    "interpretation": "解读页面",
    **TECH_EVIDENCE_NAMES,
    "overdue": "逾期未回复留言",
    "messages": "留言数",
    "answered": "已回复",
    "unanswered": "未回复",
    "median_reply_days": "回复用时中位数（天）",
    "reply_limit_days": "答复时限（工作日）",
    "in_time": "限时内答复",
    "in_time_rate": "限时答复率",
    "latest_message": "最新留言日期",
    "latest_reply": "最近回复日期",
    "channels": "咨询渠道",
    "crawl_complete": "抓取完整",
}


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)


def severity_name(severity: str) -> str:
    return SEVERITY_NAMES.get(severity, severity)


def check_name(check: str) -> str:
    """A check's Chinese name; a check this version does not know (an older database's) keeps its id."""
    return CHECK_NAMES.get(check, check)


def check_order(check: str) -> tuple[int, str]:
    """Sort key: the rubric's order of `CHECK_NAMES`, unknown checks after them by id."""
    return (_CHECK_ORDER.get(check, len(_CHECK_ORDER)), check)


def element_name(element: Any) -> str:
    """An element's Chinese name; the checks store an id such as "site_id_code" or "should_update"."""
    return ELEMENT_NAMES.get(element) or TECH_NAMES.get(element) or COUNT_NAMES.get(element) or str(element)


def evidence_name(key: str) -> str:
    return EVIDENCE_NAMES.get(key, key)
