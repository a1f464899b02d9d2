"""Who changed what: Enterprise audit logs, a derived feed for Community servers, alert rules, drift.

Usable headless: ``strapi-console tail`` and the TUI's panel 4 drive the same :class:`tail.Tail`.
"""
