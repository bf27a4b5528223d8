using System;

namespace DenseGen;

/// <summary>
/// Marks a <c>partial</c> class or struct as a fully connected layer, <c>y = W x + b</c>, whose sizes are
/// compile-time constants. The DenseGen source generator adds the layer's parameters, gradients and its
/// <c>Forward</c>, <c>Backward</c> and <c>ZeroGradients</c> methods, specialized to <see cref="In"/> and
/// <see cref="Out"/>.
/// </summary>
/// <example>
/// <code>
/// [Dense(In = 784, Out = 128)]
/// public partial class Hidden;
///
/// [Dense(In = 784, Out = 128, Activation = Activation.ReLU)]
/// public partial class HiddenWithReLU;
///
/// [Dense(In = 3, Out = 2, ElementType = typeof(double))]
/// public partial struct Tiny;
/// </code>
/// </example>
/// <remarks>
/// The annotated type and every type containing it must be <c>partial</c> and non-generic. A struct layer
/// holds its parameters and gradients inline, so it is as large as they are: prefer a class for large layers.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>Number of inputs per sample (the length of <c>x</c>). Required; at least 1.</summary>
    public int In { get; set; }

    /// <summary>Number of outputs per sample (the length of <c>y</c>). Required; at least 1.</summary>
    public int Out { get; set; }

    /// <summary>
    /// Element type of parameters, inputs and outputs: <c>typeof(float)</c> (the default) or <c>typeof(double)</c>.
    /// </summary>
    public Type ElementType { get; set; } = typeof(float);

    /// <summary>How far to unroll the generated kernels: <see cref="UnrollMode.Auto"/> (the default) or <see cref="UnrollMode.Full"/>.</summary>
    public UnrollMode Unroll { get; set; } = UnrollMode.Auto;

    /// <summary>
    /// The activation applied to <c>W x + b</c> (<see cref="DenseGen.Activation.None"/>, the default, applies none).
    /// With an activation the layer implements <see cref="IActivatedDenseLayer{T}"/>, whose <c>Backward</c> also takes
    /// the forward's output.
    /// </summary>
    public Activation Activation { get; set; } = Activation.None;

    /// <summary>
    /// The slope of <see cref="DenseGen.Activation.LeakyReLU"/> below 0: <c>y = NegativeSlope · z</c> where <c>z &lt; 0</c>.
    /// The default, 0.01, is PyTorch's and ONNX's; Keras and TensorFlow exports often use 0.2 or 0.3. A finite number
    /// greater than 0 (DG0035 otherwise), and only with <c>Activation = LeakyReLU</c>. A layer with another slope records it
    /// in the architecture its weight files hold, so a file trained at 0.2 does not load into a layer at 0.01, and loads
    /// an ONNX <c>LeakyRelu</c> whose <c>alpha</c> equals it as a float.
    /// </summary>
    public double NegativeSlope { get; set; } = Activations.LeakyReLUNegativeSlope;

    /// <summary>
    /// Whether the layer learns (the default). A frozen layer (<c>Trainable = false</c>) has no gradient storage, half
    /// the memory, and its <c>Backward</c> only passes the gradient on to its input; optimizers do not see it. A network
    /// of frozen layers is inference-only: what a game or a device ships.
    /// </summary>
    public bool Trainable { get; set; } = true;

    /// <summary>
    /// Whether the layer computes the same bits on every machine (default <c>false</c>): its sums run in one fixed
    /// order whatever vector width the processor has, without fused multiply-adds, and its sigmoid and tanh are
    /// DenseGen's own (docs/determinism.md). It costs time: 1.3–1.8× the default kernels' for one sample, 3–4× for a
    /// batch (docs/performance.md).
    /// </summary>
    public bool Deterministic { get; set; }

    /// <summary>
    /// Whether the layer adds a bias <c>b</c> (the default). A bias-free layer (<c>Bias = false</c>, PyTorch's
    /// <c>nn.Linear(bias=False)</c>) computes <c>y = W x</c>: it has no bias storage or gradient (its <c>Bias</c> and
    /// <c>BiasGradients</c> are empty spans), its weight files hold no <c>bias</c> tensor, and it refuses a file that has
    /// one unless loaded with <c>strict: false</c>.
    /// </summary>
    public bool Bias { get; set; } = true;
}
