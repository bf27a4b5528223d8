using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DenseGen.Generator.Layers.Dense;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Layers.Standardize;

/// <summary>
/// The kernels of a standardizing layer and the calls to them. Per element, forward is <c>z = (x − μ) / σ</c> then,
/// with a clamp, <c>z &gt; Clip ? Clip : z &lt; −Clip ? −Clip : z</c>; backward is <c>dY / σ</c> where
/// <c>−Clip ≤ z ≤ Clip</c> and +0 elsewhere.
/// <list type="bullet">
/// <item>Full output: a kernel per vector size whose vectors fit in one sample (<c>Vector512</c>, <c>Vector256</c>,
/// <c>Vector128</c>), chosen at run time by <c>IsHardwareAccelerated</c> as the dense kernels are, and a scalar one.</item>
/// <item>Portable output: <c>Vector&lt;T&gt;</c> over whole vectors where the target has it, then element by element.</item>
/// <item>Deterministic portable output: element by element only.</item>
/// </list>
/// Why every path gives the same bits: a subtraction and a division are correctly rounded IEEE operations, the same
/// in a vector lane as in a scalar register, and the clamp only compares and selects. So the kernels divide (never
/// multiply by a reciprocal, which rounds twice and differs from ONNX Runtime's and PyTorch's division in the last
/// bit), clamp with explicit comparisons and selects (the vector <c>Min</c>/<c>Max</c> of .NET 8 and .NET 9 treat NaN
/// differently from each other and from IEEE; a comparison with NaN is false in every version, so NaN passes through),
/// and mask the backward's quotient with the comparisons' result (+0 where the clamp is active, as the scalar code's
/// literal 0). Element-by-element code rounds every step to the element type with an explicit cast: a runtime that
/// keeps intermediates wider (Mono computes floats in double) then rounds each operation once, and float through
/// double is exact for a single subtraction or division (double has more than 2·24 + 2 significand bits), so its bits
/// are the vector kernels'.
/// </summary>
internal sealed class StandardizeKernels
{
    private const string Span = "global::System.Span";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan";
    private const string Marshal = KernelWriter.Marshal;
    private const string Unsafe = KernelWriter.Unsafe;
    private const string Cast = "global::System.Runtime.InteropServices.MemoryMarshal.Cast";
    private const string NumericsVector = "global::System.Numerics.Vector";

    /// <summary>Vectors spelled out per sample before the kernel loops over a sample's vectors instead.</summary>
    private const int MaxStraightVectors = 8;

    private readonly StandardizeSpec _spec;
    private readonly bool _portable;
    private readonly bool _vectorT;
    private readonly string? _methodAttributes;
    private readonly int[] _widths;

    public StandardizeKernels(StandardizeSpec spec, bool portable, bool hasVectorT, string? methodAttributes)
    {
        _spec = spec;
        _portable = portable;
        // A deterministic layer's portable output runs element by element: its casts are what fixes the bits on a
        // runtime that keeps floats wider, and Vector<T>'s arithmetic on such a runtime is its own.
        _vectorT = portable && hasVectorT && !spec.Deterministic;
        _methodAttributes = methodAttributes;
        // Widths whose vectors fit in one sample; a narrower layer gains nothing from them.
        _widths = portable ? new int[0] : new[] { 512, 256, 128 }.Where(bits => Lanes(bits) <= spec.Size).ToArray();
    }

    private string T => _spec.ElementKeyword;

    private string Size => Number(_spec.Size);

    private string High => _spec.ClipLiteral;

    private string Low => "-" + _spec.ClipLiteral;

    private int Lanes(int bits) => bits / (8 * _spec.ElementSize);

    /// <summary>What the entry points' remarks say of the bits they give.</summary>
    public string DeterminismRemark => _spec.Deterministic
        ? "Deterministic: the same bits on every machine and runtime, whichever kernel runs."
        : _portable
            ? "Each element is a subtraction, a division and comparisons, each exactly rounded, so the vector and element-by-element loops give the same bits."
            : "Each element is a subtraction, a division and comparisons, each exactly rounded, so every kernel (vector or scalar) gives the same bits.";

    /// <summary>Forward's call, given <c>input</c>, <c>output</c>, <c>mean</c>, <c>std</c> and <c>samples</c>.</summary>
    public void WriteForwardCall(IndentedWriter w)
    {
        if (_portable)
        {
            w.Line("__DenseForwardPortable(input, output, mean, std, samples);");
            return;
        }
        w.Line($"ref {T} x = ref {Marshal}.GetReference(input);");
        w.Line($"ref {T} y = ref {Marshal}.GetReference(output);");
        w.Line($"ref {T} m = ref {Marshal}.GetReference(mean);");
        w.Line($"ref {T} s = ref {Marshal}.GetReference(std);");
        WriteDispatch(w, "__DenseForward", "(ref x, ref y, ref m, ref s, samples);");
    }

    /// <summary>Backward's call, given <c>input</c>, <c>outputGradient</c>, <c>inputGradient</c>, <c>mean</c>, <c>std</c> and <c>samples</c>.</summary>
    public void WriteBackwardCall(IndentedWriter w)
    {
        if (_portable)
        {
            w.Line("__DenseBackwardPortable(input, outputGradient, mean, std, inputGradient, samples);");
            return;
        }
        w.Line($"ref {T} x = ref {Marshal}.GetReference(input);");
        w.Line($"ref {T} dy = ref {Marshal}.GetReference(outputGradient);");
        w.Line($"ref {T} m = ref {Marshal}.GetReference(mean);");
        w.Line($"ref {T} s = ref {Marshal}.GetReference(std);");
        w.Line($"ref {T} dx = ref {Marshal}.GetReference(inputGradient);");
        WriteDispatch(w, "__DenseBackward", "(ref x, ref dy, ref m, ref s, ref dx, samples);");
    }

    /// <summary>The widest accelerated kernel, else the scalar one (<see cref="LayerFrame.WriteDispatch"/>).</summary>
    private void WriteDispatch(IndentedWriter w, string kernel, string arguments) =>
        LayerFrame.WriteDispatch(w, _widths.Select(bits => (Static(bits), kernel + "Vector" + Number(bits))).ToArray(), kernel + "Scalar", arguments);

    /// <summary>Every kernel the calls above name.</summary>
    public void Write(IndentedWriter w)
    {
        w.Line();
        if (_portable)
        {
            WritePortableForward(w);
            w.Line();
            WritePortableBackward(w);
            return;
        }
        foreach (int bits in _widths)
        {
            WriteVectorForward(w, bits);
            w.Line();
            WriteVectorBackward(w, bits);
            w.Line();
        }
        w.Line("// Scalar, for hardware without accelerated vectors (and layers narrower than one).");
        WriteScalarForward(w);
        w.Line();
        WriteScalarBackward(w);
    }

    private static string Static(int bits) => "global::System.Runtime.Intrinsics.Vector" + Number(bits);

    private void Attributes(IndentedWriter w) => GeneratedFile.Method(w, _methodAttributes);

    /// <summary>
    /// The offsets of one sample's vectors: every whole vector, then, when the size is no multiple of the lanes, the last
    /// <c>lanes</c> elements again from <c>Size − lanes</c>. Each element's result depends on its own inputs only and the
    /// output overlaps no input, so the elements written twice get the same bits twice.
    /// </summary>
    private void WriteVectorSteps(IndentedWriter w, int bits, System.Action<string, string> step)
    {
        int lanes = Lanes(bits), whole = _spec.Size / lanes;
        if (whole <= MaxStraightVectors)
        {
            for (int k = 0; k < whole; k++)
                step(Number(k * lanes), Number(k));
        }
        else
        {
            w.Open($"for (int i = 0; i < {Number(whole * lanes)}; i += {Number(lanes)})");
            step("(nuint)i", "");
            w.Close();
        }
        if (_spec.Size % lanes != 0)
        {
            w.Line($"// The last {Number(lanes)} elements, from {Number(_spec.Size - lanes)}: those before {Number(whole * lanes)} get the same values again.");
            step(Number(_spec.Size - lanes), "Tail");
        }
    }

    private void WriteVectorForward(IndentedWriter w, int bits)
    {
        string v = Static(bits), vector = $"{v}<{T}>";
        w.Line($"// {v.Substring(v.LastIndexOf('.') + 1)}: each sample's {Size} elements as whole vectors.");
        Attributes(w);
        w.Open($"private static void __DenseForwardVector{Number(bits)}(ref {T} x, ref {T} y, ref {T} mean, ref {T} std, int samples)");
        if (_spec.Clamps)
            w.Line($"{vector} high = {v}.Create({High}), low = {v}.Create({Low});");
        w.Open("for (int sample = 0; sample < samples; sample++)");
        WriteVectorSteps(w, bits, (offset, suffix) =>
        {
            string z = "z" + suffix;
            w.Line($"{vector} {z} = ({v}.LoadUnsafe(ref x, {offset}) - {v}.LoadUnsafe(ref mean, {offset})) / {v}.LoadUnsafe(ref std, {offset});");
            if (_spec.Clamps)
            {
                w.Line($"{z} = {v}.ConditionalSelect({v}.GreaterThan({z}, high), high, {z});");
                w.Line($"{z} = {v}.ConditionalSelect({v}.LessThan({z}, low), low, {z});");
            }
            w.Line($"{v}.StoreUnsafe({z}, ref y, {offset});");
        });
        w.Line($"x = ref {Unsafe}.Add(ref x, {Size});");
        w.Line($"y = ref {Unsafe}.Add(ref y, {Size});");
        w.Close();
        w.Close();
    }

    private void WriteVectorBackward(IndentedWriter w, int bits)
    {
        string v = Static(bits), vector = $"{v}<{T}>";
        w.Line(_spec.Clamps
            ? $"// {v.Substring(v.LastIndexOf('.') + 1)}: dX = dY / σ, masked to +0 where the clamp was active (z recomputed as Forward computes it)."
            : $"// {v.Substring(v.LastIndexOf('.') + 1)}: dX = dY / σ.");
        Attributes(w);
        w.Open($"private static void __DenseBackwardVector{Number(bits)}(ref {T} x, ref {T} dy, ref {T} mean, ref {T} std, ref {T} dx, int samples)");
        if (_spec.Clamps)
            w.Line($"{vector} high = {v}.Create({High}), low = {v}.Create({Low});");
        w.Open("for (int sample = 0; sample < samples; sample++)");
        WriteVectorSteps(w, bits, (offset, suffix) =>
        {
            if (_spec.Clamps)
            {
                string s = "s" + suffix, z = "z" + suffix;
                w.Line($"{vector} {s} = {v}.LoadUnsafe(ref std, {offset});");
                w.Line($"{vector} {z} = ({v}.LoadUnsafe(ref x, {offset}) - {v}.LoadUnsafe(ref mean, {offset})) / {s};");
                w.Line($"{v}.StoreUnsafe(({v}.LoadUnsafe(ref dy, {offset}) / {s}) & ({v}.GreaterThanOrEqual({z}, low) & {v}.LessThanOrEqual({z}, high)), ref dx, {offset});");
            }
            else
            {
                w.Line($"{v}.StoreUnsafe({v}.LoadUnsafe(ref dy, {offset}) / {v}.LoadUnsafe(ref std, {offset}), ref dx, {offset});");
            }
        });
        if (_spec.Clamps)
            w.Line($"x = ref {Unsafe}.Add(ref x, {Size});");
        w.Line($"dy = ref {Unsafe}.Add(ref dy, {Size});");
        w.Line($"dx = ref {Unsafe}.Add(ref dx, {Size});");
        w.Close();
        w.Close();
    }

    /// <summary><c>z</c> for element <c>i</c>, each step rounded to the element type (see the class's remarks).</summary>
    private string ScalarZ(string x, string mean, string std) => $"{T} z = ({T})(({T})({x} - {mean}) / {std});";

    private void WriteScalarClamp(IndentedWriter w)
    {
        if (!_spec.Clamps)
            return;
        // Comparisons with NaN are false: NaN passes through, as ONNX's Clip and PyTorch's clamp leave it.
        w.Line($"if (z > {High})");
        w.Line($"    z = {High};");
        w.Line($"else if (z < {Low})");
        w.Line($"    z = {Low};");
    }

    private void WriteScalarForward(IndentedWriter w)
    {
        Attributes(w);
        w.Open($"private static void __DenseForwardScalar(ref {T} x, ref {T} y, ref {T} mean, ref {T} std, int samples)");
        w.Open("for (int sample = 0; sample < samples; sample++)");
        w.Open($"for (int i = 0; i < {Size}; i++)");
        w.Line(ScalarZ($"{Unsafe}.Add(ref x, i)", $"{Unsafe}.Add(ref mean, i)", $"{Unsafe}.Add(ref std, i)"));
        WriteScalarClamp(w);
        w.Line($"{Unsafe}.Add(ref y, i) = z;");
        w.Close();
        w.Line($"x = ref {Unsafe}.Add(ref x, {Size});");
        w.Line($"y = ref {Unsafe}.Add(ref y, {Size});");
        w.Close();
        w.Close();
    }

    private void WriteScalarBackward(IndentedWriter w)
    {
        Attributes(w);
        w.Open($"private static void __DenseBackwardScalar(ref {T} x, ref {T} dy, ref {T} mean, ref {T} std, ref {T} dx, int samples)");
        w.Open("for (int sample = 0; sample < samples; sample++)");
        w.Open($"for (int i = 0; i < {Size}; i++)");
        WriteScalarGradient(w, $"{Unsafe}.Add(ref x, i)", $"{Unsafe}.Add(ref dy, i)", $"{Unsafe}.Add(ref mean, i)", $"{Unsafe}.Add(ref std, i)", $"{Unsafe}.Add(ref dx, i)");
        w.Close();
        if (_spec.Clamps)
            w.Line($"x = ref {Unsafe}.Add(ref x, {Size});");
        w.Line($"dy = ref {Unsafe}.Add(ref dy, {Size});");
        w.Line($"dx = ref {Unsafe}.Add(ref dx, {Size});");
        w.Close();
        w.Close();
    }

    /// <summary>One element's <c>dX</c>: <c>dY / σ</c>, or, with a clamp, that where <c>−Clip ≤ z ≤ Clip</c> and 0 elsewhere.</summary>
    private void WriteScalarGradient(IndentedWriter w, string x, string dy, string mean, string std, string dx)
    {
        if (!_spec.Clamps)
        {
            w.Line($"{dx} = ({T})({dy} / {std});");
            return;
        }
        w.Line($"{T} s = {std};");
        w.Line(ScalarZ(x, mean, "s"));
        // On the bounds the gradient passes, as PyTorch's clamp backward gives it (min <= z <= max); NaN z gives 0.
        w.Line($"{dx} = z >= {Low} && z <= {High} ? ({T})({dy} / s) : {Zero};");
    }

    private string Zero => _spec.Element == ElementKind.Float64 ? "0d" : "0f";

    private string NumericVector => $"{NumericsVector}<{T}>";

    /// <summary>Declares <c>vectorEnd</c> and the statistics as Vector&lt;T&gt; spans, where the portable kernels use them.</summary>
    private void WritePortableVectors(IndentedWriter w, bool mean)
    {
        if (!_vectorT)
            return;
        w.Line($"int vectorEnd = {Size} - {Size} % {NumericVector}.Count;");
        if (mean)
            w.Line($"{ReadOnlySpan}<{NumericVector}> meanVectors = {Cast}<{T}, {NumericVector}>(mean.Slice(0, vectorEnd));");
        w.Line($"{ReadOnlySpan}<{NumericVector}> stdVectors = {Cast}<{T}, {NumericVector}>(std.Slice(0, vectorEnd));");
        if (_spec.Clamps)
            w.Line($"{NumericVector} high = new {NumericVector}({High}), low = new {NumericVector}({Low});");
    }

    private void WritePortableForward(IndentedWriter w)
    {
        w.Line(_vectorT
            ? "// Portable: each sample as whole Vector<T>s, then element by element."
            : "// Portable: element by element, each step rounded to the element type.");
        GeneratedFile.Member(w);
        w.Open($"private static void __DenseForwardPortable({ReadOnlySpan}<{T}> input, {Span}<{T}> output, {ReadOnlySpan}<{T}> mean, {ReadOnlySpan}<{T}> std, int samples)");
        WritePortableVectors(w, mean: true);
        w.Open("for (int sample = 0; sample < samples; sample++)");
        w.Line($"{ReadOnlySpan}<{T}> x = input.Slice(sample * {Size}, {Size});");
        w.Line($"{Span}<{T}> y = output.Slice(sample * {Size}, {Size});");
        if (_vectorT)
        {
            w.Line($"{ReadOnlySpan}<{NumericVector}> xVectors = {Cast}<{T}, {NumericVector}>(x.Slice(0, vectorEnd));");
            w.Line($"{Span}<{NumericVector}> yVectors = {Cast}<{T}, {NumericVector}>(y.Slice(0, vectorEnd));");
            w.Open("for (int v = 0; v < xVectors.Length; v++)");
            w.Line($"{NumericVector} z = (xVectors[v] - meanVectors[v]) / stdVectors[v];");
            if (_spec.Clamps)
            {
                w.Line($"z = {NumericsVector}.ConditionalSelect({NumericsVector}.GreaterThan(z, high), high, z);");
                w.Line($"z = {NumericsVector}.ConditionalSelect({NumericsVector}.LessThan(z, low), low, z);");
            }
            w.Line("yVectors[v] = z;");
            w.Close();
        }
        w.Open($"for (int i = {(_vectorT ? "vectorEnd" : "0")}; i < {Size}; i++)");
        w.Line(ScalarZ("x[i]", "mean[i]", "std[i]"));
        WriteScalarClamp(w);
        w.Line("y[i] = z;");
        w.Close();
        w.Close();
        w.Close();
    }

    private void WritePortableBackward(IndentedWriter w)
    {
        w.Line(_spec.Clamps
            ? "// dX = dY / σ where the clamp was not active (z recomputed as Forward computes it), +0 where it was."
            : "// dX = dY / σ.");
        GeneratedFile.Member(w);
        w.Open($"private static void __DenseBackwardPortable({ReadOnlySpan}<{T}> input, {ReadOnlySpan}<{T}> outputGradient, {ReadOnlySpan}<{T}> mean, {ReadOnlySpan}<{T}> std, {Span}<{T}> inputGradient, int samples)");
        WritePortableVectors(w, mean: _spec.Clamps);
        w.Open("for (int sample = 0; sample < samples; sample++)");
        if (_spec.Clamps)
            w.Line($"{ReadOnlySpan}<{T}> x = input.Slice(sample * {Size}, {Size});");
        w.Line($"{ReadOnlySpan}<{T}> dy = outputGradient.Slice(sample * {Size}, {Size});");
        w.Line($"{Span}<{T}> dx = inputGradient.Slice(sample * {Size}, {Size});");
        if (_vectorT)
        {
            if (_spec.Clamps)
                w.Line($"{ReadOnlySpan}<{NumericVector}> xVectors = {Cast}<{T}, {NumericVector}>(x.Slice(0, vectorEnd));");
            w.Line($"{ReadOnlySpan}<{NumericVector}> dyVectors = {Cast}<{T}, {NumericVector}>(dy.Slice(0, vectorEnd));");
            w.Line($"{Span}<{NumericVector}> dxVectors = {Cast}<{T}, {NumericVector}>(dx.Slice(0, vectorEnd));");
            w.Open("for (int v = 0; v < dyVectors.Length; v++)");
            if (_spec.Clamps)
            {
                w.Line($"{NumericVector} s = stdVectors[v];");
                w.Line($"{NumericVector} z = (xVectors[v] - meanVectors[v]) / s;");
                w.Line($"dxVectors[v] = {NumericsVector}.ConditionalSelect({NumericsVector}.BitwiseAnd({NumericsVector}.GreaterThanOrEqual(z, low), {NumericsVector}.LessThanOrEqual(z, high)), dyVectors[v] / s, {NumericVector}.Zero);");
            }
            else
            {
                w.Line("dxVectors[v] = dyVectors[v] / stdVectors[v];");
            }
            w.Close();
        }
        w.Open($"for (int i = {(_vectorT ? "vectorEnd" : "0")}; i < {Size}; i++)");
        WriteScalarGradient(w, "x[i]", "dy[i]", "mean[i]", "std[i]", "dx[i]");
        w.Close();
        w.Close();
        w.Close();
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
