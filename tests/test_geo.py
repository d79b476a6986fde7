"""Pure rules of the set-up pages, tested with literals: slugs, GeoJSON polygons, form values, audit diffs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app import geo
from app.admin import rules
from app.geo import GeoJSONError, normalise_geojson, slugify, unique_slug

SQUARE = [[16.54, 59.37], [16.55, 59.37], [16.55, 59.38], [16.54, 59.38], [16.54, 59.37]]


def polygon(ring: list[list[Any]] | None = None) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [ring or SQUARE]})


@pytest.mark.parametrize(("name", "slug"), [
    ("Västra Strand", "vastra-strand"),
    ("Åby – Öster", "aby-oster"),
    ("Ängsö", "angso"),
    ("  Norra  hamnen!! ", "norra-hamnen"),
    ("Centrum 2", "centrum-2"),
    ("ÅÄÖ åäö", "aao-aao"),
    ("Malmö (Rosengård)", "malmo-rosengard"),
    ("---", ""),
])
def test_slugify_turns_swedish_letters_into_ascii(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_slugify_is_cut_at_80_characters_without_a_trailing_dash() -> None:
    slug = slugify("a" * 79 + " b")
    assert len(slug) <= 80 and not slug.endswith("-")


def test_unique_slug_adds_the_first_free_number() -> None:
    assert unique_slug("centrum", set()) == "centrum"
    assert unique_slug("centrum", {"centrum"}) == "centrum-2"
    assert unique_slug("centrum", {"centrum", "centrum-2", "centrum-3"}) == "centrum-4"
    assert unique_slug("", set()) == "omrade"


@pytest.mark.parametrize(("slug", "ok"), [("norra-hamnen", True), ("a1", True), ("Norra", False),
                                          ("norra_hamnen", False), ("-norra", False), ("", False),
                                          ("a" * 81, False), ("åby", False)])
def test_slug_problem(slug: str, ok: bool) -> None:
    assert (geo.slug_problem(slug) is None) is ok


def test_a_valid_polygon_is_normalised_to_compact_geometry() -> None:
    text = json.dumps({"type": "Polygon", "coordinates": [[[16.54, 59.37, 12.5], [16.55, 59.37], [16.55, 59.38],
                                                          [16.54, 59.38], [16.54, 59.37, 3]]]}, indent=2)
    result = normalise_geojson(text)
    assert " " not in result
    assert json.loads(result) == {"type": "Polygon", "coordinates": [SQUARE]}


def test_feature_and_single_feature_collection_are_unwrapped() -> None:
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": json.loads(polygon())}
    collection = {"type": "FeatureCollection", "features": [feature]}
    assert json.loads(normalise_geojson(json.dumps(feature)))["type"] == "Polygon"
    assert json.loads(normalise_geojson(json.dumps(collection))) == json.loads(polygon())


def test_multipolygon_is_accepted() -> None:
    text = json.dumps({"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE]]})
    assert json.loads(normalise_geojson(text))["coordinates"] == [[SQUARE], [SQUARE]]


def test_coordinates_are_rounded_to_seven_decimals() -> None:
    ring = [[16.123456789, 59.0], [16.2, 59.0], [16.2, 59.1], [16.123456789, 59.0]]
    assert json.loads(normalise_geojson(polygon(ring)))["coordinates"][0][0] == [16.1234568, 59.0]


@pytest.mark.parametrize(("text", "fragment"), [
    ("not json", "inte giltig JSON"),
    ("[1, 2]", "Polygon eller MultiPolygon"),
    (json.dumps({"type": "Point", "coordinates": [16.5, 59.3]}), "inte Point"),
    (json.dumps({"type": "LineString", "coordinates": [[16.5, 59.3], [16.6, 59.3]]}), "inte LineString"),
    (json.dumps({"type": "FeatureCollection", "features": []}), "exakt en Feature"),
    (json.dumps({"type": "Polygon", "coordinates": []}), "saknar koordinater"),
    (json.dumps({"type": "MultiPolygon", "coordinates": []}), "saknar koordinater"),
    (json.dumps({"type": "Polygon", "coordinates": [SQUARE[:3]]}), "minst fyra punkter"),
    (polygon([[16.54, 59.37], [16.55, 59.37], [16.55, 59.38], [16.54, 59.38]]), "inte sluten"),
    (polygon([[16.54, 59.37], ["16.55", 59.37], [16.55, 59.38], [16.54, 59.37]]), "två tal"),
    (polygon([[16.54, 59.37], [True, 59.37], [16.55, 59.38], [16.54, 59.37]]), "två tal"),
    (polygon([[16.54], [16.55, 59.37], [16.55, 59.38], [16.54], [16.54]]), "två tal"),
    (polygon([[59.37, 16.54], [59.37, 16.55], [59.38, 16.55], [59.37, 16.54]]), "utanför Sverige"),
    (polygon([[2.35, 48.85], [2.36, 48.85], [2.36, 48.86], [2.35, 48.85]]), "utanför Sverige"),
    (polygon([[200.0, 59.0], [16.55, 59.37], [16.55, 59.38], [200.0, 59.0]]), "utanför tillåtna värden"),
    (polygon([[16.5, -91.0], [16.55, 59.37], [16.55, 59.38], [16.5, -91.0]]), "utanför tillåtna värden"),
    ('{"type": "Polygon", "coordinates": [[[NaN, 59.0], [16.5, 59.1], [16.6, 59.1], [NaN, 59.0]]]}', "ogiltigt tal"),
])
def test_bad_geojson_gets_a_clear_swedish_message(text: str, fragment: str) -> None:
    with pytest.raises(GeoJSONError) as caught:
        normalise_geojson(text)
    assert fragment in caught.value.message


def test_too_many_points_is_refused() -> None:
    ring = [[16.0 + i * 0.0001, 59.0] for i in range(5000)] + [[16.5, 59.5], [16.0, 59.0]]
    with pytest.raises(GeoJSONError, match="fler än 5000 punkter"):
        normalise_geojson(polygon(ring))


def test_exactly_the_point_limit_is_accepted() -> None:
    ring = [[16.0 + i * 0.0001, 59.0] for i in range(4998)] + [[16.5, 59.5], [16.0, 59.0]]
    assert len(json.loads(normalise_geojson(polygon(ring)))["coordinates"][0]) == 5000


def test_more_than_512_kb_is_refused_before_parsing() -> None:
    text = polygon() + " " * (512 * 1024)
    with pytest.raises(GeoJSONError, match="512 kB"):
        normalise_geojson(text)
    with pytest.raises(GeoJSONError, match="512 kB"):
        geo.decode_upload(b" " * (512 * 1024 + 1))


def test_upload_is_decoded_as_utf8_with_or_without_bom() -> None:
    assert geo.decode_upload(b"\xef\xbb\xbf{}") == "{}"
    with pytest.raises(GeoJSONError, match="UTF-8"):
        geo.decode_upload(b"\xff\xfe\x00{")


def test_summary_names_type_points_and_fingerprint() -> None:
    text = normalise_geojson(polygon())
    assert geo.summary(text) is not None
    assert str(geo.summary(text)).startswith("Polygon, 5 p, sha256:")
    assert geo.summary(None) is None


@pytest.mark.parametrize(("text", "value", "bad"), [
    ("", None, False), ("0", 0, False), ("6 200", 6200, False), ("4100", 4100, False),
    ("-5", None, True), ("12.5", None, True), ("tusen", None, True), ("١٢", None, True),
    ("10000001", None, True),
])
def test_parse_population(text: str, value: int | None, bad: bool) -> None:
    parsed, problem = rules.parse_population(text)
    assert parsed == value
    assert (problem is not None) is bad


def test_parse_languages_always_includes_swedish_in_interface_order() -> None:
    assert rules.parse_languages(["ar", "en"]) == (["sv", "en", "ar"], None)
    assert rules.parse_languages([]) == (["sv"], None)
    assert rules.parse_languages(["xx"])[1] is not None


def test_changed_fields_lists_only_differences() -> None:
    changes = rules.changed_fields({"name": "A", "population": 1, "slug": "a"},
                                           {"name": "B", "population": 1, "slug": "a", "new": 2})
    assert [(c.field, c.before, c.after) for c in changes] == [("name", "A", "B"), ("new", None, 2)]
    assert [c.field for c in rules.changed_fields(None, {"x": 1})] == ["x"]


def test_parse_page_and_page_count() -> None:
    assert rules.parse_page(None) == 1
    assert rules.parse_page("3") == 3
    assert rules.parse_page("-2") == 1
    assert rules.parse_page("abc") == 1
    assert rules.page_count(0) == 1
    assert rules.page_count(50) == 1
    assert rules.page_count(51) == 2
