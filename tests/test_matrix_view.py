"""The permission matrix widget on its own: wide roles scroll sideways at 80 columns with the labels
kept, a toggle repaints only its row, the cursor stays on its row through a filter."""

from __future__ import annotations

from rich.text import Text
from textual.app import App

from screens.matrix_view import MatrixView

ACTIONS = ["find", "findOne", "create", "update", "delete", "count", "me", "destroy", "upload", "callback",
           "changePassword", "connect", "emailConfirmation", "forgotPassword", "refresh", "register"]


class Host(App):
    def compose(self):
        yield MatrixView(id="m")


async def test_wide_role_scrolls_sideways_keeping_the_label_column():
    state = {("row-%d" % i, a): i % 2 == 0 for i in range(40) for a in ACTIONS}
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        m = app.query_one(MatrixView)
        m.set_columns("Type / controller", ACTIONS)
        m.set_rows([(f"row-{i}", f"label {i}") for i in range(40)],
                   lambda r, c: Text("✓" if state[(r, c)] else "·"))
        m.focus()
        await pilot.pause()
        header = m.render_line(0).text
        assert header.startswith("Type / controller") and "find" in header and header.rstrip().endswith("›")
        assert "register" not in header
        await pilot.press(*["right"] * (len(ACTIONS) - 1))
        await pilot.pause()
        assert m.cursor_key() == ("row-0", "register")
        header = m.render_line(0).text
        assert "register" in header and "‹" in header and header.startswith("Type / controller")
        assert m.render_line(1).text.startswith("label 0")  # the label column stayed
        await pilot.press("end")
        await pilot.pause()
        assert m.cursor_key()[0] == "row-39" and "label 39" in m.render_line(m.size.height - 1).text


async def test_a_toggle_redraws_one_row_and_the_cursor_survives_a_filter():
    state = {("a", "find"): False, ("b", "find"): True, ("c", "find"): False}
    drawn: list[str] = []

    def cell(row, column):
        drawn.append(row)
        return Text("✓", style="green") if state[(row, column)] else Text("·", style="dim")

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        m = app.query_one(MatrixView)
        m.set_columns("T", ["find"])
        m.set_rows([("a", "a"), ("b", "b"), ("c", "c")], cell)
        m.focus()
        m.move_cursor(row=2)
        await pilot.pause()
        drawn.clear()
        state[("a", "find")] = True
        m.refresh_cell("a", "find")
        await pilot.pause()
        assert set(drawn) == {"a"}  # the other rows came from the cache
        assert "✓" in m.render_line(1).text
        # the cell's own style reaches the screen (a Text's base style is easy to lose on the line API)
        marks = [seg for seg in m.render_line(2) if "✓" in seg.text]
        assert marks and marks[0].style.color.name == "green"
        m.set_rows([("b", "b"), ("c", "c")], cell)  # a filter hides row a: the cursor stays on c
        assert m.cursor_key() == ("c", "find")
