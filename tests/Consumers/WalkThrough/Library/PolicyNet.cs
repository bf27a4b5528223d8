// A network of plain [Dense] layers in a library built with <DenseGenDeterministic>true</DenseGenDeterministic>: no
// attribute says Deterministic, the project property does. Tanh and sigmoid, softmax cross-entropy and Adam are the
// parts whose bits depend on the runtime's deterministic mode, which this library's module initializer turns on.
using System;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using DenseGen;

namespace WalkThrough.Library;

[Dense(In = 24, Out = 32, Activation = Activation.Tanh)] public partial class PolicyHidden;
[Dense(In = 32, Out = 20, Activation = Activation.Sigmoid)] public partial class PolicyMiddle;
[Dense(In = 20, Out = 5)] public partial class PolicyOutput;

[Sequential(MaxBatch = 16)]
public partial class PolicyNet
{
    public readonly PolicyHidden Hidden = new();
    public readonly PolicyMiddle Middle = new();
    public readonly PolicyOutput Output = new();
}

public static class PolicyTraining
{
    /// <summary>
    /// Trains a <see cref="PolicyNet"/> from seed 11 for <paramref name="steps"/> Adam steps on a fixed synthetic task
    /// (batches of 16, softmax cross-entropy) and returns the SHA-256, in hex, of every loss and then every parameter.
    /// </summary>
    public static string Train(int steps)
    {
        const int Samples = 64, Batch = 16;
        var network = new PolicyNet();
        network.Initialize(seed: 11);
        var random = new SeededRandom(12);
        float[] x = new float[Samples * PolicyNet.InputSize];
        int[] labels = new int[Samples];
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)(2 * random.NextDouble() - 1);
        for (int s = 0; s < Samples; s++)
            labels[s] = (x[s * PolicyNet.InputSize] > 0 ? 1 : 0) + (x[s * PolicyNet.InputSize + 1] > 0 ? 2 : 0) + (x[s * PolicyNet.InputSize + 2] > 0.5f ? 1 : 0);

        var adam = new Adam<float>(network, learningRate: 0.01);
        float[] logits = new float[Batch * PolicyNet.OutputSize], gradient = new float[Batch * PolicyNet.OutputSize];
        float[] losses = new float[steps];
        for (int step = 0; step < steps; step++)
        {
            int first = step * Batch % Samples;
            ReadOnlySpan<float> input = x.AsSpan(first * PolicyNet.InputSize, Batch * PolicyNet.InputSize);
            network.Forward(input, logits);
            losses[step] = Losses.SoftmaxCrossEntropy<float>(logits, labels.AsSpan(first, Batch), gradient);
            network.ZeroGradients();
            network.Backward(input, gradient, []);
            adam.Step();
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(MemoryMarshal.AsBytes(losses.AsSpan()));
        ITrainable<float> parameters = network;
        for (int t = 0; t < parameters.ParameterTensorCount; t++)
            hash.AppendData(MemoryMarshal.AsBytes(parameters.ParameterTensor(t)));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
