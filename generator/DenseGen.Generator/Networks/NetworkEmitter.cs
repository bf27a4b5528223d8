using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DenseGen.Generator.Determinism;
using DenseGen.Generator.Layers;
using DenseGen.Generator.Layers.Dense;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Networks;

/// <summary>
/// Turns a <see cref="NetworkSpec"/> into the source of the network's partial type: constants, buffers, and the
/// methods that drive the layers' own generated kernels in order. Pure: the same spec gives byte-identical text.
/// </summary>
internal static partial class NetworkEmitter
{
    private const string Span = "global::System.Span";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan";
    private const string Guard = GeneratedFile.Guard;
    private const string BuffersField = "__denseBuffers";
    private const string BufferStorageType = "__DenseBufferStorage";
    private const string ForwardSamplesField = "__denseForwardSamples";
    private const string ForwardStepsField = "__denseForwardSteps";
    private const string LayersField = "__denseLayers";
    private const string SetParametersMethod = "__DenseSetParameters";
    private const string BakedDataField = "__denseBaked";

    /// <summary>The hint name, e.g. <c>App.Model.Hidden.Sequential.g.cs</c>; see <see cref="GeneratedFile.HintName"/>.</summary>
    public static string HintName(NetworkSpec spec) =>
        GeneratedFile.HintName(spec.Namespace, spec.ContainingTypes, spec.TypeName, ".Sequential.g.cs");

    public static string Emit(NetworkSpec spec, TargetInfo target)
    {
        bool portable = target.IsPortable;
        var w = new IndentedWriter();
        GeneratedFile.Open(w, spec.Namespace, spec.ContainingTypes);

        string t = spec.ElementKeyword;
        // A network of sequences takes a sample as a stream's whole sequence, which the one-sample module interfaces
        // (and the training helpers built on them) do not describe: it offers its shape, and optimizers its tensors.
        string interfaces = spec.IsSequence
            ? spec.IsTrainable ? $"global::DenseGen.IModuleShape, global::DenseGen.ITrainable<{t}>" : "global::DenseGen.IModuleShape"
            : spec.IsTrainable
            ? $"global::DenseGen.ITrainableModule<{t}>, global::DenseGen.ITrainable<{t}>"
            : $"global::DenseGen.IForwardModule<{t}>";
        w.Open($"partial {(spec.IsStruct ? "struct" : "class")} {spec.TypeName} : {interfaces}");
        var context = new Context(w, spec, NetworkLayout.Of(spec), portable ? null : KernelWriter.MethodAttributes(skipLocalsInit: false), portable);
        WriteConstants(context);
        WriteBuffers(context);
        if (spec.IsSequence)
        {
            WriteSequenceMembers(context);
        }
        else if (spec.IsTrainable)
        {
            WriteTrainingForward(context);
            WriteBackward(context);
            WriteZeroGradients(context);
        }
        else
        {
            WriteInferenceForward(context);
        }
        WriteInitialize(context);
        WriteSaveAndLoad(context);
        if (spec.Baked is not null)
            WriteBakedWeights(context, spec.Baked);
        if (spec.IsTrainable)
            WriteTrainableMembers(context);
        w.Close();

        GeneratedFile.Close(w, spec.Namespace, spec.ContainingTypes);
        return w.ToString();
    }

    private sealed class Context
    {
        public Context(IndentedWriter writer, NetworkSpec spec, NetworkLayout layout, string? methodAttributes, bool portable)
        {
            W = writer;
            Spec = spec;
            Layout = layout;
            MethodAttributes = methodAttributes;
            Portable = portable;
        }

        public IndentedWriter W { get; }

        public NetworkSpec Spec { get; }

        public NetworkLayout Layout { get; }

        /// <summary>AggressiveOptimization in full output: the driver runs at full speed from the first call, as the kernels do.</summary>
        public string? MethodAttributes { get; }

        public bool Portable { get; }

        public string T => Spec.ElementKeyword;

        /// <summary>A generated method's attributes (see <see cref="GeneratedFile.Method"/>).</summary>
        public void Attributes() => GeneratedFile.Method(W, MethodAttributes);
    }

    private static void WriteConstants(Context c)
    {
        IndentedWriter w = c.W;
        NetworkSpec spec = c.Spec;
        long parameters = spec.Layers.Sum(layer => layer.Contract.ParameterCount);
        w.Line($"/// <summary>Number of inputs per sample: the first layer's, <c>{spec.First.FieldName}</c>.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const int InputSize = {Number(spec.First.In)};");
        w.Line();
        w.Line($"/// <summary>Number of outputs per sample: the last layer's, <c>{spec.Last.FieldName}</c>.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const int OutputSize = {Number(spec.Last.Out)};");
        w.Line();
        w.Line(spec.IsSequence
            ? "/// <summary>The most streams one call takes: its recurrent layers keep state for this many.</summary>"
            : spec.IsTrainable
            ? "/// <summary>The most samples one <see cref=\"Backward\"/> takes; <see cref=\"Forward\"/> runs larger batches in chunks of this many.</summary>"
            : "/// <summary>The chunk size of <c>Forward</c>: the network's buffers hold this many samples.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const int MaxBatch = {Number(spec.MaxBatch)};");
        w.Line();
        if (spec.IsSequence)
        {
            w.Line(spec.IsTrainable
                ? "/// <summary>The most time steps one <c>Forward(input, output, steps)</c> takes: the network keeps every step of every layer for <see cref=\"Backward\"/>.</summary>"
                : "/// <summary>The time steps <c>Forward(input, output, steps)</c> runs its layers on at a time; it takes sequences of any length.</summary>");
            GeneratedFile.Field(w);
            w.Line($"public const int MaxSteps = {Number(spec.MaxSteps)};");
            w.Line();
        }
        w.Line("/// <summary>Number of layers.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const int LayerCount = {Number(spec.Layers.Count)};");
        w.Line();
        w.Line("/// <summary>Number of parameters of all layers: their weights and biases.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const long ParameterCount = {Number(parameters)};");
        w.Line();
        w.Line($"/// <summary>Bytes of the parameters of all layers, {Number(spec.ElementSize)} per element.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const long ParameterBytes = {Number(parameters * spec.ElementSize)};");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Bytes of data the network holds: every layer's parameters and gradients (frozen layers keep none), the network's");
        w.Line("/// buffers and its own fields. For a struct network of struct layers this is its size, <c>Unsafe.SizeOf</c>; for");
        w.Line("/// classes, object and array headers come on top.");
        w.Line("/// </summary>");
        GeneratedFile.Field(w);
        w.Line($"public const long StorageBytes = {Number(NetworkLayout.StorageBytes(spec))};");
        w.Line();
        GeneratedFile.Member(w);
        w.Line("int global::DenseGen.IModuleShape.InputSize => InputSize;");
        w.Line();
        GeneratedFile.Member(w);
        w.Line("int global::DenseGen.IModuleShape.OutputSize => OutputSize;");
        w.Line();
    }

    private static void WriteBuffers(Context c)
    {
        IndentedWriter w = c.W;
        long length = c.Layout.Length;
        if (length > 0)
        {
            w.Line(c.Spec.IsTrainable
                ? "// Each hidden layer's output for MaxBatch samples (the next layer's input, kept for Backward), then two buffers the"
                : "// Two buffers the activations ping-pong through, MaxBatch samples of the widest hidden layer each.");
            if (c.Spec.IsTrainable)
                w.Line("// gradient between layers ping-pongs through. Offsets are constants; one block, allocated (or inlined) once.");
            if (c.Spec.IsStruct)
            {
                GeneratedFile.Field(w);
                w.Line($"private {BufferStorageType} {BuffersField};");
                w.Line();
                GeneratedFile.Member(w);
                w.Line($"[global::System.Runtime.CompilerServices.InlineArray({Number(length)})]");
                w.Open($"private struct {BufferStorageType}");
                w.Line($"private {c.T} __element;");
                w.Close();
            }
            else if (c.Portable)
            {
                GeneratedFile.Field(w);
                w.Line($"private readonly {c.T}[] {BuffersField} = new {c.T}[{Number(length)}];");
            }
            else
            {
                GeneratedFile.Field(w);
                w.Line($"private readonly {GeneratedFile.CompilerServices}.AlignedArray<{c.T}> {BuffersField} = new({Number(length)});");
            }
            w.Line();
        }
        if (c.Spec.IsTrainable)
        {
            w.Line(c.Spec.IsSequence
                ? "// Streams and time steps of the last complete Forward: Backward needs its activations."
                : "// Samples of the last complete Forward: Backward needs its activations.");
            GeneratedFile.Field(w);
            w.Line($"private int {ForwardSamplesField};");
            w.Line();
            if (c.Spec.IsSequence)
            {
                GeneratedFile.Field(w);
                w.Line($"private int {ForwardStepsField};");
                w.Line();
            }
        }
    }

    /// <summary>Rejects <paramref name="span"/> if it overlaps any layer's parameters (and gradients, where a layer has them).</summary>
    private static void WriteDisjointFromLayers(Context c, string span, bool gradients = true)
    {
        foreach (NetworkLayer layer in c.Spec.Layers)
        {
            foreach (TensorSpec tensor in layer.Contract.Tensors)
                WriteDisjoint(c, span, layer, tensor.Property);
            if (gradients)
                WriteDisjointFromGradients(c, span, layer);
        }
    }

    /// <summary>Rejects <paramref name="span"/> if it overlaps any gradient of <paramref name="layer"/>.</summary>
    private static void WriteDisjointFromGradients(Context c, string span, NetworkLayer layer)
    {
        foreach (TensorSpec tensor in layer.Contract.TrainedTensors)
            WriteDisjoint(c, span, layer, tensor.GradientProperty!);
    }

    private static void WriteDisjoint(Context c, string span, NetworkLayer layer, string property) =>
        c.W.Line($"{Guard}.RequireDisjoint<{c.T}>({span}, nameof({span}), this.{layer.FieldName}.{property}, \"{layer.FieldName}.{property}\");");

    private static void WriteForwardDocs(Context c, bool scratch)
    {
        IndentedWriter w = c.W;
        w.Line("/// <summary>");
        w.Line($"/// Runs the layers in order ({Describe(c.Spec)}) on any number of samples, {Number(c.Spec.MaxBatch)} (<see cref=\"MaxBatch\"/>) at a time.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"input\"><c>k</c> samples, <c>[k, InputSize]</c> row-major; <c>k ≥ 1</c> is implied by the length.</param>");
        w.Line("/// <param name=\"output\">Receives <c>[k, OutputSize]</c>. Must not overlap <paramref name=\"input\"/> or any layer's storage.</param>");
        if (scratch)
            w.Line("/// <param name=\"scratch\">At least <see cref=\"ForwardScratchLength\"/> elements the call may use; must not overlap the other spans or the layers.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A length does not match, or <paramref name=\"output\"/> overlaps memory the network reads. Nothing is written when it is thrown.</exception>");
    }

    /// <summary>
    /// The buffer block as a span. A class network's starts on a cache line (full output); a struct network's lies
    /// wherever the struct does.
    /// </summary>
    private static string Buffers(Context c) =>
        c.Layout.Length == 0 ? "default" : c.Spec.IsStruct || c.Portable ? BuffersField : BuffersField + ".Span";

    /// <summary>
    /// Declares <c>buffers</c>, the span the layers' activations and gradients go through, unless there are none: one
    /// layer without an activation keeps nothing between calls and declares no buffer block.
    /// </summary>
    private static void WriteBuffersLocal(Context c)
    {
        if (c.Layout.Length > 0)
            c.W.Line($"{Span}<{c.T}> buffers = {Buffers(c)};");
    }

    private static void WriteTrainingForward(Context c)
    {
        IndentedWriter w = c.W;
        NetworkSpec spec = c.Spec;
        WriteForwardDocs(c, scratch: false);
        w.Line("/// <remarks>");
        w.Line("/// Keeps each layer's output in the network's buffers for <see cref=\"Backward\"/>, which takes the samples of the last");
        w.Line("/// Forward when there were at most <see cref=\"MaxBatch\"/>. Writes those buffers: one thread at a time per network. Allocates nothing.");
        w.Line("/// </remarks>");
        DeterministicModeRequirement.WriteDoc(w, RequiresFromEntryPoints(c));
        c.Attributes();
        w.Open($"public void Forward({ReadOnlySpan}<{c.T}> input, {Span}<{c.T}> output)");
        WriteRequireDeterministicMode(c);
        w.Line($"int samples = {Guard}.SampleCount(input.Length, InputSize, nameof(input), nameof(InputSize));");
        w.Line($"{Guard}.RequireSamples(output.Length, samples, OutputSize, nameof(output), nameof(OutputSize));");
        w.Line($"{Guard}.RequireDisjoint<{c.T}>(output, nameof(output), input, nameof(input));");
        WriteDisjointFromLayers(c, "output");
        WriteBuffersLocal(c);
        w.Line("// Until this call completes, its activations are not a whole batch Backward could use.");
        w.Line($"{ForwardSamplesField} = 0;");
        w.Open("for (int first = 0; first < samples; first += MaxBatch)");
        w.Line("int count = global::System.Math.Min(MaxBatch, samples - first);");
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            NetworkLayer layer = spec.Layers[i];
            string input = i == 0 ? "input.Slice(first * InputSize, count * InputSize)" : ActivationSlice(c, i - 1, "count");
            long slot = c.Layout.Activations(i);
            string destination = slot >= 0 ? ActivationSlice(c, i, "count") : "output.Slice(first * OutputSize, count * OutputSize)";
            w.Line($"this.{layer.FieldName}.Forward({input}, {destination});");
            if (i == spec.Layers.Count - 1 && slot >= 0)
            {
                w.Line("// The last layer's output is kept too: its activation's derivative is taken from it in Backward.");
                w.Line($"{ActivationSlice(c, i, "count")}.CopyTo(output.Slice(first * OutputSize, count * OutputSize));");
            }
        }
        w.Close();
        w.Line($"{ForwardSamplesField} = samples;");
        w.Close();
        w.Line();
    }

    /// <summary>The slice of the buffers holding layer <paramref name="index"/>'s output for <paramref name="samples"/> samples.</summary>
    private static string ActivationSlice(Context c, int index, string samples) =>
        $"buffers.Slice({Number(c.Layout.Activations(index))}, {samples} * {Number(c.Spec.Layers[index].Out)})";

    /// <summary>The slice holding the gradient of layer <paramref name="index"/>'s output (ping-pong by parity).</summary>
    private static string GradientSlice(Context c, int index) =>
        $"buffers.Slice({Number(index % 2 == 0 ? c.Layout.Gradients0 : c.Layout.Gradients1)}, samples * {Number(c.Spec.Layers[index].Out)})";

    private static void WriteBackward(Context c)
    {
        IndentedWriter w = c.W;
        NetworkSpec spec = c.Spec;
        w.Line("/// <summary>");
        w.Line("/// Back-propagates the samples of the last <see cref=\"Forward\"/> through every layer,");
        w.Line("/// last to first: adds each trainable layer's <c>∂L/∂W</c> and <c>∂L/∂b</c> to its gradients, through the activations,");
        w.Line("/// and writes <c>∂L/∂X</c> into <paramref name=\"inputGradient\"/> unless it is empty.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"input\">The batch given to the last Forward, <c>[k, InputSize]</c>.</param>");
        w.Line("/// <param name=\"outputGradient\"><c>∂L/∂Y</c>, <c>[k, OutputSize]</c>.</param>");
        w.Line("/// <param name=\"inputGradient\">Receives <c>∂L/∂X</c>, <c>[k, InputSize]</c>; pass an empty span to skip it, and the first layer's input product with it.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A length does not match, or a span overlaps one the call writes. Nothing is written when it is thrown.</exception>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\"><c>k</c> is more than <see cref=\"MaxBatch\"/> (raise it in <c>[Sequential(MaxBatch = ...)]</c>, or call Forward and Backward on chunks of at most MaxBatch samples), or the last Forward did not have these <c>k</c> samples. Nothing is written.</exception>");
        w.Line("/// <remarks>Gradients accumulate across calls until <see cref=\"ZeroGradients\"/>. Writes the gradients and the buffers: one thread at a time per network. Allocates nothing.</remarks>");
        DeterministicModeRequirement.WriteDoc(w, RequiresFromEntryPoints(c));
        c.Attributes();
        w.Open($"public void Backward({ReadOnlySpan}<{c.T}> input, {ReadOnlySpan}<{c.T}> outputGradient, {Span}<{c.T}> inputGradient)");
        WriteRequireDeterministicMode(c);
        w.Line($"int samples = {Guard}.SampleCount(input.Length, InputSize, nameof(input), nameof(InputSize));");
        w.Line($"{Guard}.RequireSamples(outputGradient.Length, samples, OutputSize, nameof(outputGradient), nameof(OutputSize));");
        w.Line($"{Guard}.RequireSamplesOrEmpty(inputGradient.Length, samples, InputSize, nameof(inputGradient), nameof(InputSize));");
        w.Line($"{Guard}.RequireForwardOf(samples, {ForwardSamplesField}, MaxBatch);");
        w.Line($"{Guard}.RequireDisjoint<{c.T}>(inputGradient, nameof(inputGradient), input, nameof(input));");
        w.Line($"{Guard}.RequireDisjoint<{c.T}>(inputGradient, nameof(inputGradient), outputGradient, nameof(outputGradient));");
        WriteDisjointFromLayers(c, "inputGradient");
        WriteDisjointFromGradients(c, "input", spec.First);
        WriteDisjointFromGradients(c, "outputGradient", spec.Last);
        WriteBackwardThroughLayers(c);
        w.Close();
        w.Line();
    }

    /// <summary>
    /// The body of Backward after its checks: each layer's Backward, last to first, on <c>samples</c> rows, the gradient
    /// between layers ping-ponging through the buffers.
    /// </summary>
    private static void WriteBackwardThroughLayers(Context c)
    {
        IndentedWriter w = c.W;
        NetworkSpec spec = c.Spec;
        int count = spec.Layers.Count, firstTrainable = spec.FirstTrainable;
        WriteBuffersLocal(c);
        w.Line();
        for (int i = count - 1; i > firstTrainable; i--)
            WriteLayerBackward(c, i, i == 0 ? "inputGradient" : GradientSlice(c, i - 1));
        if (firstTrainable == 0)
        {
            WriteLayerBackward(c, 0, "inputGradient");
        }
        else
        {
            WriteLayerBackward(c, firstTrainable, $"inputGradient.IsEmpty ? default({Span}<{c.T}>) : {GradientSlice(c, firstTrainable - 1)}");
            if (!BlocksInputGradient(spec))
            {
                w.Line("// The layers before the first trainable one learn nothing; they run only to give the caller ∂L/∂X.");
                w.Open("if (!inputGradient.IsEmpty)");
                for (int i = firstTrainable - 1; i >= 0; i--)
                    WriteLayerBackward(c, i, i == 0 ? "inputGradient" : GradientSlice(c, i - 1));
                w.Close();
            }
        }
    }

    private static void WriteLayerBackward(Context c, int index, string inputGradient)
    {
        NetworkLayer layer = c.Spec.Layers[index];
        string input = index == 0 ? "input" : ActivationSlice(c, index - 1, "samples");
        string output = layer.KeepsOutput ? ActivationSlice(c, index, "samples") + ", " : "";
        string outputGradient = index == c.Spec.Layers.Count - 1 ? "outputGradient" : GradientSlice(c, index);
        c.W.Line($"// {layer.FieldName}: {Describe(layer)}");
        c.W.Line($"this.{layer.FieldName}.Backward({input}, {output}{outputGradient}, {inputGradient});");
    }

    private static void WriteZeroGradients(Context c)
    {
        IndentedWriter w = c.W;
        w.Line("/// <summary>Sets the gradients of every trainable layer to zero, typically before each batch.</summary>");
        c.Attributes();
        w.Open("public void ZeroGradients()");
        foreach (NetworkLayer layer in c.Spec.Layers.Where(layer => layer.Trainable))
            w.Line($"this.{layer.FieldName}.ZeroGradients();");
        w.Close();
        w.Line();
    }

    private static void WriteInferenceForward(Context c)
    {
        IndentedWriter w = c.W;
        NetworkSpec spec = c.Spec;
        w.Line("/// <summary>The length of the scratch span that <c>Forward(input, output, scratch)</c> needs.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const int ForwardScratchLength = {Number(c.Layout.Length)};");
        w.Line();
        WriteForwardDocs(c, scratch: false);
        w.Line("/// <remarks>Uses the network's own buffers: one thread at a time per network; for many threads, give each its own scratch span. Allocates nothing.</remarks>");
        DeterministicModeRequirement.WriteDoc(w, RequiresFromEntryPoints(c));
        c.Attributes();
        w.Open($"public void Forward({ReadOnlySpan}<{c.T}> input, {Span}<{c.T}> output)");
        WriteRequireDeterministicMode(c);
        w.Line($"int samples = {Guard}.SampleCount(input.Length, InputSize, nameof(input), nameof(InputSize));");
        w.Line($"{Guard}.RequireSamples(output.Length, samples, OutputSize, nameof(output), nameof(OutputSize));");
        w.Line($"{Guard}.RequireDisjoint<{c.T}>(output, nameof(output), input, nameof(input));");
        WriteDisjointFromLayers(c, "output", gradients: false);
        w.Line($"__DenseInfer(input, output, {Buffers(c)}, samples);");
        w.Close();
        w.Line();

        WriteForwardDocs(c, scratch: true);
        w.Line("/// <remarks>Only reads the network: any number of threads may call it at once, each with its own scratch span, while nothing writes the weights. Allocates nothing.</remarks>");
        DeterministicModeRequirement.WriteDoc(w, RequiresFromEntryPoints(c));
        c.Attributes();
        w.Open($"public {(spec.IsStruct ? "readonly " : "")}void Forward({ReadOnlySpan}<{c.T}> input, {Span}<{c.T}> output, {Span}<{c.T}> scratch)");
        WriteRequireDeterministicMode(c);
        w.Line($"int samples = {Guard}.SampleCount(input.Length, InputSize, nameof(input), nameof(InputSize));");
        w.Line($"{Guard}.RequireSamples(output.Length, samples, OutputSize, nameof(output), nameof(OutputSize));");
        w.Line($"{Guard}.RequireScratch(scratch.Length, ForwardScratchLength, nameof(scratch));");
        w.Line($"{Guard}.RequireDisjoint<{c.T}>(output, nameof(output), input, nameof(input));");
        w.Line($"{Guard}.RequireDisjoint<{c.T}>(output, nameof(output), scratch, nameof(scratch));");
        w.Line($"{Guard}.RequireDisjoint<{c.T}>(scratch, nameof(scratch), input, nameof(input));");
        WriteDisjointFromLayers(c, "output", gradients: false);
        WriteDisjointFromLayers(c, "scratch", gradients: false);
        w.Line("__DenseInfer(input, output, scratch, samples);");
        w.Close();
        w.Line();

        c.Attributes();
        w.Open($"private {(spec.IsStruct ? "readonly " : "")}void __DenseInfer({ReadOnlySpan}<{c.T}> input, {Span}<{c.T}> output, {Span}<{c.T}> buffers, int samples)");
        w.Open("for (int first = 0; first < samples; first += MaxBatch)");
        w.Line("int count = global::System.Math.Min(MaxBatch, samples - first);");
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            string input = i == 0 ? "input.Slice(first * InputSize, count * InputSize)" : ActivationSlice(c, i - 1, "count");
            string destination = i == spec.Layers.Count - 1 ? "output.Slice(first * OutputSize, count * OutputSize)" : ActivationSlice(c, i, "count");
            w.Line($"this.{spec.Layers[i].FieldName}.Forward({input}, {destination});");
        }
        w.Close();
        w.Close();
        w.Line();
    }

    /// <summary>
    /// In the portable output, which has no module initializers, a deterministic network turns the runtime's deterministic
    /// mode on from its entry points (see DeterministicModeRequirement); the call costs a field read once it is on.
    /// </summary>
    private static void WriteRequireDeterministicMode(Context c) =>
        DeterministicModeRequirement.WriteCall(c.W, RequiresFromEntryPoints(c), c.Spec.Namespace, c.Spec.ContainingTypes, c.Spec.TypeName, "network");

    private static bool RequiresFromEntryPoints(Context c) => c.Portable && c.Spec.RequiresDeterministicMode;

    private static void WriteInitialize(Context c)
    {
        IndentedWriter w = c.W;
        w.Line("/// <summary>");
        w.Line("/// Fills every layer's weights and bias from <paramref name=\"seed\"/>: layer <c>i</c> from its own stream, seeded with");
        w.Line("/// <c>seed + i</c>, so adding a layer at the end leaves the others' values as they were. Gradients are left alone.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"seed\">The same seed gives bit-identical weights on every machine.</param>");
        w.Line("/// <param name=\"scheme\">How to draw them; PyTorch's <c>nn.Linear</c> default unless given.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"scheme\"/> is not a defined value; nothing is changed.</exception>");
        DeterministicModeRequirement.WriteDoc(w, RequiresFromEntryPoints(c));
        GeneratedFile.Member(w);
        w.Open("public void Initialize(ulong seed, global::DenseGen.Initialization scheme = global::DenseGen.Initialization.PyTorchDefault)");
        WriteRequireDeterministicMode(c);
        for (int i = 0; i < c.Spec.Layers.Count; i++)
        {
            NetworkLayer layer = c.Spec.Layers[i];
            string seed = i == 0 ? "seed" : $"unchecked(seed + {Number(i)}UL)";
            w.Line(layer.IsStruct
                ? $"global::DenseGen.Initializer.Initialize<{c.T}, {layer.TypeName}>(ref this.{layer.FieldName}, scheme, {seed});"
                : $"global::DenseGen.Initializer.Initialize<{c.T}>(this.{layer.FieldName}, scheme, {seed});");
        }
        w.Close();
        w.Line();
    }

    private static void WriteSaveAndLoad(Context c)
    {
        IndentedWriter w = c.W;
        NetworkSpec spec = c.Spec;
        GeneratedFile.Field(w);
        w.Line($"private static readonly global::DenseGen.LayerDescription[] {LayersField} = new global::DenseGen.LayerDescription[]");
        w.Open("");
        foreach (NetworkLayer layer in spec.Layers)
            w.Line($"new global::DenseGen.LayerDescription({Literal(layer.TensorName)}, {Literal(layer.Contract.Kind)}, {Literal(layer.Contract.Architecture)}, {Number(layer.In)}, {Number(layer.Out)}, global::DenseGen.Activation.{layer.Contract.Activation}{layer.Contract.Activation.SlopeArgument(ElementKind.Float64)}, {(layer.Trainable ? "true" : "false")}, {string.Join(", ", layer.Contract.Tensors.Select(tensor => tensor.DescriptionExpression(tensor.Name)))}),");
        w.Close(";");
        w.Line();
        w.Line("/// <summary>The layers in order, with the names their tensors have in weight files.</summary>");
        GeneratedFile.Member(w);
        w.Line($"public static global::System.Collections.Generic.IReadOnlyList<global::DenseGen.LayerDescription> Architecture => {LayersField};");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Writes every layer's weights and bias to a safetensors file, as PyTorch's <c>state_dict()</c> names them");
        w.Line($"/// ({string.Join(", ", spec.Layers.Select(l => "<c>" + l.TensorName + "." + l.Contract.Tensors[0].Name + "</c>"))}, …), with the architecture in its metadata. Atomic: an existing file is replaced only by a complete one.");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::System.IO.IOException\">The file could not be written; <paramref name=\"path\"/> is unchanged.</exception>");
        GeneratedFile.Member(w);
        w.Open("public void Save(string path)");
        w.Line($"{c.T}[][] tensors = new {c.T}[][]");
        w.Open("");
        foreach (NetworkLayer layer in spec.Layers)
            w.Line(string.Join(" ", layer.Contract.Tensors.Select(tensor => $"this.{layer.FieldName}.{tensor.Property}.ToArray(),")));
        w.Close(";");
        w.Line($"{GeneratedFile.CompilerServices}.NetworkFile.Save<{c.T}>(path, {LayersField}, tensors);");
        w.Close();
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Loads every layer's weights and bias from a safetensors file, such as one <see cref=\"Save\"/> wrote or PyTorch's");
        w.Line("/// <c>state_dict()</c> of the same layers. The whole file is checked first; on any error the network is unchanged.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"path\">The file to read.</param>");
        w.Line("/// <param name=\"strict\">Whether tensors the network does not have are refused (as PyTorch's <c>load_state_dict(strict=True)</c>); missing ones always are.</param>");
        w.Line("/// <exception cref=\"global::System.IO.InvalidDataException\">The file is invalid, records another architecture, or a tensor is missing, mis-shaped or unexpected; the message names it.</exception>");
        w.Line("/// <exception cref=\"global::System.IO.IOException\">The file could not be read.</exception>");
        DeterministicModeRequirement.WriteDoc(w, RequiresFromEntryPoints(c));
        GeneratedFile.Member(w);
        w.Open("public void Load(string path, bool strict = true)");
        WriteRequireDeterministicMode(c);
        w.Line($"{SetParametersMethod}({GeneratedFile.CompilerServices}.NetworkFile.Read<{c.T}>(path, {LayersField}, strict));");
        w.Close();
        w.Line();
        WriteLoadOnnx(c, "string path", "path", "<param name=\"path\">The <c>.onnx</c> file to read.</param>");
        WriteLoadOnnx(c, "global::System.IO.Stream stream", "stream", "<param name=\"stream\">A stream holding the model, read to its end.</param>");
        WriteLoadOnnx(c, "byte[] model", "model", "<param name=\"model\">The model's bytes, such as a file's or an embedded resource's.</param>");
        w.Line("/// <summary>Sets every layer's weights and bias from tensors already checked against the layers.</summary>");
        GeneratedFile.Member(w);
        w.Open($"private void {SetParametersMethod}({c.T}[][] tensors)");
        int index = 0;
        foreach ((NetworkLayer layer, TensorSpec tensor) in AllTensors(spec))
            w.Line($"new {ReadOnlySpan}<{c.T}>(tensors[{Number(index++)}]).CopyTo(this.{layer.FieldName}.{tensor.Property});");
        w.Close();
        w.Line();
    }

    private static void WriteBakedWeights(Context c, BakedWeights baked)
    {
        IndentedWriter w = c.W;
        NetworkSpec spec = c.Spec;
        string file = "<c>" + System.Security.SecurityElement.Escape(baked.File) + "</c>";
        w.Line($"/// <summary>Creates the network with the weights baked in from {file} at compile time.</summary>");
        GeneratedFile.Member(w);
        w.Line($"public {spec.TypeName}() => LoadBakedWeights();");
        w.Line();
        w.Line($"/// <summary>Sets every layer's weights and bias to the ones baked in from {file} at compile time; reads no file and allocates nothing.</summary>");
        GeneratedFile.Member(w);
        w.Open("public void LoadBakedWeights()");
        int tensor = 0;
        foreach ((NetworkLayer layer, TensorSpec table) in AllTensors(spec))
            w.Line($"{GeneratedFile.CompilerServices}.NetworkFile.CopyBaked<{c.T}>(global::System.MemoryExtensions.AsSpan({BakedDataField}{Number(tensor++)}), this.{layer.FieldName}.{table.Property});");
        w.Close();
        w.Line();
        // Each tensor is a string literal, two bytes to a character: the compiler stores it in the assembly as it is,
        // reading it allocates nothing, and a string is one token to compile, where a byte array of the same data is a
        // literal per byte (measured: seconds for MNIST's 400 KB). It is returned by a static property, not held in a
        // const field: a const string is stored twice (its value in the Constant table, and the literal its readers
        // load), a property's literal once. AsSpan reads the same characters either way, on every target.
        int offset = 0;
        tensor = 0;
        foreach ((NetworkLayer layer, TensorSpec table) in AllTensors(spec))
        {
            int bytes = table.Length * spec.ElementSize;
            w.Line($"/// <summary>The {BakedNoun(table)} of <c>{layer.FieldName}</c> from {file}: little-endian {c.T}, two bytes to a character.</summary>");
            GeneratedFile.Member(w);
            w.Line($"private static string {BakedDataField}{Number(tensor++)} => {BakedLiteral(baked.Data.Span, offset, bytes)};");
            w.Line();
            offset += bytes;
        }
    }

    /// <summary>Every tensor of every layer, in the order weight files, baked weights and <c>SetParameters</c> take them.</summary>
    private static IEnumerable<(NetworkLayer Layer, TensorSpec Tensor)> AllTensors(NetworkSpec spec) =>
        spec.Layers.SelectMany(layer => layer.Contract.Tensors.Select(tensor => (layer, tensor)));

    /// <summary>How a baked tensor's doc names it: its span property in lower case (<c>weights</c>, <c>bias</c>).</summary>
    private static string BakedNoun(TensorSpec tensor) => tensor.Property.ToLowerInvariant();

    /// <summary>
    /// Bytes as a C# string literal, byte 2i in the low half of character i. Each character is written as itself unless
    /// <see cref="MustEscape"/> says otherwise: a <c>\uXXXX</c> escape is six characters for the compiler to read
    /// where the character itself is one. Measured on a 653,400-parameter model: 2.0 million characters of generated
    /// source (4.5 MB as UTF-8) instead of 8.4 million with every character escaped, and the compiler's parse of them
    /// from about 0.5 s to under 0.1 s.
    /// </summary>
    internal static string BakedLiteral(System.ReadOnlySpan<byte> data, int offset, int count)
    {
        var literal = new System.Text.StringBuilder(count / 2 + 2);
        literal.Append('"');
        for (int i = 0; i < count; i += 2)
        {
            char unit = (char)(data[offset + i] | (data[offset + i + 1] << 8));
            if (MustEscape(unit))
                literal.Append("\\u").Append(((int)unit).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            else
                literal.Append(unit);
        }
        return literal.Append('"').ToString();
    }

    /// <summary>
    /// Whether a baked character is written as an escape: what C# does not allow in a string literal (<c>"</c>, <c>\</c>
    /// and the characters that end a line: U+000A, U+000D, U+0085, U+2028, U+2029), what UTF-8 cannot hold (surrogates;
    /// a pair could be written as one character, but escaping them all is simpler and costs little), and what a reader
    /// of the source, an editor or a diff would not see or would change: control characters, the byte-order mark, the
    /// noncharacters U+FFFE and U+FFFF (the last is also the compiler's own end-of-text marker), and invisible
    /// formatting (the General Punctuation block U+2000–U+206F, which holds the bidirectional controls, and Arabic's
    /// U+061C). Fixed ranges, not <see cref="char.GetUnicodeCategory(char)"/>, whose tables differ between the .NET
    /// versions that host the compiler: the same file must generate the same source everywhere.
    /// </summary>
    internal static bool MustEscape(char c) =>
        c < '\u0020' || (c >= '\u007F' && c <= '\u009F')
        || c == '"' || c == '\\'
        || c == '\u061C' || (c >= '\u2000' && c <= '\u206F')
        || (c >= '\uD800' && c <= '\uDFFF')
        || c == '\uFEFF' || c >= '\uFFFE';

    private static void WriteLoadOnnx(Context c, string parameter, string argument, string parameterDoc)
    {
        IndentedWriter w = c.W;
        w.Line("/// <summary>");
        w.Line("/// Loads every layer's weights and bias from an ONNX model of the same layers, such as <c>torch.onnx.export</c> writes");
        w.Line("/// for an <c>nn.Sequential</c> of <c>Linear</c> layers and activations. The graph's layers are taken in order and must");
        w.Line("/// match this network's sizes and activations; the whole model is checked first, and on any error the network is unchanged.");
        w.Line("/// </summary>");
        w.Line("/// " + parameterDoc);
        w.Line("/// <exception cref=\"global::System.IO.InvalidDataException\">The model is invalid, has an operator DenseGen does not import, or does not match the layers; the message names the node or layer.</exception>");
        w.Line("/// <exception cref=\"global::System.IO.IOException\">The model could not be read.</exception>");
        DeterministicModeRequirement.WriteDoc(w, RequiresFromEntryPoints(c));
        GeneratedFile.Member(w);
        w.Open($"public void LoadOnnx({parameter})");
        WriteRequireDeterministicMode(c);
        w.Line(argument == "model"
            ? $"{SetParametersMethod}({GeneratedFile.CompilerServices}.NetworkFile.ParseOnnx<{c.T}>(model, \"the ONNX model\", {LayersField}));"
            : $"{SetParametersMethod}({GeneratedFile.CompilerServices}.NetworkFile.ReadOnnx<{c.T}>({argument}, {LayersField}));");
        w.Close();
        w.Line();
    }

    private static void WriteTrainableMembers(Context c)
    {
        IndentedWriter w = c.W;
        // Optimizers see every trained tensor of every layer, in layer order and each layer's table order (per dense
        // layer, weight then bias), under the names weight files give them.
        List<(NetworkLayer Layer, TensorSpec Tensor)> trained = c.Spec.Layers
            .SelectMany(layer => layer.Contract.TrainedTensors.Select(tensor => (layer, tensor)))
            .ToList();
        int tensors = trained.Count;
        string tensorsInterface = $"global::DenseGen.IParameterTensors<{c.T}>";
        string unscoped = c.Spec.IsStruct ? "[global::System.Diagnostics.CodeAnalysis.UnscopedRef] " : "";
        string outOfRange = $"_ => throw {Guard}.TensorIndexOutOfRange(index, {Number(tensors)})";
        GeneratedFile.Field(w);
        w.Line($"private static readonly global::DenseGen.TensorDescription[] {LayerFrame.TensorsField} = new global::DenseGen.TensorDescription[]");
        w.Open("");
        foreach ((NetworkLayer layer, TensorSpec tensor) in trained)
            w.Line(tensor.DescriptionExpression(layer.TensorName + "." + tensor.Name) + ",");
        w.Close(";");
        w.Line();
        GeneratedFile.Member(w);
        w.Line($"int {tensorsInterface}.ParameterTensorCount => {Number(tensors)};");
        w.Line();
        GeneratedFile.Member(w);
        w.Open($"string {tensorsInterface}.ParameterTensorName(int index) => index switch");
        for (int i = 0; i < tensors; i++)
            w.Line($"{Number(i)} => {Literal(trained[i].Layer.TensorName + "." + trained[i].Tensor.Name)},");
        w.Line(outOfRange + ",");
        w.Close(";");
        w.Line();
        GeneratedFile.Member(w);
        w.Line($"global::DenseGen.TensorDescription {tensorsInterface}.DescribeParameterTensor(int index) => (uint)index < {Number(tensors)}u ? {LayerFrame.TensorsField}[index] : throw {Guard}.TensorIndexOutOfRange(index, {Number(tensors)});");
        w.Line();
        foreach ((string member, bool gradient) in new[] { ($"{tensorsInterface}.ParameterTensor", false), ($"global::DenseGen.ITrainable<{c.T}>.GradientTensor", true) })
        {
            GeneratedFile.Member(w);
            w.Open($"{unscoped}{Span}<{c.T}> {member}(int index) => index switch");
            for (int i = 0; i < tensors; i++)
                w.Line($"{Number(i)} => this.{trained[i].Layer.FieldName}.{(gradient ? trained[i].Tensor.GradientProperty : trained[i].Tensor.Property)},");
            w.Line(outOfRange + ",");
            w.Close();
            w.Line(";");
            if (!gradient)
                w.Line();
        }
    }

    private static string Describe(NetworkSpec spec) =>
        string.Join(", ", spec.Layers.Select(layer => layer.FieldName + " " + Describe(layer)));

    private static string Describe(NetworkLayer layer) => layer.Description;

    /// <summary>A C# string literal: tensor names come from user code, so quotes and backslashes are escaped.</summary>
    private static string Literal(string value) => Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(value, quote: true);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
