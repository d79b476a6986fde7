"""Administration: staff login, users and roles, municipality set-up."""
