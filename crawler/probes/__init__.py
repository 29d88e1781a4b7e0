"""Probes outside the crawl: each site's homepage loaded once within a time limit (`availability`), and its
HTTPS certificate and IPv6 reachability (`tech`). They return results; storing them is the store's and
scheduling them the application's (crawler/app/)."""
