"""Where and how a language model is called: the settings the LLM cleaning phase
(``corpus.llm``) and the augmentation backends (``corpus.augment.llm``) share."""

from pydantic import Field

from presstune.schema import Strict


class LLMClientConfig(Strict):
    """A local transformers model or an OpenAI-compatible endpoint (the client is corpus.llm's)."""

    model: str = Field(
        description="Hub id or local path (transformers), or the model name sent to the endpoint (openai)."
    )
    url: str | None = Field(
        None,
        description=(
            "Endpoint base URL for the openai backend, e.g. http://127.0.0.1:8000 (POST {url}/v1/chat/completions)."
        ),
    )
    api_key_env: str = Field(
        "OPENAI_API_KEY",
        description="Name of the environment variable holding the endpoint's API key (never the key itself).",
    )
    batch_size: int = Field(4, ge=1, description="Prompts per generate call (transformers backend).")
    max_new_tokens: int = Field(4096, ge=1, description="Upper bound on tokens per answer.")
    temperature: float = Field(
        0.0, description="Sampling temperature; 0 = greedy, so that a cached answer is the answer."
    )
    timeout: float = Field(300.0, gt=0, description="Seconds per request to the endpoint (openai backend).")
    concurrency: int = Field(4, ge=1, description="Requests in flight at once to the endpoint (openai backend).")
