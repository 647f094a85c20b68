"""Small service functions the views call: each one transaction, scoped, checked, recorded."""
