"""Schemathesis against /openapi.json, in-process, on a database holding the demo municipality.

Every documented operation gets generated requests (valid and invalid); none may answer 5xx, and the answers must
match the documented status codes, content types and response schemas.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session, col, select

from app import demo
from app.demo import DEMO_SLUG
from app.models.surveys import Survey

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
EXAMPLES_PER_OPERATION = 10


def _real_values(db: Session) -> dict[str, list[Any]]:
    """Values that name real rows, so generated requests reach the code behind the 404s too."""
    survey_ids = list(db.exec(select(col(Survey.id))).all())
    return {"municipality": [DEMO_SLUG], "survey_id": survey_ids, "wave": survey_ids, "lang": ["sv", "en", "ar"]}


def test_api_answers_every_generated_request_as_documented(app: FastAPI, db: Session) -> None:
    demo.load(db)
    real = _real_values(db)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 8  # the open-data API is documented at all

    statuses: dict[str, set[int]] = {}
    for operation in operations:
        cases = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                          operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=cases, use_real=st.booleans())
        def check(case: schemathesis.Case[Any], use_real: bool) -> None:
            if use_real:  # half the cases point at the demo municipality's rows
                for location in (case.query, case.path_parameters):
                    if location is None:
                        continue
                    for name in list(location):
                        if real.get(name):
                            location[name] = real[name][hash(str(location[name])) % len(real[name])]
            response = case.call_and_validate(checks=CHECKS)
            statuses.setdefault(case.operation.label, set()).add(response.status_code)

        try:
            check()
            # ... and once, for certain, with real values only.
            real_query = {p.name: real[p.name][0] for p in operation.query if real.get(p.name)}
            real_path = {p.name: real[p.name][0] for p in operation.path_parameters if real.get(p.name)}
            if len(real_path) == len(list(operation.path_parameters)):
                response = operation.Case(query=real_query or None, path_parameters=real_path or None
                                          ).call_and_validate(checks=CHECKS)
                statuses.setdefault(operation.label, set()).add(response.status_code)
        except Exception as exc:  # name the operation in the failure
            pytest.fail(f"{operation.label}: {exc}")

    # The demo rows were reached: every read operation answered with data at least once, not only with errors.
    unreached = [label for label, codes in statuses.items() if label.startswith("GET") and 200 not in codes]
    assert not unreached, statuses
    # ... and invalid parameters were generated and refused as documented.
    assert any(422 in codes for codes in statuses.values()), statuses
