"""Turning a Report into files: PDF (WeasyPrint), XLSX (openpyxl) and CSV."""
