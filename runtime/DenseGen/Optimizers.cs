using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using DenseGen.CompilerServices;
#if NET8_0_OR_GREATER
using System.Numerics;
#endif

namespace DenseGen;

/// <summary>
/// Updates the parameters of a layer or network (anything <see cref="ITrainable{T}"/>) from its accumulated gradients.
/// An optimizer binds to what it updates once, at construction, where its state (momentum, moment estimates) is
/// allocated for that model's tensors; a step allocates nothing.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// <para>
/// Class layers and class networks: create the optimizer with the model and call <see cref="Step()"/>. A struct model
/// cannot be held by reference, so an optimizer created with a struct (it is boxed once, to read its tensor sizes)
/// is typed to that struct: call <see cref="Step{TModel}(ref TModel)"/> with the struct itself.
/// </para>
/// <para>
/// A step reads the gradients and leaves them as they are: call <c>ZeroGradients</c> before the next batch's
/// <c>Backward</c>, as with PyTorch's <c>zero_grad</c>. Hyperparameters may be changed between steps (a learning-rate
/// schedule, say). <see cref="Save"/> and <see cref="Load"/> keep the state, so training can resume where it stopped.
/// </para>
/// <para>
/// The updates follow PyTorch's formulas with one difference: a momentum (Adam's first moment, SGD's velocity) that
/// decays below the smallest normal number becomes zero, as under a flush-to-zero CPU mode. That happens to weights
/// whose gradient has stayed zero for some hundred steps; arithmetic on subnormal numbers is several times slower on
/// common x64 cores, and the update such a momentum makes is far below its parameter's last bit.
/// </para>
/// </remarks>
public abstract partial class Optimizer<T>
    where T : unmanaged
#if NET8_0_OR_GREATER
    , IFloatingPointIeee754<T>
#endif
{
    private readonly ITrainable<T>? _model;
    private readonly Type _modelType;
    private readonly int _modelTensorCount;

    // The model's indices of the tensors it trains; the arrays below describe those, in the same order.
    private readonly int[] _tensorIndices;
    private readonly string[] _tensorNames;
    private readonly int[] _tensorOffsets;
    private readonly int[] _tensorLengths;
    private readonly int[][] _tensorShapes;

    /// <summary>Binds the optimizer to <paramref name="model"/> and records the length of each of its tensors.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="model"/> has no parameter tensors, or too many parameters for one array.</exception>
    protected Optimizer(ITrainable<T> model)
    {
        Argument.NotNull(model, nameof(model));
        _modelType = model.GetType();
        // A boxed struct is a copy: stepping it would change nothing the caller sees, so struct models are stepped by ref.
        _model = _modelType.IsValueType ? null : model;
        // A tensor the model saves but does not train (a recurrent layer's initial state, unless it learns it) gives an
        // empty gradient: the optimizer keeps no state for it and never writes it.
        int count = model.ParameterTensorCount;
        var trained = new List<int>(count);
        for (int i = 0; i < count; i++)
        {
            int gradientLength = model.GradientTensor(i).Length;
            if (gradientLength == 0)
                continue;
            if (gradientLength != model.ParameterTensor(i).Length)
                throw new ArgumentException($"{_modelType.Name} gives tensor '{model.ParameterTensorName(i)}' a gradient of {gradientLength} elements for its {model.ParameterTensor(i).Length}.", nameof(model));
            trained.Add(i);
        }
        if (trained.Count == 0)
            throw new ArgumentException($"{_modelType.Name} has no parameter tensors to optimize (are all its layers frozen?).", nameof(model));
        _modelTensorCount = count;
        _tensorIndices = trained.ToArray();
        _tensorNames = new string[trained.Count];
        _tensorOffsets = new int[trained.Count];
        _tensorLengths = new int[trained.Count];
        // Each tensor's state starts on a cache line, as the generated layers' parameters do, so the update's vectors
        // never straddle two lines.
        int line = CacheLine / ElementSize;
        int total = 0, padded = 0;
        for (int j = 0; j < trained.Count; j++)
        {
            _tensorNames[j] = model.ParameterTensorName(trained[j]);
            _tensorLengths[j] = model.ParameterTensor(trained[j]).Length;
            _tensorOffsets[j] = padded;
            if (_tensorLengths[j] > MaxArrayLength - line - padded)
                throw new ArgumentException($"{_modelType.Name} has more parameters than one array of optimizer state can hold.", nameof(model));
            total += _tensorLengths[j];
            padded += (_tensorLengths[j] + line - 1) / line * line;
        }
        _tensorShapes = new int[trained.Count][];
        for (int j = 0; j < trained.Count; j++)
        {
            // The state keeps each tensor's shape (as PyTorch's optimizers keep it), from the model's own table.
            TensorDescription description = model.DescribeParameterTensor(trained[j]);
            if (description.Length != _tensorLengths[j])
                throw new ArgumentException($"{_modelType.Name} describes tensor '{_tensorNames[j]}' as {description.Length} elements but gives a span of {_tensorLengths[j]}.", nameof(model));
            _tensorShapes[j] = description.ShapeArray();
        }
        ParameterCount = total;
        StateLength = padded;
    }

    /// <summary>Number of parameters of the model, all tensors together.</summary>
    protected int ParameterCount { get; }

    /// <summary>
    /// Length of one state array: the tensors one after another, each from a cache line (the offsets
    /// <see cref="Update"/> is given).
    /// </summary>
    private protected int StateLength { get; }

    /// <summary>Number of steps taken so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Applies one update to the class layer or network this optimizer was created with.</summary>
    /// <exception cref="InvalidOperationException">The optimizer was created with a struct; call <see cref="Step{TModel}(ref TModel)"/>.</exception>
    public void Step()
    {
        if (_model is null)
        {
            throw new InvalidOperationException(
                $"This optimizer was created with the struct {_modelType.Name}, which it cannot hold by reference; call Step(ref model) with it.");
        }
        ITrainable<T> model = _model;
        Apply(ref model);
    }

    /// <summary>Applies one update to a struct layer or network in place, without copying or boxing it.</summary>
    /// <exception cref="ArgumentException">
    /// The optimizer was created with another type, or a tensor's length differs from what it recorded; nothing is changed.
    /// </exception>
    public void Step<TModel>(ref TModel model) where TModel : struct, ITrainable<T>
    {
        if (typeof(TModel) != _modelType)
        {
            throw new ArgumentException(_model is null
                ? $"This optimizer was created for {_modelType.Name}, not {typeof(TModel).Name}; create one optimizer per model."
                : $"This optimizer was created with the class {_modelType.Name} and steps it with Step(); it cannot step {typeof(TModel).Name}.", nameof(model));
        }
        Apply(ref model);
    }

    private void Apply<TModel>(ref TModel model) where TModel : ITrainable<T>
    {
        // Checked before anything is written, so a mismatched model is left as it was.
        if (model.ParameterTensorCount != _modelTensorCount)
            throw new ArgumentException($"the model has {model.ParameterTensorCount} parameter tensors; this optimizer was created for {_modelTensorCount}.", nameof(model));
        for (int j = 0; j < _tensorIndices.Length; j++)
        {
            int i = _tensorIndices[j];
            if (model.ParameterTensor(i).Length != _tensorLengths[j] || model.GradientTensor(i).Length != _tensorLengths[j])
                throw new ArgumentException($"tensor {i} ({_tensorNames[j]}) of the model differs in length from the one this optimizer was created for.", nameof(model));
        }
        Steps++;
        for (int j = 0; j < _tensorIndices.Length; j++)
            Update(model.ParameterTensor(_tensorIndices[j]), model.GradientTensor(_tensorIndices[j]), _tensorOffsets[j]);
    }

    /// <summary>
    /// Updates <paramref name="parameters"/> from <paramref name="gradients"/> (same length); the state of
    /// parameter <c>i</c> is at <c>stateOffset + i</c>. <see cref="Steps"/> already counts this step.
    /// </summary>
    protected abstract void Update(Span<T> parameters, ReadOnlySpan<T> gradients, int stateOffset);

    /// <summary>The names of this optimizer's state arrays as PyTorch's optimizers name them (<c>exp_avg</c>, …); empty when it keeps none.</summary>
    private protected abstract string[] StateNames { get; }

    /// <summary>State array <paramref name="index"/> of <see cref="StateNames"/>, <see cref="StateLength"/> long.</summary>
    private protected abstract Span<T> State(int index);

    /// <summary>
    /// Writes the optimizer's state (its step count and, per parameter tensor, each state array in the tensor's shape,
    /// named <c>{tensor}.{state}</c> such as <c>hidden.weight.exp_avg</c>) to a safetensors file, atomically.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist; nothing is written.</exception>
    /// <exception cref="IOException">The file could not be written; <paramref name="path"/> is unchanged.</exception>
    public void Save(string path)
    {
        Argument.NotNullOrEmpty(path, nameof(path));
        var tensors = new List<(string Name, int[] Shape, T[] Data)>();
        string[] states = StateNames;
        for (int k = 0; k < states.Length; k++)
        {
            Span<T> state = State(k);
            for (int i = 0; i < _tensorNames.Length; i++)
                tensors.Add((_tensorNames[i] + "." + states[k], _tensorShapes[i], state.Slice(_tensorOffsets[i], _tensorLengths[i]).ToArray()));
        }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [OptimizerKey] = GetType().Name.Split('`')[0],
            [StepsKey] = Steps.ToString(CultureInfo.InvariantCulture),
        };
        SafeTensorsFile.Write(path, tensors, metadata);
    }

    /// <summary>
    /// Reads state written by <see cref="Save"/> for the same kind of optimizer and the same model. Everything is
    /// checked first (optimizer kind, every tensor present in its parameter's shape, or flattened as earlier versions
    /// wrote it, nothing unexpected); on an error the optimizer is unchanged.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not valid, was written by another optimizer or for another model; the message says what differs.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public void Load(string path)
    {
        Argument.NotNullOrEmpty(path, nameof(path));
        SafeTensorsFile file = SafeTensorsFile.Read(path);
        string source = Path.GetFileName(path);
        string kind = GetType().Name.Split('`')[0];
        if (!file.Metadata.TryGetValue(OptimizerKey, out string? savedKind) || savedKind != kind)
            throw new InvalidDataException($"{source}: the file holds the state of {(savedKind is null ? "no DenseGen optimizer" : WithArticle(savedKind) + " optimizer")}, not of {WithArticle(kind)} optimizer.");
        if (!file.Metadata.TryGetValue(StepsKey, out string? stepsText) || !long.TryParse(stepsText, NumberStyles.None, CultureInfo.InvariantCulture, out long steps))
            throw new InvalidDataException($"{source}: the file records no valid step count ('{StepsKey}').");
        string[] states = StateNames;
        var expected = new HashSet<string>(StringComparer.Ordinal);
        for (int k = 0; k < states.Length; k++)
        {
            for (int i = 0; i < _tensorNames.Length; i++)
            {
                string name = _tensorNames[i] + "." + states[k];
                expected.Add(name);
                file.RequireOptimizerState(name, _tensorNames[i], _tensorShapes[i]);
            }
        }
        foreach (string name in file.Tensors.Keys)
        {
            if (!expected.Contains(name))
                throw new InvalidDataException($"{source}: the file has the tensor '{name}', which this optimizer's model does not have.");
        }
        for (int k = 0; k < states.Length; k++)
        {
            Span<T> state = State(k);
            for (int i = 0; i < _tensorNames.Length; i++)
                file.CopyTo(_tensorNames[i] + "." + states[k], state.Slice(_tensorOffsets[i], _tensorLengths[i]));
        }
        Steps = steps;
    }

    /// <summary>"an Adam", "an Sgd" (said "ess-gee-dee"), "a Momentum": the article as the name is said.</summary>
    private static string WithArticle(string kind) =>
        (kind.Length > 0 && (kind == "Sgd" || "AEIOUaeiou".IndexOf(kind[0]) >= 0) ? "an " : "a ") + kind;

    // Array.MaxLength, which .NET Standard lacks.
    private const int MaxArrayLength = 0x7FFF_FFC7;

    private const int CacheLine = 64;

    private static unsafe int ElementSize => sizeof(T);

    /// <summary>β to the power of the step count: Math.Pow, or in deterministic mode DenseGen's own (see <see cref="DeterministicMode"/>).</summary>
    private protected double BiasCorrectionPower(double beta) =>
        DeterministicMode.IsEnabled ? DeterministicMath.Pow(beta, Steps) : Math.Pow(beta, Steps);

    private const string OptimizerKey = "densegen.optimizer";
    private const string StepsKey = "densegen.steps";

    /// <summary>
    /// Returns a hyperparameter after checking it lies in <c>[min, max)</c> or <c>[min, max]</c>; NaN lies in neither.
    /// <c>[min, double.MaxValue]</c> is said as "a finite number" in errors, not as a range ending in 1.7976931348623157E+308.
    /// </summary>
    private protected static double Hyperparameter(double value, string name, double min, double max, bool maxInclusive)
    {
        if (!(value >= min) || (maxInclusive ? value > max : value >= max))
        {
            string range = maxInclusive && max == double.MaxValue
                ? (min == 0 ? "a finite, non-negative number" : string.Format(CultureInfo.InvariantCulture, "a finite number, at least {0}", min))
                : string.Format(CultureInfo.InvariantCulture, "in [{0}, {1}{2}", min, max, maxInclusive ? "]" : ")");
            throw new ArgumentOutOfRangeException(name, value, string.Format(CultureInfo.InvariantCulture, "{0} must be {1}, not {2}.", name, range, value));
        }
        return value;
    }
}

/// <summary>
/// Stochastic gradient descent with optional momentum and weight decay, as PyTorch's <c>torch.optim.SGD</c>
/// (no dampening, no Nesterov): <c>g = ∇ + λ p</c>; with momentum <c>μ &gt; 0</c>, <c>v = μ v + g</c> and
/// <c>p −= η v</c>; without, <c>p −= η g</c>.
/// </summary>
/// <typeparam name="T">The layer's element type.</typeparam>
public sealed partial class Sgd<T> : Optimizer<T>
    where T : unmanaged
#if NET8_0_OR_GREATER
    , IFloatingPointIeee754<T>
#endif
{
    private readonly AlignedArray<T> _velocity;
    private readonly bool _hasVelocity;
    private double _learningRate, _momentum, _weightDecay;

    /// <summary>Creates an SGD optimizer for <paramref name="model"/>; momentum state is allocated here, if any.</summary>
    /// <param name="model">The layer or network this optimizer will step.</param>
    /// <param name="learningRate">η, at least 0.</param>
    /// <param name="momentum">μ, in [0, 1); 0 (the default) keeps no state.</param>
    /// <param name="weightDecay">λ, the L2 penalty added to the gradient, at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (or NaN).</exception>
    public Sgd(ITrainable<T> model, double learningRate, double momentum = 0, double weightDecay = 0)
        : base(model)
    {
        _hasVelocity = momentum > 0;
        _velocity = new AlignedArray<T>(_hasVelocity ? StateLength : 0);
        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
    }

    /// <summary>η. Setting it checks the range as the constructor does.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = Hyperparameter(value, nameof(LearningRate), 0, double.MaxValue, maxInclusive: true);
    }

    /// <summary>μ. May only become non-zero if it was non-zero at construction (the state is allocated there).</summary>
    public double Momentum
    {
        get => _momentum;
        set
        {
            double momentum = Hyperparameter(value, nameof(Momentum), 0, 1, maxInclusive: false);
            if (momentum != 0 && !_hasVelocity)
                throw new InvalidOperationException("Momentum was 0 when this optimizer was created, so it keeps no velocity; create it with the momentum you need.");
            _momentum = momentum;
        }
    }

    /// <summary>λ.</summary>
    public double WeightDecay
    {
        get => _weightDecay;
        set => _weightDecay = Hyperparameter(value, nameof(WeightDecay), 0, double.MaxValue, maxInclusive: true);
    }

    private protected override string[] StateNames => _hasVelocity ? ["momentum_buffer"] : [];

    private protected override Span<T> State(int index) => _velocity.Span;
}

/// <summary>
/// Adam, as PyTorch's <c>torch.optim.Adam</c>: <c>g = ∇ + λ p</c>, <c>m = β₁ m + (1 − β₁) g</c>,
/// <c>v = β₂ v + (1 − β₂) g²</c>, and with the bias corrections <c>c₁ = 1 − β₁ᵗ</c>, <c>c₂ = 1 − β₂ᵗ</c>:
/// <c>p −= (η / c₁) m / (√v / √c₂ + ε)</c>, except that an <c>m</c> below the smallest normal number becomes zero
/// (see <see cref="Optimizer{T}"/>).
/// </summary>
/// <typeparam name="T">The layer's element type.</typeparam>
public sealed partial class Adam<T> : Optimizer<T>
    where T : unmanaged
#if NET8_0_OR_GREATER
    , IFloatingPointIeee754<T>
#endif
{
    private readonly AlignedArray<T> _firstMoment;
    private readonly AlignedArray<T> _secondMoment;
    private double _learningRate, _beta1, _beta2;
    private double _epsilon, _weightDecay;

    /// <summary>Creates an Adam optimizer for <paramref name="model"/>, allocating its two moment arrays.</summary>
    /// <param name="model">The layer or network this optimizer will step.</param>
    /// <param name="learningRate">η, at least 0; PyTorch's default 0.001.</param>
    /// <param name="beta1">β₁, in [0, 1).</param>
    /// <param name="beta2">β₂, in [0, 1).</param>
    /// <param name="epsilon">ε, greater than 0 in practice (at least 0).</param>
    /// <param name="weightDecay">λ, the L2 penalty added to the gradient (not decoupled as in AdamW), at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (or NaN).</exception>
    public Adam(ITrainable<T> model, double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0)
        : base(model)
    {
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        _firstMoment = new AlignedArray<T>(StateLength);
        _secondMoment = new AlignedArray<T>(StateLength);
    }

    /// <summary>η.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = Hyperparameter(value, nameof(LearningRate), 0, double.MaxValue, maxInclusive: true);
    }

    /// <summary>β₁.</summary>
    public double Beta1
    {
        get => _beta1;
        set => _beta1 = Hyperparameter(value, nameof(Beta1), 0, 1, maxInclusive: false);
    }

    /// <summary>β₂.</summary>
    public double Beta2
    {
        get => _beta2;
        set => _beta2 = Hyperparameter(value, nameof(Beta2), 0, 1, maxInclusive: false);
    }

    /// <summary>ε.</summary>
    public double Epsilon
    {
        get => _epsilon;
        set => _epsilon = Hyperparameter(value, nameof(Epsilon), 0, double.MaxValue, maxInclusive: true);
    }

    /// <summary>λ.</summary>
    public double WeightDecay
    {
        get => _weightDecay;
        set => _weightDecay = Hyperparameter(value, nameof(WeightDecay), 0, double.MaxValue, maxInclusive: true);
    }

    private protected override string[] StateNames => ["exp_avg", "exp_avg_sq"];

    private protected override Span<T> State(int index) => index == 0 ? _firstMoment.Span : _secondMoment.Span;
}
