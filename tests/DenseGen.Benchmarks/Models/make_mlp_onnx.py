#!/usr/bin/python3
"""Writes mlp-784-128-10.onnx, the ONNX Runtime peer's model in the benchmarks.

The 784 -> 128 (ReLU) -> 10 MLP written the way torch.onnx.export writes nn.Linear: Gemm with transB = 1
(weights [out, in], the layout DenseGen keeps too), then Relu; a dynamic batch dimension; opset 17.
The weights come from a small integer hash that MlpWeights.cs computes the same way, so both sides hold
the same floats without shipping them twice. Every value is an integer over a power of two, exact in float32.

Run with Debian's python3-onnx (apt-get install python3-onnx):
    /usr/bin/python3 tests/DenseGen.Benchmarks/Models/make_mlp_onnx.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MASK = 0xFFFFFFFF


def hashed_values(tensor: int, count: int, scale_exponent: int) -> np.ndarray:
    """Uniform values in [-2^scale_exponent, 2^scale_exponent); mirrors MlpWeights.Value."""
    n = np.arange(count, dtype=np.uint64)
    h = (n * 2654435761 + tensor * 40503 + 12345) & MASK
    h ^= h >> 15
    h = (h * 2246822519) & MASK
    h ^= h >> 13
    mantissa = (h >> 8).astype(np.int64) - (1 << 23)  # in [-2^23, 2^23)
    return (mantissa.astype(np.float64) * 2.0 ** (scale_exponent - 23)).astype(np.float32)


def main() -> None:
    w1 = hashed_values(0, 128 * 784, -5).reshape(128, 784)
    b1 = hashed_values(1, 128, -5)
    w2 = hashed_values(2, 10 * 128, -4).reshape(10, 128)
    b2 = hashed_values(3, 10, -4)

    initializers = [
        numpy_helper.from_array(w1, "hidden.weight"),
        numpy_helper.from_array(b1, "hidden.bias"),
        numpy_helper.from_array(w2, "output.weight"),
        numpy_helper.from_array(b2, "output.bias"),
    ]
    nodes = [
        helper.make_node("Gemm", ["input", "hidden.weight", "hidden.bias"], ["hidden_linear"],
                         name="/hidden/Gemm", alpha=1.0, beta=1.0, transB=1),
        helper.make_node("Relu", ["hidden_linear"], ["hidden_relu"], name="/relu/Relu"),
        helper.make_node("Gemm", ["hidden_relu", "output.weight", "output.bias"], ["logits"],
                         name="/output/Gemm", alpha=1.0, beta=1.0, transB=1),
    ]
    graph = helper.make_graph(
        nodes, "mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 784])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="DenseGen benchmarks")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlp-784-128-10.onnx")
    onnx.save(model, path)
    print(f"wrote {path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
