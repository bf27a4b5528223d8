using Microsoft.CodeAnalysis;

namespace DenseGen.Generator;

/// <summary>
/// Every diagnostic DenseGen reports. Ids are stable once shipped; each is listed in
/// AnalyzerReleases.Unshipped.md (or Shipped.md after a release) and in docs/diagnostics.md.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "DenseGen";

    // An error stops its layer or network from being generated; silenced, it would leave the code that calls the
    // missing members failing with less helpful compiler errors, so errors cannot be configured away. Warnings can.
    private static readonly string[] NotConfigurable = { WellKnownDiagnosticTags.NotConfigurable };

    public static readonly DiagnosticDescriptor TypeNotPartial = new(
        id: "DG0001",
        title: "A [Dense] layer must be partial",
        messageFormat: "'{0}' must be declared partial so DenseGen can add the layer's members to it; add the 'partial' modifier",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = new(
        id: "DG0002",
        title: "A type containing a [Dense] layer must be partial",
        messageFormat: "'{0}' contains the layer '{1}' and must be declared partial so DenseGen can add the layer's members; add the 'partial' modifier to '{0}'",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor InvalidSize = new(
        id: "DG0003",
        title: "Layer sizes must be positive",
        messageFormat: "The layer '{0}' needs {1} set to a positive number of {2}, but it is {3}; write for example {4}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor LayerTooLarge = new(
        id: "DG0004",
        title: "[Dense] layer has too many weights",
        messageFormat: "The layer '{0}' has In × Out = {1} weights, more than the {2} elements a .NET array or span can index; split it into smaller layers",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor UnsupportedElementType = new(
        id: "DG0005",
        title: "Unsupported [Dense] element type",
        messageFormat: "The layer '{0}' has ElementType = {1}; DenseGen supports typeof(float) (the default) and typeof(double)",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor UnsupportedTypeShape = new(
        id: "DG0006",
        title: "[Dense] is not supported on this kind of type",
        messageFormat: "The layer '{0}' cannot be generated: {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor LargeStructLayer = new(
        id: "DG0007",
        title: "Large struct layer may overflow the stack",
        messageFormat: "The struct layer '{0}' holds {1} bytes of parameters, gradients and state; a local or copy of it can overflow the stack (1 MiB on Windows' main thread). Declare it as a class, or keep it only in fields of a class or in arrays.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor StructLayerTooLarge = new(
        id: "DG0008",
        title: "Struct layer too large for inline storage",
        messageFormat: "The struct layer '{0}' needs {1} bytes in one of its buffers (its largest tensor, or a recurrent layer's state and kept history), more than the {2} bytes DenseGen stores inline; declare it as a class, which keeps large buffers in arrays",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor UnsupportedTarget = new(
        id: "DG0009",
        title: "The project cannot compile DenseGen layers",
        messageFormat: "DenseGen cannot generate layers for this project: the generated code needs {0}. Layers need C# 9 or later and System.Span<T>; .NET 8 or later with C# 12 or later gets the fastest code.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor FullUnrollTooLarge = new(
        id: "DG0011",
        title: "Fully unrolled layer exceeds the JIT's optimization limits",
        messageFormat: "The layer '{0}' asks for Unroll = UnrollMode.Full, which makes its {1} method about {2} bytes of IL (estimated), past the JIT's limit of {3} bytes for optimizing a method; the JIT will compile it unoptimized and it will run many times slower. UnrollMode.Auto would {4}.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnknownUnrollMode = new(
        id: "DG0012",
        title: "Unknown UnrollMode",
        messageFormat: "The layer '{0}' has Unroll = {1}, which is not a value of UnrollMode; use UnrollMode.Auto or UnrollMode.Full",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor UnknownActivation = new(
        id: "DG0013",
        title: "Unknown Activation",
        messageFormat: "The layer '{0}' has Activation = {1}, which is not a value of Activation; use {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor ActivationLayerTooWide = new(
        id: "DG0014",
        title: "Layer too wide for a fused activation",
        messageFormat: "The layer '{0}' has {1} outputs of {2} bytes, {3} bytes per sample; a fused activation's backward pass keeps one sample's gradient on the stack, at most {4} bytes. Use Activation = None and apply the activation with DenseGen.Activations.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor StructLayerNeedsFullTarget = new(
        id: "DG0015",
        title: "Struct layers need .NET 8 and C# 12",
        messageFormat: "'{0}' is a struct, but this project lacks {1}, so it gets DenseGen's portable output, which keeps parameters in arrays; a struct layer keeps them inline and returns spans over its own fields, which needs [InlineArray] and [UnscopedRef]. Declare '{0}' as a class, or target .NET 8 or later with C# 12 or later.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor NetworkNotPartial = new(
        id: "DG0016",
        title: "A [Sequential] network and the types containing it must be partial",
        messageFormat: "'{0}' must be declared partial so DenseGen can add the members of the network '{1}'; add the 'partial' modifier to '{0}'",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor UnsupportedNetworkShape = new(
        id: "DG0017",
        title: "[Sequential] is not supported on this kind of type",
        messageFormat: "The network '{0}' cannot be generated: {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor LayerSizesDoNotChain = new(
        id: "DG0018",
        title: "A layer's input size differs from the previous layer's output size",
        messageFormat: "The layer '{0}' ({1}) takes {2} inputs per sample, but the layer before it, '{3}' ({4}), gives {5} outputs; change {6} of {1} or {7} of {4} so they agree",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor NotALayerField = new(
        id: "DG0019",
        title: "An instance field of a [Sequential] network is not a layer",
        messageFormat: "The {0} '{1}' of the network '{2}' {3}; every instance field of a [Sequential] type, including the hidden field of an auto-property or a field-like event, is a layer, run in declaration order. {4}.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor LayerElementTypesDiffer = new(
        id: "DG0020",
        title: "The layers of a network hold different element types",
        messageFormat: "The layer '{0}' ({1}) holds {2}, but the network's first layer '{3}' holds {4}; all layers of a network use one element type",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor NetworkHasNoLayers = new(
        id: "DG0021",
        title: "A [Sequential] network has no layers",
        messageFormat: "The network '{0}' declares no layer fields; add instance fields of [Dense] layer types, such as 'public readonly Hidden Hidden = new();'",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor ClassLayerFieldNotInitialized = new(
        id: "DG0022",
        title: "A class layer field of a network has no initializer",
        messageFormat: "The layer field '{0}' of the network '{1}' has the class type '{2}' and no initializer, so it would be null; write '= new();' after it",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor LayerFieldsSplitAcrossParts = new(
        id: "DG0023",
        title: "A network's layer fields are split across partial declarations",
        messageFormat: "The layer field '{0}' of the network '{1}' is declared in another part of the partial type than '{2}'; the order of fields across parts is not defined, so declare every layer field in one part",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor InvalidTensorName = new(
        id: "DG0024",
        title: "A layer's tensor name is empty or taken",
        messageFormat: "The layer field '{0}' of the network '{1}' has the tensor name '{2}', {3}; give it a distinct [TensorName]",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor InvalidMaxBatch = new(
        id: "DG0025",
        title: "[Sequential] MaxBatch must be positive",
        messageFormat: "The network '{0}' has MaxBatch = {1}; it sizes the network's buffers in samples and {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor ReadOnlyStructLayerField = new(
        id: "DG0026",
        title: "A struct layer field of a network is readonly",
        messageFormat: "The layer field '{0}' of the network '{1}' is readonly, but its type '{2}' is a struct: Backward and the optimizers would write a defensive copy and the gradients and updates would be lost; remove 'readonly'",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor LargeStructNetwork = new(
        id: "DG0027",
        title: "Large struct network may overflow the stack",
        messageFormat: "The struct network '{0}' holds {1} bytes of layers and buffers; a local or copy of it can overflow the stack (1 MiB on Windows' main thread). Declare it as a class, or keep it only in fields of a class or in arrays.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor StructNetworkNeedsFullTarget = new(
        id: "DG0028",
        title: "Struct networks need .NET 8 and C# 12",
        messageFormat: "'{0}' is a struct network, but this project lacks {1}, so it gets DenseGen's portable output, in which only classes hold layers and buffers; declare '{0}' as a class, or target .NET 8 or later with C# 12 or later",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor WeightsFileMissing = new(
        id: "DG0029",
        title: "The network's weight file was not found",
        messageFormat: "'{0}' bakes in the weights of '{1}', but {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor WeightsFileMismatch = new(
        id: "DG0030",
        title: "The network's weight file does not fit its layers",
        messageFormat: "'{0}' cannot bake in its weights: {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor BakedNetworkHasConstructor = new(
        id: "DG0031",
        title: "A network with baked weights cannot declare a parameterless constructor",
        messageFormat: "'{0}' bakes in its weights, so DenseGen generates its parameterless constructor to load them; remove this one, and call LoadBakedWeights() from a constructor with parameters if you need one",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor NetworkLayerNotDeterministic = new(
        id: "DG0032",
        title: "A deterministic network's layer is not deterministic",
        messageFormat: "'{0}' asks to be deterministic, but its layer '{1}' ({2}) is not; declare it [{3}(..., Deterministic = true)], or set <DenseGenDeterministic>true</DenseGenDeterministic> in the project to make every layer deterministic",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor GeneratedMemberCollision = new(
        id: "DG0033",
        title: "A member collides with a member DenseGen generates",
        messageFormat: "The member '{0}' of the {1} '{2}' collides with {3} that DenseGen generates for the {1}; rename it",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor InvalidClip = new(
        id: "DG0034",
        title: "[Standardize] Clip must be finite and not negative",
        messageFormat: "The layer '{0}' has Clip = {1}; Clip is the bound of the clamp to [−Clip, Clip] and must be a finite number greater than 0, or 0 (the default) for no clamp. ML-Agents' normalizer uses 5.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor InvalidNegativeSlope = new(
        id: "DG0035",
        title: "NegativeSlope must be finite and greater than 0, on a LeakyReLU layer",
        messageFormat: "The layer '{0}' has NegativeSlope = {1}{2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor OnnxModelNotSupportedHere = new(
        id: "DG0036",
        title: "[OnnxModel] cannot be applied to this declaration",
        messageFormat: "The model '{0}' cannot be generated: {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor OnnxModelFileMissing = new(
        id: "DG0037",
        title: "The ONNX model's file was not found",
        messageFormat: "'{0}' is generated from '{1}', but {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor OnnxModelNotCompiled = new(
        id: "DG0038",
        title: "The ONNX model cannot be compiled",
        messageFormat: "'{0}' cannot be generated from its ONNX model: {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor NetworkStreamsDoNotFit = new(
        id: "DG0039",
        title: "A network's MaxBatch or MaxSteps does not fit its recurrent layers",
        messageFormat: "The network '{0}' {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor FrozenRecurrentBlocksGradient = new(
        id: "DG0041",
        title: "A frozen recurrent layer cannot pass the gradient back",
        messageFormat: "The field '{0}' of network '{1}' is a frozen {2} layer after the trainable field '{3}': a frozen recurrent layer keeps no time steps to go back through, so no gradient reaches '{3}'; make '{0}' trainable, or freeze the layers before it",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);

    public static readonly DiagnosticDescriptor FrozenRecurrentTrainingOption = new(
        id: "DG0040",
        title: "A frozen recurrent layer does not use its training options",
        messageFormat: "'{0}' sets {1}, which only a trainable layer uses, but it is frozen (Trainable = false); remove {1} or make the layer trainable",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InternalError = new(
        id: "DG0010",
        title: "DenseGen failed unexpectedly",
        messageFormat: "DenseGen failed while generating '{0}': {1}. This is a bug in DenseGen; please report it with the declaration of '{0}'.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        customTags: NotConfigurable);
}
