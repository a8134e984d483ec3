"""API keys, declared once (see ``kit/spec.py``): listed and read through the kit; their changes
(``keys/service.py``) record ``api_key.*`` events themselves."""

from __future__ import annotations

from redcore_server.keys.schemas import ID_PREFIX, ApiKey
from redcore_server.kit.spec import ResourceSpec

KEYS = ResourceSpec(
    name="api_keys",
    noun="API key",
    id_prefix=ID_PREFIX,
    model=ApiKey,
    sortable={"created_at": "timestamp"},
    writable=("secret_hash",),
    decoders={"scopes": str.split},  # stored space-separated
    version_field="created_at",  # keys carry no ETag: only their name ever changes
    records_events=False,
)
