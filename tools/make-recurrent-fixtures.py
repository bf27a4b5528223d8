#!/usr/bin/python3
"""Writes the recurrent-layer fixtures (tests/DenseGen.Tests/Fixtures/recurrent/): what PyTorch's nn.LSTM and nn.GRU
compute, forward and backward, for the tests' double-precision reference (tests/DenseGen.Tests/Recurrent/) and for the
recurrent layers to come. The outputs are committed, so the tests need neither PyTorch nor this script.

Each case is a model of the named kind, input size, hidden size and layers (batch_first), a nonzero initial state and an
input of [streams, steps, input] values. One file <case>.safetensors holds, as F32: the state dict under PyTorch's names
(weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then _l1), h0 (and c0 for an LSTM) [layers, streams, hidden], x,
r [streams, steps, hidden], and what PyTorch computes in float32: output [streams, steps, hidden], h_n (and c_n)
[layers, streams, hidden], and the gradients of L = sum(output * r) as grad.<name> for every weight and bias, grad.x,
grad.h0 (and grad.c0). The same model converted with .double() and run on the same values (each float32 widened
exactly) gives the same results as F64 under the names prefixed f64. (f64.output, f64.grad.x, ...). The header's
metadata names the case's shape (kind, input_size, hidden_size, num_layers, streams, steps).

Each one-stream case is also exported with torch.onnx.export (opset 14) as <case>.onnx: inputs x [1, steps, input]
(steps dynamic), initial_h and, for an LSTM, initial_c [layers, 1, hidden]; outputs output, h_n and, for an LSTM, c_n.

Each case of 200 steps is also exported for [OnnxModel], which compiles a constant number of steps and reads a graph
input's leading dimension as the batch, as onnxmodel/<case>.onnx: the module BatchMajor below, traced on the case's
values, with inputs x [batch, 200, input] (the steps fixed, the batch dynamic), initial_h and, for an LSTM, initial_c
[batch, layers, hidden] (each stream's state, turned time-major by a Transpose before the layer), and outputs output
[batch, 200, hidden], h_n and c_n [batch, layers, hidden].

The cases with a head (heads/<name>.safetensors and .onnx, HEAD_CASES below) are the models amp and effect users
export: the layer (zero initial state, batch_first) with a Linear applied at every step after it, exported as PyTorch
writes them (a MatMul of [batch, steps, hidden] and an Add of the bias), then a skip connection adding the input or a
tanh. One is exported with the batch dynamic, one with torch.onnx.export's defaults (every dimension fixed, the batch
at 1). Each .safetensors holds the layer's state dict, head.weight and head.bias, h0 (and c0) of zeros, x, and the
model's output y computed in float64 as f64.y; its metadata adds head ("residual" or "tanh").

Run with Debian's Python and packages (apt-get install python3-torch python3-onnx):
    /usr/bin/python3 tools/make-recurrent-fixtures.py                    # every case
    /usr/bin/python3 tools/make-recurrent-fixtures.py gru_in1_h8_l2_s5_t200  # only the named cases

Each case seeds PyTorch itself and PyTorch runs on one thread, so writing one case alone gives the same bytes as
writing them all, and writing them again changes nothing.
"""

import json
import os
import struct

import onnx
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "DenseGen.Tests", "Fixtures", "recurrent")
OPSET = 14

# (kind, input size, hidden size, layers, streams, steps, seed). Every (input, hidden) pair, layer count, stream count
# and sequence length appears with both kinds; the 64-wide cases with 5 streams or 2 layers run one step to keep the
# folder small.
CASES = [
    ("lstm", 1, 8, 1, 1, 200, 3001),
    ("lstm", 1, 8, 2, 5, 200, 3002),
    ("lstm", 3, 40, 2, 5, 1, 3003),
    ("lstm", 3, 40, 1, 1, 200, 3004),
    ("lstm", 2, 64, 1, 1, 200, 3005),
    ("gru", 1, 8, 2, 5, 200, 3006),
    ("gru", 1, 8, 1, 1, 1, 3007),
    ("gru", 3, 40, 2, 1, 200, 3008),
    ("gru", 2, 64, 1, 5, 1, 3009),
    ("gru", 2, 64, 1, 1, 200, 3010),
]

# (kind, input size, hidden size, head outputs, head, streams, steps, batch dynamic, seed).
HEAD_CASES = [
    ("lstm", 1, 16, 1, "residual", 3, 100, True, 3011),
    ("gru", 2, 8, 3, "tanh", 1, 100, False, 3012),
]


def case_name(kind, inputs, hidden, layers, streams, steps):
    return f"{kind}_in{inputs}_h{hidden}_l{layers}_s{streams}_t{steps}"


def write_safetensors(path, tensors, metadata):
    """Writes tensors in the safetensors format (an 8-byte header length, a JSON header, raw little-endian data) with
    each tensor's own dtype (F32 or F64), sorted by name as the reference writer does."""
    dtypes = {torch.float32: ("F32", "<f4"), torch.float64: ("F64", "<f8")}
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        tensor = tensors[name].detach().contiguous()
        dtype, code = dtypes[tensor.dtype]
        data = tensor.numpy().astype(code).tobytes()
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


class Recurrent(torch.nn.Module):
    """The layer with its initial state as inputs, in the form the ONNX export takes: forward(x, h0[, c0])."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, h0, c0=None):
        if c0 is None:
            output, h_n = self.layer(x, h0)
            return output, h_n
        output, (h_n, c_n) = self.layer(x, (h0, c0))
        return output, h_n, c_n


class BatchMajor(torch.nn.Module):
    """The layer as [OnnxModel] compiles it: every input and output led by the batch (a sample is one stream's whole
    sequence), the states [batch, layers, hidden] turned to and from PyTorch's [layers, batch, hidden]."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, h0, c0=None):
        h0 = h0.transpose(0, 1)
        if c0 is None:
            output, h_n = self.layer(x, h0)
            return output, h_n.transpose(0, 1)
        output, (h_n, c_n) = self.layer(x, (h0, c0.transpose(0, 1)))
        return output, h_n.transpose(0, 1), c_n.transpose(0, 1)


def run(model, x, states, r):
    """Forward and backward of L = sum(output * r): the results and the gradients of the weights, x and the states."""
    x = x.clone().requires_grad_(True)
    states = [s.clone().requires_grad_(True) for s in states]
    model.zero_grad()
    results = model(x, *states)
    (results[0] * r).sum().backward()
    names = ["output", "h_n", "c_n"]
    out = {names[i]: value for i, value in enumerate(results)}
    for name, parameter in model.layer.named_parameters():
        out["grad." + name] = parameter.grad
    out["grad.x"] = x.grad
    for name, state in zip(["h0", "c0"], states):
        out["grad." + name] = state.grad
    return out


def write_case(kind, inputs, hidden, layers, streams, steps, seed):
    name = case_name(kind, inputs, hidden, layers, streams, steps)
    torch.manual_seed(seed)
    cls = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
    model = Recurrent(cls(inputs, hidden, num_layers=layers, batch_first=True))
    x = torch.randn(streams, steps, inputs)
    states = [torch.randn(layers, streams, hidden) * 0.5 for _ in range(2 if kind == "lstm" else 1)]
    r = torch.randn(streams, steps, hidden)

    tensors = {n: p.detach().clone() for n, p in model.layer.state_dict().items()}
    tensors.update({"x": x, "r": r, "h0": states[0]})
    if kind == "lstm":
        tensors["c0"] = states[1]
    tensors.update(run(model, x, states, r))

    # The same model and values in double: every float32 converts exactly, so only the arithmetic differs.
    wide = Recurrent(cls(inputs, hidden, num_layers=layers, batch_first=True))
    wide.load_state_dict(model.state_dict())
    wide = wide.double()
    for n, value in run(wide, x.double(), [s.double() for s in states], r.double()).items():
        tensors["f64." + n] = value

    metadata = {"producer": "PyTorch " + torch.__version__, "kind": kind, "input_size": str(inputs),
                "hidden_size": str(hidden), "num_layers": str(layers), "streams": str(streams), "steps": str(steps)}
    write_safetensors(os.path.join(OUT, name + ".safetensors"), tensors, metadata)

    if streams == 1:
        path = os.path.join(OUT, name + ".onnx")
        input_names = ["x", "initial_h"] + (["initial_c"] if kind == "lstm" else [])
        output_names = ["output", "h_n"] + (["c_n"] if kind == "lstm" else [])
        torch.onnx.export(model, (x, *states), path, opset_version=OPSET, input_names=input_names,
                          output_names=output_names, dynamic_axes={"x": {1: "steps"}, "output": {1: "steps"}})
        onnx.checker.check_model(onnx.load(path))

    if steps > 1:
        os.makedirs(os.path.join(OUT, "onnxmodel"), exist_ok=True)
        path = os.path.join(OUT, "onnxmodel", name + ".onnx")
        input_names = ["x", "initial_h"] + (["initial_c"] if kind == "lstm" else [])
        output_names = ["output", "h_n"] + (["c_n"] if kind == "lstm" else [])
        batch_major = [s.transpose(0, 1).contiguous() for s in states]
        torch.onnx.export(BatchMajor(model.layer), (x, *batch_major), path, opset_version=OPSET, input_names=input_names,
                          output_names=output_names, dynamic_axes={n: {0: "batch"} for n in input_names + output_names})
        onnx.checker.check_model(onnx.load(path))


class WithHead(torch.nn.Module):
    """A recurrent layer from a zero state, then a Linear at every step, then the input added (the skip connection of
    amp models, whose head has as many outputs as inputs) or a tanh."""

    def __init__(self, kind, inputs, hidden, outputs, head):
        super().__init__()
        cls = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
        self.rec = cls(inputs, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, outputs)
        self.head_kind = head

    def forward(self, x):
        y = self.head(self.rec(x)[0])
        return y + x if self.head_kind == "residual" else torch.tanh(y)


def head_case_name(kind, inputs, hidden, outputs, head, streams, steps, dynamic):
    return f"{kind}_in{inputs}_h{hidden}_{head}{outputs}_s{streams}_t{steps}" + ("" if dynamic else "_fixed")


def write_head_case(kind, inputs, hidden, outputs, head, streams, steps, dynamic, seed):
    name = head_case_name(kind, inputs, hidden, outputs, head, streams, steps, dynamic)
    torch.manual_seed(seed)
    model = WithHead(kind, inputs, hidden, outputs, head)
    x = torch.randn(streams, steps, inputs)
    tensors = {n: p.detach().clone() for n, p in model.rec.state_dict().items()}
    tensors.update({"head.weight": model.head.weight.detach().clone(), "head.bias": model.head.bias.detach().clone(), "x": x})
    for state in ["h0", "c0"] if kind == "lstm" else ["h0"]:
        tensors[state] = torch.zeros(1, streams, hidden)
    wide = WithHead(kind, inputs, hidden, outputs, head)
    wide.load_state_dict(model.state_dict())
    with torch.no_grad():
        tensors["f64.y"] = wide.double()(x.double())
    metadata = {"producer": "PyTorch " + torch.__version__, "kind": kind, "input_size": str(inputs),
                "hidden_size": str(hidden), "num_layers": "1", "streams": str(streams), "steps": str(steps), "head": head}
    folder = os.path.join(OUT, "heads")
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, name + ".safetensors"), tensors, metadata)
    path = os.path.join(folder, name + ".onnx")
    torch.onnx.export(model, (x,), path, opset_version=OPSET, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}} if dynamic else None)
    onnx.checker.check_model(onnx.load(path))


def main(names):
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    for case in CASES:
        if not names or case_name(*case[:6]) in names:
            write_case(*case)
    for case in HEAD_CASES:
        if not names or head_case_name(*case[:8]) in names:
            write_head_case(*case)


if __name__ == "__main__":
    import sys
    main(sys.argv[1:])
