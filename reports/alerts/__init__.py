"""Alerts: rules on any measure of the catalogue, evaluated from the rollups, with states per entity, notifications
through the channels reports use, and a log.

- `rules.py`: creating and checking a rule (the form, the API and `alert_rule` use it).
- `evaluation.py`: what a rule sees as of a day: one Observation per entity, from analytics.queries.
- `states.py`: OK → pending → firing → resolved per entity; one notification when it starts firing and one when it
  resolves; replays never notify twice.
- `notify.py`: the messages and their delivery (quiet hours, retries), logged as AlertEvents.
"""
