"""The public site frame: start page, municipality pages, accessibility statement, language choice."""
