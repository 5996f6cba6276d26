import re

import httpx

from relay.config import GEO_API_BASE

TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


async def forward_webhook(target_url: str, body: bytes, headers: dict[str, str]) -> int:
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.post(target_url, content=body, headers=headers)
    return resp.status_code


async def fetch_title(url: str) -> str | None:
    async with httpx.AsyncClient(timeout=5, follow_redirects=True) as client:
        resp = await client.get(url, headers={"User-Agent": "hky-preview/1.0"})
    match = TITLE_RE.search(resp.text[:200_000])
    return match.group(1).strip()[:200] if match else None


async def geolocate(ip: str) -> dict:
    async with httpx.AsyncClient(timeout=3) as client:
        resp = await client.get(f"{GEO_API_BASE}/{ip}/json/")
    return resp.json() if resp.status_code == 200 else {}
