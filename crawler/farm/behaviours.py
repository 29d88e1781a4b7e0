"""Server behaviours a test can switch on per host, on top of the farm model: a web application firewall
that rejects crawlers, a robots.txt Crawl-delay, a homepage that first answers 503 with Retry-After, and a
slow host (every answer held back a while).

They change how hosts answer, not what the sites contain, so the ground truth of the default farm stays
as it is; tests of politeness build a `FarmServer(farm, behaviours=Behaviours(...))` of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Reply

WAF_PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>访问被拒绝</title></head>"
    "<body><h1>403 访问被拒绝</h1><p>您的访问请求被网站安全防护系统拦截。</p></body></html>"
).encode()


@dataclass(frozen=True)
class Behaviours:
    waf: frozenset[str] = frozenset()  # IPs whose firewall answers 403 to any User-Agent containing "duwang"
    crawl_delay: dict[str, float] = field(default_factory=dict)  # IP -> Crawl-delay written in robots.txt
    retry_after: dict[str, int] = field(
        default_factory=dict
    )  # IP -> seconds: the first homepage answer is a 503
    # IP -> seconds every answer of the host is held back: requests overlap however loaded the machine is,
    # so a test of a concurrency limit sees the limit reached, not avoided by a slow crawler.
    latency: dict[str, float] = field(default_factory=dict)

    def before(self, ip: str, path: str, user_agent: str, hits: int) -> Reply | None:
        """An answer that replaces the model's, or None; `hits` counts this host's homepage requests."""
        if ip in self.waf and "duwang" in user_agent.lower():
            return Reply(403, [("Content-Type", "text/html; charset=utf-8")], WAF_PAGE)
        if ip in self.retry_after and path == "/" and hits == 1:
            return Reply(
                503,
                [("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", str(self.retry_after[ip]))],
                b"busy, come back later",
            )
        return None

    def after(self, ip: str, path: str, reply: Reply) -> Reply:
        if path == "/robots.txt" and ip in self.crawl_delay and reply.status == 200:
            body = reply.body + f"Crawl-delay: {self.crawl_delay[ip]:g}\n".encode()
            return Reply(reply.status, reply.headers, body, reply.delay)
        if ip in self.latency and not reply.delay:
            return Reply(reply.status, reply.headers, reply.body, self.latency[ip])
        return reply
