"""Service guides (办事指南) planted in the demo farm for checks/services.py, with their truth.

Every guide of every service sub-site gets the 10 key elements as labelled paragraphs ("事项名称：…"), in
place of the generic body; on the sites of PLANS some guides leave elements out: zwfw-lxs five guides each
missing four or more (the veto line, reported 待确认), zwfw-ghx two such guides and one missing only two,
zwfw-yjx one missing three (below the line: nothing to report). A stale 办件公示 column is a column tweak
(sites.py, zwfw-hzx), an empty one too (zwfw-klx); its truth is the site's "columns" entry.

Pure and deterministic: the builder's random generator is not touched. Bodies render on request, so this
runs after the pages are built (build.PLANTERS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Item, Planted

if TYPE_CHECKING:
    from .builder import SiteBuilder

ELEMENTS = (
    "事项名称",
    "设定依据",
    "申请条件",
    "办理材料",
    "办理地点",
    "办理机构",
    "收费标准",
    "办理时间",
    "联系电话",
    "办理流程",
)
# site -> (index of the guide in its column, how many elements it leaves out)
PLANS: dict[str, tuple[tuple[int, int], ...]] = {
    "zwfw-lxs": ((1, 4), (2, 5), (3, 4), (4, 6), (5, 4)),
    "zwfw-ghx": ((1, 4), (2, 7), (3, 2)),
    "zwfw-yjx": ((2, 3),),
}


def build(b: SiteBuilder) -> Planted:
    """The planting module (build.PLANTERS): guides on service sites; truth "service_guides" lists each
    guide planted without some elements (URL and the missing elements), empty on other sites."""
    if b.d.kind != "service":
        return Planted(truth={"service_guides": []})
    column = b.column("办事指南")
    left_out = dict(PLANS.get(b.d.id, ()))
    rows = []
    for index, item in enumerate(column.items):
        count = left_out.get(index, 0)
        missing = [ELEMENTS[(index + k) % len(ELEMENTS)] for k in range(count)]
        item.body = _guide(b, item, missing)
        if missing:
            rows.append({"url": b.url(item.path), "missing": missing})
    return Planted(truth={"service_guides": rows})


def _guide(b: SiteBuilder, item: Item, missing: list[str]) -> list[str]:
    name = item.title.removesuffix("办事指南")
    centre = f"{b.d.short}政务服务中心"
    values = {
        "事项名称": name,
        "设定依据": "《中华人民共和国行政许可法》《甘肃省政务服务管理办法》",
        "申请条件": "申请人符合法律法规规定的条件，材料齐全、符合法定形式",
        "办理材料": "1.申请表（原件1份）；2.申请人身份证明（复印件1份）",
        "办理地点": f"{centre}一楼综合受理窗口",
        "办理机构": centre,
        "收费标准": "不收费",
        "办理时间": "工作日上午9:00—12:00，下午14:30—17:30（法定节假日除外）",
        "联系电话": f"0930-{5200000 + item.id % 100000:07d}",
        "办理流程": "申请—受理—审查—决定—送达",
    }
    intro = f"本指南适用于“{name}”事项的申请和办理。"
    return [intro, *(f"{element}：{values[element]}" for element in ELEMENTS if element not in missing)]
