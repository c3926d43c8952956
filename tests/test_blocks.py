import pytest

from ollama_client_setup.base.errors import ContentError
from ollama_client_setup.edits import blocks, text

BODY = ["echo hi"]


def test_append_then_remove_restores_exactly() -> None:
    for original in ["", "a\n", "a", "a\n\n", "a\nb"]:
        added, memo = blocks.upsert(original, BODY)
        assert blocks.BEGIN in added and added.endswith(blocks.END + "\n")
        assert blocks.remove(added, memo) == original, repr(original)


def test_missing_final_newline_gets_one_before_the_block() -> None:
    added, memo = blocks.upsert("export A=1", BODY)
    assert added.startswith("export A=1\n\n" + blocks.BEGIN)
    assert memo == {"added_newline": True, "added_blank": True}


def test_replace_in_place_keeps_text_around_it() -> None:
    first, _ = blocks.upsert("before\n", BODY)
    moved = first + "after\n"
    updated, memo = blocks.upsert(moved, ["echo new"])
    assert memo is None
    assert updated == moved.replace("echo hi", "echo new")


def test_duplicates_collapse_to_one() -> None:
    one = blocks.render_block(BODY)
    doubled = "a\n" + one + "b\n" + one + "c\n"
    updated, _ = blocks.upsert(doubled, ["x"])
    assert updated == "a\n" + blocks.render_block(["x"]) + "b\nc\n"


def test_block_without_end_marker_is_left_alone_with_line_number() -> None:
    broken = "a\n" + blocks.BEGIN + "\nstuff\n"
    with pytest.raises(ContentError) as err:
        blocks.upsert(broken, BODY)
    assert err.value.line == 2
    with pytest.raises(ContentError):
        blocks.remove(broken, None)


def test_crlf_file_keeps_crlf() -> None:
    decoded = text.decode(b"a\r\nb\r\n")
    added, _ = blocks.upsert(decoded.text, BODY)
    data = decoded.encode(added)
    assert data.count(b"\n") == data.count(b"\r\n")
    assert data.startswith(b"a\r\nb\r\n\r\n# >>>")


def test_latin1_bytes_round_trip() -> None:
    raw = b"# caf\xe9\nexport X=1\n"
    decoded = text.decode(raw)
    added, memo = blocks.upsert(decoded.text, BODY)
    assert decoded.encode(added).startswith(raw)
    assert decoded.encode(blocks.remove(added, memo)) == raw
    assert decoded.first_undecodable() == (1, 6)


def test_bom_survives() -> None:
    decoded = text.decode(b"\xef\xbb\xbfa\n")
    assert decoded.encode(decoded.text + "b\n") == b"\xef\xbb\xbfa\nb\n"
