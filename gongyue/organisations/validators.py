"""Format checks on what organisations type in: USCC (GB 32100-2015), ICP filing numbers and
web addresses. Pure checks of the value: who else holds a code is asked of the models."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as stdnum_uscc

# The characters GB 32100-2015 allows after the first eight digits (no I, O, S, V, Z).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def normalise_uscc(value: str) -> str:
    return stdnum_uscc.compact(value or "")


def validate_uscc(value: str) -> str:
    """Return the code in its compact form, or raise a ValidationError that says what is wrong.

    python-stdnum decides validity; this only turns its verdict into a message that names the
    offending character, and the check character the first seventeen call for.
    """
    code = normalise_uscc(value)
    try:
        return stdnum_uscc.validate(code)
    except stdnum_errors.InvalidLength:
        raise ValidationError(
            _("A Unified Social Credit Code has 18 characters; this one has %(count)s.")
            % {"count": len(code)},
            code="uscc_length",
        ) from None
    except stdnum_errors.InvalidFormat:
        if not code[:8].isdigit() or not code[:8].isascii():
            raise ValidationError(
                _("The first 8 characters of a Unified Social Credit Code are digits."),
                code="uscc_format",
            ) from None
        bad = [ch for ch in code[8:17] if ch not in USCC_ALPHABET]
        if bad:
            raise ValidationError(
                _(
                    "“%(char)s” cannot appear in a Unified Social Credit Code (I, O, S, V and Z "
                    "are never used)."
                )
                % {"char": bad[0]},
                code="uscc_format",
            ) from None
        # Only the 18th, the check character, is outside the alphabet.
        raise _check_character_error(code) from None
    except stdnum_errors.InvalidChecksum:
        raise _check_character_error(code) from None
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _("This is not a valid Unified Social Credit Code."), code="uscc_invalid"
        ) from None


def _check_character_error(code: str) -> ValidationError:
    return ValidationError(
        _(
            "The check character (the 18th) is “%(found)s”, but for the first 17 characters it "
            "must be “%(expected)s”."
        )
        % {"found": code[17], "expected": stdnum_uscc.calc_check_digit(code[:17])},
        code="uscc_check_character",
    )


# Province-level abbreviations used in ICP filing numbers, including the alternative ones
# (蜀 for Sichuan, 黔 Guizhou, 滇 Yunnan, 陇 Gansu, 秦 Shaanxi) MIIT's filings use.
ICP_PROVINCES = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕秦甘陇青宁新"
# 赣ICP备2021003257号-1 (year + six digits, since 2010s) or the older 京ICP备05060933号.
ICP_PATTERN = re.compile(
    rf"^[{ICP_PROVINCES}]ICP备(?:\d{{8}}|(?:19|20)\d{{8}})号(?:-[1-9]\d{{0,2}})?$"
)


def normalise_icp(value: str) -> str:
    value = re.sub(r"\s+", "", value or "")
    return value.replace("icp", "ICP").replace("－", "-").replace("—", "-").replace("–", "-")


def validate_icp(value: str) -> str:
    number = normalise_icp(value)
    if not ICP_PATTERN.match(number):
        raise ValidationError(
            _(
                "“%(value)s” is not an ICP filing number; write it as 赣ICP备2021003257号-1 or "
                "赣ICP备05060933号."
            )
            % {"value": value.strip()},
            code="icp_format",
        )
    return number


def validate_website(value: str) -> str:
    url = (value or "").strip()
    if url and "://" not in url:
        url = "https://" + url
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(
            _("“%(value)s” is not a web address.") % {"value": value.strip()}, code="url"
        ) from None
    return url


def validate_id_last4(value: str) -> str:
    """The last four characters of an identity document number, in capitals (an ID card may end
    in X; permits and passports carry letters). A whole number is refused, never stored."""
    text = re.sub(r"\s+", "", value or "").upper()
    if len(text) != 4:
        raise ValidationError(
            _("Give exactly the last four characters of the document number; you gave %(count)s.")
            % {"count": len(text)},
            code="length",
        )
    if not re.fullmatch(r"[0-9A-Z]{4}", text):
        raise ValidationError(
            _("The last four characters of a document number are digits or Latin letters."),
            code="invalid",
        )
    return text
