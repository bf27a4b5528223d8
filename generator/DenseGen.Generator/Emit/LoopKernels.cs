using System.Globalization;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Emit;

/// <summary>
/// Writes the arithmetic of Forward and Backward as loops whose trip counts are the layer's constant sizes,
/// walking the data through refs so the loops carry no bounds checks (the caller has validated every length).
/// This is the first code shape; a kernel planner choosing vector and unrolled shapes per layer slots in here.
/// </summary>
/// <remarks>
/// Contract with <see cref="LayerEmitter"/>: when a body starts, the locals <c>samples</c> (the batch size),
/// the spans <c>input</c>, <c>output</c> / <c>outputGradient</c>, <c>inputGradient</c>, <c>weights</c>,
/// <c>bias</c>, <c>weightGradients</c>, <c>biasGradients</c> are in scope, every length checked and no
/// written span overlapping another.
/// </remarks>
internal static class LoopKernels
{
    private const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    private const string Marshal = "global::System.Runtime.InteropServices.MemoryMarshal";

    public static void WriteForward(IndentedWriter w, LayerSpec spec)
    {
        string t = spec.ElementKeyword;
        string inputs = Number(spec.In), outputs = Number(spec.Out);

        w.Line($"ref {t} x = ref {Marshal}.GetReference(input);");
        w.Line($"ref {t} y = ref {Marshal}.GetReference(output);");
        w.Line($"ref {t} w = ref {Marshal}.GetReference(weights);");
        w.Line($"ref {t} b = ref {Marshal}.GetReference(bias);");
        w.Open("for (int sample = 0; sample < samples; sample++)");
        w.Open($"for (int o = 0; o < {outputs}; o++)");
        w.Line($"ref {t} row = ref {Unsafe}.Add(ref w, o * {inputs});");
        w.Line($"{t} sum = {Zero(spec)};");
        w.Line($"for (int i = 0; i < {inputs}; i++)");
        w.Line($"    sum += {Unsafe}.Add(ref row, i) * {Unsafe}.Add(ref x, i);");
        w.Line($"{Unsafe}.Add(ref y, o) = sum + {Unsafe}.Add(ref b, o);");
        w.Close();
        w.Line($"x = ref {Unsafe}.Add(ref x, {inputs});");
        w.Line($"y = ref {Unsafe}.Add(ref y, {outputs});");
        w.Close();
    }

    public static void WriteBackward(IndentedWriter w, LayerSpec spec)
    {
        string t = spec.ElementKeyword;
        string inputs = Number(spec.In), outputs = Number(spec.Out);

        w.Line("bool computeInputGradient = !inputGradient.IsEmpty;");
        w.Line($"ref {t} x = ref {Marshal}.GetReference(input);");
        w.Line($"ref {t} dy = ref {Marshal}.GetReference(outputGradient);");
        w.Line($"ref {t} dx = ref {Marshal}.GetReference(inputGradient);");
        w.Line($"ref {t} w = ref {Marshal}.GetReference(weights);");
        w.Line($"ref {t} dw = ref {Marshal}.GetReference(weightGradients);");
        w.Line($"ref {t} db = ref {Marshal}.GetReference(biasGradients);");
        w.Open("for (int sample = 0; sample < samples; sample++)");

        w.Line("// dW += dy ⊗ x and db += dy, one output row at a time.");
        w.Open($"for (int o = 0; o < {outputs}; o++)");
        w.Line($"{t} g = {Unsafe}.Add(ref dy, o);");
        w.Line($"{Unsafe}.Add(ref db, o) += g;");
        w.Line($"ref {t} gradientRow = ref {Unsafe}.Add(ref dw, o * {inputs});");
        w.Line($"for (int i = 0; i < {inputs}; i++)");
        w.Line($"    {Unsafe}.Add(ref gradientRow, i) += g * {Unsafe}.Add(ref x, i);");
        w.Close();

        w.Open("if (computeInputGradient)");
        w.Line("// dx = Wᵀ dy, summed over the rows of W so both walk memory in order.");
        w.Line($"{Marshal}.CreateSpan(ref dx, {inputs}).Clear();");
        w.Open($"for (int o = 0; o < {outputs}; o++)");
        w.Line($"{t} g = {Unsafe}.Add(ref dy, o);");
        w.Line($"ref {t} row = ref {Unsafe}.Add(ref w, o * {inputs});");
        w.Line($"for (int i = 0; i < {inputs}; i++)");
        w.Line($"    {Unsafe}.Add(ref dx, i) += g * {Unsafe}.Add(ref row, i);");
        w.Close();
        w.Line($"dx = ref {Unsafe}.Add(ref dx, {inputs});");
        w.Close();

        w.Line($"x = ref {Unsafe}.Add(ref x, {inputs});");
        w.Line($"dy = ref {Unsafe}.Add(ref dy, {outputs});");
        w.Close();
    }

    private static string Zero(LayerSpec spec) => spec.Element == ElementKind.Float64 ? "0d" : "0f";

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
