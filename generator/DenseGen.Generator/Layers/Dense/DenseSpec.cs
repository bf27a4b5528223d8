using System.Globalization;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Layers.Dense;

/// <summary>
/// A fully connected layer as its <c>[Dense]</c> attribute declares it: everything its emitter needs, and nothing else.
/// Never holds symbols, syntax, locations or the compilation.
/// </summary>
/// <param name="HasBackward">
/// Whether the layer has <c>Backward</c> and the kernels it runs: false only for the frozen layers of an
/// <c>[OnnxModel]</c> class, which is for inference, so that a large model does not compile input-gradient kernels no
/// one calls (they were a third of the compiler's time on a 650k-parameter policy).
/// </param>
/// <param name="KeepsTransposedWeights">
/// Whether the layer keeps a copy of <c>Wᵀ</c> for its one-sample kernel (<see cref="OneSampleKernel"/>): only for the
/// layers of an <c>[OnnxModel]</c> class, whose weights change only through the class's loads, which refresh the copy.
/// </param>
internal sealed record DenseSpec(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string TypeName,
    bool IsStruct,
    ElementKind Element,
    int In,
    int Out,
    bool FullUnroll,
    ActivationKind Activation = default,
    bool Trainable = true,
    bool Deterministic = false,
    bool RequiresDeterministicMode = false,
    bool Bias = true,
    bool HasBackward = true,
    bool KeepsTransposedWeights = false)
    : LayerSpec(Namespace, ContainingTypes, TypeName, IsStruct, Element, Trainable, Deterministic, RequiresDeterministicMode)
{
    /// <summary>The kind's name, as weight files record it.</summary>
    public const string KindName = "Dense";

    /// <summary>Whether the layer applies an activation, and so has the four-argument Backward.</summary>
    public bool HasActivation => Activation != ActivationKind.None;

    /// <summary>Number of weights, <c>In × Out</c>; the parser guarantees it fits an array.</summary>
    public int WeightCount => In * Out;

    /// <summary>The weight <c>[Out, In]</c> and, unless bias-free, the bias <c>[Out]</c>, as <c>nn.Linear</c> names and shapes them; their gradients where the layer learns.</summary>
    public override LayerContract Contract => new(
        Kind: KindName,
        Architecture: ArchitectureOf(In, Out, Activation, Bias),
        Description: $"{Number(In)} → {Number(Out)}{(HasActivation ? ", " + Activation : "")}{(Bias ? "" : ", no bias")}{(Trainable ? "" : ", frozen")}",
        Input: LayerShape.Flat(In, "In"),
        Output: LayerShape.Flat(Out, "Out"),
        Tensors: Bias ? EquatableArray.Create(WeightTensor, BiasTensor) : EquatableArray.Create(WeightTensor),
        // Every activated layer's Backward takes its output back (the one signature of IActivatedDenseLayer); SiLU's checks
        // it and recomputes W x + b instead, since its derivative is not a function of the output.
        Keeps: HasActivation ? BackwardNeeds.Output : BackwardNeeds.Nothing,
        OwnBufferLength: 0,
        Trainable: Trainable,
        Deterministic: Deterministic,
        Activation: Activation);

    // The span properties of the tensors and their gradients, and the storage fields the dense kernels read.
    private const string WeightsProperty = "Weights", BiasProperty = "Bias", WeightGradientsProperty = "WeightGradients", BiasGradientsProperty = "BiasGradients";

    public static readonly string WeightTensorField = TensorSpec.FieldOf(WeightsProperty), BiasTensorField = TensorSpec.FieldOf(BiasProperty);
    public static readonly string WeightGradientsTensorField = TensorSpec.FieldOf(WeightGradientsProperty), BiasGradientsTensorField = TensorSpec.FieldOf(BiasGradientsProperty);

    private TensorSpec WeightTensor => new(
        "weight", WeightsProperty, Trainable ? WeightGradientsProperty : null, "Weight", EquatableArray.Create(Out, In), In, Out, IsBias: false, TensorRole.Parameter,
        "The weight matrix <c>W</c>, <c>[OutputSize, InputSize]</c> row-major: <c>W[o, i]</c> is element <c>o * InputSize + i</c>. Starts at zero; initialize it before training.",
        "<c>∂L/∂W</c> summed over every sample given to <see cref=\"Backward\"/> since the last <see cref=\"ZeroGradients\"/>; laid out like <see cref=\"Weights\"/>.");

    private TensorSpec BiasTensor => new(
        "bias", BiasProperty, Trainable ? BiasGradientsProperty : null, "Bias", EquatableArray.Create(Out), In, Out, IsBias: true, TensorRole.Parameter,
        "The bias vector <c>b</c>, <c>[OutputSize]</c>. Starts at zero.",
        "<c>∂L/∂b</c> summed over every sample given to <see cref=\"Backward\"/> since the last <see cref=\"ZeroGradients\"/>; laid out like <see cref=\"Bias\"/>.");

    /// <summary>
    /// How weight files record a dense layer: <c>Dense(In = 784, Out = 128, Activation = ReLU)</c>, with
    /// <c>, NegativeSlope = 0.2</c> for a leaky ReLU of another slope than 0.01 and <c>, Bias = false</c> for a bias-free
    /// one.
    /// </summary>
    public static string ArchitectureOf(int inputs, int outputs, ActivationKind activation, bool bias) =>
        string.Format(CultureInfo.InvariantCulture, "Dense(In = {0}, Out = {1}, Activation = {2}{3}{4})", inputs, outputs, activation, activation.ArchitectureSuffix, bias ? "" : ", Bias = false");

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
