"""政策解读 ↔ 政策文件 planted in the demo farm for checks/interpretations.py, with their truth.

On every site with both columns, the n-th interpretation explains the n-th policy document: its title
names the policy ("《…》政策解读", set by plant_titles before the pages are built, as a page's <title> is
written then), its page links to the policy ("政策原文") and the policy's page links back ("政策解读"),
added by build() after the pages (a detail page renders its item's links on request). Planted defects:
UNLINKED interpretations link to no policy, NO_BACK policies do not link back.

Pure and deterministic: the builder's random generator is not touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Column, Planted

if TYPE_CHECKING:
    from .builder import SiteBuilder

UNLINKED = {"lxs": (1,), "ghx": (2,)}  # site -> interpretations without a link to their policy
NO_BACK = {"lxz": (1,), "jyj": (0,)}  # site -> interpretations whose policy does not link back


def _pair(b: SiteBuilder) -> tuple[Column, Column] | None:
    readings = next((c for c in b.columns if c.section == "政策解读"), None)
    policies = next((c for c in b.columns if c.section == "政策文件"), None)
    if readings is None or policies is None or not readings.items or not policies.items:
        return None
    return readings, policies


def plant_titles(b: SiteBuilder) -> None:
    """Each interpretation's title names its policy (before the pages are built)."""
    pair = _pair(b)
    if pair is None:
        return
    readings, policies = pair
    for index, item in enumerate(readings.items):
        item.title = f"《{policies.items[index % len(policies.items)].title}》政策解读"


def build(b: SiteBuilder) -> Planted:
    """The planting module (build.PLANTERS): the links both ways; truth "policy_links" has one row per
    interpretation (its URL, its policy's URL or None when it links none, and whether the policy links
    back), empty on sites without both columns."""
    pair = _pair(b)
    if pair is None:
        return Planted(truth={"policy_links": []})
    readings, policies = pair
    rows = []
    for index, reading in enumerate(readings.items):
        policy = policies.items[index % len(policies.items)]
        if index in UNLINKED.get(b.d.id, ()):
            rows.append({"interpretation": b.url(reading.path), "policy": None, "back": False})
            continue
        reading.links.append((f"政策原文：{policy.title}", policy.path, "a"))
        back = index not in NO_BACK.get(b.d.id, ())
        if back:
            policy.links.append((f"政策解读：{reading.title}", reading.path, "a"))
        rows.append({"interpretation": b.url(reading.path), "policy": b.url(policy.path), "back": back})
    return Planted(truth={"policy_links": rows})
