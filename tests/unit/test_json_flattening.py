"""Nested JSON records flattened before name matching."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.importers.json_flattening import Flattened, flatten, flatten_with_clashes


@pytest.mark.parametrize(
    ("obj", "flat"),
    [
        ({"address": {"city": "X"}}, {"address_city": "X"}),
        ({"a": {"b": {"c": 1}}, "d": 2}, {"a_b_c": 1, "d": 2}),
        (
            {"id": "7", "address": {"city": "X", "zip": "02134"}},
            {"id": "7", "address_city": "X", "address_zip": "02134"},
        ),
        ({"tags": ["a", "b"], "n": None, "ok": True, "x": 1.5}, {"tags": ["a", "b"], "n": None, "ok": True, "x": 1.5}),
        ({"people": [{"name": "Ann"}]}, {"people": [{"name": "Ann"}]}),
        ({"empty": {}, "kept": 1}, {"kept": 1}),
        ({}, {}),
    ],
)
def test_nested_objects_are_flattened_with_underscores_and_lists_and_scalars_kept(
    obj: dict[str, object], flat: dict[str, object]
) -> None:
    assert flatten(obj) == flat


def test_flattened_names_keep_the_document_order() -> None:
    assert list(flatten({"z": 1, "a": {"y": 2, "b": 3}, "c": 4})) == ["z", "a_y", "a_b", "c"]


def test_the_separator_can_be_chosen() -> None:
    assert flatten({"address": {"city": "X"}}, separator=".") == {"address.city": "X"}


def test_on_a_name_clash_the_first_value_wins_and_the_later_path_is_reported() -> None:
    flattened = flatten_with_clashes({"address_city": "First", "address": {"city": "Second"}})
    assert flattened == Flattened(values={"address_city": "First"}, clashes=(("address", "city"),))


def test_a_nested_value_first_in_the_document_wins_over_a_later_flat_key() -> None:
    flattened = flatten_with_clashes({"a": {"b": 1}, "a_b": 2, "x": {"y_z": 3}, "x_y": {"z": 4}})
    assert flattened.values == {"a_b": 1, "x_y_z": 3}
    assert flattened.clashes == (("a_b",), ("x_y", "z"))


def test_a_record_without_clashes_reports_none() -> None:
    assert flatten_with_clashes({"a": {"b": 1}, "c": 2}).clashes == ()


def test_very_deep_nesting_is_flattened_without_recursion() -> None:
    obj: dict[str, object] = {"leaf": 1}
    for _ in range(5000):
        obj = {"k": obj}
    assert flatten(obj) == {"k_" * 5000 + "leaf": 1}


_JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
_JSON = st.recursive(
    _JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("ab_", max_size=2), inner, max_size=3),
    max_leaves=20,
)


def _leaf_count(obj: object) -> int:
    if isinstance(obj, dict):
        return sum(_leaf_count(value) for value in obj.values())
    return 1


@given(st.dictionaries(st.text("ab_", max_size=2), _JSON, max_size=4))
def test_every_leaf_is_either_kept_or_reported_as_a_clash(obj: dict[str, object]) -> None:
    flattened = flatten_with_clashes(obj)
    assert len(flattened.values) + len(flattened.clashes) == _leaf_count(obj)
    assert not any(isinstance(value, dict) for value in flattened.values.values())
