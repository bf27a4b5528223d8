using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace DenseGen.Benchmarks;

// Godot RL Agents' FlyBy policy shape, 8→64→64→2, with each hidden activation; and Unity ML-Agents' 3DBall shape,
// 8→128→128→2. The "Plain" layers have no activation: the by-hand rows apply the old per-element library calls after them.
[Dense(In = 8, Out = 64, Activation = Activation.ReLU)] public sealed partial class PolicyReLUIn;
[Dense(In = 64, Out = 64, Activation = Activation.ReLU)] public sealed partial class PolicyReLUHidden;
[Dense(In = 8, Out = 64, Activation = Activation.Tanh)] public sealed partial class PolicyTanhIn;
[Dense(In = 64, Out = 64, Activation = Activation.Tanh)] public sealed partial class PolicyTanhHidden;
[Dense(In = 8, Out = 64)] public sealed partial class PolicyPlainIn;
[Dense(In = 64, Out = 64)] public sealed partial class PolicyPlainHidden;
[Dense(In = 64, Out = 2)] public sealed partial class PolicyOut;

[Dense(In = 8, Out = 128, Activation = Activation.ReLU)] public sealed partial class BallReLUIn;
[Dense(In = 128, Out = 128, Activation = Activation.ReLU)] public sealed partial class BallReLUHidden;
[Dense(In = 8, Out = 128, Activation = Activation.Sigmoid)] public sealed partial class BallSigmoidIn;
[Dense(In = 128, Out = 128, Activation = Activation.Sigmoid)] public sealed partial class BallSigmoidHidden;
[Dense(In = 8, Out = 128, Activation = Activation.SiLU)] public sealed partial class BallSiLUIn;
[Dense(In = 128, Out = 128, Activation = Activation.SiLU)] public sealed partial class BallSiLUHidden;
[Dense(In = 8, Out = 128)] public sealed partial class BallPlainIn;
[Dense(In = 128, Out = 128)] public sealed partial class BallPlainHidden;
[Dense(In = 128, Out = 2)] public sealed partial class BallOut;

[Sequential] public sealed partial class ReLUPolicy { public readonly PolicyReLUIn In = new(); public readonly PolicyReLUHidden Hidden = new(); public readonly PolicyOut Out = new(); }
[Sequential] public sealed partial class TanhPolicy { public readonly PolicyTanhIn In = new(); public readonly PolicyTanhHidden Hidden = new(); public readonly PolicyOut Out = new(); }
[Sequential] public sealed partial class ReLUBall { public readonly BallReLUIn In = new(); public readonly BallReLUHidden Hidden = new(); public readonly BallOut Out = new(); }
[Sequential] public sealed partial class SigmoidBall { public readonly BallSigmoidIn In = new(); public readonly BallSigmoidHidden Hidden = new(); public readonly BallOut Out = new(); }
[Sequential] public sealed partial class SiLUBall { public readonly BallSiLUIn In = new(); public readonly BallSiLUHidden Hidden = new(); public readonly BallOut Out = new(); }

/// <summary>
/// One sample through game-policy networks: each activation against the same network with ReLU (the baseline of its
/// category), and the same layers with the activation applied afterwards by the per-element library calls the runtime
/// used before it computed them in vectors.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PolicyActivationBenchmarks
{
    private const string Policy = "8-64-64-2", Ball = "8-128-128-2";

    private readonly ReLUPolicy _reluPolicy = new();
    private readonly TanhPolicy _tanhPolicy = new();
    private readonly ReLUBall _reluBall = new();
    private readonly SigmoidBall _sigmoidBall = new();
    private readonly SiLUBall _siluBall = new();
    private readonly PolicyPlainIn _policyIn = new();
    private readonly PolicyPlainHidden _policyHidden = new();
    private readonly BallPlainIn _ballIn = new();
    private readonly BallPlainHidden _ballHidden = new();
    private readonly float[] _input = new float[8], _output = new float[2], _hidden1 = new float[128], _hidden2 = new float[128];

    [GlobalSetup]
    public void Setup()
    {
        _reluPolicy.Initialize(seed: 1);
        _tanhPolicy.Initialize(seed: 1);
        _reluBall.Initialize(seed: 1);
        _sigmoidBall.Initialize(seed: 1);
        _siluBall.Initialize(seed: 1);
        Initializer.Initialize(_policyIn, Initialization.PyTorchDefault, 1);
        Initializer.Initialize(_policyHidden, Initialization.PyTorchDefault, 2);
        Initializer.Initialize(_ballIn, Initialization.PyTorchDefault, 1);
        Initializer.Initialize(_ballHidden, Initialization.PyTorchDefault, 2);
        var random = new SeededRandom(3);
        for (int i = 0; i < _input.Length; i++)
            _input[i] = (float)(2 * random.NextDouble() - 1);
    }

    [Benchmark(Baseline = true), BenchmarkCategory(Policy)]
    public void ReLU_8_64_64_2() => _reluPolicy.Forward(_input, _output);

    [Benchmark, BenchmarkCategory(Policy)]
    public void Tanh_8_64_64_2() => _tanhPolicy.Forward(_input, _output);

    [Benchmark, BenchmarkCategory(Policy)]
    public void TanhLibraryCalls_8_64_64_2()
    {
        Span<float> h1 = _hidden1.AsSpan(0, 64), h2 = _hidden2.AsSpan(0, 64);
        _policyIn.Forward(_input, h1);
        foreach (ref float z in h1)
            z = MathF.Tanh(z);
        _policyHidden.Forward(h1, h2);
        foreach (ref float z in h2)
            z = MathF.Tanh(z);
        _tanhPolicy.Out.Forward(h2, _output);
    }

    [Benchmark(Baseline = true), BenchmarkCategory(Ball)]
    public void ReLU_8_128_128_2() => _reluBall.Forward(_input, _output);

    [Benchmark, BenchmarkCategory(Ball)]
    public void Sigmoid_8_128_128_2() => _sigmoidBall.Forward(_input, _output);

    [Benchmark, BenchmarkCategory(Ball)]
    public void SiLU_8_128_128_2() => _siluBall.Forward(_input, _output);

    [Benchmark, BenchmarkCategory(Ball)]
    public void SigmoidLibraryCalls_8_128_128_2()
    {
        _ballIn.Forward(_input, _hidden1);
        foreach (ref float z in _hidden1.AsSpan())
            z = 1f / (1f + MathF.Exp(-z));
        _ballHidden.Forward(_hidden1, _hidden2);
        foreach (ref float z in _hidden2.AsSpan())
            z = 1f / (1f + MathF.Exp(-z));
        _sigmoidBall.Out.Forward(_hidden2, _output);
    }

    [Benchmark, BenchmarkCategory(Ball)]
    public void SiLULibraryCalls_8_128_128_2()
    {
        _ballIn.Forward(_input, _hidden1);
        foreach (ref float z in _hidden1.AsSpan())
            z /= 1f + MathF.Exp(-z);
        _ballHidden.Forward(_hidden1, _hidden2);
        foreach (ref float z in _hidden2.AsSpan())
            z /= 1f + MathF.Exp(-z);
        _siluBall.Out.Forward(_hidden2, _output);
    }
}

/// <summary>
/// Each activation over 4,096 floats from −4 to 4 (16 KiB, in L1), copied in first so that every call sees the same
/// values; <c>Copy</c> is that copy alone, to subtract. Run once per vector width (docs/performance.md has the commands):
/// the runtime's activations take whatever width <see cref="System.Numerics.Vector{T}"/> has in the process.
/// </summary>
public class ActivationElementBenchmarks
{
    private const int Count = 4096;
    private readonly float[] _source = new float[Count], _values = new float[Count], _gradient = new float[Count];

    [GlobalSetup]
    public void Setup()
    {
        var random = new SeededRandom(4);
        for (int i = 0; i < Count; i++)
        {
            _source[i] = (float)(8 * random.NextDouble() - 4);
            _gradient[i] = (float)(random.NextDouble() - 0.5);
        }
    }

    private Span<float> Fresh()
    {
        _source.CopyTo(_values, 0);
        return _values;
    }

    [Benchmark(Baseline = true)]
    public void Copy() => Fresh();

    [Benchmark]
    public void ReLU() => Activations.ReLU(Fresh());

    [Benchmark]
    public void LeakyReLU() => Activations.LeakyReLU(Fresh());

    [Benchmark]
    public void Sigmoid() => Activations.Sigmoid(Fresh());

    [Benchmark]
    public void Tanh() => Activations.Tanh(Fresh());

    [Benchmark]
    public void ELU() => Activations.ELU(Fresh());

    [Benchmark]
    public void SiLU() => Activations.SiLU(Fresh());

    [Benchmark]
    public void SiLUBackward() => Activations.SiLUBackward<float>(_source, _gradient, _values);

    [Benchmark]
    public void SigmoidLibraryCalls()
    {
        foreach (ref float z in Fresh())
            z = 1f / (1f + MathF.Exp(-z));
    }

    [Benchmark]
    public void TanhLibraryCalls()
    {
        foreach (ref float z in Fresh())
            z = MathF.Tanh(z);
    }
}
