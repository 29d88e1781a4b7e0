"""Reports: scoring, ranking, rendering (HTML, Excel, JSON) and mail. Never crawls."""
