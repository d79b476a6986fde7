"""Names vulture reports as unused that are used after all (`make deadcode` reads this file with app/).

Only true false positives belong here, each with the reason; dead code is deleted instead.
"""

from app.concerns.disclosure import hierarchy_cells
from app.db import set_engine
from app.surveys.anonymity import is_k_anonymous

set_engine  # tests point get_engine() at their own database with it (tests/test_cli.py, tests/dialogues/test_cli.py)
hierarchy_cells  # the test oracle for the published set's suppression (tests/concerns/test_disclosure.py)
is_k_anonymous  # the test oracle for k-anonymity of exports (tests/surveys/test_anonymity.py, tests/surveys/test_responses.py)
