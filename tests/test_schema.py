import pytest

from layers.schema import PropertyValidationError, SchemaError, parse_schema, validate_properties
from tests.conftest import SCHOOL_SCHEMA


def test_valid_properties_are_cleaned_to_their_types():
    cleaned = validate_properties(SCHOOL_SCHEMA, {
        "name": "哈尔滨市第一中学", "pupils": "1200", "area_ha": "3.5", "boarding": "true",
        "founded": "1950-09-01", "level": "middle",
    })
    assert cleaned == {"name": "哈尔滨市第一中学", "pupils": 1200, "area_ha": 3.5, "boarding": True,
                       "founded": "1950-09-01", "level": "middle"}


def test_each_bad_field_gets_its_own_message():
    with pytest.raises(PropertyValidationError) as info:
        validate_properties(SCHOOL_SCHEMA, {"pupils": "many", "area_ha": "x", "boarding": "maybe",
                                            "founded": "01/09/1950", "level": "university", "colour": "red"})
    errors = info.value.errors
    assert errors["name"] == "This field is required."
    assert errors["pupils"] == "Enter a whole number."
    assert errors["area_ha"] == "Enter a number."
    assert errors["boarding"] == "Choose yes or no."
    assert errors["founded"] == "Enter a date as YYYY-MM-DD."
    assert errors["level"].startswith("Choose one of: primary, middle")
    assert errors["colour"] == "This layer has no such field."


def test_partial_validation_skips_absent_required_fields():
    assert validate_properties(SCHOOL_SCHEMA, {"pupils": 5}, partial=True) == {"pupils": 5}
    with pytest.raises(PropertyValidationError) as info:
        validate_properties(SCHOOL_SCHEMA, {"name": ""}, partial=True)
    assert info.value.errors == {"name": "This field is required."}


@pytest.mark.parametrize("schema, message", [
    ({"name": "x"}, "must be a list"),
    ([{"name": "Bad Name", "type": "string"}], "must start with a lower-case letter"),
    ([{"name": "a", "type": "text"}], "the type must be one of"),
    ([{"name": "a", "type": "string"}, {"name": "a", "type": "integer"}], "used twice"),
    ([{"name": "a", "type": "choice", "choices": []}], "non-empty list of choices"),
    ([{"name": "id", "type": "string"}], "reserved"),
])
def test_malformed_schemas_are_refused(schema, message):
    with pytest.raises(SchemaError, match=message):
        parse_schema(schema)
