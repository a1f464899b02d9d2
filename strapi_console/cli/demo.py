"""`demo`: the bundled demo Strapi, with the TUI or headless."""

from __future__ import annotations


from .. import loops
from ..config import Config, Profile
from ..errors import ConfigError
from ..secrets import SecretStore

from .common import OpenTUI, _safe_output
from .scan import report_scan


def cmd_demo(args, open_tui: OpenTUI | None) -> int:
    from ..demo import run_demo

    if not args.scan and (args.format or args.output or args.fail_on_warn or args.fail_on != "high"):
        raise ConfigError("--format, --output and --fail-on shape the report of `demo --scan`: add --scan.")

    def scan_demo(profile: Profile, store: SecretStore, cfg: Config) -> int:
        from ..scan import scan_profiles

        results = loops.run(scan_profiles([profile], store, advisory_max_age_days=cfg.advisory_max_age_days))
        with _safe_output():
            return report_scan(results, args)

    return run_demo(args, open_tui, scan=scan_demo)
