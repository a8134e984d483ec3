from __future__ import annotations

import pytest

from redcore_server.kit.csv_cells import escape_cell, unescape_cell


@pytest.mark.parametrize("text", ["=1+1", "+33 6", "-5", "@SUM(A1)", "\tx", "\rx", "'=quoted", "''", "'", "plain", ""])
def test_a_cell_reads_back_as_written(text: str) -> None:
    assert unescape_cell(escape_cell(text)) == text


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-1", "@A1", "\t=1"])
def test_a_formula_is_written_as_text(text: str) -> None:
    assert escape_cell(text) == "'" + text


def test_other_text_is_left_as_it_is() -> None:
    assert escape_cell("Ada Lovelace") == "Ada Lovelace"
    assert unescape_cell("'quoted") == "'quoted"  # a quote not before a formula character is data
    assert escape_cell("'quoted") == "''quoted"  # written so that it reads back
