"""One router per record type; `cutis.api.v1.ROUTERS` mounts them."""
