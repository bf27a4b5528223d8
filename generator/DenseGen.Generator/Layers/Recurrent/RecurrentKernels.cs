using System.Collections.Generic;
using System.Linq;
using DenseGen.Generator.Layers.Dense;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Layers.Recurrent;

/// <summary>
/// The gates' matrix-vector products of a recurrent layer's step, <c>W_ih x + b_ih</c> and <c>W_hh h + b_hh</c>, through the
/// dense layers' vector kernels: each is a dense layer of <c>Gates·Hidden</c> outputs, so the kernels tuned for those
/// (4-row tiles, FMA, every size a constant) serve it unchanged. They live in a nested class per number of columns
/// (<c>In</c>, and <c>Hidden</c> for the recurrent weights and the layers above the first), since the dense kernels'
/// names are fixed. The full output's non-deterministic layers use them where the fused step kernel does not apply
/// (<see cref="RecurrentStepKernel"/>: double layers, Hidden not a multiple of 4, deterministic mode); a deterministic
/// layer keeps its fixed scalar order, and the portable output its scalar loops.
/// </summary>
internal static class RecurrentKernels
{
    public static bool Applies(RecurrentSpec spec, bool portable) => !portable && !spec.Deterministic;

    /// <summary>The nested class of the kernels for weights of <paramref name="columns"/> columns.</summary>
    public static string ClassName(int columns) => "__DenseGates" + columns.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The column counts the layer's weights have: its input's, and the hidden state's.</summary>
    private static IEnumerable<int> Columns(RecurrentSpec spec) => new[] { spec.In, spec.Hidden }.Distinct();

    /// <summary>
    /// The vector widths of the kernels for <paramref name="dense"/>, widest first: those whose vectors divide a row
    /// exactly where any does (a row of 40 floats is five 256-bit vectors, where 512-bit ones leave a tail that costs
    /// more than the vectors save), else every width that fits.
    /// </summary>
    private static VectorWidth[] Widths(DenseSpec dense)
    {
        VectorWidth[] fitting = VectorWidth.For(dense);
        VectorWidth[] dividing = fitting.Where(width => dense.In % width.Lanes == 0).ToArray();
        return dividing.Length > 0 ? dividing : fitting;
    }

    /// <summary>The gates' product as a dense layer: <paramref name="columns"/> inputs, <c>Gates·Hidden</c> outputs, a bias, no activation.</summary>
    private static DenseSpec AsDense(RecurrentSpec spec, int columns) =>
        new(null, EquatableArray<ContainingType>.Empty, ClassName(columns), IsStruct: false, spec.Element, In: columns, Out: spec.GateRows, FullUnroll: false,
            Trainable: false, HasBackward: false);

    public static void WriteClasses(IndentedWriter w, RecurrentSpec spec, bool skipLocalsInit)
    {
        foreach (int columns in Columns(spec))
        {
            DenseSpec dense = AsDense(spec, columns);
            var kernels = new KernelWriter(w, dense, skipLocalsInit) { Modifiers = "internal static" };
            w.Line();
            w.Line(spec.BatchedBackward
                ? $"/// <summary>The gates' products for weights of {columns} columns: <c>W x + b</c>, the weights' gradients and the input's, the dense layers' kernels.</summary>"
                : $"/// <summary>The gates' products <c>W x + b</c> for weights of {columns} columns: the dense layers' forward kernels.</summary>");
            GeneratedFile.Member(w);
            w.Open($"private static class {ClassName(columns)}");
            foreach (VectorWidth width in Widths(dense))
                KernelPlanner.Write(kernels, width, KernelKind.Forward, KernelPlanner.Choose(dense, width, KernelKind.Forward));
            LoopKernels.WriteForward(kernels);
            if (spec.BatchedBackward)
            {
                foreach (KernelKind kind in new[] { KernelKind.WeightGradient, KernelKind.InputGradient })
                {
                    foreach (VectorWidth width in Widths(dense))
                        KernelPlanner.Write(kernels, width, kind, KernelPlanner.Choose(dense, width, kind));
                }
                LoopKernels.WriteWeightGradient(kernels);
                LoopKernels.WriteInputGradient(kernels);
            }
            w.Close();
        }
    }

    /// <summary><c>{y} = {weights} {x} + {bias}</c> for one sample, through the widest kernel the hardware accelerates.</summary>
    public static void WriteCall(IndentedWriter w, RecurrentSpec spec, int columns, string x, string y, string weights, string bias) =>
        WriteDispatch(w, spec, columns, VectorKernels.ForwardName, LoopKernels.ForwardName, $"{Ref(x)}, {Ref(y)}, {Ref(weights)}, {Ref(bias)}, 1");

    /// <summary><c>{weightGradients} += Σ {gradients}[s] ⊗ {x}[s]</c> over <paramref name="samples"/> rows, in row order.</summary>
    public static void WriteWeightGradientCall(IndentedWriter w, RecurrentSpec spec, int columns, string x, string gradients, string weightGradients, string samples) =>
        WriteDispatch(w, spec, columns, VectorKernels.WeightGradientName, LoopKernels.WeightGradientName, $"{Ref(x)}, {Ref(gradients)}, {Ref(weightGradients)}, {samples}");

    /// <summary><c>{target}[s] = {weights}ᵀ {gradients}[s]</c> for <paramref name="samples"/> rows, each summed over the weights' rows in order.</summary>
    public static void WriteInputGradientCall(IndentedWriter w, RecurrentSpec spec, int columns, string gradients, string weights, string target, string samples) =>
        WriteDispatch(w, spec, columns, VectorKernels.InputGradientName, LoopKernels.InputGradientName, $"{Ref(gradients)}, {Ref(weights)}, {Ref(target)}, {samples}");

    private static string Ref(string span) => $"ref {KernelWriter.Marshal}.GetReference({span})";

    private static void WriteDispatch(IndentedWriter w, RecurrentSpec spec, int columns, System.Func<VectorWidth, string> vectorName, string scalarName, string arguments)
    {
        string cls = ClassName(columns);
        LayerFrame.WriteDispatch(w, Widths(AsDense(spec, columns)).Select(width => (width.Static, cls + "." + vectorName(width))).ToArray(), cls + "." + scalarName, $"({arguments});");
    }
}
