from presstune.schema import Strict


class EvaluateConfig(Strict):
    window: int = 2048
    stride: int = 1024
    batch_size: int = 8
    se_samples: int = 10
