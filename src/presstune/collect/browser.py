"""Optional Playwright fallback for pages whose content needs JavaScript.

Never required: imported lazily, used only when ``collect.browser_fallback`` is on and the
``playwright`` package (plus a Chromium, e.g. Debian's ``chromium``) is installed. Every
request the browser makes passes the same host guard and robots rules as plain HTTP; others
are aborted.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from typing import Any

from presstune.collect.client import host_key


def available() -> bool:
    return importlib.util.find_spec("playwright") is not None


def _chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return os.environ.get("PRESSTUNE_CHROMIUM")


async def render(url: str, fetcher: Any, cfg: Any) -> str:
    """The rendered HTML of ``url``; requests are spaced by the fetcher's per-host slot."""
    from playwright.async_api import async_playwright  # lazy: optional dependency

    fetcher.guard.check(url)

    async def gate(route: Any) -> None:
        target = route.request.url
        if not fetcher.guard.allows(target) or not fetcher.allowed_by_robots(target):
            await route.abort()
            return
        await route.continue_()

    async with fetcher.slots.slot(host_key(url)):
        async with async_playwright() as pw:
            exe = _chromium_path()
            browser = await pw.chromium.launch(headless=True, **({"executable_path": exe} if exe else {}))
            try:
                context = await browser.new_context(
                    user_agent=fetcher.ua, extra_http_headers={"Accept-Language": cfg.accept_language}
                )
                page = await context.new_page()
                await page.route("**/*", gate)
                await page.goto(url, wait_until="networkidle", timeout=cfg.timeout * 1000)
                return await page.content()
            finally:
                await browser.close()
