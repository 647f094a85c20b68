"""Cutis's data in and out: FHIR R4B, lab CSV files and the clinic's full export.

Service functions the web pages (and the REST API) call; no models of its own. Every function
takes the caller's clinic or dog already scoped (`cutis.clinic.scoping`), and lab values reach the
record only through `cutis.clinic.services.labs`, with its unit conversion, checks and history.
"""
