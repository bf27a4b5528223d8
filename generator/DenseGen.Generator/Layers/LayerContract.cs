using System.Globalization;
using System.Linq;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Layers;

/// <summary>
/// One sample's shape at a layer's input or output: a flat size, channels × height × width, or a size per time step.
/// Networks chain layers by <see cref="Size"/>: a flat size equal to <c>C·H·W</c> is an implicit flatten.
/// </summary>
/// <param name="Size">Elements per sample (per time step, for a sequence).</param>
/// <param name="Channels">For an image shape, <c>C</c>; 0 for a flat one.</param>
/// <param name="PerTimeStep">Whether the layer reads or writes a sequence of <see cref="Size"/> elements per time step.</param>
/// <param name="SizeProperty">The attribute property that sets the size (<c>In</c>, <c>Out</c>, <c>Hidden</c>, ...), which diagnostics name.</param>
internal sealed record LayerShape(int Size, int Channels = 0, int Height = 0, int Width = 0, bool PerTimeStep = false, string SizeProperty = "")
{
    public static LayerShape Flat(int size, string sizeProperty) => new(size, SizeProperty: sizeProperty);

    /// <summary>Whether a layer producing this shape can feed one that takes <paramref name="next"/>.</summary>
    public bool Chains(LayerShape next) =>
        Size == next.Size && PerTimeStep == next.PerTimeStep
        && (Channels == 0 || next.Channels == 0 || (Channels == next.Channels && Height == next.Height && Width == next.Width));

    /// <summary>As diagnostics write it: <c>784</c>, <c>[3, 32, 32]</c>, or <c>16 per time step</c>.</summary>
    public override string ToString()
    {
        string size = Channels > 0
            ? string.Format(CultureInfo.InvariantCulture, "[{0}, {1}, {2}]", Channels, Height, Width)
            : Size.ToString(CultureInfo.InvariantCulture);
        return PerTimeStep ? size + " per time step" : size;
    }
}

/// <summary>What a layer's tensor is to the network: a parameter (initialized, saved, trained where the layer learns) or state (saved and loaded; trained only where the kind says).</summary>
internal enum TensorRole
{
    Parameter,
    State,
}

/// <summary>What a layer's <c>Backward</c> needs kept from its <c>Forward</c> besides the input.</summary>
internal enum BackwardNeeds
{
    /// <summary>Nothing: <c>Backward(input, outputGradient, inputGradient)</c>.</summary>
    Nothing,

    /// <summary>The output (an activation's derivative taken from it): <c>Backward(input, output, outputGradient, inputGradient)</c>.</summary>
    Output,

    /// <summary>A buffer the layer keeps itself, of <see cref="LayerContract.OwnBufferLength"/> elements; the signature is as for <see cref="Nothing"/>.</summary>
    OwnBuffer,
}

/// <summary>
/// One tensor of a layer, a row of its tensor table: the shared frame writes its storage, span property, gradient,
/// argument checks and <c>ITrainable</c> entry from this, and networks save, load, bake and initialize it by name. A
/// tensor a kind may do without (a bias-free dense layer's bias) is one it leaves out of the table.
/// </summary>
/// <param name="Name">PyTorch's suffix: <c>weight</c> saves as <c>{layer}.weight</c>.</param>
/// <param name="Property">The span property that exposes it: <c>Weights</c>.</param>
/// <param name="GradientProperty">The span property of its gradient (<c>WeightGradients</c>) where it is trained; null otherwise.</param>
/// <param name="StorageStem">Names its inline-array type, <c>__Dense{Stem}Storage</c>; tensors of one shape may share one.</param>
/// <param name="Shape">Its dimensions, PyTorch's: <c>[Out, In]</c> for a dense weight.</param>
/// <param name="FanIn">Fan-in for initialization (the layer's inputs for a dense weight and bias).</param>
/// <param name="FanOut">Fan-out for initialization.</param>
/// <param name="IsBias">Whether initializers treat it as a bias (PyTorch's default draws it; the others zero it).</param>
/// <param name="Role">Parameter or state.</param>
/// <param name="Summary">The XML summary of its span property.</param>
/// <param name="GradientSummary">The XML summary of its gradient's span property; null where it has none.</param>
/// <param name="InitialValue">For state, the value initialization sets (a standard deviation's is 1).</param>
/// <param name="MustBePositive">
/// Whether every value must be greater than zero (a standard deviation the layer divides by): the runtime's
/// <c>TensorConstraint.Positive</c>, which Load and baked weights check, refusing a file that breaks it.
/// </param>
internal sealed record TensorSpec(
    string Name,
    string Property,
    string? GradientProperty,
    string StorageStem,
    EquatableArray<int> Shape,
    int FanIn,
    int FanOut,
    bool IsBias,
    TensorRole Role,
    string Summary,
    string? GradientSummary,
    double InitialValue = 0,
    bool MustBePositive = false)
{
    /// <summary>Elements: the product of <see cref="Shape"/>, which the kind's parser keeps within an array's limit.</summary>
    public int Length => Shape.Aggregate(1, (product, dimension) => product * dimension);

    /// <summary>Whether optimizers update it: it has a gradient.</summary>
    public bool Trained => GradientProperty is not null;

    /// <summary>The private field that holds it.</summary>
    public string Field => FieldOf(Property);

    /// <summary>The private field that holds its gradient.</summary>
    public string GradientField => FieldOf(GradientProperty!);

    /// <summary>The private field behind the span property <paramref name="property"/>: reserved names start with <c>__dense</c>.</summary>
    public static string FieldOf(string property) => "__dense" + property;

    /// <summary>
    /// The runtime's <c>TensorDescription</c> of it, as generated code constructs it, under <paramref name="name"/>
    /// (its own name for a layer, <c>{layer}.{name}</c> in a network).
    /// </summary>
    public string DescriptionExpression(string name) =>
        "new global::DenseGen.TensorDescription(" + Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(name, quote: true)
        + ", new int[] { " + string.Join(", ", Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + " }, global::DenseGen.TensorRole." + Role
        + ", " + FanIn.ToString(CultureInfo.InvariantCulture) + ", " + FanOut.ToString(CultureInfo.InvariantCulture) + ", " + (IsBias ? "true" : "false")
        + (InitialValue != 0 ? ", " + InitialValue.ToString("R", CultureInfo.InvariantCulture) : "")
        + (MustBePositive ? ", constraint: global::DenseGen.TensorConstraint.Positive" : "") + ")";

    /// <summary>Its inline-array type in a struct layer.</summary>
    public string StorageType => "__Dense" + StorageStem + "Storage";
}

/// <summary>
/// The kind-neutral contract of a layer: all the network (its parser, layout, emitter, Save/Load/LoadOnnx, baked
/// weights, Initialize and ITrainable) and the shared frame of the layer's own code know of it. Each kind derives it from
/// its spec (<see cref="LayerSpec.Contract"/>); nothing outside the kind's folder reads the kind's own attribute.
/// </summary>
/// <param name="Kind">The kind's name as weight files record it: <c>Dense</c>.</param>
/// <param name="Architecture">The layer as weight files record it: <c>Dense(In = 784, Out = 128, Activation = ReLU)</c>.</param>
/// <param name="Description">The layer as generated docs describe it: <c>784 → 128, ReLU</c>.</param>
/// <param name="Input">One sample's input shape.</param>
/// <param name="Output">One sample's output shape.</param>
/// <param name="Tensors">The tensor table, in the order files, initializers and optimizers see them.</param>
/// <param name="Keeps">What Backward needs from Forward besides the input.</param>
/// <param name="OwnBufferLength">Elements of the layer's own buffer, for <see cref="BackwardNeeds.OwnBuffer"/>; 0 otherwise.</param>
/// <param name="Trainable">Whether it learns: has gradients, <c>ZeroGradients</c> and <c>ITrainable</c>.</param>
/// <param name="Deterministic">Whether it is deterministic by its own attribute.</param>
/// <param name="Activation">The activation the ONNX mapping and the architecture record expect; None for kinds without one.</param>
/// <param name="Streams">For a layer that keeps state per stream (a recurrent one), how many streams and steps it holds; null otherwise.</param>
/// <param name="FieldBytes">Bytes of the layer's other fields (a trainable recurrent layer's counts of the Forward it keeps), which <see cref="StorageBytes"/> counts too.</param>
internal sealed record LayerContract(
    string Kind,
    string Architecture,
    string Description,
    LayerShape Input,
    LayerShape Output,
    EquatableArray<TensorSpec> Tensors,
    BackwardNeeds Keeps,
    long OwnBufferLength,
    bool Trainable,
    bool Deterministic,
    ActivationKind Activation = default,
    StreamState? Streams = null,
    int FieldBytes = 0)
{
    /// <summary>The tensors optimizers update, in table order.</summary>
    public EquatableArray<TensorSpec> TrainedTensors => Tensors.Where(tensor => tensor.Trained).ToEquatableArray();

    /// <summary>Elements of its parameters (not state): what <c>ParameterCount</c> counts.</summary>
    public long ParameterCount => Tensors.Where(tensor => tensor.Role == TensorRole.Parameter).Sum(tensor => (long)tensor.Length);

    /// <summary>Bytes of all it holds: every tensor, every gradient, its own buffer and its other fields.</summary>
    public long StorageBytes(int elementSize) =>
        (Tensors.Sum(tensor => (long)tensor.Length) + Tensors.Where(tensor => tensor.Trained).Sum(tensor => (long)tensor.Length) + OwnBufferLength) * elementSize + FieldBytes;
}

/// <summary>
/// What a layer that keeps state per stream holds, which a network of it must match: a sample of such a network is one
/// stream's whole sequence.
/// </summary>
/// <param name="MaxBatch">Streams it keeps state for.</param>
/// <param name="MaxSteps">Time steps a trainable layer keeps for <c>Backward</c>; 1 for a frozen one, which takes any number.</param>
/// <param name="StateProperties">The span properties of its running state (<c>HiddenState</c>), which a network's input and output must not overlap.</param>
/// <param name="StateGradientProperties">The span properties its Backward writes besides the tensors' gradients (<c>HiddenStateGradients</c>); empty for a frozen layer.</param>
internal sealed record StreamState(int MaxBatch, int MaxSteps, EquatableArray<string> StateProperties, EquatableArray<string> StateGradientProperties);
