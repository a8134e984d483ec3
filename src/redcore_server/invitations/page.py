"""The page an invitation link opens by default (``/accept-invitation?token=…``): a password form
that calls ``POST /v1/invitations/accept``. Self-contained (no external assets), so it works offline;
an organization with its own app points ``REDCORE_INVITATION_URL`` there instead."""

from __future__ import annotations

from litestar import Response, get

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Accept your invitation</title>
<style>
body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#222}
label,input,button{display:block;width:100%;box-sizing:border-box;font-size:1rem}
input{padding:.5rem;margin:.25rem 0 1rem}button{padding:.6rem;background:#b00020;color:#fff;border:0;border-radius:4px}
#result{margin-top:1rem}
</style></head><body>
<h1>Choose your password</h1>
<form id="accept"><label for="password">Password (8 to 128 characters)</label>
<input id="password" type="password" minlength="8" maxlength="128" required autocomplete="new-password">
<button type="submit">Activate my account</button></form>
<p id="result" role="status"></p>
<script>
const token = new URLSearchParams(location.search).get("token") || "";
document.getElementById("accept").addEventListener("submit", async (event) => {
  event.preventDefault();
  const result = document.getElementById("result");
  const response = await fetch("/v1/invitations/accept", {
    method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({token, password: document.getElementById("password").value}),
  });
  const body = await response.json();
  result.textContent = response.ok ? `Welcome, ${body.name}: your account is active. You can sign in now.`
                                   : body.error.message;
});
</script></body></html>
"""


@get("/accept-invitation", include_in_schema=False, sync_to_thread=False)
def accept_invitation_page() -> Response[str]:
    return Response(content=_PAGE, media_type="text/html", headers={"Cache-Control": "no-store"})
