"""The vectorised SIREN check digit (contratville_data/luhn.py) against python-stdnum, value for value."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from stdnum.fr import siren

from contratville_data.luhn import check_digit_fails, siren_valid

ascii_nine = st.text(alphabet="0123456789", min_size=9, max_size=9)
#: Characters Python calls digits that are not ASCII: fullwidth, Arabic-Indic, Devanagari, superscripts...
unicode_digits = st.characters(categories=["Nd", "No"]).filter(lambda c: not ("0" <= c <= "9"))
near_nine = st.lists(st.one_of(st.sampled_from("0123456789"), unicode_digits, st.sampled_from(" ./:-\x00é")),
                     min_size=7, max_size=11).map("".join)


@st.composite
def nine_bytes(draw) -> str:
    """Nine bytes of UTF-8 with one character in place of digits: ``/`` and ``:`` border the digits."""
    digits = draw(ascii_nine)
    char = draw(st.one_of(st.sampled_from("/:\x00\x7féúÿ€７٣"), st.characters(max_codepoint=0x7FF),
                          st.characters(exclude_categories=["Cs"])))
    size = len(char.encode("utf-8"))
    at = min(draw(st.integers(0, 8)), 9 - size)
    return digits[:at] + char + digits[at + size:]


cells = st.one_of(st.none(), ascii_nine, near_nine, nine_bytes(), st.text(max_size=12))


def expected(value: str | None) -> bool | None:
    """stdnum's answer, for nine ASCII digits only: anything else is not a published SIREN."""
    if value is None:
        return None
    nine = len(value) == 9 and all("0" <= c <= "9" for c in value)
    return nine and siren.is_valid(value)


@settings(max_examples=300, deadline=None)
@given(st.lists(cells, max_size=60), st.sampled_from([pa.string(), pa.large_string()]), st.integers(0, 5))
@example(["732829320", "732829321", None, "７３２８２９３２０", "٧٣٢٨٢٩٣٢٠", "732 829 320", "732.829.320"],
         pa.string(), 1)
def test_siren_valid_is_stdnum_on_nine_ascii_digits_and_false_elsewhere(values, kind, cut):
    array = pa.array(values, kind).slice(min(cut, len(values)))  # an offset into the buffers, as slices have
    values = values[min(cut, len(values)):]
    assert siren_valid(array).to_pylist() == [expected(v) for v in values]
    assert check_digit_fails(array).to_pylist() == \
        [v is not None and len(v) == 9 and all("0" <= c <= "9" for c in v) and not siren.is_valid(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.one_of(ascii_nine, nine_bytes()))
@example("73282932:")
@example("/32829320")
@example("é3282932")
@example("123456ú9")  # bytes C3 BA: each carries into the next lane if only the lanes' sums are checked
def test_nine_bytes_agree_with_stdnum_on_ascii_digits(value):
    assert siren_valid(pa.array([value])).to_pylist() == [expected(value)]


@settings(deadline=None)
@given(st.lists(unicode_digits, min_size=9, max_size=9).map("".join))
def test_unicode_digits_are_never_valid(value):
    assert siren_valid(pa.array([value])).to_pylist() == [False]
    assert check_digit_fails(pa.array([value])).to_pylist() == [False]


def test_chunked_columns_keep_their_chunks_and_nulls():
    column = pa.chunked_array([["732829320", None], [], ["732829321"]])
    assert siren_valid(column).to_pylist() == [True, None, False]
    assert check_digit_fails(column).to_pylist() == [False, False, True]
    assert siren_valid(column).num_chunks == 3


@given(st.lists(st.one_of(st.none(), ascii_nine, nine_bytes()), max_size=30))
def test_dictionary_columns_agree_with_plain_ones(values):
    plain = pa.array(values, pa.string())
    encoded = plain.dictionary_encode()
    assert siren_valid(encoded).to_pylist() == siren_valid(plain).to_pylist()
    assert check_digit_fails(encoded).to_pylist() == check_digit_fails(plain).to_pylist()


def test_only_strings_are_read():
    with pytest.raises(TypeError, match="strings"):
        siren_valid(pa.array([732829320]))
