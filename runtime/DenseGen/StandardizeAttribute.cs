using System;

namespace DenseGen;

/// <summary>
/// Marks a <c>partial</c> class or struct as a standardizing layer, <c>y = (x − mean) / std</c> element by element,
/// optionally clamped to <c>[−Clip, Clip]</c>: the observation normalizer game-agent policies start with (ML-Agents
/// exports it as ONNX <c>Sub</c>, <c>Div</c> and <c>Clip</c> with <c>Clip = 5</c>). The DenseGen source generator adds
/// the layer's <c>Mean</c> and <c>Std</c> (state tensors named <c>mean</c> and <c>std</c>, saved and loaded with a
/// network's weights, never trained) and its <c>Forward</c> and <c>Backward</c>, specialized to <see cref="Size"/>.
/// </summary>
/// <example>
/// <code>
/// [Standardize(Size = 8, Clip = 5)]
/// public partial class Observations;
///
/// [Dense(In = 8, Out = 64, Activation = Activation.ReLU)]
/// public partial class Hidden;
///
/// [Sequential]
/// public partial class Policy
/// {
///     public readonly Observations Normalize = new();   // normalize.mean, normalize.std
///     public readonly Hidden Hidden = new();
/// }
/// </code>
/// </example>
/// <remarks>
/// The annotated type and every type containing it must be <c>partial</c> and non-generic. <c>Forward</c> divides (an
/// IEEE division, as ONNX Runtime's <c>Div</c> does; never a multiplication by a reciprocal, which rounds differently).
/// <c>Backward</c> gives <c>∂L/∂x = ∂L/∂y / std</c> where the clamp is not active and 0 where it is. Loading a
/// <c>std</c> that is 0, negative or NaN is refused.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class StandardizeAttribute : Attribute
{
    /// <summary>Number of elements per sample, in and out. Required; at least 1.</summary>
    public int Size { get; set; }

    /// <summary>
    /// The bound the standardized values are clamped to, <c>[−Clip, Clip]</c>, as ONNX's <c>Clip</c> and PyTorch's
    /// <c>clamp</c> do (NaN stays NaN). 0, the default, clamps nothing; ML-Agents uses 5. Must be finite and not negative.
    /// A <see cref="float"/> layer clamps to <c>(float)Clip</c>.
    /// </summary>
    public double Clip { get; set; }

    /// <summary>
    /// Element type of the statistics, inputs and outputs: <c>typeof(float)</c> (the default) or <c>typeof(double)</c>.
    /// </summary>
    public Type ElementType { get; set; } = typeof(float);

    /// <summary>
    /// Whether the layer promises the same bits on every machine and runtime (default <c>false</c>). Its arithmetic is a
    /// subtraction, a division and comparisons, each exactly rounded, so every kernel already gives the same bits under
    /// .NET's JIT; a deterministic layer also rounds every step explicitly in its element-by-element code (for runtimes
    /// that keep intermediates wider) and, like deterministic dense layers, counts towards the process's deterministic
    /// mode (docs/determinism.md).
    /// </summary>
    public bool Deterministic { get; set; }
}
