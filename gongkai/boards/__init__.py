"""Printed disclosure boards (公开栏). What other apps use is in `gongkai.boards.public`:

- `columns_for(org)`: the board's columns at an organization (each with its domain: party,
  government or village affairs, and the catalog categories it shows); the portal shows the
  same as sections (template snippet "boards/_columns.html", given `board_columns`).
- `postings_for(disclosure)`: recorded postings of boards that carried it (template snippet
  "boards/_postings.html", given `board_postings`: "已张贴于公开栏 (日期)").
"""
