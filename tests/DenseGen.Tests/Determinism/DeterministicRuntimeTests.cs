using System;
using System.Collections.Generic;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests.Determinism;

/// <summary>
/// The <c>DenseGen.Deterministic</c> switch on the runtime's own functions: child processes (the switch is read once
/// per process) compute the activations, both losses and Adam steps, with the switch on under every instruction set
/// the JIT can be limited to, and must print the same bits, the committed digest, with the activations equal to
/// <see cref="DeterministicMath"/>'s; with the switch off, the activations are the C runtime's.
/// </summary>
[Trait("Category", "Integration")]
public class DeterministicRuntimeTests
{
    private const string CommittedDigest = "96d24c8df3411870";

    public static TheoryData<string> InstructionSets() => ["default", "DOTNET_EnableAVX512=0", "DOTNET_EnableAVX2=0", "DOTNET_EnableHWIntrinsic=0"];

    [Theory]
    [MemberData(nameof(InstructionSets))]
    public void WithTheSwitchOnEveryInstructionSetGivesTheCommittedBits(string instructionSet)
    {
        string output = Run("on", instructionSet);
        Assert.Contains("activations are DenseGen's own: True", output, StringComparison.Ordinal);
        Assert.Contains("digest " + CommittedDigest, output, StringComparison.Ordinal);
    }

    [Fact]
    public void WithTheSwitchOffTheActivationsAreTheRuntimeLibrarys()
    {
        string output = Run("off", "default");
        Assert.Contains("activations are the C runtime's: True", output, StringComparison.Ordinal);
    }

    private static string Run(string state, string instructionSet)
    {
        var environment = new Dictionary<string, string>();
        if (instructionSet != "default")
            environment[instructionSet.Split('=')[0]] = instructionSet.Split('=')[1];
        (int exitCode, string output) = DotnetHost.Run(
            ["exec", typeof(KernelPathProgram).Assembly.Location, KernelPathProgram.DeterministicRuntimeCommand, state],
            TimeSpan.FromMinutes(2), environment: environment);
        Assert.True(exitCode == 0, output);
        return output;
    }

    /// <summary>The child's side: computes, folds the bits into a digest and prints it.</summary>
    internal static int PrintDigest()
    {
        var random = new Random(11);
        var floats = new float[4_096];
        var doubles = new double[4_096];
        for (int i = 0; i < floats.Length; i++)
        {
            floats[i] = (float)((random.NextDouble() - 0.5) * 40);
            doubles[i] = (random.NextDouble() - 0.5) * 40;
        }
        ulong hash = 14695981039346656037UL;
        void Add(double value)
        {
            hash ^= (ulong)BitConverter.DoubleToInt64Bits(value);
            hash *= 1099511628211UL;
        }

        float[] sigmoid = (float[])floats.Clone(), tanh = (float[])floats.Clone();
        double[] sigmoidD = (double[])doubles.Clone(), tanhD = (double[])doubles.Clone();
        Activations.Sigmoid<float>(sigmoid);
        Activations.Tanh<float>(tanh);
        Activations.Sigmoid<double>(sigmoidD);
        Activations.Tanh<double>(tanhD);
        bool own = true, library = true;
        for (int i = 0; i < floats.Length; i++)
        {
            own &= sigmoid[i] == DeterministicMath.Sigmoid(floats[i]) && tanh[i] == DeterministicMath.Tanh(floats[i])
                && sigmoidD[i] == DeterministicMath.Sigmoid(doubles[i]) && tanhD[i] == DeterministicMath.Tanh(doubles[i]);
            library &= tanh[i] == MathF.Tanh(floats[i]) && tanhD[i] == Math.Tanh(doubles[i]);
            Add(sigmoid[i]);
            Add(tanh[i]);
            Add(sigmoidD[i]);
            Add(tanhD[i]);
        }
        Console.WriteLine(DeterministicMode.IsEnabled ? $"activations are DenseGen's own: {own}" : $"activations are the C runtime's: {library}");

        int[] labels = new int[floats.Length / 16];
        for (int s = 0; s < labels.Length; s++)
            labels[s] = s % 16;
        float[] gradient = new float[floats.Length];
        double[] gradientD = new double[doubles.Length];
        Add(Losses.SoftmaxCrossEntropy<float>(floats, labels, gradient));
        Add(Losses.SoftmaxCrossEntropy<double>(doubles, labels, gradientD));
        Add(Losses.MeanSquaredError<float>(floats, sigmoid, gradient));
        foreach (float g in gradient) Add(g);
        foreach (double g in gradientD) Add(g);

        // Adam on parameters that are not a layer, so no kernel is involved: 300 steps.
        var model = new Parameters(floats, gradient);
        var adam = new Adam<float>(model, learningRate: 0.01, weightDecay: 1e-4);
        for (int step = 0; step < 300; step++)
            adam.Step();
        foreach (float p in model.Values) Add(p);

        Console.WriteLine($"digest {hash:x16}");
        return 0;
    }

    private sealed class Parameters(float[] values, float[] gradients) : ITrainable<float>
    {
        public float[] Values { get; } = (float[])values.Clone();

        public int ParameterTensorCount => 1;

        public string ParameterTensorName(int index) => "p";

        public Span<float> ParameterTensor(int index) => Values;

        public Span<float> GradientTensor(int index) => gradients;

        public void ZeroGradients() => Array.Clear(gradients);
    }
}
