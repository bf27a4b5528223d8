using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using DenseGen.Samples.Mnist;
using TorchSharp;
using static TorchSharp.torch;

namespace DenseGen.Benchmarks;

/// <summary>
/// One training epoch of the MNIST sample's network (784→128 ReLU→10, softmax cross-entropy, Adam at 0.001,
/// batch 32) over the sample's 8,004 built-in training digits, in a new shuffled order each time: DenseGen (the
/// sample's own EpochRunner) against the same network, data and optimizer in TorchSharp on one thread, and against
/// the same network of deterministic layers. Samples per second = 8,004 / the time per operation.
/// </summary>
/// <remarks>
/// The deterministic epoch here has the deterministic layers only: the DenseGen.Deterministic switch, which makes the
/// loss's exponentials and logarithms and Adam's bias corrections DenseGen's own, is read once per process and the
/// benchmarks share one. Run with <c>--deterministic-switch</c> to turn it on for the whole run.
/// </remarks>
public class TrainingEpochBenchmarks
{
    private const int BatchSize = 32;

    private EpochRunner _denseGen = null!, _deterministic = null!;
    private nn.Module<Tensor, Tensor> _torchModel = null!;
    private optim.Optimizer _torchOptimizer = null!;
    private Tensor _torchImages = null!, _torchLabels = null!;
    private long[] _torchOrder = [];
    private SeededRandom _torchShuffle = null!;

    [GlobalSetup]
    public void Setup()
    {
        MnistData data = MnistData.LoadBuiltIn(Path.Combine(AppContext.BaseDirectory, "data"));
        var network = new MnistNetwork();
        network.Initialize(seed: 1);
        _denseGen = new EpochRunner(network, new Adam<float>(network, 0.001), data.Train, BatchSize, seed: 1);
        var deterministic = new DeterministicMnistNetwork();
        deterministic.Initialize(seed: 1);
        _deterministic = new EpochRunner(deterministic, new Adam<float>(deterministic, 0.001), data.Train, BatchSize, seed: 1);

        LibTorchLoader.PrepareNativeLibrary();
        torch.set_num_threads(1);
        torch.manual_seed(1);
        _torchModel = nn.Sequential(("hidden", nn.Linear(784, 128)), ("relu", nn.ReLU()), ("output", nn.Linear(128, 10)));
        _torchOptimizer = optim.Adam(_torchModel.parameters(), lr: 0.001);
        _torchImages = torch.tensor(data.Train.Pixels, [data.Train.Count, 784]);
        _torchLabels = torch.tensor(Array.ConvertAll(data.Train.Labels, l => (long)l));
        _torchOrder = new long[data.Train.Count];
        for (int i = 0; i < _torchOrder.Length; i++)
            _torchOrder[i] = i;
        _torchShuffle = new SeededRandom(2);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _torchImages.Dispose();
        _torchLabels.Dispose();
        _torchModel.Dispose();
    }

    [Benchmark(Baseline = true)]
    public double DenseGen_Epoch() => _denseGen.Run();

    [Benchmark]
    public double Deterministic_Epoch() => _deterministic.Run();

    [Benchmark]
    public void TorchSharp_Epoch()
    {
        _torchShuffle.Shuffle(_torchOrder.AsSpan());
        using Tensor order = torch.tensor(_torchOrder);
        for (int start = 0; start < _torchOrder.Length; start += BatchSize)
        {
            using DisposeScope scope = torch.NewDisposeScope();
            long count = Math.Min(BatchSize, _torchOrder.Length - start);
            Tensor indices = order.narrow(0, start, count);
            Tensor logits = _torchModel.forward(_torchImages.index_select(0, indices));
            Tensor loss = nn.functional.cross_entropy(logits, _torchLabels.index_select(0, indices));
            _torchOptimizer.zero_grad();
            loss.backward();
            _torchOptimizer.step();
        }
    }
}
