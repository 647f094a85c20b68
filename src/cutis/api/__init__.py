"""The REST API (`/api/v1/`) and the CDS Hooks service (`/cds-services`), with per-user tokens.

Every route answers for the token's user: a clinic's staff see their clinic's dogs, an owner sees
their own dogs (read only). Writes go through the same `cutis.clinic` services the web forms use.
"""
