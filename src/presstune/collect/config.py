from presstune.schema import Strict


class CollectConfig(Strict):
    """Where and how politely to collect press releases."""

    base_url: str = "https://www.press.bmwgroup.com/global"
    language: str = "en"
    #: Collect only the newest N articles (after filters); None = all.
    target: int | None = None
    date_from: str | None = None
    date_to: str | None = None
    concurrency_per_host: int = 4
    min_delay: float = 0.25
    timeout: float = 30.0
    max_retries: int = 5
    max_pdf_bytes: int = 50 * 1024 * 1024
    #: Exit non-zero when more than this share of items failed.
    max_failure_share: float = 0.2
