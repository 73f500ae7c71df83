"""LoRA inputs left to autocast: bit-identical loss and gradients, fewer bytes kept for backward."""

from __future__ import annotations

from types import SimpleNamespace

import torch
from peft import LoraConfig, get_peft_model
from transformers import Qwen3Config, Qwen3ForCausalLM

from presstune.config.train import TrainConfig
from presstune.train.callbacks import LoraAutocastInputCallback
from presstune.train.trainer import speed_callbacks


def _lora_model():
    torch.manual_seed(0)
    cfg = Qwen3Config(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
    )
    base = Qwen3ForCausalLM(cfg).to(torch.bfloat16)
    model = get_peft_model(
        base, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"], init_lora_weights=False)
    )  # non-zero B: every adapter matters
    assert model.base_model.model.model.layers[0].self_attn.q_proj.lora_A["default"].weight.dtype == torch.float32
    return model


def _step(model, ids):
    """Loss, LoRA gradients and the bytes autograd keeps for backward (distinct storages: a tensor
    saved by several ops is kept once), under CPU bf16 autocast."""
    kept: dict[int, int] = {}

    def pack(t):
        storage = t.untyped_storage()
        kept[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), torch.autocast("cpu", dtype=torch.bfloat16):
        loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    grads = [p.grad.clone() for p in model.parameters() if p.requires_grad]
    return loss.detach(), grads, sum(kept.values())


def test_autocast_inputs_give_identical_results_and_keep_less():
    ids = torch.randint(0, 128, (2, 32), generator=torch.Generator().manual_seed(1))
    ref_loss, ref_grads, ref_kept = _step(_lora_model(), ids)

    model = _lora_model()
    cb = LoraAutocastInputCallback()
    cb.on_train_begin(SimpleNamespace(bf16=True, fp16=False), None, None, model=model)
    assert len(cb.changed) == 2 * 3  # 2 layers x (q_proj, v_proj, down_proj)
    loss, grads, kept = _step(model, ids)
    assert torch.equal(loss, ref_loss)
    for g, r in zip(grads, ref_grads, strict=True):
        assert torch.equal(g, r)
    assert kept < ref_kept  # the bf16 copies of every adapted input are gone

    cb.on_train_end(None, None, None)
    assert all(m.cast_input_dtype_enabled for m in model.modules() if hasattr(m, "cast_input_dtype_enabled"))


def test_no_change_without_mixed_precision():
    model = _lora_model()
    cb = LoraAutocastInputCallback()
    cb.on_train_begin(SimpleNamespace(bf16=False, fp16=False), None, None, model=model)
    assert cb.changed == []
    assert all(m.cast_input_dtype_enabled for m in model.modules() if hasattr(m, "cast_input_dtype_enabled"))


def test_only_lora_methods_get_the_callback():
    kinds = lambda cfg: [type(cb).__name__ for cb in speed_callbacks(cfg)]  # noqa: E731
    assert kinds(TrainConfig(method="lora")) == ["LoraAutocastInputCallback"]
    assert kinds(TrainConfig(method="full")) == []
    assert kinds(TrainConfig(method="lora", lora_autocast_inputs=False)) == []


def test_qlora_preparation_keeps_bf16_parts_bf16_and_freezes():
    """bf16: no fp32 copies of embeddings/norms/LM head (they double activation memory); fp16:
    PEFT's upcast stays. Run on a plain bf16 model: bitsandbytes' 4-bit layers need CUDA."""
    from presstune.train.trainer import prepare_4bit_for_training

    torch.manual_seed(0)
    cfg = Qwen3Config(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
    )
    bf16 = prepare_4bit_for_training(Qwen3ForCausalLM(cfg).to(torch.bfloat16), TrainConfig(method="qlora"), "bf16")
    assert all(p.dtype == torch.bfloat16 and not p.requires_grad for p in bf16.parameters())
    fp16 = prepare_4bit_for_training(Qwen3ForCausalLM(cfg).to(torch.float16), TrainConfig(method="qlora"), "fp16")
    assert all(p.dtype == torch.float32 and not p.requires_grad for p in fp16.parameters())
