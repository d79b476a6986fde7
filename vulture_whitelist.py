"""Names vulture reports as unused that are used after all (`make deadcode` reads this file with app/).

Only true false positives belong here, each with the reason; dead code is deleted instead.
"""

from app.db import set_engine, writing

set_engine  # tests point get_engine() at their own database with it (tests/test_cli.py, tests/dialogues/test_cli.py)
writing  # the one way services write (app/db.py); the domain services are moving to it: drop this line once one does
