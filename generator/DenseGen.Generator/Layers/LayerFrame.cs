using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DenseGen.Generator.Determinism;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Layers;

/// <summary>Where a generated layer keeps its tensors and gradients.</summary>
internal enum LayerStorage
{
    /// <summary><c>[InlineArray]</c> fields: struct layers, whose tensors live inside the value.</summary>
    Inline,

    /// <summary>The runtime's <c>AlignedArray&lt;T&gt;</c>, each buffer from a cache line: class layers.</summary>
    AlignedArrays,

    /// <summary>Plain arrays: class layers in portable output, whose runtime has no aligned arrays.</summary>
    Arrays,
}

/// <summary>
/// The parts of a layer's code every kind shares, written from its <see cref="LayerContract"/>'s tensor table: the
/// storage of each tensor and gradient, their span properties, the checks that a span the caller passes overlaps none
/// of them, <c>ZeroGradients</c> and the <c>ITrainable</c> members. A kind's emitter writes its constants, entry points
/// and kernels around these.
/// </summary>
internal static class LayerFrame
{
    private const string Span = "global::System.Span";
    private const string Guard = GeneratedFile.Guard;

    /// <summary>The static table of the runtime's tensor descriptions, one per type.</summary>
    public const string TensorsField = "__denseTensors";

    /// <summary>
    /// Whether the layer's entry points turn the runtime's deterministic mode on: in the portable output (tensors in
    /// arrays), which has no module initializers, a deterministic layer asks from each entry point (see
    /// DeterministicModeRequirement); once the mode is on, the call is a field read.
    /// </summary>
    public static bool RequiresDeterministicModeFromEntryPoints(LayerSpec spec, LayerStorage storage) =>
        storage == LayerStorage.Arrays && spec.RequiresDeterministicMode;

    /// <summary>The entry point's call that turns the deterministic mode on, where <see cref="RequiresDeterministicModeFromEntryPoints"/>.</summary>
    public static void WriteRequireDeterministicMode(IndentedWriter w, LayerSpec spec, LayerStorage storage) =>
        DeterministicModeRequirement.WriteCall(w, RequiresDeterministicModeFromEntryPoints(spec, storage), spec.Namespace, spec.ContainingTypes, spec.TypeName, "layer");

    /// <summary>
    /// Calls the kernel of the widest vector size the hardware accelerates, else the scalar one:
    /// <paramref name="vectorKernels"/> pairs each vector type (<c>global::System.Runtime.Intrinsics.Vector256</c>),
    /// widest first, with its kernel. <c>IsHardwareAccelerated</c> is a constant to the JIT, so the chain folds to one
    /// direct call and only that kernel is ever compiled.
    /// </summary>
    public static void WriteDispatch(IndentedWriter w, IReadOnlyList<(string Vector, string Kernel)> vectorKernels, string scalarKernel, string arguments)
    {
        for (int i = 0; i < vectorKernels.Count; i++)
        {
            w.Line($"{(i == 0 ? "if" : "else if")} ({vectorKernels[i].Vector}.IsHardwareAccelerated)");
            w.Line($"    {vectorKernels[i].Kernel}{arguments}");
        }
        w.Line(vectorKernels.Count == 0 ? $"{scalarKernel}{arguments}" : "else");
        if (vectorKernels.Count > 0)
            w.Line($"    {scalarKernel}{arguments}");
    }

    /// <summary>The storage a layer gets in the given output.</summary>
    public static LayerStorage StorageFor(LayerSpec spec, bool portable) =>
        portable ? LayerStorage.Arrays : spec.IsStruct ? LayerStorage.Inline : LayerStorage.AlignedArrays;

    /// <summary>
    /// A field per tensor, then one per gradient, in table order. Class layers keep each in its own array, from a cache
    /// line in full output (where the weights fall against 64-byte lines otherwise moves a one-sample call by a tenth or
    /// more from one allocation to the next); struct layers keep them inline, packed, so the value is its data.
    /// </summary>
    public static void WriteStorage(IndentedWriter w, LayerSpec spec, LayerContract contract, LayerStorage storage) =>
        WriteBuffers(w, spec, storage, contract.Tensors.Select(tensor => (tensor.Field, tensor.StorageType, (long)tensor.Length))
            .Concat(contract.TrainedTensors.Select(tensor => (tensor.GradientField, tensor.StorageType, (long)tensor.Length))).ToList());

    /// <summary>
    /// Buffers a kind keeps beside its tensors (a recurrent layer's running state), stored as the tensors are: a field
    /// each, an inline array in a struct layer (one type per length, <c>__DenseBuffer{length}Storage</c>).
    /// </summary>
    public static void WriteOwnBuffers(IndentedWriter w, LayerSpec spec, LayerStorage storage, IReadOnlyList<(string Field, long Length)> buffers) =>
        WriteBuffers(w, spec, storage, buffers.Select(buffer => (buffer.Field, "__DenseBuffer" + Number(buffer.Length) + "Storage", buffer.Length)).ToList());

    // One field per buffer in the storage's form, then, for inline storage, each inline-array type once.
    private static void WriteBuffers(IndentedWriter w, LayerSpec spec, LayerStorage storage, List<(string Field, string StorageType, long Length)> buffers)
    {
        string t = spec.ElementKeyword;
        foreach ((string field, string storageType, long length) in buffers)
        {
            GeneratedFile.Field(w);
            w.Line(storage switch
            {
                // Inline arrays keep a struct layer's buffers inside the value: one stack-allocatable value with no
                // indirection on the hot path.
                LayerStorage.Inline => $"private {storageType} {field};",
                // Each buffer starts on a cache line, wherever the layer is allocated: where the weights fall against
                // 64-byte lines otherwise moves a one-sample call by a tenth or more from one allocation to the next.
                LayerStorage.AlignedArrays => $"private readonly {GeneratedFile.CompilerServices}.AlignedArray<{t}> {field} = new({Number(length)});",
                // Portable output: one array per buffer, allocated with the layer.
                _ => $"private readonly {t}[] {field} = new {t}[{Number(length)}];",
            });
        }
        w.Line();
        if (storage != LayerStorage.Inline)
            return;
        foreach ((string _, string storageType, long length) in buffers.GroupBy(buffer => buffer.StorageType).Select(group => group.First()))
            WriteInlineArray(w, storageType, t, length);
    }

    private static void WriteInlineArray(IndentedWriter w, string name, string elementType, long length)
    {
        GeneratedFile.Member(w);
        w.Line($"[global::System.Runtime.CompilerServices.InlineArray({Number(length)})]");
        w.Open($"private struct {name}");
        w.Line($"private {elementType} __element;");
        w.Close();
        w.Line();
    }

    /// <summary>The public span property of every tensor, then of every gradient.</summary>
    public static void WriteSpanProperties(IndentedWriter w, LayerSpec spec, LayerContract contract, LayerStorage storage)
    {
        foreach (TensorSpec tensor in contract.Tensors)
            WriteSpanProperty(w, spec, tensor.Property, SpanOf(tensor.Field, storage), tensor.Summary);
        foreach (TensorSpec tensor in contract.TrainedTensors)
            WriteSpanProperty(w, spec, tensor.GradientProperty!, SpanOf(tensor.GradientField, storage), tensor.GradientSummary!);
    }

    /// <summary>An expression for a storage field as a span (inline arrays and arrays convert implicitly).</summary>
    public static string SpanOf(string field, LayerStorage storage) => storage == LayerStorage.AlignedArrays ? field + ".Span" : field;

    /// <summary>A public span property over a storage field (<see cref="SpanOf"/>), <c>[UnscopedRef]</c> in a struct layer.</summary>
    public static void WriteSpanProperty(IndentedWriter w, LayerSpec spec, string name, string field, string summary)
    {
        w.Line($"/// <summary>{summary}</summary>");
        GeneratedFile.Member(w);
        if (spec.IsStruct)
            w.Line("[global::System.Diagnostics.CodeAnalysis.UnscopedRef]");
        w.Line($"public {Span}<{spec.ElementKeyword}> {name} => {field};");
        w.Line();
    }

    /// <summary>Rejects <paramref name="span"/> (a parameter of the entry point) if it overlaps any tensor, or any gradient too when <paramref name="gradients"/>.</summary>
    public static void WriteDisjointFromTensors(IndentedWriter w, LayerSpec spec, LayerContract contract, LayerStorage storage, string span, bool gradients)
    {
        foreach (TensorSpec tensor in contract.Tensors)
            w.Line($"{Guard}.RequireDisjoint<{spec.ElementKeyword}>({span}, nameof({span}), {SpanOf(tensor.Field, storage)}, nameof({tensor.Property}));");
        if (!gradients)
            return;
        foreach (TensorSpec tensor in contract.TrainedTensors)
            w.Line($"{Guard}.RequireDisjoint<{spec.ElementKeyword}>({span}, nameof({span}), {SpanOf(tensor.GradientField, storage)}, nameof({tensor.GradientProperty}));");
    }

    /// <summary><c>ZeroGradients</c>: clears every gradient.</summary>
    public static void WriteZeroGradients(IndentedWriter w, LayerContract contract, string? methodAttributes)
    {
        List<string> gradients = contract.TrainedTensors.Select(tensor => tensor.GradientProperty!).ToList();
        w.Line($"/// <summary>Sets {string.Join(" and ", gradients.Select(g => $"<see cref=\"{g}\"/>"))} to zero, typically before each batch.</summary>");
        GeneratedFile.Method(w, methodAttributes);
        w.Open("public void ZeroGradients()");
        foreach (string gradient in gradients)
            w.Line($"{gradient}.Clear();");
        w.Close();
    }

    /// <summary>
    /// The runtime's <c>IParameterTensors&lt;T&gt;</c> (the tensor table by name, which initializers and weight files
    /// take) and, for a layer that learns, <c>ITrainable&lt;T&gt;</c> (each tensor's gradient, which optimizers take):
    /// explicit, so the layer's own surface stays its kind's. Every layer lists its whole table; a layer that learns gives
    /// a tensor it does not train (a recurrent layer's initial state, unless it learns it) an empty gradient, which
    /// optimizers skip.
    /// </summary>
    public static void WriteTensorMembers(IndentedWriter w, LayerSpec spec, LayerContract contract)
    {
        string t = spec.ElementKeyword;
        string tensorsInterface = $"global::DenseGen.IParameterTensors<{t}>";
        string unscoped = spec.IsStruct ? "[global::System.Diagnostics.CodeAnalysis.UnscopedRef] " : "";
        List<TensorSpec> tensors = contract.Tensors.ToList();
        string count = Number(tensors.Count);
        string outOfRange = $"_ => throw {Guard}.TensorIndexOutOfRange(index, {count})";
        w.Line();
        GeneratedFile.Field(w);
        w.Line($"private static readonly global::DenseGen.TensorDescription[] {TensorsField} = new global::DenseGen.TensorDescription[] {{ {string.Join(", ", tensors.Select(tensor => tensor.DescriptionExpression(tensor.Name)))} }};");
        w.Line();
        GeneratedFile.Member(w);
        w.Line($"int {tensorsInterface}.ParameterTensorCount => {count};");
        w.Line();
        GeneratedFile.Member(w);
        w.Line($"string {tensorsInterface}.ParameterTensorName(int index) => index switch {{ {Cases(tensors, tensor => "\"" + tensor.Name + "\"")}{outOfRange} }};");
        w.Line();
        GeneratedFile.Member(w);
        w.Line($"global::DenseGen.TensorDescription {tensorsInterface}.DescribeParameterTensor(int index) => (uint)index < {count}u ? {TensorsField}[index] : throw {Guard}.TensorIndexOutOfRange(index, {count});");
        w.Line();
        GeneratedFile.Member(w);
        w.Line($"{unscoped}{Span}<{t}> {tensorsInterface}.ParameterTensor(int index) => index switch {{ {Cases(tensors, tensor => tensor.Property)}{outOfRange} }};");
        if (!contract.Trainable)
            return;
        w.Line();
        GeneratedFile.Member(w);
        w.Line($"{unscoped}{Span}<{t}> global::DenseGen.ITrainable<{t}>.GradientTensor(int index) => index switch {{ {Cases(tensors, tensor => tensor.GradientProperty ?? "default")}{outOfRange} }};");
    }

    /// <summary>The cases of a one-line switch over tensor indices: <c>0 => Weights, 1 => Bias, </c>.</summary>
    private static string Cases(List<TensorSpec> tensors, System.Func<TensorSpec, string> value) =>
        string.Concat(tensors.Select((tensor, index) => $"{Number(index)} => {value(tensor)}, "));

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
