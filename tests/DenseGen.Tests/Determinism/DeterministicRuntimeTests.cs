using System;
using System.Collections.Generic;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests.Determinism;

/// <summary>
/// The <c>DenseGen.Deterministic</c> switch on the runtime's own functions: child processes (the switch is read once
/// per process) compute the activations, both losses and Adam steps, with the switch on under every instruction set
/// the JIT can be limited to, and must print the same bits, the committed digest, with the activations equal to
/// <see cref="DeterministicMath"/>'s (the digest is tests/Consumers/Shared/DeterminismDigest.cs's, which the arm64 and
/// Mono programs check too); with the switch off, the float activations are the runtime's vector functions and the
/// double ones the C runtime's.
/// </summary>
[Trait("Category", "Integration")]
public class DeterministicRuntimeTests
{

    public static TheoryData<string> InstructionSets() => ["default", "DOTNET_EnableAVX512=0", "DOTNET_EnableAVX2=0", "DOTNET_EnableHWIntrinsic=0"];

    [Theory]
    [MemberData(nameof(InstructionSets))]
    public void WithTheSwitchOnEveryInstructionSetGivesTheCommittedBits(string instructionSet)
    {
        string output = Run("on", instructionSet);
        Assert.Contains("the switch reads as set: True", output, StringComparison.Ordinal);
        Assert.Contains("activations are DenseGen's own: True", output, StringComparison.Ordinal);
        Assert.Contains("digest " + Consumers.DeterminismDigest.Expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public void WithTheSwitchOffTheActivationsAreTheRuntimeLibrarys()
    {
        string output = Run("off", "default");
        Assert.Contains("the switch reads as set: True", output, StringComparison.Ordinal);
        Assert.Contains("activations are the vector functions' (float) and the C runtime's (double): True", output, StringComparison.Ordinal);
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

    /// <summary>The child's side: checks which functions the activations use, then prints the shared digest.</summary>
    internal static int PrintDigest()
    {
        var random = new Random(11);
        float[] floats = new float[4_096];
        double[] doubles = new double[4_096];
        for (int i = 0; i < floats.Length; i++)
        {
            floats[i] = (float)((random.NextDouble() - 0.5) * 40);
            doubles[i] = (random.NextDouble() - 0.5) * 40;
        }
        float[] sigmoid = (float[])floats.Clone(), tanh = (float[])floats.Clone();
        double[] sigmoidD = (double[])doubles.Clone(), tanhD = (double[])doubles.Clone();
        Activations.Sigmoid<float>(sigmoid);
        Activations.Tanh<float>(tanh);
        Activations.Sigmoid<double>(sigmoidD);
        Activations.Tanh<double>(tanhD);
        float[] vectorSigmoid = (float[])floats.Clone(), vectorTanh = (float[])floats.Clone();
        VectorTranscendentals.Sigmoid(vectorSigmoid);
        VectorTranscendentals.Tanh(vectorTanh);
        bool own = true, library = true;
        for (int i = 0; i < floats.Length; i++)
        {
            own &= sigmoid[i] == DeterministicMath.Sigmoid(floats[i]) && tanh[i] == DeterministicMath.Tanh(floats[i])
                && sigmoidD[i] == DeterministicMath.Sigmoid(doubles[i]) && tanhD[i] == DeterministicMath.Tanh(doubles[i]);
            library &= sigmoid[i] == vectorSigmoid[i] && tanh[i] == vectorTanh[i] && tanhD[i] == Math.Tanh(doubles[i]);
        }
        if (!DeterministicMode.IsEnabled)
        {
            Console.WriteLine($"activations are the vector functions' (float) and the C runtime's (double): {library}");
            return 0;
        }
        Console.WriteLine($"activations are DenseGen's own: {own}");
        Console.WriteLine($"digest {Consumers.DeterminismDigest.Compute()}");
        return 0;
    }
}
