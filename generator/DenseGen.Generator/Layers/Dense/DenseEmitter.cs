using System.Globalization;
using DenseGen.Generator.Definitions;
using DenseGen.Generator.Determinism;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Layers.Dense;

/// <summary>
/// Turns a <see cref="DenseSpec"/> into the source of the layer's partial type: constants, storage, the span
/// properties, argument validation, and the Forward/Backward bodies written by <see cref="LoopKernels"/>.
/// Pure: the same spec always gives byte-identical text.
/// </summary>
internal static class DenseEmitter
{
    private const string Span = "global::System.Span";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan";
    private const string Guard = GeneratedFile.Guard;

    // Private member names start with "__dense" so they cannot collide with the user's own members.
    private const string WeightsField = "__denseWeights";
    private const string BiasField = "__denseBias";
    private const string WeightGradientsField = "__denseWeightGradients";
    private const string BiasGradientsField = "__denseBiasGradients";
    private const string WeightStorageType = "__DenseWeightStorage";
    private const string BiasStorageType = "__DenseBiasStorage";

    /// <summary>The hint name, e.g. <c>App.Model.Hidden.Dense.g.cs</c>; see <see cref="GeneratedFile.HintName"/>.</summary>
    public static string HintName(DenseSpec spec) =>
        GeneratedFile.HintName(spec.Namespace, spec.ContainingTypes, spec.TypeName, ".Dense.g.cs");

    /// <param name="spec">The layer.</param>
    /// <param name="target">
    /// The compilation's facts. Its mode picks full or portable output. In full output, generated methods are marked
    /// [SkipLocalsInit] where the project allows unsafe code (C# allows the attribute nowhere else), so the JIT
    /// does not zero their locals on entry.
    /// </param>
    public static string Emit(DenseSpec spec, TargetInfo target)
    {
        bool portable = target.IsPortable;
        bool skipLocalsInit = target.AllowsUnsafe && !portable;
        var w = new IndentedWriter();
        GeneratedFile.Open(w, spec.Namespace, spec.ContainingTypes);

        string t = spec.ElementKeyword;
        string layerInterface = !spec.Trainable ? "IFrozenDenseLayer" : spec.HasActivation ? "IActivatedDenseLayer" : "IDenseLayer";
        w.Open($"partial {(spec.IsStruct ? "struct" : "class")} {spec.TypeName} : global::DenseGen.{layerInterface}<{t}>");
        WriteConstants(w, spec);
        LayerStorage storage = portable ? LayerStorage.Arrays : spec.IsStruct ? LayerStorage.Inline : LayerStorage.AlignedArrays;
        WriteStorage(w, spec, storage);
        WriteProperties(w, spec, storage);
        // Portable output has no method attributes: AggressiveOptimization and [SkipLocalsInit] are .NET Core's,
        // and the hosts portable code is for (Mono, IL2CPP, .NET Framework) do not tier.
        VectorWidth[] widths = portable ? System.Array.Empty<VectorWidth>() : VectorWidth.For(spec);
        string? methodAttributes = portable ? null : KernelWriter.MethodAttributes(skipLocalsInit);
        // A deterministic layer runs the element-by-element kernels, in their fixed-order form, in either output.
        bool elementKernels = portable || spec.Deterministic;
        WriteForward(w, spec, storage, widths, methodAttributes, elementKernels);
        WriteBackward(w, spec, storage, widths, methodAttributes, elementKernels);
        if (spec.Trainable)
        {
            WriteZeroGradients(w, methodAttributes);
            WriteTrainableMembers(w, spec);
        }
        if (spec.Deterministic)
            DeterministicKernels.Write(w, spec, vectorized: !portable, methodAttributes);
        else if (portable)
            PortableKernels.Write(w, spec, target.HasVectorT);
        else
            WriteKernels(w, spec, widths, skipLocalsInit);
        w.Close();

        GeneratedFile.Close(w, spec.Namespace, spec.ContainingTypes);
        return w.ToString();
    }

    private static void WriteConstants(IndentedWriter w, DenseSpec spec)
    {
        w.Line("/// <summary>Number of inputs per sample: the length of <c>x</c>.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const int InputSize = {Number(spec.In)};");
        w.Line();
        w.Line("/// <summary>Number of outputs per sample: the length of <c>y</c>.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const int OutputSize = {Number(spec.Out)};");
        w.Line();
        long parameters = (long)spec.In * spec.Out + spec.Out;
        w.Line("/// <summary>Number of parameters: <c>InputSize × OutputSize</c> weights and <c>OutputSize</c> biases.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const long ParameterCount = {Number(parameters)};");
        w.Line();
        w.Line($"/// <summary>Bytes of the parameters (weights and biases), {Number(spec.ElementSize)} per element; {(spec.Trainable ? "the gradients take as many again" : "a frozen layer keeps no gradients")}.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const long ParameterBytes = {Number(parameters * spec.ElementSize)};");
        w.Line();
        w.Line("/// <summary>");
        w.Line(spec.Trainable
            ? "/// Bytes of parameters and gradients together: the size of a struct layer, and of a class layer's data (its"
            : "/// Bytes of the parameters (a frozen layer keeps no gradients): the size of a struct layer, and of a class layer's data (its");
        w.Line("/// object and array headers aside). A build can check a memory budget at compile time, e.g.");
        w.Line("/// <c>const ulong fits = Budget - (ulong)StorageBytes;</c> fails to compile (CS0220) when the layer is larger than <c>Budget</c>.");
        w.Line("/// </summary>");
        GeneratedFile.Field(w);
        w.Line($"public const long StorageBytes = {Number(LayerLimits.StorageBytes(spec.In, spec.Out, spec.ElementSize, spec.Trainable))};");
        w.Line();
        GeneratedFile.Member(w);
        w.Line("int global::DenseGen.IModuleShape.InputSize => InputSize;");
        w.Line();
        GeneratedFile.Member(w);
        w.Line("int global::DenseGen.IModuleShape.OutputSize => OutputSize;");
        w.Line();
        if (spec.HasActivation)
        {
            w.Line("/// <summary>The activation applied to <c>W x + b</c>.</summary>");
            GeneratedFile.Member(w);
            w.Line($"public {(spec.IsStruct ? "readonly " : "")}global::DenseGen.Activation Activation => global::DenseGen.Activation.{spec.Activation.Name};");
            w.Line();
        }
        else if (!spec.Trainable)
        {
            GeneratedFile.Member(w);
            w.Line($"global::DenseGen.Activation global::DenseGen.IFrozenDenseLayer<{spec.ElementKeyword}>.Activation => global::DenseGen.Activation.None;");
            w.Line();
        }
    }

    private static void WriteStorage(IndentedWriter w, DenseSpec spec, LayerStorage storage)
    {
        string t = spec.ElementKeyword;
        switch (storage)
        {
            case LayerStorage.Inline:
                // Inline arrays keep a struct layer's parameters inside the value: one stack-allocatable value with no
                // indirection on the hot path.
                GeneratedFile.Field(w);
                w.Line($"private {WeightStorageType} {WeightsField};");
                GeneratedFile.Field(w);
                w.Line($"private {BiasStorageType} {BiasField};");
                if (spec.Trainable)
                {
                    GeneratedFile.Field(w);
                    w.Line($"private {WeightStorageType} {WeightGradientsField};");
                    GeneratedFile.Field(w);
                    w.Line($"private {BiasStorageType} {BiasGradientsField};");
                }
                w.Line();
                WriteInlineArray(w, WeightStorageType, t, spec.WeightCount);
                WriteInlineArray(w, BiasStorageType, t, spec.Out);
                break;
            case LayerStorage.AlignedArrays:
                // Each buffer starts on a cache line, wherever the layer is allocated: where the weights fall against
                // 64-byte lines otherwise moves a one-sample call by a tenth or more from one allocation to the next.
                GeneratedFile.Field(w);
                w.Line($"private readonly {GeneratedFile.CompilerServices}.AlignedArray<{t}> {WeightsField} = new({Number(spec.WeightCount)});");
                GeneratedFile.Field(w);
                w.Line($"private readonly {GeneratedFile.CompilerServices}.AlignedArray<{t}> {BiasField} = new({Number(spec.Out)});");
                if (spec.Trainable)
                {
                    GeneratedFile.Field(w);
                    w.Line($"private readonly {GeneratedFile.CompilerServices}.AlignedArray<{t}> {WeightGradientsField} = new({Number(spec.WeightCount)});");
                    GeneratedFile.Field(w);
                    w.Line($"private readonly {GeneratedFile.CompilerServices}.AlignedArray<{t}> {BiasGradientsField} = new({Number(spec.Out)});");
                }
                w.Line();
                break;
            default:
                // Portable output: one array per buffer, allocated with the layer.
                GeneratedFile.Field(w);
                w.Line($"private readonly {t}[] {WeightsField} = new {t}[{Number(spec.WeightCount)}];");
                GeneratedFile.Field(w);
                w.Line($"private readonly {t}[] {BiasField} = new {t}[{Number(spec.Out)}];");
                if (spec.Trainable)
                {
                    GeneratedFile.Field(w);
                    w.Line($"private readonly {t}[] {WeightGradientsField} = new {t}[{Number(spec.WeightCount)}];");
                    GeneratedFile.Field(w);
                    w.Line($"private readonly {t}[] {BiasGradientsField} = new {t}[{Number(spec.Out)}];");
                }
                w.Line();
                break;
        }
    }

    private static void WriteInlineArray(IndentedWriter w, string name, string elementType, int length)
    {
        GeneratedFile.Member(w);
        w.Line($"[global::System.Runtime.CompilerServices.InlineArray({Number(length)})]");
        w.Open($"private struct {name}");
        w.Line($"private {elementType} __element;");
        w.Close();
        w.Line();
    }

    private static void WriteProperties(IndentedWriter w, DenseSpec spec, LayerStorage storage)
    {
        WriteSpanProperty(w, spec, "Weights", SpanOf(WeightsField, storage),
            "The weight matrix <c>W</c>, <c>[OutputSize, InputSize]</c> row-major: <c>W[o, i]</c> is element <c>o * InputSize + i</c>. Starts at zero; initialize it before training.");
        WriteSpanProperty(w, spec, "Bias", SpanOf(BiasField, storage),
            "The bias vector <c>b</c>, <c>[OutputSize]</c>. Starts at zero.");
        if (!spec.Trainable)
            return;
        WriteSpanProperty(w, spec, "WeightGradients", SpanOf(WeightGradientsField, storage),
            "<c>∂L/∂W</c> summed over every sample given to <see cref=\"Backward\"/> since the last <see cref=\"ZeroGradients\"/>; laid out like <see cref=\"Weights\"/>.");
        WriteSpanProperty(w, spec, "BiasGradients", SpanOf(BiasGradientsField, storage),
            "<c>∂L/∂b</c> summed over every sample given to <see cref=\"Backward\"/> since the last <see cref=\"ZeroGradients\"/>; laid out like <see cref=\"Bias\"/>.");
    }

    /// <summary>An expression for a buffer field as a span (inline arrays and arrays convert implicitly).</summary>
    private static string SpanOf(string field, LayerStorage storage) => storage == LayerStorage.AlignedArrays ? field + ".Span" : field;

    private static void WriteSpanProperty(IndentedWriter w, DenseSpec spec, string name, string field, string summary)
    {
        w.Line($"/// <summary>{summary}</summary>");
        GeneratedFile.Member(w);
        if (spec.IsStruct)
            w.Line("[global::System.Diagnostics.CodeAnalysis.UnscopedRef]");
        w.Line($"public {Span}<{spec.ElementKeyword}> {name} => {field};");
        w.Line();
    }

    /// <summary>
    /// In the portable output (parameters in arrays), which has no module initializers, a deterministic layer turns the
    /// runtime's deterministic mode on from its entry points (see DeterministicModeRequirement); once on, a field read.
    /// </summary>
    private static bool RequiresFromEntryPoints(DenseSpec spec, LayerStorage storage) =>
        storage == LayerStorage.Arrays && spec.RequiresDeterministicMode;

    private static void WriteRequireDeterministicMode(IndentedWriter w, DenseSpec spec, LayerStorage storage) =>
        DeterministicModeRequirement.WriteCall(w, RequiresFromEntryPoints(spec, storage), spec.Namespace, spec.ContainingTypes, spec.TypeName, "layer");

    private static void WriteForward(IndentedWriter w, DenseSpec spec, LayerStorage storage, VectorWidth[] widths, string? methodAttributes, bool portable)
    {
        string t = spec.ElementKeyword;
        w.Line("/// <summary>");
        if (spec.HasActivation)
            w.Line($"/// Computes <c>y = {spec.Activation.Row.Formula}(W x + b)</c> for each of the <c>k</c> samples in <paramref name=\"input\"/>: <c>output = {spec.Activation.Row.Formula}(input Wᵀ + b)</c>.");
        else
            w.Line("/// Computes <c>y = W x + b</c> for each of the <c>k</c> samples in <paramref name=\"input\"/>: <c>output = input Wᵀ + b</c>.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"input\"><c>k</c> samples, <c>[k, InputSize]</c> row-major; <c>k ≥ 1</c> is implied by the length.</param>");
        w.Line($"/// <param name=\"output\">Receives <c>[k, OutputSize]</c>. Must not overlap <paramref name=\"input\"/> or the layer's {(spec.Trainable ? "parameters and gradients" : "parameters")}.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">");
        w.Line("/// The length of <paramref name=\"input\"/> is not a positive multiple of <see cref=\"InputSize\"/>, the length of");
        w.Line("/// <paramref name=\"output\"/> is not <c>k × OutputSize</c>, or <paramref name=\"output\"/> overlaps memory the layer reads.");
        w.Line("/// Nothing is written when it is thrown.");
        w.Line("/// </exception>");
        w.Line("/// <remarks>Reads the parameters and writes only <paramref name=\"output\"/>: several threads may call it at once while nothing modifies the parameters. Allocates nothing.</remarks>");
        string modifiers = spec.IsStruct ? "public readonly void" : "public void";
        // Fully optimized from the first call: a frame budget cannot wait for tiering to promote the method.
        DeterministicModeRequirement.WriteDoc(w, RequiresFromEntryPoints(spec, storage));
        GeneratedFile.Method(w, methodAttributes);
        w.Open($"{modifiers} Forward({ReadOnlySpan}<{t}> input, {Span}<{t}> output)");
        WriteRequireDeterministicMode(w, spec, storage);
        w.Line($"int samples = {Guard}.SampleCount(input.Length, InputSize, nameof(input), nameof(InputSize));");
        w.Line($"{Guard}.RequireSamples(output.Length, samples, OutputSize, nameof(output), nameof(OutputSize));");
        w.Line($"{ReadOnlySpan}<{t}> weights = {SpanOf(WeightsField, storage)};");
        w.Line($"{ReadOnlySpan}<{t}> bias = {SpanOf(BiasField, storage)};");
        w.Line($"{Guard}.RequireDisjoint<{t}>(output, nameof(output), input, nameof(input));");
        w.Line($"{Guard}.RequireDisjoint<{t}>(output, nameof(output), weights, nameof(Weights));");
        w.Line($"{Guard}.RequireDisjoint<{t}>(output, nameof(output), bias, nameof(Bias));");
        if (spec.Trainable)
        {
            w.Line($"{Guard}.RequireDisjoint<{t}>(output, nameof(output), {SpanOf(WeightGradientsField, storage)}, nameof(WeightGradients));");
            w.Line($"{Guard}.RequireDisjoint<{t}>(output, nameof(output), {SpanOf(BiasGradientsField, storage)}, nameof(BiasGradients));");
        }
        w.Line();
        if (portable)
        {
            w.Line($"{PortableKernels.ForwardName}(input, output, weights, bias, samples);");
        }
        else
        {
            w.Line($"ref {t} x = ref {KernelWriter.Marshal}.GetReference(input);");
            w.Line($"ref {t} y = ref {KernelWriter.Marshal}.GetReference(output);");
            w.Line($"ref {t} w = ref {KernelWriter.Marshal}.GetReference(weights);");
            w.Line($"ref {t} b = ref {KernelWriter.Marshal}.GetReference(bias);");
            WriteDispatch(w, widths, VectorKernels.ForwardName, LoopKernels.ForwardName, "(ref x, ref y, ref w, ref b, samples);");
        }
        // The activation in this output mode, as its row in the activation table says: fused into the full output's
        // kernels above (nothing to write here), or a second pass over the output, which the kernel has just written and
        // which is still in L1. Only the full output's kernels fuse; `portable` is also true of deterministic layers,
        // which run the element-by-element kernels.
        ActivationRow activation = spec.Activation.Row;
        ActivationForward forward = spec.Deterministic ? activation.Deterministic : portable ? activation.Portable : activation.Full;
        if (forward.IsFused && portable)
            throw new System.InvalidOperationException($"The activation {activation.Name} is fused in portable or deterministic output, whose kernels fuse none");
        if (forward.AfterProduct(t, "output") is { } afterProduct)
            w.Line(afterProduct);
        w.Close();
        w.Line();
    }

    /// <summary>
    /// Calls the kernel of the widest vector size the hardware accelerates. IsHardwareAccelerated is a constant
    /// to the JIT, so the chain folds to one direct call and only that kernel is ever compiled.
    /// </summary>
    private static void WriteDispatch(IndentedWriter w, VectorWidth[] widths, System.Func<VectorWidth, string> vectorKernel, string scalarKernel, string arguments)
    {
        for (int i = 0; i < widths.Length; i++)
        {
            w.Line($"{(i == 0 ? "if" : "else if")} ({widths[i].Static}.IsHardwareAccelerated)");
            w.Line($"    {vectorKernel(widths[i])}{arguments}");
        }
        w.Line(widths.Length == 0 ? $"{scalarKernel}{arguments}" : "else");
        if (widths.Length > 0)
            w.Line($"    {scalarKernel}{arguments}");
    }

    /// <summary>
    /// Backward. A trainable layer adds its weight and bias gradients and writes <c>∂L/∂X</c> unless the caller passes an
    /// empty span; a frozen one (<c>Trainable = false</c>) has no gradients and only writes <c>∂L/∂X</c>, for a trainable
    /// layer before it in a network. With an activation, <c>dZ</c> is formed a chunk of samples at a time first.
    /// </summary>
    private static void WriteBackward(IndentedWriter w, DenseSpec spec, LayerStorage storage, VectorWidth[] widths, string? methodAttributes, bool portable)
    {
        string t = spec.ElementKeyword;
        bool activated = spec.HasActivation, trainable = spec.Trainable;
        WriteBackwardDocs(w, spec);
        DeterministicModeRequirement.WriteDoc(w, RequiresFromEntryPoints(spec, storage));
        GeneratedFile.Method(w, methodAttributes);
        string outputParameter = activated ? $"{ReadOnlySpan}<{t}> output, " : "";
        string modifiers = trainable || !spec.IsStruct ? "public void" : "public readonly void";
        w.Open($"{modifiers} Backward({ReadOnlySpan}<{t}> input, {outputParameter}{ReadOnlySpan}<{t}> outputGradient, {Span}<{t}> inputGradient)");
        WriteRequireDeterministicMode(w, spec, storage);
        w.Line($"int samples = {Guard}.SampleCount(input.Length, InputSize, nameof(input), nameof(InputSize));");
        if (activated)
            w.Line($"{Guard}.RequireSamples(output.Length, samples, OutputSize, nameof(output), nameof(OutputSize));");
        w.Line($"{Guard}.RequireSamples(outputGradient.Length, samples, OutputSize, nameof(outputGradient), nameof(OutputSize));");
        // A frozen layer computes nothing but ∂L/∂X, so its inputGradient cannot be skipped.
        w.Line($"{Guard}.{(trainable ? "RequireSamplesOrEmpty" : "RequireSamples")}(inputGradient.Length, samples, InputSize, nameof(inputGradient), nameof(InputSize));");
        w.Line($"{ReadOnlySpan}<{t}> weights = {SpanOf(WeightsField, storage)};");
        if (trainable)
        {
            w.Line($"{Span}<{t}> weightGradients = {SpanOf(WeightGradientsField, storage)};");
            w.Line($"{Span}<{t}> biasGradients = {SpanOf(BiasGradientsField, storage)};");
        }
        w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), input, nameof(input));");
        if (activated)
            w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), output, nameof(output));");
        w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), outputGradient, nameof(outputGradient));");
        w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), weights, nameof(Weights));");
        w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), {SpanOf(BiasField, storage)}, nameof(Bias));");
        if (trainable)
        {
            w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), weightGradients, nameof(WeightGradients));");
            w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), biasGradients, nameof(BiasGradients));");
            w.Line($"{Guard}.RequireDisjoint<{t}>(input, nameof(input), weightGradients, nameof(WeightGradients));");
            w.Line($"{Guard}.RequireDisjoint<{t}>(input, nameof(input), biasGradients, nameof(BiasGradients));");
            if (activated)
            {
                w.Line($"{Guard}.RequireDisjoint<{t}>(output, nameof(output), weightGradients, nameof(WeightGradients));");
                w.Line($"{Guard}.RequireDisjoint<{t}>(output, nameof(output), biasGradients, nameof(BiasGradients));");
            }
            w.Line($"{Guard}.RequireDisjoint<{t}>(outputGradient, nameof(outputGradient), weightGradients, nameof(WeightGradients));");
            w.Line($"{Guard}.RequireDisjoint<{t}>(outputGradient, nameof(outputGradient), biasGradients, nameof(BiasGradients));");
        }
        w.Line();
        if (!activated)
        {
            WriteLinearBackward(w, spec, widths, portable, "input", "outputGradient", "inputGradient", "samples");
        }
        else
        {
            if (trainable && !portable)
            {
                w.Line($"ref {t} dw = ref {KernelWriter.Marshal}.GetReference(weightGradients);");
                w.Line($"ref {t} db = ref {KernelWriter.Marshal}.GetReference(biasGradients);");
            }
            // dZ goes to a stack buffer a chunk of samples at a time (LayerLimits.ActivationScratchBytes), so the
            // kernels below read it like any dY and nothing is allocated whatever the batch size.
            w.Line($"const int chunkSamples = {Number(LayerLimits.ActivationChunkSamples(spec))};");
            w.Line($"{Span}<{t}> scratch = stackalloc {t}[global::System.Math.Min(samples, chunkSamples) * OutputSize];");
            w.Open("for (int first = 0; first < samples; first += chunkSamples)");
            w.Line("int count = global::System.Math.Min(chunkSamples, samples - first);");
            w.Line($"{Span}<{t}> dZ = scratch.Slice(0, count * OutputSize);");
            switch (spec.Activation.Row.Backward.Source)
            {
                case DerivativeSource.Output:
                    w.Line(spec.Activation.Row.Backward.StatementFromOutput(
                        t, "output.Slice(first * OutputSize, count * OutputSize)", "outputGradient.Slice(first * OutputSize, count * OutputSize)", "dZ"));
                    break;
                default:
                    // The pre-activation would need a buffer of W x + b that Forward fills and Backward reads.
                    throw spec.Activation.PreActivationNotKept();
            }
            WriteLinearBackward(w, spec, widths, portable, "input.Slice(first * InputSize, count * InputSize)", "dZ", "chunkInputGradient", "count");
            w.Close();
        }
        w.Close();
        w.Line();
    }

    private static void WriteBackwardDocs(IndentedWriter w, DenseSpec spec)
    {
        bool activated = spec.HasActivation;
        w.Line("/// <summary>");
        if (!spec.Trainable)
        {
            w.Line(activated
                ? $"/// Passes a batch's gradient back through the activation and the frozen layer: writes <c>∂L/∂X = dZ W</c>, with <c>dZ = dY ⊙ {spec.Activation.Row.Formula}′</c> taken from <paramref name=\"output\"/>."
                : "/// Passes a batch's gradient back through the frozen layer: writes <c>∂L/∂X = dY W</c>.");
            w.Line("/// The layer has no gradients of its own: it is not trained (<c>Trainable = false</c>).");
        }
        else if (activated)
        {
            w.Line($"/// Back-propagates a batch through the activation and the layer: with <c>dZ = dY ⊙ {spec.Activation.Row.Formula}′</c>, the derivative");
            w.Line("/// taken from <paramref name=\"output\"/>, adds <c>∂L/∂W = dZᵀ X</c> to <see cref=\"WeightGradients\"/> and <c>∂L/∂b = Σ dZ</c>");
            w.Line("/// (over the samples) to <see cref=\"BiasGradients\"/>, and writes <c>∂L/∂X = dZ W</c> into <paramref name=\"inputGradient\"/> unless it is empty.");
        }
        else
        {
            w.Line("/// Back-propagates a batch: adds <c>∂L/∂W = dYᵀ X</c> to <see cref=\"WeightGradients\"/> and <c>∂L/∂b = Σ dY</c> (over the");
            w.Line("/// samples) to <see cref=\"BiasGradients\"/>, and writes <c>∂L/∂X = dY W</c> into <paramref name=\"inputGradient\"/> unless it is empty.");
        }
        w.Line("/// </summary>");
        w.Line(spec.Trainable
            ? "/// <param name=\"input\">The batch given to <see cref=\"Forward\"/>, <c>[k, InputSize]</c>.</param>"
            : "/// <param name=\"input\">The batch given to <see cref=\"Forward\"/>, <c>[k, InputSize]</c>; only its length is used.</param>");
        if (activated)
            w.Line("/// <param name=\"output\">What <see cref=\"Forward\"/> wrote for that batch, <c>[k, OutputSize]</c>.</param>");
        w.Line("/// <param name=\"outputGradient\"><c>∂L/∂Y</c>, <c>[k, OutputSize]</c>.</param>");
        if (spec.Trainable)
        {
            w.Line("/// <param name=\"inputGradient\">Receives <c>∂L/∂X</c>, <c>[k, InputSize]</c>; pass an empty span to skip it (the first layer of a network needs none).</param>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">");
            w.Line("/// A length does not match (<paramref name=\"input\"/> must hold a positive whole number <c>k</c> of samples, the others");
            w.Line("/// <c>k</c> samples each), or a span overlaps one that the call writes. Nothing is written when it is thrown.");
            w.Line("/// </exception>");
            w.Line("/// <remarks>Gradients accumulate across calls until <see cref=\"ZeroGradients\"/>. Writes the gradients: do not call it on one layer from several threads at once. Allocates nothing.</remarks>");
        }
        else
        {
            w.Line("/// <param name=\"inputGradient\">Receives <c>∂L/∂X</c>, <c>[k, InputSize]</c>.</param>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">");
            w.Line("/// A length does not match, or <paramref name=\"inputGradient\"/> overlaps a span the call reads. Nothing is written when it is thrown.");
            w.Line("/// </exception>");
            w.Line("/// <remarks>Only reads the layer: several threads may call it at once. Allocates nothing.</remarks>");
        }
    }

    /// <summary>
    /// The linear part of backward for <paramref name="samples"/> samples of input <paramref name="x"/> and gradient
    /// <paramref name="dy"/>: through the portable kernels, or, in full output, the bias sum and the dW kernel (trainable
    /// layers) and the dX kernel. Inside the activation's chunk loop it first declares <c>chunkInputGradient</c>.
    /// </summary>
    private static void WriteLinearBackward(
        IndentedWriter w, DenseSpec spec, VectorWidth[] widths, bool portable, string x, string dy, string inputGradient, string samples)
    {
        string t = spec.ElementKeyword;
        bool chunked = samples != "samples";
        string chunkInputGradient = spec.Trainable
            ? $"{Span}<{t}> chunkInputGradient = inputGradient.IsEmpty ? default : inputGradient.Slice(first * InputSize, count * InputSize);"
            : $"{Span}<{t}> chunkInputGradient = inputGradient.Slice(first * InputSize, count * InputSize);";
        if (portable)
        {
            if (chunked)
                w.Line(chunkInputGradient);
            w.Line(spec.Trainable
                ? $"{PortableKernels.BackwardName}({x}, {dy}, weights, weightGradients, biasGradients, {inputGradient}, {samples});"
                : $"{PortableKernels.InputGradientName}({dy}, weights, {inputGradient}, {samples});");
            return;
        }
        if (!spec.Trainable)
        {
            if (chunked)
                w.Line(chunkInputGradient);
            w.Line($"ref {t} dy = ref {KernelWriter.Marshal}.GetReference({dy});");
            WriteInputGradientDispatch(w, spec, widths, inputGradient, samples);
            return;
        }
        w.Line(chunked
            ? $"ref {t} x = ref {KernelWriter.Unsafe}.Add(ref {KernelWriter.Marshal}.GetReference(input), first * InputSize);"
            : $"ref {t} x = ref {KernelWriter.Marshal}.GetReference({x});");
        w.Line($"ref {t} dy = ref {KernelWriter.Marshal}.GetReference({dy});");
        if (chunked)
        {
            w.Line(chunkInputGradient);
        }
        else
        {
            w.Line($"ref {t} dw = ref {KernelWriter.Marshal}.GetReference(weightGradients);");
            w.Line($"ref {t} db = ref {KernelWriter.Marshal}.GetReference(biasGradients);");
        }
        string gradientName = chunked ? "dZ" : "dy";
        w.Line($"// db += Σ {gradientName}: a small share of the work (k × OutputSize additions), kept scalar.");
        w.Line("ref " + t + " dyRow = ref dy;");
        w.Open($"for (int sample = 0; sample < {samples}; sample++)");
        w.Line($"for (int o = 0; o < {Number(spec.Out)}; o++)");
        w.Line($"    {KernelWriter.Unsafe}.Add(ref db, o) += {KernelWriter.Unsafe}.Add(ref dyRow, o);");
        w.Line($"dyRow = ref {KernelWriter.Unsafe}.Add(ref dyRow, {Number(spec.Out)});");
        w.Close();
        w.Open($"if ({samples} == 1 && !{inputGradient}.IsEmpty)");
        w.Line("// One sample: dW and dX in one kernel, reading W once.");
        w.Line($"ref {t} dx = ref {KernelWriter.Marshal}.GetReference({inputGradient});");
        w.Line($"ref {t} w = ref {KernelWriter.Marshal}.GetReference(weights);");
        WriteDispatch(w, widths, VectorKernels.OneSampleBackwardName, LoopKernels.OneSampleBackwardName, "(ref x, ref dy, ref w, ref dw, ref dx);");
        w.Close();
        w.Open("else");
        WriteDispatch(w, widths, VectorKernels.WeightGradientName, LoopKernels.WeightGradientName, $"(ref x, ref dy, ref dw, {samples});");
        w.Open($"if (!{inputGradient}.IsEmpty)");
        WriteInputGradientDispatch(w, spec, widths, inputGradient, samples);
        w.Close();
        w.Close();
    }

    /// <summary><c>dX = dY W</c> through the widest accelerated kernel, given a local <c>dy</c>.</summary>
    private static void WriteInputGradientDispatch(IndentedWriter w, DenseSpec spec, VectorWidth[] widths, string inputGradient, string samples)
    {
        string t = spec.ElementKeyword;
        w.Line($"ref {t} dx = ref {KernelWriter.Marshal}.GetReference({inputGradient});");
        w.Line($"ref {t} w = ref {KernelWriter.Marshal}.GetReference(weights);");
        WriteDispatch(w, widths, VectorKernels.InputGradientName, LoopKernels.InputGradientName, $"(ref dy, ref w, ref dx, {samples});");
    }

    /// <summary>
    /// The runtime's <c>ITrainable&lt;T&gt;</c>: the weights and the bias as two tensors, so optimizers
    /// take a lone layer as they take a network. Explicit, so the layer's own surface stays as it was.
    /// </summary>
    private static void WriteTrainableMembers(IndentedWriter w, DenseSpec spec)
    {
        string t = spec.ElementKeyword;
        string trainable = $"global::DenseGen.ITrainable<{t}>";
        string unscoped = spec.IsStruct ? "[global::System.Diagnostics.CodeAnalysis.UnscopedRef] " : "";
        w.Line();
        GeneratedFile.Member(w);
        w.Line($"int {trainable}.ParameterTensorCount => 2;");
        w.Line();
        GeneratedFile.Member(w);
        w.Line($"string {trainable}.ParameterTensorName(int index) => index switch {{ 0 => \"weight\", 1 => \"bias\", _ => throw {Guard}.TensorIndexOutOfRange(index, 2) }};");
        w.Line();
        GeneratedFile.Member(w);
        w.Line($"{unscoped}{Span}<{t}> {trainable}.ParameterTensor(int index) => index switch {{ 0 => Weights, 1 => Bias, _ => throw {Guard}.TensorIndexOutOfRange(index, 2) }};");
        w.Line();
        GeneratedFile.Member(w);
        w.Line($"{unscoped}{Span}<{t}> {trainable}.GradientTensor(int index) => index switch {{ 0 => WeightGradients, 1 => BiasGradients, _ => throw {Guard}.TensorIndexOutOfRange(index, 2) }};");
    }

    private static void WriteKernels(IndentedWriter w, DenseSpec spec, VectorWidth[] widths, bool skipLocalsInit)
    {
        var kernels = new KernelWriter(w, spec, skipLocalsInit);
        w.Line();
        foreach (VectorWidth width in widths)
        {
            foreach (KernelKind kind in new[] { KernelKind.Forward, KernelKind.WeightGradient, KernelKind.InputGradient, KernelKind.OneSampleBackward })
            {
                if ((kind == KernelKind.WeightGradient || kind == KernelKind.OneSampleBackward) && !spec.Trainable)
                    continue;
                Unrolling unrolling = KernelPlanner.Choose(spec, width, kind);
                w.Line($"// {width.Name}, {unrolling switch { Unrolling.Full => "fully unrolled", Unrolling.Chunks => "rows looped, row vectors unrolled", _ => "rows and row vectors looped around unrolled tiles" }}.");
                KernelPlanner.Write(kernels, width, kind, unrolling);
            }
        }
        w.Line("// Scalar, for hardware without accelerated vectors.");
        LoopKernels.WriteForward(kernels);
        if (spec.Trainable)
            LoopKernels.WriteWeightGradient(kernels);
        LoopKernels.WriteInputGradient(kernels);
        if (spec.Trainable)
            LoopKernels.WriteOneSampleBackward(kernels);
    }

    private static void WriteZeroGradients(IndentedWriter w, string? methodAttributes)
    {
        w.Line("/// <summary>Sets <see cref=\"WeightGradients\"/> and <see cref=\"BiasGradients\"/> to zero, typically before each batch.</summary>");
        GeneratedFile.Method(w, methodAttributes);
        w.Open("public void ZeroGradients()");
        w.Line("WeightGradients.Clear();");
        w.Line("BiasGradients.Clear();");
        w.Close();
    }


    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Where a generated layer keeps its parameters and gradients.</summary>
internal enum LayerStorage
{
    /// <summary><c>[InlineArray]</c> fields: struct layers, whose parameters live inside the value.</summary>
    Inline,

    /// <summary>The runtime's <c>AlignedArray&lt;T&gt;</c>, each buffer from a cache line: class layers.</summary>
    AlignedArrays,

    /// <summary>Plain arrays: class layers in portable output, whose runtime has no aligned arrays.</summary>
    Arrays,
}
