using System;
using System.Diagnostics.CodeAnalysis;
using DenseGen;

// Standardizing layers compiled into the test assembly by the generator, as a user's build compiles them. Sizes reach
// every vector path's cases: narrower than a vector (scalar only), whole vectors, a tail that overlaps the last whole
// vector, and more than eight vectors per sample (the kernels loop instead of spelling them out); with and without a
// clamp, float and double, class and struct, and deterministic.
namespace DenseGen.Tests.Standardize;

/// <summary>
/// What the tests call on a standardizing layer: the members its generated code declares, gathered under one interface
/// the test layers declare, so one check serves every layer (a struct layer through its box).
/// </summary>
public interface IStandardizeUnderTest<T> : IForwardModule<T>, IParameterTensors<T> where T : unmanaged
{
    [UnscopedRef]
    Span<T> Mean { get; }

    [UnscopedRef]
    Span<T> Std { get; }

    void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient);
}

[Standardize(Size = 1)] public partial class StdF1 : IStandardizeUnderTest<float>;
[Standardize(Size = 3, Clip = 5)] public partial class StdF3Clip : IStandardizeUnderTest<float>;
[Standardize(Size = 16)] public partial class StdF16 : IStandardizeUnderTest<float>;
[Standardize(Size = 17, Clip = 2.5)] public partial class StdF17Clip : IStandardizeUnderTest<float>;
[Standardize(Size = 300, Clip = 1.5)] public partial class StdF300Clip : IStandardizeUnderTest<float>;
[Standardize(Size = 37, Clip = 0.75)] public partial struct SStdF37Clip : IStandardizeUnderTest<float>;
[Standardize(Size = 2, ElementType = typeof(double))] public partial class StdD2 : IStandardizeUnderTest<double>;
[Standardize(Size = 5, Clip = 3, ElementType = typeof(double))] public partial class StdD5Clip : IStandardizeUnderTest<double>;
[Standardize(Size = 130, ElementType = typeof(double))] public partial class StdD130 : IStandardizeUnderTest<double>;
[Standardize(Size = 9, Clip = 0.75, ElementType = typeof(double))] public partial struct SStdD9Clip : IStandardizeUnderTest<double>;
[Standardize(Size = 47, Clip = 5, Deterministic = true)] public partial class DetStdF47Clip : IStandardizeUnderTest<float>;
[Standardize(Size = 150, Clip = 2, Deterministic = true)] public partial struct SDetStdF150Clip : IStandardizeUnderTest<float>;
[Standardize(Size = 21, ElementType = typeof(double), Deterministic = true)] public partial class DetStdD21 : IStandardizeUnderTest<double>;
[Standardize(Size = 11, Clip = 1, ElementType = typeof(double), Deterministic = true)] public partial class DetStdD11Clip : IStandardizeUnderTest<double>;

// Same size in float and double, for loading a double file into a float layer.
[Standardize(Size = 3, Clip = 5, ElementType = typeof(double))] public partial class StdD3Clip : IStandardizeUnderTest<double>;

// Networks that start with a standardizing layer, as imported game-agent policies do: float (for Save and Load), double
// with tanh (smooth, for finite differences), and a struct network of struct layers.
[Standardize(Size = 6, Clip = 5)] public partial class Norm6Clip;
[Dense(In = 6, Out = 5, Activation = Activation.ReLU)] public partial class Hidden6x5ReLU;
[Dense(In = 5, Out = 3)] public partial class Output5x3;

[Sequential(MaxBatch = 4)]
public partial class StandardizedNet
{
    public readonly Norm6Clip Normalize = new();
    public readonly Hidden6x5ReLU Hidden = new();
    public readonly Output5x3 Output = new();
}

[Standardize(Size = 6, Clip = 1.5, ElementType = typeof(double))] public partial class NormD6Clip;
[Dense(In = 6, Out = 5, ElementType = typeof(double), Activation = Activation.Tanh)] public partial class HiddenD6x5Tanh;
[Dense(In = 5, Out = 3, ElementType = typeof(double))] public partial class OutputD5x3;

[Sequential(MaxBatch = 4)]
public partial class StandardizedDoubleNet
{
    public readonly NormD6Clip Normalize = new();
    public readonly HiddenD6x5Tanh Hidden = new();
    public readonly OutputD5x3 Output = new();
}

[Standardize(Size = 4, Clip = 2)] public partial struct SNorm4Clip;
[Dense(In = 4, Out = 2)] public partial struct SOutput4x2;

[Sequential(MaxBatch = 2)]
public partial struct StandardizedStructNet
{
    public SNorm4Clip Normalize;
    public SOutput4x2 Output;
}

// The same network with another clamp: its weight files record another architecture.
[Standardize(Size = 6, Clip = 3)] public partial class Norm6Clip3;

[Sequential(MaxBatch = 4)]
public partial class StandardizedNetClip3
{
    public readonly Norm6Clip3 Normalize = new();
    public readonly Hidden6x5ReLU Hidden = new();
    public readonly Output5x3 Output = new();
}

// A standardizing layer after a dense one, last (its Backward gets the network's output gradient); and a network of
// standardizing layers alone, which learns nothing and is inference-only.
[Dense(In = 4, Out = 6, Activation = Activation.Tanh)] public partial class Hidden4x6Tanh;

[Sequential(MaxBatch = 3)]
public partial class StandardizedLastNet
{
    public readonly Hidden4x6Tanh Hidden = new();
    public readonly Norm6Clip Normalize = new();
}

[Sequential(MaxBatch = 2)]
public partial class StatisticsOnlyNet
{
    public readonly Norm6Clip First = new();
    public readonly Norm6Clip3 Second = new();
}
