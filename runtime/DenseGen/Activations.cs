using System;
#if NET8_0_OR_GREATER
using System.Numerics;
#endif

namespace DenseGen;

/// <summary>
/// The activation functions of <see cref="Activation"/> and their derivatives, element-wise over spans. Generated
/// layers call these after their kernels; they are public so that code outside a layer (a custom head, a test)
/// computes exactly what a layer does.
/// </summary>
/// <remarks>
/// Every backward method but SiLU's takes the activation's <em>output</em> <c>y</c>, not its input: each of those
/// derivatives is a function of <c>y</c> alone, so a layer need not keep <c>W x + b</c> around. SiLU's derivative is
/// not, so <see cref="SiLUBackward{T}"/> takes <c>z = W x + b</c>, which a SiLU layer recomputes in its
/// <c>Backward</c>. None of them allocates.
/// <para>
/// On .NET 8 and later <c>T</c> is any IEEE floating-point type and ReLU and leaky ReLU use <see cref="System.Numerics.Vector{T}"/>;
/// the .NET Standard builds take <see cref="float"/> and <see cref="double"/>. In every build, float sigmoid, tanh, ELU,
/// SiLU and SiLU's derivative are computed a vector at a time by DenseGen's own exponential (docs/math.md gives their
/// accuracy, within 5 units in the last place), and double ones by .NET's <c>Math</c> functions; in deterministic mode
/// all of them are DenseGen's deterministic functions.
/// </para>
/// </remarks>
public static partial class Activations
{
    /// <summary>The slope of <see cref="Activation.LeakyReLU"/> for negative inputs: 0.01, PyTorch's default.</summary>
    // The activation table's value, which the ONNX reader checks a LeakyRelu node's alpha against.
    public const double LeakyReLUNegativeSlope = Definitions.ActivationTable.LeakyReLUSlope;

    /// <summary>Replaces each element <c>z</c> of <paramref name="values"/> with <c>act(z)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="activation"/> is not a defined value.</exception>
    public static void Apply<T>(Activation activation, Span<T> values)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
    {
        switch (activation)
        {
            case Activation.None: return;
            case Activation.ReLU: ReLU(values); return;
            case Activation.LeakyReLU: LeakyReLU(values); return;
            case Activation.Sigmoid: Sigmoid(values); return;
            case Activation.Tanh: Tanh(values); return;
            case Activation.ELU: ELU(values); return;
            case Activation.SiLU: SiLU(values); return;
            default: throw UnknownActivation(activation);
        }
    }

    /// <summary>
    /// Writes <c>dZ = dY ⊙ act′</c> into <paramref name="inputGradient"/>, the derivative taken from the
    /// activation's <paramref name="output"/>. It may be the same span as <paramref name="outputGradient"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The three spans differ in length, or <paramref name="activation"/> is <see cref="Activation.SiLU"/>, whose derivative needs the pre-activation (<see cref="SiLUBackward{T}"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="activation"/> is not a defined value.</exception>
    public static void Backward<T>(Activation activation, ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
    {
        switch (activation)
        {
            case Activation.None:
                RequireSameLengths(output.Length, outputGradient.Length, inputGradient.Length);
                outputGradient.CopyTo(inputGradient);
                return;
            case Activation.ReLU: ReLUBackward(output, outputGradient, inputGradient); return;
            case Activation.LeakyReLU: LeakyReLUBackward(output, outputGradient, inputGradient); return;
            case Activation.Sigmoid: SigmoidBackward(output, outputGradient, inputGradient); return;
            case Activation.Tanh: TanhBackward(output, outputGradient, inputGradient); return;
            case Activation.ELU: ELUBackward(output, outputGradient, inputGradient); return;
            case Activation.SiLU:
                throw new ArgumentException("SiLU's derivative is not a function of its output: call Activations.SiLUBackward with the pre-activation W x + b.", nameof(activation));
            default: throw UnknownActivation(activation);
        }
    }

    /// <summary>Throws unless the gradients are as long as the first span, named <paramref name="first"/> in the message (<c>output</c>, or SiLU's <c>preActivation</c>).</summary>
    private static void RequireSameLengths(int output, int outputGradient, int inputGradient, string first = "output")
    {
        if (outputGradient != output)
            throw new ArgumentException($"outputGradient has length {outputGradient}; expected {output}, the length of {first}.", "outputGradient");
        if (inputGradient != output)
            throw new ArgumentException($"inputGradient has length {inputGradient}; expected {output}, the length of {first}.", "inputGradient");
    }

    private static ArgumentOutOfRangeException UnknownActivation(Activation activation) =>
        new(nameof(activation), activation, "Not a defined Activation value.");
}
