"""Issue 12's proof for the screens and the command line: a fake Strapi puts one corpus payload into
every string it sends (versions, environment, role/token/webhook/user names, entry titles, audit events,
error messages, header values), then

- the TUI is walked through every panel, the findings screen, help, the jump palette, the confirmation
  dialog, detail panes and clicks on cells: the app keeps running, no action named in server text runs,
  no file appears, no terminal-active character is on the screen;
- every CLI command that prints server text runs on it: no ESC or C1 byte, no invisible or direction
  character, and no line that the server forged in stdout or stderr.
"""

from __future__ import annotations

import pytest

from hostile_corpus import PAYLOADS, assert_terminal_safe, by_id, ids, payload_for
from strapi_console import config as cm
from strapi_console.cli import main
from tui_walk import SentinelApp, walk_every_screen

pytestmark = pytest.mark.e2e


# Walking every screen takes about half a minute: the walk runs with every short payload at once (one
# string holding all of them, in every field), with the 20,000-character one, and with three alone
# (the markup that crashed the TUI, the one that wrote a file, the clipboard write).
WALKS = {"all-at-once": lambda trap: "|".join(payload_for(p, trap) for p in PAYLOADS if p.id != "huge"),
         **{pid: (lambda trap, pid=pid: payload_for(by_id(pid), trap))
            for pid in ("huge", "markup-close", "click-screenshot", "osc52")}}


@pytest.mark.parametrize("walk", WALKS)
async def test_every_screen_shows_the_payload_as_text(fake_strapi, tmp_path, walk):
    trap = tmp_path / "trap"
    trap.mkdir()
    fake_strapi.fake.fill_strings(WALKS[walk](trap))
    app = SentinelApp(config=cm.load(), store=fake_strapi.store, tail_fast=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        steps = await walk_every_screen(
            app, pilot, trap, server="fake",
            audit_ready=lambda screen: len(getattr(screen, "buffer", [])) > 0)
        assert steps[-1] == "back to servers"
        app.exit()
    assert fake_strapi.fake.writes() == [], "walking the screens sent a write"


# every command that prints what a server sent, in the text form a person reads
CLI_COMMANDS = [
    ["scan", "fake", "--format", "table"],
    ["scan", "fake", "--format", "jsonl"],
    ["tail", "fake", "--once", "--format", "text"],
    ["tail", "fake", "--once", "--format", "jsonl"],
    ["tokens", "fake", "list"],
    ["tokens", "fake", "list", "--kind", "transfer"],
    ["webhooks", "fake", "list"],
    ["permissions", "diff", "fake", "Public", "fake:Authenticated"],  # role names are payloads: the error lists them
    ["fix", "fake", "AUTH-PUBLIC-WRITE"],  # prints the "Changes:" diff, then refuses without a terminal
]


def _public_may_create(fake) -> None:
    """Give the fake's Public role a write grant, so `fix` has a diff (with the payload in it) to show."""
    public = next(r for r in fake.state["up_roles"] if r["type"] == "public")
    public["permissions"]["api::article"]["controllers"]["article"]["create"]["enabled"] = True


@pytest.mark.parametrize("payload", PAYLOADS, ids=ids())
def test_cli_prints_server_text_as_data(fake_strapi, capsys, tmp_path, payload):
    _public_may_create(fake_strapi.fake)
    fake_strapi.fake.fill_strings(payload_for(payload, tmp_path))
    for argv in CLI_COMMANDS:
        code = main(argv)
        out = capsys.readouterr()
        assert code in (0, 1, 4, 5), (argv, code, out.err[-500:])
        assert "Unexpected internal error" not in out.err, (argv, out.err[-500:])
        assert_terminal_safe(out.out)
        assert_terminal_safe(out.err)
    assert not list(tmp_path.glob("*.svg"))


def test_cli_after_a_write_and_on_errors_prints_server_text_as_data(fake_strapi, tmp_path):
    """The journal (names recorded from the server), the undo's confirmation, a sign-in error and a real
    subprocess (the bytes a terminal would get), with every short payload at once in every field."""
    fake = fake_strapi.fake
    token = next(t for t in fake.state["api_tokens"] if t["name"] == "site-build")
    token["type"] = "full-access"
    everything = "|".join(payload_for(p, tmp_path) for p in PAYLOADS if p.id != "huge")
    fake.fill_strings(everything)
    outputs = [fake_strapi.cli("tokens", "fake", "read-only", str(token["id"]), "--yes")]
    assert outputs[0][0] == 0, outputs[0][2][-500:]
    entry_id = next(line.split()[0] for line in fake_strapi.cli("journal", "list")[1].splitlines() if line.strip())
    outputs += [fake_strapi.cli("journal", "list"), fake_strapi.cli("journal", "show", entry_id),
                fake_strapi.cli("journal", "undo", "fake", entry_id)]  # no terminal: shows the changes, refuses
    run = fake_strapi.subprocess_cli(tmp_path)
    fake.set_error(400, everything, everything)
    fake.set_error(401, everything, everything)
    denied = run("login", "fake", "--password-stdin", stdin="not-the-password")
    assert denied.returncode == 1, denied.stderr[-500:]
    outputs.append((denied.returncode, denied.stdout, denied.stderr))
    for argv in (["scan", "fake", "--format", "table"], ["tail", "fake", "--once", "--format", "text"],
                 ["tokens", "fake", "list"], ["journal", "list"]):
        done = run(*argv)
        outputs.append((done.returncode, done.stdout, done.stderr))
    for code, out, err in outputs:
        assert "Unexpected internal error" not in err, err[-500:]
        assert_terminal_safe(out)
        assert_terminal_safe(err)
    assert not list(tmp_path.glob("*.svg"))
