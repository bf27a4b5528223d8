using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using TorchSharp;
using static TorchSharp.torch;

namespace DenseGen.Benchmarks;

/// <summary>
/// One layer shape, four implementations, in one process: DenseGen (the baseline of each category), plain C#
/// loops, TensorPrimitives and TorchSharp's nn.Linear (single-threaded; forward under no_grad, backward through
/// autograd with the input's gradient requested, as DenseGen computes it). All start from the same weights,
/// inputs and output gradients. "ForwardBackward" is one Forward and one accumulating Backward.
/// </summary>
[GenericTypeArguments(typeof(Layer16x16))]
[GenericTypeArguments(typeof(Layer64x32))]
[GenericTypeArguments(typeof(Layer128x10))]
[GenericTypeArguments(typeof(Layer784x128))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LayerBenchmarks<TLayer> where TLayer : struct, IDenseLayer<float>
{
    private TLayer _layer;
    private PlainLoopsLayer _loops = null!;
    private TensorPrimitivesLayer _tensorPrimitives = null!;
    private nn.Module<Tensor, Tensor> _torchLayer = null!;
    private Tensor _torchInput = null!, _torchInputWithGradient = null!, _torchOutputGradient = null!;
    private float[] _input = [], _output = [], _outputGradient = [], _inputGradient = [];

    [Params(1, 64)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _layer = default;
        int inputs = _layer.InputSize, outputs = _layer.OutputSize;
        var random = new Random(42);
        float[] weights = Uniform(random, inputs * outputs, 1 / MathF.Sqrt(inputs));
        float[] bias = Uniform(random, outputs, 1 / MathF.Sqrt(inputs));
        _input = Uniform(random, Batch * inputs, 1);
        _outputGradient = Uniform(random, Batch * outputs, 1);
        _output = new float[Batch * outputs];
        _inputGradient = new float[Batch * inputs];

        weights.CopyTo(_layer.Weights);
        bias.CopyTo(_layer.Bias);
        _loops = new PlainLoopsLayer(inputs, outputs);
        weights.CopyTo(_loops.Weights, 0);
        bias.CopyTo(_loops.Bias, 0);
        _tensorPrimitives = new TensorPrimitivesLayer(inputs, outputs);
        weights.CopyTo(_tensorPrimitives.Weights, 0);
        bias.CopyTo(_tensorPrimitives.Bias, 0);

        LibTorchLoader.PrepareNativeLibrary();
        torch.set_num_threads(1);
        _torchLayer = nn.Linear(inputs, outputs);
        using (torch.no_grad())
        {
            var linear = (TorchSharp.Modules.Linear)_torchLayer;
            linear.weight!.copy_(torch.tensor(weights, [outputs, inputs]));
            linear.bias!.copy_(torch.tensor(bias, [outputs]));
        }
        _torchInput = torch.tensor(_input, [Batch, inputs]);
        _torchInputWithGradient = torch.tensor(_input, [Batch, inputs]).requires_grad_(true);
        _torchOutputGradient = torch.tensor(_outputGradient, [Batch, outputs]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _torchInput.Dispose();
        _torchInputWithGradient.Dispose();
        _torchOutputGradient.Dispose();
        _torchLayer.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Forward")]
    public void DenseGen_Forward() => _layer.Forward(_input, _output);

    [Benchmark, BenchmarkCategory("Forward")]
    public void PlainLoops_Forward() => _loops.Forward(_input, _output);

    [Benchmark, BenchmarkCategory("Forward")]
    public void TensorPrimitives_Forward() => _tensorPrimitives.Forward(_input, _output);

    [Benchmark, BenchmarkCategory("Forward")]
    public void TorchSharp_Forward()
    {
        using var scope = torch.NewDisposeScope();
        using var noGradient = torch.no_grad();
        _torchLayer.forward(_torchInput);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("ForwardBackward")]
    public void DenseGen_ForwardBackward()
    {
        _layer.Forward(_input, _output);
        _layer.Backward(_input, _outputGradient, _inputGradient);
    }

    [Benchmark, BenchmarkCategory("ForwardBackward")]
    public void PlainLoops_ForwardBackward()
    {
        _loops.Forward(_input, _output);
        _loops.Backward(_input, _outputGradient, _inputGradient);
    }

    [Benchmark, BenchmarkCategory("ForwardBackward")]
    public void TensorPrimitives_ForwardBackward()
    {
        _tensorPrimitives.Forward(_input, _output);
        _tensorPrimitives.Backward(_input, _outputGradient, _inputGradient);
    }

    [Benchmark, BenchmarkCategory("ForwardBackward")]
    public void TorchSharp_ForwardBackward()
    {
        using var scope = torch.NewDisposeScope();
        Tensor output = _torchLayer.forward(_torchInputWithGradient);
        output.backward([_torchOutputGradient]);
    }

    private static float[] Uniform(Random random, int count, float bound)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = (2 * random.NextSingle() - 1) * bound;
        return values;
    }
}
