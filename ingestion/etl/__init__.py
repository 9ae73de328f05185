"""Django-free core of ingestion: read uploaded files, find the header, map columns and clean values."""
