using System.Globalization;
using DenseGen.Generator.Determinism;
using DenseGen.Generator.Layers.Dense;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Layers.Standardize;

/// <summary>
/// Turns a <see cref="StandardizeSpec"/> into the source of the layer's partial type: its constants, the shared frame's
/// storage, span properties, overlap checks and tensor table (<see cref="LayerFrame"/>), and Forward and Backward over
/// the kernels <see cref="StandardizeKernels"/> writes. Pure: the same spec always gives byte-identical text.
/// </summary>
internal static class StandardizeEmitter
{
    private const string Span = "global::System.Span";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan";
    private const string Guard = GeneratedFile.Guard;

    /// <param name="spec">The layer.</param>
    /// <param name="target">The compilation's facts: full or portable output, and whether methods may be [SkipLocalsInit].</param>
    public static string Emit(StandardizeSpec spec, TargetInfo target)
    {
        bool portable = target.IsPortable;
        bool skipLocalsInit = target.AllowsUnsafe && !portable;
        var w = new IndentedWriter();
        GeneratedFile.Open(w, spec.Namespace, spec.ContainingTypes);

        string t = spec.ElementKeyword;
        // Not ITrainable: nothing is learned, so optimizers have nothing to bind to; IParameterTensors lists mean and
        // std for initializers and weight files.
        w.Open($"partial {(spec.IsStruct ? "struct" : "class")} {spec.TypeName} : global::DenseGen.IForwardModule<{t}>, global::DenseGen.IParameterTensors<{t}>");
        LayerContract contract = spec.Contract;
        LayerStorage storage = LayerFrame.StorageFor(spec, portable);
        WriteConstants(w, spec, contract);
        LayerFrame.WriteStorage(w, spec, contract, storage);
        LayerFrame.WriteSpanProperties(w, spec, contract, storage);
        // Portable output has no method attributes: AggressiveOptimization and [SkipLocalsInit] are .NET Core's.
        string? methodAttributes = portable ? null : KernelWriter.MethodAttributes(skipLocalsInit);
        var kernels = new StandardizeKernels(spec, portable, target.HasVectorT, methodAttributes);
        WriteForward(w, spec, contract, storage, kernels, methodAttributes);
        WriteBackward(w, spec, contract, storage, kernels, methodAttributes);
        LayerFrame.WriteTensorMembers(w, spec, contract);
        kernels.Write(w);
        w.Close();

        GeneratedFile.Close(w, spec.Namespace, spec.ContainingTypes);
        return w.ToString();
    }

    private static void WriteConstants(IndentedWriter w, StandardizeSpec spec, LayerContract contract)
    {
        w.Line("/// <summary>Number of inputs per sample: the length of <c>x</c>.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const int InputSize = {Number(spec.Size)};");
        w.Line();
        w.Line("/// <summary>Number of outputs per sample, as many as inputs: the length of <c>y</c>.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const int OutputSize = {Number(spec.Size)};");
        w.Line();
        w.Line(spec.Clamps
            ? "/// <summary>The bound the outputs are clamped to, <c>[−Clip, Clip]</c>.</summary>"
            : "/// <summary>The bound the outputs are clamped to, <c>[−Clip, Clip]</c>; 0: they are not clamped.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const {spec.ElementKeyword} Clip = {spec.ClipLiteral};");
        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// Bytes of the mean and std, {Number(spec.ElementSize)} per element (the layer keeps no gradients): the size of a struct layer, and of a");
        w.Line("/// class layer's data (its object and array headers aside). A build can check a memory budget at compile time, e.g.");
        w.Line("/// <c>const ulong fits = Budget - (ulong)StorageBytes;</c> fails to compile (CS0220) when the layer is larger than <c>Budget</c>.");
        w.Line("/// </summary>");
        GeneratedFile.Field(w);
        w.Line($"public const long StorageBytes = {Number(contract.StorageBytes(spec.ElementSize))};");
        w.Line();
        GeneratedFile.Member(w);
        w.Line("int global::DenseGen.IModuleShape.InputSize => InputSize;");
        w.Line();
        GeneratedFile.Member(w);
        w.Line("int global::DenseGen.IModuleShape.OutputSize => OutputSize;");
        w.Line();
    }

    private static void WriteForward(
        IndentedWriter w, StandardizeSpec spec, LayerContract contract, LayerStorage storage, StandardizeKernels kernels, string? methodAttributes)
    {
        string t = spec.ElementKeyword;
        w.Line("/// <summary>");
        w.Line("/// Computes <c>y = (x − μ) / σ</c> element by element for each of the <c>k</c> samples in <paramref name=\"input\"/>, with an IEEE");
        w.Line(spec.Clamps
            ? "/// division (as ONNX Runtime's <c>Div</c>), then clamps it to <c>[−Clip, Clip]</c> (NaN stays NaN, as in ONNX's <c>Clip</c>)."
            : "/// division (as ONNX Runtime's <c>Div</c>).");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"input\"><c>k</c> samples, <c>[k, InputSize]</c> row-major; <c>k ≥ 1</c> is implied by the length.</param>");
        w.Line("/// <param name=\"output\">Receives <c>[k, OutputSize]</c>. Must not overlap <paramref name=\"input\"/>, <see cref=\"Mean\"/> or <see cref=\"Std\"/>.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">");
        w.Line("/// The length of <paramref name=\"input\"/> is not a positive multiple of <see cref=\"InputSize\"/>, the length of");
        w.Line("/// <paramref name=\"output\"/> is not <c>k × OutputSize</c>, or <paramref name=\"output\"/> overlaps memory the layer reads.");
        w.Line("/// Nothing is written when it is thrown.");
        w.Line("/// </exception>");
        w.Line("/// <remarks>");
        w.Line("/// Reads the mean and std and writes only <paramref name=\"output\"/>: several threads may call it at once while nothing");
        w.Line("/// modifies them. Allocates nothing. " + kernels.DeterminismRemark);
        w.Line("/// </remarks>");
        DeterministicModeRequirement.WriteDoc(w, LayerFrame.RequiresDeterministicModeFromEntryPoints(spec, storage));
        GeneratedFile.Method(w, methodAttributes);
        w.Open($"{(spec.IsStruct ? "public readonly void" : "public void")} Forward({ReadOnlySpan}<{t}> input, {Span}<{t}> output)");
        LayerFrame.WriteRequireDeterministicMode(w, spec, storage);
        w.Line($"int samples = {Guard}.SampleCount(input.Length, InputSize, nameof(input), nameof(InputSize));");
        w.Line($"{Guard}.RequireSamples(output.Length, samples, OutputSize, nameof(output), nameof(OutputSize));");
        w.Line($"{Guard}.RequireDisjoint<{t}>(output, nameof(output), input, nameof(input));");
        LayerFrame.WriteDisjointFromTensors(w, spec, contract, storage, "output", gradients: false);
        WriteStatistics(w, spec, contract, storage);
        w.Line();
        kernels.WriteForwardCall(w);
        w.Close();
        w.Line();
    }

    private static void WriteBackward(
        IndentedWriter w, StandardizeSpec spec, LayerContract contract, LayerStorage storage, StandardizeKernels kernels, string? methodAttributes)
    {
        string t = spec.ElementKeyword;
        w.Line("/// <summary>");
        if (spec.Clamps)
        {
            w.Line("/// Passes a batch's gradient back through the layer: writes <c>∂L/∂X = dY / σ</c> where the clamp is not active,");
            w.Line("/// <c>−Clip ≤ z ≤ Clip</c> for <c>z = (x − μ) / σ</c>, and 0 where it is (<c>|z| &gt; Clip</c>, or <c>z</c> NaN). At exactly");
            w.Line("/// <c>|z| = Clip</c> the gradient passes, as PyTorch's <c>clamp</c> gives it. The division is an IEEE division, as PyTorch's.");
        }
        else
        {
            w.Line("/// Passes a batch's gradient back through the layer: writes <c>∂L/∂X = dY / σ</c>, an IEEE division, as PyTorch's.");
        }
        w.Line("/// The layer has no gradients of its own: its mean and std are state, not trained.");
        w.Line("/// </summary>");
        w.Line(spec.Clamps
            ? "/// <param name=\"input\">The batch given to <see cref=\"Forward\"/>, <c>[k, InputSize]</c>: where the clamp was active is recomputed from it.</param>"
            : "/// <param name=\"input\">The batch given to <see cref=\"Forward\"/>, <c>[k, InputSize]</c>; only its length is used.</param>");
        w.Line("/// <param name=\"outputGradient\"><c>∂L/∂Y</c>, <c>[k, OutputSize]</c>.</param>");
        w.Line("/// <param name=\"inputGradient\">Receives <c>∂L/∂X</c>, <c>[k, InputSize]</c>.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">");
        w.Line("/// A length does not match, or <paramref name=\"inputGradient\"/> overlaps a span the call reads. Nothing is written when it is thrown.");
        w.Line("/// </exception>");
        w.Line("/// <remarks>Only reads the layer: several threads may call it at once. Allocates nothing. " + kernels.DeterminismRemark + "</remarks>");
        DeterministicModeRequirement.WriteDoc(w, LayerFrame.RequiresDeterministicModeFromEntryPoints(spec, storage));
        GeneratedFile.Method(w, methodAttributes);
        w.Open($"{(spec.IsStruct ? "public readonly void" : "public void")} Backward({ReadOnlySpan}<{t}> input, {ReadOnlySpan}<{t}> outputGradient, {Span}<{t}> inputGradient)");
        LayerFrame.WriteRequireDeterministicMode(w, spec, storage);
        w.Line($"int samples = {Guard}.SampleCount(input.Length, InputSize, nameof(input), nameof(InputSize));");
        w.Line($"{Guard}.RequireSamples(outputGradient.Length, samples, OutputSize, nameof(outputGradient), nameof(OutputSize));");
        // ∂L/∂X is all Backward computes, so inputGradient cannot be skipped (as for a frozen dense layer).
        w.Line($"{Guard}.RequireSamples(inputGradient.Length, samples, InputSize, nameof(inputGradient), nameof(InputSize));");
        w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), input, nameof(input));");
        w.Line($"{Guard}.RequireDisjoint<{t}>(inputGradient, nameof(inputGradient), outputGradient, nameof(outputGradient));");
        LayerFrame.WriteDisjointFromTensors(w, spec, contract, storage, "inputGradient", gradients: false);
        WriteStatistics(w, spec, contract, storage);
        w.Line();
        kernels.WriteBackwardCall(w);
        w.Close();
    }

    /// <summary>Declares <c>mean</c> and <c>std</c>, the tensors as read-only spans, for the kernel call.</summary>
    private static void WriteStatistics(IndentedWriter w, StandardizeSpec spec, LayerContract contract, LayerStorage storage)
    {
        foreach (TensorSpec tensor in contract.Tensors)
            w.Line($"{ReadOnlySpan}<{spec.ElementKeyword}> {tensor.Name} = {LayerFrame.SpanOf(tensor.Field, storage)};");
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
