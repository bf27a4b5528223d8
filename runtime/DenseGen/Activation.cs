namespace DenseGen;

/// <summary>
/// The element-wise function a layer applies to <c>W x + b</c>; set with <see cref="DenseAttribute.Activation"/>.
/// A layer with an activation other than <see cref="None"/> computes <c>y = act(W x + b)</c> in <c>Forward</c>, and
/// its <c>Backward</c> takes the forward's output as well, from which it computes the activation's derivative.
/// </summary>
public enum Activation
{
    /// <summary>No activation: <c>y = W x + b</c>.</summary>
    None = 0,

    /// <summary><c>max(0, z)</c>. Its derivative is taken as 0 at <c>z = 0</c>, as PyTorch does.</summary>
    ReLU = 1,

    /// <summary>
    /// <c>z</c> for <c>z &gt; 0</c>, else <c>0.01 z</c> (the negative slope is PyTorch's default,
    /// <see cref="Activations.LeakyReLUNegativeSlope"/>), or the layer's <see cref="DenseAttribute.NegativeSlope"/>.
    /// </summary>
    LeakyReLU = 2,

    /// <summary>The logistic function <c>1 / (1 + e^(−z))</c>; derivative <c>y (1 − y)</c>.</summary>
    Sigmoid = 3,

    /// <summary>The hyperbolic tangent; derivative <c>1 − y²</c>.</summary>
    Tanh = 4,

    /// <summary>
    /// The exponential linear unit with α = 1, PyTorch's <c>nn.ELU()</c>: <c>z</c> for <c>z &gt; 0</c>, else
    /// <c>e^z − 1</c> (computed without cancellation near 0); derivative 1 where <c>y &gt; 0</c>, else <c>y + 1</c>.
    /// </summary>
    ELU = 5,

    /// <summary>
    /// The sigmoid-weighted linear unit (swish), PyTorch's <c>nn.SiLU()</c> and Unity ML-Agents' activation:
    /// <c>z σ(z) = z / (1 + e^(−z))</c>. Its derivative <c>σ(z) (1 + z (1 − σ(z)))</c> is not a function of its output,
    /// so a layer's <c>Backward</c> recomputes <c>z = W x + b</c> from its input (the output argument is checked but not
    /// read); <see cref="Activations.SiLUBackward{T}"/> takes <c>z</c>.
    /// </summary>
    SiLU = 6,
}
