import pytest

from fixtures.uscc import is_valid_uscc, make_uscc, org_code_check_char, uscc_check_char

# Published codes of well-known companies (business licences are public in China).
REAL_CODES = ["91440300708461136T", "914403001922038216", "91330100716105852F", "91110000802100433B"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_published_codes_validate_including_the_embedded_organisation_code(code):
    assert is_valid_uscc(code)
    assert org_code_check_char(code[8:16]) == code[16]


@pytest.mark.parametrize("code", [
    "91440300708461136A",   # wrong check character
    "91440300708461163T",   # two characters swapped
    "9144030070846113",     # too short
    "91440300708461136I",   # I is not in the alphabet
    "91440300708461136t",   # lower case
])
def test_damaged_codes_are_refused(code):
    assert not is_valid_uscc(code)


def test_check_characters_follow_the_standard_weights():
    # 31 - (sum mod 31): a body of zeros sums to 0, so its check character is 0 (31 maps to 0).
    assert uscc_check_char("0" * 17) == "0"
    # One "1" in the last position weighs 28: 31 - 28 = 3.
    assert uscc_check_char("0" * 16 + "1") == "3"
    # GB 11714: remainder 10 is written X, 11 is written 0.
    assert org_code_check_char("00000001") == "9"  # 11 - 1*2
    assert org_code_check_char("00000006") == "X"  # 11 - (12 mod 11) = 10
    assert org_code_check_char("00000000") == "0"  # 11 - 0 = 11


def test_made_codes_validate():
    code = make_uscc(authority="9", org_type="1", division="230103", org_body="12345678")
    assert code.startswith("91230103") and len(code) == 18
    assert is_valid_uscc(code)
    assert code[16] == org_code_check_char("12345678")


@pytest.mark.parametrize("body", ["1234567", "1234567a", "12345678X"])
def test_malformed_bodies_raise(body):
    with pytest.raises(ValueError):
        org_code_check_char(body)
