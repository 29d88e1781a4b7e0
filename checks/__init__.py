"""Checks: pure functions from stored crawl facts (plus rubric thresholds and `today`) to findings.

Nothing here touches the network, the database or the clock.
"""
