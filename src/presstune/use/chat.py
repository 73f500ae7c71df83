"""Talk to a run's variant: load it (adapter merged), render the chat template with thinking
off, stream the answer token by token (transformers' TextStreamer)."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from presstune.console import console
from presstune.evaluate.perplexity import end_of_turn_id, render_prompt
from presstune.models.checkpoints import ModelSourceError, load_model, resolve_variant
from presstune.prompts import chat_prompt, run_system_prompt
from presstune.records import ChatMessage
from presstune.rundir import RunDir
from presstune.use.retrieval import Retriever, with_passages


class ChatError(RuntimeError):
    """A variant or checkpoint that cannot be loaded; the message names it."""


def available_variants(run_dir: Path) -> list[str]:
    run = RunDir(run_dir)
    names = {p.name for folder in (run.checkpoints, run.variants) if folder.is_dir() for p in folder.iterdir()}
    return ["base", *sorted(n for n in names if run.checkpoint(n).is_dir() or run.variant(n).is_dir())]


class Assistant:
    """One loaded variant of a run, the chat history, and an optional retriever."""

    def __init__(self, run_dir: Path, config: Any, retriever: Retriever | None = None, max_new_tokens: int = 256):
        self.run_dir = Path(run_dir)
        self.config = config
        self.retriever = retriever
        self.max_new_tokens = max_new_tokens
        self.history: list[ChatMessage] = []
        self.variant: str | None = None
        self.model = None
        self.tokenizer = None

    def load(self, variant: str) -> None:
        try:
            source = resolve_variant(self.run_dir, variant, self.config)
            model, tokenizer = load_model(source, self.config.evaluate, self.config)
        except (ModelSourceError, OSError, ValueError) as exc:
            known = ", ".join(available_variants(self.run_dir))
            raise ChatError(
                f"cannot load variant {variant!r} of {self.run_dir}: {exc} (variants here: {known})"
            ) from exc
        self.model, self.tokenizer, self.variant = model, tokenizer, variant
        self.history = []  # a new model starts a new conversation

    def messages(self, question: str) -> list[ChatMessage]:
        user = question
        if self.retriever is not None:
            user = with_passages(question, self.retriever.search(question))
        *system, ask = chat_prompt(run_system_prompt(self.config), user)
        return [*system, *self.history, ask]

    def answer(self, question: str, out: IO[str]) -> str:
        """Stream the answer to ``out``; the question and answer join the history."""
        import torch
        from transformers import TextStreamer

        if self.model is None:
            raise ChatError("no variant loaded")
        tokenizer = self.tokenizer
        prompt = render_prompt(tokenizer, self.messages(question))
        ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
        ids = ids.to(next(self.model.parameters()).device)
        eot = end_of_turn_id(tokenizer)

        class _Streamer(TextStreamer):
            def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
                out.write(text + ("\n" if stream_end else ""))
                out.flush()

        streamer = _Streamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        with torch.inference_mode():
            generated = self.model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=self.max_new_tokens,
                do_sample=False,
                eos_token_id=eot,
                pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eot,
                streamer=streamer,
            )
        new_ids = generated[0, ids.shape[1] :]
        text = tokenizer.decode(new_ids, skip_special_tokens=True).strip()
        if not text:
            # A small or badly tuned model can end its turn at once; an empty line alone reads as a hang or a bug.
            from rich.markup import escape

            why = (
                "it ended its turn at once"
                if len(new_ids) and int(new_ids[0]) == eot
                else f"its {len(new_ids)} new tokens were whitespace or special tokens"
            )
            console.print(f"[yellow]{escape(str(self.variant))} gave no answer: {why}[/]", soft_wrap=True)
        self.history += [{"role": "user", "content": question}, {"role": "assistant", "content": text}]
        return text
