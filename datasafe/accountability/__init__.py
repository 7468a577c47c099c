"""Accountability: who did what to which file, and why.

- :mod:`datasafe.accountability.audit` — an append-only, hash-chained JSON Lines audit trail
  (``record(...)``, ``verify(...)``, ``read_records(...)``).
- :mod:`datasafe.accountability.approval` — sign-off before sharing, bound to the file's content
  hash, profile, verdict and destination (``find_valid_approval(...)``).
- :mod:`datasafe.accountability.reversible` — reversible de-personalisation with AES-SIV and a
  custodian key (``encrypt_column``, ``decrypt_column``).
- :mod:`datasafe.accountability.retention` — retention dates of files and their destruction.

Nothing here ever writes a raw data value or a key to a log, a report or an error message.
"""
