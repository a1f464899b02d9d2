"""Report writers for scan results: JSON (the contract), JSON Lines, SARIF 2.1.0 and a text table."""

from .json_report import document, jsonl_lines, server_dict
from .sarif import sarif_document
from .table import table_text

FORMATS = ("table", "json", "jsonl", "sarif")


def render(results, fmt: str, **table_options) -> str:
    """The report in ``fmt``; ``table_options`` (width, fail_on, include_warn, code) shape the table."""
    import json

    if fmt == "json":
        return json.dumps(document(results), indent=2) + "\n"
    if fmt == "jsonl":
        return "".join(line + "\n" for line in jsonl_lines(results))
    if fmt == "sarif":
        return json.dumps(sarif_document(results), indent=2) + "\n"
    return table_text(results, **table_options)


__all__ = ["FORMATS", "render", "document", "jsonl_lines", "server_dict", "sarif_document", "table_text"]
