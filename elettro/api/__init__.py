"""What every API endpoint shares: one envelope, key and session auth, throttles, pagination, CSV and XLSX.

Each app serves its own resources from its `api.py`; `elettro/api/urls.py` wires them under `/api/v1/` (and the
seed systems' old addresses) on company hosts. Nothing here knows a resource.
"""
