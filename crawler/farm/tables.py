"""The farm's fixed tables: the columns of each kind of site, the required sections, the injected dead-link
targets and the bytes of the small files (images, PDF, Office) the farm serves.

Pure data: the builders (columns.py, pages.py, faults.py, chrome.py) read it.
"""

from __future__ import annotations

import base64
import zlib

from .identities import REFUSED_IP

# (name, path under the site prefix, freshness, hub, items at scale 1, shown on the homepage)
ColumnSpec = tuple[str, str, str, str, int, bool]
PORTAL_COLUMNS: tuple[ColumnSpec, ...] = (
    ("@news", "xwzx/gzdt/", "news", "nav", 15, True),
    ("要闻", "xwzx/yw/", "news", "nav", 8, False),  # prefecture portal only
    ("县市动态", "xwzx/xsdt/", "news", "nav", 8, False),  # prefecture portal only
    ("乡镇动态", "xwzx/xzdt/", "news", "nav", 8, False),  # county portals only
    ("通知公告", "xwzx/tzgg/", "notice_policy", "nav", 14, True),
    ("公示公告", "xwzx/gsgg/", "notice_policy", "nav", 6, False),
    ("政策文件", "xxgk/zcwj/", "notice_policy", "xxgk", 8, True),
    ("政策解读", "zcjd/", "notice_policy", "nav", 6, False),
    ("回应关切", "hygq/", "notice_policy", "nav", 5, False),
    ("数据发布", "sjfb/", "longterm", "nav", 5, False),
    ("咨询投诉", "hdjl/zxts/", "notice_policy", "hdjl", 6, False),
    ("征集调查", "hdjl/zjdc/", "longterm", "hdjl", 3, False),
    ("在线访谈", "hdjl/zxft/", "longterm", "hdjl", 3, False),
    ("信息公开指南", "xxgk/xxgkzn/", "static", "xxgk", 1, False),
    ("信息公开制度", "xxgk/xxgkzd/", "static", "xxgk", 3, False),
    ("机构职能", "xxgk/xxgkml/jgzn/", "longterm", "ml", 3, False),
    ("负责人信息", "xxgk/xxgkml/fzrxx/", "longterm", "ml", 4, False),
    ("人事信息", "xxgk/xxgkml/rsxx/", "longterm", "ml", 5, False),
    ("规划计划", "xxgk/xxgkml/ghjh/", "longterm", "ml", 4, False),
    ("财政资金", "xxgk/xxgkml/czzj/", "notice_policy", "ml", 5, False),
    ("重大建设项目", "xxgk/xxgkml/zdxm/", "notice_policy", "ml", 4, False),
    ("公共资源配置", "xxgk/xxgkml/ggzypz/", "notice_policy", "ml", 5, False),
    ("@annual", "xxgk/xxgknb/", "longterm", "xxgk", 5, False),
    ("依申请公开", "xxgk/ysqgk/", "static", "xxgk", 2, False),
)
DEPARTMENT_COLUMNS: tuple[ColumnSpec, ...] = (
    ("@news", "gzdt/", "news", "nav", 16, True),
    ("通知公告", "tzgg/", "notice_policy", "nav", 12, True),
    ("政策文件", "zcwj/", "notice_policy", "nav", 10, True),
    ("政策解读", "zcjd/", "notice_policy", "nav", 6, False),
    ("信息公开指南", "xxgk/xxgkzn/", "static", "xxgk", 1, False),
    ("信息公开制度", "xxgk/xxgkzd/", "static", "xxgk", 2, False),
    ("机构职能", "xxgk/xxgkml/jgzn/", "longterm", "ml", 3, False),
    ("负责人信息", "xxgk/xxgkml/fzrxx/", "longterm", "ml", 3, False),
    ("人事信息", "xxgk/xxgkml/rsxx/", "longterm", "ml", 4, False),
    ("规划计划", "xxgk/xxgkml/ghjh/", "longterm", "ml", 3, False),
    ("财政资金", "xxgk/xxgkml/czzj/", "notice_policy", "ml", 4, False),
    ("行政处罚", "xxgk/xxgkml/xzcf/", "notice_policy", "ml", 4, False),
    ("@annual", "xxgk/xxgknb/", "longterm", "xxgk", 5, False),
    ("依申请公开", "xxgk/ysqgk/", "static", "xxgk", 1, False),
)
SERVICE_COLUMNS: tuple[ColumnSpec, ...] = (
    ("@news", "gzdt/", "news", "nav", 12, True),
    ("通知公告", "tzgg/", "notice_policy", "nav", 8, True),
    ("办事指南", "bszn/", "longterm", "nav", 26, False),
    ("表格下载", "bgxz/", "static", "nav", 10, False),
    ("办件公示", "bjgs/", "notice_policy", "nav", 14, True),
    ("咨询投诉", "zxts/", "notice_policy", "nav", 8, False),
)

# Required sections (indicators.md §2) per kind, in order.
SECTIONS = {
    "portal": (
        "概况信息",
        "机构职能",
        "负责人信息",
        "工作动态",
        "通知公告",
        "政策文件",
        "人事信息",
        "规划计划",
        "政策解读",
        "信息公开指南",
        "信息公开制度",
        "信息公开目录",
        "信息公开年报",
        "依申请公开",
        "回应关切",
        "数据发布",
        "办事服务",
        "互动交流",
        "咨询投诉",
        "征集调查",
        "在线访谈",
    ),
    "department": (
        "概况信息",
        "机构职能",
        "负责人信息",
        "工作动态",
        "通知公告",
        "政策文件",
        "人事信息",
        "规划计划",
        "政策解读",
        "信息公开指南",
        "信息公开制度",
        "信息公开目录",
        "信息公开年报",
        "依申请公开",
    ),
    "service": ("办事指南", "表格下载", "在线办理", "办件公示", "网上咨询", "投诉建议"),
}
# Required sections a column of another name provides: the farm's one 咨询投诉 column serves both.
SECTION_COLUMNS = {"网上咨询": "咨询投诉", "投诉建议": "咨询投诉"}

# kind -> (path under the prefix, or an absolute URL with {port}/{sid}; ground-truth kind, status, error,
# tag, link text)
DEAD_TARGETS: dict[str, tuple[str, str, int | None, str | None, str, str]] = {
    "http_404": ("zt/2019zt/index.html", "http_404", 404, None, "a", "2019年专题专栏"),
    "http_500": ("interface/wsdc.jsp", "http_500", 500, None, "a", "网上调查"),
    "http_503": ("tjsj/query.do", "http_503", 503, None, "a", "统计数据查询"),
    "refused": (
        "http://" + REFUSED_IP + ":{port}/{sid}/index.html",
        "refused",
        None,
        "refused",
        "a",
        "原政务服务平台",
    ),
    "timeout": ("video/live.html", "timeout", None, "timeout", "a", "视频直播"),
    "soft_404": ("ztzl/ydyl/", "soft_404", 200, None, "a", "专题：一带一路建设"),
    "redirect_loop": ("loop/a", "redirect_loop", None, "redirect_loop", "a", "业务系统入口"),
    "broken_image": ("images/banner_2019.jpg", "broken_image", 404, None, "img", "专题图片"),
    "broken_attachment_pdf": (
        "uploads/file/P020190315_missing.pdf",
        "broken_attachment",
        404,
        None,
        "a",
        "附件：实施细则.pdf",
    ),
    "broken_attachment_doc": (
        "uploads/file/P020180620_missing.doc",
        "broken_attachment",
        404,
        None,
        "a",
        "附件：申请表.doc",
    ),
    "broken_attachment_xls": (
        "uploads/file/P020200108_tjb.xls",
        "broken_attachment",
        200,
        None,
        "a",
        "附件：统计表.xls",
    ),
    "offlist": ("http://www.{sid}old.gov.cn/", "offlist", None, "offlist", "a", "原网站（旧版）"),
}

# Real, decodable images, so image links answer with something a browser would show.
# The small JPEG from CPython's own test data (Lib/test/imghdrdata/python.jpg), 543 bytes.
JPEG_1PX = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8Q"
    "EBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ"
    "EBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQID"
    "BAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/EACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/"
    "2gAMAwEAAhEDEQA/ABSm0mobc8HmExLUlRzzEWPkJWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx"
    "4ks51+MiU/Iaad7UcUo4tILoS4kqcWkezS0hO/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+"
    "Vb4N9mKhQMzo5po9XLdDs9d6ZVix2VEhiL9kuNPxw2gEKcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolv"
    "w4KOp1KM6iCNvngZHwetf//Z"
)


def _png_1px() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return len(data).to_bytes(4, "big") + kind + data + crc.to_bytes(4, "big")

    ihdr = (1).to_bytes(4, "big") + (1).to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    raw = zlib.compress(b"\x00\xc8\x10\x2e")  # one red pixel, filter byte 0
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


PNG_1PX = _png_1px()
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# The OLE2 compound-file signature, enough for a content sniffer to call it an Office file.
OLE_BYTES = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}
FILE_BYTES = {"jpg": JPEG_1PX, "png": PNG_1PX, "pdf": PDF_BYTES, "doc": OLE_BYTES, "xls": OLE_BYTES}

# Columns a site may add beyond its kind's set (SiteDef.extra_columns), and the section each one fills: a
# service site that splits 咨询投诉 into 网上咨询 (the renamed standard column) and 投诉建议.
EXTRA_COLUMNS: dict[str, ColumnSpec] = {
    "投诉建议": ("投诉建议", "tsjy/", "notice_policy", "nav", 6, False),
}
SECTION_OF = {"@news": "工作动态", "@annual": "信息公开年报", "投诉建议": "咨询投诉"}
