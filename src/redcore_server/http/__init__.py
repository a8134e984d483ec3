"""HTTP plumbing shared by every domain: request ids, error rendering, body decoding, docs."""
