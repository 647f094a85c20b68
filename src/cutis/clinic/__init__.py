"""The clinic app: records, body map, labs, assessment, plans and monitoring for the vet team."""
