"""Trygghetsdialog: citizen dialogue on local safety and public citizen pledges."""
