"""Chinese numerals as used to number chapters, sections, articles and items.

Legal texts write numbers in the "reading" form: 十 (10), 十一 (11), 二十 (20),
一百 (100), 一百零一 (101), 一百一十 (110), 一千零一十 (1010). ``int_to_cn``
produces exactly that form; ``cn_to_int`` accepts it plus the common variants
〇 for 零 and a leading 一十 for 十 (一十五), and rejects everything else, so a
typo such as 十十 or 一百十 is reported rather than guessed at.
"""

from __future__ import annotations

__all__ = ["MAX_NUMBER", "cn_to_int", "int_to_cn"]

MAX_NUMBER = 99_999_999

_DIGITS = "零一二三四五六七八九"
_DIGIT_VALUES = {ch: value for value, ch in enumerate(_DIGITS)} | {"〇": 0}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def int_to_cn(number: int) -> str:
    """
    Return the Chinese numeral for ``number`` (0 to 99,999,999) in the form
    used by legal texts: 十, 十一, 二十, 一百, 一百零一, 一百一十, 一万零一十.
    """
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"int_to_cn() needs an int, not {type(number).__name__}")
    if not 0 <= number <= MAX_NUMBER:
        raise ValueError(f"int_to_cn() handles 0 to {MAX_NUMBER}, not {number}")
    if number == 0:
        return "零"
    high, low = divmod(number, 10_000)
    if not high:
        return _below_ten_thousand(low, leading=True)
    text = _below_ten_thousand(high, leading=True) + "万"
    if low:
        # A gap in the thousands place is read aloud as 零: 一万零五百.
        text += ("零" if low < 1000 else "") + _below_ten_thousand(low, leading=False)
    return text


def _below_ten_thousand(number: int, *, leading: bool) -> str:
    text = ""
    pending_zero = False
    for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // place % 10
        if digit == 0:
            pending_zero = pending_zero or bool(text)
            continue
        if pending_zero:
            text += "零"
            pending_zero = False
        if place == 10 and digit == 1 and leading and not text:
            text += "十"  # 十二, never 一十二, at the start of a number.
        else:
            text += _DIGITS[digit] + unit
    return text


def cn_to_int(text: str) -> int:
    """
    Return the value of a Chinese numeral such as 十一, 一百零一 or 二〇 ... in
    its standard reading form; raise ValueError for anything else.
    """
    if not isinstance(text, str):
        raise TypeError(f"cn_to_int() needs a str, not {type(text).__name__}")
    if not text or any(ch not in _DIGIT_VALUES and ch not in _UNITS and ch != "万" for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    value = _lenient_value(text)
    try:
        standard = int_to_cn(value)
    except ValueError:
        raise ValueError(f"Chinese numeral out of range: {text!r}") from None
    # The lenient reading accepts nonsense (十十, 一二); only the spellings of the
    # value's standard form count as valid.
    accepted = {standard, standard.replace("零", "〇")}
    if standard.startswith("十"):
        accepted |= {"一" + form for form in accepted}
    if text not in accepted:
        raise ValueError(f"not a well-formed Chinese numeral: {text!r} (did you mean {standard}?)")
    return value


def _lenient_value(text: str) -> int:
    total = section = digit = 0
    for ch in text:
        if ch in _DIGIT_VALUES:
            digit = _DIGIT_VALUES[ch]
        elif ch == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        else:
            section += (digit or 1) * _UNITS[ch]
            digit = 0
    return total + section + digit
