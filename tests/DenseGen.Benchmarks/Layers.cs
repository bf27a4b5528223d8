using DenseGen;

namespace DenseGen.Benchmarks;

// The benchmarked shapes, as structs so the generic benchmark class is specialized for each and calls the
// layer directly, the way user code calls a layer it declares.
[Dense(In = 16, Out = 16)] public partial struct Layer16x16;
[Dense(In = 64, Out = 32)] public partial struct Layer64x32;
[Dense(In = 128, Out = 10)] public partial struct Layer128x10;
[Dense(In = 784, Out = 128)] public partial struct Layer784x128;

// The same shape with the deterministic kernels (docs/determinism.md), for DeterministicBenchmarks.
[Dense(In = 784, Out = 128, Deterministic = true)] public partial struct Layer784x128Deterministic;

// The MNIST sample's network with deterministic layers, for TrainingEpochBenchmarks.
[Dense(In = 784, Out = 128, Activation = Activation.ReLU, Deterministic = true)] public sealed partial class DeterministicHiddenLayer;
[Dense(In = 128, Out = 10, Deterministic = true)] public sealed partial class DeterministicOutputLayer;

[Sequential(MaxBatch = 256, Deterministic = true)]
public sealed partial class DeterministicMnistNetwork
{
    public readonly DeterministicHiddenLayer Hidden = new();
    public readonly DeterministicOutputLayer Output = new();
}
