"""The pages account links open by default: ``/reset-password?token=…`` (a new-password form that
calls ``POST /v1/auth/password_reset/confirm``) and ``/verify-email?token=…`` (a button that calls
``POST /v1/auth/verify_email``; a button, not an automatic call, so that a mail scanner opening the
link does not spend it). Self-contained (no external assets), so they work offline; an organization
with its own app points ``REDCORE_PASSWORD_RESET_URL`` and ``REDCORE_EMAIL_VERIFICATION_URL`` there."""

from __future__ import annotations

from litestar import Response, get

_HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#222}}
label,input,button{{display:block;width:100%;box-sizing:border-box;font-size:1rem}}
input{{padding:.5rem;margin:.25rem 0 1rem}}
button{{padding:.6rem;background:#b00020;color:#fff;border:0;border-radius:4px}}
#result{{margin-top:1rem}}
</style></head><body>
"""

_SCRIPT = """<p id="result" role="status"></p>
<script>
const token = new URLSearchParams(location.search).get("token") || "";
document.getElementById("form").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const result = document.getElementById("result");
  const response = await fetch("{endpoint}", {{
    method: "POST", headers: {{"Content-Type": "application/json"}}, body: JSON.stringify({body}),
  }});
  const answer = await response.json();
  result.textContent = response.ok ? {success} : answer.error.message;
}});
</script></body></html>
"""

RESET_PAGE = (
    _HEAD.format(title="Choose a new password")
    + """<h1>Choose a new password</h1>
<form id="form"><label for="password">New password (8 to 128 characters)</label>
<input id="password" type="password" minlength="8" maxlength="128" required autocomplete="new-password">
<button type="submit">Set my password</button></form>
"""
    + _SCRIPT.format(
        endpoint="/v1/auth/password_reset/confirm",
        body='{token, password: document.getElementById("password").value}',
        success="`Your password is set, ${answer.name}: you are signed out everywhere. Sign in with it now.`",
    )
)

VERIFY_PAGE = (
    _HEAD.format(title="Verify your email address")
    + """<h1>Verify your email address</h1>
<form id="form"><button type="submit">This address is mine</button></form>
"""
    + _SCRIPT.format(
        endpoint="/v1/auth/verify_email",
        body="{token}",
        success="`Thank you, ${answer.name}: ${answer.email} is verified.`",
    )
)

_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@get("/reset-password", include_in_schema=False, sync_to_thread=False)
def reset_password_page() -> Response[str]:
    return Response(content=RESET_PAGE, media_type="text/html", headers=_HEADERS)


@get("/verify-email", include_in_schema=False, sync_to_thread=False)
def verify_email_page() -> Response[str]:
    return Response(content=VERIFY_PAGE, media_type="text/html", headers=_HEADERS)
