#if EXTERNAL_MODELS
using System;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using DenseGen.Formats;
using Microsoft.ML.OnnxRuntime;

namespace DenseGen.Benchmarks;

/// <summary>Godot RL Agents' FlyBy policy (shared/external), generated whole by [OnnxModel].</summary>
[OnnxModel("External/godotrl_FlyBy.onnx", MaxBatch = 1024)]
public sealed partial class FlyByPolicy;

/// <summary>ML-Agents' 3DBall policy (shared/external): its deterministic actions, with the normalizer and the clamp.</summary>
[OnnxModel("External/mlagents_3DBall.onnx", MaxBatch = 1024, Outputs = new[] { "deterministic_continuous_actions" })]
public sealed partial class Ball3DPolicy;

/// <summary>
/// The real exports the issue names, at batch 1 and 1,024: DenseGen's generated class against ONNX Runtime running the
/// same file, set up as <see cref="PolicyBenchmarks"/> (one thread, sequential, every optimization; the input and only
/// the compared output bound once). <see cref="WeightsRead"/> is the floor a batch-1 pass cannot beat: one read of every
/// float the model holds (its initializers), vector by vector, from cache as the benchmark repeats it. Built only where
/// the external folder exists (DENSEGEN_EXTERNAL, or shared/external beside the repository), as the tests find it.
/// </summary>
[MemoryDiagnoser]
public class ExternalPolicyBenchmarks : IDisposable
{
    private FlyByPolicy _flyBy = null!;
    private Ball3DPolicy _ball = null!;
    private float[] _observations = [], _actions = [], _ortActions = [], _weightsStorage = [];
    private int _weightsStart, _weightsCount;

    private ReadOnlySpan<float> Weights => _weightsStorage.AsSpan(_weightsStart, _weightsCount);
    private InferenceSession _session = null!;
    private OrtIoBinding _binding = null!;
    private RunOptions _runOptions = null!;
    private OrtValue[] _values = [];

    [Params("FlyBy", "3DBall")]
    public string Model { get; set; } = "";

    [Params(1, 1024)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        bool flyBy = Model == "FlyBy";
        int inputs = flyBy ? FlyByPolicy.ObsSize : Ball3DPolicy.Obs0Size, outputs = flyBy ? FlyByPolicy.OutputSize : Ball3DPolicy.DeterministicContinuousActionsSize;
        var random = new SeededRandom(11);
        _observations = new float[Batch * inputs];
        for (int i = 0; i < _observations.Length; i++)
            _observations[i] = (float)(2 * random.NextDouble() - 1);
        _actions = new float[Batch * outputs];
        _ortActions = new float[_actions.Length];
        _flyBy = new FlyByPolicy();
        _ball = new Ball3DPolicy();

        string path = Path.Combine(AppContext.BaseDirectory, "External", flyBy ? "godotrl_FlyBy.onnx" : "mlagents_3DBall.onnx");
        OnnxModel file = OnnxModel.Parse(File.ReadAllBytes(path), path, "");
        float[] weights = file.Initializers.Values.Where(t => t.Floats is not null).SelectMany(t => t.Floats!).ToArray();
        // Read from a 64-byte boundary, as the layers' own aligned storage is: a float[] starts wherever the heap puts it,
        // and a Vector512 load that splits a cache line costs two, which made this floor bimodal (540 or 956 ns for
        // 3DBall, between two instances in one run).
        _weightsStorage = GC.AllocateArray<float>(weights.Length + 16, pinned: true);
        ref float aligned = ref global::DenseGen.CompilerServices.VectorMath.CacheLineStart<float>(_weightsStorage);
        _weightsStart = (int)(System.Runtime.CompilerServices.Unsafe.ByteOffset(ref _weightsStorage[0], ref aligned) / sizeof(float));
        weights.CopyTo(_weightsStorage, _weightsStart);
        _weightsCount = weights.Length;

        using SessionOptions options = OrtMlp.OneThread();
        _session = new InferenceSession(path, options);
        _binding = _session.CreateIoBinding();
        OrtValue obs = OrtValue.CreateTensorValueFromMemory(_observations, [Batch, inputs]);
        OrtValue output = OrtValue.CreateTensorValueFromMemory(_ortActions, [Batch, outputs]);
        _values = [obs, output];
        _binding.BindInput(flyBy ? "obs" : "obs_0", obs);
        if (flyBy)
        {
            OrtValue state = OrtValue.CreateTensorValueFromMemory(new float[Batch], [Batch]);
            _values = [.. _values, state];
            _binding.BindInput("state_ins", state);
        }
        _binding.BindOutput(flyBy ? "output" : "deterministic_continuous_actions", output);
        _runOptions = new RunOptions();

        DenseGen();
        OnnxRuntime();
        for (int i = 0; i < _actions.Length; i++)
        {
            // The tests hold both within the derived bound of a double reference; here, only that both computed the policy.
            if (!(Math.Abs(_actions[i] - _ortActions[i]) <= 1e-5 * Math.Max(1, Math.Abs(_ortActions[i]))))
                throw new InvalidOperationException($"{Model}, action {i}: DenseGen {_actions[i]}, ONNX Runtime {_ortActions[i]}");
        }
    }

    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => _session.RunWithBinding(_runOptions, _binding);

    [Benchmark]
    public void DenseGen()
    {
        if (Model == "FlyBy")
            _flyBy.Forward(_observations, _actions);
        else
            _ball.Forward(_observations, _actions);
    }

    /// <summary>
    /// Every weight read once, a Vector512 at a time (Vector256 where that is not accelerated), into eight independent
    /// sums, so that the loads and not the additions' latency bound it; the sum is returned so the reads are not removed.
    /// </summary>
    [Benchmark]
    public float WeightsRead()
    {
        if (!Vector512.IsHardwareAccelerated)
            return WeightsRead256();
        ReadOnlySpan<Vector512<float>> v = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector512<float>>(Weights);
        Vector512<float> a = default, b = default, c = default, d = default, e = default, f = default, g = default, h = default;
        int i = 0;
        for (; i + 8 <= v.Length; i += 8)
        {
            (a, b, c, d) = (a + v[i], b + v[i + 1], c + v[i + 2], d + v[i + 3]);
            (e, f, g, h) = (e + v[i + 4], f + v[i + 5], g + v[i + 6], h + v[i + 7]);
        }
        for (; i < v.Length; i++)
            a += v[i];
        return Vector512.Sum(a + b + c + d + e + f + g + h);
    }

    private float WeightsRead256()
    {
        ReadOnlySpan<Vector256<float>> v = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector256<float>>(Weights);
        Vector256<float> a = default, b = default, c = default, d = default, e = default, f = default, g = default, h = default;
        int i = 0;
        for (; i + 8 <= v.Length; i += 8)
        {
            (a, b, c, d) = (a + v[i], b + v[i + 1], c + v[i + 2], d + v[i + 3]);
            (e, f, g, h) = (e + v[i + 4], f + v[i + 5], g + v[i + 6], h + v[i + 7]);
        }
        for (; i < v.Length; i++)
            a += v[i];
        return Vector256.Sum(a + b + c + d + e + f + g + h);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _binding?.Dispose();
        foreach (OrtValue value in _values)
            value.Dispose();
        _runOptions?.Dispose();
        _session?.Dispose();
        GC.SuppressFinalize(this);
    }
}
#endif
