using System.Globalization;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Layers.Standardize;

/// <summary>
/// A standardizing layer as its <c>[Standardize]</c> attribute declares it: <c>y = (x − mean) / std</c> element by
/// element, clamped to <c>[−Clip, Clip]</c> when <see cref="Clip"/> is positive. Its mean and std are state: saved and
/// loaded, set by initialization, never trained. Never holds symbols, syntax, locations or the compilation.
/// </summary>
/// <param name="Size">Elements per sample, in and out.</param>
/// <param name="Clip">The clamp's bound; 0 for none. The parser keeps it finite and not negative.</param>
internal sealed record StandardizeSpec(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string TypeName,
    bool IsStruct,
    ElementKind Element,
    int Size,
    double Clip,
    bool Deterministic = false,
    bool RequiresDeterministicMode = false)
    : LayerSpec(Namespace, ContainingTypes, TypeName, IsStruct, Element, Trainable: false, Deterministic, RequiresDeterministicMode)
{
    /// <summary>The kind's name, as weight files record it.</summary>
    public const string KindName = "Standardize";

    /// <summary>Whether the output is clamped.</summary>
    public bool Clamps => Clip > 0;

    /// <summary>
    /// The clamp's bound as a literal of the element type: a float layer clamps to <c>(float)Clip</c>, as PyTorch's
    /// <c>clamp</c> converts its bound to the tensor's type and ML-Agents' ONNX export stores it as a float.
    /// </summary>
    public string ClipLiteral => Element == ElementKind.Float64
        ? Clip.ToString("R", CultureInfo.InvariantCulture) + "d"
        : ((float)Clip).ToString("R", CultureInfo.InvariantCulture) + "f";

    /// <summary>
    /// The state tensors <c>mean</c> and <c>std</c>, <c>[Size]</c> each (an inline array type shared by both in a struct
    /// layer). Initialization sets the mean to 0 and the std to 1; the std must be positive, which every weight file
    /// reader checks. Nothing is trained, and Backward needs only the input.
    /// </summary>
    public override LayerContract Contract => new(
        Kind: KindName,
        Architecture: ArchitectureOf(Size, Clip),
        Description: $"(x − μ) / σ of {Number(Size)}{(Clamps ? " clipped to ±" + Clip.ToString("R", CultureInfo.InvariantCulture) : "")}",
        Input: LayerShape.Flat(Size, "Size"),
        Output: LayerShape.Flat(Size, "Size"),
        Tensors: EquatableArray.Create(
            new TensorSpec(
                "mean", "Mean", null, "Statistics", EquatableArray.Create(Size), Size, Size, IsBias: false, TensorRole.State,
                "The mean <c>μ</c> subtracted from each input element, <c>[InputSize]</c>: state, saved and loaded as <c>mean</c>, never trained. Starts at zero, as initialization (<c>Initializer.Initialize</c>, a network's <c>Initialize</c>) sets it.",
                null),
            new TensorSpec(
                "std", "Std", null, "Statistics", EquatableArray.Create(Size), Size, Size, IsBias: false, TensorRole.State,
                "The standard deviation <c>σ</c> each centred element is divided by, <c>[InputSize]</c>: state, saved and loaded as <c>std</c>, never trained. Every element must be greater than 0: loading a file where one is not is refused. Starts at zero, which <see cref=\"Forward\"/> would divide by: load the statistics, or initialize the layer (which sets it to 1), first.",
                null,
                InitialValue: 1,
                MustBePositive: true)),
        Keeps: BackwardNeeds.Nothing,
        OwnBufferLength: 0,
        Trainable: false,
        Deterministic: Deterministic);

    /// <summary>How weight files record a standardizing layer: <c>Standardize(Size = 8, Clip = 5)</c>.</summary>
    public static string ArchitectureOf(int size, double clip) =>
        string.Format(CultureInfo.InvariantCulture, "Standardize(Size = {0}, Clip = {1})", size, clip.ToString("R", CultureInfo.InvariantCulture));

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
