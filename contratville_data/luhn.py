"""SIREN check digits (Luhn), over a whole Arrow string column at once.

``stdnum.fr.siren.is_valid`` costs a few microseconds a value in Python; here the nine bytes of every
candidate are read as one ``n × 9`` NumPy matrix and summed with a lookup table, a few nanoseconds a
value. Only nine ASCII digits qualify: stdnum also cleans spaces, dots and some Unicode digits
(fullwidth ones) before checking, which a published cell must not need, so those are not valid here.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_LANES = np.uint64(0x0101010101010101)
_HIGH = np.uint64(0x8080808080808080)
_ZEROS = np.uint64(0x3030303030303030)  # "00000000"
_ABOVE_NINE = np.uint64(0x4646464646464646)  # 0x46 + a byte sets its high bit when the byte is above "9"
_FIVE = np.uint64(0x0B0B0B0B0B0B0B0B)  # 11 + a digit reaches 16 when the digit is 5 or more
_DOUBLED = np.uint64(0xFF00FF00FF00FF00)  # the 2nd, 4th, 6th and 8th characters, little-endian


def siren_valid(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """True where a value is nine ASCII digits whose Luhn check digit holds, False elsewhere, null where null.

    ``values`` are strings (or binary), plain or dictionary-encoded, in one array or in chunks.

    For nine ASCII digits the answer is ``stdnum.fr.siren.is_valid``'s; anything else is False.
    """
    if isinstance(values, pa.ChunkedArray):
        return pa.chunked_array([siren_valid(chunk) for chunk in values.chunks], pa.bool_())
    if pa.types.is_dictionary(values.type):  # each distinct value checked once
        return siren_valid(values.dictionary).take(values.indices)
    nine = _nine_ascii_digits(values)
    return pc.if_else(pc.is_null(values), pa.scalar(None, pa.bool_()), pa.array(nine[0] & nine[1]))


def check_digit_fails(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """True where a value is nine ASCII digits whose check digit fails; False elsewhere (nulls included).

    These are the cells a pattern ``^[0-9]{9}$`` accepts and the SIREN check digit refuses.
    """
    if isinstance(values, pa.ChunkedArray):
        return pa.chunked_array([check_digit_fails(chunk) for chunk in values.chunks], pa.bool_())
    if pa.types.is_dictionary(values.type):
        fails = check_digit_fails(values.dictionary).take(values.indices)
        return pc.and_kleene(fails, pc.is_valid(fails))  # a null index is no failure
    shaped, valid = _nine_ascii_digits(values)
    return _booleans(shaped & ~valid)


def _booleans(mask: np.ndarray) -> pa.Array:
    """A NumPy mask as an Arrow boolean array, built from its bits (``pa.array`` would import pandas)."""
    bits = np.packbits(mask, bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, pa.py_buffer(bits)])


def _nine_ascii_digits(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Two masks over the values: nine ASCII digits; and, among those, a valid Luhn check digit.

    Read from the array's buffers with NumPy: its offsets give the lengths, its bytes the digits.
    """
    if pa.types.is_large_string(values.type) or pa.types.is_large_binary(values.type):
        values = values.cast(pa.large_binary())
    elif pa.types.is_string(values.type) or pa.types.is_binary(values.type):
        values = values.cast(pa.binary())
    else:
        raise TypeError(f"SIRENs are strings, not {values.type}")
    shaped = np.zeros(len(values), dtype=bool)
    valid = np.zeros(len(values), dtype=bool)
    if not len(values):
        return shaped, valid
    validity, offset_buffer, data_buffer = values.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64 if pa.types.is_large_binary(values.type)
                            else np.int32)[values.offset:values.offset + len(values) + 1]
    nine = np.diff(offsets) == 9
    if values.null_count:
        present = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
        nine &= present[values.offset:values.offset + len(values)].astype(bool)
    rows = np.flatnonzero(nine)
    if not len(rows):
        return shaped, valid
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    if len(rows) == len(values):  # every value has nine bytes: read them in place, unaligned
        packed = data[offsets[0]:offsets[-1]]
        head = np.ndarray((len(values),), dtype="<u8", buffer=packed, strides=(9,))
        last = packed[8::9]
    else:
        gathered = data[offsets[rows].astype(np.int64)[:, None] + np.arange(9)]
        head, last = np.ascontiguousarray(gathered[:, :8]).view("<u8").ravel(), gathered[:, 8]
    shaped[rows], valid[rows] = _luhn(head, last)
    return shaped, valid


def _luhn(head: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each value is nine ASCII digits, and whether its Luhn sum is a multiple of ten.

    ``head`` holds the first eight bytes as little-endian words, ``last`` the ninth byte. The eight
    bytes are checked and summed together, a byte per lane (SWAR): no lane carries into the next
    while every byte is an ASCII digit, and a value with any other byte is not shaped anyway.
    """
    digits = ((head & _HIGH) == 0) & (((head | _HIGH) - _ZEROS) & _HIGH == _HIGH) & ((head + _ABOVE_NINE) & _HIGH == 0)
    digits &= (last >= ord("0")) & (last <= ord("9"))
    lanes = head - _ZEROS
    five_or_more = ((lanes + _FIVE) >> np.uint64(4)) & _LANES & _DOUBLED
    # a doubled digit adds 2d, less 9 when 2d has two digits; the lanes' sum lands in the top byte
    added = lanes + (lanes & _DOUBLED) - np.uint64(9) * five_or_more
    total = (added * _LANES) >> np.uint64(56)
    total += last.astype(np.uint64) - np.uint64(ord("0"))
    return digits, digits & (total % np.uint64(10) == 0)
