using System.Globalization;
using System.Linq;
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

    // The tensors' storage fields, as the shared frame names them from the tensor table.
    private static readonly string WeightsField = DenseSpec.WeightTensorField, BiasField = DenseSpec.BiasTensorField;
    private static readonly string WeightGradientsField = DenseSpec.WeightGradientsTensorField, BiasGradientsField = DenseSpec.BiasGradientsTensorField;

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
        WriteConstants(w, spec, portable);
        LayerContract contract = spec.Contract;
        LayerStorage storage = LayerFrame.StorageFor(spec, portable);
        LayerFrame.WriteStorage(w, spec, contract, storage);
        if (OneSampleKernel.Applies(spec, portable))
            OneSampleKernel.WriteStorage(w, spec);
        LayerFrame.WriteSpanProperties(w, spec, contract, storage);
        if (!spec.Bias)
            WriteEmptyBias(w, spec);
        // Portable output has no method attributes: AggressiveOptimization and [SkipLocalsInit] are .NET Core's,
        // and the hosts portable code is for (Mono, IL2CPP, .NET Framework) do not tier.
        VectorWidth[] widths = portable ? System.Array.Empty<VectorWidth>() : VectorWidth.For(spec);
        string? methodAttributes = portable ? null : KernelWriter.MethodAttributes(skipLocalsInit);
        // A deterministic layer runs the element-by-element kernels, in their fixed-order form, in either output.
        bool elementKernels = portable || spec.Deterministic;
        WriteForward(w, spec, storage, widths, methodAttributes, elementKernels);
        if (spec.HasBackward)
            WriteBackward(w, spec, storage, widths, methodAttributes, elementKernels);
        if (spec.Trainable)
            LayerFrame.WriteZeroGradients(w, contract, methodAttributes);
        LayerFrame.WriteTensorMembers(w, spec, contract);
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

    private static void WriteConstants(IndentedWriter w, DenseSpec spec, bool portable)
    {
        w.Line("/// <summary>Number of inputs per sample: the length of <c>x</c>.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const int InputSize = {Number(spec.In)};");
        w.Line();
        w.Line("/// <summary>Number of outputs per sample: the length of <c>y</c>.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const int OutputSize = {Number(spec.Out)};");
        w.Line();
        long parameters = spec.Contract.ParameterCount;
        w.Line(spec.Bias
            ? "/// <summary>Number of parameters: <c>InputSize × OutputSize</c> weights and <c>OutputSize</c> biases.</summary>"
            : "/// <summary>Number of parameters: <c>InputSize × OutputSize</c> weights (the layer has no bias).</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const long ParameterCount = {Number(parameters)};");
        w.Line();
        w.Line($"/// <summary>Bytes of the parameters ({(spec.Bias ? "weights and biases" : "weights")}), {Number(spec.ElementSize)} per element; {(spec.Trainable ? "the gradients take as many again" : "a frozen layer keeps no gradients")}.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const long ParameterBytes = {Number(parameters * spec.ElementSize)};");
        w.Line();
        w.Line("/// <summary>");
        w.Line(spec.Trainable
            ? "/// Bytes of parameters and gradients together: the size of a struct layer, and of a class layer's data (its"
            : "/// Bytes of the parameters (a frozen layer keeps no gradients): the size of a struct layer, and of a class layer's data (its");
        if (OneSampleKernel.TransposedBytes(spec, portable) > 0)
            w.Line("/// object and array headers aside), and the copy of <c>Wᵀ</c> its one-sample kernel reads. A build can check a memory budget at compile time, e.g.");
        else
            w.Line("/// object and array headers aside). A build can check a memory budget at compile time, e.g.");
        w.Line("/// <c>const ulong fits = Budget - (ulong)StorageBytes;</c> fails to compile (CS0220) when the layer is larger than <c>Budget</c>.");
        w.Line("/// </summary>");
        GeneratedFile.Field(w);
        w.Line($"public const long StorageBytes = {Number(spec.Contract.StorageBytes(spec.ElementSize) + OneSampleKernel.TransposedBytes(spec, portable))};");
        w.Line();
        GeneratedFile.Member(w);
        w.Line("int global::DenseGen.IModuleShape.InputSize => InputSize;");
        w.Line();
        GeneratedFile.Member(w);
        w.Line("int global::DenseGen.IModuleShape.OutputSize => OutputSize;");
        w.Line();
        if (spec.HasActivation)
        {
            w.Line($"/// <summary>The activation applied to <c>{Affine(spec)}</c>.</summary>");
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

    /// <summary>
    /// A bias-free layer's <c>Bias</c> and <c>BiasGradients</c>: empty spans, so the dense interfaces hold for it and code
    /// written for either kind of layer reads a bias of length 0 rather than failing to compile.
    /// </summary>
    private static void WriteEmptyBias(IndentedWriter w, DenseSpec spec)
    {
        foreach (string name in spec.Trainable ? new[] { "Bias", "BiasGradients" } : new[] { "Bias" })
        {
            w.Line($"/// <summary>Empty: the layer has no bias (<c>Bias = false</c>).</summary>");
            GeneratedFile.Member(w);
            w.Line($"public {(spec.IsStruct ? "readonly " : "")}{Span}<{spec.ElementKeyword}> {name} => default;");
            w.Line();
        }
    }

    private static void WriteForward(IndentedWriter w, DenseSpec spec, LayerStorage storage, VectorWidth[] widths, string? methodAttributes, bool portable)
    {
        string t = spec.ElementKeyword;
        w.Line("/// <summary>");
        if (spec.HasActivation)
            w.Line($"/// Computes <c>y = {spec.Activation.Row.Formula}({Affine(spec)})</c> for each of the <c>k</c> samples in <paramref name=\"input\"/>: <c>output = {spec.Activation.Row.Formula}({BatchAffine(spec)})</c>.");
        else
            w.Line($"/// Computes <c>y = {Affine(spec)}</c> for each of the <c>k</c> samples in <paramref name=\"input\"/>: <c>output = {BatchAffine(spec)}</c>.");
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
        DeterministicModeRequirement.WriteDoc(w, LayerFrame.RequiresDeterministicModeFromEntryPoints(spec, storage));
        GeneratedFile.Method(w, methodAttributes);
        w.Open($"{modifiers} Forward({ReadOnlySpan}<{t}> input, {Span}<{t}> output)");
        LayerFrame.WriteRequireDeterministicMode(w, spec, storage);
        w.Line($"int samples = {Guard}.SampleCount(input.Length, InputSize, nameof(input), nameof(InputSize));");
        w.Line($"{Guard}.RequireSamples(output.Length, samples, OutputSize, nameof(output), nameof(OutputSize));");
        w.Line($"{ReadOnlySpan}<{t}> weights = {LayerFrame.SpanOf(WeightsField, storage)};");
        if (spec.Bias)
            w.Line($"{ReadOnlySpan}<{t}> bias = {LayerFrame.SpanOf(BiasField, storage)};");
        w.Line($"{Guard}.RequireDisjoint<{t}>(output, nameof(output), input, nameof(input));");
        w.Line($"{Guard}.RequireDisjoint<{t}>(output, nameof(output), weights, nameof(Weights));");
        if (spec.Bias)
            w.Line($"{Guard}.RequireDisjoint<{t}>(output, nameof(output), bias, nameof(Bias));");
        if (spec.Trainable)
        {
            w.Line($"{Guard}.RequireDisjoint<{t}>(output, nameof(output), {LayerFrame.SpanOf(WeightGradientsField, storage)}, nameof(WeightGradients));");
            if (spec.Bias)
                w.Line($"{Guard}.RequireDisjoint<{t}>(output, nameof(output), {LayerFrame.SpanOf(BiasGradientsField, storage)}, nameof(BiasGradients));");
        }
        w.Line();
        WriteForwardKernelCall(w, spec, widths, portable, "input", "output", "bias", "samples", refPrefix: "");
        // The activation in this output mode, as its row in the activation table says: fused into the full output's
        // kernels above (nothing to write here), or a second pass over the output, which the kernel has just written and
        // which is still in L1. Only the full output's kernels fuse; `portable` is also true of deterministic layers,
        // which run the element-by-element kernels.
        ActivationRow activation = spec.Activation.Row;
        ActivationForward forward = spec.Deterministic ? activation.Deterministic : portable ? activation.Portable : activation.Full;
        if (forward.IsFused && portable)
            throw new System.InvalidOperationException($"The activation {activation.Name} is fused in portable or deterministic output, whose kernels fuse none");
        if (forward.AfterProduct(t, "output", spec.Activation.SlopeArgument(spec.Element)) is { } afterProduct)
            w.Line(afterProduct);
        w.Close();
        w.Line();
    }

    /// <summary>The widest accelerated dense kernel of <paramref name="widths"/>, else the scalar one (<see cref="LayerFrame.WriteDispatch"/>).</summary>
    private static void WriteDispatch(IndentedWriter w, VectorWidth[] widths, System.Func<VectorWidth, string> vectorKernel, string scalarKernel, string arguments) =>
        LayerFrame.WriteDispatch(w, widths.Select(width => (width.Static, vectorKernel(width))).ToArray(), scalarKernel, arguments);

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
        DeterministicModeRequirement.WriteDoc(w, LayerFrame.RequiresDeterministicModeFromEntryPoints(spec, storage));
        GeneratedFile.Method(w, methodAttributes);
        string outputParameter = activated ? $"{ReadOnlySpan}<{t}> output, " : "";
        string modifiers = trainable || !spec.IsStruct ? "public void" : "public readonly void";
        w.Open($"{modifiers} Backward({ReadOnlySpan}<{t}> input, {outputParameter}{ReadOnlySpan}<{t}> outputGradient, {Span}<{t}> inputGradient)");
        LayerFrame.WriteRequireDeterministicMode(w, spec, storage);
        w.Line($"int samples = {Guard}.SampleCount(input.Length, InputSize, nameof(input), nameof(InputSize));");
        if (activated)
            w.Line($"{Guard}.RequireSamples(output.Length, samples, OutputSize, nameof(output), nameof(OutputSize));");
        w.Line($"{Guard}.RequireSamples(outputGradient.Length, samples, OutputSize, nameof(outputGradient), nameof(OutputSize));");
        // A frozen layer computes nothing but ∂L/∂X, so its inputGradient cannot be skipped.
        w.Line($"{Guard}.{(trainable ? "RequireSamplesOrEmpty" : "RequireSamples")}(inputGradient.Length, samples, InputSize, nameof(inputGradient), nameof(InputSize));");
        w.Line($"{ReadOnlySpan}<{t}> weights = {LayerFrame.SpanOf(WeightsField, storage)};");
        if (trainable)
        {
            w.Line($"{Span}<{t}> weightGradients = {LayerFrame.SpanOf(WeightGradientsField, storage)};");
            if (spec.Bias)
                w.Line($"{Span}<{t}> biasGradients = {LayerFrame.SpanOf(BiasGradientsField, storage)};");
        }
        w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), input, nameof(input));");
        if (activated)
            w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), output, nameof(output));");
        w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), outputGradient, nameof(outputGradient));");
        w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), weights, nameof(Weights));");
        if (spec.Bias)
            w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), {LayerFrame.SpanOf(BiasField, storage)}, nameof(Bias));");
        if (trainable)
        {
            // Each span the call reads must not overlap a gradient it writes (a bias-free layer has no bias gradient).
            var written = spec.Bias ? new[] { "weightGradients, nameof(WeightGradients)", "biasGradients, nameof(BiasGradients)" } : new[] { "weightGradients, nameof(WeightGradients)" };
            foreach (string read in activated ? new[] { "inputGradient", "input", "output", "outputGradient" } : new[] { "inputGradient", "input", "outputGradient" })
            {
                foreach (string gradient in written)
                    w.Line($"{Guard}.RequireDisjoint<{t}>({read}, nameof({read}), {gradient});");
            }
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
                if (spec.Bias)
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
                        t, "output.Slice(first * OutputSize, count * OutputSize)", "outputGradient.Slice(first * OutputSize, count * OutputSize)", "dZ",
                        spec.Activation.SlopeArgument(spec.Element)));
                    break;
                default:
                    WriteRecomputedPreActivation(w, spec, storage, widths, portable);
                    w.Line(spec.Activation.Row.Backward.StatementFromPreActivation(
                        t, spec.Deterministic, "dZ", "outputGradient.Slice(first * OutputSize, count * OutputSize)", "dZ"));
                    break;
            }
            WriteLinearBackward(w, spec, widths, portable, "input.Slice(first * InputSize, count * InputSize)", "dZ", "chunkInputGradient", "count");
            w.Close();
        }
        w.Close();
        w.Line();
    }

    /// <summary>
    /// An activation whose derivative is a function of <c>z = W x + b</c> (SiLU) gets it back here: the forward kernel,
    /// without the activation, recomputes <c>z</c> for the chunk into <c>dZ</c>, where the row's statement then forms
    /// <c>dZ = dY ⊙ act′(z)</c> in place. One more matrix product per backward pass instead of a buffer Forward would
    /// fill and every caller would have to pass. The locals are named apart from the backward kernels' own.
    /// </summary>
    private static void WriteRecomputedPreActivation(IndentedWriter w, DenseSpec spec, LayerStorage storage, VectorWidth[] widths, bool portable)
    {
        // The full output's forward kernels apply a fused activation as they store: they would recompute act(z), not z.
        if (KernelWriter.FusesActivation(spec))
            throw new System.InvalidOperationException($"The activation {spec.Activation.Name} takes its derivative from W x + b but is fused into the forward kernels, which would not give W x + b back");
        string t = spec.ElementKeyword;
        w.Line("// z = W x + b for the chunk, recomputed: Forward keeps nothing, and this activation's derivative is a function of z.");
        w.Open("");
        w.Line($"{ReadOnlySpan}<{t}> chunkInput = input.Slice(first * InputSize, count * InputSize);");
        if (spec.Bias)
            w.Line($"{ReadOnlySpan}<{t}> recomputeBias = {LayerFrame.SpanOf(BiasField, storage)};");
        WriteForwardKernelCall(w, spec, widths, portable, "chunkInput", "dZ", "recomputeBias", "count", refPrefix: "z");
        w.Close();
    }

    /// <summary>
    /// A call of the forward kernel on <paramref name="samples"/> samples of <paramref name="input"/> into
    /// <paramref name="output"/>, with the layer's <c>weights</c> and <paramref name="bias"/>: the portable (or
    /// deterministic) kernel, or the widest accelerated one through refs named with <paramref name="refPrefix"/>, so that
    /// a second call in one method (Backward's recompute) names them apart.
    /// </summary>
    private static void WriteForwardKernelCall(IndentedWriter w, DenseSpec spec, VectorWidth[] widths, bool portable, string input, string output, string bias, string samples, string refPrefix)
    {
        string t = spec.ElementKeyword;
        if (portable)
        {
            w.Line($"{PortableKernels.ForwardName}({input}, {output}, weights{(spec.Bias ? ", " + bias : "")}, {samples});");
            return;
        }
        w.Line($"ref {t} {refPrefix}x = ref {KernelWriter.Marshal}.GetReference({input});");
        w.Line($"ref {t} {refPrefix}y = ref {KernelWriter.Marshal}.GetReference({output});");
        w.Line($"ref {t} {refPrefix}w = ref {KernelWriter.Marshal}.GetReference(weights);");
        if (spec.Bias)
            w.Line($"ref {t} {refPrefix}b = ref {KernelWriter.Marshal}.GetReference({bias});");
        string refs = $"ref {refPrefix}x, ref {refPrefix}y, ref {refPrefix}w" + (spec.Bias ? $", ref {refPrefix}b" : "");
        bool oneSample = OneSampleKernel.Applies(spec, portable);
        if (oneSample)
        {
            // A sample or two: along the outputs, from the layer's copy of Wᵀ.
            w.Open($"if ({samples} <= {Number(OneSampleKernel.MaxSamples)})");
            OneSampleKernel.WriteCall(w, spec, refs, samples, refPrefix);
            w.Close();
            w.Open("else");
        }
        WriteBatchKernelCall(w, spec, widths, refs, samples);
        if (oneSample)
            w.Close();
    }

    /// <summary>The forward kernels' dispatch for any number of samples (<see cref="WriteForwardKernelCall"/>).</summary>
    private static void WriteBatchKernelCall(IndentedWriter w, DenseSpec spec, VectorWidth[] widths, string refs, string samples)
    {
        if (AlongOutputsKernel.Applies(spec))
        {
            // Few inputs: from a batch large enough to repay copying Wᵀ, the kernel that vectorizes along the outputs (its
            // vectors are as wide as the outputs allow, not the inputs); below that, the dot-product kernels.
            w.Open($"if ({samples} >= {Number(AlongOutputsKernel.MinSamples(spec))})");
            WriteDispatch(w, VectorWidth.ForOutputs(spec), AlongOutputsKernel.ForwardName, LoopKernels.ForwardName, $"({refs}, {samples});");
            w.Close();
            w.Open("else");
            WriteDispatch(w, widths, VectorKernels.ForwardName, LoopKernels.ForwardName, $"({refs}, {samples});");
            w.Close();
            return;
        }
        WriteDispatch(w, widths, VectorKernels.ForwardName, LoopKernels.ForwardName, $"({refs}, {samples});");
    }

    /// <summary>Where the docs say the derivative comes from: the output, or <c>W x + b</c> recomputed from the input.</summary>
    private static string DerivativeFrom(DenseSpec spec) => spec.Activation.Row.Backward.Source == DerivativeSource.PreActivation
        ? "<c>W x + b</c>, recomputed from <paramref name=\"input\"/>"
        : "<paramref name=\"output\"/>";

    private static void WriteBackwardDocs(IndentedWriter w, DenseSpec spec)
    {
        bool activated = spec.HasActivation;
        w.Line("/// <summary>");
        if (!spec.Trainable)
        {
            w.Line(activated
                ? $"/// Passes a batch's gradient back through the activation and the frozen layer: writes <c>∂L/∂X = dZ W</c>, with <c>dZ = dY ⊙ {spec.Activation.Row.Formula}′</c> taken from {DerivativeFrom(spec)}."
                : "/// Passes a batch's gradient back through the frozen layer: writes <c>∂L/∂X = dY W</c>.");
            w.Line("/// The layer has no gradients of its own: it is not trained (<c>Trainable = false</c>).");
        }
        else if (activated)
        {
            w.Line($"/// Back-propagates a batch through the activation and the layer: with <c>dZ = dY ⊙ {spec.Activation.Row.Formula}′</c>, the derivative");
            if (spec.Bias)
            {
                w.Line($"/// taken from {DerivativeFrom(spec)}, adds <c>∂L/∂W = dZᵀ X</c> to <see cref=\"WeightGradients\"/> and <c>∂L/∂b = Σ dZ</c>");
                w.Line("/// (over the samples) to <see cref=\"BiasGradients\"/>, and writes <c>∂L/∂X = dZ W</c> into <paramref name=\"inputGradient\"/> unless it is empty.");
            }
            else
            {
                w.Line($"/// taken from {DerivativeFrom(spec)}, adds <c>∂L/∂W = dZᵀ X</c> to <see cref=\"WeightGradients\"/>, and writes <c>∂L/∂X = dZ W</c>");
                w.Line("/// into <paramref name=\"inputGradient\"/> unless it is empty.");
            }
        }
        else
        {
            if (spec.Bias)
            {
                w.Line("/// Back-propagates a batch: adds <c>∂L/∂W = dYᵀ X</c> to <see cref=\"WeightGradients\"/> and <c>∂L/∂b = Σ dY</c> (over the");
                w.Line("/// samples) to <see cref=\"BiasGradients\"/>, and writes <c>∂L/∂X = dY W</c> into <paramref name=\"inputGradient\"/> unless it is empty.");
            }
            else
            {
                w.Line("/// Back-propagates a batch: adds <c>∂L/∂W = dYᵀ X</c> to <see cref=\"WeightGradients\"/>, and writes <c>∂L/∂X = dY W</c> into");
                w.Line("/// <paramref name=\"inputGradient\"/> unless it is empty.");
            }
        }
        w.Line("/// </summary>");
        // A frozen layer reads only the input's length, unless its derivative needs W x + b, which it recomputes from the input.
        bool readsInput = spec.Trainable || spec.Activation.Row.Backward.Source == DerivativeSource.PreActivation;
        w.Line(readsInput
            ? "/// <param name=\"input\">The batch given to <see cref=\"Forward\"/>, <c>[k, InputSize]</c>.</param>"
            : "/// <param name=\"input\">The batch given to <see cref=\"Forward\"/>, <c>[k, InputSize]</c>; only its length is used.</param>");
        if (activated)
            w.Line(spec.Activation.Row.Backward.Source == DerivativeSource.PreActivation
                ? "/// <param name=\"output\">What <see cref=\"Forward\"/> wrote for that batch, <c>[k, OutputSize]</c>: its length is checked, but the derivative is taken from <c>W x + b</c>, recomputed from <paramref name=\"input\"/>.</param>"
                : "/// <param name=\"output\">What <see cref=\"Forward\"/> wrote for that batch, <c>[k, OutputSize]</c>.</param>");
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
                ? $"{PortableKernels.BackwardName}({x}, {dy}, weights, weightGradients{PortableKernels.BiasGradientsArgument(spec)}, {inputGradient}, {samples});"
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
            if (spec.Bias)
                w.Line($"ref {t} db = ref {KernelWriter.Marshal}.GetReference(biasGradients);");
        }
        if (spec.Bias)
        {
            string gradientName = chunked ? "dZ" : "dy";
            w.Line($"// db += Σ {gradientName}: a small share of the work (k × OutputSize additions), kept scalar.");
            w.Line("ref " + t + " dyRow = ref dy;");
            w.Open($"for (int sample = 0; sample < {samples}; sample++)");
            w.Line($"for (int o = 0; o < {Number(spec.Out)}; o++)");
            w.Line($"    {KernelWriter.Unsafe}.Add(ref db, o) += {KernelWriter.Unsafe}.Add(ref dyRow, o);");
            w.Line($"dyRow = ref {KernelWriter.Unsafe}.Add(ref dyRow, {Number(spec.Out)});");
            w.Close();
        }
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
                if (kind == KernelKind.InputGradient && !spec.HasBackward)
                    continue;
                Unrolling unrolling = KernelPlanner.Choose(spec, width, kind);
                w.Line($"// {width.Name}, {unrolling switch { Unrolling.Full => "fully unrolled", Unrolling.Chunks => "rows looped, row vectors unrolled", _ => "rows and row vectors looped around unrolled tiles" }}.");
                KernelPlanner.Write(kernels, width, kind, unrolling);
            }
        }
        if (AlongOutputsKernel.Applies(spec))
        {
            foreach (VectorWidth width in VectorWidth.ForOutputs(spec))
            {
                w.Line($"// {width.Name} along the outputs, for batches of {Number(AlongOutputsKernel.MinSamples(spec))} or more samples: few inputs fill few vectors, many outputs fill many.");
                AlongOutputsKernel.WriteForward(kernels, width);
            }
        }
        if (OneSampleKernel.Applies(spec, portable: false))
        {
            foreach (VectorWidth width in VectorWidth.ForOutputs(spec))
            {
                w.Line($"// {width.Name} along the outputs from the copy of Wᵀ, for up to {Number(OneSampleKernel.MaxSamples)} samples.");
                OneSampleKernel.WriteForward(kernels, width);
            }
        }
        w.Line("// Scalar, for hardware without accelerated vectors.");
        LoopKernels.WriteForward(kernels);
        if (spec.Trainable)
            LoopKernels.WriteWeightGradient(kernels);
        if (spec.HasBackward)
            LoopKernels.WriteInputGradient(kernels);
        if (spec.Trainable)
            LoopKernels.WriteOneSampleBackward(kernels);
    }

    /// <summary>The layer's affine map as the docs write it: <c>W x + b</c>, or <c>W x</c> without a bias.</summary>
    private static string Affine(DenseSpec spec) => spec.Bias ? "W x + b" : "W x";

    /// <summary>The same over a batch: <c>input Wᵀ + b</c>, or <c>input Wᵀ</c>.</summary>
    private static string BatchAffine(DenseSpec spec) => spec.Bias ? "input Wᵀ + b" : "input Wᵀ";

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
