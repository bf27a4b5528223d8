#!/usr/bin/python3
"""Writes the sequence-network fixtures (tests/DenseGen.Tests/Fixtures/sequence-networks/): PyTorch modules that
chain a dense layer, a recurrent one and a dense head, as a [Sequential] network with recurrent fields does, for the
tests that load a PyTorch model by its state dict's names. The outputs are committed, so the tests need neither PyTorch
nor this script.

Each case is a module with the attributes `features` (nn.Linear, then the named activation), `rec` (nn.LSTM or nn.GRU,
batch_first, starting from zeros) and `head` (nn.Linear), applied at every time step. <case>.safetensors holds the
module's state dict alone, as F32 (features.weight, ..., rec.weight_ih_l0, ..., head.bias: no initial state, which
PyTorch's modules do not have), as safetensors.torch.save_file would write it; <case>.io.safetensors holds x
[streams, steps, input] F32 and the module's output in float64 (.double() on the same values, each float32 widened
exactly) as f64.output [streams, steps, output]. <case>.onnx is torch.onnx.export of the float
module (opset 14) for one stream: input x [1, steps, input] (steps dynamic), output y.

Run with Debian's Python and packages (apt-get install python3-torch python3-onnx):
    /usr/bin/python3 tools/make-sequence-network-fixtures.py
Each case seeds PyTorch itself and PyTorch runs on one thread, so writing them again changes nothing.
"""

import importlib.util
import os

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "DenseGen.Tests", "Fixtures", "sequence-networks")
OPSET = 14

# The writer of the recurrent-layer fixtures, shared rather than repeated.
_spec = importlib.util.spec_from_file_location("recurrent_fixtures", os.path.join(os.path.dirname(os.path.abspath(__file__)), "make-recurrent-fixtures.py"))
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

# (name, kind, inputs, features, activation, hidden, layers, outputs, streams, steps, seed)
CASES = [
    ("network_lstm", "lstm", 2, 8, "tanh", 16, 2, 1, 3, 20, 4001),
    ("network_gru", "gru", 3, 6, "none", 8, 1, 2, 2, 20, 4002),
]


class Network(torch.nn.Module):
    def __init__(self, kind, inputs, features, activation, hidden, layers, outputs):
        super().__init__()
        self.features = torch.nn.Linear(inputs, features)
        self.activation = activation
        cell = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
        self.rec = cell(features, hidden, num_layers=layers, batch_first=True)
        self.head = torch.nn.Linear(hidden, outputs)

    def forward(self, x):
        f = self.features(x)
        if self.activation == "tanh":
            f = torch.tanh(f)
        y, _ = self.rec(f)
        return self.head(y)


def write_case(name, kind, inputs, features, activation, hidden, layers, outputs, streams, steps, seed):
    torch.manual_seed(seed)
    model = Network(kind, inputs, features, activation, hidden, layers, outputs)
    x = torch.rand(streams, steps, inputs) * 2 - 1
    with torch.no_grad():
        reference = model.double()(x.double())
    model = model.float()
    state = {key: value.float() for key, value in model.state_dict().items()}
    _fixtures.write_safetensors(os.path.join(OUT, name + ".safetensors"), state, {"format": "pt"})
    metadata = {"kind": kind, "streams": str(streams), "steps": str(steps)}
    _fixtures.write_safetensors(os.path.join(OUT, name + ".io.safetensors"), {"x": x, "f64.output": reference}, metadata)
    torch.onnx.export(model, (x[:1],), os.path.join(OUT, name + ".onnx"), opset_version=OPSET, input_names=["x"],
                      output_names=["y"], dynamic_axes={"x": {1: "steps"}, "y": {1: "steps"}})
    print(name)


def main():
    torch.set_num_threads(1)
    for case in CASES:
        write_case(*case)


if __name__ == "__main__":
    main()
