from typing import Literal

from presstune.schema import Strict


class TrainConfig(Strict):
    method: Literal["lora", "qlora", "full"] = "lora"
    backend: Literal["hf", "unsloth"] = "hf"
    learning_rate: float = 2e-4
    epochs: float = 3.0
    max_steps: int = -1
    per_device_batch_size: int = 4
    gradient_accumulation_steps: int = 4
    max_seq_length: int = 2048
    packing: bool = True
    warmup_ratio: float = 0.05
    lr_scheduler: str = "cosine"
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: list[str] = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    save_steps: int = 100
    eval_steps: int = 100
    report_to: list[str] = ["tensorboard"]
