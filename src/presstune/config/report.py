from pydantic import Field

from presstune.schema import Strict


class ReportConfig(Strict):
    title: str = Field("presstune report", description="The report's title.")
    max_prompts: int = Field(
        8, ge=0, description="Prompts shown side by side in the generations table (all are in metrics/generations/)."
    )
    clip_chars: int = Field(
        1200, ge=50, description="Characters of each generation shown in the HTML page (README shows half)."
    )
    qa_examples: int = Field(
        6,
        ge=0,
        description="Knowledge questions shown with each variant's answer (the first of the evaluation's subsample).",
    )
