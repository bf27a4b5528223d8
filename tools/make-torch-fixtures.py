#!/usr/bin/python3
"""Writes the PyTorch fixtures that DenseGen's import tests read (tests/DenseGen.Tests/Fixtures/torch/).

PyTorch builds small multilayer perceptrons and game policies, exports each through torch.onnx.export at several opsets, writes
the first's state_dict as safetensors (the format is an 8-byte length, a JSON header and raw little-endian data,
written here by hand), and records inputs, outputs and input gradients. A third ONNX file of the first model's
weights is written with onnx.helper in the forms other exporters use (transB = 0, float_data, Reshape, Identity).
The outputs are committed, so the tests need neither PyTorch nor this script.

Run with Debian's Python and packages (apt-get install python3-torch python3-onnx):
    /usr/bin/python3 tools/make-torch-fixtures.py            # every fixture
    /usr/bin/python3 tools/make-torch-fixtures.py nobias     # only the named groups, leaving the rest as committed

Groups: mlp, nobias, elu, silu, leaky02, policy (Godot RL Agents' form), mlagents (Unity ML-Agents' form: continuous,
discrete and hybrid heads, opsets 9, 13 and 17), policy650k (a Godot-form policy of 650k parameters), sample, shapes (a
Godot-form policy whose export computes shapes).

Each group seeds PyTorch itself, so writing one group alone gives the same files as writing them all.
"""

import json
import os
import struct

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "DenseGen.Tests", "Fixtures", "torch")


class MatMulLinear(torch.nn.Module):
    """A linear layer stored [in, out] and computed x @ W + b, which exports as MatMul then Add, not Gemm."""

    def __init__(self, inputs, outputs):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(inputs, outputs) / inputs ** 0.5)
        self.b = torch.nn.Parameter(torch.randn(outputs) * 0.1)

    def forward(self, x):
        return torch.matmul(x, self.w) + self.b


def write_safetensors(path, tensors, metadata=None):
    """Writes float32 tensors in the safetensors format, sorted by name as the reference writer does."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    blobs = []
    for name in sorted(tensors):
        data = tensors[name].detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def record(model, inputs, name):
    """Runs the model forward and backward on a fixed batch and writes x, dy, y and dx = dL/dx for L = sum(y * dy)."""
    x = torch.randn(5, inputs, requires_grad=True)
    y = model(x)
    dy = torch.randn_like(y)
    (y * dy).sum().backward()
    write_safetensors(os.path.join(OUT, name + ".expected.safetensors"), {"x": x, "dy": dy, "y": y, "dx": x.grad},
                      {"producer": "PyTorch " + torch.__version__})


def export(model, inputs, name, opset):
    path = os.path.join(OUT, f"{name}.opset{opset}.onnx")
    torch.onnx.export(model, torch.randn(1, inputs), path, opset_version=opset, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    onnx.checker.check_model(onnx.load(path))


def helper_model(mlp):
    """The first model's weights as other exporters write them: Reshape, Gemm with W stored [in, out] (transB = 0)
    in float_data, Identity, and Gemm with raw_data."""
    (l0, _, l2, _, l4) = mlp
    def floats(name, tensor):  # float_data
        return helper.make_tensor(name, TensorProto.FLOAT, list(tensor.shape), tensor.detach().numpy().flatten().tolist())
    def raw(name, tensor):  # raw_data
        return numpy_helper.from_array(tensor.detach().numpy().astype(np.float32), name)
    initializers = [
        helper.make_tensor("shape", TensorProto.INT64, [2], [-1, 5]),
        floats("w0", l0.weight.t()), floats("b0", l0.bias),
        raw("w2", l2.weight), raw("b2", l2.bias),
        raw("w4", l4.weight), raw("b4", l4.bias),
    ]
    nodes = [
        helper.make_node("Reshape", ["x", "shape"], ["r"], name="reshape"),
        helper.make_node("Gemm", ["r", "w0", "b0"], ["g0"], name="fc0", transB=0),
        helper.make_node("Relu", ["g0"], ["a0"], name="relu0"),
        helper.make_node("Identity", ["a0"], ["i0"], name="identity"),
        helper.make_node("Gemm", ["i0", "w2", "b2"], ["g2"], name="fc2", transB=1, alpha=1.0, beta=1.0),
        helper.make_node("Tanh", ["g2"], ["a2"], name="tanh2"),
        helper.make_node("Gemm", ["a2", "w4", "b4"], ["y"], name="fc4", transB=1),
    ]
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx.helper")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, "mlp.helper.onnx"))


def bias_free():
    """Linear layers without a bias (nn.Linear(bias=False)): the state dict has weights alone, and the ONNX export has a
    MatMul (or a Gemm without C) and no Add."""
    torch.manual_seed(2027)
    model = torch.nn.Sequential(torch.nn.Linear(6, 5, bias=False), torch.nn.Tanh(), torch.nn.Linear(5, 3, bias=False)).eval()
    write_safetensors(os.path.join(OUT, "nobias.safetensors"), model.state_dict(), {"format": "pt"})
    record(model, 6, "nobias")
    for opset in (9, 17):
        export(model, 6, "nobias", opset)


def elu():
    """ELU layers (nn.ELU(), alpha 1), which export as Elu; the second layer's output is the network's last
    activation, kept for Backward."""
    torch.manual_seed(2028)
    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ELU(), torch.nn.Linear(5, 4), torch.nn.ELU(),
                                torch.nn.Linear(4, 2)).eval()
    write_safetensors(os.path.join(OUT, "elu.safetensors"), model.state_dict(), {"format": "pt"})
    record(model, 6, "elu")
    for opset in (9, 17):
        export(model, 6, "elu", opset)


def silu():
    """SiLU layers (nn.SiLU(), ML-Agents' swish), which export as Sigmoid then Mul of the layer's output."""
    torch.manual_seed(2029)
    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.SiLU(), torch.nn.Linear(5, 4), torch.nn.SiLU(),
                                torch.nn.Linear(4, 2)).eval()
    write_safetensors(os.path.join(OUT, "silu.safetensors"), model.state_dict(), {"format": "pt"})
    record(model, 6, "silu")
    for opset in (9, 17):
        export(model, 6, "silu", opset)


def leaky02():
    """A leaky ReLU of slope 0.2 (Keras' and TensorFlow's usual one), which a layer of NegativeSlope = 0.2 loads and a
    layer of the default 0.01 refuses."""
    torch.manual_seed(2030)
    model = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.LeakyReLU(0.2), torch.nn.Linear(7, 4), torch.nn.Tanh(),
                                torch.nn.Linear(4, 3)).eval()
    write_safetensors(os.path.join(OUT, "leaky02.safetensors"), model.state_dict(), {"format": "pt"})
    record(model, 5, "leaky02")
    for opset in (13, 17):
        export(model, 5, "leaky02", opset)


class GodotPolicy(torch.nn.Module):
    """A policy in the form Godot RL Agents' exporter writes (its stable-baselines3 wrapper): the observation flattened
    and joined by a one-input Concat, tanh layers (two of 64 unless told), the action logits; and the recurrent-state
    input passed through to an output unchanged."""

    def __init__(self, observations, actions, hidden=(64, 64)):
        super().__init__()
        self.flatten = torch.nn.Flatten()
        layers = []
        for inputs, outputs in zip((observations,) + tuple(hidden[:-1]), hidden):
            layers += [torch.nn.Linear(inputs, outputs), torch.nn.Tanh()]
        self.policy_net = torch.nn.Sequential(*layers)
        self.action_net = torch.nn.Linear(hidden[-1], actions)

    def forward(self, obs, state_ins):
        features = torch.cat([self.flatten(obs)], dim=1)
        return self.action_net(self.policy_net(features)), state_ins


def godot_policy():
    """policy.opset9.onnx, policy.opset13.onnx and policy.opset17.onnx: a Godot RL Agents-form policy of 10 observations
    and 3 actions, exported as its exporter does (opset 9 there; 13 and 17 as a newer PyTorch would), with a batch of
    observations and the actions PyTorch computes for them (policy.expected.safetensors: obs, output)."""
    torch.manual_seed(2031)
    model = GodotPolicy(10, 3).eval()
    obs = torch.randn(7, 10)
    with torch.no_grad():
        output, _ = model(obs, torch.zeros(7))
    write_safetensors(os.path.join(OUT, "policy.expected.safetensors"), {"obs": obs, "output": output},
                      {"producer": "PyTorch " + torch.__version__})
    for opset in (9, 13, 17):
        path = os.path.join(OUT, f"policy.opset{opset}.onnx")
        torch.onnx.export(model, (torch.randn(1, 10), torch.zeros(1)), path, opset_version=opset,
                          input_names=["obs", "state_ins"], output_names=["output", "state_outs"],
                          dynamic_axes={"obs": {0: "batch_size"}, "state_ins": {0: "batch_size"},
                                        "output": {0: "batch_size"}, "state_outs": {0: "batch_size"}})
        onnx.checker.check_model(onnx.load(path))


class ShapeChainPolicy(torch.nn.Module):
    """A Godot RL Agents-form policy whose export computes shapes: the observation [batch, 3, 4] flattened by
    obs.view(obs.size(0), -1) (Shape, Gather, Unsqueeze, Concat, Reshape), and the action distribution's standard
    deviation as stable-baselines3 computes it, ones_like(mean) * exp(log_std) (Shape, ConstantOfShape, Exp, Mul), and as
    exp(clamp(log_std)).expand_as(mean) (Clip, Exp, Shape, Expand)."""

    def __init__(self):
        super().__init__()
        self.policy_net = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.Tanh())
        self.action_net = torch.nn.Linear(16, 3)
        self.log_std = torch.nn.Parameter(torch.randn(3) * 0.5)

    def forward(self, obs, state_ins):
        mean = self.action_net(self.policy_net(obs.view(obs.size(0), -1)))
        std = torch.ones_like(mean) * self.log_std.exp()
        clamped = self.log_std.clamp(-0.25, 0.25).exp().expand_as(mean)
        return mean, std, clamped, state_ins


def shape_chain():
    """shapes.opset{9,13,17}.onnx: ShapeChainPolicy exported at each opset, and shapes.expected.safetensors (obs and
    PyTorch's output, std and clamped for them)."""
    torch.manual_seed(2033)
    model = ShapeChainPolicy().eval()
    obs = torch.randn(5, 3, 4)
    with torch.no_grad():
        output, std, clamped, _ = model(obs, torch.zeros(5))
    write_safetensors(os.path.join(OUT, "shapes.expected.safetensors"), {"obs": obs, "output": output, "std": std, "clamped": clamped},
                      {"producer": "PyTorch " + torch.__version__})
    for opset in (9, 13, 17):
        path = os.path.join(OUT, f"shapes.opset{opset}.onnx")
        torch.onnx.export(model, (torch.randn(1, 3, 4), torch.zeros(1)), path, opset_version=opset,
                          input_names=["obs", "state_ins"], output_names=["output", "std", "clamped", "state_outs"],
                          dynamic_axes={name: {0: "batch_size"} for name in ("obs", "state_ins", "output", "std", "clamped", "state_outs")})
        onnx.checker.check_model(onnx.load(path))


class MlAgentsPolicy(torch.nn.Module):
    """A policy in the form Unity ML-Agents' exporter writes, written here from the graphs it produces (3DBall, Basic):
    each observation input standardized or not, clip((x - mean) / std, -5, 5) with std precomputed; the inputs joined
    by a Concat; Swish layers, z * sigmoid(z); a continuous head, mu and a state-independent log sigma (added to mu * 0,
    as the exporter does), sampled as clip(mu + exp(log sigma) * N(0, 1), -3, 3) / 3 and deterministic as
    clip(mu, -3, 3) / 3; and discrete branches, each its Slice of action_masks, logits masked as
    logits * m - 1e8 * (1 - m), softmax, Multinomial of the probabilities and ArgMax of them, the branches joined by a
    Concat. Outputs in the exporter's order, its constants (version_number 3, memory_size 0, the output shapes) as
    parameters returned as they are."""

    def __init__(self, observations, hidden, continuous, branches, normalize):
        super().__init__()
        self.normalize = normalize
        for i, n in enumerate(observations):
            self.register_buffer(f"mean_{i}", torch.randn(n) * 0.5 if normalize else torch.zeros(n))
            self.register_buffer(f"std_{i}", torch.sqrt(torch.rand(n) * 3.5 + 0.5) if normalize else torch.ones(n))
        layers = []
        for inputs, outputs in zip((sum(observations),) + tuple(hidden[:-1]), hidden):
            layers.append(torch.nn.Linear(inputs, outputs))
        self.seq_layers = torch.nn.ModuleList(layers)
        self.observations = observations
        self.continuous = continuous
        self.branches = branches
        frozen = lambda *values: torch.nn.Parameter(torch.tensor(values, dtype=torch.float32), requires_grad=False)
        self.version_number = frozen(3.0)
        self.memory_size_vector = frozen(0.0)
        if continuous:
            self.mu = torch.nn.Linear(hidden[-1], continuous)
            self.log_sigma = torch.nn.Parameter(torch.randn(1, continuous) * 0.3 - 0.5)
            self.continuous_act_size_vector = frozen(float(continuous))
        if branches:
            self.branch_layers = torch.nn.ModuleList(torch.nn.Linear(hidden[-1], b) for b in branches)
            self.discrete_act_size_vector = torch.nn.Parameter(torch.tensor([[float(b) for b in branches]]),
                                                               requires_grad=False)

    def deterministic(self, *inputs):
        """The deterministic outputs: continuous actions, or discrete ones, or both in that order."""
        outputs = self.forward(*inputs)
        return tuple(o for name, o in zip(self.output_names(), outputs) if name.startswith("deterministic_"))

    def output_names(self):
        names = ["version_number", "memory_size"]
        if self.continuous:
            names += ["continuous_actions", "continuous_action_output_shape"]
        if self.branches:
            names += ["discrete_actions", "discrete_action_output_shape"]
        if self.continuous:
            names.append("deterministic_continuous_actions")
        if self.branches:
            names.append("deterministic_discrete_actions")
        return names

    def input_names(self):
        return [f"obs_{i}" for i in range(len(self.observations))] + (["action_masks"] if self.branches else [])

    def forward(self, *inputs):
        encoded = []
        for i in range(len(self.observations)):
            x = inputs[i]
            if self.normalize:
                x = torch.clamp((x - getattr(self, f"mean_{i}")) / getattr(self, f"std_{i}"), -5, 5)
            encoded.append(x)
        h = torch.cat(encoded, dim=1)
        for layer in self.seq_layers:
            z = layer(h)
            h = torch.mul(z, torch.sigmoid(z))
        outputs = {"version_number": self.version_number, "memory_size": self.memory_size_vector}
        if self.continuous:
            mu = self.mu(h)
            std = torch.exp(mu * 0 + self.log_sigma)
            sampled = mu + torch.randn_like(mu) * std
            outputs["continuous_actions"] = torch.clamp(sampled, -3, 3) / 3
            outputs["continuous_action_output_shape"] = self.continuous_act_size_vector
            outputs["deterministic_continuous_actions"] = torch.clamp(mu, -3, 3) / 3
        if self.branches:
            masks = inputs[len(self.observations)]
            drawn, chosen, start = [], [], 0
            for layer, size in zip(self.branch_layers, self.branches):
                allow = masks[:, start:start + size]
                start += size
                block = -1 * allow + 1
                probs = torch.softmax(layer(h) * allow - 1e8 * block, dim=-1)
                drawn.append(torch.multinomial(probs, 1))
                chosen.append(torch.argmax(probs, dim=1, keepdim=True))
            outputs["discrete_actions"] = torch.cat(drawn, dim=1)
            outputs["discrete_action_output_shape"] = self.discrete_act_size_vector
            outputs["deterministic_discrete_actions"] = torch.cat(chosen, dim=1)
        return tuple(outputs[name] for name in self.output_names())


def mlagents_policies():
    """ML-Agents-form policies (MlAgentsPolicy) exported at opsets 9 (ML-Agents' own), 13 and 17, each with an
    <name>.expected.safetensors of a batch of inputs (obs_0, obs_1, action_masks) and the deterministic outputs PyTorch
    computes for them (ArgMax classes as floats):
      mlagents_continuous  obs_0 [8] standardized, Swish 64, 64, 2 continuous actions (3DBall's form, wider)
      mlagents_discrete    obs_0 [20] and obs_1 [6] as they are, Swish 32, 32, one branch of 3 actions and its masks
      mlagents_hybrid      obs_0 [5] and obs_1 [3] standardized, Swish 16, 16, 2 continuous actions and branches of 3
                           and 2 actions (masks [5]: the second branch's Slice starts at 3)"""
    variants = [
        ("mlagents_continuous", 2033,
         dict(observations=(8,), hidden=(64, 64), continuous=2, branches=(), normalize=True)),
        ("mlagents_discrete", 2034,
         dict(observations=(20, 6), hidden=(32, 32), continuous=0, branches=(3,), normalize=False)),
        ("mlagents_hybrid", 2035,
         dict(observations=(5, 3), hidden=(16, 16), continuous=2, branches=(3, 2), normalize=True)),
    ]
    for name, seed, shape in variants:
        torch.manual_seed(seed)
        model = MlAgentsPolicy(**shape).eval()
        batch = 9
        inputs = {f"obs_{i}": torch.randn(batch, n) * 2 for i, n in enumerate(shape["observations"])}
        if shape["branches"]:
            # Each branch keeps its first action and each other with probability 1/2.
            masks = (torch.rand(batch, sum(shape["branches"])) < 0.5).to(torch.float32)
            start = 0
            for size in shape["branches"]:
                masks[:, start] = 1
                start += size
            inputs["action_masks"] = masks
        names = model.input_names()
        with torch.no_grad():
            results = model.deterministic(*(inputs[n] for n in names))
        expected = dict(inputs)
        for output, value in zip([n for n in model.output_names() if n.startswith("deterministic_")], results):
            expected[output] = value.to(torch.float32)
        write_safetensors(os.path.join(OUT, name + ".expected.safetensors"), expected,
                          {"producer": "PyTorch " + torch.__version__})
        example = tuple(torch.ones(1, inputs[n].shape[1]) for n in names)
        outputs = model.output_names()
        batched = [n for n in outputs if n.endswith("actions")]
        for opset in (9, 13, 17):
            path = os.path.join(OUT, f"{name}.opset{opset}.onnx")
            torch.onnx.export(model, example, path, opset_version=opset, input_names=names, output_names=outputs,
                              dynamic_axes={n: {0: "batch"} for n in names + batched})
            onnx.checker.check_model(onnx.load(path))


def large_policy():
    """policy650k.opset17.onnx: a Godot RL Agents-form policy of 653,400 parameters (128 observations, three tanh layers
    of 536, 16 actions) at opset 17, the size at which a game policy's baked weights start to cost build time; with a
    batch of observations and PyTorch's actions (policy650k.expected.safetensors: obs, output)."""
    torch.manual_seed(2036)
    model = GodotPolicy(128, 16, hidden=(536, 536, 536)).eval()
    obs = torch.randn(6, 128)
    with torch.no_grad():
        output, _ = model(obs, torch.zeros(6))
    write_safetensors(os.path.join(OUT, "policy650k.expected.safetensors"), {"obs": obs, "output": output},
                      {"producer": "PyTorch " + torch.__version__})
    path = os.path.join(OUT, "policy650k.opset17.onnx")
    torch.onnx.export(model, (torch.randn(1, 128), torch.zeros(1)), path, opset_version=17,
                      input_names=["obs", "state_ins"], output_names=["output", "state_outs"],
                      dynamic_axes={"obs": {0: "batch_size"}, "state_ins": {0: "batch_size"},
                                    "output": {0: "batch_size"}, "state_outs": {0: "batch_size"}})
    onnx.checker.check_model(onnx.load(path))


def sample_policy():
    """samples/GamePolicy/policy.onnx: the game-policy sample's model, a Godot RL Agents-form policy of 24 observations
    (a car's ray casts and velocity, say) and 4 actions, exported at opset 17 as the exporter does for a newer PyTorch.
    Its weights are a seeded initialization: the sample measures decisions, not driving."""
    torch.manual_seed(2032)
    model = GodotPolicy(24, 4).eval()
    path = os.path.join(ROOT, "samples", "GamePolicy", "policy.onnx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(model, (torch.randn(1, 24), torch.zeros(1)), path, opset_version=17,
                      input_names=["obs", "state_ins"], output_names=["output", "state_outs"],
                      dynamic_axes={"obs": {0: "batch_size"}, "state_ins": {0: "batch_size"},
                                    "output": {0: "batch_size"}, "state_outs": {0: "batch_size"}})
    onnx.checker.check_model(onnx.load(path))


def main(groups):
    os.makedirs(OUT, exist_ok=True)
    if "sample" in groups:
        sample_policy()
    if "shapes" in groups:
        shape_chain()
    if "policy" in groups:
        godot_policy()
    if "mlagents" in groups:
        mlagents_policies()
    if "policy650k" in groups:
        large_policy()
    if "nobias" in groups:
        bias_free()
    if "elu" in groups:
        elu()
    if "silu" in groups:
        silu()
    if "leaky02" in groups:
        leaky02()
    if "mlp" not in groups:
        return
    torch.manual_seed(2026)

    # Three Linear layers, none square, two activations: a transposed or reordered load cannot pass.
    mlp = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 4), torch.nn.Tanh(),
                              torch.nn.Linear(4, 3)).eval()
    write_safetensors(os.path.join(OUT, "mlp.safetensors"), mlp.state_dict(), {"format": "pt"})
    record(mlp, 5, "mlp")
    for opset in (9, 13, 17):
        export(mlp, 5, "mlp", opset)
    helper_model(mlp)

    # MatMul + Add layers behind a Flatten, with leaky ReLU and sigmoid.
    matmul = torch.nn.Sequential(torch.nn.Flatten(), MatMulLinear(6, 8), torch.nn.LeakyReLU(0.01), MatMulLinear(8, 5),
                                 torch.nn.Sigmoid(), MatMulLinear(5, 2)).eval()
    record(matmul, 6, "matmul")
    for opset in (9, 17):
        export(matmul, 6, "matmul", opset)



if __name__ == "__main__":
    import sys
    main(sys.argv[1:] or ["mlp", "nobias", "elu", "silu", "leaky02", "policy", "mlagents", "policy650k", "sample", "shapes"])
