using DenseGen.Generator.Model;
using static DenseGen.Generator.Layers.Dense.KernelWriter;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Layers.Dense;

/// <summary>
/// The scalar kernels: plain loops with the layer's constant trip counts, walking refs so they carry no bounds
/// checks. They run where the hardware has no vector unit the JIT accelerates, and they double as the
/// readable statement of what every vector kernel must compute.
/// </summary>
internal static class LoopKernels
{
    public const string ForwardName = "__DenseForwardScalar";
    public const string WeightGradientName = "__DenseWeightGradientScalar";
    public const string InputGradientName = "__DenseInputGradientScalar";
    public const string OneSampleBackwardName = "__DenseBackwardOneSampleScalar";

    public static void WriteForward(KernelWriter k)
    {
        DenseSpec spec = k.Spec;
        string t = k.T, inputs = Number(spec.In), outputs = Number(spec.Out);
        k.WriteAttributes();
        k.Open($"{k.Modifiers} void {ForwardName}(ref {t} x, ref {t} y, ref {t} w{k.BiasParameter}, int samples)");
        k.Open("for (int sample = 0; sample < samples; sample++)");
        k.Open($"for (int o = 0; o < {outputs}; o++)");
        k.Line($"ref {t} row = ref {Unsafe}.Add(ref w, o * {inputs});");
        k.Line($"{t} sum = {k.Zero};");
        k.Line($"for (int i = 0; i < {inputs}; i++)");
        k.Op($"    sum += {Unsafe}.Add(ref row, i) * {Unsafe}.Add(ref x, i);");
        k.Op($"{Unsafe}.Add(ref y, o) = {k.Activated(k.PlusBias("sum", $"{Unsafe}.Add(ref b, o)"))};");
        k.Close();
        k.Line($"x = ref {Unsafe}.Add(ref x, {inputs});");
        k.Line($"y = ref {Unsafe}.Add(ref y, {outputs});");
        k.Close();
        k.Close();
        k.Line("");
    }

    public static void WriteWeightGradient(KernelWriter k)
    {
        DenseSpec spec = k.Spec;
        string t = k.T, inputs = Number(spec.In), outputs = Number(spec.Out);
        k.WriteAttributes();
        k.Open($"{k.Modifiers} void {WeightGradientName}(ref {t} x, ref {t} dy, ref {t} dw, int samples)");
        k.Open("for (int sample = 0; sample < samples; sample++)");
        k.Open($"for (int o = 0; o < {outputs}; o++)");
        k.Line($"{t} g = {Unsafe}.Add(ref dy, o);");
        k.Line($"ref {t} gradientRow = ref {Unsafe}.Add(ref dw, o * {inputs});");
        k.Line($"for (int i = 0; i < {inputs}; i++)");
        k.Op($"    {Unsafe}.Add(ref gradientRow, i) += g * {Unsafe}.Add(ref x, i);");
        k.Close();
        k.Line($"x = ref {Unsafe}.Add(ref x, {inputs});");
        k.Line($"dy = ref {Unsafe}.Add(ref dy, {outputs});");
        k.Close();
        k.Close();
        k.Line("");
    }

    public static void WriteInputGradient(KernelWriter k)
    {
        DenseSpec spec = k.Spec;
        string t = k.T, inputs = Number(spec.In), outputs = Number(spec.Out);
        k.WriteAttributes();
        k.Open($"{k.Modifiers} void {InputGradientName}(ref {t} dy, ref {t} w, ref {t} dx, int samples)");
        k.Open("for (int sample = 0; sample < samples; sample++)");
        k.Line("// dx = Wᵀ dy, summed over the rows of W so both walk memory in order.");
        k.Op($"{Marshal}.CreateSpan(ref dx, {inputs}).Clear();");
        k.Open($"for (int o = 0; o < {outputs}; o++)");
        k.Line($"{t} g = {Unsafe}.Add(ref dy, o);");
        k.Line($"ref {t} row = ref {Unsafe}.Add(ref w, o * {inputs});");
        k.Line($"for (int i = 0; i < {inputs}; i++)");
        k.Op($"    {Unsafe}.Add(ref dx, i) += g * {Unsafe}.Add(ref row, i);");
        k.Close();
        k.Line($"dx = ref {Unsafe}.Add(ref dx, {inputs});");
        k.Line($"dy = ref {Unsafe}.Add(ref dy, {outputs});");
        k.Close();
        k.Close();
        k.Line("");
    }

    /// <summary>The vector kernels' fused one-sample backward has no scalar counterpart of its own: the two loops, one after the other.</summary>
    public static void WriteOneSampleBackward(KernelWriter k)
    {
        string t = k.T;
        GeneratedFile.Member(k.Writer);
        k.Open($"{k.Modifiers} void {OneSampleBackwardName}(ref {t} x, ref {t} dy, ref {t} w, ref {t} dw, ref {t} dx)");
        k.Line($"{WeightGradientName}(ref x, ref dy, ref dw, 1);");
        k.Line($"{InputGradientName}(ref dy, ref w, ref dx, 1);");
        k.Close();
        k.Line("");
    }
}
