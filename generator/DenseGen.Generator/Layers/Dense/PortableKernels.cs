using System.Globalization;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Layers.Dense;

/// <summary>
/// The kernels of portable output, for targets without .NET 8's hardware intrinsics (.NET Standard 2.x, Unity,
/// .NET Framework) or without C# 12: span-indexed loops with the layer's sizes as constants, over
/// <c>System.Numerics.Vector&lt;T&gt;</c> where the host accelerates it. Vector&lt;T&gt;'s width is only known at
/// run time, so these loops cannot be unrolled at generation time; each row is walked as whole vectors, then
/// element by element for the rest. Only safe code: IL2CPP and Mono run it as they find it.
/// </summary>
internal static class PortableKernels
{
    public const string ForwardName = "__DenseForwardPortable";
    public const string BackwardName = "__DenseBackwardPortable";
    public const string InputGradientName = "__DenseInputGradientPortable";

    /// <summary>
    /// The kernels' signatures, which DenseEmitter calls and which the portable and the deterministic kernels
    /// (<see cref="DeterministicKernels"/>) both implement.
    /// </summary>
    /// A bias-free layer's kernels take no bias and no bias gradient.
    public static string ForwardSignature(DenseSpec spec) =>
        $"private static void {ForwardName}({ReadOnlySpan}<{spec.ElementKeyword}> input, {Span}<{spec.ElementKeyword}> output, {ReadOnlySpan}<{spec.ElementKeyword}> weights{(spec.Bias ? $", {ReadOnlySpan}<{spec.ElementKeyword}> bias" : "")}, int samples)";

    public static string BackwardSignature(DenseSpec spec) =>
        $"private static void {BackwardName}({ReadOnlySpan}<{spec.ElementKeyword}> input, {ReadOnlySpan}<{spec.ElementKeyword}> outputGradient, {ReadOnlySpan}<{spec.ElementKeyword}> weights, {Span}<{spec.ElementKeyword}> weightGradients{(spec.Bias ? $", {Span}<{spec.ElementKeyword}> biasGradients" : "")}, {Span}<{spec.ElementKeyword}> inputGradient, int samples)";

    /// <summary>The bias gradients argument of a backward kernel call, with its comma; none for a bias-free layer.</summary>
    public static string BiasGradientsArgument(DenseSpec spec) => spec.Bias ? ", biasGradients" : "";

    public static string InputGradientSignature(string t) =>
        $"private static void {InputGradientName}({ReadOnlySpan}<{t}> outputGradient, {ReadOnlySpan}<{t}> weights, {Span}<{t}> inputGradient, int samples)";

    private const string Span = "global::System.Span";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan";
    private const string Cast = "global::System.Runtime.InteropServices.MemoryMarshal.Cast";

    /// <param name="w">Where to write, inside the layer's type.</param>
    /// <param name="spec">The layer.</param>
    /// <param name="hasVectorT">Whether the target has <c>Vector&lt;T&gt;</c>; without it every loop is scalar.</param>
    public static void Write(IndentedWriter w, DenseSpec spec, bool hasVectorT)
    {
        string t = spec.ElementKeyword, inputs = Number(spec.In), outputs = Number(spec.Out);
        string vector = $"global::System.Numerics.Vector<{t}>";
        string zero = spec.Element == ElementKind.Float64 ? "0d" : "0f";
        w.Line();

        w.Line("// Portable kernels: each row of W as whole Vector<T>s, then element by element.");
        GeneratedFile.Member(w);
        w.Open(ForwardSignature(spec));
        WriteVectorEnd(w, inputs, vector, hasVectorT);
        w.Open("for (int sample = 0; sample < samples; sample++)");
        w.Line($"{ReadOnlySpan}<{t}> x = input.Slice(sample * {inputs}, {inputs});");
        w.Line($"{Span}<{t}> y = output.Slice(sample * {outputs}, {outputs});");
        if (hasVectorT)
            w.Line($"{ReadOnlySpan}<{vector}> xVectors = {Cast}<{t}, {vector}>(x.Slice(0, vectorEnd));");
        w.Open($"for (int o = 0; o < {outputs}; o++)");
        w.Line($"{ReadOnlySpan}<{t}> row = weights.Slice(o * {inputs}, {inputs});");
        if (hasVectorT)
        {
            w.Line($"{ReadOnlySpan}<{vector}> rowVectors = {Cast}<{t}, {vector}>(row.Slice(0, vectorEnd));");
            w.Line($"{vector} products = {vector}.Zero;");
            w.Line("for (int v = 0; v < rowVectors.Length; v++)");
            w.Line("    products += rowVectors[v] * xVectors[v];");
            w.Line($"{t} sum = global::System.Numerics.Vector.Dot(products, {vector}.One);");
        }
        else
        {
            w.Line($"{t} sum = {zero};");
        }
        w.Line($"for (int i = vectorEnd; i < {inputs}; i++)");
        w.Line("    sum += row[i] * x[i];");
        w.Line(spec.Bias ? "y[o] = sum + bias[o];" : "y[o] = sum;");
        w.Close();
        w.Close();
        w.Close();
        if (!spec.HasBackward)
            return;
        w.Line();

        // A frozen layer has no gradients: its kernel is the dX part alone, and its inputGradient is never empty.
        bool trainable = spec.Trainable;
        if (trainable)
        {
            w.Line("// db += Σ dY; dW += dYᵀ X; dX = dY W unless inputGradient is empty. Rows of W and dW are walked in order.");
            GeneratedFile.Member(w);
            w.Open(BackwardSignature(spec));
        }
        else
        {
            w.Line("// dX = dY W, for a frozen layer: rows of W are walked in order.");
            GeneratedFile.Member(w);
            w.Open(InputGradientSignature(t));
        }
        WriteVectorEnd(w, inputs, vector, hasVectorT);
        w.Open("for (int sample = 0; sample < samples; sample++)");
        if (trainable)
            w.Line($"{ReadOnlySpan}<{t}> x = input.Slice(sample * {inputs}, {inputs});");
        w.Line($"{ReadOnlySpan}<{t}> dy = outputGradient.Slice(sample * {outputs}, {outputs});");
        w.Line(trainable
            ? $"{Span}<{t}> dx = inputGradient.IsEmpty ? default : inputGradient.Slice(sample * {inputs}, {inputs});"
            : $"{Span}<{t}> dx = inputGradient.Slice(sample * {inputs}, {inputs});");
        w.Line("dx.Clear();");
        if (hasVectorT)
        {
            if (trainable)
                w.Line($"{ReadOnlySpan}<{vector}> xVectors = {Cast}<{t}, {vector}>(x.Slice(0, vectorEnd));");
            w.Line($"{Span}<{vector}> dxVectors = {Cast}<{t}, {vector}>({(trainable ? "dx.IsEmpty ? dx : dx.Slice(0, vectorEnd)" : "dx.Slice(0, vectorEnd)")});");
        }
        w.Open($"for (int o = 0; o < {outputs}; o++)");
        w.Line($"{t} g = dy[o];");
        if (trainable)
        {
            if (spec.Bias)
                w.Line("biasGradients[o] += g;");
            w.Line($"{Span}<{t}> gradientRow = weightGradients.Slice(o * {inputs}, {inputs});");
        }
        w.Line($"{ReadOnlySpan}<{t}> row = weights.Slice(o * {inputs}, {inputs});");
        if (hasVectorT)
            w.Line($"var gs = new {vector}(g);");
        if (trainable)
        {
            if (hasVectorT)
            {
                w.Line($"{Span}<{vector}> gradientVectors = {Cast}<{t}, {vector}>(gradientRow.Slice(0, vectorEnd));");
                w.Line("for (int v = 0; v < gradientVectors.Length; v++)");
                w.Line("    gradientVectors[v] += gs * xVectors[v];");
            }
            w.Line($"for (int i = vectorEnd; i < {inputs}; i++)");
            w.Line("    gradientRow[i] += g * x[i];");
            w.Open("if (!dx.IsEmpty)");
        }
        if (hasVectorT)
        {
            w.Line($"{ReadOnlySpan}<{vector}> rowVectors = {Cast}<{t}, {vector}>(row.Slice(0, vectorEnd));");
            w.Line("for (int v = 0; v < dxVectors.Length; v++)");
            w.Line("    dxVectors[v] += gs * rowVectors[v];");
        }
        w.Line($"for (int i = vectorEnd; i < {inputs}; i++)");
        w.Line("    dx[i] += g * row[i];");
        if (trainable)
            w.Close();
        w.Close();
        w.Close();
        w.Close();
    }

    /// <summary>
    /// Declares <c>vectorEnd</c>, where each row's whole vectors end: zero when Vector&lt;T&gt; is not accelerated
    /// (Mono and IL2CPP run it as plain structs, slower than scalar code) or absent.
    /// </summary>
    private static void WriteVectorEnd(IndentedWriter w, string inputs, string vector, bool hasVectorT)
    {
        if (hasVectorT)
            w.Line($"int vectorEnd = global::System.Numerics.Vector.IsHardwareAccelerated ? {inputs} - {inputs} % {vector}.Count : 0;");
        else
            w.Line("const int vectorEnd = 0;");
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
