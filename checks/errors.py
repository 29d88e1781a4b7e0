"""The one base class of configuration errors: a registry, a rubric or the SMTP settings that cannot be used.
It lives in `checks/`, the package every other one builds on, so that a rubric error and a registry error
share it without `checks/` importing anything of the crawler's.

The command line maps every `ConfigError` to exit code 3 (`crawler.app.cli_options`); the service refuses to
start on one and records one met by a job as that job's failure.
"""


class ConfigError(Exception):
    """A configuration the operator must fix; its message names the file or variable, the place, the fix."""
