"""The demo tokenizer renders chats like Qwen3 and round-trips text; tiny models run."""

import torch


def test_tokenizer_roundtrip_and_specials(tiny_tokenizer):
    text = "Munich. Die BMW Group präsentiert das Modell für € 68,900."
    ids = tiny_tokenizer(text)["input_ids"]
    assert tiny_tokenizer.decode(ids) == text
    assert tiny_tokenizer.convert_tokens_to_ids("<|im_end|>") == tiny_tokenizer.eos_token_id
    assert tiny_tokenizer.pad_token == "<|endoftext|>"


def test_chat_template_matches_qwen3_shape(tiny_tokenizer):
    msgs = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    prompt = tiny_tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True, enable_thinking=False)
    assert (
        prompt == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n"
        "<|im_start|>assistant\n<think>\n\n</think>\n\n"
    )
    full = tiny_tokenizer.apply_chat_template(msgs + [{"role": "assistant", "content": "A"}], tokenize=False)
    assert full == prompt + "A<|im_end|>\n"


def test_tiny_model_forward(tiny_qwen3, tiny_tokenizer):
    model = tiny_qwen3(num_hidden_layers=2)
    out = model(torch.tensor([tiny_tokenizer("BMW iX3")["input_ids"]]))
    assert out.logits.shape[-1] == len(tiny_tokenizer)
