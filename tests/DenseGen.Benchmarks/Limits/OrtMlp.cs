using System;
using System.IO;
using Microsoft.ML.OnnxRuntime;

namespace DenseGen.Benchmarks;

[Dense(In = 784, Out = 128, Activation = Activation.ReLU)] public sealed partial class OrtComparisonHidden;
[Dense(In = 128, Out = 10)] public sealed partial class OrtComparisonOutput;

/// <summary>The MLP that ONNX Runtime runs from <c>Models/mlp-784-128-10.onnx</c>, as a DenseGen network.</summary>
[Sequential(MaxBatch = 1024)]
public sealed partial class OrtComparisonMlp
{
    public readonly OrtComparisonHidden Hidden = new();
    public readonly OrtComparisonOutput Output = new();
}

/// <summary>
/// ONNX Runtime's CPU provider on one thread (sequential execution, every graph optimization) running the model
/// file for one batch size. Input and output are bound once as <see cref="OrtValue"/>s over arrays this class owns,
/// so <see cref="Run"/> times ORT's compute, not marshalling.
/// </summary>
public sealed class OrtMlp : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue _inputValue, _outputValue;

    public OrtMlp(int batch)
    {
        Input = new float[batch * 784];
        Output = new float[batch * 10];
        using SessionOptions options = OneThread();
        _session = new InferenceSession(Path.Combine(AppContext.BaseDirectory, "Models", "mlp-784-128-10.onnx"), options);
        _inputValue = OrtValue.CreateTensorValueFromMemory(Input, [batch, 784]);
        _outputValue = OrtValue.CreateTensorValueFromMemory(Output, [batch, 10]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput("input", _inputValue);
        _binding.BindOutput("logits", _outputValue);
    }

    /// <summary>How every ONNX Runtime peer is set up (docs/performance.md): one thread, sequential execution, every graph optimization.</summary>
    public static SessionOptions OneThread() => new()
    {
        IntraOpNumThreads = 1,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    /// <summary>The bound input, <c>[batch, 784]</c>; write samples here before <see cref="Run"/>.</summary>
    public float[] Input { get; }

    /// <summary>The bound output, <c>[batch, 10]</c>.</summary>
    public float[] Output { get; }

    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    public void Dispose()
    {
        _binding.Dispose();
        _inputValue.Dispose();
        _outputValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
