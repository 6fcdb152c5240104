"""OGC API - Features (Parts 1-4) over the platform's layers.

`core` holds framework-agnostic request handlers (request data in, status/headers/body out);
`views` wraps them for Django in a few lines each; all SQL lives in `query`.
"""
