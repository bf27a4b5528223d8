using System;
using System.Runtime.CompilerServices;
using DenseGen.Tests.Layers;
using Xunit;

namespace DenseGen.Tests.Training;

/// <summary>
/// A whole training step of the MNIST sample's network (forward, loss, backward, optimizer step) allocates nothing
/// once the optimizers exist. The measured loop is compiled fully optimized at once, warmed up first and measured in
/// up to three windows, as in AllocationTests.
/// </summary>
public class TrainingStepAllocationTests
{
    private const int Batch = 32;

    private sealed class Network
    {
        public readonly IActivatedDenseLayer<float> Hidden;
        public readonly IDenseLayer<float> Output;
        public readonly Optimizer<float> HiddenOptimizer, OutputOptimizer;
        public readonly float[] X = new float[Batch * 784], H = new float[Batch * 128], Logits = new float[Batch * 10];
        public readonly float[] LogitGradient = new float[Batch * 10], HiddenGradient = new float[Batch * 128];
        public readonly int[] Labels = new int[Batch];

        public Network(bool adam, bool deterministic)
        {
            Hidden = deterministic ? new DetF784x128ReLU() : new F784x128ReLU();
            Output = deterministic ? new DetF128x10() : new F128x10();
            Initializer.Initialize(Hidden, Initialization.HeUniform, seed: 1);
            Initializer.Initialize(Output, Initialization.XavierUniform, seed: 2);
            HiddenOptimizer = adam ? new Adam<float>(Hidden) : new Sgd<float>(Hidden, 0.01, momentum: 0.9, weightDecay: 1e-4);
            OutputOptimizer = adam ? new Adam<float>(Output) : new Sgd<float>(Output, 0.01, momentum: 0.9, weightDecay: 1e-4);
            var random = new SeededRandom(3);
            for (int i = 0; i < X.Length; i++)
                X[i] = (float)random.NextDouble();
            for (int i = 0; i < Labels.Length; i++)
                Labels[i] = random.NextInt32(10);
        }
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void TrainingStepAllocatesNothing(bool adam, bool deterministicLayers)
    {
        var network = new Network(adam, deterministicLayers);
        float first = Steps(network, 5), last = first;
        AllocationTests.RequireAWindowWithoutAllocation(() => last = Steps(network, 50));
        // And the steps did train: the same batch 55 times over is learnt.
        Assert.True(last < first, $"loss {first} → {last}");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Steps(Network n, int steps)
    {
        float loss = 0;
        for (int step = 0; step < steps; step++)
        {
            n.Hidden.Forward(n.X, n.H);
            n.Output.Forward(n.H, n.Logits);
            loss = Losses.SoftmaxCrossEntropy<float>(n.Logits, n.Labels, n.LogitGradient);
            n.Hidden.ZeroGradients();
            n.Output.ZeroGradients();
            n.Output.Backward(n.H, n.LogitGradient, n.HiddenGradient);
            n.Hidden.Backward(n.X, n.H, n.HiddenGradient, []);
            n.HiddenOptimizer.Step();
            n.OutputOptimizer.Step();
        }
        return loss;
    }
}
