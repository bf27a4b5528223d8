using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;

namespace DenseGen.Benchmarks;

/// <summary>The project's Godot RL Agents-form policy (10 observations, two tanh layers of 64, 3 actions), generated whole by [OnnxModel].</summary>
[OnnxModel("Models/policy.onnx", MaxBatch = 1024)]
public sealed partial class GodotFormPolicy;

/// <summary>The same policy with the default MaxBatch (16): large batches in chunks of 16 samples.</summary>
[OnnxModel("Models/policy.onnx")]
public sealed partial class GodotFormPolicyDefaultBatch;

/// <summary>
/// A game policy at batch 1 (one agent's decision) and 1,024 (many agents per frame): DenseGen's generated class
/// against ONNX Runtime running the same file, on one thread, set up as for the MLP (docs/performance.md: sequential
/// execution, every graph optimization, the inputs and the one compared output bound once as <c>OrtValue</c>s). Both
/// outputs are checked against each other before anything is timed.
/// </summary>
[MemoryDiagnoser]
public class PolicyBenchmarks : IDisposable
{
    private GodotFormPolicy _policy = null!;
    private GodotFormPolicyDefaultBatch _chunked = null!;
    private float[] _observations = [], _actions = [];
    private InferenceSession _session = null!;
    private OrtIoBinding _binding = null!;
    private RunOptions _runOptions = null!;
    private OrtValue _obs = null!, _state = null!, _output = null!;
    private float[] _ortActions = [];

    [Params(1, 1024)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new SeededRandom(5);
        _observations = new float[Batch * GodotFormPolicy.ObsSize];
        for (int i = 0; i < _observations.Length; i++)
            _observations[i] = (float)(2 * random.NextDouble() - 1);
        _actions = new float[Batch * GodotFormPolicy.OutputSize];
        _ortActions = new float[_actions.Length];
        _policy = new GodotFormPolicy();
        _chunked = new GodotFormPolicyDefaultBatch();

        using SessionOptions options = OrtMlp.OneThread();
        _session = new InferenceSession(Path.Combine(AppContext.BaseDirectory, "Models", "policy.onnx"), options);
        _obs = OrtValue.CreateTensorValueFromMemory(_observations, [Batch, GodotFormPolicy.ObsSize]);
        _state = OrtValue.CreateTensorValueFromMemory(new float[Batch], [Batch]);
        _output = OrtValue.CreateTensorValueFromMemory(_ortActions, [Batch, GodotFormPolicy.OutputSize]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput("obs", _obs);
        _binding.BindInput("state_ins", _state);
        _binding.BindOutput("output", _output);
        _runOptions = new RunOptions();

        DenseGen();
        OnnxRuntime();
        for (int i = 0; i < _actions.Length; i++)
        {
            // The tests hold both within the derived bound of a double reference; here, only that both computed the policy.
            if (!(Math.Abs(_actions[i] - _ortActions[i]) <= 1e-5))
                throw new InvalidOperationException($"action {i}: DenseGen {_actions[i]}, ONNX Runtime {_ortActions[i]}");
        }
    }

    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => _session.RunWithBinding(_runOptions, _binding);

    [Benchmark]
    public void DenseGen() => _policy.Forward(_observations, _actions);

    [Benchmark]
    public void DenseGenInChunksOf16() => _chunked.Forward(_observations, _actions);

    [GlobalCleanup]
    public void Dispose()
    {
        _binding?.Dispose();
        _obs?.Dispose();
        _state?.Dispose();
        _output?.Dispose();
        _runOptions?.Dispose();
        _session?.Dispose();
        GC.SuppressFinalize(this);
    }
}
