"""Where and how a language model is called: the settings the LLM cleaning phase
(``corpus.llm``) and the augmentation backends (``corpus.augment.llm``) share."""

from pydantic import Field

from presstune.schema import Strict


class LLMClientConfig(Strict):
    """A local transformers model or an OpenAI-compatible endpoint (the client is corpus.llm's)."""

    #: Hub id or local path (transformers), or the model name sent to the endpoint (openai).
    model: str
    #: Endpoint base URL for the openai backend, e.g. http://127.0.0.1:8000 (POST {url}/v1/chat/completions).
    url: str | None = None
    #: Name of the environment variable holding the endpoint's API key (never the key itself).
    api_key_env: str = "OPENAI_API_KEY"
    batch_size: int = Field(4, ge=1)
    max_new_tokens: int = Field(4096, ge=1)
    temperature: float = 0.0
    timeout: float = Field(300.0, gt=0)
    concurrency: int = Field(4, ge=1)
