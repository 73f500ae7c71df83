"""The training setup's error, raised by the attention and variant setup alike."""


class TrainSetupError(RuntimeError):
    """The requested training setup cannot run here (no CUDA for QLoRA, missing package...)."""
