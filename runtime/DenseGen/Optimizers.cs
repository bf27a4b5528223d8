using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static DenseGen.SpanVectors;

namespace DenseGen;

/// <summary>
/// Updates one layer's <see cref="IDenseParameters{T}.Weights"/> and <see cref="IDenseParameters{T}.Bias"/> from its
/// accumulated gradients. Create one optimizer per layer: its state (momentum, moment estimates) is allocated
/// once, in the constructor, for that layer's shape; <see cref="Step(IDenseParameters{T})"/> allocates nothing.
/// </summary>
/// <typeparam name="T">The layer's element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// A step reads the gradients and leaves them as they are: call the layer's <c>ZeroGradients</c> before the next
/// batch's <c>Backward</c>, as with PyTorch's <c>zero_grad</c>. Hyperparameters may be changed between steps
/// (a learning-rate schedule, say).
/// </remarks>
public abstract class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _inputSize;
    private readonly int _outputSize;

    /// <summary>Sizes the optimizer for <paramref name="layer"/>; later steps must be given a layer of the same shape.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
    protected Optimizer(IDenseParameters<T> layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        _inputSize = layer.InputSize;
        _outputSize = layer.OutputSize;
    }

    /// <summary>Number of parameters of the layer: weights, then biases. State arrays are laid out the same way.</summary>
    protected int ParameterCount => _inputSize * _outputSize + _outputSize;

    /// <summary>Number of steps taken so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Applies one update to a class layer (or any layer held by reference).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="layer"/> differs in shape from the layer this optimizer was created for; nothing is changed.</exception>
    public void Step(IDenseParameters<T> layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        RequireShape(layer.InputSize, layer.OutputSize);
        Steps++;
        Update(layer.Weights, layer.WeightGradients, 0);
        Update(layer.Bias, layer.BiasGradients, _inputSize * _outputSize);
    }

    /// <summary>Applies one update to a struct layer in place, without copying or boxing it.</summary>
    /// <exception cref="ArgumentException"><paramref name="layer"/> differs in shape from the layer this optimizer was created for; nothing is changed.</exception>
    public void Step<TLayer>(ref TLayer layer) where TLayer : struct, IDenseParameters<T>
    {
        RequireShape(layer.InputSize, layer.OutputSize);
        Steps++;
        Update(layer.Weights, layer.WeightGradients, 0);
        Update(layer.Bias, layer.BiasGradients, _inputSize * _outputSize);
    }

    /// <summary>
    /// Updates <paramref name="parameters"/> from <paramref name="gradients"/> (same length); the state of
    /// parameter <c>i</c> is at <c>stateOffset + i</c>. <see cref="Steps"/> already counts this step.
    /// </summary>
    protected abstract void Update(Span<T> parameters, ReadOnlySpan<T> gradients, int stateOffset);

    /// <summary>Converts a hyperparameter given as a <see cref="double"/>, checking it lies in <c>[min, max)</c> or <c>[min, max]</c>.</summary>
    private protected static T Hyperparameter(double value, string name, double min, double max, bool maxInclusive)
    {
        if (!(value >= min) || (maxInclusive ? value > max : value >= max))
        {
            throw new ArgumentOutOfRangeException(name, value, string.Format(CultureInfo.InvariantCulture,
                "{0} must be in [{1}, {2}{3}.", name, min, max, maxInclusive ? "]" : ")"));
        }
        return T.CreateChecked(value);
    }

    private void RequireShape(int inputSize, int outputSize)
    {
        if (inputSize != _inputSize || outputSize != _outputSize)
        {
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                "layer is {0}→{1}; this optimizer was created for a {2}→{3} layer. Create one optimizer per layer.",
                inputSize, outputSize, _inputSize, _outputSize), "layer");
        }
    }
}

/// <summary>
/// Stochastic gradient descent with optional momentum and weight decay, as PyTorch's <c>torch.optim.SGD</c>
/// (no dampening, no Nesterov): <c>g = ∇ + λ p</c>; with momentum <c>μ &gt; 0</c>, <c>v = μ v + g</c> and
/// <c>p −= η v</c>; without, <c>p −= η g</c>.
/// </summary>
/// <typeparam name="T">The layer's element type.</typeparam>
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _velocity;
    private T _learningRate, _momentum, _weightDecay;

    /// <summary>Creates an SGD optimizer for <paramref name="layer"/>; momentum state is allocated here, if any.</summary>
    /// <param name="layer">The layer this optimizer will step.</param>
    /// <param name="learningRate">η, at least 0.</param>
    /// <param name="momentum">μ, in [0, 1); 0 (the default) keeps no state.</param>
    /// <param name="weightDecay">λ, the L2 penalty added to the gradient, at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (or NaN).</exception>
    public Sgd(IDenseParameters<T> layer, double learningRate, double momentum = 0, double weightDecay = 0)
        : base(layer)
    {
        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        _velocity = momentum > 0 ? new T[ParameterCount] : [];
    }

    /// <summary>η. Setting it checks the range as the constructor does.</summary>
    public double LearningRate
    {
        get => double.CreateChecked(_learningRate);
        set => _learningRate = Hyperparameter(value, nameof(LearningRate), 0, double.MaxValue, maxInclusive: true);
    }

    /// <summary>μ. May only become non-zero if it was non-zero at construction (the state is allocated there).</summary>
    public double Momentum
    {
        get => double.CreateChecked(_momentum);
        set
        {
            T momentum = Hyperparameter(value, nameof(Momentum), 0, 1, maxInclusive: false);
            if (momentum != T.Zero && _velocity is { Length: 0 })
                throw new InvalidOperationException("Momentum was 0 when this optimizer was created, so it keeps no velocity; create it with the momentum you need.");
            _momentum = momentum;
        }
    }

    /// <summary>λ.</summary>
    public double WeightDecay
    {
        get => double.CreateChecked(_weightDecay);
        set => _weightDecay = Hyperparameter(value, nameof(WeightDecay), 0, double.MaxValue, maxInclusive: true);
    }

    /// <inheritdoc/>
    protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients, int stateOffset)
    {
        ref T p = ref MemoryMarshal.GetReference(parameters);
        ref T g = ref MemoryMarshal.GetReference(gradients);
        T rate = _learningRate, decay = _weightDecay, momentum = _momentum;
        if (_velocity.Length == 0 || momentum == T.Zero)
        {
            for (int i = 0; i < parameters.Length; i++)
            {
                ref T pi = ref Unsafe.Add(ref p, i);
                pi -= rate * (Unsafe.Add(ref g, i) + decay * pi);
            }
            return;
        }
        ref T v = ref _velocity[stateOffset];
        for (int i = 0; i < parameters.Length; i++)
        {
            ref T pi = ref Unsafe.Add(ref p, i);
            ref T vi = ref Unsafe.Add(ref v, i);
            vi = momentum * vi + (Unsafe.Add(ref g, i) + decay * pi);
            pi -= rate * vi;
        }
    }
}

/// <summary>
/// Adam, as PyTorch's <c>torch.optim.Adam</c>: <c>g = ∇ + λ p</c>, <c>m = β₁ m + (1 − β₁) g</c>,
/// <c>v = β₂ v + (1 − β₂) g²</c>, and with the bias corrections <c>c₁ = 1 − β₁ᵗ</c>, <c>c₂ = 1 − β₂ᵗ</c>:
/// <c>p −= (η / c₁) m / (√v / √c₂ + ε)</c>.
/// </summary>
/// <typeparam name="T">The layer's element type.</typeparam>
public sealed class Adam<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _firstMoment;
    private readonly T[] _secondMoment;
    private double _learningRate, _beta1, _beta2;
    private T _epsilon, _weightDecay;

    /// <summary>Creates an Adam optimizer for <paramref name="layer"/>, allocating its two moment arrays.</summary>
    /// <param name="layer">The layer this optimizer will step.</param>
    /// <param name="learningRate">η, at least 0; PyTorch's default 0.001.</param>
    /// <param name="beta1">β₁, in [0, 1).</param>
    /// <param name="beta2">β₂, in [0, 1).</param>
    /// <param name="epsilon">ε, greater than 0 in practice (at least 0).</param>
    /// <param name="weightDecay">λ, the L2 penalty added to the gradient (not decoupled as in AdamW), at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (or NaN).</exception>
    public Adam(IDenseParameters<T> layer, double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0)
        : base(layer)
    {
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        _firstMoment = new T[ParameterCount];
        _secondMoment = new T[ParameterCount];
    }

    /// <summary>η.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set { Hyperparameter(value, nameof(LearningRate), 0, double.MaxValue, maxInclusive: true); _learningRate = value; }
    }

    /// <summary>β₁.</summary>
    public double Beta1
    {
        get => _beta1;
        set { Hyperparameter(value, nameof(Beta1), 0, 1, maxInclusive: false); _beta1 = value; }
    }

    /// <summary>β₂.</summary>
    public double Beta2
    {
        get => _beta2;
        set { Hyperparameter(value, nameof(Beta2), 0, 1, maxInclusive: false); _beta2 = value; }
    }

    /// <summary>ε.</summary>
    public double Epsilon
    {
        get => double.CreateChecked(_epsilon);
        set => _epsilon = Hyperparameter(value, nameof(Epsilon), 0, double.MaxValue, maxInclusive: true);
    }

    /// <summary>λ.</summary>
    public double WeightDecay
    {
        get => double.CreateChecked(_weightDecay);
        set => _weightDecay = Hyperparameter(value, nameof(WeightDecay), 0, double.MaxValue, maxInclusive: true);
    }

    /// <inheritdoc/>
    protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients, int stateOffset)
    {
        // The bias corrections in double whatever T is, as PyTorch computes them on the host in double.
        double correction1 = 1 - Math.Pow(_beta1, Steps);
        double correction2 = 1 - Math.Pow(_beta2, Steps);
        T stepSize = T.CreateChecked(_learningRate / correction1);
        T inverseRootCorrection2 = T.CreateChecked(1 / Math.Sqrt(correction2));
        T beta1 = T.CreateChecked(_beta1), beta2 = T.CreateChecked(_beta2);
        T oneMinusBeta1 = T.CreateChecked(1 - _beta1), oneMinusBeta2 = T.CreateChecked(1 - _beta2);
        T epsilon = _epsilon, decay = _weightDecay;

        ref T p = ref MemoryMarshal.GetReference(parameters);
        ref T g = ref MemoryMarshal.GetReference(gradients);
        ref T m = ref _firstMoment[stateOffset];
        ref T v = ref _secondMoment[stateOffset];
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<T> beta1s = new(beta1), beta2s = new(beta2), oneMinusBeta1s = new(oneMinusBeta1), oneMinusBeta2s = new(oneMinusBeta2);
            Vector<T> stepSizes = new(stepSize), inverseRoots = new(inverseRootCorrection2), epsilons = new(epsilon), decays = new(decay);
            for (; i <= parameters.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> pv = Load(ref p, i);
                Vector<T> gv = Load(ref g, i) + decays * pv;
                Vector<T> mv = beta1s * Load(ref m, i) + oneMinusBeta1s * gv;
                Vector<T> vv = beta2s * Load(ref v, i) + oneMinusBeta2s * (gv * gv);
                Store(mv, ref m, i);
                Store(vv, ref v, i);
                Store(pv - stepSizes * mv / (Vector.SquareRoot(vv) * inverseRoots + epsilons), ref p, i);
            }
        }
        for (; i < parameters.Length; i++)
        {
            ref T pi = ref Unsafe.Add(ref p, i);
            T gi = Unsafe.Add(ref g, i) + decay * pi;
            ref T mi = ref Unsafe.Add(ref m, i);
            ref T vi = ref Unsafe.Add(ref v, i);
            mi = beta1 * mi + oneMinusBeta1 * gi;
            vi = beta2 * vi + oneMinusBeta2 * (gi * gi);
            pi -= stepSize * mi / (T.Sqrt(vi) * inverseRootCorrection2 + epsilon);
        }
    }
}
