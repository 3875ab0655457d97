"""Import events' recommendations and actions from a spreadsheet (XLSX or CSV)."""
