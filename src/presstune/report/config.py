from presstune.schema import Strict


class ReportConfig(Strict):
    title: str = "presstune report"
