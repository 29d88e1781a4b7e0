"""Deterministic Chinese page text for the farm: titles and bodies per column, from a seeded random.Random.

Every character used here must exist in GB2312, because one site serves its pages as GBK while claiming
gb2312 in its meta tag (tests check the round trip).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

TOPICS = (
    "脱贫攻坚",
    "乡村振兴",
    "优化营商环境",
    "放管服改革",
    "生态环境保护",
    "安全生产",
    "民族团结进步创建",
    "招商引资",
    "河湖长制",
    "农村人居环境整治",
    "易地扶贫搬迁",
    "义务教育均衡发展",
    "城乡居民医疗保障",
    "就业创业",
    "防汛抗旱",
    "冬春季火灾防控",
    "禁毒宣传",
    "文明城市创建",
    "政务公开",
    "重大项目建设",
    "农业产业结构调整",
    "牛羊产业发展",
    "文化旅游融合发展",
    "食品药品安全",
    "扫黑除恶专项斗争",
)
PLACES = (
    "红园街道",
    "城郊镇",
    "折桥镇",
    "尹集镇",
    "韩集镇",
    "莲花镇",
    "胭脂镇",
    "三合镇",
    "刘家峡镇",
    "太极镇",
    "城关镇",
    "三甲集镇",
    "买家巷镇",
    "锁南镇",
    "吹麻滩镇",
    "大河家镇",
    "松鸣镇",
    "附城镇",
)
SURNAMES = ("马", "王", "张", "李", "赵", "刘", "陈", "杨", "周", "何", "韩", "冯")
GIVEN = ("文华", "建国", "海明", "晓东", "志强", "玉兰", "国庆", "新民", "立军", "春燕", "永福", "学军")
SERVICE_ITEMS = (
    "个体工商户设立登记",
    "建设工程规划许可证核发",
    "城乡居民基本养老保险参保登记",
    "残疾人证办理",
    "食品经营许可",
    "户口迁移",
    "社会保障卡申领",
    "不动产登记",
    "出生医学证明办理",
    "道路运输经营许可",
    "取水许可",
    "城镇职工基本医疗保险参保登记",
    "企业投资项目备案",
    "特种设备使用登记",
    "林木采伐许可证核发",
    "民办学校设立审批",
    "临时救助申请",
    "高龄老人补贴申请",
    "再生育审批",
    "公共场所卫生许可",
)
ISSUES = ("供暖不热", "道路破损", "拖欠工资", "噪音扰民", "低保申请", "路灯不亮", "占道经营", "饮水安全")

SENTENCES = (
    "会议传达学习了上级有关文件精神，安排部署了下一阶段重点工作。",
    "会议强调，各级各部门要提高政治站位，压实工作责任，确保各项任务按期完成。",
    "近年来，{short}坚持以人民为中心的发展思想，扎实推进{topic}各项工作，取得了明显成效。",
    "下一步，将进一步健全工作机制，加强督促检查，推动{topic}工作取得新进展。",
    "各乡镇、各有关部门要结合实际，认真研究制定具体措施，切实抓好贯彻落实。",
    "活动现场发放宣传资料两千余份，接受群众咨询三百余人次。",
    "与会人员实地观摩了项目建设现场，听取了有关情况汇报。",
    "要坚持问题导向，聚焦群众反映强烈的突出问题，以钉钉子精神抓好整改落实。",
    "请各单位于规定时间内将有关材料报送至指定邮箱，逾期不再受理。",
    "本通知自发布之日起施行，由{org}负责解释。",
)


def person(rng: random.Random) -> str:
    """A fictional name (no real official is meant)."""
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


@dataclass(frozen=True)
class _Draw:
    """What one title is made of: drawn before its column's forms, which may draw more from rng."""

    rng: random.Random
    topic: str
    place: str
    year: int
    short: str
    org: str


def _news(c: _Draw) -> tuple[str, ...]:
    return (
        f"{c.org}召开{c.topic}工作推进会",
        f"{c.short}领导调研{c.place}{c.topic}工作",
        f"{c.org}举办{c.topic}专题培训班",
        f"{c.place}扎实推进{c.topic}",
        f"{c.org}开展{c.topic}宣传活动",
        f"{c.short}{c.topic}现场观摩会在{c.place}召开",
    )


def _notices(c: _Draw) -> tuple[str, ...]:
    return (
        f"关于开展{c.topic}专项检查的通知",
        f"关于做好{c.year}年{c.topic}工作的通知",
        f"关于{c.topic}有关事项的公告",
        f"{c.org}关于{c.topic}项目的公示",
    )


def _policies(c: _Draw) -> tuple[str, ...]:
    num = c.rng.randint(1, 120)
    return (
        f"{c.org}关于印发《{c.short}{c.topic}实施方案》的通知（{c.short[:2]}政发〔{c.year}〕{num}号）",
        f"{c.org}关于进一步加强{c.topic}工作的意见",
        f"《{c.short}{c.topic}管理办法》",
    )


def _readings(c: _Draw) -> tuple[str, ...]:
    return (
        f"《{c.short}{c.topic}实施方案》政策解读",
        f"图解：{c.short}{c.topic}工作要点",
        f"一图读懂{c.topic}新政策",
    )


def _responses(c: _Draw) -> tuple[str, ...]:
    return (
        f"关于群众反映{c.place}{c.rng.choice(ISSUES)}问题的回应",
        f"{c.org}就{c.topic}热点问题答记者问",
    )


def _personnel(c: _Draw) -> tuple[str, ...]:
    return (
        f"关于{person(c.rng)}等同志职务任免的通知",
        f"{c.short}{c.year}年公开招聘事业单位工作人员公告",
        f"{c.short}{c.year}年公开招聘拟聘用人员公示",
    )


def _plans(c: _Draw) -> tuple[str, ...]:
    return (f"{c.short}{c.year}年{c.topic}工作计划", f"{c.short}{c.topic}发展规划（{c.year}-{c.year + 4}年）")


def _functions(c: _Draw) -> tuple[str, ...]:
    return (f"{c.org}主要职责", f"{c.org}内设机构及职能", f"{c.org}{c.topic}工作领导小组职责")


def _leaders(c: _Draw) -> tuple[str, ...]:
    return (f"{person(c.rng)}同志简历及分工", f"领导分工：{person(c.rng)}")


def _figures(c: _Draw) -> tuple[str, ...]:
    return (
        f"{c.short}{c.year}年{c.rng.randint(1, 12)}月主要经济指标",
        f"{c.org}{c.year}年部门预算公开",
        f"{c.org}{c.year}年部门决算公开",
    )


def _tenders(c: _Draw) -> tuple[str, ...]:
    return (
        f"{c.short}{c.place}{c.topic}项目招标公告",
        f"{c.short}{c.topic}项目中标公示",
        f"{c.place}{c.topic}项目更正公告",
    )


def _consultations(c: _Draw) -> tuple[str, ...]:
    return (
        f"关于《{c.short}{c.topic}实施方案（征求意见稿）》公开征求意见的公告",
        f"在线访谈：{c.org}负责人解读{c.topic}",
        f"{c.topic}网上问卷调查",
    )


def _questions(c: _Draw) -> tuple[str, ...]:
    return (
        f"关于{c.place}{c.rng.choice(ISSUES)}的咨询",
        f"反映{c.place}{c.rng.choice(ISSUES)}问题",
        f"{c.topic}政策咨询",
    )


def _rules(c: _Draw) -> tuple[str, ...]:
    return (
        f"{c.org}政府信息公开保密审查制度",
        f"{c.org}政府信息公开工作考核制度",
        f"{c.org}政府信息公开发布协调制度",
    )


# Column name -> the title forms of its items; a column whose name has 动态 in it (or 要闻) is news, and a
# column not listed gets _other's.
_FORMS: dict[str, Callable[[_Draw], tuple[str, ...]]] = {
    "要闻": _news,
    "通知公告": _notices,
    "公示公告": _notices,
    "政策文件": _policies,
    "政策解读": _readings,
    "回应关切": _responses,
    "人事信息": _personnel,
    "规划计划": _plans,
    "机构职能": _functions,
    "负责人信息": _leaders,
    "数据发布": _figures,
    "财政资金": _figures,
    "重大建设项目": _tenders,
    "公共资源配置": _tenders,
    "行政处罚": _tenders,
    "征集调查": _consultations,
    "在线访谈": _consultations,
    "咨询投诉": _questions,
    "办事指南": lambda c: (f"{c.rng.choice(SERVICE_ITEMS)}办事指南",),
    "表格下载": lambda c: (f"{c.rng.choice(SERVICE_ITEMS)}申请表",),
    "办件公示": lambda c: (
        f"{c.rng.choice(SERVICE_ITEMS)}办件公示（受理编号{c.rng.randint(100000, 999999)}）",
    ),
    "信息公开指南": lambda c: (f"{c.org}政府信息公开指南（{c.year}年修订）",),
    "信息公开制度": _rules,
    "依申请公开": lambda c: (f"{c.org}政府信息公开申请表", f"{c.org}依申请公开办理流程"),
}


def _other(c: _Draw) -> tuple[str, ...]:
    return (f"{c.org}{c.topic}工作情况", f"{c.short}{c.topic}有关情况说明")


def title_for(freshness_name: str, rng: random.Random, short: str, org: str, day: date | None) -> str:
    """A realistic item title for a column named `freshness_name` (the column's Chinese name)."""
    topic = rng.choice(TOPICS)
    place = rng.choice(PLACES)
    draw = _Draw(rng, topic, place, (day or date(2020, 1, 1)).year, short, org)
    forms = _news if "动态" in freshness_name else _FORMS.get(freshness_name, _other)
    return rng.choice(forms(draw))


def body_for(rng: random.Random, short: str, org: str, title: str) -> list[str]:
    """Three to five paragraphs of plausible body text."""
    topic = rng.choice(TOPICS)
    first = f"{title}。" if not title.endswith(("。", "）", "》")) else title
    paras = [f"为深入贯彻落实党中央、国务院和省委、省政府决策部署，{first}"]
    for _ in range(rng.randint(2, 4)):
        paras.append(rng.choice(SENTENCES).format(short=short, topic=topic, org=org))
    return paras
