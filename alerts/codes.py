"""Check digits of the codes the registers carry: GTIN barcodes (GS1) and
unified social credit codes (GB 32100-2015)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

GTIN_LENGTHS = (8, 12, 13, 14)

# GB 32100-2015: the 31 characters a code may use (no I, O, Z, S, V) and the
# weights of its first 17 positions.
CREDIT_CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def gtin_check_digit(body):
    """The GS1 check digit for the digits before it."""
    total = sum(
        int(digit) * (3 if position % 2 == 0 else 1)
        for position, digit in enumerate(reversed(body))
    )
    return str((10 - total % 10) % 10)


def is_valid_gtin(code):
    return (
        code.isdigit()
        and len(code) in GTIN_LENGTHS
        and gtin_check_digit(code[:-1]) == code[-1]
    )


def validate_gtin(value):
    code = (value or "").strip()
    if not code:
        return
    if not code.isdigit() or len(code) not in GTIN_LENGTHS:
        raise ValidationError(
            _("A barcode (GTIN) is 8, 12, 13 or 14 digits; got %(code)s."),
            code="gtin_format",
            params={"code": code},
        )
    if gtin_check_digit(code[:-1]) != code[-1]:
        raise ValidationError(
            _("The check digit of barcode %(code)s should be %(digit)s."),
            code="gtin_check_digit",
            params={"code": code, "digit": gtin_check_digit(code[:-1])},
        )


def credit_code_check_character(body):
    """The 18th character of a unified social credit code for its first 17."""
    total = sum(
        CREDIT_CODE_CHARACTERS.index(character) * weight
        for character, weight in zip(body, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARACTERS[(31 - total % 31) % 31]


def is_valid_credit_code(code):
    try:
        validate_credit_code(code)
    except ValidationError:
        return False
    return True


def validate_credit_code(value):
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; got %(n)s."),
            code="credit_code_length",
            params={"n": len(code)},
        )
    wrong = [c for c in code if c not in CREDIT_CODE_CHARACTERS]
    if wrong:
        raise ValidationError(
            _("A unified social credit code cannot contain %(wrong)s."),
            code="credit_code_character",
            params={"wrong": "".join(wrong)},
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("The check character of credit code %(code)s should be %(expected)s."),
            code="credit_code_check",
            params={"code": code, "expected": expected},
        )
