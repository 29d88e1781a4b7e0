"""Who the 25 farm sites are and where they live: loopback addresses, region codes, names, and the three
constructors (portal, department, service) that fill in a SiteDef's identity from them.

What is wrong with each site (its planted defects) is not decided here but in sites.py.
"""

from __future__ import annotations

from .model import SiteDef

PORTAL_IPS = {
    "lxz": "127.0.0.2",
    "lxs": "127.0.0.3",
    "lxx": "127.0.0.4",
    "klx": "127.0.0.5",
    "yjx": "127.0.0.6",
    "ghx": "127.0.0.7",
    "hzx": "127.0.0.8",
    "dxx": "127.0.0.9",
    "jssx": "127.0.0.10",
}
DEPARTMENT_IPS = {
    "fgw": "127.0.0.11",
    "jyj": "127.0.0.12",
    "czj": "127.0.0.13",
    "hbj": "127.0.0.14",
    "rsj": "127.0.0.15",
    "zjj": "127.0.0.16",
    "gxw": "127.0.0.17",
}
SERVICE_IP = "127.0.0.30"
# The "xxgk" host of one portal: its 信息公开 platform, a second host in that site's scope.
XXGK_IP = "127.0.0.18"
# Never bound by the farm: a link here is "connection refused" on the farm's port.
REFUSED_IP = "127.0.0.250"

# Region codes of 临夏州 and its counties (GB/T 2260), the first six digits of every 网站标识码.
REGIONS = {
    "lxz": ("临夏州", "临夏回族自治州", "622900"),
    "lxs": ("临夏市", "临夏市", "622901"),
    "lxx": ("临夏县", "临夏县", "622921"),
    "klx": ("康乐县", "康乐县", "622922"),
    "yjx": ("永靖县", "永靖县", "622923"),
    "ghx": ("广河县", "广河县", "622924"),
    "hzx": ("和政县", "和政县", "622925"),
    "dxx": ("东乡县", "东乡族自治县", "622926"),
    "jssx": ("积石山县", "积石山县", "622927"),
}
DEPARTMENTS = {
    "fgw": ("临夏州发展和改革委员会", "州发展改革委"),
    "jyj": ("临夏州教育局", "州教育局"),
    "czj": ("临夏州财政局", "州财政局"),
    "hbj": ("临夏州环境保护局", "州环境保护局"),
    "rsj": ("临夏州人力资源和社会保障局", "州人社局"),
    "zjj": ("临夏州住房和城乡建设局", "州住建局"),
    "gxw": ("临夏州工业和信息化委员会", "州工信委"),
}


def portal(sid: str, idx: int, **kw: object) -> SiteDef:
    short, full, code = REGIONS[sid]
    name = "临夏回族自治州人民政府" if sid == "lxz" else f"{full}人民政府"
    return SiteDef(
        id=sid,
        name=name,
        kind="portal",
        ip=PORTAL_IPS[sid],
        prefix="/",
        short=short,
        region_code=code,
        site_id_code=f"{code}0001",
        icp=f"陇ICP备0500{idx:04d}号",
        police=f"甘公网安备 {code}02{idx:06d}号",
        owner_name=f"{short}政府信息中心" if sid != "lxz" else "州政府信息中心",
        owner_email=f"xxzx@{sid}.example.gov.cn",
        **kw,  # type: ignore[arg-type]
    )


def department(sid: str, idx: int, **kw: object) -> SiteDef:
    name, short = DEPARTMENTS[sid]
    return SiteDef(
        id=sid,
        name=name,
        kind="department",
        ip=DEPARTMENT_IPS[sid],
        prefix="/",
        short=short,
        region_code="622900",
        site_id_code=f"62290000{10 + idx:02d}",
        icp=f"陇ICP备0600{idx:04d}号",
        police=f"甘公网安备 62290102{100 + idx:06d}号",
        owner_name=f"{short}办公室",
        owner_email=f"bgs@{sid}.lxz.example.gov.cn",
        news_name="部门动态" if idx % 2 else "工作动态",
        **kw,  # type: ignore[arg-type]
    )


def service(county: str, idx: int, **kw: object) -> SiteDef:
    short, full, code = REGIONS[county]
    label = "临夏州" if county == "lxz" else full
    return SiteDef(
        id=f"zwfw-{county}",
        name=f"甘肃政务服务网{label}子站",
        kind="service",
        ip=SERVICE_IP,
        prefix=f"/{county}/",
        short=short,
        region_code=code,
        site_id_code=f"{code}0030",
        icp="陇ICP备17001234号",
        police=f"甘公网安备 {code}03{idx:06d}号",
        owner_name="州政务服务中心" if county == "lxz" else f"{short}政务服务中心",
        owner_email=f"zwfw@{county}.example.gov.cn",
        news_name="工作动态",
        **kw,  # type: ignore[arg-type]
    )
